//! The scale harness's peers written against this crate (run by `cargo xtask scale`, xtask/src/scale/).
//!
//! ```text
//! scale keypair
//! scale broker  --impl sync|async|async-io [--backlog N] [--curve-secret Z85]
//!               [--socket router|server]
//! scale clients --impl sync|async-ct|async-mt|async-io --endpoint E --n K --mode load|storm
//!               [--curve-server Z85] [--warmup S] [--seconds S] [--timeout S]
//!               [--socket dealer|client]
//! scale pub     --impl sync|async|async-io [--backlog N]
//! ```
//!
//! `async` is the tokio adapter (`async-ct`: a current-thread runtime, `async-mt`: a
//! multi-thread one); `async-io` the async-io adapter, its tasks on one async-executor
//! `Executor` run by the main thread under `async_io::block_on` (smol's usual setup). The
//! async peers are one generic program over [`Exec`]. `--socket server` makes the broker
//! a SERVER (row 5, draft), which answers each request with the request itself: its routing
//! id addresses the reply; `--socket client` makes the clients CLIENTs (row 6).
//!
//! The wire protocol is the harness's, shared with its C and Python peers: a request is
//! 16 bytes, the client's CLOCK_MONOTONIC nanoseconds at sending and 8 free bytes; the
//! broker (a ROUTER) writes its own clock into the free bytes and echoes it. The client
//! reads round-trip time (now − first stamp) and reply-to-run time (now − second stamp:
//! libzmq's delivery and the wake-up of the code that handles it).
//!
//! Each peer prints one line per phase on stdout, which the harness waits for:
//! `READY <endpoint>` (broker), `CONNECTED <json>` then `RESULT <json>` (clients, load
//! mode: after `CONNECTED` they wait for a line on stdin before measuring), `RESULT
//! <json>` (storm mode). After its result a load-mode client keeps every socket open and
//! waiting, doing nothing, until the harness kills it: that is when its idle CPU is read.

use std::future::Future;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zmq::rt::AsyncSocket;
use zmq_perf::exec::{AsyncIoExec, Exec, TokioExec};
use zmq_perf::{fail, OrFail};

/// CLOCK_MONOTONIC in nanoseconds: the clock every peer (C, Python, Rust) stamps with, so
/// that stamps compare across processes.
fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn stamp(buf: &mut [u8], at: usize) {
    if buf.len() >= at + 8 {
        buf[at..at + 8].copy_from_slice(&now_ns().to_le_bytes());
    }
}

fn read_stamp(buf: &[u8], at: usize) -> u64 {
    match buf.get(at..at + 8) {
        Some(bytes) => u64::from_le_bytes(bytes.try_into().unwrap_or([0; 8])),
        None => 0,
    }
}

fn request() -> zmq::Message {
    let mut msg = zmq::Message::with_size(16);
    msg.fill(0);
    stamp(&mut msg, 0);
    msg
}

/// Nanoseconds from the stamps of a reply to now: (round trip, reply-to-run).
fn elapsed(reply: &[u8]) -> (u32, u32) {
    let now = now_ns();
    let clip = |t: u64| now.saturating_sub(t).min(u64::from(u32::MAX)) as u32;
    (clip(read_stamp(reply, 0)), clip(read_stamp(reply, 8)))
}

/// `(RSS KiB, open fds)` of this process.
fn self_usage() -> (u64, u64) {
    let mut rss = 0;
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines() {
            if let Some(rest) = line.strip_prefix("VmRSS:") {
                rss = rest
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
            }
        }
    }
    let fds = std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count() as u64);
    (rss, fds)
}

struct Opts {
    args: Vec<(String, String)>,
}

impl Opts {
    fn parse(args: &[String]) -> Opts {
        let mut pairs = Vec::new();
        let mut it = args.iter();
        while let Some(key) = it.next() {
            let Some(key) = key.strip_prefix("--") else {
                fail("arguments", format!("unexpected argument {key:?}"));
            };
            let value = it
                .next()
                .unwrap_or_else(|| fail("arguments", format!("--{key} needs a value")));
            pairs.push((key.to_string(), value.clone()));
        }
        Opts { args: pairs }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn str(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or(default).to_string()
    }

    fn num<T: std::str::FromStr>(&self, key: &str, default: T) -> T {
        match self.get(key) {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| fail("arguments", format!("--{key} {v:?} is not a number"))),
        }
    }

