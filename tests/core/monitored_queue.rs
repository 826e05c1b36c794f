//! `zmq::proxy::monitored_queue`: forwards both ways, tells the monitor socket what went
//! which way (pyzmq's frames), swaps routing ids between two ROUTERs, refuses a monitor
//! that cannot send.

use crate::common;

use common::{POSITIVE_WAIT, socket, watchdog};

/// Runs a monitored queue on a thread of its own (with no socket timeouts there: a
/// blocking device must not end on them); it ends with `ctx.shutdown()`.
fn spawn_queue(
    frontend: zmq::Socket,
    backend: zmq::Socket,
    monitor: zmq::Socket,
) -> std::thread::JoinHandle<zmq::Result<()>> {
    std::thread::spawn(move || {
        for s in [&frontend, &backend, &monitor] {
            s.set_rcvtimeo(-1).unwrap();
            s.set_sndtimeo(-1).unwrap();
        }
        zmq::proxy::monitored_queue(&frontend, &backend, &monitor, b"in", b"out")
    })
}

#[test]
fn forwards_whole_messages_and_reports_both_directions() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let frontend = socket(&ctx, zmq::ROUTER);
    frontend.bind("inproc://mq-front").unwrap();
    let backend = socket(&ctx, zmq::DEALER);
    backend.bind("inproc://mq-back").unwrap();
    let monitor = socket(&ctx, zmq::PUSH);
    monitor.bind("inproc://mq-mon").unwrap();
    let tap = socket(&ctx, zmq::PULL);
    tap.connect("inproc://mq-mon").unwrap();
    let queue = spawn_queue(frontend, backend, monitor);

    let client = socket(&ctx, zmq::REQ);
    client.connect("inproc://mq-front").unwrap();
    let worker = socket(&ctx, zmq::REP);
    worker.connect("inproc://mq-back").unwrap();
    // A multipart request with a large payload (shared with the monitor's copy, not
    // copied), and a small one.
    let big: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    client.send_multipart([&b"head"[..], &big], 0).unwrap();
    let request = worker.recv_multipart(0).unwrap();
    assert_eq!(request, vec![b"head".to_vec(), big.clone()]);
    worker.send("reply", 0).unwrap();
    assert_eq!(client.recv_bytes(0).unwrap(), b"reply");

    // The monitor: the direction, then the frames as forwarded (the frontend ROUTER's
    // envelope first: the client's routing id and REQ's empty delimiter).
    let seen_in = tap.recv_multipart(0).unwrap();
    assert_eq!(seen_in.len(), 5);
    assert_eq!(seen_in[0], b"in");
    assert_eq!(seen_in[2], b"");
    assert_eq!(&seen_in[3..], &[b"head".to_vec(), big]);
    let seen_out = tap.recv_multipart(0).unwrap();
    assert_eq!(seen_out.len(), 4);
    assert_eq!(seen_out[0], b"out");
    assert_eq!(
        seen_out[1], seen_in[1],
        "the reply goes back to the same routing id"
    );
    assert_eq!(&seen_out[2..], &[b"".to_vec(), b"reply".to_vec()]);

    ctx.shutdown().unwrap();
    assert_eq!(queue.join().unwrap(), Err(zmq::Error::ETERM));
}

/// Between two ROUTERs the first two frames are swapped: a client addresses a server on
/// the other side by its routing id, and the answer comes back by the client's.
#[test]
fn router_to_router_swaps_routing_ids() {
    let _dog = watchdog(POSITIVE_WAIT * 3);
    let ctx = zmq::Context::new();
    let frontend = socket(&ctx, zmq::ROUTER);
    frontend.bind("inproc://mq-rr-front").unwrap();
    let backend = socket(&ctx, zmq::ROUTER);
    backend.bind("inproc://mq-rr-back").unwrap();
    let monitor = socket(&ctx, zmq::PUB);
    monitor.bind("inproc://mq-rr-mon").unwrap();
    let queue = spawn_queue(frontend, backend, monitor);

    let client = socket(&ctx, zmq::DEALER);
    client.set_identity(b"client").unwrap();
    client.connect("inproc://mq-rr-front").unwrap();
    let server = socket(&ctx, zmq::DEALER);
    server.set_identity(b"server").unwrap();
    server.connect("inproc://mq-rr-back").unwrap();
    // The backend ROUTER drops a message for a routing id it has not met yet: send until
    // the server's connection is known and one arrives.
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    loop {
        client.send_multipart(["server", "hello"], 0).unwrap();
        if server.poll(zmq::POLLIN, 50).unwrap() == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing reached the server"
        );
    }
    assert_eq!(
        server.recv_multipart(0).unwrap(),
        vec![b"client".to_vec(), b"hello".to_vec()]
    );
    server.send_multipart(["client", "hi"], 0).unwrap();
    assert_eq!(
        client.recv_multipart(0).unwrap(),
        vec![b"server".to_vec(), b"hi".to_vec()]
    );

    ctx.shutdown().unwrap();
    assert_eq!(queue.join().unwrap(), Err(zmq::Error::ETERM));
}

