//! Helpers shared by the integration test crates (`#[path = "../common/mod.rs"] mod common;`
//! in each `tests/<group>/main.rs`).
//!
//! - every blocking call is bounded: [`socket`] sets RCVTIMEO/SNDTIMEO to [`TIMEOUT_MS`]
//!   and linger to 0, and [`watchdog`] aborts a test that hangs anyway;
//! - TCP binds `tcp://127.0.0.1:*` and reads the chosen port back ([`bind_tcp`]);
//! - ipc paths live in a temporary directory ([`Endpoints`]);
//! - [`python`] finds the interpreter with the pinned pyzmq, or fails saying how to get it.

#![allow(dead_code)]

#[cfg(feature = "tokio")]
pub mod async_rt;
pub mod cases;
#[cfg(feature = "bytes")]
pub mod counted;
pub mod examples;
pub mod faultproxy;
#[cfg(unix)]
pub mod fds;
pub mod inproc;
pub mod interop;
pub mod pypeer;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Receive/send timeout of test sockets: a hang detector, never a verdict.
pub const TIMEOUT_MS: i32 = 5000;

/// How long to wait when asserting that something does NOT arrive (libzmq and pyzmq use
/// 100 ms when failure is expected).
pub const NEGATIVE_WAIT: Duration = Duration::from_millis(100);

/// How long to wait for something that should arrive (a generous hang detector).
pub const POSITIVE_WAIT: Duration = Duration::from_secs(5);

/// A context for one test.
pub fn ctx() -> zmq::Context {
    zmq::Context::new()
}

/// A socket with bounded blocking calls: RCVTIMEO/SNDTIMEO = [`TIMEOUT_MS`], linger 0.
pub fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> zmq::Socket {
    let socket = ctx.socket(kind).expect("create socket");
    socket.set_rcvtimeo(TIMEOUT_MS).unwrap();
    socket.set_sndtimeo(TIMEOUT_MS).unwrap();
    socket.set_linger(0).unwrap();
    socket
}

/// Binds to `tcp://127.0.0.1:*` and returns the endpoint with the port chosen.
pub fn bind_tcp(socket: &zmq::Socket) -> String {
    socket.bind("tcp://127.0.0.1:*").expect("bind tcp");
    socket.get_last_endpoint().unwrap().unwrap()
}

/// A TCP port on 127.0.0.1 that nothing listens on now: the OS picks it for a listener
/// that is closed at once. Another process may take it before it is used, so callers
/// that bind it retry with a new one, and callers that need it unused accept the race.
pub fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free TCP port")
        .port()
}

/// Waits up to `limit` for the forked child `pid` to exit, killing it by its PID (and
/// failing the test) if it has not; returns its exit code (failing if it was killed by a
/// signal).
#[cfg(unix)]
#[allow(dead_code)] // not every test crate forks
pub fn wait_for_child(pid: libc::pid_t, limit: Duration) -> i32 {
    let mut status = 0;
    let deadline = std::time::Instant::now() + limit;
    loop {
        // SAFETY: polls the caller's own child, by its pid.
        let waited = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if waited == pid {
            break;
        }
        assert_eq!(waited, 0, "waitpid failed");
        if std::time::Instant::now() > deadline {
            // SAFETY: the caller's own child, by its pid; then reaped.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("the forked child did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        libc::WIFEXITED(status),
        "the child did not exit: {status:#x}"
    );
    libc::WEXITSTATUS(status)
}

/// Runs `attempt` as an unprivileged user: here if the process is not root, else in a
/// forked child that becomes user and group `nobody` (65534) first. Returns `attempt`'s
/// code (1 if the child could not drop root, 100 if `attempt` panicked there).
#[cfg(unix)]
#[allow(dead_code)] // not every test crate needs it
pub fn exit_code_as_unprivileged_user(attempt: fn() -> i32) -> i32 {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return attempt();
    }
    // SAFETY: the child drops root, runs `attempt` (malloc stays usable after fork through
    // glibc's handlers; libzmq state made there is the child's own) and leaves with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: plain system calls in the child; then _exit, running no destructors.
        unsafe {
            let dropped = libc::setgid(65534) == 0 && libc::setuid(65534) == 0;
            let code = if dropped {
                std::panic::catch_unwind(attempt).unwrap_or(100)
            } else {
                1
            };
            libc::_exit(code);
        }
    }
    wait_for_child(pid, POSITIVE_WAIT)
}

/// A zero-copy payload owner that also holds a context handle, so that releasing the
/// payload may release the context's last handle (inside libzmq's free callback).
pub struct PayloadHoldingContext {
    pub _ctx: zmq::Context,
    pub data: Vec<u8>,
}