    fn secs(&self, key: &str, default: f64) -> Duration {
        Duration::from_secs_f64(self.num(key, default))
    }
}

fn context(sockets: usize) -> zmq::Context {
    let ctx = zmq::Context::new();
    ctx.set_max_sockets(i32::try_from(sockets + 64).unwrap_or(i32::MAX))
        .or_fail("set_max_sockets");
    ctx
}

fn say(line: String) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn wait_for_go() {
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).unwrap_or(0) == 0 {
        fail("stdin", "closed before the harness said go");
    }
}

// ------------------------------------------------------------------ the broker

/// Sets a broker's options (backlog, CURVE, linger), binds it and returns the endpoint: a
/// macro, for the ROUTER (`zmq::Socket`) and the SERVER (`zmq::draft::DraftSocket`) have the
/// same methods but no common trait.
macro_rules! listen {
    ($socket:expr, $opts:expr) => {{
        let (socket, opts) = (&$socket, $opts);
        if let Some(backlog) = opts.get("backlog") {
            let backlog = backlog
                .parse()
                .unwrap_or_else(|_| fail("arguments", "--backlog"));
            socket.set_backlog(backlog).or_fail("set_backlog");
        }
        if let Some(secret) = opts.get("curve-secret") {
            socket.set_curve_server(true).or_fail("set_curve_server");
            let key = zmq::z85_decode(secret).or_fail("z85_decode");
            socket
                .set_curve_secretkey(&key)
                .or_fail("set_curve_secretkey");
        }
        socket.set_linger(0).or_fail("set_linger");
        socket.bind("tcp://127.0.0.1:*").or_fail("bind");
        socket
            .get_last_endpoint()
            .or_fail("get_last_endpoint")
            .unwrap_or_else(|_| fail("get_last_endpoint", "not UTF-8"))
    }};
}

fn broker(opts: &Opts) {
    let ctx = context(16);
    ctx.set_io_threads(opts.num("io-threads", 1))
        .or_fail("set_io_threads");
    let kind = opts.str("impl", "sync");
    if opts.str("socket", "router") == "server" {
        let socket = ctx
            .draft_socket(zmq::draft::DraftSocketType::SERVER)
            .or_fail("draft_socket");
        let endpoint = listen!(socket, opts);
        return match kind.as_str() {
            "sync" => {
                say(format!("READY {endpoint}"));
                loop {
                    let mut msg = socket.recv_msg(0).or_fail("recv_msg");
                    stamp(&mut msg, 8);
                    // The request's routing id addresses the reply.
                    reply_sent(socket.send(msg, 0));
                }
            }
            "async" => server_broker(&TokioExec::current_thread(), socket, endpoint),
            "async-io" => server_broker(&AsyncIoExec::new(), socket, endpoint),
            other => fail("arguments", format!("no broker --impl {other}")),
        };
    }
    let socket = ctx.socket(zmq::ROUTER).or_fail("socket");
    let endpoint = listen!(socket, opts);
    match kind.as_str() {
        "sync" => {
            say(format!("READY {endpoint}"));
            loop {
                let id = socket.recv_msg(0).or_fail("recv_msg");
                let mut body = socket.recv_msg(0).or_fail("recv_msg");
                stamp(&mut body, 8);
                socket.send(id, zmq::SNDMORE).or_fail("send");
                socket.send(body, 0).or_fail("send");
            }
        }
        "async" => async_broker(&TokioExec::current_thread(), socket, endpoint),
        "async-io" => async_broker(&AsyncIoExec::new(), socket, endpoint),
        other => fail("arguments", format!("no broker --impl {other}")),
    }
}

/// A SERVER's reply: sent, or dropped because its client is gone (`EHOSTUNREACH`).
fn reply_sent(sent: zmq::Result<()>) {
    match sent {
        Ok(()) | Err(zmq::Error::EHOSTUNREACH) => {}
        Err(e) => fail("send", e),
    }
}

