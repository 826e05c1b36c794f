//! The scenarios of docs/design/async.md §5 (1-16), one list for every runtime: tokio
//! (`current_thread` and `multi_thread(2)`) and, with feature `async-io`, async-io under
//! smol's executor (one thread, and three threads sharing one executor). Sizes are bounded for CI; the full
//! sizes of the design (1M messages, ...) run with `ZMQ_STRESS=1`. Every timeout is a hang
//! detector, never a verdict; no test asserts a timing.
#![cfg(all(feature = "tokio", unix))]
// (The tokio feature builds this crate; with `async-io` too, every scenario also runs on
// async-io under smol's executor.)

use crate::common;

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use common::async_rt::{
    Flavor, Harness, Rng, any_timeout, counting_waker, every_rt_test, poll_until_parked, size,
    socket_on, within,
};
use common::{Endpoints, Transport};
use futures::{SinkExt, StreamExt};
use zmq::rt::Multipart;

fn seq_frame(n: u64) -> zmq::Message {
    zmq::Message::from(n.to_be_bytes().to_vec())
}

fn seq_of(frame: &[u8]) -> u64 {
    u64::from_be_bytes(frame.try_into().expect("8-byte sequence frame"))
}

/// Polls `fut` once with a waker that does nothing, and drops it.
fn poll_once_and_drop<F: Future>(fut: F) -> Poll<F::Output> {
    let mut fut = pin!(fut);
    let waker = futures::task::noop_waker();
    fut.as_mut().poll(&mut Context::from_waker(&waker))
}

// ---- 1. PUB flood to many SUBs --------------------------------------------------------

/// 64 SUBs and one XPUB; waits for 64 subscriptions (no sleeps), then sends sequence
/// numbers and END; every SUB must see 0..N in order. Variant A: HWM 0 (lossless).
/// Variant B: `XPUB_NODROP`, `SNDHWM=100`, SUBs that pause at random, so the XPUB parks.
/// CI: 5,000 messages (A) and 3,000 (B); full (`ZMQ_STRESS=1`): 1M.
async fn pub_flood<H: Harness>(transport: Transport, messages: usize, nodrop: bool, subs: usize) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut xpub = socket_on::<H::Rt>(&ctx, zmq::XPUB);
    xpub.get_ref().set_xpub_verbose(true).unwrap();
    if nodrop {
        xpub.get_ref().set_xpub_nodrop(true).unwrap();
        xpub.get_ref().set_sndhwm(100).unwrap();
    } else {
        xpub.get_ref().set_sndhwm(0).unwrap();
    }
    let endpoint = common::async_rt::bind(&endpoints, &xpub, transport);
    let mut tasks = Vec::new();
    for id in 0..subs {
        let mut sub = socket_on::<H::Rt>(&ctx, zmq::SUB);
        sub.get_ref()
            .set_rcvhwm(if nodrop { 100 } else { 0 })
            .unwrap();
        sub.get_ref().set_subscribe(b"").unwrap();
        sub.get_ref().connect(&endpoint).unwrap();
        tasks.push(H::spawn(async move {
            let mut rng = Rng::new(id as u64 + 1);
            let mut expected = 0u64;
            loop {
                let parts = within(
                    format!("SUB {id} waiting for {expected}"),
                    sub.recv_multipart_msgs(),
                )
                .await
                .unwrap();
                if &parts[0][..] == b"END" {
                    break;
                }
                assert_eq!(seq_of(&parts[0]), expected, "SUB {id}: gap or reorder");
                expected += 1;
                if nodrop && rng.below(500) == 0 {
                    H::sleep(Duration::from_millis(1)).await;
                }
            }
            expected
        }));
    }
    for _ in 0..subs {
        let sub = within("subscription", xpub.recv_bytes()).await.unwrap();
        assert_eq!(sub, b"\x01");
    }
    for n in 0..messages as u64 {
        within(format!("publishing {n}"), xpub.send(seq_frame(n)))
            .await
            .unwrap();
    }
    within("END", xpub.send("END")).await.unwrap();
    for task in tasks {
        assert_eq!(within("SUB task", task).await, messages as u64);
    }
}

every_rt_test!(s01_pub_flood_lossless, |_| pub_flood::<H>(
    Transport::Tcp,
    size(5_000, 1_000_000),
    false,
    64
));
every_rt_test!(s01_pub_flood_nodrop_parks, |_| pub_flood::<H>(
    Transport::Tcp,
    size(3_000, 1_000_000),
    true,
    64
));

// ---- 2. REQ/REP ping-pong ------------------------------------------------------------

