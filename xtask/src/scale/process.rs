//! The peer processes: started with their stderr in a log file, their stdout read line by
//! line with a deadline, told "go" on stdin, killed by PID; and what /proc says of them.

use crate::util::Result;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// A stdout line as the reader thread saw it: `complete` is false for a last line that
/// had no newline when the process closed its stdout.
struct Line {
    text: String,
    complete: bool,
}

/// A peer process whose stdout lines are read with a deadline; killed (SIGKILL, by PID)
/// when dropped.
pub struct Proc {
    name: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<Line>,
    /// Recent stdout lines that were not the one waited for: a peer's error message is
    /// among them (the Rust and zmq.rs peers report failures on stdout).
    skipped: Vec<String>,
    err_path: PathBuf,
}

/// How many skipped stdout lines a process keeps for its error messages.
const KEEP_LINES: usize = 20;

impl Proc {
    /// Starts `argv` with stderr to `<logs>/<name>.err`, and a pipe on stdin when `stdin`.
    pub fn start(argv: &[String], name: &str, logs: &Path, stdin: bool) -> Result<Self> {
        let (program, args) = argv
            .split_first()
            .ok_or_else(|| format!("{name}: no command"))?;
        fs::create_dir_all(logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
        let err_path = logs.join(format!("{name}.err"));
        let err = File::create(&err_path)
            .map_err(|e| format!("cannot create {}: {e}", err_path.display()))?;
        let mut child = Command::new(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(err)
            .stdin(if stdin { Stdio::piped() } else { Stdio::null() })
            .spawn()
            .map_err(|e| format!("{name}: cannot start {program}: {e}"))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (send, lines) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let complete = buf.last() == Some(&b'\n');
                        if complete {
                            buf.pop();
                        }
                        let text = String::from_utf8_lossy(&buf).into_owned();
                        if send.send(Line { text, complete }).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Ok(Proc {
            name: name.to_string(),
            stdin: child.stdin.take(),
            child,
            lines,
            skipped: Vec::new(),
            err_path,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The rest of the next stdout line that starts with `prefix`, trimmed; an error when
    /// the deadline passes or the process closes its stdout first.
    pub fn line(&mut self, prefix: &str, deadline: Instant) -> Result<String> {
        let what = prefix.trim();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(Line { text, complete }) => {
                    if complete {
                        if let Some(rest) = text.strip_prefix(prefix) {
                            return Ok(rest.trim().to_string());
                        }
                    }
                    if self.skipped.len() == KEEP_LINES {
                        self.skipped.remove(0);
                    }
                    self.skipped.push(text);
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!(
                        "{}: no {what} line in time{}",
                        self.name,
                        self.tail()
                    ));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let code = self
                        .wait_for(Duration::from_secs(5))
                        .map_or_else(|| "still running".to_string(), exit_code);
                    return Err(format!(
                        "{}: exited ({code}) before {what}{}",
                        self.name,
                        self.tail()
                    ));
                }
            }
        }
    }

    /// Writes one line to the process's stdin.
    pub fn say(&mut self, text: &str) -> Result {
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| format!("{}: started without stdin", self.name))?;
        writeln!(stdin, "{text}")
            .and_then(|()| stdin.flush())
            .map_err(|e| {
                format!(
                    "{}: cannot write to its stdin: {e}{}",
                    self.name,
                    self.tail()
                )
            })
    }

    /// The end of what the process said (stdout lines skipped, then stderr), for errors.
    fn tail(&self) -> String {
        let err = fs::read_to_string(&self.err_path).unwrap_or_default();
        let text = format!("{} {}", self.skipped.join("\n").trim(), err.trim());
        let text = text.trim();
        if text.is_empty() {
            return String::new();
        }
        let chars: Vec<char> = text.chars().collect();
        let start = chars.len().saturating_sub(300);
        format!(": {}", chars[start..].iter().collect::<String>())
    }

    /// Its exit status, waiting up to `limit` for it.
    fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) if Instant::now() < until => thread::sleep(Duration::from_millis(10)),
                _ => return None,
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
        }
        self.wait_for(Duration::from_secs(10));
    }
}

/// The processes of one run, killed last-started first when the run ends (however it ends).
#[derive(Default)]
pub struct Procs(Vec<Proc>);

impl Procs {
    /// Adds a process; returns its index.
    pub fn push(&mut self, proc: Proc) -> usize {
        self.0.push(proc);
        self.0.len() - 1
    }

    pub fn get(&mut self, i: usize) -> &mut Proc {
        &mut self.0[i]
    }

    pub fn pids(&self) -> Vec<u32> {
        self.0.iter().map(Proc::pid).collect()
    }
}

impl Drop for Procs {
    fn drop(&mut self) {
        while let Some(proc) = self.0.pop() {
            drop(proc);
        }
    }
}

/// An exit status as Python's subprocess gave it: the code, or minus the signal.
fn exit_code(status: ExitStatus) -> String {
    status
        .code()
        .or_else(|| status.signal().map(|s| -s))
        .map_or_else(|| status.to_string(), |c| c.to_string())
}

/// A live process's RSS (KiB), open fds and threads; `None` once it is gone.
pub fn usage(pid: u32) -> Option<[u64; 3]> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let (rss, threads) = parse_status(&status);
    let fds = fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count();
    Some([rss, fds as u64, threads])
}

/// VmRSS (KiB) and Threads from `/proc/<pid>/status` (0 for a line that is missing).
pub(super) fn parse_status(status: &str) -> (u64, u64) {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("Threads:"))
}

/// CPU time of every thread of a process, in ns (from schedstat: ns resolution). An error
/// when the process is gone.
pub fn cpu_ns(pid: u32) -> Result<u64> {
    let tasks = fs::read_dir(format!("/proc/{pid}/task"))
        .map_err(|e| format!("process {pid}: cannot read its threads: {e}"))?;
    Ok(tasks
        .flatten()
        .filter_map(|task| fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields() {
        let status = "Name:\tscale\nVmHWM:\t  5000 kB\nVmRSS:\t  4228 kB\nThreads:\t3\n";
        assert_eq!(parse_status(status), (4228, 3));
        assert_eq!(parse_status("Name:\tx\n"), (0, 0));
    }

    #[test]
    fn lines_with_a_prefix_and_the_tail_of_a_failure() {
        let logs = std::env::temp_dir().join(format!("xtask-scale-test-{}", std::process::id()));
        let argv: Vec<String> = [
            "sh",
            "-c",
            "echo noise; echo 'READY tcp://x:1 '; read go; echo \"got $go\"; echo oops >&2; exit 3",
        ]
        .map(String::from)
        .into();
        let mut p = Proc::start(&argv, "t", &logs, true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        assert_eq!(p.line("READY ", deadline).unwrap(), "tcp://x:1");
        p.say("go").unwrap();
        let err = p.line("RESULT ", deadline).unwrap_err();
        assert!(err.starts_with("t: exited (3) before RESULT: "), "{err}");
        assert!(err.contains("got go") && err.ends_with("oops"), "{err}");
        drop(p);
        let _ = fs::remove_dir_all(logs);
    }
}
