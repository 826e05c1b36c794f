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
//! use zmq::tokio::AsyncSocket;
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
//! # `use zmq::*` and the `tokio` crate
//! With this feature, `use zmq::*;` also imports this module under the name `tokio`. In
//! that module (only), the name then means `zmq::tokio`, not the tokio crate: a glob
//! import takes precedence over the crates in the extern prelude. So `tokio::spawn(..)`
//! fails to compile (E0425, no `spawn` in module `tokio`), and `#[tokio::main]` and
//! `#[tokio::test]` fail as ambiguous (E0659); even `#[::tokio::main]` does, because the
//! code it expands to names `tokio` itself. Either import the crate explicitly next to the
//! glob, `use ::tokio;` (an explicit import takes precedence over a glob; this module is
//! then `zmq::tokio`), or import from `zmq` by name instead of with the glob. Writing
//! `::tokio::spawn` works for plain paths, but not for tokio's attribute macros.
//!
//! ```
//! use zmq::*;
//! use ::tokio; // `tokio` is the tokio crate again; the adapter is `zmq::tokio`
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> zmq::Result<()> {
//!     let ctx = Context::new();
//!     let mut pull = zmq::tokio::AsyncSocket::new(ctx.socket(PULL)?)?;
//!     pull.get_ref().bind("inproc://glob-import")?;
//!     let push = ctx.socket(PUSH)?;
//!     push.connect("inproc://glob-import")?;
//!     tokio::spawn(async move { push.send("hi", 0) }).await.unwrap()?;
//!     assert_eq!(pull.recv_string().await?.unwrap(), "hi");
//!     Ok(())
//! }
//! ```
//!
//! Without the `use ::tokio;` line:
//!
//! ```compile_fail,E0425
//! use zmq::*;
//!
//! fn main() {
//!     let _task = tokio::spawn(async {}); // `tokio` is `zmq::tokio` here
//! }
//! ```
//!
//! ```compile_fail,E0659
//! use zmq::*;
//!
//! #[tokio::main] // ambiguous: the tokio crate, or `zmq::tokio`?
//! async fn main() {}
//! ```
//!
//! # Limits
//! Unix only. The thread-safe draft sockets (CLIENT, SERVER, RADIO, DISH, ...) have no
//! `ZMQ_FD` and are refused. Using a socket after `fork` is not supported.

pub(crate) mod context;
mod core;
mod future;
mod methods;
mod monitor;
mod readiness;
mod socket;
mod split;
mod stream;
mod waiters;

use std::fmt;

pub use self::future::{RecvMsg, RecvMultipart, SendMessage};
pub use self::monitor::MonitorStream;
pub use self::socket::AsyncSocket;
pub use self::split::{RecvHalf, ReuniteError, SendHalf};
use crate::{Error, Message};

/// One whole message: its frames, in order. What the `Stream`s yield and the `Sink`s take
/// (they also take any `IntoIterator` of things that convert into [`Message`]).
pub type Multipart = Vec<Message>;

/// A message [`AsyncSocket::try_send`] could not send, and why.
pub struct TrySendError {
    error: Error,
    message: Multipart,
}

impl TrySendError {
    pub(crate) fn new((error, (first, mut rest)): (Error, (Message, Vec<Message>))) -> Self {
        rest.insert(0, first);
        TrySendError {
            error,
            message: rest,
        }
    }

    /// Why: [`EAGAIN`](Error::EAGAIN) when there was no room (wait with
    /// `poll_send_ready` and try again), or the error of the send.
    pub fn error(&self) -> Error {
        self.error
    }

    /// Whether there was no room (`EAGAIN`).
    pub fn is_full(&self) -> bool {
        self.error == Error::EAGAIN
    }

    /// The message, unsent. Empty in the rare case where the error came after libzmq had
    /// accepted the message's first frame.
    pub fn into_message(self) -> Multipart {
        self.message
    }
}

impl fmt::Debug for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrySendError")
            .field("error", &self.error)
            .field("frames", &self.message.len())
            .finish()
    }
}

impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message not sent: {}", self.error)
    }
}

impl std::error::Error for TrySendError {}

impl From<TrySendError> for Error {
    fn from(err: TrySendError) -> Error {
        err.error
    }
}
