//! The fd registration and readiness state of one socket: one tokio registration of
//! libzmq's `ZMQ_FD`, one cached fan-out waker, and our own receive/send waiter slots.
//!
//! tokio keeps a single reader waker per registration (async-design.md F8), so user task
//! wakers are never handed to it (I3): tokio only ever sees the fan-out waker, which wakes
//! whatever is parked in our two slots.

use std::os::unix::io::{AsRawFd, RawFd};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

pub(crate) use crate::tokio::waiters::{FanOut, WakerSlot};
use crate::{Error, PollEvents, Result};

/// A direction of traffic, and the waiter slot that belongs to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dir {
    /// Receiving: waits for `POLLIN`.
    Recv = 0,
    /// Sending: waits for `POLLOUT`.
    Send = 1,
}

impl Dir {
    pub(crate) const BOTH: [Dir; 2] = [Dir::Recv, Dir::Send];

    pub(crate) fn other(self) -> Dir {
        match self {
            Dir::Recv => Dir::Send,
            Dir::Send => Dir::Recv,
        }
    }

    /// The `ZMQ_EVENTS` bit that says this direction can make progress.
    pub(crate) fn event(self) -> PollEvents {
        match self {
            Dir::Recv => PollEvents::POLLIN,
            Dir::Send => PollEvents::POLLOUT,
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// libzmq's `ZMQ_FD`, borrowed. It has no `Drop`: the fd belongs to libzmq (its reaper
/// closes it after `zmq_close`), so we never close it.
struct ZmqFd(RawFd);

impl AsRawFd for ZmqFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// The tokio side of one socket: the lazy registration of `ZMQ_FD` and the waiter slots.
pub(crate) struct Readiness {
    fd: RawFd,
    /// Registered on first park (so sockets can be made outside a runtime, and sockets
    /// that never park never touch the reactor).
    registration: Option<AsyncFd<ZmqFd>>,
    pub(crate) fanout: Arc<FanOut>,
    fanout_waker: Waker,
}

impl Readiness {
    pub(crate) fn new(fd: RawFd) -> Readiness {
        let fanout = Arc::new(FanOut::default());
        let fanout_waker = Waker::from(fanout.clone());
        Readiness {
            fd,
            registration: None,
            fanout,
            fanout_waker,
        }
    }

    #[inline]
    pub(crate) fn slot(&self, dir: Dir) -> &WakerSlot {
        self.fanout.slot(dir)
    }

    pub(crate) fn is_registered_with_reactor(&self) -> bool {
        self.registration.is_some()
    }

    /// Polls tokio for an fd edge, with the fan-out waker. `Ready(Ok)` means an edge was
    /// seen since the last call, and its readiness has been cleared (tick-protected: an
    /// edge that arrives during the call stays set). `Pending` means the fan-out waker
    /// is registered for the next edge.
    ///
    /// # Panics
    /// On the first call outside a tokio runtime with I/O enabled (like every tokio I/O
    /// type).
    pub(crate) fn poll_edge(&mut self) -> Poll<Result<()>> {
        if self.registration.is_none() {
            // SAFETY: `fd` is the ZMQ_FD of the socket this state belongs to. libzmq keeps
            // it open, as the same eventfd, for as long as the socket is open, and the
            // owner (`Core`) drops this registration before it closes the socket (in its
            // `Drop` and in `into_socket`).
            let registered =
                unsafe { AsyncFd::register_with_interest(ZmqFd(self.fd), Interest::READABLE) };
            match registered {
                Ok(registration) => self.registration = Some(registration),
                Err(err) => return Poll::Ready(Err(io_error(&err.into_parts().1))),
            }
        }
        let Some(registration) = &self.registration else {
            return Poll::Ready(Err(Error::EINVAL));
        };
        let mut cx = Context::from_waker(&self.fanout_waker);
        match registration.poll_read_ready(&mut cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(mut guard)) => {
                guard.clear_ready();
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(io_error(&err))),
        }
    }

    /// Removes the fd from the reactor (epoll `DEL`), without closing it. Must happen
    /// before `zmq_close`, after which libzmq's reaper closes the fd and the number can be
    /// reused (F10).
    pub(crate) fn deregister(&mut self) {
        // Dropping the AsyncFd deregisters, then drops the ZmqFd, which closes nothing.
        drop(self.registration.take());
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
