//! The positive side of the tokio adapter's ownership rules, checked at compile time: each
//! compile-fail case of `src/compile_fail.rs` (`TokioCases`) compiles once the one rule it
//! breaks is respected (so those doctests fail for that rule, not for a typo).

use zmq::rt::tokio::AsyncSocket;

/// An `AsyncSocket` (and each half of a split one) may move to another task's thread.
fn send<T: Send>() {}

/// A receive future used while its socket lives.
async fn future_within_the_sockets_lifetime(ctx: zmq::Context) {
    let mut socket = AsyncSocket::new(ctx.socket(zmq::PULL).unwrap()).unwrap();
    let fut = socket.recv_msg();
    drop(fut);
}

/// Receiving through `&mut`, the way one task owns a socket.
async fn reader(socket: &mut AsyncSocket) {
    let _ = socket.recv_msg().await;
}

/// Two operations in flight at once, on the two halves of a split socket.
async fn both(socket: AsyncSocket) {
    let (mut recv, mut send) = socket.into_split();
    let _ = futures::join!(recv.recv_msg(), send.send("x"));
}

#[test]
fn ownership_twins_compile() {
    send::<AsyncSocket>();
    send::<zmq::rt::tokio::RecvHalf>();
    send::<zmq::rt::tokio::SendHalf>();
    // Type-checked, not run: the cases are about what compiles.
    let _ = future_within_the_sockets_lifetime;
    let _ = reader;
    let _ = both;
}
