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
//! `ZMQ_FD` and are refused. Using a socket after `fork` is not supported.

mod context;
#[cfg(feature = "draft")]
mod draft;
mod future;
mod monitor;
mod proxy;
mod readiness;
mod socket;
mod split;
mod stream;

#[cfg(feature = "draft")]
pub use self::draft::{AsyncDraftSocket, DraftRecv, DraftSend};
pub use self::future::{Recv, RecvMsg, RecvMultipart, SendMessage};
pub use self::monitor::MonitorStream;
pub use self::proxy::{proxy, Proxy};
pub use self::socket::AsyncSocket;
pub use self::split::{RecvHalf, ReuniteError, SendHalf};
pub use crate::rt::{Multipart, TrySendError};

/// The readiness core on tokio's reactor.
pub(crate) type Core = crate::rt::core::Core<readiness::Tokio>;
