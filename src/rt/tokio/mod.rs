//! The tokio adapter: async sockets on tokio's reactor (feature `tokio`, unix only).
//!
//! [`AsyncSocket`] wraps a sync [`Socket`](crate::Socket). Its methods have the sync
//! names without the flags (`send`, `send_multipart`, `recv_msg`, `recv_bytes`,
//! `recv_string`, `recv_multipart`) and return futures; it is a
//! [`Stream`](futures_core::Stream) of whole messages ([`Multipart`]) and a
//! [`Sink`](futures_sink::Sink) of them; [`AsyncSocket::into_split`] gives a receive
//! half and a send half for two tasks. [`MonitorStream`] yields a socket's monitor
//! events.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> zmq::Result<()> {
//! use zmq::rt::tokio::AsyncSocket;
//!
//! let ctx = zmq::Context::new();
//! let mut pull = AsyncSocket::new(ctx.socket(zmq::PULL)?)?;
//! pull.get_ref().bind("tcp://127.0.0.1:*")?;
//! let endpoint = pull.get_ref().get_last_endpoint()?.unwrap();
//!
//! let mut push = AsyncSocket::new(ctx.socket(zmq::PUSH)?)?;
//! push.get_ref().connect(&endpoint)?;
//! tokio::spawn(async move {
//!     for i in 0..3 {
//!         push.send(format!("job {i}")).await.unwrap();
//!     }
//! });
//! for i in 0..3 {
//!     assert_eq!(pull.recv_string().await?.unwrap(), format!("job {i}"));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Cancel safety
//! - Receiving (`recv_*`, `poll_recv`, the `Stream`) is cancel safe: a dropped future has
//!   received nothing, and a multipart message is read whole within one poll, so a
//!   `tokio::select!` loop or a timeout never loses or splits a message.
//! - Sending is all or nothing: a `send` future dropped before it completes has sent no
//!   frame, and its message is dropped with it. [`AsyncSocket::try_send`] hands a message
//!   back instead; the `Sink` keeps its buffered message in the socket, so a dropped
//!   flush loses nothing.
//!
//! # How it waits (and why it does not hang)
//! libzmq's `ZMQ_FD` is edge-triggered and is drained by libzmq itself during sends,
//! receives and `ZMQ_EVENTS` reads, so a naive adapter loses wakeups. Here every
//! operation first tries libzmq without blocking; only on `EAGAIN` does the task register
//! its waker, then read `ZMQ_EVENTS`, then ask tokio for an fd edge. tokio holds one
//! fan-out waker per socket that wakes our own receive and send waiters, and whoever
//! touches libzmq while the other direction is parked re-reads `ZMQ_EVENTS` and wakes it
//! if it can go on.
//!
//! A socket that never has to wait (a flood of queued messages) still lets other tasks
//! run: every 8 completed operations take one unit of tokio's cooperative budget, so its
//! task yields after about a thousand operations in one poll.
//!
//! # Limits
//! Unix only. The thread-safe draft sockets (CLIENT, SERVER, RADIO, DISH, ...) have no
//! `ZMQ_FD` and are refused by [`AsyncSocket`]; use `AsyncDraftSocket` (feature
//! `draft`). Using a socket after `fork` is not supported.
//!
//! A socket's fd is registered with the reactor of the runtime it first waits on, and
//! stays with it, as tokio's own I/O types do: once that runtime is dropped, a wait fails
//! with `ETERM` (and a parked one is woken to fail) even where another runtime runs, and
//! while it exists but is not driven (a current-thread runtime nobody blocks on), a wait
//! elsewhere is never woken. To move a socket to another runtime, take it out with
//! [`AsyncSocket::into_inner`](crate::rt::AsyncSocket::into_inner) and wrap it again
//! there. `shutdown_background` and `shutdown_timeout` do not wait for the termination of
//! a context released as the runtime shuts down: it runs on a thread of its own.

mod context;
mod readiness;

use std::time::Duration;

pub use crate::rt::proxy;
pub use crate::rt::{Multipart, ReuniteError, TrySendError};

/// The tokio runtime, as the type parameter of the [`crate::rt`] socket types.
#[derive(Debug, Clone, Copy)]
pub enum Tokio {}

