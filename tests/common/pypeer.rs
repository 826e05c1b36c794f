//! Python peer processes for the interop tests.
//!
//! [`Peer::spawn`] runs a script of `tests/python/` with the pinned pyzmq (see
//! [`super::python`]). The test and the peer synchronise through handshake lines on the
//! peer's stdout (`ENDPOINT ...`, `READY`, `DONE ...`) and commands on its stdin, never
//! through sleeps. Every peer is bounded twice: the script kills itself after its
//! `--deadline` (and when the test process goes away), and dropping the [`Peer`] — at
//! the end of the test, pass or fail — kills it by PID and reaps it.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Seconds after which a peer script kills itself (its `--deadline`): 90, or 1800 for
/// the long runs of `ZMQ_STRESS=1`.
pub fn peer_deadline_s() -> u32 {
    if std::env::var_os("ZMQ_STRESS").is_some_and(|v| v == "1") {
        1800
    } else {
        90
    }
}

/// How long to wait for a line or an exit the test expects: a hang detector, generous
/// because the CI machine is small and busy.
pub const LINE_WAIT: Duration = Duration::from_secs(30);

/// A running peer process; killed and reaped when dropped.
pub struct Peer {
    name: String,
    child: Mutex<Child>,
    stdin: Option<ChildStdin>,
    lines: Mutex<mpsc::Receiver<String>>,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

/// The directory of the peer scripts.
pub fn scripts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

impl Peer {
    /// Starts `tests/python/<script>` with `args` (plus `--deadline`).
    pub fn python<S: AsRef<str>>(script: &str, args: &[S]) -> Peer {
        let mut command = Command::new(super::python());
        command.arg("-u").arg(scripts_dir().join(script));
        let mut all: Vec<String> = args.iter().map(|a| a.as_ref().to_owned()).collect();
        all.push("--deadline".to_owned());
        all.push(peer_deadline_s().to_string());
        command.args(&all);
        Peer::command(command, &format!("{script} {}", all.join(" ")))
    }

    /// Starts `program` with `args`. Unlike the Python scripts, it has no deadline of its
    /// own: give it one through its arguments (zmqcat's `--timeout`).
    pub fn program<S: AsRef<str>>(program: &std::path::Path, args: &[S]) -> Peer {
        let args: Vec<String> = args.iter().map(|a| a.as_ref().to_owned()).collect();
        let label = program.file_name().unwrap_or_default().to_string_lossy();
        let mut command = Command::new(program);
        command.args(&args);
        Peer::command(command, &format!("{label} {}", args.join(" ")))
    }

