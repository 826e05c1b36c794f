//! Shutdown, drop-order and thread scenarios T24–T27 of docs/design/reliability.md.
//!
//! T25 loops 1000 times in CI (it takes well under a second per hundred); T26 runs the
//! upstream 10 iterations x 100 threads. Elapsed times are reported, never asserted:
//! the watchdogs are the hang detectors.

use crate::common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::scenario::*;
use common::{POSITIVE_WAIT, bind_tcp, socket, watchdog};
use zmq::poller::Poller;

/// T24: a thread blocked in recv gets ETERM when another calls `Context::shutdown`; the
/// context terminates once that socket is dropped; new sockets fail with ETERM; a
/// blocked `Poller::poll` and `zmq::poll` get ETERM too.
#[test]
fn t24_eterm_during_blocking_recv() {
    let _dog = watchdog(Duration::from_secs(10));
    let mut ctx = zmq::Context::new();
    let (ready_tx, ready_rx) = mpsc::channel();
    let blocked = |kind: &'static str| {
        let sock = ctx.socket(zmq::PULL).unwrap();
        sock.bind(&format!("inproc://t24-{kind}")).unwrap();
        let ready = ready_tx.clone();
        std::thread::spawn(move || {
            ready.send(()).unwrap();
            let result = match kind {
                "recv" => sock.recv_bytes(0).map(drop),
                "poller" => {
                    let mut poller = Poller::new();
                    poller.add(&sock, zmq::POLLIN);
                    poller.poll(None).map(drop)
                }
                _ => zmq::poll(&mut [sock.as_poll_item(zmq::POLLIN)], -1).map(drop),
            };
            let at = Instant::now();
            drop(sock);
            (result, at)
        })
    };
    let threads: Vec<_> = ["recv", "poller", "poll"]
        .into_iter()
        .map(blocked)
        .collect();
    for _ in 0..3 {
        ready_rx.recv().unwrap();
    }
    // Give the threads time to block (not needed for correctness: a call made after
    // shutdown fails with ETERM as well).
    std::thread::sleep(SETTLE);
    let shutdown_at = Instant::now();
    ctx.shutdown().unwrap();
    let mut worst = Duration::ZERO;
    for thread in threads {
        let (result, at) = thread.join().unwrap();
        assert_eq!(result, Err(zmq::Error::ETERM));
        worst = worst.max(at.duration_since(shutdown_at));
    }
    let new_socket = ctx.socket(zmq::PUSH).map(drop);
    assert_eq!(new_socket, Err(zmq::Error::ETERM));
    let term_start = Instant::now();
    ctx.destroy().unwrap();
    let term_ms = term_start.elapsed().as_millis();
    figure(
        "T24",
        format!(
            "shutdown_to_eterm_ms={} (recv, Poller::poll, zmq::poll; <1000 required) term_ms={term_ms} new_socket_after=ETERM",
            worst.as_millis()
        ),
    );
}

/// T25: no drop order of sockets and contexts hangs: (a) the context handle dropped
/// before its sockets; (b) unsent messages to an unreachable peer with BLOCKY=false (the
/// recommended setting; libzmq's default linger is infinite); (c) termination waits for
/// a live socket and completes once it is dropped; (d) ROUTER/DEALER with linger 0:
/// send, close, terminate. 1000 iterations of (a), (b), (d); 20 of (c).
#[test]
fn t25_drop_order_never_hangs() {
    let _dog = watchdog(Duration::from_secs(60));
    let iterations = 1000;
    let unreachable = format!("tcp://127.0.0.1:{}", common::free_tcp_port());
    let mut max_drop = Duration::ZERO;
    let start = Instant::now();
    for i in 0..iterations {
        // (a) Context first.
        let ctx = zmq::Context::new();
        let sock = ctx.socket(zmq::PUB).unwrap();
        drop(ctx);
        let t = Instant::now();
        drop(sock);
        max_drop = max_drop.max(t.elapsed());

        // (b) Unsent messages, BLOCKY=false: sockets get linger 0.
        let ctx = zmq::Context::new();
        ctx.set_blocky(false).unwrap();
        let sock = ctx.socket(zmq::PUSH).unwrap();
        sock.connect(&unreachable).unwrap();
        sock.send("never delivered", zmq::DONTWAIT).unwrap();
        let t = Instant::now();
        drop(sock);
        drop(ctx);
        max_drop = max_drop.max(t.elapsed());

        // (d) ROUTER/DEALER, linger 0: send, close, terminate.
        let ctx = zmq::Context::new();
        let router = socket(&ctx, zmq::ROUTER);
        let endpoint = format!("inproc://t25-{i}");
        router.bind(&endpoint).unwrap();
        let dealer = socket(&ctx, zmq::DEALER);
        dealer.connect(&endpoint).unwrap();
        dealer.send("hello", zmq::DONTWAIT).unwrap();
        let t = Instant::now();
        drop(dealer);
        drop(router);
        drop(ctx);
        max_drop = max_drop.max(t.elapsed());
    }
    let loop_ms = start.elapsed().as_millis();

    // (c) Termination waits for the live socket, then completes after its drop.
    let mut term_after_close = Duration::ZERO;
    for _ in 0..20 {
        let ctx = zmq::Context::new();
        let sock = socket(&ctx, zmq::DEALER);
        bind_tcp(&sock);
        let (done_tx, done_rx) = mpsc::channel();
        let mut term_ctx = ctx.clone();
        drop(ctx);
        let term = std::thread::spawn(move || {
            term_ctx.destroy().unwrap();
            done_tx.send(Instant::now()).unwrap();
        });
        // The termination must still be waiting for the socket.
        assert!(done_rx.recv_timeout(Duration::from_millis(20)).is_err());
        let closed = Instant::now();
        drop(sock);
        let finished = done_rx
            .recv_timeout(POSITIVE_WAIT)
            .expect("termination hung");
        term.join().unwrap();
        term_after_close = term_after_close.max(finished.duration_since(closed));
    }
    figure(
        "T25",
        format!(
            "iterations={iterations} hangs=0 max_drop_ms={} loop_ms={loop_ms} term_after_close_ms={} (<100 expected; max of 20)",
            max_drop.as_millis(),
            term_after_close.as_millis()
        ),
    );
}

