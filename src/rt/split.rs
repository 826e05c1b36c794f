//! The two halves of a split [`AsyncSocket`]: one task receives while another sends.
//!
//! Both halves share the socket's state behind a mutex that is held only around libzmq
//! calls, never across an `.await`. Each direction has its own waiter slot, so a parked
//! receiver is never forgotten because the sender parked too (tmq #50), and a send that
//! consumes the fd notification wakes the receiver if it can go on (I2).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::rt::core::outgoing;
use crate::rt::future::{self, Owner, Shared};
use crate::rt::{
    AsyncSocket, Multipart, Recv, RecvMsg, RecvMultipart, Runtime, SendMessage, TrySendError,
};
use crate::{Message, PollEvents, Result, Socket};

/// The receiving half of an [`AsyncSocket`] (see [`AsyncSocket::into_split`]). A
/// [`Stream`](futures_core::Stream) of whole messages.
pub struct RecvHalf<R: Runtime> {
    pub(crate) shared: Arc<Shared<R>>,
}

/// The sending half of an [`AsyncSocket`] (see [`AsyncSocket::into_split`]). A
/// [`Sink`](futures_sink::Sink) of whole messages.
pub struct SendHalf<R: Runtime> {
    pub(crate) shared: Arc<Shared<R>>,
}

/// The halves given to [`RecvHalf::reunite`] come from different sockets; here they are
/// back.
pub struct ReuniteError<R: Runtime>(pub RecvHalf<R>, pub SendHalf<R>);

impl<R: Runtime> fmt::Debug for ReuniteError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReuniteError(..)")
    }
}

impl<R: Runtime> fmt::Display for ReuniteError<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves of different sockets")
    }
}

impl<R: Runtime> StdError for ReuniteError<R> {}

/// Runs `f` on the sync socket, then re-checks `ZMQ_EVENTS` for the parked halves (calls
/// such as `connect` consume the fd notification).
fn with_socket<R: Runtime, T>(shared: &Shared<R>, f: impl FnOnce(&Socket) -> T) -> T {
    shared.with_socket_locked(|core| {
        let res = f(core.user_socket());
        let _ = core.read_events(None);
        res
    })
}

impl<R: Runtime> RecvHalf<R> {
    pub(crate) fn new(shared: Arc<Shared<R>>) -> RecvHalf<R> {
        RecvHalf { shared }
    }

    fn owner(&mut self) -> Owner<'_, R> {
        Owner::Shared(&self.shared)
    }

    /// Puts the socket back together.
    ///
    /// # Errors
    /// When the halves come from different sockets.
    pub fn reunite(
        self,
        send: SendHalf<R>,
    ) -> std::result::Result<AsyncSocket<R>, ReuniteError<R>> {
        if !Arc::ptr_eq(&self.shared, &send.shared) {
            return Err(ReuniteError(self, send));
        }
        drop(send);
        match Arc::try_unwrap(self.shared) {
            Ok(shared) => Ok(AsyncSocket {
                core: shared.into_core(),
            }),
            // Both halves are consumed and nothing else holds the state.
            Err(_) => unreachable!("a split socket's state is held by its two halves only"),
        }
    }

    /// Runs `f` with the sync socket (options, bind, connect), under the socket's lock.
    ///
    /// # Panics
    /// If `f` uses the other half (which waits for this lock): use the `&Socket` it is
    /// given instead.
    pub fn with_socket<T>(&self, f: impl FnOnce(&Socket) -> T) -> T {
        with_socket(&self.shared, f)
    }

    /// Receives one frame; see [`AsyncSocket::recv_msg`]. Cancel safe.
    pub fn recv_msg(&mut self) -> RecvMsg<'_, R> {
        RecvMsg::new(self.owner())
    }

    /// Receives one frame into `msg`; see [`AsyncSocket::recv`]. Cancel safe.
    pub fn recv<'a>(&'a mut self, msg: &'a mut Message) -> Recv<'a, R> {
        Recv::new(self.owner(), msg)
    }

    /// Receives one frame as bytes; see [`AsyncSocket::recv_bytes`]. Cancel safe.
    pub async fn recv_bytes(&mut self) -> Result<Vec<u8>> {
        future::bytes(self.recv_msg()).await
    }

    /// Receives one frame as text; see [`AsyncSocket::recv_string`]. Cancel safe.
    pub async fn recv_string(&mut self) -> Result<std::result::Result<String, Vec<u8>>> {
        future::string(self.recv_msg()).await
    }

    /// Receives every frame of one message; see [`AsyncSocket::recv_multipart`]. Cancel
    /// safe.
    pub async fn recv_multipart(&mut self) -> Result<Vec<Vec<u8>>> {
        future::multipart(self.recv_multipart_msgs()).await
    }

    /// Receives every frame of one message without copying them; see
    /// [`AsyncSocket::recv_multipart_msgs`]. Cancel safe.
    pub fn recv_multipart_msgs(&mut self) -> RecvMultipart<'_, R> {
        RecvMultipart::new(self.owner())
    }

    /// Polls for one whole message; see [`AsyncSocket::poll_recv`]. Cancel safe.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<Multipart>> {
        self.owner()
            .with(|core| core.poll_recv_multipart(cx, false))
    }

    /// `ZMQ_EVENTS`, waking the other half if it can go on; see [`AsyncSocket::events`].
    pub fn events(&mut self) -> Result<PollEvents> {
        self.owner().with(|core| core.read_events(None))
    }
}