/// REQ and REP in two tasks, and in one task with `join!`. CI: 10,000 rounds; full: 1M.
/// Rounds per second are printed, never asserted.
async fn req_rep<H: Harness>(transport: Transport, rounds: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut rep = socket_on::<H::Rt>(&ctx, zmq::REP);
    let endpoint = common::async_rt::bind(&endpoints, &rep, transport);
    let mut req = socket_on::<H::Rt>(&ctx, zmq::REQ);
    req.get_ref().connect(&endpoint).unwrap();
    let server = H::spawn(async move {
        for _ in 0..rounds {
            let msg = rep.recv_msg().await.unwrap();
            rep.send(msg).await.unwrap();
        }
        rep
    });
    let started = std::time::Instant::now();
    for round in 0..rounds {
        let reply = within(format!("two tasks, round {round}"), async {
            req.send(seq_frame(round)).await.unwrap();
            req.recv_bytes().await.unwrap()
        })
        .await;
        assert_eq!(seq_of(&reply), round, "round {round}");
    }
    let mut rep = within("server", server).await;
    let two_tasks = rounds as f64 / started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    // One task: both sides driven by join!.
    for round in 0..rounds {
        let client = async {
            req.send(seq_frame(round)).await.unwrap();
            req.recv_bytes().await.unwrap()
        };
        let server = async {
            let msg = rep.recv_msg().await.unwrap();
            rep.send(msg).await.unwrap();
        };
        let (reply, ()) = within(format!("join!, round {round}"), async {
            tokio::join!(client, server)
        })
        .await;
        assert_eq!(seq_of(&reply), round, "round {round}");
    }
    let one_task = rounds as f64 / started.elapsed().as_secs_f64();
    eprintln!(
        "s02 {transport:?}: {rounds} rounds; {two_tasks:.0} rounds/s in two tasks, \
         {one_task:.0} with join! (not a verdict)"
    );
}

// 4,000 round trips in two tasks and 4,000 in one (every one parks both sides); a million
// each under ZMQ_STRESS=1.
every_rt_test!(s02_req_rep_tcp, |_| req_rep::<H>(
    Transport::Tcp,
    size(4_000, 1_000_000) as u64
));

// ---- 3. Idle socket wakes after ZMQ_EVENTS was read ----------------------------------

/// Park a reader, let the peer send, block the thread (the reactor cannot run), read
/// `ZMQ_EVENTS` through our API, which drains the fd edge: the reader must still wake.
async fn idle_wake_after_events<H: Harness>(transport: Transport) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    let endpoint = common::async_rt::bind(&endpoints, &pull, transport);
    let push = common::socket(&ctx, zmq::PUSH);
    push.connect(&endpoint).unwrap();

    // Poll level, with a counting waker: events() must wake it.
    let (counter, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    poll_until_parked(&counter, || pull.poll_recv(&mut cx));
    let parked = counter.wakes();
    push.send("one", 0).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let events = pull.events().unwrap();
    assert!(events.contains(zmq::POLLIN), "EVENTS must show the message");
    assert_eq!(
        counter.wakes(),
        parked + 1,
        "events() must wake the parked reader"
    );
    match pull.poll_recv(&mut cx) {
        Poll::Ready(Ok(parts)) => assert_eq!(&parts[0][..], b"one"),
        other => panic!("expected the message, got {other:?}"),
    }

    // The same through get_ref() (a raw ZMQ_EVENTS read): the parked reader is woken.
    let (counter, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    poll_until_parked(&counter, || pull.poll_recv(&mut cx));
    let parked = counter.wakes();
    push.send("two", 0).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let _ = pull.get_ref().get_events().unwrap();
    assert!(
        counter.wakes() > parked,
        "get_ref() must wake the parked reader"
    );
    assert!(matches!(pull.poll_recv(&mut cx), Poll::Ready(Ok(_))));

    // Split: the reader task is parked; the send half reads EVENTS after a blocking sleep.
    let (mut rx, mut tx) = pull.into_split();
    let reader = H::spawn(async move { rx.recv_string().await.unwrap().unwrap() });
    H::yield_now().await;
    H::sleep(Duration::from_millis(20)).await;
    push.send("three", 0).unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let _ = tx.events().unwrap();
    assert_eq!(within("split reader", reader).await, "three");
}

every_rt_test!(
    s03_idle_wake_after_events_tcp,
    |_| idle_wake_after_events::<H>(Transport::Tcp)
);

// ---- 4. Split DEALER halves (tmq #50) --------------------------------------------------

/// DEALER binds, REP connects later; the send half starts first and parks on POLLOUT.
/// Then ping-pongs; the writer sends in bursts while the reader is parked.
/// CI: 10,000 round trips; full: 100k.
///
/// The REP outlives the reader: closed with linger 0 as its task ends, it would discard
/// the replies still queued for tcp or ipc, and the reader would wait for them forever.
async fn split_dealer<H: Harness>(transport: Transport, rounds: u64, burst: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let dealer = socket_on::<H::Rt>(&ctx, zmq::DEALER);
    // The writer runs ahead of the reader. A REP whose reply finds the DEALER's queue
    // full drops it (libzmq's router semantics), which would leave the reader waiting for
    // a reply that never comes: unlimited queues on that path keep the test about wakeups.
    dealer.get_ref().set_rcvhwm(0).unwrap();
    let endpoint = common::async_rt::bind(&endpoints, &dealer, transport);
    let (mut rx, mut tx) = dealer.into_split();
    let writer = H::spawn(async move {
        let mut sent = 0;
        while sent < rounds {
            for _ in 0..burst.min(rounds - sent) {
                tx.send_multipart([zmq::Message::new(), seq_frame(sent)])
                    .await
                    .unwrap();
                sent += 1;
            }
            H::yield_now().await;
        }
        tx
    });
    let reader = H::spawn(async move {
        for n in 0..rounds {
            let parts = within(format!("reply {n}"), rx.recv_multipart())
                .await
                .unwrap();
            assert_eq!(parts.len(), 2);
            assert_eq!(seq_of(&parts[1]), n);
        }
        rx
    });
    // The REP comes after the writer parked (there was no peer to send to).
    H::sleep(Duration::from_millis(50)).await;
    let mut rep = socket_on::<H::Rt>(&ctx, zmq::REP);
    rep.get_ref().set_sndhwm(0).unwrap(); // see the DEALER's RCVHWM above
    rep.get_ref().connect(&endpoint).unwrap();
    let server = H::spawn(async move {
        for _ in 0..rounds {
            let msg = rep.recv_msg().await.unwrap();
            rep.send(msg).await.unwrap();
        }
        rep
    });
    let rx = within("reader", reader).await;
    let tx = within("writer", writer).await;
    within("server", server).await;
    let mut dealer = rx.reunite(tx).expect("same socket");
    assert_eq!(dealer.parked_wakers(), 0);
    assert!(dealer.events().is_ok());
}

every_rt_test!(s04_split_dealer_pingpong, |_| split_dealer::<H>(
    Transport::Tcp,
    size(10_000, 100_000) as u64,
    1
));
every_rt_test!(s04_split_dealer_bursts, |_| split_dealer::<H>(
    Transport::Ipc,
    size(10_000, 100_000) as u64,
    100
));

// ---- 5. Send-side HWM stall (Exp C / libzmq #3641) --------------------------------------

/// PUSH with SNDHWM=10 into a PULL that reads in random bursts with pauses. CI: 50,000;
/// full: 200k.
async fn hwm_stall<H: Harness>(transport: Transport, messages: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    pull.get_ref().set_rcvhwm(10).unwrap();
    let endpoint = common::async_rt::bind(&endpoints, &pull, transport);
    let mut push = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    push.get_ref().set_sndhwm(10).unwrap();
    push.get_ref().connect(&endpoint).unwrap();
    let pending = Arc::new(AtomicU64::new(0));
    let producer = H::spawn({
        let pending = pending.clone();
        async move {
            for n in 0..messages {
                // Count the sends that had to park, for diagnosis.
                let mut send = pin!(push.send(seq_frame(n)));
                let first = std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx))).await;
                match first {
                    Poll::Ready(res) => res.unwrap(),
                    Poll::Pending => {
                        pending.fetch_add(1, Ordering::Relaxed);
                        within(format!("send {n}"), send).await.unwrap();
                    }
                }
            }
            push // closed with linger 0, it would discard what is still queued
        }
    });
    let mut rng = Rng::new(5);
    let mut n = 0;
    while n < messages {
        let burst = 1 + rng.below(200);
        for _ in 0..burst.min(messages - n) {
            let msg = within(format!("recv {n}"), pull.recv_msg()).await.unwrap();
            assert_eq!(seq_of(&msg), n);
            n += 1;
        }
        if rng.below(4) == 0 {
            H::sleep(Duration::from_millis(1)).await;
        }
    }
    within("producer", producer).await;
    eprintln!(
        "s05: {messages} sent, {} sends parked",
        pending.load(Ordering::Relaxed)
    );
}

