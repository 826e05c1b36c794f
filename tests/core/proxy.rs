//! Built-in proxies: a steerable one (RESUME/PAUSE, STATISTICS, TERMINATE) with a
//! capture socket, and a plain one ended by shutting the context down.

use crate::common;

use common::{NEGATIVE_WAIT, POSITIVE_WAIT, socket, watchdog};

#[test]
fn steerable_proxy_with_capture() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let frontend = socket(&ctx, zmq::ROUTER);
    frontend.bind("inproc://proxy-front").unwrap();
    let backend = socket(&ctx, zmq::DEALER);
    backend.bind("inproc://proxy-back").unwrap();
    let capture = socket(&ctx, zmq::PUSH);
    capture.bind("inproc://proxy-capture").unwrap();
    let control = socket(&ctx, zmq::REP);
    control.bind("inproc://proxy-control").unwrap();
    // The proxy runs in its own thread, which owns the four sockets; a blocking proxy
    // must not be bounded by the sockets' timeouts, so clear them there.
    let proxy = std::thread::spawn(move || {
        for s in [&frontend, &backend, &capture, &control] {
            s.set_rcvtimeo(-1).unwrap();
            s.set_sndtimeo(-1).unwrap();
        }
        zmq::proxy_steerable_with_capture(&frontend, &backend, &capture, &control)
    });

    let client = socket(&ctx, zmq::REQ);
    client.connect("inproc://proxy-front").unwrap();
    let worker = socket(&ctx, zmq::REP);
    worker.connect("inproc://proxy-back").unwrap();
    let tap = socket(&ctx, zmq::PULL);
    tap.connect("inproc://proxy-capture").unwrap();
    let steer = socket(&ctx, zmq::REQ);
    steer.connect("inproc://proxy-control").unwrap();

    client.send("request", 0).unwrap();
    assert_eq!(worker.recv_bytes(0).unwrap(), b"request");
    worker.send("reply", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), b"reply");
    // The capture socket saw both directions (with the envelopes).
    let captured: Vec<Vec<u8>> = (0..2)
        .map(|_| tap.recv_multipart(0).unwrap().pop().unwrap())
        .collect();
    assert_eq!(captured, vec![b"request".to_vec(), b"reply".to_vec()]);

    // libzmq 4.3.5 has PAUSE and RESUME backwards (fixed upstream after 4.3.5, libzmq
    // PR #4600): RESUME pauses and PAUSE resumes. The crate documents it; this checks it,
    // so that a libzmq upgrade that fixes it is noticed.
    steer.send("RESUME", 0).unwrap();
    assert!(steer.recv_bytes(0).unwrap().is_empty());
    client.send("while paused", 0).unwrap();
    assert_eq!(
        worker
            .poll(zmq::POLLIN, NEGATIVE_WAIT.as_millis() as i64)
            .unwrap(),
        0
    );
    steer.send("PAUSE", 0).unwrap();
    assert!(steer.recv_bytes(0).unwrap().is_empty());
    assert_eq!(worker.recv_bytes(0).unwrap(), b"while paused");
    worker.send("late reply", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), b"late reply");

    // STATISTICS: eight u64 counters (messages and bytes in and out, each side).
    steer.send("STATISTICS", 0).unwrap();
    let stats = steer.recv_multipart(0).unwrap();
    assert_eq!(stats.len(), 8);
    let frontend_msgs_in = u64::from_ne_bytes(stats[0].as_slice().try_into().unwrap());
    assert!(frontend_msgs_in >= 2, "{frontend_msgs_in}");

    // TERMINATE ends the proxy with Ok.
    steer.send("TERMINATE", 0).unwrap();
    assert_eq!(proxy.join().unwrap(), Ok(()));
}

#[test]
fn plain_proxy_ends_with_eterm_on_shutdown() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://fwd-in").unwrap();
    let push = socket(&ctx, zmq::PUSH);
    push.bind("inproc://fwd-out").unwrap();
    let proxy = std::thread::spawn(move || {
        pull.set_rcvtimeo(-1).unwrap();
        zmq::proxy(&pull, &push)
    });
    let producer = socket(&ctx, zmq::PUSH);
    producer.connect("inproc://fwd-in").unwrap();
    let consumer = socket(&ctx, zmq::PULL);
    consumer.connect("inproc://fwd-out").unwrap();
    producer.send("through", 0).unwrap();
    assert_eq!(consumer.recv_bytes(0).unwrap(), b"through");
    ctx.shutdown().unwrap();
    assert_eq!(proxy.join().unwrap(), Err(zmq::Error::ETERM));
}

/// A DGRAM socket in any proxy role is refused (ENOTSUP) before anything is forwarded:
/// libzmq's proxy would send it messages without the datagram size check that keeps
/// libzmq 4.3.5 from copying past its 8 KiB udp buffer.
#[cfg(feature = "draft")]
#[test]
fn proxies_refuse_dgram_sockets() {
    let ctx = zmq::Context::new();
    let dgram = || zmq::draft::dgram_socket(&ctx).unwrap();
    let pull = common::socket(&ctx, zmq::PULL);
    let push = common::socket(&ctx, zmq::PUSH);
    let d = dgram();
    assert_eq!(zmq::proxy(&pull, &d), Err(zmq::Error::ENOTSUP));
    assert_eq!(zmq::proxy(&d, &push), Err(zmq::Error::ENOTSUP));
    assert_eq!(
        zmq::proxy_with_capture(&pull, &push, &d),
        Err(zmq::Error::ENOTSUP)
    );
    let err = zmq::proxy::spawn(pull, push, Some(dgram())).unwrap_err();
    assert_eq!(err, zmq::Error::ENOTSUP);
    // A RADIO made as a plain socket, once it has a udp endpoint, likewise.
    let radio = ctx.socket_raw(14).unwrap(); // ZMQ_RADIO
    radio.set_linger(0).unwrap();
    let port = common::free_udp_port();
    radio.connect(&format!("udp://127.0.0.1:{port}")).unwrap();
    let dish_side = common::socket(&ctx, zmq::PULL);
    assert_eq!(zmq::proxy(&dish_side, &radio), Err(zmq::Error::ENOTSUP));
}
