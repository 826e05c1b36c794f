//! What a reactor binding provides to the readiness core, and the per-socket readiness
//! state built on it: one registration of an fd, one cached fan-out waker, and our own
//! receive/send waiter slots.
//!
//! Reactors keep a single reader waker per registration (tokio's `AsyncFd`, docs/design/async.md
//! F8), so user task wakers are never handed to them (I3): the reactor only ever sees the
//! fan-out waker, which wakes whatever is parked in our two slots.

use std::future::Future;
use std::os::unix::io::RawFd;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::Result;
pub(crate) use crate::rt::waiters::{Dir, FanOut, WakerSlot};

/// What a binding provides besides the registration: its timer (for `RCVTIMEO` and
/// `SNDTIMEO`) and how a context released on one of its threads is terminated. The
/// public, sealed [`Runtime`](crate::rt::Runtime) trait has this one as its supertrait,
/// so that users can name the runtime markers but not implement them.
pub trait Binding: Send + Sync + Sized + 'static {
    /// How this runtime's reactor watches a socket's fd.
    type Registration: Registration;
    /// A timer future (its output is ignored).
    type Sleep: Future + Send + Sync + 'static;

    /// A timer that fires after `duration`.
    fn sleep(duration: Duration) -> Self::Sleep;

    /// Installs (once per process) the hook that keeps context termination off the
    /// runtime's threads; called whenever an async socket is made.
    fn install_context_hook();
}

/// One fd's registration with a reactor: the whole of what a binding implements.
///
/// The fd belongs to libzmq (`ZMQ_FD`, or a poller's fd): a registration never closes it.
pub trait Registration: Default + Send + Sync + Unpin {
    /// A unit of the runtime's cooperative budget, taken before an operation; the
    /// operation reports progress through it (see [`Registration::poll_budget`]).
    type Budget: Budget;

    /// Polls the reactor for an edge of `fd` seen since the last call. `Ready(Ok)` means
    /// one was seen, and its readiness is cleared in a way that keeps an edge arriving
    /// during the call. `Pending` means `waker` will be woken by the next edge. The first
    /// call registers `fd`. May be called from several threads at once (the thread-safe
    /// sockets share one registration).
    ///
    /// # Safety
    /// `fd` stays open, as the same file, until [`Registration::deregister`] (or the drop
    /// of the registration), and is the same on every call.
    unsafe fn poll_edge(&self, fd: RawFd, waker: &Waker) -> Poll<Result<()>>;

    /// Removes the fd from the reactor (without closing it). Idempotent.
    fn deregister(&mut self);

    /// Whether the fd is registered with the reactor now.
    fn is_registered(&self) -> bool;

    /// Takes one unit of the task's cooperative budget: `Pending` when the task must yield
    /// first (the runtime wakes it).
    fn poll_budget(cx: &mut Context<'_>) -> Poll<Self::Budget>;
}

/// A unit of cooperative budget: restored unless the operation made progress.
pub trait Budget {
    /// The operation completed: the unit is spent.
    fn made_progress(self);
}

/// No cooperative budget (reactors without one).
impl Budget for () {
    fn made_progress(self) {}
}

/// The reactor side of one socket: the lazy registration of its fd and the waiter slots.
pub(crate) struct Readiness<R: Registration> {
    fd: RawFd,
    /// Registered on first park (so sockets can be made outside a runtime, and sockets
    /// that never park never touch the reactor).
    registration: R,
    pub(crate) fanout: Arc<FanOut>,
    fanout_waker: Waker,
}

impl<R: Registration> Readiness<R> {
    /// # Safety
    /// `fd` stays open, as the same file, until this value is deregistered or dropped.
    pub(crate) unsafe fn new(fd: RawFd) -> Readiness<R> {
        let fanout = Arc::new(FanOut::default());
        let fanout_waker = Waker::from(fanout.clone());
        Readiness {
            fd,
            registration: R::default(),
            fanout,
            fanout_waker,
        }
    }

    #[inline]
    pub(crate) fn slot(&self, dir: Dir) -> &WakerSlot {
        self.fanout.slot(dir)
    }

    pub(crate) fn is_registered_with_reactor(&self) -> bool {
        self.registration.is_registered()
    }

    /// Polls the reactor for an fd edge, with the fan-out waker (see
    /// [`Registration::poll_edge`]).
    ///
    /// # Panics
    /// As the binding's registration does: tokio's on the first call outside a runtime
    /// with I/O enabled.
    pub(crate) fn poll_edge(&self) -> Poll<Result<()>> {
        // SAFETY: `fd` was given to `new` under the promise that it stays open until
        // `deregister` or the drop of this value; the owner (`Core`) deregisters before it
        // closes the socket (in its `Drop` and in `into_socket`).
        unsafe { self.registration.poll_edge(self.fd, &self.fanout_waker) }
    }

    /// Whether libzmq has commands waiting for the socket: its fd is readable now. Reads
    /// nothing (a `poll` with no timeout), so an edge the reactor has not reported yet is
    /// still reported later.
    pub(crate) fn has_pending_commands(&self) -> bool {
        let mut pollfd = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, count 1, no timeout; `fd` is open (see `new`).
        let rc = unsafe { libc::poll(&mut pollfd, 1, 0) };
        // An error (EINTR, ENOMEM) says nothing: answer "pending", the safe side (the
        // caller then reads ZMQ_EVENTS, as it would without this check).
        rc != 0
    }

    /// Removes the fd from the reactor, without closing it. Must happen before
    /// `zmq_close`, after which libzmq's reaper closes the fd and the number can be reused
    /// (F10).
    pub(crate) fn deregister(&mut self) {
        self.registration.deregister();
    }
}
