//! The tools on the tokio adapter (`zmq::tokio::AsyncSocket`), each side on a
//! current-thread runtime: the same loops as the sync tools, awaiting instead of
//! blocking.

use std::time::{Duration, Instant};

use zmq::tokio::AsyncSocket;

use crate::{context, fail, print_latency, print_throughput, socket, Args, OrFail, Tool};

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

async fn receive_messages(socket: &mut AsyncSocket, size: usize, count: usize) -> Duration {
    check_size(&socket.recv_msg().await.or_fail("recv_msg"), size);
    let start = Instant::now();
    for _ in 1..count {
        check_size(&socket.recv_msg().await.or_fail("recv_msg"), size);
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

/// Runs `tool` on the tokio adapter.
pub fn run(tool: Tool, args: &Args) {
    let ctx = context(args);
    let (size, count) = (args.size, args.count);
    match tool {
        Tool::LocalThr => {
            let pull = socket(&ctx, zmq::PULL, args);
            pull.bind(args.endpoint()).or_fail("zmq_bind");
            let (_pull, elapsed) = on_runtime(pull, |s| Box::pin(receive_messages(s, size, count)));
            print_throughput(size, count, elapsed);
        }
        Tool::RemoteThr => {
            let push = socket(&ctx, zmq::PUSH, args);
            push.connect(args.endpoint()).or_fail("zmq_connect");
            on_runtime(push, |s| Box::pin(send_messages(s, size, count)));
        }
        Tool::LocalLat => {
            let rep = socket(&ctx, zmq::REP, args);
            rep.bind(args.endpoint()).or_fail("zmq_bind");
            on_runtime(rep, |s| Box::pin(echo(s, size, count)));
        }
        Tool::RemoteLat => {
            let req = socket(&ctx, zmq::REQ, args);
            req.connect(args.endpoint()).or_fail("zmq_connect");
            let (_req, elapsed) = on_runtime(req, |s| Box::pin(ping(s, size, count)));
            print_latency(size, count, elapsed);
        }
        Tool::InprocThr => {
            let pull = socket(&ctx, zmq::PULL, args);
            pull.bind(args.endpoint()).or_fail("zmq_bind");
            let push = socket(&ctx, zmq::PUSH, args);
            push.connect(args.endpoint()).or_fail("zmq_connect");
            let sender = std::thread::spawn(move || {
                on_runtime(push, |s| Box::pin(send_messages(s, size, count)));
            });
            let (_pull, elapsed) = on_runtime(pull, |s| Box::pin(receive_messages(s, size, count)));
            sender
                .join()
                .unwrap_or_else(|_| fail("the sender thread", "panicked"));
            print_throughput(size, count, elapsed);
        }
        Tool::InprocLat => {
            let req = socket(&ctx, zmq::REQ, args);
            req.bind(args.endpoint()).or_fail("zmq_bind");
            let rep = socket(&ctx, zmq::REP, args);
            rep.connect(args.endpoint()).or_fail("zmq_connect");
            let echoer = std::thread::spawn(move || {
                on_runtime(rep, |s| Box::pin(echo(s, size, count)));
            });
            let (_req, elapsed) = on_runtime(req, |s| Box::pin(ping(s, size, count)));
            echoer
                .join()
                .unwrap_or_else(|_| fail("the echo thread", "panicked"));
            print_latency(size, count, elapsed);
        }
    }
}
