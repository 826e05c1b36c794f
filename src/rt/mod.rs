//! Async adapters: ZeroMQ sockets on an async runtime's reactor (unix only).
//!
//! - [`tokio`] (feature `tokio`): [`tokio::AsyncSocket`] and friends on tokio.
//! - [`async_io`] (feature `async-io`): [`async_io::AsyncSocket`] on the `async-io` reactor,
//!   the one smol and the other async-io based executors use.
//!
//! The socket types here are generic over the [`Runtime`]; each runtime's module names them
//! for its runtime (`zmq::rt::tokio::AsyncSocket` is `AsyncSocket<Tokio>`).
//!
//! Every adapter is a thin binding over one reactor-independent readiness core (attempt
//! the operation; on `EAGAIN`, register the waiter, re-check `ZMQ_EVENTS`, and only then
//! park on an fd edge), so they share its behaviour and its tests (the loom models of the
//! waiter slots). With a binding's feature on, `use zmq::*;`
//! imports this module as `rt` and leaves the runtime's own crate name alone, so
//! `tokio::spawn` and `#[tokio::main]` keep working next to the glob.

#![cfg(unix)]

pub(crate) mod core;
pub(crate) mod reactor;
// Used by the draft sockets; compiled without them too, for its loom models.
#[cfg_attr(not(feature = "draft"), allow(dead_code))]
pub(crate) mod shared;
pub(crate) mod waiters;

#[cfg(feature = "async-io")]
pub mod async_io;
#[cfg(feature = "draft")]
mod draft;
mod future;
mod monitor;
mod proxy;
mod socket;
mod split;
mod stream;
#[cfg(feature = "tokio")]
pub mod tokio;

use std::fmt;

#[cfg(feature = "draft")]
pub use self::draft::{AsyncDraftSocket, DraftRecv, DraftSend};
pub use self::future::{Recv, RecvMsg, RecvMultipart, SendMessage};
pub use self::monitor::MonitorStream;
pub use self::proxy::{Proxy, proxy};
pub use self::socket::AsyncSocket;
pub use self::split::{RecvHalf, ReuniteError, SendHalf};
use crate::{Error, Message};

/// An async runtime the sockets can wait on: [`tokio::Tokio`] or [`async_io::AsyncIo`]
/// (with their features). Sealed: its items are the crate's own.
pub trait Runtime: reactor::Binding {}

/// The readiness core on runtime `R`'s reactor.
pub(crate) type CoreOf<R> = core::Core<<R as reactor::Binding>::Registration>;

/// One whole message: its frames, in order. What the `Stream`s yield and the `Sink`s take
/// (they also take any `IntoIterator` of things that convert into [`Message`]).
pub type Multipart = Vec<Message>;

/// A message an async socket's `try_send` could not send, and why.
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
