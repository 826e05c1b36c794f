//! Devices between pyzmq peers: this crate's `zmq::proxy::monitored_queue` between a pyzmq
//! REQ client and a pyzmq REP server, as a pyzmq user would put its own `monitored_queue`
//! there. The client runs its whole conversation (empty frames, non-UTF-8 bytes, a 16 MiB
//! frame, counted echoes) through the queue, and a tap on the monitor socket sees every
//! request after an "in" frame and every reply after an "out" frame.

use crate::common;

use std::time::Duration;

use common::interop::figure;
use common::pypeer::{Peer, fields};

#[test]
fn monitored_queue_between_pyzmq_peers_tcp() {
    let _watchdog = common::watchdog(Duration::from_secs(120));
    let ctx = zmq::Context::new();
    let frontend = ctx.socket(zmq::ROUTER).unwrap();
    frontend.bind("tcp://127.0.0.1:*").unwrap();
    let front = frontend.get_last_endpoint().unwrap().unwrap();
    let backend = ctx.socket(zmq::DEALER).unwrap();
    backend.bind("tcp://127.0.0.1:*").unwrap();
    let back = backend.get_last_endpoint().unwrap().unwrap();
    let monitor = ctx.socket(zmq::PUSH).unwrap();
    monitor.bind("inproc://interop-monitored-queue").unwrap();
    let tap = common::socket(&ctx, zmq::PULL);
    tap.connect("inproc://interop-monitored-queue").unwrap();
    for socket in [&frontend, &backend, &monitor] {
        socket.set_linger(0).unwrap();
    }
    let queue = std::thread::spawn(move || {
        zmq::proxy::monitored_queue(&frontend, &backend, &monitor, b"in", b"out")
    });

    let server = Peer::python("echo.py", &["--type", "REP", "--connect", &back]);
    server.expect("READY");
    let client = Peer::python("client.py", &["--type", "REQ", "--connect", &front]);
    client.expect("READY");
    let done = fields(&client.expect("DONE"));
    client.finish();
    server.expect("DONE");
    server.finish();
    let sent: usize = done["sent"].parse().unwrap();
    assert_eq!(done["received"], done["sent"], "{done:?}");

    // The tap: as many requests as replies, at least one per message the client sent,
    // each after its direction frame; the 16 MiB frame went both ways. It is drained once
    // nothing more comes for a while (the copies follow the forwarded messages).
    tap.set_rcvtimeo(500).unwrap();
    let (mut ins, mut outs, mut largest) = (0, 0, [0usize; 2]);
    while let Ok(frames) = tap.recv_multipart(0) {
        let way = match &frames[0][..] {
            b"in" => {
                ins += 1;
                0
            }
            b"out" => {
                outs += 1;
                1
            }
            other => panic!("a tap message starting with {other:?}"),
        };
        let biggest = frames[1..].iter().map(Vec::len).max().unwrap_or(0);
        largest[way] = largest[way].max(biggest);
    }
    assert_eq!(ins, outs, "requests and replies seen by the tap");
    assert!(ins >= sent, "{ins} requests seen, {sent} sent");
    assert_eq!(largest, [16 << 20; 2], "the 16 MiB frame, both ways");

    ctx.shutdown().unwrap();
    assert_eq!(queue.join().unwrap(), Err(zmq::Error::ETERM));
    figure("devices/monitored_queue/tcp", ins + outs);
}
