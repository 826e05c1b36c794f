//! The async-io adapter: async sockets on the `async-io` reactor (feature `async-io`, unix
//! only), the reactor smol and the other async-io based executors use.
//!
//! [`AsyncSocket`] is the same socket type as tokio's ([`crate::rt::AsyncSocket`]), with
//! the same methods, `Stream` and `Sink`, and the same cancel safety (see
//! [`crate::rt::tokio`]): only the reactor and the timer differ. async-io's reactor runs
//! on a thread of its own, so the sockets work under any executor: smol's, async-io's
//! `block_on`, `futures::executor`.
//!
//! ```
//! use zmq::rt::async_io::AsyncSocket;
//!
//! # fn main() -> zmq::Result<()> {
//! async_io::block_on(async {
//!     let ctx = zmq::Context::new();
//!     let mut pull = AsyncSocket::new(ctx.socket(zmq::PULL)?)?;
//!     pull.get_ref().bind("tcp://127.0.0.1:*")?;
//!     let endpoint = pull.get_ref().get_last_endpoint()?.unwrap();
//!
//!     let mut push = AsyncSocket::new(ctx.socket(zmq::PUSH)?)?;
//!     push.get_ref().connect(&endpoint)?;
//!     let pusher = async move {
//!         for i in 0..3 {
//!             push.send(format!("job {i}")).await?;
//!         }
//!         Ok::<_, zmq::Error>(())
//!     };
//!     let puller = async {
//!         let mut jobs = Vec::new();
//!         for _ in 0..3 {
//!             jobs.push(pull.recv_string().await?.unwrap());
//!         }
//!         Ok::<_, zmq::Error>(jobs)
//!     };
//!     let (pushed, jobs) = futures_lite::future::zip(pusher, puller).await;
//!     pushed?;
//!     assert_eq!(jobs?, ["job 0", "job 1", "job 2"]);
//!     Ok(())
//! })
//! # }
//! ```
//!
//! # Fairness
//! async-io has no cooperative budget; a socket that never has to wait (a flood of queued
//! messages) still lets other tasks run: after about a thousand operations in a row on
//! one thread, an operation wakes its own task and returns `Pending` once.
//!
//! # Closing
//! async-io has no notion of "the current runtime". A thread that has made an async-io
//! socket or parked a task on one counts as an executor thread: a context whose last
//! handle is released there is terminated on a thread of its own (`zmq-ctx-term`), and
//! those threads are joined when the process exits, so unsent messages are still flushed
//! (linger is infinite by default: set `LINGER` on sockets that may hold unsent
//! messages). Elsewhere the context is terminated where it is released, as with the sync
//! API.
//!
//! # Limits
//! Unix only. The thread-safe draft sockets (CLIENT, SERVER, RADIO, DISH, ...) have no
//! `ZMQ_FD` and are refused by [`AsyncSocket`]; use `AsyncDraftSocket` (feature
//! `draft`). Using a socket after `fork` is not supported.

mod context;
mod readiness;

use std::cell::Cell;
use std::task::{Context, Poll};
use std::time::Duration;

pub use crate::rt::{Multipart, ReuniteError, TrySendError, proxy};

/// The async-io reactor, as the type parameter of the [`crate::rt`] socket types.
#[derive(Debug, Clone, Copy)]
pub enum AsyncIo {}

impl crate::rt::reactor::Binding for AsyncIo {
    type Registration = readiness::AsyncIoFd;
    type Sleep = ::async_io::Timer;

    fn sleep(duration: Duration) -> ::async_io::Timer {
        ::async_io::Timer::after(duration)
    }

    fn install_context_hook() {
        context::install();
        // The thread that makes an async-io socket runs async-io tasks (or sets them up).
        context::mark_executor_thread();
    }
}

impl crate::rt::Runtime for AsyncIo {}