every_rt_test!(s05_send_hwm_stall_tcp, |_| hwm_stall::<H>(
    Transport::Tcp,
    size(50_000, 200_000) as u64
));

// ---- 6. Drop a recv future mid-multipart ------------------------------------------------

/// The peer sends 3-part messages tagged (id, k); the receiver alternates between a
/// recv polled once and dropped, a recv under a tiny random timeout, and a plain recv.
/// Every message must arrive whole, in order, with gap-free ids. CI: 20,000; full: 100k.
async fn drop_recv_mid_multipart<H: Harness>(transport: Transport, messages: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    let endpoint = common::async_rt::bind(&endpoints, &pull, transport);
    let mut push = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    push.get_ref().connect(&endpoint).unwrap();
    let producer = H::spawn(async move {
        for id in 0..messages {
            let frames: Vec<Vec<u8>> = (0..3u8)
                .map(|k| [&id.to_be_bytes()[..], &[k, 3]].concat())
                .collect();
            push.send_multipart(frames).await.unwrap();
        }
        push
    });
    let mut rng = Rng::new(6);
    let mut next = 0u64;
    let mut cancelled = 0u64;
    while next < messages {
        let got = match rng.below(3) {
            0 => match poll_once_and_drop(pull.recv_multipart()) {
                Poll::Ready(res) => Some(res.unwrap()),
                Poll::Pending => None,
            },
            1 => {
                let tiny = Duration::from_micros(rng.below(200));
                any_timeout(tiny, pull.recv_multipart())
                    .await
                    .map(Result::unwrap)
            }
            _ => Some(
                within(format!("message {next}"), pull.recv_multipart())
                    .await
                    .unwrap(),
            ),
        };
        let Some(parts) = got else {
            cancelled += 1;
            continue;
        };
        assert_eq!(
            parts.len(),
            3,
            "message {next} arrived with {} frames",
            parts.len()
        );
        for (k, part) in parts.iter().enumerate() {
            assert_eq!(
                part[..8],
                next.to_be_bytes(),
                "message {next}: frame {k} has another id"
            );
            assert_eq!(&part[8..], &[k as u8, 3]);
        }
        next += 1;
    }
    within("producer", producer).await;
    assert_eq!(
        pull.parked_wakers(),
        0,
        "cancelled receives left wakers behind"
    );
    eprintln!("s06: {messages} received whole, {cancelled} receives cancelled");
}

every_rt_test!(
    s06_drop_recv_mid_multipart_tcp,
    |_| drop_recv_mid_multipart::<H>(Transport::Tcp, size(20_000, 100_000) as u64)
);

// ---- 7. Drop a send future mid-multipart ------------------------------------------------

