//! The async-io binding of the readiness core: libzmq's fd registered with the `async-io`
//! reactor (the one smol uses), and a stand-in for the cooperative budget it lacks.

use std::os::unix::io::{AsFd, BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};

use ::async_io::Async;

use crate::rt::reactor::Registration;
use crate::{Error, Result};

/// libzmq's fd, borrowed. It has no `Drop`: the fd belongs to libzmq (its reaper closes
/// it after `zmq_close`), so dropping the `Async` around it closes nothing.
struct ZmqFd(RawFd);

impl AsFd for ZmqFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the fd stays open as long as this value: `Registration::poll_edge`'s
        // caller promises it stays open until `deregister`, which drops the `Async` (and
        // this value with it).
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}

/// The fd's registration with the async-io reactor, made on the first wait (once, even
/// when several threads wait at once). A failed registration is not kept: the next wait
/// tries again, so a socket that met the fd limit works once descriptors are free.
///
/// Edges: async-io registers fds in oneshot, level-triggered mode and re-arms the interest
/// whenever a waker is stored. `Async::poll_readable` is `Ready` only for an event the
/// reactor delivered after the previous call stored the waker, and that delivery also woke
/// the waker; an event delivered while the call runs is either seen by it (the reactor
/// and the call take the same lock) or re-reported, since the re-armed level-triggered
/// interest reports the eventfd as long as libzmq has not drained it. No edge is lost.
#[derive(Default)]
pub struct AsyncIoFd {
    registration: OnceLock<Async<ZmqFd>>,
}

impl AsyncIoFd {
    /// The registration, made now if there is none yet.
    #[inline]
    fn registration(&self, fd: RawFd) -> Result<&Async<ZmqFd>> {
        match self.registration.get() {
            Some(registration) => Ok(registration),
            None => self.register(fd),
        }
    }

    /// Registers `fd` (the caller's promise of [`Registration::poll_edge`] holds). One
    /// registration at a time in the process, so that two threads waiting on one shared
    /// socket do not both add its fd (the second would get `EEXIST`).
    #[cold]
    fn register(&self, fd: RawFd) -> Result<&Async<ZmqFd>> {
        static REGISTERING: Mutex<()> = Mutex::new(());
        let _one_at_a_time = REGISTERING.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(registration) = self.registration.get() {
            return Ok(registration);
        }
        let registration = start_reactor_and(|| {
            // `new_nonblocking`: libzmq's eventfd is already non-blocking, and its flags
            // are libzmq's business. The fd stays open until `deregister` (the caller's
            // promise), which drops this registration first.
            Async::new_nonblocking(ZmqFd(fd)).map_err(|err| io_error(&err))
        })?;
        Ok(self.registration.get_or_init(|| registration))
    }
}

impl Registration for AsyncIoFd {
    type Budget = ();

    unsafe fn poll_edge(&self, fd: RawFd, waker: &Waker) -> Poll<Result<()>> {
        let registration = match self.registration(fd) {
            Ok(registration) => registration,
            Err(err) => return Poll::Ready(Err(err)),
        };
        // This thread runs async-io tasks (for context termination).
        super::context::mark_executor_thread();
        let mut cx = Context::from_waker(waker);
        registration
            .poll_readable(&mut cx)
            .map_err(|err| io_error(&err))
    }

    fn deregister(&mut self) {
        // Dropping the Async removes the fd from the reactor (epoll DEL), then drops the
        // ZmqFd, which closes nothing.
        drop(self.registration.take());
    }

    fn is_registered(&self) -> bool {
        self.registration.get().is_some()
    }

    #[inline]
    fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
        super::poll_budget(cx)
    }
}

/// Whether async-io's reactor has started in this process (a registration succeeded).
static REACTOR_STARTED: AtomicBool = AtomicBool::new(false);

/// The descriptors async-io's reactor opens when it starts (polling's epoll backend: the
/// epoll fd, an eventfd or a pipe to wake it, a timerfd).
const REACTOR_FDS: usize = 4;

/// Runs `register`, the registration that may be the first use of async-io's reactor in
/// the process. async-io starts its reactor on first use and panics if it cannot ("cannot
/// initialize I/O event notification" with no descriptor left, "cannot spawn async-io
/// thread"). Until a registration of ours has succeeded, this checks first that the
/// process has descriptors for it or that async-io's thread runs already (`EMFILE` if
/// neither, and async-io is left untouched), and turns async-io's panic into `EMFILE` or
/// `EAGAIN` should another thread take the descriptors in between.
fn start_reactor_and<T>(register: impl FnOnce() -> Result<T>) -> Result<T> {
    if REACTOR_STARTED.load(Ordering::Acquire) {
        return register();
    }
    // With the fds missing, async-io may still have started its reactor for the
    // application (then registering needs none).
    // (async-io starts its `async-io` thread as the first step of starting its reactor:
    // then the reactor has started, or failed to, which the caught panic reports.)
    if let Err(errno) = crate::raw::fds_available(REACTOR_FDS)
        && !crate::raw::any_thread_named(|name| name == "async-io")
    {
        return Err(Error::from_raw(errno));
    }
    let registered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(register))
        .unwrap_or_else(|panic| Err(reactor_panic_error(panic)))?;
    REACTOR_STARTED.store(true, Ordering::Release);
    Ok(registered)
}

/// The error for a panic of async-io's reactor start (its two `expect`s); any other panic
/// goes on unwinding.
#[cold]
fn reactor_panic_error(panic: Box<dyn std::any::Any + Send>) -> Error {
    let text = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("");
    if text.contains("I/O event notification") {
        Error::EMFILE
    } else if text.contains("async-io thread") {
        Error::EAGAIN
    } else {
        std::panic::resume_unwind(panic)
    }
}

/// A reactor error as a libzmq error: the OS error if there is one, else `EINVAL`.
fn io_error(err: &std::io::Error) -> Error {
    match err.raw_os_error() {
        Some(code) => Error::from_raw(code),
        None => Error::EINVAL,
    }
}