/// T26: 100 threads each create a SUB, connect and close while connecting, against a
/// bound PUB, on a context with 7 I/O threads; 10 iterations.
#[test]
fn t26_shutdown_stress() {
    let _dog = watchdog(Duration::from_secs(60));
    let start = Instant::now();
    for _ in 0..10 {
        let ctx = zmq::Context::new();
        ctx.set_io_threads(7).unwrap();
        let publisher = socket(&ctx, zmq::PUB);
        let endpoint = bind_tcp(&publisher);
        let threads: Vec<_> = (0..100)
            .map(|_| {
                let ctx = ctx.clone();
                let endpoint = endpoint.clone();
                std::thread::spawn(move || {
                    let sub = socket(&ctx, zmq::SUB);
                    sub.connect(&endpoint).unwrap();
                    drop(sub);
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("a thread crashed");
        }
        drop(publisher);
        drop(ctx);
    }
    figure(
        "T26",
        format!(
            "iterations=10 threads=100 io_threads=7 wall_ms={} crashes=0 hangs=0",
            start.elapsed().as_millis()
        ),
    );
}

/// The synchronous compile-fail cases of `src/compile_fail.rs` (its `//! ```compile_fail`
/// blocks, which rustdoc runs as doctests), each with the error code of its
/// `// expect: E....` line.
fn compile_fail_cases() -> Vec<(String, String)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/compile_fail.rs");
    let text = std::fs::read_to_string(path).unwrap();
    let mut cases = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        match current.as_mut() {
            None if doc.starts_with("```compile_fail") => current = Some(String::new()),
            None => {}
            Some(_) if doc == "```" => {
                let source = current.take().unwrap();
                let code = source
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("// expect: "))
                    .and_then(|rest| rest.split_whitespace().next())
                    .unwrap_or_else(|| panic!("no `// expect: E....` line in:\n{source}"))
                    .to_string();
                cases.push((source, code));
            }
            Some(source) => {
                source.push_str(doc);
                source.push('\n');
            }
        }
    }
    cases
}

/// Type-checks `source` against the `zmq` library this test was built with (rustc
/// `--emit=metadata`, without rebuilding libzmq) and checks that it fails with `code`.
fn check_compile_fails(source: &str, code: &str) {
    let deps = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    // The newest zmq rlib next to this test binary is the one it was linked with.
    let rlib = std::fs::read_dir(&deps)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("libzmq-") && name.ends_with(".rlib")
        })
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("the zmq rlib next to the test binary");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.rs");
    std::fs::write(&file, source).unwrap();
    let output = std::process::Command::new("rustc")
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "bin",
            "--emit=metadata",
        ])
        .arg("--extern")
        .arg(format!("zmq={}", rlib.display()))
        .arg("-L")
        .arg(format!("dependency={}", deps.display()))
        .arg("--out-dir")
        .arg(dir.path())
        .arg(&file)
        .output()
        .expect("run rustc");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "this compiled but must not:\n{source}"
    );
    assert!(
        stderr.contains(&format!("error[{code}]")),
        "not the expected {code}:\n{source}\n{stderr}"
    );
}