/// Tiny HWMs so sends park; send futures polled once and dropped, interleaved with
/// completed sends. The peer sees each message 0 or 1 times, whole, in order. Sink
/// variant: a buffered item whose flush was dropped is delivered by the next flush.
async fn drop_send_mid_multipart<H: Harness>(transport: Transport, messages: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    pull.get_ref().set_rcvhwm(1).unwrap();
    let endpoint = common::async_rt::bind(&endpoints, &pull, transport);
    let mut push = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    push.get_ref().set_sndhwm(1).unwrap();
    push.get_ref().connect(&endpoint).unwrap();
    let done = Arc::new(AtomicBool::new(false));
    let consumer = H::spawn({
        let done = done.clone();
        async move {
            let mut last: Option<u64> = None;
            let mut received = 0u64;
            let mut rng = Rng::new(77);
            loop {
                let parts = within("consumer", pull.recv_multipart()).await.unwrap();
                if parts.len() == 1 && parts[0] == b"END" {
                    break;
                }
                assert_eq!(
                    parts.len(),
                    4,
                    "partial or merged message: {} frames",
                    parts.len()
                );
                let id = seq_of(&parts[0]);
                for part in &parts[1..] {
                    assert_eq!(seq_of(part), id, "frames of different messages merged");
                }
                assert!(
                    last.is_none_or(|l| id > l),
                    "message {id} duplicated or reordered"
                );
                last = Some(id);
                received += 1;
                if rng.below(8) == 0 {
                    H::yield_now().await;
                }
            }
            done.store(true, Ordering::SeqCst);
            (received, pull)
        }
    });
    let mut rng = Rng::new(7);
    let mut completed = 0u64;
    for id in 0..messages {
        let frames = (0..4).map(|_| seq_frame(id));
        if rng.below(2) == 0 {
            if poll_once_and_drop(push.send_multipart(frames)).is_ready() {
                completed += 1;
            }
        } else {
            within(format!("send {id}"), push.send_multipart(frames))
                .await
                .unwrap();
            completed += 1;
        }
    }
    // The Sink keeps its item in the socket: a dropped flush loses nothing.
    let sink_id = messages;
    let item: Vec<zmq::Message> = (0..4).map(|_| seq_frame(sink_id)).collect();
    within(
        "sink ready",
        futures::future::poll_fn(|cx| {
            futures::Sink::<Multipart>::poll_ready(std::pin::Pin::new(&mut push), cx)
        }),
    )
    .await
    .unwrap();
    futures::Sink::start_send(std::pin::Pin::new(&mut push), item).unwrap();
    let _ = poll_once_and_drop(SinkExt::<Multipart>::flush(&mut push));
    within("sink flush", SinkExt::<Multipart>::flush(&mut push))
        .await
        .unwrap();
    within("END", push.send("END")).await.unwrap();
    let (received, mut pull) = within("consumer", consumer).await;
    assert!(done.load(Ordering::SeqCst));
    assert!(
        received > completed,
        "{received} received < {completed} completed + the sink item"
    );
    let _ = pull.events();
    eprintln!("s07: {messages} attempted, {completed} completed, {received} received");
}

every_rt_test!(
    s07_drop_send_mid_multipart_ipc,
    |_| drop_send_mid_multipart::<H>(Transport::Ipc, size(3_000, 100_000) as u64)
);

// ---- 8. Peer dies mid-multipart ------------------------------------------------------------

/// PUSH streams 5-frame messages to two PULLs; one is closed mid-stream. The other never
/// sees a message with a wrong frame count or mixed ids, and sending goes on (F6).
async fn peer_dies_mid_multipart<H: Harness>(transport: Transport, messages: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut push = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    push.get_ref().set_sndhwm(20).unwrap();
    let endpoint = common::async_rt::bind(&endpoints, &push, transport);
    let mut doomed = socket_on::<H::Rt>(&ctx, zmq::PULL);
    doomed.get_ref().set_rcvhwm(20).unwrap();
    doomed.get_ref().connect(&endpoint).unwrap();
    let mut survivor = socket_on::<H::Rt>(&ctx, zmq::PULL);
    survivor.get_ref().set_rcvhwm(20).unwrap();
    survivor.get_ref().connect(&endpoint).unwrap();
    let killer = H::spawn(async move {
        for _ in 0..50 {
            let parts = doomed.recv_multipart().await.unwrap();
            assert_eq!(parts.len(), 5);
        }
        drop(doomed); // closed while the PUSH is mid-stream
    });
    let check = H::spawn(async move {
        let mut seen = 0u64;
        loop {
            let parts = within("survivor", survivor.recv_multipart()).await.unwrap();
            if parts.len() == 1 && parts[0] == b"END" {
                return seen;
            }
            assert_eq!(parts.len(), 5, "wrong frame count after a peer died");
            let id = seq_of(&parts[0][..8]);
            for part in &parts {
                assert_eq!(seq_of(&part[..8]), id, "frames of two messages mixed");
            }
            seen += 1;
        }
    });
    let payload = vec![0u8; 16 * 1024];
    for id in 0..messages {
        let frames = (0..5).map(|_| [&id.to_be_bytes()[..], &payload].concat());
        within(format!("send {id}"), push.send_multipart(frames))
            .await
            .unwrap();
    }
    within("killer", killer).await;
    // END goes round-robin; the doomed peer is gone, so the survivor gets it.
    within("END", push.send("END")).await.unwrap();
    let seen = within("survivor", check).await;
    assert!(seen > 0);
    eprintln!("s08: {messages} sent, survivor received {seen} whole messages");
}

every_rt_test!(
    s08_peer_dies_mid_multipart_tcp,
    |_| peer_dies_mid_multipart::<H>(Transport::Tcp, size(1_000, 20_000) as u64)
);