/// Row 5's async broker: one task, one SERVER.
fn server_broker<E: Exec>(exec: &E, socket: zmq::draft::DraftSocket, endpoint: String) {
    exec.block_on(async move {
        let socket = zmq::rt::AsyncDraftSocket::<E::Rt>::new(socket).or_fail("new");
        say(format!("READY {endpoint}"));
        loop {
            let mut msg = socket.recv_msg().await.or_fail("recv");
            stamp(&mut msg, 8);
            reply_sent(socket.send(msg).await);
        }
    })
}

/// The async broker: one task, one socket.
fn async_broker<E: Exec>(exec: &E, socket: zmq::Socket, endpoint: String) {
    exec.block_on(async move {
        let mut socket = AsyncSocket::<E::Rt>::new(socket).or_fail("AsyncSocket::new");
        say(format!("READY {endpoint}"));
        loop {
            let mut parts = socket.recv_multipart_msgs().await.or_fail("recv");
            if let Some(body) = parts.last_mut() {
                stamp(body, 8);
            }
            socket.send_multipart(parts).await.or_fail("send");
        }
    })
}

/// A flag set once the harness says "go" ([`wait_for_go`], on a thread of its own).
fn go_flag() -> Arc<AtomicBool> {
    let go = Arc::new(AtomicBool::new(false));
    let flag = go.clone();
    std::thread::spawn(move || {
        wait_for_go();
        flag.store(true, Ordering::Release);
    });
    go
}

/// Row 2's publisher: a PUB that sends 16-byte stamped messages, one per `--pace-ms`
/// while the subscribers join (so that libzmq's io thread has time to accept them), then, once the
/// harness says "go" on stdin, as fast as it can until it is killed (PUB drops at the
/// high-water mark: it never blocks).
fn publisher(opts: &Opts) {
    let ctx = context(16);
    let socket = ctx.socket(zmq::PUB).or_fail("socket");
    socket.set_linger(0).or_fail("set_linger");
    socket
        .set_backlog(opts.num("backlog", 100))
        .or_fail("set_backlog");
    socket.bind("tcp://127.0.0.1:*").or_fail("bind");
    let endpoint = socket
        .get_last_endpoint()
        .or_fail("get_last_endpoint")
        .unwrap_or_else(|_| fail("get_last_endpoint", "not UTF-8"));
    say(format!("READY {endpoint}"));
    let go = go_flag();
    let pace = Duration::from_millis(opts.num("pace-ms", 20));
    match opts.str("impl", "sync").as_str() {
        "sync" => {
            while !go.load(Ordering::Acquire) {
                socket.send(request(), 0).or_fail("send");
                std::thread::sleep(pace);
            }
            loop {
                socket.send(request(), 0).or_fail("send");
            }
        }
        "async" => async_publisher(&TokioExec::current_thread(), socket, &go, pace),
        "async-io" => async_publisher(&AsyncIoExec::new(), socket, &go, pace),
        other => fail("arguments", format!("no pub --impl {other}")),
    }
}

fn async_publisher<E: Exec>(exec: &E, socket: zmq::Socket, go: &AtomicBool, pace: Duration) {
    exec.block_on(async move {
        let mut socket = AsyncSocket::<E::Rt>::new(socket).or_fail("AsyncSocket::new");
        while !go.load(Ordering::Acquire) {
            socket.send(request()).await.or_fail("send");
            E::sleep(pace).await;
        }
        loop {
            socket.send(request()).await.or_fail("send");
        }
    })
}

// ------------------------------------------------------------------ the clients

/// What a client process measured, printed as JSON for the harness.
#[derive(Default)]
struct Samples {
    rtt: Vec<u32>,
    wake: Vec<u32>,
}

impl Samples {
    fn add(&mut self, (rtt, wake): (u32, u32)) {
        self.rtt.push(rtt);
        self.wake.push(wake);
    }

    fn merge(&mut self, other: Samples) {
        self.rtt.extend(other.rtt);
        self.wake.extend(other.wake);
    }

    /// `count` quantiles (µs) of a sample set: an even-stride sketch the harness merges
    /// across processes.
    fn sketch(values: &mut [u32]) -> String {
        values.sort_unstable();
        let points = 200.min(values.len());
        let picks: Vec<String> = (0..points)
            .map(|i| {
                let at = (i * 2 + 1) * values.len() / (points * 2);
                format!("{:.2}", f64::from(values[at]) / 1000.0)
            })
            .collect();
        format!("[{}]", picks.join(","))
    }

