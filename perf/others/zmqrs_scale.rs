//! The scale harness's zmq.rs peer (the `zeromq` crate, pure Rust, tokio): the commands,
//! options, wire protocol and output lines of `perf/src/bin/scale.rs`, where zmq.rs can.
//! `cargo xtask scale` builds it in a project it generates under `target/`; it is not part
//! of the workspace.
//!
//! ```text
//! zmqrs_scale broker
//! zmqrs_scale pub
//! zmqrs_scale clients --endpoint E --n K --mode load|storm [--warmup S] [--seconds S] [--timeout S]
//! ```
//!
//! zmq.rs has no CURVE and no listen-backlog option (its listener takes tokio's default),
//! so `--curve-*` and `--backlog` are refused or ignored, as the harness knows.

use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use zeromq::{Socket, SocketRecv, SocketSend, ZmqMessage};

fn fail(what: &str, err: impl std::fmt::Display) -> ! {
    println!("error in {what}: {err}");
    std::process::exit(1);
}

/// CLOCK_MONOTONIC in nanoseconds, the clock every peer stamps with.
fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn request() -> ZmqMessage {
    let mut buf = [0u8; 16];
    buf[..8].copy_from_slice(&now_ns().to_le_bytes());
    ZmqMessage::from(Bytes::copy_from_slice(&buf))
}

fn stamped(body: &Bytes) -> Bytes {
    let mut buf = body.to_vec();
    if buf.len() >= 16 {
        buf[8..16].copy_from_slice(&now_ns().to_le_bytes());
    }
    Bytes::from(buf)
}

fn elapsed(reply: &ZmqMessage) -> (u32, u32) {
    let now = now_ns();
    let body = reply.get(reply.len().saturating_sub(1)).cloned().unwrap_or_default();
    let stamp = |at: usize| {
        body.get(at..at + 8)
            .map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    let clip = |t: u64| now.saturating_sub(t).min(u64::from(u32::MAX)) as u32;
    (clip(stamp(0)), clip(stamp(8)))
}

fn usage() -> (u64, u64) {
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:").map(|v| v.trim().trim_end_matches(" kB").trim().parse().ok()))
                .flatten()
        })
        .unwrap_or(0);
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64);
    (rss, fds)
}

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn opt<'a>(args: &'a [String], key: &str) -> Option<&'a str> {
    args.chunks(2)
        .find(|pair| pair[0] == format!("--{key}"))
        .and_then(|pair| pair.get(1))
        .map(String::as_str)
}

fn secs(args: &[String], key: &str, default: f64) -> Duration {
    Duration::from_secs_f64(opt(args, key).and_then(|v| v.parse().ok()).unwrap_or(default))
}

fn sketch(values: &mut [u32]) -> String {
    values.sort_unstable();
    let points = 200.min(values.len());
    let picks: Vec<String> = (0..points)
        .map(|i| format!("{:.2}", f64::from(values[(i * 2 + 1) * values.len() / (points * 2)]) / 1000.0))
        .collect();
    format!("[{}]", picks.join(","))
}

async fn broker() {
    let mut router = zeromq::RouterSocket::new();
    let endpoint = router
        .bind("tcp://127.0.0.1:0")
        .await
        .unwrap_or_else(|e| fail("bind", e));
    say(format!("READY {endpoint}"));
    loop {
        let msg = router.recv().await.unwrap_or_else(|e| fail("recv", e));
        let mut frames = msg.into_vec();
        if let Some(body) = frames.last_mut() {
            *body = stamped(body);
        }
        let reply = ZmqMessage::try_from(frames).unwrap_or_else(|_| fail("reply", "empty"));
        router.send(reply).await.unwrap_or_else(|e| fail("send", e));
    }
}

async fn publisher(pace: Duration) {
    let mut publisher = zeromq::PubSocket::new();
    let endpoint = publisher
        .bind("tcp://127.0.0.1:0")
        .await
        .unwrap_or_else(|e| fail("bind", e));
    say(format!("READY {endpoint}"));
    // One message per `pace` while the subscribers join, then, on "go" from the harness
    // (a line on stdin), as fast as it can.
    let go = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = go.clone();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = std::io::stdin().lock().read_line(&mut line);
        flag.store(true, Ordering::Release);
    });
    while !go.load(Ordering::Acquire) {
        publisher.send(request()).await.unwrap_or_else(|e| fail("send", e));
        tokio::time::sleep(pace).await;
    }
    for sent in 0u64.. {
        publisher.send(request()).await.unwrap_or_else(|e| fail("send", e));
        if sent % 256 == 0 {
            // zmq.rs's send does not yield while it has room: without this, the
            // current-thread runtime would never accept the subscribers.
            tokio::task::yield_now().await;
        }
    }
}

const STOP: u32 = 2;
const MEASURE: u32 = 1;

