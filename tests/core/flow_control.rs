//! Flow-control scenarios F17–F20 of docs/design/reliability.md: the high-water mark with
//! DONTWAIT, no peers and timeouts, backpressure reported instead of dropped, multipart
//! atomicity across a reconnect. Elapsed times are reported, never asserted.

use crate::common;

use std::time::{Duration, Instant};

use common::scenario::*;
use common::{Endpoints, bind_tcp, socket, watchdog};
use zmq::monitor::{Event, Events};

/// Sends empty frames with DONTWAIT until EAGAIN; returns how many were accepted.
fn fill(sender: &zmq::Socket, payload: &[u8]) -> usize {
    let mut sent = 0;
    loop {
        match sender.send(payload, zmq::DONTWAIT) {
            Ok(()) => sent += 1,
            Err(zmq::Error::EAGAIN) => return sent,
            Err(err) => panic!("send: {err}"),
        }
        assert!(sent < 10_000_000, "the high-water mark never pushed back");
    }
}

/// Receives until `expected` messages arrived (RCVTIMEO bounds each wait).
fn drain(receiver: &zmq::Socket, expected: usize) -> usize {
    let mut received = 0;
    while received < expected && receiver.recv_bytes(0).is_ok() {
        received += 1;
    }
    while receiver.recv_bytes(zmq::DONTWAIT).is_ok() {
        received += 1;
    }
    received
}

/// One inproc run: `hwm` (None: defaults), bind or connect first.
fn inproc_count(hwm: Option<i32>, bind_first: bool) -> (usize, usize, bool) {
    let ctx = zmq::Context::new();
    let endpoint = Endpoints::new().inproc();
    let push = socket(&ctx, zmq::PUSH);
    let pull = socket(&ctx, zmq::PULL);
    if let Some(hwm) = hwm {
        push.set_sndhwm(hwm).unwrap();
        pull.set_rcvhwm(hwm).unwrap();
    }
    if bind_first {
        pull.bind(&endpoint).unwrap();
        push.connect(&endpoint).unwrap();
    } else {
        push.connect(&endpoint).unwrap();
        pull.bind(&endpoint).unwrap();
    }
    let sent = fill(&push, b"");
    let received = drain(&pull, sent);
    // Blocking (SNDTIMEO bounds it): the "room again" notice reaches the sender
    // asynchronously, so an immediate DONTWAIT retry may still see a full pipe.
    let one_more = push.send("", 0).is_ok();
    (sent, received, one_more)
}

/// F17: the high-water mark gives EAGAIN with DONTWAIT and loses nothing: 2000 with the
/// inproc defaults, 4 with SNDHWM=RCVHWM=2, in both bind/connect orders; over TCP the
/// count depends on kernel buffers but received == sent still holds.
#[test]
fn f17_hwm_dontwait() {
    let _dog = watchdog(Duration::from_secs(20));
    let mut parts = Vec::new();
    for bind_first in [true, false] {
        let order = if bind_first {
            "bind_first"
        } else {
            "connect_first"
        };
        let (sent, received, more) = inproc_count(None, bind_first);
        assert_eq!((sent, received), (2000, 2000), "{order} defaults");
        assert!(more);
        parts.push(format!("inproc_defaults_{order}={sent}"));
        let (sent, received, more) = inproc_count(Some(2), bind_first);
        assert_eq!((sent, received), (4, 4), "{order} hwm 2");
        assert!(more);
        parts.push(format!("inproc_hwm2_{order}={sent}"));
    }
    let ctx = zmq::Context::new();
    let push = socket(&ctx, zmq::PUSH);
    let endpoint = bind_tcp(&push);
    let pull = socket(&ctx, zmq::PULL);
    let mon = watch(&push, Events::HANDSHAKE_SUCCEEDED);
    pull.connect(&endpoint).unwrap();
    common::wait_for_event(&mon, |e| matches!(e, Event::HandshakeSucceeded));
    let sent = fill(&push, &[7u8; 1024]);
    let received = drain(&pull, sent);
    assert_eq!(received, sent, "tcp lost messages");
    let more = push.send("", 0).is_ok();
    assert!(more);
    figure(
        "F17",
        format!(
            "sent_until_eagain=2000 (inproc defaults) =4 (HWM 2/2) received=sent lost=0 {} tcp_1KiB_sent={sent} tcp_received={received} one_more_after_drain=ok",
            parts.join(" ")
        ),
    );
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, u128) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_millis())
}

/// F18: PUSH and DEALER with no peer give EAGAIN at once with DONTWAIT and after
/// SNDTIMEO=250 ms without it; RCVTIMEO=250 ms on an idle socket gives EAGAIN.
#[test]
fn f18_no_peers_and_timeouts() {
    let _dog = watchdog(Duration::from_secs(10));
    let ctx = zmq::Context::new();
    let mut fields = Vec::new();
    for kind in [zmq::PUSH, zmq::DEALER] {
        let sock = socket(&ctx, kind);
        sock.set_sndtimeo(250).unwrap();
        let (dontwait, _) = timed(|| sock.send("x", zmq::DONTWAIT));
        assert_eq!(dontwait, Err(zmq::Error::EAGAIN));
        let (blocking, ms) = timed(|| sock.send("x", 0));
        assert_eq!(blocking, Err(zmq::Error::EAGAIN));
        fields.push(format!("{kind:?}:dontwait=EAGAIN sndtimeo_elapsed_ms={ms}"));
    }
    let idle = socket(&ctx, zmq::PULL);
    idle.set_rcvtimeo(250).unwrap();
    let (recv, rcv_ms) = timed(|| idle.recv_bytes(0));
    assert_eq!(recv, Err(zmq::Error::EAGAIN));
    figure(
        "F18",
        format!(
            "dontwait=EAGAIN {} rcvtimeo_elapsed_ms={rcv_ms}",
            fields.join(" ")
        ),
    );
}

