//! The async adapters (`zmq::rt::tokio::AsyncSocket`, and with feature `async-io`
//! `zmq::rt::async_io::AsyncSocket` under smol's executor) against pyzmq's asyncio sockets
//! (`zmq.asyncio`) in separate processes, every row on both: REQ/REP, DEALER/ROUTER and PUB/SUB in both
//! directions, and scenarios 1, 2 and 6 of docs/design/async.md (§5, scenario 18):
//!
//! - 1, a PUB flood: an XPUB waits for every subscription (no slow joiner), then sends
//!   sequence-numbered messages with no high-water mark; every subscriber gets them all,
//!   in order, with no gap;
//! - 2, REQ/REP ping-pong: every round trip completes and is checked;
//! - 6, receive futures dropped mid-multipart: a Python PUSH sends 3-part messages
//!   tagged `id:k:3`; the Rust receiver polls a `recv` once and drops it, or gives it a
//!   tiny timeout, or really waits, in turn; every message arrives whole, in order,
//!   with no id missing.
//!
//! Runtimes alternate between current-thread and a 2-worker multi-thread runtime. The
//! counts are bounded for CI; `ZMQ_STRESS=1` runs the full ones of docs/design/async.md
//! (1,000,000 ping-pong rounds, 1,000,000 flood messages, 100,000 multipart messages).

#![cfg(all(feature = "tokio", unix))]

use crate::common;

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::Transport::{self, Ipc, Tcp};
#[cfg(feature = "async-io")]
use common::async_rt::AsyncIoRt;
use common::async_rt::{Flavor, Harness, TokioRt, any_timeout};
use common::interop::{BYE, END, STOP, figure, hex, python_bind_endpoint};
use common::pypeer::{LINE_WAIT, Peer, fields};
use zmq::rt::{AsyncSocket, Runtime};

fn stress() -> bool {
    std::env::var_os("ZMQ_STRESS").is_some_and(|v| v == "1")
}

/// The hang detector of a test: generous, and longer for the stress counts.
fn watchdog_limit() -> Duration {
    Duration::from_secs(if stress() { 1800 } else { 240 })
}

/// Ping-pong rounds (scenario 2): 4,000 in CI (each parks both sides, and pyzmq's
/// asyncio makes a round trip cost ~0.3 ms of CPU), a million under `ZMQ_STRESS=1`.
fn rounds() -> usize {
    if stress() { 1_000_000 } else { 4_000 }
}

/// Messages of a flood (scenario 1).
fn flood() -> usize {
    if stress() { 1_000_000 } else { 20_000 }
}

/// 3-part messages of scenario 6.
fn multipart_messages() -> usize {
    if stress() { 100_000 } else { 30_000 }
}

/// The flavour a transport's cell runs on, so both flavours are covered.
fn flavor_for(transport: Transport) -> Flavor {
    match transport {
        Transport::Tcp => Flavor::CurrentThread,
        _ => Flavor::MultiThread,
    }
}

/// An async socket of `kind`, set up by `setup` before it binds or connects.
fn async_socket<R: Runtime>(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
    setup: impl FnOnce(&zmq::Socket),
) -> AsyncSocket<R> {
    let socket = common::socket(ctx, kind);
    setup(&socket);
    AsyncSocket::new(socket).expect("async socket")
}

/// Receives one message, checking every 100 ms (by dropping the receive future, which
/// is cancel safe) that the peers are alive; panics after [`LINE_WAIT`] of silence.
async fn recv<R: Runtime>(socket: &mut AsyncSocket<R>, peers: &[&Peer]) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + LINE_WAIT;
    loop {
        match any_timeout(Duration::from_millis(100), socket.recv_multipart()).await {
            Some(result) => return result.expect("recv"),
            None => {
                for peer in peers {
                    peer.check_alive();
                }
                if Instant::now() >= deadline {
                    let peers: Vec<String> = peers.iter().map(|peer| peer.diagnostics()).collect();
                    panic!(
                        "nothing received within {LINE_WAIT:?}\n{}",
                        peers.join("\n")
                    );
                }
            }
        }
    }
}