/// A ZeroMQ socket on the async-io reactor: the sync [`Socket`](crate::Socket)'s sends
/// and receives, as futures. See [`crate::rt::AsyncSocket`] for its methods.
///
/// ```
/// use zmq::rt::async_io::AsyncSocket;
///
/// # fn main() -> zmq::Result<()> {
/// smol::block_on(async {
///     let ctx = zmq::Context::new();
///     let mut server = AsyncSocket::new(ctx.socket(zmq::REP)?)?;
///     server.get_ref().bind("inproc://doc-async-io")?;
///     let mut client = AsyncSocket::new(ctx.socket(zmq::REQ)?)?;
///     client.get_ref().connect("inproc://doc-async-io")?;
///
///     client.send("ping").await?;
///     assert_eq!(server.recv_string().await?.unwrap(), "ping");
///     server.send_multipart(["pong", "!"]).await?;
///     assert_eq!(client.recv_multipart().await?, [b"pong".to_vec(), b"!".to_vec()]);
///     Ok(())
/// })
/// # }
/// ```
pub type AsyncSocket = crate::rt::AsyncSocket<AsyncIo>;
/// The receiving half of an async-io [`AsyncSocket`] (see [`crate::rt::RecvHalf`]).
pub type RecvHalf = crate::rt::RecvHalf<AsyncIo>;
/// The sending half of an async-io [`AsyncSocket`] (see [`crate::rt::SendHalf`]).
pub type SendHalf = crate::rt::SendHalf<AsyncIo>;
/// The future of [`AsyncSocket::recv`](crate::rt::AsyncSocket::recv).
pub type Recv<'a> = crate::rt::Recv<'a, AsyncIo>;
/// The future of [`AsyncSocket::recv_msg`](crate::rt::AsyncSocket::recv_msg).
pub type RecvMsg<'a> = crate::rt::RecvMsg<'a, AsyncIo>;
/// The future of
/// [`AsyncSocket::recv_multipart_msgs`](crate::rt::AsyncSocket::recv_multipart_msgs).
pub type RecvMultipart<'a> = crate::rt::RecvMultipart<'a, AsyncIo>;
/// A socket's monitor events as a `Stream` (see [`crate::rt::MonitorStream`]).
pub type MonitorStream = crate::rt::MonitorStream<AsyncIo>;
/// The future of [`proxy`] (see [`crate::rt::Proxy`]).
pub type Proxy<'a> = crate::rt::Proxy<'a, AsyncIo>;
/// The future of [`AsyncSocket::send`](crate::rt::AsyncSocket::send) and
/// [`send_multipart`](crate::rt::AsyncSocket::send_multipart).
pub type SendMessage<'a> = crate::rt::SendMessage<'a, AsyncIo>;

/// Units of budget (of 8 operations each) a thread spends before an operation yields.
const BUDGET_UNITS: u8 = 128;

thread_local! {
    /// Units left before the next forced yield on this thread.
    static BUDGET: Cell<u8> = const { Cell::new(BUDGET_UNITS) };
}

/// async-io's stand-in for a cooperative budget: every [`BUDGET_UNITS`] units taken on
/// one thread, the task yields once (it is woken at once, so other ready tasks run first).
fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
    let left = BUDGET.with(|budget| {
        let left = budget.get().saturating_sub(1);
        budget.set(if left == 0 { BUDGET_UNITS } else { left });
        left
    });
    if left == 0 {
        cx.waker().wake_by_ref();
        Poll::Pending
    } else {
        Poll::Ready(())
    }
}

/// A thread-safe draft socket on async-io, shared by tasks through `&self` (see
/// [`crate::rt::AsyncDraftSocket`] for its methods).
///
/// ```
/// use std::sync::Arc;
/// use zmq::draft::DraftSocketType::{CLIENT, SERVER};
/// use zmq::rt::async_io::AsyncDraftSocket;
///
/// # fn main() -> zmq::Result<()> {
/// async_io::block_on(async {
///     let ctx = zmq::Context::new();
///     let server = AsyncDraftSocket::new(ctx.draft_socket(SERVER)?)?;
///     server.get_ref().bind("inproc://async-io-draft-doc")?;
///     let client = Arc::new(AsyncDraftSocket::new(ctx.draft_socket(CLIENT)?)?);
///     client.get_ref().connect("inproc://async-io-draft-doc")?;
///
///     // Another thread sends on the same CLIENT: no mutex.
///     let asker = {
///         let client = client.clone();
///         std::thread::spawn(move || async_io::block_on(client.send("ping")))
///     };
///     let request = server.recv_msg().await?;
///     asker.join().unwrap()?;
///     server.send_to(request.routing_id().unwrap(), "pong").await?;
///     assert_eq!(client.recv_msg().await?.as_str(), Some("pong"));
///     Ok(())
/// })
/// # }
/// ```
#[cfg(feature = "draft")]
pub type AsyncDraftSocket = crate::rt::AsyncDraftSocket<AsyncIo>;
/// The future of [`AsyncDraftSocket::recv_msg`](crate::rt::AsyncDraftSocket::recv_msg).
#[cfg(feature = "draft")]
pub type DraftRecv<'a> = crate::rt::DraftRecv<'a, AsyncIo>;
/// The future of [`AsyncDraftSocket::send`](crate::rt::AsyncDraftSocket::send) and friends.
#[cfg(feature = "draft")]
pub type DraftSend<'a> = crate::rt::DraftSend<'a, AsyncIo>;
