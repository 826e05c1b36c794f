//! The tools on the async adapters (`zmq::rt::tokio::AsyncSocket` on a current-thread
//! runtime, `zmq::rt::async_io::AsyncSocket` under `async_io::block_on`), each side on a
//! runtime of its own: the same loops as the sync tools, awaiting instead of blocking.

use std::future::Future;
use std::time::{Duration, Instant};

use zmq::rt::{AsyncSocket, Runtime};

use crate::exec::{Exec, TokioExec};

use crate::{fail, Loops, OrFail};

fn check_size(msg: &zmq::Message, size: usize) {
    if msg.len() != size {
        fail("recv_msg", "message of incorrect size received");
    }
}

/// Receives into one message, as the sync `receive_messages` does.
async fn receive_messages<R: Runtime>(
    socket: &mut AsyncSocket<R>,
    size: usize,
    count: usize,
) -> Duration {
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

async fn send_messages<R: Runtime>(socket: &mut AsyncSocket<R>, size: usize, count: usize) {
    for _ in 0..count {
        // SAFETY: as in the sync `send_messages`: the payload is never read by Rust code;
        // libzmq sends its bytes as they are, like libzmq's own remote_thr.
        #[allow(deprecated)]
        let msg = unsafe { zmq::Message::with_capacity_unallocated(size) };
        socket.send(msg).await.or_fail("send");
    }
}

/// Receives into one message, as the sync `echo` does; the send takes the frame (the
/// async `send` takes its message by value), leaving an empty message to receive into.
async fn echo<R: Runtime>(socket: &mut AsyncSocket<R>, size: usize, roundtrips: usize) {
    let mut msg = zmq::Message::new();
    for _ in 0..roundtrips {
        socket.recv(&mut msg).await.or_fail("recv");
        check_size(&msg, size);
        socket.send(std::mem::take(&mut msg)).await.or_fail("send");
    }
}

/// As `echo`: receives into the message it sends next.
async fn ping<R: Runtime>(socket: &mut AsyncSocket<R>, size: usize, roundtrips: usize) -> Duration {
    let mut msg = zmq::Message::with_size(size);
    let start = Instant::now();
    for _ in 0..roundtrips {
        socket.send(std::mem::take(&mut msg)).await.or_fail("send");
        socket.recv(&mut msg).await.or_fail("recv");
        check_size(&msg, size);
    }
    start.elapsed()
}

/// A runtime to run a tool's side on.
trait BlockOn: Runtime {
    fn block_on<F: Future>(fut: F) -> F::Output;
}

impl BlockOn for zmq::rt::tokio::Tokio {
    fn block_on<F: Future>(fut: F) -> F::Output {
        TokioExec::current_thread().block_on(fut)
    }
}

impl BlockOn for zmq::rt::async_io::AsyncIo {
    fn block_on<F: Future>(fut: F) -> F::Output {
        async_io::block_on(fut)
    }
}

/// Wraps a socket and runs `body` on a new runtime `R`; returns the socket to the caller,
/// which closes it outside the runtime (closing may wait for the linger).
fn on_runtime<R: BlockOn, T>(
    socket: zmq::Socket,
    body: impl for<'a> FnOnce(
        &'a mut AsyncSocket<R>,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>,
) -> (zmq::Socket, T) {
    R::block_on(async move {
        let mut socket = AsyncSocket::<R>::new(socket).or_fail("AsyncSocket::new");
        let out = body(&mut socket).await;
        (socket.into_inner(), out)
    })
}

/// The loops on the tokio adapter, each on a current-thread runtime of its own.
pub struct Async;

/// The loops on the async-io adapter, each under `async_io::block_on`.
pub struct AsyncIo;

macro_rules! loops {
    ($loops:ty, $rt:ty) => {
        impl Loops for $loops {
            fn receive(socket: zmq::Socket, size: usize, count: usize) -> Duration {
                on_runtime::<$rt, _>(socket, |s| Box::pin(receive_messages(s, size, count))).1
            }
            fn send(socket: zmq::Socket, size: usize, count: usize) {
                on_runtime::<$rt, _>(socket, |s| Box::pin(send_messages(s, size, count)));
            }
            fn echo(socket: zmq::Socket, size: usize, roundtrips: usize) {
                on_runtime::<$rt, _>(socket, |s| Box::pin(echo(s, size, roundtrips)));
            }
            fn ping(socket: zmq::Socket, size: usize, roundtrips: usize) -> Duration {
                on_runtime::<$rt, _>(socket, |s| Box::pin(ping(s, size, roundtrips))).1
            }
        }
    };
}

loops!(Async, zmq::rt::tokio::Tokio);
loops!(AsyncIo, zmq::rt::async_io::AsyncIo);