/// A monitor socket that cannot send whole messages on its own is refused before
/// anything is forwarded: what waits at the frontend stays there.
#[test]
fn a_monitor_that_cannot_send_is_refused() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let frontend = socket(&ctx, zmq::PULL);
    frontend.bind("inproc://mq-refuse-front").unwrap();
    let backend = socket(&ctx, zmq::PUSH);
    backend.bind("inproc://mq-refuse-back").unwrap();
    let sink = socket(&ctx, zmq::PULL);
    sink.connect("inproc://mq-refuse-back").unwrap();
    let producer = socket(&ctx, zmq::PUSH);
    producer.connect("inproc://mq-refuse-front").unwrap();
    producer.send("waiting", 0).unwrap();
    for kind in [
        zmq::SUB,
        zmq::PULL,
        zmq::REP,
        zmq::REQ,
        zmq::ROUTER,
        zmq::XSUB,
        zmq::STREAM,
    ] {
        let monitor = socket(&ctx, kind);
        assert_eq!(
            zmq::proxy::monitored_queue(&frontend, &backend, &monitor, b"in", b"out"),
            Err(zmq::Error::ENOTSUP),
            "{kind:?}"
        );
    }
    assert_eq!(frontend.recv_bytes(0).unwrap(), b"waiting");
    assert_eq!(sink.poll(zmq::POLLIN, 0).unwrap(), 0);
}

/// A signal handler that interrupts the queue while it waits to send (no SA_RESTART: the
/// send fails with EINTR) neither ends it nor loses the message it holds.
#[cfg(unix)]
#[test]
fn a_signal_while_sending_loses_nothing() {
    use std::os::unix::thread::JoinHandleExt;

    extern "C" fn ignore(_: libc::c_int) {}
    // SAFETY: installs a handler that does nothing, for SIGUSR1, which no other test of
    // this binary uses; without SA_RESTART, so that blocking calls fail with EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore as extern "C" fn(libc::c_int) as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let frontend = socket(&ctx, zmq::PULL);
    frontend.bind("inproc://mq-eintr-front").unwrap();
    // No peer yet: forwarding blocks.
    let backend = socket(&ctx, zmq::PUSH);
    backend.bind("inproc://mq-eintr-back").unwrap();
    let monitor = socket(&ctx, zmq::PUB);
    monitor.bind("inproc://mq-eintr-mon").unwrap();
    let queue = spawn_queue(frontend, backend, monitor);

    let producer = socket(&ctx, zmq::PUSH);
    producer.connect("inproc://mq-eintr-front").unwrap();
    producer.send("held through a signal", 0).unwrap();
    // Signals, whether they come while the queue waits in poll or in the send.
    for _ in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        // SAFETY: the queue's thread is alive (it only ends with the context).
        let sent = unsafe { libc::pthread_kill(queue.as_pthread_t(), libc::SIGUSR1) };
        assert_eq!(sent, 0);
    }
    let consumer = socket(&ctx, zmq::PULL);
    consumer.connect("inproc://mq-eintr-back").unwrap();
    assert_eq!(consumer.recv_bytes(0).unwrap(), b"held through a signal");

    ctx.shutdown().unwrap();
    assert_eq!(queue.join().unwrap(), Err(zmq::Error::ETERM));
}