/// Sends one message, bounded by [`LINE_WAIT`].
async fn send<R: Runtime>(socket: &mut AsyncSocket<R>, frames: Vec<Vec<u8>>) {
    any_timeout(LINE_WAIT, socket.send_multipart(frames))
        .await
        .expect("send did not complete")
        .expect("send");
}

/// Message `i` of a ping-pong (`aio_client.py` sends the same).
fn round_message(i: usize) -> Vec<Vec<u8>> {
    vec![i.to_string().into_bytes(), Vec::new(), b"\xff\x00".to_vec()]
}

// ---- REQ/REP ping-pong (scenario 2) ---------------------------------------------------

fn req_rep_rust_req<H: Harness>(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(watchdog_limit());
    let endpoints = common::Endpoints::new();
    let server = Peer::python(
        "aio_echo.py",
        &[
            "--type",
            "REP",
            "--bind",
            &python_bind_endpoint(transport, &endpoints),
        ],
    );
    let endpoint = server.endpoint();
    server.expect("READY");
    let n = rounds();
    H::block_on(flavor_for(transport), async {
        let ctx = common::ctx();
        let mut req = async_socket::<H::Rt>(&ctx, zmq::REQ, |_| {});
        req.get_ref().connect(&endpoint).unwrap();
        for i in 0..n {
            send(&mut req, round_message(i)).await;
            let reply = recv(&mut req, &[&server]).await;
            assert_eq!(reply, round_message(i), "round {i}");
        }
        send(&mut req, vec![STOP.to_vec()]).await;
        assert_eq!(recv(&mut req, &[&server]).await, [BYE.to_vec()]);
    });
    let done = fields(&server.expect("DONE"));
    server.finish();
    assert_eq!(done["echoed"], n.to_string());
    figure(cell, 2 * n);
}

fn req_rep_rust_rep<H: Harness>(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(watchdog_limit());
    let endpoints = common::Endpoints::new();
    let n = rounds();
    H::block_on(flavor_for(transport), async {
        let ctx = common::ctx();
        let mut rep = async_socket::<H::Rt>(&ctx, zmq::REP, |_| {});
        let endpoint = endpoints.bind(rep.get_ref(), transport);
        let client = Peer::python(
            "aio_client.py",
            &[
                "--type",
                "REQ",
                "--connect",
                &endpoint,
                "--rounds",
                &n.to_string(),
            ],
        );
        client.expect("READY");
        let mut echoed = 0;
        loop {
            let request = recv(&mut rep, &[&client]).await;
            if request == [STOP.to_vec()] {
                send(&mut rep, vec![BYE.to_vec()]).await;
                break;
            }
            assert_eq!(request, round_message(echoed), "round {echoed}");
            send(&mut rep, request).await;
            echoed += 1;
        }
        assert_eq!(echoed, n);
        let done = fields(&client.expect("DONE"));
        client.finish();
        assert_eq!(done["rounds"], n.to_string());
    });
    figure(cell, 2 * n);
}

