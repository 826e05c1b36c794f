//! [`AsyncSocket`]: a [`Socket`] whose sends and receives are futures, on any runtime.

use std::fmt;
use std::task::{Context, Poll};

use crate::rt::core::outgoing;
use crate::rt::future::{self, Owner, Shared};
use crate::rt::split::{RecvHalf, SendHalf};
use crate::rt::{
    CoreOf, Multipart, Recv, RecvMsg, RecvMultipart, Runtime, SendMessage, TrySendError,
};
use crate::{Message, PollEvents, Result, Socket};

/// A ZeroMQ socket on the async runtime `R`: the sync [`Socket`]'s sends and receives, as
/// futures. Name it through a runtime's module: [`zmq::rt::tokio::AsyncSocket`] or
/// [`zmq::rt::async_io::AsyncSocket`] (each has an example).
///
/// Made from a sync socket with [`AsyncSocket::new`]; bind, connect and set options through
/// [`get_ref`](Self::get_ref). The methods take `&mut self`, so one task uses the socket at
/// a time and their futures are `Send`; to receive in one task and send in another, use
/// [`into_split`](Self::into_split). The socket is also a [`Stream`](futures_core::Stream)
/// of whole messages and a [`Sink`](futures_sink::Sink) of them.
///
/// # How it waits
/// Every operation first tries libzmq without blocking; only when libzmq says `EAGAIN`
/// does it register libzmq's `ZMQ_FD` with the runtime's reactor (on first need, so the
/// socket can be made outside a runtime) and park. While messages flow, there is no extra
/// system call per message. Sends and receives never block a runtime thread.
///
/// # Timeouts
/// The async methods honour the socket's `RCVTIMEO`/`SNDTIMEO` (default: wait forever)
/// with the runtime's timer, failing with [`Error::EAGAIN`](crate::Error::EAGAIN) like the
/// sync calls (on tokio, the runtime needs its time driver then). The `Stream`, `Sink` and
/// `poll_*` methods ignore them: use the runtime's timeout.
///
/// # Closing
/// Dropping it removes the fd from the reactor and then closes the socket (the fd belongs
/// to libzmq and is never closed by us). If that releases the last handle of the
/// [`Context`](crate::Context) on a runtime thread, the context is terminated on another
/// thread, never on the runtime's (see the runtime's module); it still waits for unsent
/// messages (linger is infinite by default), so set `LINGER` on sockets that may hold
/// unsent messages.
///
/// # Panics
/// On tokio, waiting outside a tokio runtime (with I/O enabled) panics, like tokio's own
/// I/O types. async-io's reactor runs on its own thread and works under any executor.
///
/// [`zmq::rt::tokio::AsyncSocket`]: crate::rt::tokio::AsyncSocket
/// [`zmq::rt::async_io::AsyncSocket`]: crate::rt::async_io::AsyncSocket
pub struct AsyncSocket<R: Runtime> {
    pub(crate) core: CoreOf<R>,
}

impl<R: Runtime> AsyncSocket<R> {
    /// Wraps a sync socket.
    ///
    /// # Errors
    /// [`EINVAL`](crate::Error::EINVAL) for the thread-safe draft socket types (CLIENT,
    /// SERVER, RADIO, DISH, ...), which have no `ZMQ_FD`; `ETERM`.
    pub fn new(socket: Socket) -> Result<AsyncSocket<R>> {
        R::install_context_hook();
        Ok(AsyncSocket {
            core: CoreOf::<R>::new(socket)?,
        })
    }

    /// The sync socket: bind, connect, options.
    ///
    /// Calls on it may consume the socket's fd notification; a task parked through a
    /// `poll_*` method is woken so that it re-checks.
    pub fn get_ref(&self) -> &Socket {
        self.core.readiness.fanout.wake_all();
        self.core.user_socket()
    }

    /// Gives the sync socket back (the fd is removed from the reactor, not closed).
    ///
    /// What is left of a started multipart message is pushed first; a message buffered
    /// in the `Sink` and not flushed is dropped.
    pub fn into_inner(self) -> Socket {
        self.core.into_socket()
    }

