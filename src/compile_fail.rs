//! What the type system rules out: each block below must FAIL to compile (rustdoc's
//! `compile_fail` doctests, built against the library `cargo test` has already compiled,
//! so they cost no second build of the dependencies). Compiled only for doctests.
//!
//! A `compile_fail` doctest passes on any error, a typo included, so each case has a twin
//! that differs only in the rule it breaks and that does compile: the `ownership` module
//! of the `core` test crate (and of the `async_rt` one for the tokio adapter). The
//! `// expect:` line names the error the case is about; `core::shutdown::t27` type-checks
//! the synchronous cases again with rustc and checks that code (rustdoc checks error
//! codes only on nightly).
//!
//! # A Socket is `Send` but not `Sync`
//!
//! A socket may move to another thread, but two threads may not use it at once:
//!
//! ```compile_fail,E0277
//! // expect: E0277 (cannot be shared between threads safely)
//! fn assert_sync<T: Sync>() {}
//!
//! fn main() {
//!     assert_sync::<zmq::Socket>();
//! }
//! ```
//!
//! So sharing `&Socket` with a scoped thread does not compile (moving the socket into
//! the thread does):
//!
//! ```compile_fail,E0277
//! // expect: E0277 (cannot be shared between threads safely)
//! fn main() {
//!     let ctx = zmq::Context::new();
//!     let socket = ctx.socket(zmq::PUSH).unwrap();
//!     std::thread::scope(|scope| {
//!         scope.spawn(|| socket.send("from another thread", 0));
//!         socket.send("from this thread", 0).unwrap();
//!     });
//! }
//! ```
//!
//! # Polling borrows the sockets
//!
//! A `PollItem` borrows its socket: it cannot be used after the socket is dropped.
//!
//! ```compile_fail,E0597
//! // expect: E0597 (`socket` does not live long enough)
//! fn main() {
//!     let ctx = zmq::Context::new();
//!     let item = {
//!         let socket = ctx.socket(zmq::PULL).unwrap();
//!         socket.as_poll_item(zmq::POLLIN)
//!     };
//!     let _ = zmq::poll(&mut [item], 0);
//! }
//! ```
//!
//! A `Poller` borrows the sockets added to it: they must outlive it.
//!
//! ```compile_fail,E0597
//! // expect: E0597 (`socket` does not live long enough)
//! fn main() {
//!     let ctx = zmq::Context::new();
//!     let mut poller = zmq::poller::Poller::new();
//!     {
//!         let socket = ctx.socket(zmq::PULL).unwrap();
//!         poller.add(&socket, zmq::POLLIN);
//!     }
//!     let _ = poller.poll(None);
//! }
//! ```

/// The tokio adapter's ownership rules (scenario 16 of the async design): an
/// `AsyncSocket` is `Send` but not `Sync`, operations need `&mut`, and two operations on
/// one socket cannot be in flight at once (split it instead). Each block must fail to
/// compile; the `ownership` module of the `async_rt` test crate holds the twins that do.
///
/// An `AsyncSocket` cannot be shared between tasks by reference:
///
/// ```compile_fail,E0277
/// // expect: E0277 (cannot be shared between threads safely)
/// fn assert_sync<T: Sync>() {}
///
/// fn main() {
///     assert_sync::<zmq::rt::tokio::AsyncSocket>();
/// }
/// ```
///
/// A receive future borrows its socket: it cannot outlive it.
///
/// ```compile_fail,E0597
/// // expect: E0597 (`socket` does not live long enough)
/// fn main() {
///     let ctx = zmq::Context::new();
///     let fut = {
///         let mut socket = zmq::rt::tokio::AsyncSocket::new(ctx.socket(zmq::PULL).unwrap()).unwrap();
///         socket.recv_msg()
///     };
///     drop(fut);
/// }
/// ```
///
/// Receiving needs `&mut`: a shared `Arc<AsyncSocket>` cannot receive from two tasks.
///
/// ```compile_fail,E0596
/// // expect: E0596 (cannot borrow data in an `Arc` as mutable)
/// use std::sync::Arc;
///
/// async fn reader(socket: Arc<zmq::rt::tokio::AsyncSocket>) {
///     let _ = socket.recv_msg().await;
/// }
///
/// fn main() {
///     let ctx = zmq::Context::new();
///     let socket = zmq::rt::tokio::AsyncSocket::new(ctx.socket(zmq::PULL).unwrap()).unwrap();
///     drop(reader(Arc::new(socket)));
/// }
/// ```
///
/// Two operations on one socket cannot be in flight at once: use `into_split`.
///
/// ```compile_fail,E0499
/// // expect: E0499 (cannot borrow `*socket` as mutable more than once at a time)
/// async fn both(socket: &mut zmq::rt::tokio::AsyncSocket) {
///     let recv = socket.recv_msg();
///     let send = socket.send("x");
///     let _ = futures::join!(recv, send);
/// }
///
/// fn main() {
///     drop(both);
/// }
/// ```
#[cfg(all(feature = "tokio", unix))]
#[allow(dead_code)]
pub struct TokioCases;

/// The async-io adapter's socket is the same generic type on another runtime, with the
/// same rules; it is not `Sync` either:
///
/// ```compile_fail,E0277
/// // expect: E0277 (cannot be shared between threads safely)
/// fn assert_sync<T: Sync>() {}
///
/// fn main() {
///     assert_sync::<zmq::rt::async_io::AsyncSocket>();
/// }
/// ```
#[cfg(all(feature = "async-io", unix))]
#[allow(dead_code)]
pub struct AsyncIoCases;