// ---- 9. select! cancel storm ----------------------------------------------------------------

/// `select!` between a recv and a yield, over many messages: nothing lost. CI: 50,000;
/// full: 1M.
async fn select_storm<H: Harness>(transport: Transport, messages: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    let endpoint = common::async_rt::bind(&endpoints, &pull, transport);
    let mut push = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    push.get_ref().connect(&endpoint).unwrap();
    let producer = H::spawn(async move {
        for n in 0..messages {
            push.send_multipart([seq_frame(n), seq_frame(n)])
                .await
                .unwrap();
        }
        push
    });
    let mut count = 0u64;
    let mut cancelled = 0u64;
    let mut rng = Rng::new(9);
    while count < messages {
        tokio::select! {
            res = pull.recv_multipart() => {
                let parts = res.unwrap();
                assert_eq!(seq_of(&parts[0]), count);
                assert_eq!(seq_of(&parts[1]), count);
                count += 1;
            }
            _ = async {
                if rng.below(2) == 0 {
                    H::yield_now().await
                } else {
                    H::sleep(Duration::ZERO).await
                }
            } => cancelled += 1,
        }
    }
    within("producer", producer).await;
    assert_eq!(pull.parked_wakers(), 0);
    eprintln!("s09: {count} received, {cancelled} receives cancelled by select!");
}

every_rt_test!(s09_select_cancel_storm_tcp, |_| select_storm::<H>(
    Transport::Tcp,
    size(50_000, 1_000_000) as u64
));

// ---- 10. REQ timeout, then reuse ------------------------------------------------------------

/// With `REQ_RELAXED` + `REQ_CORRELATE`, requests that timed out leave no trace: later
/// requests get their own replies. Without them, the next send fails with `EFSM`.
async fn req_timeout_then_reuse<H: Harness>(transport: Transport) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut rep = socket_on::<H::Rt>(&ctx, zmq::REP);
    let endpoint = common::async_rt::bind(&endpoints, &rep, transport);
    let server = H::spawn(async move {
        let mut rng = Rng::new(10);
        loop {
            let Ok(msg) = rep.recv_msg().await else {
                return None;
            };
            if &msg[..] == b"STOP" {
                rep.send("STOPPED").await.unwrap();
                // Closed now, with linger 0, it could discard the reply (tcp).
                return Some(rep);
            }
            H::sleep(Duration::from_millis(rng.below(20))).await;
            rep.send(msg).await.unwrap();
        }
    });
    let mut req = socket_on::<H::Rt>(&ctx, zmq::REQ);
    req.get_ref().set_req_relaxed(true).unwrap();
    req.get_ref().set_req_correlate(true).unwrap();
    req.get_ref().connect(&endpoint).unwrap();
    let mut timeouts = 0;
    for n in 0..40u64 {
        let round = any_timeout(Duration::from_millis(5), async {
            req.send(seq_frame(n)).await.unwrap();
            req.recv_bytes().await.unwrap()
        })
        .await;
        match round {
            Some(reply) => assert_eq!(seq_of(&reply), n, "a reply to another request"),
            None => timeouts += 1,
        }
    }
    for n in 1000..1010u64 {
        let reply = within(format!("request {n}"), async {
            req.send(seq_frame(n)).await.unwrap();
            req.recv_bytes().await.unwrap()
        })
        .await;
        assert_eq!(
            seq_of(&reply),
            n,
            "request {n} got a reply to an earlier request"
        );
    }
    within("stop", req.send("STOP")).await.unwrap();
    assert_eq!(
        within("stopped", req.recv_bytes()).await.unwrap(),
        b"STOPPED"
    );
    within("server", server).await.unwrap();
    eprintln!("s10: {timeouts} of 40 requests timed out; 10 later requests got their own replies");

    // A plain REQ: after a timed-out receive, sending again is EFSM, never a hang.
    let mut plain = socket_on::<H::Rt>(&ctx, zmq::REQ);
    plain.get_ref().connect(&endpoints.inproc()).unwrap();
    let _silent = ctx.socket(zmq::REP).unwrap();
    plain.get_ref().set_rcvtimeo(10).unwrap();
    plain.send("x").await.unwrap_or(());
    let _ = plain.recv_bytes().await;
    let again = plain.send("y").await;
    assert!(
        matches!(again, Err(zmq::Error::EFSM) | Err(zmq::Error::EAGAIN)),
        "{again:?}"
    );
}

every_rt_test!(
    s10_req_timeout_then_reuse_tcp,
    |_| req_timeout_then_reuse::<H>(Transport::Tcp)
);

// ---- 11. POLLOUT hint without progress -----------------------------------------------------

