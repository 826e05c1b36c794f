//! The tokio binding of the readiness core: libzmq's fd registered with tokio's reactor,
//! and tokio's cooperative budget.

use std::os::unix::io::{AsRawFd, RawFd};
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use crate::rt::reactor::{Budget, Registration};
use crate::{Error, Result};

/// libzmq's fd, borrowed. It has no `Drop`: the fd belongs to libzmq (its reaper closes
/// it after `zmq_close`), so we never close it.
struct ZmqFd(RawFd);

impl AsRawFd for ZmqFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// The fd's registration with tokio's reactor (`READABLE` interest only: the eventfd is
/// always writable), made on the first wait (once, even when several threads wait at
/// once; a failed registration is not retried).
#[derive(Default)]
pub struct TokioFd {
    registration: OnceLock<std::result::Result<AsyncFd<ZmqFd>, Error>>,
}

impl Registration for TokioFd {
    type Budget = tokio::task::coop::RestoreOnPending;

    unsafe fn poll_edge(&self, fd: RawFd, waker: &Waker) -> Poll<Result<()>> {
        let registration = self.registration.get_or_init(|| {
            // SAFETY: the caller promises that `fd` stays open, as the same file, until
            // `deregister`, which drops this registration.
            unsafe { AsyncFd::register_with_interest(ZmqFd(fd), Interest::READABLE) }
                .map_err(|err| io_error(&err.into_parts().1))
        });
        let registration = match registration {
            Ok(registration) => registration,
            Err(err) => return Poll::Ready(Err(*err)),
        };
        let mut cx = Context::from_waker(waker);
        match registration.poll_read_ready(&mut cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(mut guard)) => {
                // Tick-protected: an edge that arrived during the poll stays set.
                guard.clear_ready();
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(io_error(&err))),
        }
    }

    fn deregister(&mut self) {
        // Dropping the AsyncFd deregisters (epoll DEL), then drops the ZmqFd, which closes
        // nothing.
        drop(self.registration.take());
    }

    fn is_registered(&self) -> bool {
        matches!(self.registration.get(), Some(Ok(_)))
    }

    #[inline]
    fn poll_budget(cx: &mut Context<'_>) -> Poll<Self::Budget> {
        tokio::task::coop::poll_proceed(cx)
    }
}

impl Budget for tokio::task::coop::RestoreOnPending {
    #[inline]
    fn made_progress(self) {
        tokio::task::coop::RestoreOnPending::made_progress(&self);
    }
}

/// A reactor error as a libzmq error: the OS error if there is one, else `ETERM` (the
/// runtime that owns the registration has shut down, so the socket can no longer wait).
fn io_error(err: &std::io::Error) -> Error {
    match err.raw_os_error() {
        Some(code) => Error::from_raw(code),
        None => Error::ETERM,
    }
}
