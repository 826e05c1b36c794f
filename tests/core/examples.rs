//! The README's main command and the reference programs (docs/architecture.md), end to
//! end: `tour` runs and reports every pattern; `zmq_server` and `zmq_client` talk over tcp,
//! print what the Python programs print, and shut down cleanly on `quit`, at end of input
//! and on Ctrl+C (SIGINT); `async_draft` answers every client on tokio and on async-io.
//!
//! Port 5555 may be taken on a test machine, so the REQ/REP tests pick a free port and
//! pass it in `ZMQ_EXAMPLE_ADDRESS`, which both examples honour (documented in them).

use crate::common;

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::POSITIVE_WAIT;
use common::examples::example_binary;

/// How long an example may take before the test gives up on it (a hang detector).
const EXAMPLE_LIMIT: Duration = Duration::from_secs(60);

/// A running example whose stdout is collected in the background.
struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    reader: JoinHandle<()>,
}

impl Running {
    /// Spawns `cmd` with stdout piped (and stdin piped, for the caller to use or drop).
    fn spawn(cmd: &mut Command) -> Running {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn example");
        let mut pipe = child.stdout.take().unwrap();
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stdout);
        let reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        });
        Running {
            child,
            stdout,
            reader,
        }
    }

    fn stdout_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// Waits until stdout contains `needle`; `false` if the example exited first or
    /// [`POSITIVE_WAIT`] passed.
    fn wait_for(&mut self, needle: &str) -> bool {
        let deadline = Instant::now() + POSITIVE_WAIT;
        while Instant::now() < deadline {
            if self.stdout_so_far().contains(needle) {
                return true;
            }
            if self.child.try_wait().unwrap().is_some() {
                return self.stdout_so_far().contains(needle);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
    }

    /// Waits for the example to exit; `ctrl_c` sends SIGINT every 500 ms meanwhile (a
    /// repeated Ctrl+C, as a person would press it if the first landed just before a
    /// blocking call began). Kills it after [`EXAMPLE_LIMIT`].
    fn finish(mut self, ctrl_c: bool) -> (ExitStatus, String) {
        let deadline = Instant::now() + EXAMPLE_LIMIT;
        let mut next_signal = Instant::now();
        let status = loop {
            if ctrl_c && Instant::now() >= next_signal {
                self.signal(libc::SIGINT);
                next_signal = Instant::now() + Duration::from_millis(500);
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                self.signal(libc::SIGKILL);
                panic!(
                    "example did not finish within {EXAMPLE_LIMIT:?}:\n{}",
                    self.stdout_so_far()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let Running { stdout, reader, .. } = self;
        reader.join().unwrap();
        let text = String::from_utf8_lossy(&stdout.lock().unwrap()).into_owned();
        (status, text)
    }

    /// Presses Ctrl+C (stdin stays open) and waits for the example to exit.
    fn interrupt(self) -> (ExitStatus, String) {
        self.finish(true)
    }

    /// Closes stdin (end of input) and waits for the example to exit.
    fn wait(mut self) -> (ExitStatus, String) {
        drop(self.child.stdin.take());
        self.finish(false)
    }
}

#[test]
fn tour_runs_every_pattern_over_every_transport() {
    let (status, stdout) = Running::spawn(&mut Command::new(example_binary("tour"))).wait();
    assert!(status.success(), "tour failed:\n{stdout}");
    assert!(
        stdout.starts_with("ZeroMQ tour · libzmq 4.3.5 · CURVE yes"),
        "{stdout}"
    );
    for heading in [
        "1 · Request/Reply (REQ/REP)",
        "2 · Publish/Subscribe (PUB/SUB)",
        "3 · Push/Pull (PUSH/PULL)",
        "4 · Pair (PAIR)",
        "5 · Dealer/Router (DEALER/ROUTER)",
        "6 · Proxy (ROUTER ⇄ DEALER)",
        "7 · Poller",
        "8 · Client/Server (CLIENT/SERVER, draft API)",
        "9 · The reference programs' in-process client and worker",
    ] {
        assert!(
            stdout.contains(heading),
            "missing {heading:?} in:\n{stdout}"
        );
    }
    for transport in ["tcp", "ipc", "inproc"] {
        let rows = stdout
            .lines()
            .filter(|line| line.starts_with(&format!("    {transport:<7} ")))
            .count();
        assert_eq!(rows, 8, "{transport}: one row per pattern in:\n{stdout}");
    }
    assert!(stdout.contains("REP replies  'Server received your message: 'Hello over ipc''"));
    assert!(stdout.contains("SUB receives   'weather.paris sunny', 'weather.oslo snow'\n"));
    assert!(
        stdout.contains(
            "worker-a got 'done: job for worker-a', worker-b got 'done: job for worker-b'"
        )
    );
    assert!(stdout.contains("'what does a proxy do?' → 'it forwards'"));
    // The example is built with this test's features: the draft pattern runs with `draft`.
    if cfg!(feature = "draft") {
        assert!(stdout.contains("draft API yes"), "{stdout}");
        assert!(stdout.contains("CLIENT sends 'ping', SERVER answers routing id"));
    } else {
        assert!(
            stdout.contains("draft API in libzmq, not in this build (--features draft)"),
            "{stdout}"
        );
        assert!(stdout.contains("not in this build: `cargo run --example tour --features draft`"));
    }
    assert!(stdout.contains("REQ Client (in-process) received reply: 'REP Worker (in-process) received and processed: 'In-process request 3''"));
    assert!(stdout.contains("Every pattern ran over tcp, ipc and inproc"));
}

/// Starts `zmq_server` on a free port (retrying with another if the port was taken
/// between choosing and binding it); returns it once it waits for requests.
fn start_server() -> (Running, String) {
    for _ in 0..5 {
        let address = format!("tcp://localhost:{}", common::free_tcp_port());
        let mut server = Running::spawn(
            Command::new(example_binary("zmq_server")).env("ZMQ_EXAMPLE_ADDRESS", &address),
        );
        if server.wait_for("Waiting to receive requests...\n") {
            return (server, address);
        }
        server.signal(libc::SIGKILL);
        let _ = server.wait();
    }
    panic!("zmq_server did not start on any of 5 free ports");
}

/// Runs `zmq_client` against `address` with `input` on stdin, to the end.
fn run_client(address: &str, input: &str) -> (ExitStatus, String) {
    let mut client = Running::spawn(
        Command::new(example_binary("zmq_client")).env("ZMQ_EXAMPLE_ADDRESS", address),
    );
    client
        .child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    client.wait()
}

fn expected_exchange(message: &str) -> String {
    format!(
        "Enter message: Sending request: '{message}'\n\
         Received reply: 'Server received your message: '{message}''\n\
         --------------------\n"
    )
}

#[test]
fn req_rep_pair_behaves_like_the_python_programs() {
    let (server, address) = start_server();
    assert_eq!(
        server.stdout_so_far(),
        format!("ZeroMQ REP server started, bound to {address}\nWaiting to receive requests...\n")
    );
    let client_banner = format!(
        "ZeroMQ REQ client started, connected to {address}\n\
         You can enter messages to send to the server, type 'quit' to exit.\n"
    );

    // `quit` in any case ends the session, like Python's `.lower() == 'quit'`.
    let (status, stdout) = run_client(&address, "Hello\nZeroMQ from Rust\nQuIt\nnot sent\n");
    assert!(status.success());
    assert_eq!(
        stdout,
        format!(
            "{client_banner}{}{}Enter message: Client has been safely shut down.\n",
            expected_exchange("Hello"),
            expected_exchange("ZeroMQ from Rust"),
        )
    );

    // End of input ends the session cleanly too (a last line without newline is sent).
    let (status, stdout) = run_client(&address, "last words");
    assert!(status.success());
    assert_eq!(
        stdout,
        format!(
            "{client_banner}{}Enter message: \nClient has been safely shut down.\n",
            expected_exchange("last words"),
        )
    );

    // Ctrl+C stops the server the way KeyboardInterrupt stops the Python one.
    let (status, stdout) = server.interrupt();
    assert!(status.success());
    let mut expected =
        format!("ZeroMQ REP server started, bound to {address}\nWaiting to receive requests...\n");
    for message in ["Hello", "ZeroMQ from Rust", "last words"] {
        expected += &format!(
            "Received request: '{message}'\n\
             Sent reply: 'Server received your message: '{message}''\n"
        );
    }
    expected +=
        "\nDetected Ctrl+C, shutting down the server...\nServer has been safely shut down.\n";
    assert_eq!(stdout, expected);
}

#[test]
fn client_ctrl_c_while_waiting_for_input_or_a_reply() {
    // Waiting for input: stdin stays open and empty. (Nothing listens on port 9.)
    let mut client = Running::spawn(
        Command::new(example_binary("zmq_client")).env("ZMQ_EXAMPLE_ADDRESS", "tcp://127.0.0.1:9"),
    );
    assert!(client.wait_for("Enter message: "));
    let (status, stdout) = client.interrupt();
    assert!(status.success());
    assert!(
        stdout.ends_with(
            "Enter message: \nDetected Ctrl+C, shutting down the client...\n\
             Client has been safely shut down.\n"
        ),
        "{stdout}"
    );

    // Waiting for a reply from a server that is not there: the request stays queued, and
    // the client must still exit promptly (it sets linger to 0 before closing).
    let mut client = Running::spawn(
        Command::new(example_binary("zmq_client")).env("ZMQ_EXAMPLE_ADDRESS", "tcp://127.0.0.1:9"),
    );
    let mut stdin = client.child.stdin.take().unwrap();
    stdin.write_all(b"anyone there?\n").unwrap();
    assert!(client.wait_for("Sending request: 'anyone there?'\n"));
    let (status, stdout) = client.interrupt();
    drop(stdin);
    assert!(status.success());
    assert!(
        stdout.ends_with(
            "Enter message: Sending request: 'anyone there?'\n\
             \nDetected Ctrl+C, shutting down the client...\n\
             Client has been safely shut down.\n"
        ),
        "{stdout}"
    );
}

/// `async_draft`: one SERVER shared by four tasks answers eight clients, on tokio and on
/// async-io; every reply is checked by the example itself.
#[cfg(all(feature = "draft", feature = "tokio", feature = "async-io"))]
#[test]
fn async_draft_answers_every_client_on_both_runtimes() {
    for args in [&[][..], &["--async-io"][..]] {
        let (status, stdout) =
            Running::spawn(Command::new(example_binary("async_draft")).args(args)).wait();
        assert!(status.success(), "async_draft {args:?} failed: {stdout}");
        assert!(
            stdout.contains("8000 requests from 8 clients answered by 4 workers"),
            "async_draft {args:?}: {stdout}"
        );
    }
}