    fn json(mut self, seconds: f64, extra: &str) -> String {
        format!(
            "{{\"roundtrips\":{},\"seconds\":{seconds:.4},\"rtt_us\":{},\"wake_us\":{}{extra}}}",
            self.rtt.len(),
            Samples::sketch(&mut self.rtt),
            Samples::sketch(&mut self.wake),
        )
    }
}

/// A client socket of the load and storm modes: a DEALER (`zmq::Socket`) or, with
/// `--socket client`, a CLIENT (`zmq::draft::DraftSocket`, row 6). The two have the same
/// methods but no common trait.
trait ClientSocket: Sized + Send + 'static {
    fn new(ctx: &zmq::Context, keys: &Option<(Vec<u8>, zmq::CurveKeyPair)>) -> Self;
    fn connect_to(&self, endpoint: &str);
    fn send_request(&self);
    fn try_recv(&self) -> Option<zmq::Message>;
    fn readable(&self) -> zmq::PollItem<'_>;
}

macro_rules! client_socket {
    ($type:ty, $make:expr) => {
        impl ClientSocket for $type {
            fn new(ctx: &zmq::Context, keys: &Option<(Vec<u8>, zmq::CurveKeyPair)>) -> Self {
                let socket: $type = $make(ctx).or_fail("socket");
                socket.set_linger(0).or_fail("set_linger");
                if let Some((server, pair)) = keys {
                    socket
                        .set_curve_serverkey(server)
                        .or_fail("set_curve_serverkey");
                    socket
                        .set_curve_publickey(&pair.public_key)
                        .or_fail("set_curve_publickey");
                    socket
                        .set_curve_secretkey(&pair.secret_key)
                        .or_fail("set_curve_secretkey");
                }
                socket
            }

            fn connect_to(&self, endpoint: &str) {
                self.connect(endpoint).or_fail("connect");
            }

            fn send_request(&self) {
                self.send(request(), 0).or_fail("send");
            }

            fn try_recv(&self) -> Option<zmq::Message> {
                self.recv_msg(zmq::DONTWAIT).ok()
            }

            fn readable(&self) -> zmq::PollItem<'_> {
                self.as_poll_item(zmq::POLLIN)
            }
        }
    };
}

client_socket!(zmq::Socket, |ctx: &zmq::Context| ctx.socket(zmq::DEALER));
client_socket!(zmq::draft::DraftSocket, |ctx: &zmq::Context| ctx
    .draft_socket(zmq::draft::DraftSocketType::CLIENT));

/// The async side of a [`ClientSocket`]: `zmq::rt::AsyncSocket` or
/// `zmq::rt::AsyncDraftSocket`, on the runtime `R`.
trait AsyncClient<R: zmq::rt::Runtime>: Send + 'static {
    type Sync: ClientSocket;
    fn wrap(socket: Self::Sync) -> Self;
    fn send_request(&mut self) -> impl Future<Output = ()> + Send;
    fn recv_reply(&mut self) -> impl Future<Output = zmq::Result<zmq::Message>> + Send;
}

impl<R: zmq::rt::Runtime> AsyncClient<R> for AsyncSocket<R> {
    type Sync = zmq::Socket;

    fn wrap(socket: zmq::Socket) -> Self {
        AsyncSocket::new(socket).or_fail("AsyncSocket::new")
    }

    async fn send_request(&mut self) {
        self.send(request()).await.or_fail("send");
    }

    async fn recv_reply(&mut self) -> zmq::Result<zmq::Message> {
        self.recv_msg().await
    }
}

impl<R: zmq::rt::Runtime> AsyncClient<R> for zmq::rt::AsyncDraftSocket<R> {
    type Sync = zmq::draft::DraftSocket;

    fn wrap(socket: zmq::draft::DraftSocket) -> Self {
        zmq::rt::AsyncDraftSocket::new(socket).or_fail("AsyncDraftSocket::new")
    }

    async fn send_request(&mut self) {
        self.send(request()).await.or_fail("send");
    }

    async fn recv_reply(&mut self) -> zmq::Result<zmq::Message> {
        self.recv_msg().await
    }
}