impl<R: Runtime> SendHalf<R> {
    pub(crate) fn new(shared: Arc<Shared<R>>) -> SendHalf<R> {
        SendHalf { shared }
    }

    fn owner(&mut self) -> Owner<'_, R> {
        Owner::Shared(&self.shared)
    }

    /// Puts the socket back together; see [`RecvHalf::reunite`].
    ///
    /// # Errors
    /// When the halves come from different sockets.
    pub fn reunite(
        self,
        recv: RecvHalf<R>,
    ) -> std::result::Result<AsyncSocket<R>, ReuniteError<R>> {
        recv.reunite(self)
    }

    /// Runs `f` with the sync socket (options, bind, connect), under the socket's lock.
    ///
    /// # Panics
    /// If `f` uses the other half (which waits for this lock): use the `&Socket` it is
    /// given instead.
    pub fn with_socket<T>(&self, f: impl FnOnce(&Socket) -> T) -> T {
        with_socket(&self.shared, f)
    }

    /// Sends one frame; see [`AsyncSocket::send`]. All or nothing.
    pub fn send<T: Into<Message>>(&mut self, data: T) -> SendMessage<'_, R> {
        SendMessage::frames(self.owner(), data.into(), Vec::new())
    }

    /// Sends the parts as one multipart message; see [`AsyncSocket::send_multipart`]. All
    /// or nothing.
    pub fn send_multipart<I, T>(&mut self, parts: I) -> SendMessage<'_, R>
    where
        I: IntoIterator<Item = T>,
        T: Into<Message>,
    {
        SendMessage::new(self.owner(), outgoing(parts))
    }

    /// `Ready` when a send will probably not block; see [`AsyncSocket::poll_send_ready`].
    pub fn poll_send_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.owner().with(|core| core.poll_send_ready(cx))
    }

    /// Sends one message if libzmq accepts it now, else hands it back; see
    /// [`AsyncSocket::try_send`].
    pub fn try_send<I, T>(&mut self, parts: I) -> std::result::Result<(), TrySendError>
    where
        I: IntoIterator<Item = T>,
        T: Into<Message>,
    {
        future::try_send(self.owner(), parts)
    }

    /// `ZMQ_EVENTS`, waking the other half if it can go on; see [`AsyncSocket::events`].
    pub fn events(&mut self) -> Result<PollEvents> {
        self.owner().with(|core| core.read_events(None))
    }
}

impl<R: Runtime> fmt::Debug for RecvHalf<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvHalf").finish_non_exhaustive()
    }
}

impl<R: Runtime> fmt::Debug for SendHalf<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendHalf").finish_non_exhaustive()
    }
}
