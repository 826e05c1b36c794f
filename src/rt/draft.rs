//! [`AsyncDraftSocket`]: a thread-safe draft socket whose sends and receives are futures,
//! shared by many tasks through `&self`, on any [`Runtime`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use crate::draft::DraftSocket;
use crate::raw::RawPoller;
use crate::rt::Runtime;
use crate::rt::reactor::{Binding, Dir};
use crate::rt::shared::{EventSource, SharedReadiness, WaitState};
use crate::{Error, Message, PollEvents, Result};

const DONTWAIT: i32 = zmq_sys::ZMQ_DONTWAIT as i32;

impl EventSource for DraftSocket {
    fn events(&self) -> Result<PollEvents> {
        crate::sockopt::codec::get_events(&self.raw)
    }
}

/// A thread-safe draft socket (SERVER, CLIENT, RADIO, DISH, SCATTER, GATHER, PEER,
/// CHANNEL) on runtime `R`: `zmq::rt::tokio::AsyncDraftSocket` or
/// `zmq::rt::async_io::AsyncDraftSocket` (with their features). Its methods take `&self`
/// and the type is `Sync`: tasks share one socket through an `Arc`, with no mutex, and any
/// number of them may wait on it at once.
///
/// An example for each runtime is on its alias.
///
/// # How it waits
/// These sockets have no `ZMQ_FD`; readiness comes from a one-socket `zmq_poller` and its
/// `zmq_poller_fd`, registered with the runtime's reactor on the first wait. Every
/// operation first tries libzmq without blocking; on `EAGAIN` the task joins the waiters
/// of its direction, re-reads `ZMQ_EVENTS`, then parks. An fd edge wakes every waiter, and
/// every completed operation wakes the waiters that can now go on, so none is forgotten; a
/// waiter is only woken by an event, never by another waiter that made no progress.
///
/// # Cancel safety
/// As for [`AsyncSocket`](crate::rt::AsyncSocket): a dropped receive has received
/// nothing, a dropped send has sent nothing (its message is dropped with it).
///
/// # Timeouts
/// As on the sync socket, `RCVTIMEO` and `SNDTIMEO` (set through [`get_ref`](Self::get_ref))
/// bound a wait: when the time passes with nothing received or sent, the future resolves
/// to `EAGAIN` (a send drops its message) and the socket goes on working. The option is
/// read when an operation first has to wait, with the runtime's timer (tokio's needs
/// `enable_time`, as `tokio::time::timeout` does). -1, the default, waits for ever; 0
/// fails at once when nothing can be received or sent (a yield to the runtime's
/// cooperative budget is not a failure: the operation is tried when the task runs again).
///
/// # Closing
/// Dropping it removes the fd from the reactor, destroys the poller, then closes the
/// socket; a context released on a runtime thread is terminated off it, as for
/// [`AsyncSocket`](crate::rt::AsyncSocket).
pub struct AsyncDraftSocket<R: Runtime> {
    readiness: SharedReadiness<<R as Binding>::Registration>,
    /// Destroyed after the fd leaves the reactor, before the socket closes.
    poller: Option<RawPoller>,
    socket: Option<DraftSocket>,
}

impl<R: Runtime> AsyncDraftSocket<R> {
    /// Wraps a thread-safe draft socket.
    ///
    /// # Errors
    /// Those of `zmq_poller_new`, `zmq_poller_add` and `zmq_poller_fd` (`ETERM` when the
    /// context is shut down).
    pub fn new(socket: DraftSocket) -> Result<AsyncDraftSocket<R>> {
        R::install_context_hook();
        // SAFETY: the socket is a live thread-safe socket; the poller is dropped before it
        // (in Drop and in into_inner).
        let (poller, fd) = unsafe { RawPoller::for_socket(&socket.raw)? };
        Ok(AsyncDraftSocket {
            // SAFETY: the poller's fd stays open until the poller is destroyed, which
            // happens only after `deregister` (Drop, into_inner).
            readiness: unsafe { SharedReadiness::new(fd) },
            poller: Some(poller),
            socket: Some(socket),
        })
    }

    /// The sync socket: bind, connect, join, options. Calls on it may process the socket's
    /// pending commands, so parked tasks are woken to re-check.
    pub fn get_ref(&self) -> &DraftSocket {
        self.readiness.waiters().wake_all();
        self.socket()
    }