fn curve_keys(opts: &Opts) -> Option<(Vec<u8>, zmq::CurveKeyPair)> {
    opts.get("curve-server").map(|server| {
        (
            zmq::z85_decode(server).or_fail("z85_decode"),
            zmq::CurveKeyPair::new().or_fail("CurveKeyPair::new"),
        )
    })
}

fn clients(opts: &Opts) {
    let n: usize = opts.num("n", 1);
    let ctx = context(n);
    let mode = opts.str("mode", "load");
    let kind = opts.str("impl", "sync");
    let before = self_usage();
    let draft = opts.str("socket", "dealer") == "client";
    match (kind.as_str(), mode.as_str(), draft) {
        ("sync", "load", false) => sync_load::<zmq::Socket>(&ctx, opts, n, before),
        ("sync", "load", true) => sync_load::<zmq::draft::DraftSocket>(&ctx, opts, n, before),
        ("sync", "storm", false) => sync_storm(&ctx, opts, n),
        ("async-ct", m, d) => {
            async_clients_of(&TokioExec::current_thread(), d, &ctx, opts, n, m, before)
        }
        ("async-mt", m, d) => {
            async_clients_of(&TokioExec::multi_thread(), d, &ctx, opts, n, m, before)
        }
        ("async-io", m, d) => async_clients_of(&AsyncIoExec::new(), d, &ctx, opts, n, m, before),
        (k, m, d) => fail(
            "arguments",
            format!(
                "no clients --impl {k} --mode {m}{}",
                if d { " --socket client" } else { "" }
            ),
        ),
    }
}

/// [`async_clients`] with DEALERs, or CLIENTs when `draft`.
fn async_clients_of<E: Exec>(
    exec: &E,
    draft: bool,
    ctx: &zmq::Context,
    opts: &Opts,
    n: usize,
    mode: &str,
    before: (u64, u64),
) {
    if draft {
        async_clients::<E, zmq::rt::AsyncDraftSocket<E::Rt>>(exec, ctx, opts, n, mode, before)
    } else {
        async_clients::<E, AsyncSocket<E::Rt>>(exec, ctx, opts, n, mode, before)
    }
}

fn usage_json(before: (u64, u64), after: (u64, u64)) -> String {
    format!(
        ",\"rss_before_kib\":{},\"fds_before\":{},\"rss_kib\":{},\"fds\":{}",
        before.0, before.1, after.0, after.1
    )
}

fn sync_load<S: ClientSocket>(ctx: &zmq::Context, opts: &Opts, n: usize, before: (u64, u64)) {
    let endpoint = opts.str("endpoint", "");
    let keys = curve_keys(opts);
    let timeout = opts.secs("timeout", 60.0);
    let sockets: Vec<S> = (0..n).map(|_| S::new(ctx, &keys)).collect();
    // Connect in batches, each finishing a round trip before the next: a load run is not
    // a connection storm (that is the storm mode's job), and a burst of 10,000 SYNs
    // overflows any listen backlog.
    let deadline = Instant::now() + timeout;
    for batch in sockets.chunks(CONNECT_BATCH) {
        for s in batch {
            s.connect_to(&endpoint);
            s.send_request();
        }
        let mut items: Vec<zmq::PollItem> = batch.iter().map(S::readable).collect();
        let mut pending = batch.len();
        while pending > 0 {
            if Instant::now() > deadline {
                fail(
                    "connect",
                    format!("{pending} sockets of a batch got no reply in time"),
                );
            }
            zmq::poll(&mut items, 100).or_fail("poll");
            for (i, item) in items.iter().enumerate() {
                if item.is_readable() {
                    while batch[i].try_recv().is_some() {
                        pending -= 1;
                    }
                }
            }
        }
    }
    let mut items: Vec<zmq::PollItem> = sockets.iter().map(S::readable).collect();
    say(format!(
        "CONNECTED {{\"n\":{n}{}}}",
        usage_json(before, self_usage())
    ));
    wait_for_go();
    let warmup = opts.secs("warmup", 0.5);
    let seconds = opts.secs("seconds", 2.0);
    for s in &sockets {
        s.send_request();
    }
    let start = Instant::now();
    let (measure_from, measure_to) = (start + warmup, start + warmup + seconds);
    let mut samples = Samples::default();
    let mut outstanding = n;
    loop {
        let now = Instant::now();
        let sending = now < measure_to;
        if !sending && outstanding == 0 {
            break;
        }
        if now > measure_to + timeout {
            fail("load", "replies stopped coming");
        }
        zmq::poll(&mut items, 100).or_fail("poll");
        let now = Instant::now();
        let measuring = now >= measure_from && now < measure_to;
        for (i, item) in items.iter().enumerate() {
            if !item.is_readable() {
                continue;
            }
            while let Some(reply) = sockets[i].try_recv() {
                if measuring {
                    samples.add(elapsed(&reply));
                }
                outstanding -= 1;
                if sending {
                    sockets[i].send_request();
                    outstanding += 1;
                }
            }
        }
    }
    say(format!(
        "RESULT {}",
        samples.json(seconds.as_secs_f64(), "")
    ));
    // Idle: every socket waits for a message that never comes, until the harness kills us.
    loop {
        zmq::poll(&mut items, -1).or_fail("poll");
    }
}