    /// Starts a prepared command (its stdin, stdout and stderr are taken over), called
    /// `name` in failure messages.
    pub fn command(mut command: Command, name: &str) -> Peer {
        let name = name.to_owned();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start the peer `{name}`: {err}"));
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr_pipe = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_sink = Arc::clone(&stderr);
        let readers = vec![
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            }),
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = stderr_pipe.read(&mut buf) {
                    stderr_sink
                        .lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }),
        ];
        Peer {
            name,
            child: Mutex::new(child),
            stdin,
            lines: Mutex::new(lines),
            stderr,
            readers,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap().id()
    }

    /// The exit status if the process has ended.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.child.lock().unwrap().try_wait().ok().flatten()
    }

    /// What to show when something goes wrong: the command, its status and its stderr.
    pub fn diagnostics(&self) -> String {
        // Give a dying process a moment to finish writing its traceback.
        let limit = Instant::now() + Duration::from_millis(500);
        let status = loop {
            match self.exit_status() {
                Some(status) => break format!("{status}"),
                None if Instant::now() >= limit => break "still running".to_owned(),
                None => std::thread::sleep(Duration::from_millis(20)),
            }
        };
        format!(
            "peer `{}` ({status}); its stderr:\n{}",
            self.name,
            self.stderr.lock().unwrap()
        )
    }

    /// Panics if the process ended with a failure (used while waiting on a socket).
    pub fn check_alive(&self) {
        if let Some(status) = self.exit_status()
            && !status.success()
        {
            panic!("{}", self.diagnostics());
        }
    }

    /// The next stdout line if one comes within `wait`.
    pub fn try_line(&self, wait: Duration) -> Option<String> {
        match self.lines.lock().unwrap().recv_timeout(wait) {
            Ok(line) => Some(line),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("the peer closed its stdout\n{}", self.diagnostics())
            }
        }
    }

    /// The next stdout line within `wait`; `None` after `wait` or when stdout has ended.
    pub fn line_or_end(&self, wait: Duration) -> Option<String> {
        self.lines.lock().unwrap().recv_timeout(wait).ok()
    }

    /// The next stdout line; panics (with the peer's stderr) after [`LINE_WAIT`].
    pub fn line(&self) -> String {
        self.try_line(LINE_WAIT).unwrap_or_else(|| {
            panic!(
                "no line from the peer within {LINE_WAIT:?}\n{}",
                self.diagnostics()
            )
        })
    }

    /// The next line, which must be `key` or start with `key `; returns the rest.
    pub fn expect(&self, key: &str) -> String {
        self.expect_within(key, LINE_WAIT)
    }

    /// [`expect`](Self::expect), waiting up to `wait` (for a peer with a long job).
    pub fn expect_within(&self, key: &str, wait: Duration) -> String {
        let line = self.try_line(wait).unwrap_or_else(|| {
            panic!(
                "no `{key}` line from the peer within {wait:?}\n{}",
                self.diagnostics()
            )
        });
        match line.strip_prefix(key) {
            Some("") => String::new(),
            Some(rest) if rest.starts_with(' ') => rest[1..].to_owned(),
            _ => panic!(
                "expected a `{key}` line from the peer, got `{line}`\n{}",
                self.diagnostics()
            ),
        }
    }

    /// The next line starting with `key `, skipping others (e.g. `EVENT` lines).
    pub fn expect_skipping(&self, key: &str) -> String {
        let limit = Instant::now() + LINE_WAIT;
        loop {
            let left = limit.saturating_duration_since(Instant::now());
            let line = self.try_line(left).unwrap_or_else(|| {
                panic!(
                    "no `{key}` line within {LINE_WAIT:?}\n{}",
                    self.diagnostics()
                )
            });
            if line == key {
                return String::new();
            }
            if let Some(rest) = line.strip_prefix(key)
                && let Some(rest) = rest.strip_prefix(' ')
            {
                return rest.to_owned();
            }
        }
    }

    /// Waits for a stderr line starting with `prefix` and returns the rest of it.
    pub fn stderr_line(&self, prefix: &str) -> String {
        let limit = Instant::now() + LINE_WAIT;
        loop {
            // Read the exit before the lines: a line written just before the exit is then
            // in the text read after it (once the reader thread has stored it).
            let exited = self.exit_status().is_some();
            if exited {
                std::thread::sleep(Duration::from_millis(100));
            }
            // Whole lines only: the last one may still be arriving a piece at a time.
            let found = {
                let stderr = self.stderr.lock().unwrap();
                let complete = stderr.rfind('\n').map_or("", |end| &stderr[..end]);
                complete
                    .lines()
                    .find_map(|line| line.strip_prefix(prefix).map(str::to_owned))
            };
            if let Some(rest) = found {
                return rest;
            }
            if Instant::now() >= limit || exited {
                panic!("no stderr line `{prefix}...`\n{}", self.diagnostics());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Closes the peer's stdin (end of input).
    pub fn close_stdin(&mut self) {
        drop(self.stdin.take());
    }

    /// Waits for the peer to exit (at most [`LINE_WAIT`]) and returns its status, its
    /// unread stdout lines and its stderr, whatever the status.
    pub fn wait_output(self) -> (ExitStatus, Vec<String>, String) {
        let limit = Instant::now() + LINE_WAIT;
        let status = loop {
            if let Some(status) = self.exit_status() {
                break status;
            }
            if Instant::now() >= limit {
                panic!(
                    "the peer did not exit within {LINE_WAIT:?}\n{}",
                    self.diagnostics()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stderr = Arc::clone(&self.stderr);
        let rest = self.drain_output();
        let stderr = stderr.lock().unwrap().clone();
        (status, rest, stderr)
    }

    /// Reads the `ENDPOINT` line a binding peer prints.
    pub fn endpoint(&self) -> String {
        self.expect("ENDPOINT")
    }

    /// Writes a command line on the peer's stdin.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        if let Err(err) = writeln!(stdin, "{line}").and_then(|()| stdin.flush()) {
            panic!("cannot write to the peer: {err}\n{}", self.diagnostics());
        }
    }

    /// Waits for the peer to exit (at most [`LINE_WAIT`]), checks that it succeeded, and
    /// returns the lines it printed that were not read yet.
    pub fn finish(self) -> Vec<String> {
        let limit = Instant::now() + LINE_WAIT;
        loop {
            match self.exit_status() {
                Some(status) if status.success() => break,
                Some(_) => panic!("{}", self.diagnostics()),
                None if Instant::now() >= limit => {
                    panic!(
                        "the peer did not exit within {LINE_WAIT:?}\n{}",
                        self.diagnostics()
                    )
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        self.drain_output()
    }

    /// After the exit: lets the readers reach the end of the pipes, and returns the
    /// stdout lines not read yet.
    fn drain_output(mut self) -> Vec<String> {
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }

        self.lines.lock().unwrap().try_iter().collect()
    }

    /// Sends a signal to the process (e.g. `libc::SIGSTOP` to freeze it).
    pub fn signal(&self, signal: i32) {
        let pid = self.pid() as libc::pid_t;
        // SAFETY: kill(2) has no memory-safety preconditions; the pid is our own child,
        // which is not reaped before this `Peer` is dropped, so it names no other process.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({pid}, {signal}) failed");
    }

    /// Kills the process now (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.kill();
        drop(self.stdin.take());
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }
}

/// Waits up to `limit` for `pred` to hold, checking `peers` are alive in between.
pub fn wait_until(peers: &[&Peer], limit: Duration, mut pred: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if pred() {
            return true;
        }
        for peer in peers {
            peer.check_alive();
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Parses `key=value` words of a `DONE`/`RESULT` line into pairs.
pub fn fields(line: &str) -> std::collections::BTreeMap<String, String> {
    line.split_whitespace()
        .filter_map(|word| word.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