    fn socket(&self) -> &DraftSocket {
        match &self.socket {
            Some(socket) => socket,
            None => unreachable!("the socket is only taken by into_inner or drop"),
        }
    }

    /// Gives the sync socket back (the fd is removed from the reactor and the poller
    /// destroyed).
    pub fn into_inner(mut self) -> DraftSocket {
        self.close_poller();
        match self.socket.take() {
            Some(socket) => socket,
            None => unreachable!("the socket is only taken here or in drop"),
        }
    }

    /// One poll of `op` in `dir`, bounded by the socket's `RCVTIMEO` or `SNDTIMEO`: once it
    /// has passed, the waiter leaves its list and the result is `EAGAIN`.
    fn poll_timed<T>(
        &self,
        dir: Dir,
        state: &mut WaitState,
        deadline: &mut Deadline<R>,
        cx: &mut Context<'_>,
        op: impl FnMut(&DraftSocket) -> Result<T>,
    ) -> Poll<Result<T>> {
        let res = self.readiness.poll_op(self.socket(), dir, state, cx, op);
        // A yield to the runtime's budget made no attempt: it is not for the timeout to end.
        if res.is_ready() || state.yielded() {
            return res;
        }
        let expired = ready!(deadline.poll(cx, || match dir {
            Dir::Recv => self.socket().get_rcvtimeo(),
            Dir::Send => self.socket().get_sndtimeo(),
        }));
        self.readiness.cancel(dir, state);
        Poll::Ready(Err(expired))
    }

    fn close_poller(&mut self) {
        self.readiness.deregister();
        drop(self.poller.take());
    }

    /// Sends one message (one frame: draft sockets have no multipart). Set its routing id
    /// or group on the [`Message`], or use [`send_to`](Self::send_to) and
    /// [`send_to_group`](Self::send_to_group).
    ///
    /// All or nothing: dropped before it completes, the future has sent nothing.
    ///
    /// # Errors
    /// `EHOSTUNREACH` (SERVER, PEER: no peer has the routing id); `ENOTSUP` for a type
    /// that only receives (DISH, GATHER); `EAGAIN` when `SNDTIMEO` passed; `ETERM`.
    pub fn send<T: Into<Message>>(&self, data: T) -> DraftSend<'_, R> {
        DraftSend::new(self, Ok(data.into()))
    }

    /// Sends `data` to the peer with this routing id (SERVER, PEER).
    ///
    /// # Errors
    /// As [`send`](Self::send); `EINVAL` for routing id 0 (no peer has it).
    pub fn send_to<T: Into<Message>>(&self, routing_id: u32, data: T) -> DraftSend<'_, R> {
        let mut msg = data.into();
        let msg = msg.set_routing_id(routing_id).map(|()| msg);
        DraftSend::new(self, msg)
    }

    /// Publishes `data` to `group` (RADIO).
    ///
    /// # Errors
    /// `EINVAL` for a group longer than 255 bytes or with a NUL byte; as
    /// [`send`](Self::send).
    pub fn send_to_group<T: Into<Message>>(&self, group: &str, data: T) -> DraftSend<'_, R> {
        let mut msg = data.into();
        let msg = msg.set_group(group).map(|()| msg);
        DraftSend::new(self, msg)
    }

    /// Receives one message; [`Message::routing_id`] names the sender (SERVER, PEER),
    /// [`Message::group`] its group (DISH). Cancel safe.
    ///
    /// # Errors
    /// `ENOTSUP` for a type that only sends (RADIO, SCATTER); `EAGAIN` when `RCVTIMEO`
    /// passed; `ETERM`.
    pub fn recv_msg(&self) -> DraftRecv<'_, R> {
        DraftRecv {
            socket: self,
            state: WaitState::default(),
            deadline: Deadline::default(),
        }
    }

    /// How many tasks wait on this socket, per direction: `(receiving, sending)`. For
    /// diagnostics and tests.
    pub fn parked_wakers(&self) -> (usize, usize) {
        let waiters = self.readiness.waiters();
        (
            waiters.list(Dir::Recv).parked(),
            waiters.list(Dir::Send).parked(),
        )
    }

    /// Whether the poller's fd is registered with the runtime's reactor (on the first wait).
    pub fn is_registered(&self) -> bool {
        self.readiness.is_registered_with_reactor()
    }
}

