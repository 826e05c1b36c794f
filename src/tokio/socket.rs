//! [`AsyncSocket`]: a [`Socket`] whose sends and receives are futures.

use std::fmt;

use crate::tokio::core::Core;
use crate::tokio::future::{Owner, Shared};
use crate::tokio::split::{RecvHalf, SendHalf};
use crate::{PollEvents, Result, Socket};

/// A ZeroMQ socket for tokio: the sync [`Socket`]'s sends and receives, as futures.
///
/// Made from a sync socket with [`AsyncSocket::new`]; bind, connect and set options through
/// [`get_ref`](Self::get_ref). The methods take `&mut self`, so one task uses the socket at
/// a time and their futures are `Send`; to receive in one task and send in another, use
/// [`into_split`](Self::into_split). The socket is also a [`Stream`](futures_core::Stream)
/// of whole messages and a [`Sink`](futures_sink::Sink) of them.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zmq::Result<()> {
/// use zmq::tokio::AsyncSocket;
///
/// let ctx = zmq::Context::new();
/// let mut server = AsyncSocket::new(ctx.socket(zmq::REP)?)?;
/// server.get_ref().bind("inproc://doc-async")?;
/// let mut client = AsyncSocket::new(ctx.socket(zmq::REQ)?)?;
/// client.get_ref().connect("inproc://doc-async")?;
///
/// client.send("ping").await?;
/// assert_eq!(server.recv_string().await?.unwrap(), "ping");
/// server.send_multipart(["pong", "!"]).await?;
/// assert_eq!(client.recv_multipart().await?, vec![b"pong".to_vec(), b"!".to_vec()]);
/// # Ok(())
/// # }
/// ```
///
/// # How it waits
/// Every operation first tries libzmq without blocking; only when libzmq says `EAGAIN`
/// does it register libzmq's `ZMQ_FD` with tokio (on first need, so the socket can be
/// made outside a runtime) and park. While messages flow, there is no extra system call
/// per message. Sends and receives never block a runtime thread.
///
/// # Timeouts
/// The async methods honour the socket's `RCVTIMEO`/`SNDTIMEO` (default: wait forever)
/// with a tokio timer, failing with [`Error::EAGAIN`](crate::Error::EAGAIN) like the sync
/// calls; the runtime needs its time driver then. The `Stream`, `Sink` and `poll_*`
/// methods ignore them: use `tokio::time::timeout`.
///
/// # Closing
/// Dropping it removes the fd from tokio's reactor and then closes the socket (the fd
/// belongs to libzmq and is never closed by us). If that releases the last handle of the
/// [`Context`](crate::Context) inside a runtime, the context is terminated on a blocking
/// thread, never on a runtime worker; it still waits for unsent messages (linger is
/// infinite by default), so set `LINGER` on sockets that may hold unsent messages.
///
/// # Panics
/// Waiting outside a tokio runtime (with I/O enabled) panics, like tokio's own I/O types.
pub struct AsyncSocket {
    pub(crate) core: Core,
}

impl AsyncSocket {
    /// Wraps a sync socket.
    ///
    /// # Errors
    /// [`EINVAL`](crate::Error::EINVAL) for the thread-safe draft socket types (CLIENT,
    /// SERVER, RADIO, DISH, ...), which have no `ZMQ_FD`; `ETERM`.
    pub fn new(socket: Socket) -> Result<AsyncSocket> {
        Ok(AsyncSocket {
            core: Core::new(socket)?,
        })
    }

    /// The sync socket: bind, connect, options.
    ///
    /// Calls on it may consume the socket's fd notification; a task parked through a
    /// `poll_*` method is woken so that it re-checks.
    pub fn get_ref(&self) -> &Socket {
        self.core.readiness.fanout.wake_all();
        self.core.socket()
    }

    /// Gives the sync socket back (the fd is removed from tokio's reactor, not closed).
    ///
    /// What is left of a started multipart message is pushed first; a message buffered
    /// in the `Sink` and not flushed is dropped.
    pub fn into_inner(self) -> Socket {
        self.core.into_socket()
    }

    fn owner(&mut self) -> Owner<'_> {
        Owner::Owned(&mut self.core)
    }

    crate::tokio::methods::recv_methods!();
    crate::tokio::methods::send_methods!();

    /// Which operations would not block now (`ZMQ_EVENTS`). Reading it consumes the fd
    /// notification, so it also wakes any task parked through a `poll_*` method that can
    /// now make progress.
    pub fn events(&mut self) -> Result<PollEvents> {
        self.owner().with(|core| core.read_events(None))
    }

    /// Splits into a receive half and a send half that can be used from two tasks at
    /// once (e.g. a DEALER reading replies while it sends requests).
    pub fn into_split(self) -> (RecvHalf, SendHalf) {
        let shared = std::sync::Arc::new(Shared::new(self.core));
        (RecvHalf::new(shared.clone()), SendHalf::new(shared))
    }

    /// How many tasks are parked on this socket (0, 1 or 2), for diagnostics.
    pub fn parked_wakers(&self) -> usize {
        self.core.readiness.fanout.parked()
    }

    /// Whether the socket's fd is registered with tokio's reactor (it is registered on the
    /// first wait), for diagnostics.
    pub fn is_registered(&self) -> bool {
        self.core.readiness.is_registered_with_reactor()
    }
}

impl fmt::Debug for AsyncSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncSocket")
            .field("socket", self.core.socket())
            .finish_non_exhaustive()
    }
}