/// F19: ROUTER_MANDATORY reports an unknown peer (EHOSTUNREACH) and a full peer (EAGAIN
/// after a few 64 KiB messages at SNDHWM 1); XPUB_NODROP reports EAGAIN at the
/// high-water mark and every accepted message arrives.
#[test]
fn f19_backpressure_reported() {
    let _dog = watchdog(Duration::from_secs(20));
    let ctx = zmq::Context::new();
    let router = socket(&ctx, zmq::ROUTER);
    router.set_router_mandatory(true).unwrap();
    router.set_sndhwm(1).unwrap();
    let endpoint = bind_tcp(&router);
    let unknown = router
        .send("nobody", zmq::SNDMORE | zmq::DONTWAIT)
        .unwrap_err();
    assert_eq!(unknown, zmq::Error::EHOSTUNREACH);

    let dealer = socket(&ctx, zmq::DEALER);
    dealer.set_routing_id(b"dealer").unwrap();
    dealer.set_rcvhwm(1).unwrap();
    dealer.connect(&endpoint).unwrap();
    // The router learns the routing id when the dealer says hello.
    dealer.send("hello", 0).unwrap();
    router.recv_multipart(0).unwrap();
    let big = vec![0u8; 64 * 1024];
    let mut before_eagain = 0;
    loop {
        let first = router.send("dealer", zmq::SNDMORE | zmq::DONTWAIT);
        let result = first.and_then(|()| router.send(&big[..], zmq::DONTWAIT));
        match result {
            Ok(()) => before_eagain += 1,
            Err(zmq::Error::EAGAIN) => break,
            Err(err) => panic!("router send: {err}"),
        }
        assert!(before_eagain < 10_000, "no backpressure");
    }
    assert!(before_eagain < 10, "{before_eagain} messages before EAGAIN");

    let xpub = socket(&ctx, zmq::XPUB);
    xpub.set_xpub_nodrop(true).unwrap();
    xpub.set_sndhwm(10).unwrap();
    let xpub_endpoint = bind_tcp(&xpub);
    let sub = socket(&ctx, zmq::SUB);
    sub.set_rcvhwm(10).unwrap();
    sub.set_subscribe(b"").unwrap();
    sub.connect(&xpub_endpoint).unwrap();
    assert_eq!(xpub.recv_bytes(0).unwrap(), b"\x01"); // the subscription
    let sent = fill(&xpub, &[1u8; 64 * 1024]);
    let received = drain(&sub, sent);
    assert_eq!(received, sent);
    figure(
        "F19",
        format!(
            "unknown_peer=EHOSTUNREACH msgs_before_eagain={before_eagain} (<10) xpub_sent={sent} xpub_recv={received} lost=0"
        ),
    );
}

/// F20: with HWM 1 and 16 MiB frames, a multipart in flight when the receiver goes away
/// and comes back is delivered whole or not at all.
#[test]
fn f20_multipart_atomicity() {
    let _dog = watchdog(Duration::from_secs(60));
    const FRAME: usize = 16 * 1024 * 1024;
    const MESSAGES: usize = 8;
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.set_rcvhwm(1).unwrap();
    let endpoint = bind_tcp(&pull);
    let sender = {
        let ctx = ctx.clone();
        let endpoint = endpoint.clone();
        std::thread::spawn(move || {
            let push = socket(&ctx, zmq::PUSH);
            push.set_sndhwm(1).unwrap();
            push.set_sndtimeo(10_000).unwrap();
            push.set_reconnect_ivl(20).unwrap();
            push.connect(&endpoint).unwrap();
            let mut sent = 0;
            for i in 0..MESSAGES {
                let parts = vec![
                    format!("head {i}").into_bytes(),
                    vec![i as u8; FRAME],
                    format!("tail {i}").into_bytes(),
                ];
                if push.send_multipart(parts, 0).is_ok() {
                    sent += 1;
                }
            }
            // Linger 0: whatever is not delivered by now is dropped on close.
            std::thread::sleep(SETTLE);
            sent
        })
    };
    let check = |parts: &[Vec<u8>]| -> bool {
        if parts.len() != 3 || parts[1].len() != FRAME {
            return false;
        }
        let i = parts[1][0];
        parts[0] == format!("head {i}").into_bytes()
            && parts[2] == format!("tail {i}").into_bytes()
            && parts[1].iter().all(|&b| b == i)
    };
    let mut whole = 0;
    let mut partial = 0;
    // Take two, then vanish while more are in flight.
    for _ in 0..2 {
        let parts = pull.recv_multipart(0).expect("first messages");
        if check(&parts) {
            whole += 1;
        } else {
            partial += 1;
        }
    }
    drop(pull);
    std::thread::sleep(SETTLE);
    let pull = socket(&ctx, zmq::PULL);
    pull.set_rcvhwm(1).unwrap();
    pull.set_rcvtimeo(1000).unwrap();
    pull.bind(&endpoint).unwrap();
    // Until the sender is done and nothing more comes.
    loop {
        match pull.recv_multipart(0) {
            Ok(parts) if check(&parts) => whole += 1,
            Ok(_) => partial += 1,
            Err(zmq::Error::EAGAIN) if sender.is_finished() => break,
            Err(zmq::Error::EAGAIN) => continue,
            Err(err) => panic!("recv: {err}"),
        }
    }
    let sent = sender.join().unwrap();
    assert_eq!(partial, 0);
    assert!(whole >= 3, "nothing came after the reconnect");
    figure(
        "F20",
        format!(
            "partial_messages_observed={partial} whole_received={whole} sent={sent} frame_bytes={FRAME} reconnects=1"
        ),
    );
}