async fn clients(args: Vec<String>) {
    let endpoint = opt(&args, "endpoint").unwrap_or("").to_string();
    let n: usize = opt(&args, "n").and_then(|v| v.parse().ok()).unwrap_or(1);
    let timeout = secs(&args, "timeout", 60.0);
    if opt(&args, "curve-server").is_some() {
        fail("arguments", "zmq.rs has no CURVE");
    }
    let before = usage();
    if opt(&args, "mode") == Some("storm") {
        let start = Instant::now();
        let done = Arc::new(AtomicU64::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let (endpoint, done) = (endpoint.clone(), done.clone());
            tasks.spawn(async move {
                let mut s = zeromq::DealerSocket::new();
                s.connect(&endpoint).await.unwrap_or_else(|e| fail("connect", e));
                s.send(request()).await.unwrap_or_else(|e| fail("send", e));
                s.recv().await.unwrap_or_else(|e| fail("recv", e));
                done.fetch_add(1, Ordering::Relaxed);
                s
            });
        }
        let _ = tokio::time::timeout(timeout, async {
            let mut kept = Vec::new();
            while let Some(s) = tasks.join_next().await {
                kept.push(s);
            }
            kept
        })
        .await;
        say(format!(
            "RESULT {{\"n\":{n},\"done\":{},\"seconds\":{:.4}}}",
            done.load(Ordering::Relaxed),
            start.elapsed().as_secs_f64()
        ));
        std::process::exit(0);
    }
    let phase = Arc::new(AtomicU32::new(0));
    let connected = Arc::new(AtomicU64::new(0));
    let finished: Arc<Mutex<(usize, Vec<u32>, Vec<u32>)>> = Arc::default();
    let (go_tx, go_rx) = tokio::sync::watch::channel(false);
    let deadline = Instant::now() + timeout;
    for i in 0..n {
        if i > 0 && i % 500 == 0 {
            while connected.load(Ordering::Relaxed) < i as u64 {
                if Instant::now() > deadline {
                    fail("connect", "a batch of sockets got no reply in time");
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
        let endpoint = endpoint.clone();
        let (phase, connected, finished) = (phase.clone(), connected.clone(), finished.clone());
        let mut go = go_rx.clone();
        tokio::spawn(async move {
            let mut s = zeromq::DealerSocket::new();
            s.connect(&endpoint).await.unwrap_or_else(|e| fail("connect", e));
            s.send(request()).await.unwrap_or_else(|e| fail("send", e));
            s.recv().await.unwrap_or_else(|e| fail("recv", e));
            connected.fetch_add(1, Ordering::Relaxed);
            let _ = go.wait_for(|go| *go).await;
            let (mut rtt, mut wake) = (Vec::new(), Vec::new());
            while phase.load(Ordering::Relaxed) != STOP {
                s.send(request()).await.unwrap_or_else(|e| fail("send", e));
                let reply = s.recv().await.unwrap_or_else(|e| fail("recv", e));
                if phase.load(Ordering::Relaxed) == MEASURE {
                    let (a, b) = elapsed(&reply);
                    rtt.push(a);
                    wake.push(b);
                }
            }
            {
                let mut f = finished.lock().unwrap_or_else(|e| e.into_inner());
                f.0 += 1;
                f.1.extend(rtt);
                f.2.extend(wake);
            }
            let _ = s.recv().await;
        });
    }
    while connected.load(Ordering::Relaxed) < n as u64 {
        if Instant::now() > deadline {
            fail("connect", "sockets got no reply in time");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let after = usage();
    say(format!(
        "CONNECTED {{\"n\":{n},\"rss_before_kib\":{},\"fds_before\":{},\"rss_kib\":{},\"fds\":{}}}",
        before.0, before.1, after.0, after.1
    ));
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)
    })
    .await
    .unwrap_or_else(|e| fail("stdin", e))
    .unwrap_or_else(|e| fail("stdin", e));
    let seconds = secs(&args, "seconds", 2.0);
    let _ = go_tx.send(true);
    tokio::time::sleep(secs(&args, "warmup", 0.5)).await;
    phase.store(MEASURE, Ordering::Relaxed);
    tokio::time::sleep(seconds).await;
    phase.store(STOP, Ordering::Relaxed);
    let deadline = Instant::now() + timeout;
    loop {
        {
            let mut f = finished.lock().unwrap_or_else(|e| e.into_inner());
            if f.0 == n {
                let count = f.1.len();
                let (rtt, wake) = (sketch(&mut f.1), sketch(&mut f.2));
                say(format!(
                    "RESULT {{\"roundtrips\":{count},\"seconds\":{:.4},\"rtt_us\":{rtt},\"wake_us\":{wake}}}",
                    seconds.as_secs_f64()
                ));
                break;
            }
        }
        if Instant::now() > deadline {
            fail("load", "replies stopped coming");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(go_tx);
    std::future::pending::<()>().await;
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail("runtime", e));
    let rest = args.get(1..).unwrap_or_default().to_vec();
    match args.first().map(String::as_str) {
        Some("broker") => runtime.block_on(broker()),
        Some("pub") => runtime.block_on(publisher(secs(&args, "pace-ms", 20.0) / 1000)),
        Some("clients") => runtime.block_on(clients(rest)),
        _ => fail("arguments", "usage: zmqrs_scale broker|pub|clients [--option value]..."),
    }
}