impl crate::rt::reactor::Binding for Tokio {
    type Registration = readiness::TokioFd;
    type Sleep = tokio::time::Sleep;

    fn sleep(duration: Duration) -> tokio::time::Sleep {
        tokio::time::sleep(duration)
    }

    fn install_context_hook() {
        context::install();
    }
}

impl crate::rt::Runtime for Tokio {}

/// A ZeroMQ socket for tokio: the sync [`Socket`](crate::Socket)'s sends and receives, as
/// futures. See [`crate::rt::AsyncSocket`] for its methods.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zmq::Result<()> {
/// use zmq::rt::tokio::AsyncSocket;
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
/// A context released on a tokio runtime thread (a worker, or inside `block_on`) is
/// terminated on tokio's blocking pool; the runtime's shutdown waits for it.
pub type AsyncSocket = crate::rt::AsyncSocket<Tokio>;
/// The receiving half of a tokio [`AsyncSocket`] (see [`crate::rt::RecvHalf`]).
pub type RecvHalf = crate::rt::RecvHalf<Tokio>;
/// The sending half of a tokio [`AsyncSocket`] (see [`crate::rt::SendHalf`]).
pub type SendHalf = crate::rt::SendHalf<Tokio>;
/// The future of [`AsyncSocket::recv`](crate::rt::AsyncSocket::recv).
pub type Recv<'a> = crate::rt::Recv<'a, Tokio>;
/// The future of [`AsyncSocket::recv_msg`](crate::rt::AsyncSocket::recv_msg).
pub type RecvMsg<'a> = crate::rt::RecvMsg<'a, Tokio>;
/// The future of
/// [`AsyncSocket::recv_multipart_msgs`](crate::rt::AsyncSocket::recv_multipart_msgs).
pub type RecvMultipart<'a> = crate::rt::RecvMultipart<'a, Tokio>;
/// A socket's monitor events as a `Stream` (see [`crate::rt::MonitorStream`]).
pub type MonitorStream = crate::rt::MonitorStream<Tokio>;
/// The future of [`proxy`] (see [`crate::rt::Proxy`]).
pub type Proxy<'a> = crate::rt::Proxy<'a, Tokio>;
/// The future of [`AsyncSocket::send`](crate::rt::AsyncSocket::send) and
/// [`send_multipart`](crate::rt::AsyncSocket::send_multipart).
pub type SendMessage<'a> = crate::rt::SendMessage<'a, Tokio>;

/// A thread-safe draft socket for tokio, shared by tasks through `&self` (see
/// [`crate::rt::AsyncDraftSocket`] for its methods).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zmq::Result<()> {
/// use std::sync::Arc;
/// use zmq::draft::DraftSocketType::{CLIENT, SERVER};
/// use zmq::rt::tokio::AsyncDraftSocket;
///
/// let ctx = zmq::Context::new();
/// let server = AsyncDraftSocket::new(ctx.draft_socket(SERVER)?)?;
/// server.get_ref().bind("inproc://async-draft-doc").unwrap();
/// let client = Arc::new(AsyncDraftSocket::new(ctx.draft_socket(CLIENT)?)?);
/// client.get_ref().connect("inproc://async-draft-doc").unwrap();
///
/// let asker = tokio::spawn({
///     let client = client.clone();
///     async move { client.send("ping").await }
/// });
/// let request = server.recv_msg().await?;
/// asker.await.unwrap()?;
/// server.send_to(request.routing_id().unwrap(), "pong").await?;
/// assert_eq!(client.recv_msg().await?.as_str(), Some("pong"));
/// # Ok(())
/// # }
/// ```
#[cfg(feature = "draft")]
pub type AsyncDraftSocket = crate::rt::AsyncDraftSocket<Tokio>;
/// The future of [`AsyncDraftSocket::recv_msg`](crate::rt::AsyncDraftSocket::recv_msg).
#[cfg(feature = "draft")]
pub type DraftRecv<'a> = crate::rt::DraftRecv<'a, Tokio>;
/// The future of [`AsyncDraftSocket::send`](crate::rt::AsyncDraftSocket::send) and friends.
#[cfg(feature = "draft")]
pub type DraftSend<'a> = crate::rt::DraftSend<'a, Tokio>;