#[test]
fn async_req_rep_rust_req_tcp() {
    req_rep_rust_req::<TokioRt>("async/req_rep/tcp/python-binds", Tcp);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_req_rep_rust_req_tcp() {
    req_rep_rust_req::<AsyncIoRt>("async-io/req_rep/tcp/python-binds", Tcp);
}

#[test]
fn async_req_rep_rust_req_ipc() {
    req_rep_rust_req::<TokioRt>("async/req_rep/ipc/python-binds", Ipc);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_req_rep_rust_req_ipc() {
    req_rep_rust_req::<AsyncIoRt>("async-io/req_rep/ipc/python-binds", Ipc);
}

#[test]
fn async_req_rep_rust_rep_tcp() {
    req_rep_rust_rep::<TokioRt>("async/req_rep/tcp/rust-binds", Tcp);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_req_rep_rust_rep_tcp() {
    req_rep_rust_rep::<AsyncIoRt>("async-io/req_rep/tcp/rust-binds", Tcp);
}

#[test]
fn async_req_rep_rust_rep_ipc() {
    req_rep_rust_rep::<TokioRt>("async/req_rep/ipc/rust-binds", Ipc);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_req_rep_rust_rep_ipc() {
    req_rep_rust_rep::<AsyncIoRt>("async-io/req_rep/ipc/rust-binds", Ipc);
}

// ---- DEALER/ROUTER ------------------------------------------------------------------

const DEALER_ROUNDS: usize = 5_000;
const WINDOW: usize = 100;

fn dealer_ids() -> [Vec<u8>; 2] {
    [b"async-a".to_vec(), b"\xffasync-b".to_vec()]
}

fn dealer_router_rust_dealers<H: Harness>(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(watchdog_limit());
    let endpoints = common::Endpoints::new();
    let router = Peer::python(
        "aio_echo.py",
        &[
            "--type",
            "ROUTER",
            "--clients",
            "2",
            "--bind",
            &python_bind_endpoint(transport, &endpoints),
        ],
    );
    let endpoint = router.endpoint();
    router.expect("READY");
    let router_ref = &router;
    H::block_on(flavor_for(transport), async {
        let ctx = common::ctx();
        let dealers = dealer_ids().map(|id| {
            let mut dealer =
                async_socket::<H::Rt>(&ctx, zmq::DEALER, |s| s.set_identity(&id).unwrap());
            dealer.get_ref().connect(&endpoint).unwrap();
            async move {
                let mut done = 0;
                while done < DEALER_ROUNDS {
                    let batch = done..(done + WINDOW).min(DEALER_ROUNDS);
                    for i in batch.clone() {
                        send(&mut dealer, round_message(i)).await;
                    }
                    for i in batch.clone() {
                        let reply = recv(&mut dealer, &[router_ref]).await;
                        assert_eq!(reply, round_message(i), "round {i}");
                    }
                    done = batch.end;
                }
                send(&mut dealer, vec![STOP.to_vec()]).await;
                let bye = recv(&mut dealer, &[router_ref]).await;
                assert_eq!(bye, [BYE.to_vec(), id], "the ROUTER routed by our id");
            }
        });
        let [a, b] = dealers;
        tokio::join!(a, b);
    });
    let done = fields(&router.expect("DONE"));
    router.finish();
    assert_eq!(done["echoed"], (2 * DEALER_ROUNDS).to_string());
    let mut ids: Vec<String> = dealer_ids().iter().map(|id| hex(id)).collect();
    ids.sort();
    assert_eq!(done["ids"], ids.join(","));
    figure(cell, 2 * 2 * DEALER_ROUNDS);
}

fn dealer_router_rust_router<H: Harness>(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(watchdog_limit());
    let endpoints = common::Endpoints::new();
    H::block_on(flavor_for(transport), async {
        let ctx = common::ctx();
        let mut router =
            async_socket::<H::Rt>(&ctx, zmq::ROUTER, |s| s.set_router_mandatory(true).unwrap());
        let endpoint = endpoints.bind(router.get_ref(), transport);
        let dealers: Vec<Peer> = dealer_ids()
            .iter()
            .map(|id| {
                Peer::python(
                    "aio_client.py",
                    &[
                        "--type",
                        "DEALER",
                        "--connect",
                        &endpoint,
                        "--identity-hex",
                        &hex(id),
                        "--rounds",
                        &DEALER_ROUNDS.to_string(),
                        "--window",
                        &WINDOW.to_string(),
                    ],
                )
            })
            .collect();
        for dealer in &dealers {
            dealer.expect("READY");
        }
        let peers: Vec<&Peer> = dealers.iter().collect();
        let mut echoed = std::collections::BTreeMap::<Vec<u8>, usize>::new();
        let mut stopped = 0;
        while stopped < dealers.len() {
            let frames = recv(&mut router, &peers).await;
            let id = frames[0].clone();
            if frames[1..] == [STOP.to_vec()] {
                send(&mut router, vec![id.clone(), BYE.to_vec(), id]).await;
                stopped += 1;
                continue;
            }
            let count = echoed.entry(id).or_default();
            assert_eq!(frames[1..], round_message(*count), "round {count}");
            *count += 1;
            send(&mut router, frames).await;
        }
        let expected: std::collections::BTreeMap<Vec<u8>, usize> = dealer_ids()
            .into_iter()
            .map(|id| (id, DEALER_ROUNDS))
            .collect();
        assert_eq!(echoed, expected, "rounds per routing id");
        for dealer in dealers {
            dealer.expect("DONE");
            dealer.finish();
        }
    });
    figure(cell, 2 * 2 * DEALER_ROUNDS);
}

#[test]
fn async_dealer_router_rust_dealers_tcp() {
    dealer_router_rust_dealers::<TokioRt>("async/dealer_router/tcp/python-binds", Tcp);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_dealer_router_rust_dealers_tcp() {
    dealer_router_rust_dealers::<AsyncIoRt>("async-io/dealer_router/tcp/python-binds", Tcp);
}

#[test]
fn async_dealer_router_rust_dealers_ipc() {
    dealer_router_rust_dealers::<TokioRt>("async/dealer_router/ipc/python-binds", Ipc);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_dealer_router_rust_dealers_ipc() {
    dealer_router_rust_dealers::<AsyncIoRt>("async-io/dealer_router/ipc/python-binds", Ipc);
}

#[test]
fn async_dealer_router_rust_router_tcp() {
    dealer_router_rust_router::<TokioRt>("async/dealer_router/tcp/rust-binds", Tcp);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_dealer_router_rust_router_tcp() {
    dealer_router_rust_router::<AsyncIoRt>("async-io/dealer_router/tcp/rust-binds", Tcp);
}

#[test]
fn async_dealer_router_rust_router_ipc() {
    dealer_router_rust_router::<TokioRt>("async/dealer_router/ipc/rust-binds", Ipc);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_dealer_router_rust_router_ipc() {
    dealer_router_rust_router::<AsyncIoRt>("async-io/dealer_router/ipc/rust-binds", Ipc);
}

// ---- PUB flood (scenario 1) -----------------------------------------------------------

/// Python SUB tasks of a flood from Rust.
const PYTHON_SUBSCRIBERS: usize = 4;
/// Rust SUB tasks of a flood from Python.
const RUST_SUBSCRIBERS: usize = 16;

fn flood_rust_xpub<H: Harness>(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(watchdog_limit());
    let endpoints = common::Endpoints::new();
    let n = flood();
    H::block_on(flavor_for(transport), async {
        let ctx = common::ctx();
        let mut xpub = async_socket::<H::Rt>(&ctx, zmq::XPUB, |s| {
            s.set_sndhwm(0).unwrap();
            s.set_xpub_verbose(true).unwrap();
        });
        let endpoint = endpoints.bind(xpub.get_ref(), transport);
        let subscribers = Peer::python(
            "aio_subscribers.py",
            &[
                "--connect",
                &endpoint,
                "--subscribers",
                &PYTHON_SUBSCRIBERS.to_string(),
                "--messages",
                &n.to_string(),
            ],
        );
        subscribers.expect("READY");
        // Every subscription arrives before the first message: no slow joiner.
        let mut subscribed = 0;
        while subscribed < PYTHON_SUBSCRIBERS {
            let frame = recv(&mut xpub, &[&subscribers]).await;
            if frame[0].first() == Some(&1) {
                subscribed += 1;
            }
        }
        for seq in 0..n {
            send(
                &mut xpub,
                vec![b"seq".to_vec(), seq.to_string().into_bytes()],
            )
            .await;
        }
        send(&mut xpub, vec![END.to_vec()]).await;
        // The subscribers may still be working through their queues.
        let done = fields(&subscribers.expect_within("DONE", watchdog_limit()));
        subscribers.finish();
        for i in 0..PYTHON_SUBSCRIBERS {
            assert_eq!(done[&format!("s{i}")], n.to_string());
        }
    });
    figure(cell, n * (1 + PYTHON_SUBSCRIBERS));
}

fn flood_python_xpub<H: Harness>(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(watchdog_limit());
    let endpoints = common::Endpoints::new();
    let n = flood();
    let publisher = Peer::python(
        "aio_publisher.py",
        &[
            "--bind",
            &python_bind_endpoint(transport, &endpoints),
            "--subscribers",
            &RUST_SUBSCRIBERS.to_string(),
            "--messages",
            &n.to_string(),
        ],
    );
    let endpoint = publisher.endpoint();
    publisher.expect("READY");
    let publisher_ref = &publisher;
    H::block_on(flavor_for(transport), async {
        let ctx = common::ctx();
        let tasks = (0..RUST_SUBSCRIBERS).map(|index| {
            let mut sub = async_socket::<H::Rt>(&ctx, zmq::SUB, |s| {
                s.set_rcvhwm(0).unwrap();
                s.set_subscribe(b"").unwrap();
            });
            sub.get_ref().connect(&endpoint).unwrap();
            async move {
                let mut expected = 0;
                loop {
                    let frames = recv(&mut sub, &[publisher_ref]).await;
                    if frames == [END.to_vec()] {
                        break;
                    }
                    assert_eq!(
                        frames,
                        [b"seq".to_vec(), expected.to_string().into_bytes()],
                        "subscriber {index}"
                    );
                    expected += 1;
                }
                expected
            }
        });
        let counts = futures::future::join_all(tasks).await;
        assert!(counts.iter().all(|c| *c == n), "{counts:?}");
    });
    assert_eq!(publisher.expect("SUBSCRIBED"), RUST_SUBSCRIBERS.to_string());
    publisher.expect("DONE");
    publisher.finish();
    figure(cell, n * (1 + RUST_SUBSCRIBERS));
}

#[test]
fn async_pub_flood_rust_xpub_tcp() {
    flood_rust_xpub::<TokioRt>("async/pub_sub/tcp/rust-binds", Tcp);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_pub_flood_rust_xpub_tcp() {
    flood_rust_xpub::<AsyncIoRt>("async-io/pub_sub/tcp/rust-binds", Tcp);
}

#[test]
fn async_pub_flood_rust_xpub_ipc() {
    flood_rust_xpub::<TokioRt>("async/pub_sub/ipc/rust-binds", Ipc);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_pub_flood_rust_xpub_ipc() {
    flood_rust_xpub::<AsyncIoRt>("async-io/pub_sub/ipc/rust-binds", Ipc);
}

#[test]
fn async_pub_flood_python_xpub_tcp() {
    flood_python_xpub::<TokioRt>("async/pub_sub/tcp/python-binds", Tcp);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_pub_flood_python_xpub_tcp() {
    flood_python_xpub::<AsyncIoRt>("async-io/pub_sub/tcp/python-binds", Tcp);
}

#[test]
fn async_pub_flood_python_xpub_ipc() {
    flood_python_xpub::<TokioRt>("async/pub_sub/ipc/python-binds", Ipc);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_pub_flood_python_xpub_ipc() {
    flood_python_xpub::<AsyncIoRt>("async-io/pub_sub/ipc/python-binds", Ipc);
}

// ---- Receive futures dropped mid-multipart (scenario 6) ------------------------------

/// A small deterministic generator (the choice of cancellation, and tiny timeouts).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

/// Checks message `expected` of the Python source, or END.
fn check_tagged(frames: &[Vec<u8>], expected: usize) -> bool {
    if frames == [END.to_vec()] {
        return true;
    }
    let want: Vec<Vec<u8>> = (0..3)
        .map(|k| format!("{expected}:{k}:3").into_bytes())
        .collect();
    assert_eq!(frames, want, "message {expected} (whole, in order)");
    false
}

fn dropped_recv_futures<H: Harness>(cell: &str, transport: Transport, rust_binds: bool) {
    let _watchdog = common::watchdog(watchdog_limit());
    let endpoints = common::Endpoints::new();
    let n = multipart_messages();
    let seed = 0x5eed_u64;
    H::block_on(flavor_for(transport), async {
        let ctx = common::ctx();
        let mut pull = async_socket::<H::Rt>(&ctx, zmq::PULL, |_| {});
        let count = n.to_string();
        // The source keeps its connection until we have every message (`--wait-close`):
        // libzmq 4.3.5 drops the tail of an ipc stream whose sender closes while the
        // receiver's pipe is full (libzmq #4660, docs/perf-notes.md), which this test's
        // slow, cancelled receives make likely on a loaded machine.
        let mut source = if rust_binds {
            let endpoint = endpoints.bind(pull.get_ref(), transport);
            Peer::python(
                "aio_multipart_source.py",
                &["--connect", &endpoint, "--messages", &count, "--wait-close"],
            )
        } else {
            let bind = python_bind_endpoint(transport, &endpoints);
            let source = Peer::python(
                "aio_multipart_source.py",
                &["--bind", &bind, "--messages", &count, "--wait-close"],
            );
            pull.get_ref().connect(&source.endpoint()).unwrap();
            source
        };
        source.expect("READY");
        let mut rng = Lcg(seed);
        let (mut expected, mut dropped, mut timed_out) = (0usize, 0usize, 0usize);
        let deadline = Instant::now() + watchdog_limit();
        loop {
            assert!(Instant::now() < deadline, "stalled at message {expected}");
            let frames = match rng.next() % 3 {
                0 => {
                    // Poll once with a waker that does nothing, then drop the future.
                    let waker = futures::task::noop_waker();
                    let mut cx = Context::from_waker(&waker);
                    let mut future = pin!(pull.recv_multipart());
                    match future.as_mut().poll(&mut cx) {
                        Poll::Ready(result) => result.expect("recv"),
                        Poll::Pending => {
                            dropped += 1;
                            continue;
                        }
                    }
                }
                1 => {
                    let tiny = Duration::from_micros(rng.next() % 50);
                    match any_timeout(tiny, pull.recv_multipart()).await {
                        Some(result) => result.expect("recv"),
                        None => {
                            timed_out += 1;
                            source.check_alive();
                            continue;
                        }
                    }
                }
                _ => recv(&mut pull, &[&source]).await,
            };
            if check_tagged(&frames, expected) {
                break;
            }
            expected += 1;
        }
        assert_eq!(expected, n, "every id, none lost to cancellation");
        source.expect("DONE");
        source.send_line("CLOSE");
        source.finish();
        println!(
            "FIGURE interop scenario=6 seed={seed:#x} received={expected}/{n} \
             dropped_polls={dropped} timeouts={timed_out}"
        );
    });
    figure(cell, n);
}

#[test]
fn async_dropped_recv_futures_python_binds_tcp() {
    dropped_recv_futures::<TokioRt>("async/multipart-cancel/tcp/python-binds", Tcp, false);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_dropped_recv_futures_python_binds_tcp() {
    dropped_recv_futures::<AsyncIoRt>("async-io/multipart-cancel/tcp/python-binds", Tcp, false);
}

#[test]
fn async_dropped_recv_futures_rust_binds_ipc() {
    dropped_recv_futures::<TokioRt>("async/multipart-cancel/ipc/rust-binds", Ipc, true);
}

#[test]
#[cfg(feature = "async-io")]
fn async_io_dropped_recv_futures_rust_binds_ipc() {
    dropped_recv_futures::<AsyncIoRt>("async-io/multipart-cancel/ipc/rust-binds", Ipc, true);
}
