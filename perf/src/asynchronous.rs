//! The tools on the tokio adapter (`zmq::rt::tokio::AsyncSocket`), each side on a
//! current-thread runtime: the same loops as the sync tools, awaiting instead of
//! blocking.

use std::time::{Duration, Instant};

use zmq::rt::tokio::AsyncSocket;

use crate::{fail, Loops, OrFail};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .or_fail("building the tokio runtime")
}

fn check_size(msg: &zmq::Message, size: usize) {
    if msg.len() != size {
        fail("recv_msg", "message of incorrect size received");
    }
}

/// Receives into one message, as the sync `receive_messages` does.
async fn receive_messages(socket: &mut AsyncSocket, size: usize, count: usize) -> Duration {
    let mut msg = zmq::Message::new();
    socket.recv(&mut msg).await.or_fail("recv");
    check_size(&msg, size);
    let start = Instant::now();
    for _ in 1..count {
        socket.recv(&mut msg).await.or_fail("recv");
        check_size(&msg, size);
    }
    start.elapsed()
}

async fn send_messages(socket: &mut AsyncSocket, size: usize, count: usize) {
    for _ in 0..count {
        // SAFETY: as in the sync `send_messages`: the payload is never read by Rust code;
        // libzmq sends its bytes as they are, like libzmq's own remote_thr.
        #[allow(deprecated)]
        let msg = unsafe { zmq::Message::with_capacity_unallocated(size) };
        socket.send(msg).await.or_fail("send");
    }
}

async fn echo(socket: &mut AsyncSocket, size: usize, roundtrips: usize) {
    for _ in 0..roundtrips {
        let msg = socket.recv_msg().await.or_fail("recv_msg");
        check_size(&msg, size);
        socket.send(msg).await.or_fail("send");
    }
}

async fn ping(socket: &mut AsyncSocket, size: usize, roundtrips: usize) -> Duration {
    let mut msg = zmq::Message::with_size(size);
    let start = Instant::now();
    for _ in 0..roundtrips {
        socket.send(msg).await.or_fail("send");
        msg = socket.recv_msg().await.or_fail("recv_msg");
        check_size(&msg, size);
    }
    start.elapsed()
}

/// Wraps a socket and runs `body` on a new current-thread runtime; returns the socket to
/// the caller, which closes it outside the runtime (closing may wait for the linger).
fn on_runtime<T>(
    socket: zmq::Socket,
    body: impl for<'a> FnOnce(
        &'a mut AsyncSocket,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>,
) -> (zmq::Socket, T) {
    runtime().block_on(async move {
        let mut socket = AsyncSocket::new(socket).or_fail("AsyncSocket::new");
        let out = body(&mut socket).await;
        (socket.into_inner(), out)
    })
}

/// The loops on the tokio adapter, each on a current-thread runtime of its own.
pub struct Async;

impl Loops for Async {
    fn receive(socket: zmq::Socket, size: usize, count: usize) -> Duration {
        on_runtime(socket, |s| Box::pin(receive_messages(s, size, count))).1
    }
    fn send(socket: zmq::Socket, size: usize, count: usize) {
        on_runtime(socket, |s| Box::pin(send_messages(s, size, count)));
    }
    fn echo(socket: zmq::Socket, size: usize, roundtrips: usize) {
        on_runtime(socket, |s| Box::pin(echo(s, size, roundtrips)));
    }
    fn ping(socket: zmq::Socket, size: usize, roundtrips: usize) -> Duration {
        on_runtime(socket, |s| Box::pin(ping(s, size, roundtrips))).1
    }
}