    fn owner(&mut self) -> Owner<'_, R> {
        Owner::Owned(&mut self.core)
    }

    /// Receives one frame, like [`Socket::recv_msg`].
    ///
    /// Cancel safe: a dropped future has received nothing.
    ///
    /// # Errors
    /// `EAGAIN` after `RCVTIMEO`; `EFSM` when the socket type does not allow a receive
    /// now; `ETERM` when the context (or the runtime) is gone.
    pub fn recv_msg(&mut self) -> RecvMsg<'_, R> {
        RecvMsg::new(self.owner())
    }

    /// Receives one frame into `msg`, like [`Socket::recv`]: what `msg` held is replaced.
    /// A loop that receives into one message saves a move of each frame through the
    /// future's output (see [`recv_msg`](Self::recv_msg)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> zmq::Result<()> {
    /// # use zmq::rt::tokio::AsyncSocket;
    /// # let ctx = zmq::Context::new();
    /// # let mut pull = AsyncSocket::new(ctx.socket(zmq::PULL)?)?;
    /// # pull.get_ref().bind("inproc://doc-recv-into")?;
    /// # let mut push = AsyncSocket::new(ctx.socket(zmq::PUSH)?)?;
    /// # push.get_ref().connect("inproc://doc-recv-into")?;
    /// # push.send("a").await?;
    /// # push.send("b").await?;
    /// let mut msg = zmq::Message::new();
    /// for expected in ["a", "b"] {
    ///     pull.recv(&mut msg).await?;
    ///     assert_eq!(msg.as_str(), Some(expected));
    /// }
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Cancel safe: a dropped future has received nothing (`msg` may have been emptied, as
    /// by a sync `recv` that fails).
    ///
    /// # Errors
    /// As [`recv_msg`](Self::recv_msg).
    pub fn recv<'a>(&'a mut self, msg: &'a mut Message) -> Recv<'a, R> {
        Recv::new(self.owner(), msg)
    }

    /// Receives one frame as bytes, like [`Socket::recv_bytes`]. Cancel safe.
    pub async fn recv_bytes(&mut self) -> Result<Vec<u8>> {
        future::bytes(self.recv_msg()).await
    }

    /// Receives one frame as text, like [`Socket::recv_string`]: `Ok(Err(bytes))` when it
    /// is not UTF-8. Cancel safe.
    pub async fn recv_string(&mut self) -> Result<std::result::Result<String, Vec<u8>>> {
        future::string(self.recv_msg()).await
    }

    /// Receives every frame of one message, like [`Socket::recv_multipart`].
    ///
    /// Cancel safe: the message is read whole within one poll, or left in libzmq.
    pub async fn recv_multipart(&mut self) -> Result<Vec<Vec<u8>>> {
        future::multipart(self.recv_multipart_msgs()).await
    }

    /// Receives every frame of one message without copying them, like
    /// [`Socket::recv_multipart_msgs`]. Cancel safe.
    pub fn recv_multipart_msgs(&mut self) -> RecvMultipart<'_, R> {
        RecvMultipart::new(self.owner())
    }

    /// Polls for one whole message (what the `Stream` yields). Cancel safe; ignores
    /// `RCVTIMEO`.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Multipart>> {
        self.owner()
            .with(|core| core.poll_recv_multipart(cx, false))
    }

    /// Sends one frame (without `SNDMORE`), like [`Socket::send`].
    ///
    /// All or nothing: dropped before it completes, the future has sent nothing (the
    /// message is dropped with it). Use [`try_send`](Self::try_send) to get a message
    /// back.
    ///
    /// # Errors
    /// `EAGAIN` after `SNDTIMEO`; `EFSM`; `EHOSTUNREACH` (ROUTER with `ROUTER_MANDATORY`);
    /// `ETERM`.
    pub fn send<T: Into<Message>>(&mut self, data: T) -> SendMessage<'_, R> {
        SendMessage::frames(self.owner(), data.into(), Vec::new())
    }

    /// Sends the parts as one multipart message, like [`Socket::send_multipart`]; sends
    /// nothing for no parts.
    ///
    /// All or nothing: no frame is sent before libzmq accepts the first, and then all
    /// are sent in the same poll (libzmq counts its high-water mark in whole messages). A
    /// future dropped before that has sent nothing.
    pub fn send_multipart<I, T>(&mut self, parts: I) -> SendMessage<'_, R>
    where
        I: IntoIterator<Item = T>,
        T: Into<Message>,
    {
        SendMessage::new(self.owner(), outgoing(parts))
    }

    /// `Ready` when a send will probably not block: at once while sends succeed, and after
    /// a send hit `EAGAIN`, when libzmq reports room (`POLLOUT`, a hint: a ROUTER may have
    /// room for some peers only). Also flushes what the `Sink` buffered.
    pub fn poll_send_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.owner().with(|core| core.poll_send_ready(cx))
    }

    /// Sends one message if libzmq accepts it now, else hands it back (in
    /// [`TrySendError`], with `EAGAIN` when there is no room). Pair it with
    /// [`poll_send_ready`](Self::poll_send_ready).
    pub fn try_send<I, T>(&mut self, parts: I) -> std::result::Result<(), TrySendError>
    where
        I: IntoIterator<Item = T>,
        T: Into<Message>,
    {
        future::try_send(self.owner(), parts)
    }

    /// Which operations would not block now (`ZMQ_EVENTS`). Reading it consumes the fd
    /// notification, so it also wakes any task parked through a `poll_*` method that can
    /// now make progress.
    pub fn events(&mut self) -> Result<PollEvents> {
        self.owner().with(|core| core.read_events(None))
    }

    /// Splits into a receive half and a send half that can be used from two tasks at
    /// once (e.g. a DEALER reading replies while it sends requests).
    pub fn into_split(self) -> (RecvHalf<R>, SendHalf<R>) {
        let shared = std::sync::Arc::new(Shared::new(self.core));
        (RecvHalf::new(shared.clone()), SendHalf::new(shared))
    }

    /// How many tasks are parked on this socket (0, 1 or 2), for diagnostics.
    pub fn parked_wakers(&self) -> usize {
        self.core.readiness.fanout.parked()
    }

    /// Whether the socket's fd is registered with the runtime's reactor (it is registered on the
    /// first wait), for diagnostics.
    pub fn is_registered(&self) -> bool {
        self.core.readiness.is_registered_with_reactor()
    }
}

impl<R: Runtime> fmt::Debug for AsyncSocket<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncSocket")
            .field("socket", self.core.socket())
            .finish_non_exhaustive()
    }
}