/// T27: `Socket: Send + !Sync`, `Context: Send + Sync`, and a poll item cannot outlive
/// its socket (compile-fail tests); sockets move between threads; N threads exchange
/// messages on a shared context; a draft CLIENT is shared by two threads; the socket limit gives a typed EMFILE, and keeps
/// giving it.
#[test]
fn t27_threads_and_limits() {
    let _dog = watchdog(Duration::from_secs(60));
    // The compile-fail doctests of src/compile_fail.rs, type-checked here too with their
    // expected error codes (rustdoc checks those only on nightly).
    let mut ui_cases = 0;
    for (source, code) in compile_fail_cases() {
        check_compile_fails(&source, &code);
        ui_cases += 1;
    }
    assert!(ui_cases >= 3, "the compile-fail cases are missing");
    // The positive side, at compile time.
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send_sync::<zmq::Context>();
    send::<zmq::Socket>();
    send_sync::<zmq::auth::Authenticator>();

    let ctx = zmq::Context::new();
    let sink = socket(&ctx, zmq::PULL);
    sink.bind("inproc://t27").unwrap();
    const THREADS: usize = 8;
    const PER_THREAD: usize = 2000;
    // A socket made here and used there.
    let moved = socket(&ctx, zmq::PUSH);
    moved.connect("inproc://t27").unwrap();
    let mut handles = vec![std::thread::spawn(move || {
        for _ in 0..PER_THREAD {
            moved.send("moved", 0).unwrap();
        }
    })];
    for _ in 1..THREADS {
        let ctx = ctx.clone();
        handles.push(std::thread::spawn(move || {
            let push = socket(&ctx, zmq::PUSH);
            push.connect("inproc://t27").unwrap();
            for _ in 0..PER_THREAD {
                push.send("own", 0).unwrap();
            }
        }));
    }
    let mut received = 0;
    while received < THREADS * PER_THREAD && sink.recv_bytes(0).is_ok() {
        received += 1;
    }
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(received, THREADS * PER_THREAD);

    let draft_figure = draft_client_shared_by_two_threads(&ctx);

    // The socket limit.
    let limit_ctx = zmq::Context::new();
    let max = limit_ctx.get_max_sockets().unwrap();
    let mut sockets = Vec::new();
    let err = loop {
        match limit_ctx.socket(zmq::PAIR) {
            Ok(s) => sockets.push(s),
            Err(err) => break err,
        }
        assert!(sockets.len() <= 100_000);
    };
    let created = sockets.len();
    let again = (0..10).all(|_| limit_ctx.socket(zmq::PAIR).map(drop) == Err(zmq::Error::EMFILE));
    assert_eq!(err, zmq::Error::EMFILE);
    assert!(created <= max as usize && again);
    drop(sockets);
    figure(
        "T27",
        format!(
            "compile_fail_cases=pass ({ui_cases} cases of src/compile_fail.rs: socket !Sync, poll item and Poller cannot outlive the socket) msgs={received}/{} threads={THREADS} {draft_figure} max_sockets={max} sockets_created={created} then Err(EMFILE) x10",
            THREADS * PER_THREAD,
        ),
    );
}

/// T27's draft part: a thread-safe CLIENT shared by two threads, 2 x 15000 sends, all
/// received. Returns its part of the figure line.
#[cfg(feature = "draft")]
fn draft_client_shared_by_two_threads(ctx: &zmq::Context) -> String {
    let server = zmq::draft::DraftSocket::new(ctx, zmq::draft::DraftSocketType::SERVER).unwrap();
    server.set_rcvtimeo(common::TIMEOUT_MS).unwrap();
    server.set_linger(0).unwrap();
    server.bind("inproc://t27-client-server").unwrap();
    let client = std::sync::Arc::new(
        zmq::draft::DraftSocket::new(ctx, zmq::draft::DraftSocketType::CLIENT).unwrap(),
    );
    client.set_sndtimeo(common::TIMEOUT_MS).unwrap();
    client.set_linger(0).unwrap();
    client.connect("inproc://t27-client-server").unwrap();
    const SHARED: usize = 15000;
    let senders: Vec<_> = (0..2)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || {
                for _ in 0..SHARED {
                    client.send("x", 0).unwrap();
                }
            })
        })
        .collect();
    let mut shared_received = 0;
    while shared_received < 2 * SHARED && server.recv_bytes(0).is_ok() {
        shared_received += 1;
    }
    for sender in senders {
        sender.join().unwrap();
    }
    assert_eq!(shared_received, 2 * SHARED);

    format!(
        "draft_client_shared_by_2_threads={shared_received}/{}",
        2 * SHARED
    )
}

/// Without the `draft` feature there is no CLIENT socket to share.
#[cfg(not(feature = "draft"))]
fn draft_client_shared_by_two_threads(_ctx: &zmq::Context) -> String {
    "draft_client_shared_by_2_threads=not-built(no draft feature)".to_string()
}
