//! Network faults through our fault proxy (tests/common/faultproxy.rs): latency, a
//! bandwidth cap, connection resets and a black hole, between real sockets over tcp.
//!
//! - REQ/REP with retries (Lazy Pirate) through latency and resets loses nothing and
//!   executes nothing twice;
//! - PUB/SUB through a capped link with a reset counts what it loses and reports it;
//! - DEALER/ROUTER with heartbeats detects a black hole, and reconnects after it;
//! - connections come back after resets.
//!
//! Each prints a `FIGURE FAULT-...` line (docs/reliability.md); none asserts a time.

use crate::common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::faultproxy::{FaultProxy, Faults};
use common::scenario::figure;
use common::{POSITIVE_WAIT, bind_tcp, socket, wait_for_event, watchdog};
use zmq::monitor::{Event, Events, Monitor};

/// How long a Lazy Pirate client waits for a reply before it gives up on its socket:
/// a few round trips of the injected latency.
const REPLY_WAIT: Duration = Duration::from_millis(400);

/// What the server did: executions per request id, and requests received.
type Tally = (HashMap<String, u32>, u32);

/// A REP server that remembers its replies by request id, so a retried request is
/// answered again without being executed twice. Returns its [`Tally`] when `stop` is set.
fn dedupe_server(
    ctx: zmq::Context,
    stop: Arc<AtomicBool>,
) -> (String, std::thread::JoinHandle<Tally>) {
    let rep = socket(&ctx, zmq::REP);
    rep.set_rcvtimeo(20).unwrap();
    let endpoint = bind_tcp(&rep);
    let handle = std::thread::spawn(move || {
        let mut executed: HashMap<String, u32> = HashMap::new();
        let mut replies: HashMap<String, String> = HashMap::new();
        let mut received = 0;
        while !stop.load(Ordering::SeqCst) {
            let id = match rep.recv_string(0) {
                Ok(Ok(id)) => id,
                Ok(Err(_)) => panic!("request id not UTF-8"),
                Err(zmq::Error::EAGAIN) => continue,
                Err(err) => panic!("server recv: {err}"),
            };
            received += 1;
            let reply = replies
                .entry(id.clone())
                .or_insert_with(|| {
                    *executed.entry(id.clone()).or_default() += 1;
                    format!("{id} done")
                })
                .clone();
            // A reply to a client that gave up is dropped by REP; that is fine.
            let _ = rep.send(reply.as_str(), 0);
        }
        (executed, received)
    });
    (endpoint, handle)
}

#[test]
fn lazy_pirate_through_latency_and_resets_loses_nothing() {
    let _dog = watchdog(Duration::from_secs(60));
    let ctx = common::ctx();
    let stop = Arc::new(AtomicBool::new(false));
    let (endpoint, server) = dedupe_server(ctx.clone(), Arc::clone(&stop));
    let proxy = FaultProxy::start(&endpoint);
    proxy.set_latency(Duration::from_millis(50), Duration::from_millis(20));

    const REQUESTS: u32 = 20;
    let mut retries = 0;
    let mut replies = 0;
    for n in 0..REQUESTS {
        let id = format!("request-{n}");
        let mut attempts = 0;
        loop {
            attempts += 1;
            assert!(attempts <= 20, "{id}: no reply after 20 attempts");
            let req = socket(&ctx, zmq::REQ);
            req.connect(&proxy.endpoint()).unwrap();
            req.send(id.as_str(), 0).unwrap();
            if n % 5 == 2 && attempts == 1 {
                // Cut the connection while the request is in flight.
                std::thread::sleep(Duration::from_millis(10));
                proxy.reset_all();
            }
            if req
                .poll(zmq::POLLIN, REPLY_WAIT.as_millis() as i64)
                .unwrap()
                > 0
            {
                let reply = req.recv_string(0).unwrap().unwrap();
                assert_eq!(reply, format!("{id} done"));
                replies += 1;
                break;
            }
            retries += 1; // Lazy Pirate: close the socket, open a new one, send again.
        }
    }
    stop.store(true, Ordering::SeqCst);
    let (executed, received) = server.join().unwrap();
    let executed_twice = executed.values().filter(|&&count| count > 1).count();
    let lost = REQUESTS - executed.len() as u32;
    figure(
        "FAULT-LP",
        format_args!(
            "requests={REQUESTS} replies={replies} lost={lost} executed_twice={executed_twice} \
             retries={retries} server_received={received} resets={} latency=50±20ms",
            proxy.resets()
        ),
    );
    assert_eq!(replies, REQUESTS);
    assert_eq!(lost, 0);
    assert_eq!(executed_twice, 0);
}