/// ROUTER_MANDATORY: the stalled peer's pipe is full, the healthy peer has room, so
/// ZMQ_EVENTS says POLLOUT while the send to the stalled peer gets EAGAIN (F7). The parked
/// send must not spin: a counting waker sees a bounded number of wakes.
async fn pollout_hint_no_spin<H: Harness>() {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let endpoint = endpoints.inproc();
    let mut router = socket_on::<H::Rt>(&ctx, zmq::ROUTER);
    router.get_ref().set_router_mandatory(true).unwrap();
    router.get_ref().set_sndhwm(1).unwrap();
    router.get_ref().bind(&endpoint).unwrap();
    let stalled = common::socket(&ctx, zmq::DEALER);
    stalled.set_identity(b"stalled").unwrap();
    stalled.set_rcvhwm(1).unwrap();
    stalled.connect(&endpoint).unwrap();
    let healthy = common::socket(&ctx, zmq::DEALER);
    healthy.set_identity(b"healthy").unwrap();
    healthy.connect(&endpoint).unwrap();
    // Both peers are known once their hello reached the router.
    for peer in [&stalled, &healthy] {
        peer.send("hi", 0).unwrap();
    }
    for _ in 0..2 {
        within("hello", router.recv_multipart()).await.unwrap();
    }
    // Fill the stalled peer's pipe.
    let mut queued = 0;
    loop {
        match router.try_send([&b"stalled"[..], b"fill"]) {
            Ok(()) => queued += 1,
            Err(err) if err.is_full() => break,
            Err(err) => panic!("{err}"),
        }
        assert!(queued < 10_000, "the stalled pipe never filled");
    }
    assert!(
        router.events().unwrap().contains(zmq::POLLOUT),
        "POLLOUT hint for the healthy peer"
    );
    let (counter, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    {
        let mut send = pin!(router.send_multipart([&b"stalled"[..], b"blocked"]));
        let mut polls = 0;
        for _ in 0..50 {
            if send.as_mut().poll(&mut cx).is_ready() {
                panic!("the send to a full peer completed");
            }
            polls += 1;
            H::sleep(Duration::from_millis(4)).await;
        }
        assert_eq!(polls, 50);
    }
    assert!(
        counter.wakes() <= 5,
        "the parked send was woken {} times with no progress",
        counter.wakes()
    );
    // Healthy traffic still flows.
    within(
        "healthy send",
        router.send_multipart([&b"healthy"[..], b"ok"]),
    )
    .await
    .unwrap();
    assert_eq!(healthy.recv_bytes(0).unwrap(), b"ok");
    eprintln!(
        "s11: {queued} queued to the stalled peer; parked send woken {} times",
        counter.wakes()
    );
}

every_rt_test!(
    s11_pollout_hint_without_progress,
    |_| pollout_hint_no_spin::<H>()
);

// ---- 12. Idle quietness ---------------------------------------------------------------------

/// Parked sockets with no traffic: no busy wakeups, and a message still wakes the reader.
///
/// Each socket has a waker of its own, and a socket whose waker fires is polled again, as
/// an executor would poll a woken task: it must find nothing and park again. async-io may
/// report once more an edge that the socket consumed before it parked (its level-triggered
/// interest is re-armed while the fd is still readable, and the report lands after the
/// park: legal, a spurious wake), so up to two such wakes per socket are allowed; a socket
/// that keeps waking is a busy wake and fails. (The earlier version shared one waker and
/// never polled a woken socket again, so such a late wake left the reader unregistered
/// and the test waited in vain for the wake of its message: the one-off CI failure.)
async fn idle_quiet<H: Harness>(transport: Transport) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    let endpoint = common::async_rt::bind(&endpoints, &pull, transport);
    let push = common::socket(&ctx, zmq::PUSH);
    push.connect(&endpoint).unwrap();
    let mut dealer = socket_on::<H::Rt>(&ctx, zmq::DEALER);
    dealer.get_ref().bind(&endpoints.inproc()).unwrap();
    // Let the connection settle (its handshake legitimately wakes the reader).
    push.send("warm-up", 0).unwrap();
    assert_eq!(
        within("warm-up", pull.recv_bytes()).await.unwrap(),
        b"warm-up"
    );

    let (pull_counter, pull_waker) = counting_waker();
    let (send_counter, send_waker) = counting_waker();
    let mut pull_cx = Context::from_waker(&pull_waker);
    let mut send_cx = Context::from_waker(&send_waker);
    // Each socket's count is read as soon as it has parked: any wake after that is one
    // its task must be polled again for.
    let mut pull_seen = poll_until_parked(&pull_counter, || pull.poll_recv(&mut pull_cx));
    let mut send = pin!(dealer.send("nobody")); // no peer: parks on POLLOUT
    let mut send_seen = poll_until_parked(&send_counter, || send.as_mut().poll(&mut send_cx));

    // 300 ms idle, re-polling whichever socket was woken.
    const SPURIOUS_LIMIT: usize = 2;
    let (mut pull_spurious, mut send_spurious) = (0, 0);
    for _ in 0..30 {
        H::sleep(Duration::from_millis(10)).await;
        if pull_counter.wakes() != pull_seen {
            pull_spurious += 1;
            pull_seen = poll_until_parked(&pull_counter, || pull.poll_recv(&mut pull_cx));
        }
        if send_counter.wakes() != send_seen {
            send_spurious += 1;
            send_seen = poll_until_parked(&send_counter, || send.as_mut().poll(&mut send_cx));
        }
    }
    if pull_spurious + send_spurious > 0 {
        eprintln!(
            "s12 ({}): spurious wakes while idle: reader {pull_spurious}, sender {send_spurious}",
            H::NAME
        );
    }
    assert!(
        pull_spurious <= SPURIOUS_LIMIT && send_spurious <= SPURIOUS_LIMIT,
        "idle sockets kept waking their tasks: reader {pull_spurious}, sender {send_spurious}"
    );

    push.send("wake", 0).unwrap();
    let woken = any_timeout(common::async_rt::STEP_LIMIT, async {
        while pull_counter.wakes() == pull_seen {
            H::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    if woken.is_none() {
        // Say where the wake was lost: still parked in our slot, or not; the fd readable
        // (libzmq signalled, the reactor did not report it) or not; the message in libzmq.
        let (slot, registered) = (pull.parked_wakers(), pull.is_registered());
        let fd = pull.get_ref().get_fd().unwrap();
        let mut pollfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no timeout; the fd is the open socket's.
        let readable = unsafe { libc::poll(&mut pollfd, 1, 0) } == 1;
        panic!(
            "{}: the parked reader was not woken by a message within {:?}: {slot} waiter(s) \
             parked on the socket, fd registered {registered}, fd readable {readable}, \
             ZMQ_EVENTS {:?}",
            H::NAME,
            common::async_rt::STEP_LIMIT,
            pull.events()
        );
    }
    // And the woken reader gets the message.
    let parts = match pull.poll_recv(&mut pull_cx) {
        Poll::Ready(parts) => parts.unwrap(),
        Poll::Pending => within("the woken receive", pull.recv_multipart())
            .await
            .unwrap()
            .into_iter()
            .map(zmq::Message::from)
            .collect(),
    };
    assert_eq!(parts.len(), 1);
    assert_eq!(&parts[0][..], b"wake");
}

every_rt_test!(s12_idle_quietness_tcp, |_| idle_quiet::<H>(Transport::Tcp));

// ---- 13. Fairness ---------------------------------------------------------------------------

/// A task drains a socket whose messages are all queued (never Pending); another task
/// counts `yield_now` loops. The drain must give the runtime back its thread now and then
/// (coop budget): its future is polled more than once. On a current-thread runtime that is
/// also what lets the counter advance before the flood ends; on a multi-thread runtime the
/// counter runs on another worker whenever the OS schedules it, so it is only reported.
async fn fairness<H: Harness>(flavor: Flavor, transport: Transport, messages: u64) {
    let ctx = zmq::Context::new();
    let endpoints = Endpoints::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    pull.get_ref().set_rcvhwm(0).unwrap();
    let endpoint = common::async_rt::bind(&endpoints, &pull, transport);
    let push = common::socket(&ctx, zmq::PUSH);
    push.set_sndhwm(0).unwrap();
    push.connect(&endpoint).unwrap();
    for n in 0..messages {
        push.send(seq_frame(n).to_vec(), 0).unwrap();
    }
    // Wait until the first message is in, then the rest is queued or arriving.
    let first = within("first", pull.next()).await.unwrap().unwrap();
    assert_eq!(seq_of(&first[0]), 0);
    let counter = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = H::spawn({
        let (counter, stop) = (counter.clone(), stop.clone());
        async move {
            while !stop.load(Ordering::SeqCst) {
                counter.fetch_add(1, Ordering::SeqCst);
                H::yield_now().await;
            }
        }
    });
    let drain = async {
        let mut n = 1;
        while n < messages {
            let parts = pull.next().await.unwrap().unwrap();
            assert_eq!(seq_of(&parts[0]), n);
            n += 1;
        }
    };
    let mut drain = pin!(drain);
    let mut polls = 0u64;
    std::future::poll_fn(|cx| {
        polls += 1;
        drain.as_mut().poll(cx)
    })
    .await;
    let ticks = counter.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    within("ticker", ticker).await;
    assert!(
        polls > 1,
        "the drain of {messages} queued messages never gave its thread back"
    );
    if matches!(flavor, Flavor::CurrentThread) {
        assert!(
            ticks > 0,
            "the other task never ran while the flood was drained"
        );
    }
    eprintln!(
        "s13: drain polled {polls} times; ticker advanced {ticks} times during a {messages}-message drain"
    );
}

every_rt_test!(s13_fairness_inproc, |flavor| fairness::<H>(
    flavor,
    Transport::Inproc,
    20_000
));

// ---- 14. inproc, and the monitor as a Stream --------------------------------------------------

every_rt_test!(s14_pub_flood_inproc, |_| pub_flood::<H>(
    Transport::Inproc,
    size(1_000, 1_000_000),
    true,
    16
));
every_rt_test!(s14_req_rep_inproc, |_| req_rep::<H>(
    Transport::Inproc,
    size(3_000, 1_000_000) as u64
));
every_rt_test!(s14_idle_wake_after_events_inproc, |_| {
    idle_wake_after_events::<H>(Transport::Inproc)
});
every_rt_test!(s14_ipc_idle_and_split, |_| async {
    idle_wake_after_events::<H>(Transport::Ipc).await;
    split_dealer::<H>(Transport::Inproc, 1_000, 10).await;
});

/// A monitor consumed as a Stream during connect/disconnect churn; idle, it never wakes.
async fn monitor_stream_churn<H: Harness>() {
    use zmq::monitor::{Event, Events};
    let ctx = zmq::Context::new();
    let server = common::socket(&ctx, zmq::ROUTER);
    let endpoint = common::bind_tcp(&server);
    let client = common::socket(&ctx, zmq::DEALER);
    let mut monitor = zmq::rt::MonitorStream::<H::Rt>::new(&client, Events::ALL).unwrap();
    let rounds = 10;
    let mut connected = 0;
    for _ in 0..rounds {
        client.connect(&endpoint).unwrap();
        loop {
            let event = within("CONNECTED", monitor.next()).await.unwrap().unwrap();
            assert_eq!(event.endpoint, endpoint);
            if let Event::Connected { .. } = event.event {
                connected += 1;
                break;
            }
        }
        client.disconnect(&endpoint).unwrap();
    }
    assert_eq!(connected, rounds);
    // Drain what the churn left, then stay idle: no wakeups.
    while let Some(Some(Ok(_))) = any_timeout(Duration::from_millis(100), monitor.next()).await {}
    let (counter, waker) = counting_waker();
    let mut cx = Context::from_waker(&waker);
    poll_until_parked(&counter, || monitor.poll_next_unpin(&mut cx));
    let parked = counter.wakes();
    H::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        counter.wakes(),
        parked,
        "an idle monitor stream woke its task"
    );
    client.stop_monitor().unwrap();
    loop {
        match within("MONITOR_STOPPED", monitor.next()).await {
            Some(Ok(event)) if event.event == Event::MonitorStopped => break,
            Some(Ok(_)) => continue,
            other => panic!("unexpected end: {other:?}"),
        }
    }
    assert!(
        monitor.next().await.is_none(),
        "the stream ends after MONITOR_STOPPED"
    );
}

every_rt_test!(s14_monitor_stream_churn, |_| monitor_stream_churn::<H>());

// ---- 15. Drop inside the runtime -------------------------------------------------------------

/// A PUSH with unsent messages, no peer and the default (infinite) linger, dropped with the
/// last Context handle inside a task: the runtime stays responsive (rust-zmq #382). A peer
/// bound afterwards on the port the PUSH connects to lets the termination finish (tokio's
/// runtime waits for its blocking pool, where the termination runs, when it shuts down;
/// async-io's termination thread is joined at exit).
async fn drop_inside_runtime<H: Harness>() {
    let endpoint = format!("tcp://127.0.0.1:{}", common::free_tcp_port());
    let ticks = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = H::spawn({
        let (ticks, stop) = (ticks.clone(), stop.clone());
        async move {
            while !stop.load(Ordering::SeqCst) {
                ticks.fetch_add(1, Ordering::SeqCst);
                H::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    let dropper = H::spawn({
        let endpoint = endpoint.clone();
        async move {
            let ctx = zmq::Context::new();
            let mut push =
                zmq::rt::AsyncSocket::<H::Rt>::new(ctx.socket(zmq::PUSH).unwrap()).unwrap();
            assert_eq!(push.get_ref().get_linger().unwrap(), -1);
            push.get_ref().connect(&endpoint).unwrap();
            for n in 0..3u64 {
                push.send(seq_frame(n)).await.unwrap();
            }
            drop(ctx);
            drop(push); // the last handle: zmq_ctx_term must not run here
        }
    });
    within("the drop", dropper).await;
    let before = ticks.load(Ordering::SeqCst);
    within("ticker advancing", async {
        while ticks.load(Ordering::SeqCst) < before + 20 {
            H::sleep(Duration::from_millis(1)).await;
        }
    })
    .await;
    stop.store(true, Ordering::SeqCst);
    within("ticker", ticker).await;
    // Let the blocked termination finish: a peer appears where the PUSH connects (sync
    // receives with RCVTIMEO, on this thread: nothing else needs to run now).
    let peer_ctx = zmq::Context::new();
    let pull = common::socket(&peer_ctx, zmq::PULL);
    pull.bind(&endpoint).unwrap();
    for n in 0..3u64 {
        assert_eq!(
            seq_of(&pull.recv_bytes(0).unwrap()),
            n,
            "the linger delivered the message"
        );
    }
}

every_rt_test!(s15_drop_inside_runtime, |_| drop_inside_runtime::<H>());

// ---- 16. Send futures (compile-time) ------------------------------------------------------------

#[allow(dead_code)]
fn s16_futures_are_send<R: zmq::rt::Runtime>(
    socket: &mut zmq::rt::AsyncSocket<R>,
    recv: &mut zmq::rt::RecvHalf<R>,
    send: &mut zmq::rt::SendHalf<R>,
) {
    fn assert_send<T: Send>(_: T) {}
    assert_send(socket.recv_msg());
    assert_send(socket.recv_bytes());
    assert_send(socket.recv_string());
    assert_send(socket.recv_multipart());
    assert_send(socket.recv_multipart_msgs());
    assert_send(socket.send("x"));
    assert_send(socket.send_multipart(["a", "b"]));
    assert_send(recv.recv_multipart());
    assert_send(recv.recv_msg());
    assert_send(send.send(zmq::Message::from("m")));
    assert_send(send.send_multipart(vec![vec![1u8]]));
    fn assert_send_type<T: Send>() {}
    assert_send_type::<zmq::rt::AsyncSocket<R>>();
    assert_send_type::<zmq::rt::RecvHalf<R>>();
    assert_send_type::<zmq::rt::SendHalf<R>>();
    assert_send_type::<zmq::rt::MonitorStream<R>>();
}

async fn spawned_tasks_own_sockets<H: Harness>() {
    let ctx = zmq::Context::new();
    let mut a = socket_on::<H::Rt>(&ctx, zmq::PAIR);
    a.get_ref().bind(&Endpoints::new().inproc()).unwrap();
    let endpoint = a.get_ref().get_last_endpoint().unwrap().unwrap();
    let mut b = socket_on::<H::Rt>(&ctx, zmq::PAIR);
    b.get_ref().connect(&endpoint).unwrap();
    // Both runtimes' spawn require Send futures: these compile only because they are.
    let t = H::spawn(async move { b.recv_string().await.unwrap().unwrap() });
    within(
        "sender",
        H::spawn(async move { a.send("moved").await.unwrap() }),
    )
    .await;
    assert_eq!(within("spawned", t).await, "moved");
}

every_rt_test!(
    s16_spawned_tasks_own_sockets,
    |_| spawned_tasks_own_sockets::<H>()
);