impl<R: Runtime> Drop for AsyncDraftSocket<R> {
    fn drop(&mut self) {
        // The fd leaves the reactor before libzmq can close it (poller destroy), and the
        // poller goes before the socket (its destructor touches the socket).
        self.close_poller();
        drop(self.socket.take());
    }
}

impl<R: Runtime> fmt::Debug for AsyncDraftSocket<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncDraftSocket")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

/// The future of [`AsyncDraftSocket::recv_msg`]. Cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct DraftRecv<'a, R: Runtime> {
    socket: &'a AsyncDraftSocket<R>,
    state: WaitState,
    deadline: Deadline<R>,
}

impl<R: Runtime> Future for DraftRecv<'_, R> {
    type Output = Result<Message>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<Message>> {
        let this = self.get_mut();
        let socket = this.socket;
        socket.poll_timed(
            Dir::Recv,
            &mut this.state,
            &mut this.deadline,
            cx,
            |s: &DraftSocket| {
                let mut msg = Message::new();
                s.raw.msg_recv(msg.for_io(), DONTWAIT).map(|()| msg)
            },
        )
    }
}

impl<R: Runtime> Drop for DraftRecv<'_, R> {
    fn drop(&mut self) {
        self.socket.readiness.cancel(Dir::Recv, &mut self.state);
    }
}

/// The future of [`AsyncDraftSocket::send`] and friends. All or nothing: dropped before
/// completion, it has sent nothing and drops its message.
#[must_use = "futures do nothing unless polled"]
pub struct DraftSend<'a, R: Runtime> {
    socket: &'a AsyncDraftSocket<R>,
    state: WaitState,
    deadline: Deadline<R>,
    /// The message until libzmq accepts it; the error to report if it could not be made.
    msg: Option<Result<Message>>,
}

impl<'a, R: Runtime> DraftSend<'a, R> {
    fn new(socket: &'a AsyncDraftSocket<R>, msg: Result<Message>) -> DraftSend<'a, R> {
        DraftSend {
            socket,
            state: WaitState::default(),
            deadline: Deadline::default(),
            msg: Some(msg),
        }
    }
}

impl<R: Runtime> Future for DraftSend<'_, R> {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        let socket = this.socket;
        let msg = match &mut this.msg {
            Some(Ok(msg)) => msg,
            Some(Err(err)) => {
                let err = *err;
                this.msg = None;
                return Poll::Ready(Err(err));
            }
            // Polled after completion.
            None => return Poll::Ready(Err(Error::EFSM)),
        };
        let res = ready!(socket.poll_timed(
            Dir::Send,
            &mut this.state,
            &mut this.deadline,
            cx,
            |s: &DraftSocket| s.send_checked(msg, DONTWAIT),
        ));
        this.msg = None;
        Poll::Ready(res)
    }
}

impl<R: Runtime> Drop for DraftSend<'_, R> {
    fn drop(&mut self) {
        self.socket.readiness.cancel(Dir::Send, &mut self.state);
    }
}

/// A waiting operation's `RCVTIMEO`/`SNDTIMEO`: read at the first wait, then a timer of
/// the runtime's.
struct Deadline<R: Runtime> {
    /// The option was read.
    read: bool,
    timer: Option<Pin<Box<<R as Binding>::Sleep>>>,
}

impl<R: Runtime> Default for Deadline<R> {
    fn default() -> Self {
        Deadline {
            read: false,
            timer: None,
        }
    }
}

impl<R: Runtime> Deadline<R> {
    /// After the operation returned `Pending`: `Pending` until the timeout (`option()`, in
    /// ms; -1 for none) has passed, then the error to return: `EAGAIN`, or the option's
    /// read error.
    fn poll(&mut self, cx: &mut Context<'_>, option: impl FnOnce() -> Result<i32>) -> Poll<Error> {
        if !self.read {
            self.read = true;
            match option().map(u64::try_from) {
                Err(err) => return Poll::Ready(err),
                Ok(Err(_)) => {}
                Ok(Ok(0)) => return Poll::Ready(Error::EAGAIN),
                Ok(Ok(ms)) => {
                    self.timer = Some(Box::pin(R::sleep(Duration::from_millis(ms))));
                }
            }
        }
        match &mut self.timer {
            Some(timer) => timer.as_mut().poll(cx).map(|_| Error::EAGAIN),
            None => Poll::Pending,
        }
    }
}