#[test]
fn pubsub_through_a_capped_link_with_a_reset_counts_its_losses() {
    let _dog = watchdog(Duration::from_secs(60));
    let ctx = common::ctx();
    let publisher = socket(&ctx, zmq::PUB);
    publisher.set_sndhwm(100).unwrap();
    publisher.set_sndbuf(32 * 1024).unwrap();
    let endpoint = bind_tcp(&publisher);
    let proxy = Arc::new(FaultProxy::start(&endpoint));
    proxy.set(Faults {
        latency: Some((Duration::from_millis(20), Duration::from_millis(10))),
        bandwidth: Some(256 * 1024),
        black_hole: false,
    });
    let subscriber = socket(&ctx, zmq::SUB);
    subscriber.set_rcvhwm(100).unwrap();
    subscriber.set_rcvbuf(32 * 1024).unwrap();
    subscriber.set_subscribe(b"").unwrap();
    subscriber.connect(&proxy.endpoint()).unwrap();

    // 1 KiB messages at about 400 per second for 3 s, into a 256 KiB/s link: the PUB's
    // high-water mark drops what the link cannot carry, and a reset half-way loses what
    // was in flight and what is sent while the SUB reconnects.
    const MESSAGES: u64 = 1200;
    const SIZE: usize = 1024;
    let joined = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(Mutex::new(0u64));
    let publisher = std::thread::spawn({
        let (joined, done, sent, proxy) = (
            Arc::clone(&joined),
            Arc::clone(&done),
            Arc::clone(&sent),
            Arc::clone(&proxy),
        );
        move || {
            // Probes until the subscriber has joined (PUB drops before that).
            let deadline = Instant::now() + POSITIVE_WAIT;
            while !joined.load(Ordering::SeqCst) {
                assert!(Instant::now() < deadline, "the subscriber never joined");
                publisher.send("probe", 0).unwrap();
                std::thread::sleep(Duration::from_millis(10));
            }
            let mut payload = vec![0u8; SIZE];
            for seq in 0..MESSAGES {
                payload[..8].copy_from_slice(&seq.to_be_bytes());
                publisher.send(&payload[..], 0).unwrap(); // PUB drops at its HWM
                *sent.lock().unwrap() = seq + 1;
                if seq % 10 == 9 {
                    std::thread::sleep(Duration::from_millis(25));
                }
                if seq == MESSAGES / 2 {
                    proxy.reset_all();
                }
            }
            let deadline = Instant::now() + Duration::from_secs(20);
            while !done.load(Ordering::SeqCst) && Instant::now() < deadline {
                publisher.send("end", 0).unwrap();
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    });

    let mut first = None;
    let mut last = None;
    let mut received = 0u64;
    let mut out_of_order = 0u64;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        assert!(Instant::now() < deadline, "the end marker never arrived");
        let msg = match subscriber.recv_bytes(0) {
            Ok(msg) => msg,
            Err(zmq::Error::EAGAIN) => continue,
            Err(err) => panic!("subscriber recv: {err}"),
        };
        match msg.as_slice() {
            b"probe" => joined.store(true, Ordering::SeqCst),
            b"end" => break,
            data => {
                let seq = u64::from_be_bytes(data[..8].try_into().unwrap());
                if last.is_some_and(|last| seq <= last) {
                    out_of_order += 1;
                }
                first.get_or_insert(seq);
                last = Some(seq);
                received += 1;
            }
        }
    }
    done.store(true, Ordering::SeqCst);
    publisher.join().unwrap();
    let sent = *sent.lock().unwrap();
    let first = first.expect("no data message arrived");
    // Counted from the first message that arrived (those before it were sent before
    // the subscription reached the publisher).
    let window = sent - first;
    let lost = window - received;
    figure(
        "FAULT-PUBSUB",
        format_args!(
            "sent={sent} window={window} received={received} lost={lost} \
             lost_pct={:.1} out_of_order={out_of_order} resets={} bandwidth=256KiB/s \
             latency=20±10ms size={SIZE} sndhwm=100 rcvhwm=100",
            100.0 * lost as f64 / window.max(1) as f64,
            proxy.resets()
        ),
    );
    assert!(received > 0 && received <= window);
    assert_eq!(out_of_order, 0, "PUB/SUB over one connection keeps order");
}

/// A DEALER with heartbeats, connected through `proxy`, and its monitor.
fn heartbeating_dealer(ctx: &zmq::Context, proxy: &FaultProxy) -> (zmq::Socket, Monitor) {
    let dealer = socket(ctx, zmq::DEALER);
    dealer.set_heartbeat_ivl(100).unwrap();
    dealer.set_heartbeat_timeout(500).unwrap();
    let monitor =
        Monitor::new(&dealer, Events::HANDSHAKE_SUCCEEDED | Events::DISCONNECTED).unwrap();
    dealer.connect(&proxy.endpoint()).unwrap();
    (dealer, monitor)
}

/// DEALER → ROUTER → DEALER echo.
fn round_trip(dealer: &zmq::Socket, router: &zmq::Socket, text: &str) {
    dealer.send(text, 0).unwrap();
    let mut parts = router.recv_multipart(0).expect("router recv");
    assert_eq!(parts.last().map(Vec::as_slice), Some(text.as_bytes()));
    let id = parts.remove(0);
    router.send_multipart([id, text.into()], 0).unwrap();
    assert_eq!(dealer.recv_bytes(0).expect("dealer recv"), text.as_bytes());
}

#[test]
fn heartbeats_detect_a_black_hole_and_reconnect_after_it() {
    let _dog = watchdog(Duration::from_secs(60));
    let ctx = common::ctx();
    let router = socket(&ctx, zmq::ROUTER);
    let endpoint = bind_tcp(&router);
    let proxy = FaultProxy::start(&endpoint);
    let (dealer, monitor) = heartbeating_dealer(&ctx, &proxy);
    wait_for_event(&monitor, |e| matches!(e, Event::HandshakeSucceeded));
    round_trip(&dealer, &router, "before");

    proxy.set_black_hole(true);
    let start = Instant::now();
    // Without heartbeats nothing would notice (TCP keepalive starts after 2 hours): an
    // event within POSITIVE_WAIT (10x the timeout) is the heartbeat's doing.
    wait_for_event(&monitor, |e| matches!(e, Event::Disconnected { .. }));
    let detected = start.elapsed();

    proxy.set_black_hole(false);
    let start = Instant::now();
    wait_for_event(&monitor, |e| matches!(e, Event::HandshakeSucceeded));
    let reconnected = start.elapsed();
    round_trip(&dealer, &router, "after");
    figure(
        "FAULT-HB",
        format_args!(
            "heartbeat_ivl_ms=100 heartbeat_timeout_ms=500 detected_after_ms={} \
             reconnected_after_ms={} round_trip_after=ok",
            detected.as_millis(),
            reconnected.as_millis()
        ),
    );
}

#[test]
fn connections_come_back_after_resets() {
    let _dog = watchdog(Duration::from_secs(60));
    let ctx = common::ctx();
    let router = socket(&ctx, zmq::ROUTER);
    let endpoint = bind_tcp(&router);
    let proxy = FaultProxy::start(&endpoint);
    proxy.set_latency(Duration::from_millis(5), Duration::from_millis(2));
    let (dealer, monitor) = heartbeating_dealer(&ctx, &proxy);
    wait_for_event(&monitor, |e| matches!(e, Event::HandshakeSucceeded));
    round_trip(&dealer, &router, "first");
    const RESETS: u32 = 5;
    for n in 0..RESETS {
        proxy.reset_all();
        wait_for_event(&monitor, |e| matches!(e, Event::Disconnected { .. }));
        wait_for_event(&monitor, |e| matches!(e, Event::HandshakeSucceeded));
        round_trip(&dealer, &router, &format!("after reset {n}"));
    }
    figure(
        "FAULT-RESET",
        format_args!(
            "resets={RESETS} reconnects={RESETS} round_trips={} proxy_accepted={} \
             proxy_resets={}",
            RESETS + 1,
            proxy.accepted(),
            proxy.resets()
        ),
    );
    assert_eq!(proxy.accepted(), u64::from(RESETS) + 1);
}