fn sync_storm(ctx: &zmq::Context, opts: &Opts, n: usize) {
    let endpoint = opts.str("endpoint", "");
    let keys = curve_keys(opts);
    let timeout = opts.secs("timeout", 60.0);
    let sockets: Vec<zmq::Socket> = (0..n).map(|_| ClientSocket::new(ctx, &keys)).collect();
    let start = Instant::now();
    for s in &sockets {
        s.connect(&endpoint).or_fail("connect");
        s.send(request(), 0).or_fail("send");
    }
    let mut items: Vec<zmq::PollItem> = sockets
        .iter()
        .map(|s| s.as_poll_item(zmq::POLLIN))
        .collect();
    let mut done = 0;
    while done < n && start.elapsed() < timeout {
        zmq::poll(&mut items, 100).or_fail("poll");
        for (i, item) in items.iter().enumerate() {
            if item.is_readable() {
                while sockets[i].recv_msg(zmq::DONTWAIT).is_ok() {
                    done += 1;
                }
            }
        }
    }
    storm_result(n, done, start.elapsed());
}

fn storm_result(n: usize, done: usize, took: Duration) {
    say(format!(
        "RESULT {{\"n\":{n},\"done\":{done},\"seconds\":{:.4}}}",
        took.as_secs_f64()
    ));
}

/// Sockets that connect at once in load mode.
const CONNECT_BATCH: usize = 500;

/// Measurement phases shared by the client tasks.
const WARMUP: u32 = 0;
const MEASURE: u32 = 1;
const STOP: u32 = 2;