impl AsRef<[u8]> for PayloadHoldingContext {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

/// A UDP port on 127.0.0.1 that is free now (bound to port 0, then released); as with
/// [`free_tcp_port`], another process may take it first.
pub fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|socket| socket.local_addr())
        .expect("a free UDP port")
        .port()
}

/// The transports every pattern is tested over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// `tcp://127.0.0.1:*`
    Tcp,
    /// `ipc://` in a temporary directory
    Ipc,
    /// `inproc://` with a unique name
    Inproc,
}

/// All of them, for loops.
pub const TRANSPORTS: [Transport; 3] = [Transport::Tcp, Transport::Ipc, Transport::Inproc];

/// Hands out endpoints for one test; owns the temporary directory of its ipc paths.
pub struct Endpoints {
    dir: tempfile::TempDir,
    counter: AtomicUsize,
}

static INPROC_COUNTER: AtomicUsize = AtomicUsize::new(0);

impl Endpoints {
    /// A fresh set (a new temporary directory).
    pub fn new() -> Endpoints {
        Endpoints {
            dir: tempfile::Builder::new()
                .prefix("zmq-test-")
                .tempdir()
                .expect("temp dir"),
            counter: AtomicUsize::new(0),
        }
    }

    /// The directory ipc paths live in.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// A new ipc endpoint in the temporary directory.
    pub fn ipc(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("ipc://{}/s{n}.ipc", self.dir.path().display())
    }

    /// A new unique inproc endpoint.
    pub fn inproc(&self) -> String {
        Endpoints::inproc_name()
    }

    /// A new unique inproc endpoint (no temporary directory needed).
    pub fn inproc_name() -> String {
        let n = INPROC_COUNTER.fetch_add(1, Ordering::Relaxed);
        format!("inproc://test-{}-{n}", std::process::id())
    }

    /// Binds `socket` on `transport` and returns the endpoint peers connect to.
    pub fn bind(&self, socket: &zmq::Socket, transport: Transport) -> String {
        match transport {
            Transport::Tcp => bind_tcp(socket),
            Transport::Ipc => {
                let endpoint = self.ipc();
                socket.bind(&endpoint).expect("bind ipc");
                endpoint
            }
            Transport::Inproc => {
                let endpoint = self.inproc();
                socket.bind(&endpoint).expect("bind inproc");
                endpoint
            }
        }
    }
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints::new()
    }
}

/// Aborts the process if dropped later than `limit` after creation: a test that hangs
/// fails loudly instead of stalling CI.
pub struct Watchdog {
    done: Option<mpsc::Sender<()>>,
}

/// Starts a [`Watchdog`] for the current test. `ZMQ_TEST_SLOWDOWN=N` multiplies the
/// limit (for runs under valgrind, see `cargo xtask leak-check`).
pub fn watchdog(limit: Duration) -> Watchdog {
    let slowdown = std::env::var("ZMQ_TEST_SLOWDOWN")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let limit = limit * slowdown;
    let (done, wait) = mpsc::channel::<()>();
    let name = std::thread::current()
        .name()
        .unwrap_or("<unnamed test>")
        .to_owned();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(limit) {
            eprintln!("WATCHDOG: test {name} did not finish within {limit:?}; aborting");
            std::process::abort();
        }
    });
    Watchdog { done: Some(done) }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

/// Receives the next monitor event satisfying `pred`, skipping others; panics after
/// [`POSITIVE_WAIT`].
pub fn wait_for_event(
    monitor: &zmq::monitor::Monitor,
    mut pred: impl FnMut(&zmq::monitor::Event) -> bool,
) -> zmq::monitor::MonitorEvent {
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match monitor.recv_timeout(left).expect("monitor recv") {
            Some(event) if pred(&event.event) => return event,
            Some(_) => continue,
            None => panic!("no matching monitor event within {POSITIVE_WAIT:?}"),
        }
    }
}

/// The Python interpreter with the pinned pyzmq: `$ZMQ_TEST_PYTHON`, or the virtualenv
/// that `cargo xtask test` makes in `target/pyenv`. Panics with instructions otherwise:
/// interop tests never pass by skipping.
pub fn python() -> PathBuf {
    if let Some(path) = std::env::var_os("ZMQ_TEST_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "the interop tests need Python 3 with pyzmq 27.3.0; none was found.\n\
         Run the test suite with `cargo xtask test`, which creates target/pyenv with it, or \
         run `cargo xtask pyenv` once, or set ZMQ_TEST_PYTHON to a python that has \
         `pip install pyzmq==27.3.0`."
    )
}
pub mod netns;
pub mod scenario;
