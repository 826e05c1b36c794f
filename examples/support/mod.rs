//! Shared by the `zmq_server` and `zmq_client` examples: the address they use and Ctrl+C
//! handling.
//!
//! Python turns Ctrl+C into a `KeyboardInterrupt` that interrupts whatever is blocking.
//! Here a SIGINT handler (installed without `SA_RESTART`) records the signal, and the
//! blocking call it interrupts fails with `EINTR`: libzmq's `recv`/`send` return
//! `Error::EINTR`, reading stdin returns `ErrorKind::Interrupted`. The examples then check
//! [`interrupted`] and shut down cleanly.

// Each example uses part of this module.
#![allow(dead_code)]

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The reference programs' address (docs/architecture.md, "Reference programs").
pub const DEFAULT_ADDRESS: &str = "tcp://localhost:5555";

/// The address to bind or connect to: `ZMQ_EXAMPLE_ADDRESS` if set (the end-to-end test
/// uses it to pick a free port), else `tcp://localhost:5555`.
pub fn address() -> String {
    std::env::var("ZMQ_EXAMPLE_ADDRESS").unwrap_or_else(|_| DEFAULT_ADDRESS.to_owned())
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
extern "C" fn on_sigint(_signal: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Makes Ctrl+C (SIGINT) interrupt blocking calls instead of killing the process.
pub fn install_sigint_handler() {
    #[cfg(unix)]
    {
        // SAFETY: sigaction is given a zero-initialised struct with a valid handler
        // address and an empty mask; the handler only does an atomic store. No
        // SA_RESTART: interrupted system calls fail with EINTR, which is what ends the
        // blocking receive or read.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            action.sa_flags = 0;
            libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
        }
    }
}

/// Whether Ctrl+C was pressed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Sleeps for `duration` unless Ctrl+C comes first; returns whether it did.
pub fn sleep_unless_interrupted(duration: Duration) -> bool {
    let end = Instant::now() + duration;
    while Instant::now() < end {
        if interrupted() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20).min(end - Instant::now()));
    }
    interrupted()
}

/// What reading a line of input gave.
pub enum Input {
    /// A line, without its line ending.
    Line(String),
    /// End of input.
    End,
    /// Ctrl+C.
    Interrupted,
}

/// Reads stdin line by line, noticing Ctrl+C while it waits (std's `read_line` would
/// retry after the signal and keep waiting).
#[derive(Default)]
pub struct LineReader {
    pending: Vec<u8>,
    at_end: bool,
}

impl LineReader {
    /// The next line, like Python's `input()`.
    pub fn read_line(&mut self) -> Input {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Input::Line(String::from_utf8_lossy(&line).into_owned());
            }
            if self.at_end {
                if self.pending.is_empty() {
                    return Input::End;
                }
                // A last line without a newline, as input() returns it.
                let line = std::mem::take(&mut self.pending);
                return Input::Line(String::from_utf8_lossy(&line).into_owned());
            }
            let mut chunk = [0u8; 4096];
            match std::io::stdin().read(&mut chunk) {
                Ok(0) => self.at_end = true,
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {
                    if interrupted() {
                        return Input::Interrupted;
                    }
                }
                Err(_) => self.at_end = true,
            }
        }
    }
}
