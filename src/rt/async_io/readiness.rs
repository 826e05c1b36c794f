//! The async-io binding of the readiness core: libzmq's fd registered with the `async-io`
//! reactor (the one smol uses), and a stand-in for the cooperative budget it lacks.

use std::os::unix::io::{AsFd, BorrowedFd, RawFd};
use std::sync::OnceLock;
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
/// when several threads wait at once; a failed registration is not retried).
///
/// Edges: async-io registers fds in oneshot, level-triggered mode and re-arms the interest
/// whenever a waker is stored. `Async::poll_readable` is `Ready` only for an event the
/// reactor delivered after the previous call stored the waker, and that delivery also woke
/// the waker; an event delivered while the call runs is either seen by it (the reactor
/// and the call take the same lock) or re-reported, since the re-armed level-triggered
/// interest reports the eventfd as long as libzmq has not drained it. No edge is lost.
#[derive(Default)]
pub struct AsyncIoFd {
    registration: OnceLock<std::result::Result<Async<ZmqFd>, Error>>,
}

impl Registration for AsyncIoFd {
    type Budget = ();

    unsafe fn poll_edge(&self, fd: RawFd, waker: &Waker) -> Poll<Result<()>> {
        let registration = self.registration.get_or_init(|| {
            // `new_nonblocking`: libzmq's eventfd is already non-blocking, and its flags
            // are libzmq's business. The fd stays open until `deregister` (the caller's
            // promise), which drops this registration first.
            Async::new_nonblocking(ZmqFd(fd)).map_err(|err| io_error(&err))
        });
        let registration = match registration {
            Ok(registration) => registration,
            Err(err) => return Poll::Ready(Err(*err)),
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
        matches!(self.registration.get(), Some(Ok(_)))
    }

    #[inline]
    fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
        super::poll_budget(cx)
    }
}

/// A reactor error as a libzmq error: the OS error if there is one, else `EINVAL`.
fn io_error(err: &std::io::Error) -> Error {
    match err.raw_os_error() {
        Some(code) => Error::from_raw(code),
        None => Error::EINVAL,
    }
}