fn async_clients<E: Exec, C: AsyncClient<E::Rt>>(
    exec: &E,
    ctx: &zmq::Context,
    opts: &Opts,
    n: usize,
    mode: &str,
    before: (u64, u64),
) {
    let endpoint = opts.str("endpoint", "");
    let keys = curve_keys(opts);
    let timeout = opts.secs("timeout", 60.0);
    let sockets: Vec<C::Sync> = (0..n).map(|_| C::Sync::new(ctx, &keys)).collect();
    if mode == "storm" {
        exec.block_on(async move {
            let start = Instant::now();
            let done = Arc::new(AtomicU64::new(0));
            // The connected sockets, kept open until the result is out.
            let kept = Arc::new(Mutex::new(Vec::with_capacity(n)));
            for s in sockets {
                let (endpoint, done, kept) = (endpoint.clone(), done.clone(), kept.clone());
                exec.spawn(async move {
                    s.connect_to(&endpoint);
                    let mut s = C::wrap(s);
                    s.send_request().await;
                    s.recv_reply().await.or_fail("recv");
                    done.fetch_add(1, Ordering::Relaxed);
                    kept.lock().unwrap_or_else(|e| e.into_inner()).push(s);
                });
            }
            while done.load(Ordering::Relaxed) < n as u64 && start.elapsed() < timeout {
                E::sleep(Duration::from_millis(1)).await;
            }
            storm_result(n, done.load(Ordering::Relaxed) as usize, start.elapsed());
        });
        return;
    }
    let phase = Arc::new(AtomicU32::new(WARMUP));
    let connected = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(Mutex::new((0usize, Samples::default())));
    // "Go" for every task at once: closing the channel ends each task's `recv`.
    let (go_tx, go_rx) = async_channel::bounded::<()>(1);
    exec.block_on(async move {
        let deadline = Instant::now() + timeout;
        let mut task_bytes = 0;
        for (i, s) in sockets.into_iter().enumerate() {
            if i > 0 && i % CONNECT_BATCH == 0 {
                // The batch before has finished its first round trip (see `sync_load`).
                while connected.load(Ordering::Relaxed) < i as u64 {
                    if Instant::now() > deadline {
                        fail("connect", "a batch of sockets got no reply in time");
                    }
                    E::sleep(Duration::from_millis(2)).await;
                }
            }
            let endpoint = endpoint.clone();
            let (phase, connected, finished) = (phase.clone(), connected.clone(), finished.clone());
            let go = go_rx.clone();
            let task = async move {
                s.connect_to(&endpoint);
                let mut s = C::wrap(s);
                s.send_request().await;
                s.recv_reply().await.or_fail("recv");
                connected.fetch_add(1, Ordering::Relaxed);
                let _ = go.recv().await;
                drop(go);
                let mut samples = Samples::default();
                loop {
                    if phase.load(Ordering::Relaxed) == STOP {
                        break;
                    }
                    s.send_request().await;
                    let reply = s.recv_reply().await.or_fail("recv");
                    // Counted by when the reply arrives, as the other peers do.
                    if phase.load(Ordering::Relaxed) == MEASURE {
                        samples.add(elapsed(&reply));
                    }
                }
                {
                    let mut f = finished.lock().unwrap_or_else(|e| e.into_inner());
                    f.0 += 1;
                    f.1.merge(samples);
                }
                // Idle: wait for a reply that never comes, parked, until killed.
                let _ = s.recv_reply().await;
            };
            // The harness's own state per socket (the task's future), to tell it apart from
            // the AsyncSocket's cost.
            task_bytes = std::mem::size_of_val(&task);
            exec.spawn(task);
        }
        drop(go_rx);
        while connected.load(Ordering::Relaxed) < n as u64 {
            if Instant::now() > deadline {
                fail(
                    "connect",
                    format!(
                        "{} of {n} sockets connected in time",
                        connected.load(Ordering::Relaxed)
                    ),
                );
            }
            E::sleep(Duration::from_millis(5)).await;
        }
        say(format!(
            "CONNECTED {{\"n\":{n},\"task_bytes\":{task_bytes}{}}}",
            usage_json(before, self_usage())
        ));
        let go = go_flag();
        while !go.load(Ordering::Acquire) {
            E::sleep(Duration::from_millis(2)).await;
        }
        let warmup = opts.secs("warmup", 0.5);
        let seconds = opts.secs("seconds", 2.0);
        drop(go_tx);
        E::sleep(warmup).await;
        phase.store(MEASURE, Ordering::Relaxed);
        E::sleep(seconds).await;
        phase.store(STOP, Ordering::Relaxed);
        let deadline = Instant::now() + timeout;
        loop {
            {
                let mut f = finished.lock().unwrap_or_else(|e| e.into_inner());
                if f.0 == n {
                    let samples = std::mem::take(&mut f.1);
                    say(format!(
                        "RESULT {}",
                        samples.json(seconds.as_secs_f64(), "")
                    ));
                    break;
                }
            }
            if Instant::now() > deadline {
                fail("load", "replies stopped coming");
            }
            E::sleep(Duration::from_millis(5)).await;
        }
        std::future::pending::<()>().await;
    });
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        fail(
            "arguments",
            "usage: scale keypair|broker|clients [--option value]...",
        );
    };
    let opts = Opts::parse(&args[1..]);
    match command.as_str() {
        "keypair" => {
            let pair = zmq::CurveKeyPair::new().or_fail("CurveKeyPair::new");
            say(format!(
                "{} {}",
                zmq::z85_encode(&pair.public_key).or_fail("z85_encode"),
                zmq::z85_encode(&pair.secret_key).or_fail("z85_encode")
            ));
        }
        "broker" => broker(&opts),
        "pub" => publisher(&opts),
        "clients" => clients(&opts),
        other => fail("arguments", format!("unknown command {other}")),
    }
}
