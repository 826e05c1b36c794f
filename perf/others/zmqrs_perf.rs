//! libzmq's perf tools written against zmq.rs (the `zeromq` crate, pure Rust, tokio).
//!
//! `zmqrs_perf <tool> <endpoint> <message-size> <count>`, where `<tool>` is `local_thr`,
//! `remote_thr`, `local_lat` or `remote_lat`; the output is that of libzmq's tools.
//! `cargo xtask perf` builds this file in a project it generates under `target/`; it is
//! not part of the workspace. zmq.rs has no `inproc://`, so there are no inproc tools.
//!
//! It runs on a current-thread tokio runtime, the setting under which zmq.rs did best in
//! the measurements that issue 5 quotes (2 cores).

use std::time::{Duration, Instant};

use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

fn fail(what: &str, err: impl std::fmt::Display) -> ! {
    println!("error in {what}: {err}");
    std::process::exit(1);
}

fn frame_len(msg: &ZmqMessage) -> usize {
    msg.get(0).map_or(0, |frame| frame.len())
}

fn check_size(msg: &ZmqMessage, size: usize) {
    if msg.len() != 1 || frame_len(msg) != size {
        fail("recv", "message of incorrect size received");
    }
}

async fn local_thr(endpoint: &str, size: usize, count: usize) {
    let mut pull = zeromq::PullSocket::new();
    pull.bind(endpoint).await.unwrap_or_else(|e| fail("bind", e));
    check_size(&pull.recv().await.unwrap_or_else(|e| fail("recv", e)), size);
    let start = Instant::now();
    for _ in 1..count {
        check_size(&pull.recv().await.unwrap_or_else(|e| fail("recv", e)), size);
    }
    let elapsed = start.elapsed();
    print_throughput(size, count, elapsed);
    pull.close().await;
}

async fn remote_thr(endpoint: &str, size: usize, count: usize) {
    let mut push = zeromq::PushSocket::new();
    push.connect(endpoint)
        .await
        .unwrap_or_else(|e| fail("connect", e));
    // zmq.rs messages hold `Bytes`: cloning one payload is its cheapest way to make a
    // message (a reference count, no allocation), cheaper than what the C tool does.
    let payload = bytes::Bytes::from(vec![0u8; size]);
    for _ in 0..count {
        let msg = ZmqMessage::from(payload.clone());
        push.send(msg).await.unwrap_or_else(|e| fail("send", e));
    }
    // zmq.rs has no linger: closing now would drop what is still queued. Stay connected
    // until the harness, which sees the receiver finish, ends this process.
    tokio::time::sleep(Duration::from_secs(60)).await;
    fail("remote_thr", "not ended within 60 s of sending");
}

async fn local_lat(endpoint: &str, size: usize, roundtrips: usize) {
    let mut rep = zeromq::RepSocket::new();
    rep.bind(endpoint).await.unwrap_or_else(|e| fail("bind", e));
    for _ in 0..roundtrips {
        let msg = rep.recv().await.unwrap_or_else(|e| fail("recv", e));
        check_size(&msg, size);
        rep.send(msg).await.unwrap_or_else(|e| fail("send", e));
    }
    rep.close().await;
}

async fn remote_lat(endpoint: &str, size: usize, roundtrips: usize) {
    let mut req = zeromq::ReqSocket::new();
    req.connect(endpoint)
        .await
        .unwrap_or_else(|e| fail("connect", e));
    let mut msg = ZmqMessage::from(vec![0u8; size]);
    let start = Instant::now();
    for _ in 0..roundtrips {
        req.send(msg).await.unwrap_or_else(|e| fail("send", e));
        msg = req.recv().await.unwrap_or_else(|e| fail("recv", e));
        check_size(&msg, size);
    }
    let elapsed = start.elapsed();
    let latency = elapsed.as_secs_f64() * 1e6 / (roundtrips as f64 * 2.0);
    println!("message size: {size} [B]");
    println!("roundtrip count: {roundtrips}");
    println!("average latency: {latency:.3} [us]");
    req.close().await;
}

fn print_throughput(size: usize, count: usize, elapsed: Duration) {
    let per_second = count as f64 / elapsed.as_secs_f64().max(1e-6);
    println!("message size: {size} [B]");
    println!("message count: {count}");
    println!("mean throughput: {} [msg/s]", per_second as u64);
    println!(
        "mean throughput: {:.3} [Mb/s]",
        per_second * size as f64 * 8.0 / 1e6
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = || -> ! {
        println!("usage: zmqrs_perf local_thr|remote_thr|local_lat|remote_lat <endpoint> <message-size> <count>");
        std::process::exit(1);
    };
    if args.len() != 4 {
        usage();
    }
    let number = |text: &str| text.parse::<usize>().ok().filter(|&n| n > 0);
    let (Some(size), Some(count)) = (number(&args[2]), number(&args[3])) else {
        usage()
    };
    let endpoint = args[1].as_str();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail("tokio runtime", e));
    runtime.block_on(async {
        match args[0].as_str() {
            "local_thr" => local_thr(endpoint, size, count).await,
            "remote_thr" => remote_thr(endpoint, size, count).await,
            "local_lat" => local_lat(endpoint, size, count).await,
            "remote_lat" => remote_lat(endpoint, size, count).await,
            _ => usage(),
        }
    });
}
