//! `soak`: the endurance run behind `cargo xtask soak` (docs/scale-limits.md).
//!
//! ```text
//! soak run [--minutes N] [--processes P] [--clients-per-process K] [--kills-per-minute M]
//!          [--dir DIR] [--no-trim] [--sample sync|tokio|async-io]
//! ```
//! One broker process and P client processes (K Lazy Pirate REQ clients each; the
//! processes take turns: sync, async on tokio, async on async-io; and in turns of three,
//! half over CURVE). Clients
//! connect, send, disconnect and reconnect at random; every minute M random client
//! processes are SIGKILLed and restarted. The broker executes each (client, request id)
//! once and answers retries from its memory; it drops one reply in 200 on purpose
//! (simulated network loss), so that retries happen all the time. Every 10 s a sample line reports the
//! broker's and one client process's RSS, fds and threads, and the request counts. At
//! the end: `FIGURE SOAK ...` and PASS or FAIL (exit status 0 or 1). The pass rules:
//! RSS growth under 5 % after the warm-up (2 minutes, or half a shorter run); the
//! broker's fds and threads back to their baseline once the clients are gone, and the
//! sampled client's not above theirs; 0 requests lost, 0 executed twice; 0 crashes and
//! 0 hangs.
//!
//! Every process calls glibc's `malloc_trim(0)` once a second (`--no-trim` turns it off):
//! without it, connection churn leaves glibc holding freed pages and RSS creeps up while
//! the heap in use (reported too, from `mallinfo2`) stays flat.
//!
//! The roles `broker` and `clients` are this binary started by `run`.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use zmq_perf::exec::{timeout, AsyncIoExec, Exec, TokioExec};

/// How long a client waits for a reply before it drops its socket and sends again.
const REPLY_TIMEOUT: Duration = Duration::from_millis(1500);
/// How long a client retries one request before counting it lost.
const GIVE_UP: Duration = Duration::from_secs(30);
/// A process whose stats file is older than this is hung.
const HANG_AFTER: Duration = Duration::from_secs(20);
/// The broker "loses" one reply in this many (simulated network loss).
const DROP_ONE_IN: u64 = 200;
/// The broker forgets a client silent for this long (its process was killed).
const FORGET_AFTER: Duration = Duration::from_secs(120);

fn die(what: &str, err: impl std::fmt::Display) -> ! {
    eprintln!("soak: {what}: {err}");
    std::process::exit(2)
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// Small xorshift generator, seeded per thread/task.
struct Rng(u64);

impl Rng {
    fn new(salt: u64) -> Rng {
        let seed = (now_ms() as u64) ^ (u64::from(std::process::id()) << 20) ^ salt;
        Rng(seed | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.below(hi - lo + 1))
    }
}

/// Writes `text` to `path` atomically (a reader never sees half a file).
fn write_atomic(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    if fs::write(&tmp, text).is_ok() {
        let _ = fs::rename(&tmp, path);
    }
}

/// `key=value` pairs of a stats file.
fn read_stats(path: &Path) -> HashMap<String, u128> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((key.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// Bytes the process has allocated and not freed (glibc's `mallinfo2`: the heap in use,
/// whatever RSS says about pages malloc keeps for reuse), in KiB.
fn heap_in_use_kib() -> u64 {
    // SAFETY: mallinfo2 has no preconditions; it only reads the allocator's statistics.
    let info = unsafe { libc::mallinfo2() };
    ((info.uordblks + info.hblkhd) / 1024) as u64
}

/// Dies with the orchestrator: a child left behind would skew the next run.
fn die_with_parent() {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a signal number and has no memory effects.
    unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) };
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| die("arguments", format!("{name} needs a value"))),
        None => default,
    }
}

/// Raises this process's soft `RLIMIT_NOFILE` to its hard limit (the broker holds one fd
/// per connection, each client process ~3 per client); the processes it starts inherit it.
fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit read and write one rlimit struct we own.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn main() {
    raise_fd_limit();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("broker") => broker(&args[1..]),
        Some("clients") => clients(&args[1..]),
        _ => die(
            "usage",
            "soak run [--minutes N] [--processes P] [--clients-per-process K] \
             [--kills-per-minute M] [--dir DIR] [--no-trim]",
        ),
    }
}

// ---------------------------------------------------------------------------------------
// The broker: two ROUTERs (NULL and CURVE), one thread, dedupe by (client, request id).

struct ClientMemory {
    last_seq: u64,
    last_reply: Vec<u8>,
    seen: Instant,
}

fn broker(args: &[String]) {
    die_with_parent();
    let dir = PathBuf::from(arg(args, "--dir", String::from("target/soak")));
    let secret = std::env::var("SOAK_SERVER_SECRET").unwrap_or_else(|e| die("secret", e));
    let secret: [u8; 32] = zmq::z85_decode(&secret)
        .ok()
        .and_then(|k| k.try_into().ok())
        .unwrap_or_else(|| die("secret", "not a z85 key"));
    let ctx = zmq::Context::new();
    let null = ctx.socket(zmq::ROUTER).unwrap_or_else(|e| die("socket", e));
    let curve = ctx.socket(zmq::ROUTER).unwrap_or_else(|e| die("socket", e));
    curve
        .set_curve_server(true)
        .and_then(|()| curve.set_curve_secretkey(&secret))
        .unwrap_or_else(|e| die("curve", e));
    for socket in [&null, &curve] {
        socket.set_linger(0).unwrap_or_else(|e| die("linger", e));
        socket
            .bind("tcp://127.0.0.1:*")
            .unwrap_or_else(|e| die("bind", e));
    }
    let endpoint = |s: &zmq::Socket| s.get_last_endpoint().unwrap().unwrap();
    write_atomic(
        &dir.join("broker.endpoints"),
        &format!("{} {}", endpoint(&null), endpoint(&curve)),
    );

    let mut memory: HashMap<Vec<u8>, ClientMemory> = HashMap::new();
    let (mut executed, mut duplicates, mut stale, mut malformed) = (0u64, 0u64, 0u64, 0u64);
    let mut dropped = 0u64;
    let mut rng = Rng::new(1);
    // Give free heap pages back to the OS every second (glibc's malloc_trim), unless
    // SOAK_MALLOC_TRIM=0. Without it, glibc keeps the pages that connection churn
    // fragments, and RSS creeps up while the heap in use stays flat (docs/scale-limits.md).
    let trim = std::env::var("SOAK_MALLOC_TRIM").map_or(true, |v| v != "0");
    let mut last_write = Instant::now() - Duration::from_secs(10);
    loop {
        let mut items = [
            null.as_poll_item(zmq::POLLIN),
            curve.as_poll_item(zmq::POLLIN),
        ];
        zmq::poll(&mut items, 100).unwrap_or_else(|e| die("poll", e));
        let ready = [items[0].is_readable(), items[1].is_readable()];
        for (socket, ready) in [(&null, ready[0]), (&curve, ready[1])] {
            if !ready {
                continue;
            }
            // Drain what is there without blocking.
            while let Ok(parts) = socket.recv_multipart(zmq::DONTWAIT) {
                // REQ envelope: [routing id, "", "client seq"].
                let [id, empty, body] = parts.as_slice() else {
                    malformed += 1;
                    continue;
                };
                let text = String::from_utf8_lossy(body);
                let mut words = text.split(' ');
                let (Some(client), Some(Ok(seq))) =
                    (words.next(), words.next().map(str::parse::<u64>))
                else {
                    malformed += 1;
                    continue;
                };
                let entry = memory
                    .entry(client.as_bytes().to_vec())
                    .or_insert(ClientMemory {
                        last_seq: 0,
                        last_reply: Vec::new(),
                        seen: Instant::now(),
                    });
                entry.seen = Instant::now();
                let reply = if seq > entry.last_seq {
                    // A new request: execute it (the "work" is the reply text).
                    executed += 1;
                    entry.last_seq = seq;
                    entry.last_reply = format!("ok {client} {seq}").into_bytes();
                    entry.last_reply.clone()
                } else if seq == entry.last_seq {
                    // A retry of the last request: answered from memory, not executed.
                    duplicates += 1;
                    entry.last_reply.clone()
                } else {
                    // An older request than the last executed one: the client has its
                    // answer already (a copy that was still in flight); ignore it.
                    stale += 1;
                    continue;
                };
                // Simulated network loss: one reply in DROP_ONE_IN is not sent, so the
                // clients' retries and this dedupe are exercised all the time.
                if rng.below(DROP_ONE_IN) == 0 {
                    dropped += 1;
                    continue;
                }
                // A client that has gone loses its reply; that is what retries are for.
                let _ = socket.send_multipart([id.clone(), empty.clone(), reply], zmq::DONTWAIT);
            }
        }
        if last_write.elapsed() >= Duration::from_secs(1) {
            last_write = Instant::now();
            // A clean exit on request (for heap profilers, which report at exit).
            if dir.join("broker.stop").exists() {
                return;
            }
            memory.retain(|_, m| m.seen.elapsed() < FORGET_AFTER);
            if trim {
                // SAFETY: malloc_trim has no preconditions; it returns free pages.
                unsafe { libc::malloc_trim(0) };
            }
            write_atomic(
                &dir.join("broker.stats"),
                &format!(
                    "executed={executed} duplicates={duplicates} stale={stale} \
                     dropped={dropped} malformed={malformed} clients_remembered={} \
                     heap_kib={} ts={}",
                    memory.len(),
                    heap_in_use_kib(),
                    now_ms()
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// A client process: K Lazy Pirate clients, sync (threads) or async (tasks on tokio or
// async-io).

struct Counters {
    sent: AtomicU64,
    replies: AtomicU64,
    retries: AtomicU64,
    lost: AtomicU64,
    mismatches: AtomicU64,
    connects: AtomicU64,
    /// The stats file; the lock serialises writers.
    path: std::sync::Mutex<PathBuf>,
}

impl Counters {
    fn new(path: PathBuf) -> Counters {
        Counters {
            sent: AtomicU64::new(0),
            replies: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            mismatches: AtomicU64::new(0),
            connects: AtomicU64::new(0),
            path: std::sync::Mutex::new(path),
        }
    }

    /// Writes the stats file now.
    fn flush(&self) {
        let path = self.path.lock().unwrap_or_else(|p| p.into_inner());
        write_atomic(
            &path,
            &format!(
                "sent={} replies={} retries={} lost={} mismatches={} connects={} heap_kib={} \
                 ts={}",
                self.sent.load(Ordering::Relaxed),
                self.replies.load(Ordering::Relaxed),
                self.retries.load(Ordering::Relaxed),
                self.lost.load(Ordering::Relaxed),
                self.mismatches.load(Ordering::Relaxed),
                self.connects.load(Ordering::Relaxed),
                heap_in_use_kib(),
                now_ms()
            ),
        );
    }

    /// Counts a new request and records it on disk before it is sent, so that the
    /// recorded total is never below what the broker can have executed: more executions
    /// than recorded requests can only mean something was executed twice.
    fn new_request(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.flush();
    }
}

struct ClientSetup {
    endpoint: String,
    server_key: Option<[u8; 32]>,
    name: String,
}

impl ClientSetup {
    fn socket(&self, ctx: &zmq::Context) -> zmq::Result<zmq::Socket> {
        let req = ctx.socket(zmq::REQ)?;
        req.set_linger(0)?;
        if let Some(server_key) = &self.server_key {
            let keys = zmq::CurveKeyPair::new()?;
            req.set_curve_serverkey(server_key)?;
            req.set_curve_publickey(&keys.public_key)?;
            req.set_curve_secretkey(&keys.secret_key)?;
        }
        req.connect(&self.endpoint)?;
        Ok(req)
    }
}

fn clients(args: &[String]) {
    die_with_parent();
    let dir = PathBuf::from(arg(args, "--dir", String::from("target/soak")));
    let name: String = arg(args, "--name", String::from("c"));
    let count: usize = arg(args, "--clients", 10);
    let flavor: String = arg(args, "--flavor", String::from("sync"));
    let curve = args.iter().any(|a| a == "--curve");
    let endpoints = fs::read_to_string(dir.join("broker.endpoints"))
        .unwrap_or_else(|e| die("broker endpoints", e));
    let mut endpoints = endpoints.split_whitespace();
    let (null_ep, curve_ep) = (endpoints.next().unwrap(), endpoints.next().unwrap());
    let server_key = curve.then(|| {
        let public = std::env::var("SOAK_SERVER_PUBLIC").unwrap_or_else(|e| die("key", e));
        zmq::z85_decode(&public)
            .ok()
            .and_then(|k| k.try_into().ok())
            .unwrap_or_else(|| die("key", "not a z85 key"))
    });
    let counters = Arc::new(Counters::new(dir.join(format!("{name}.stats"))));
    let stop = Arc::new(AtomicBool::new(false));
    let ctx = zmq::Context::new();
    let setups: Vec<ClientSetup> = (0..count)
        .map(|i| ClientSetup {
            endpoint: if curve { curve_ep } else { null_ep }.to_owned(),
            server_key,
            name: format!("{name}.{}.{i}", std::process::id()),
        })
        .collect();

    // The stats writer (also written before each new request); it trims the heap as
    // the broker does.
    let trim = std::env::var("SOAK_MALLOC_TRIM").map_or(true, |v| v != "0");
    let writer = {
        let counters = Arc::clone(&counters);
        std::thread::spawn(move || loop {
            counters.flush();
            if trim {
                // SAFETY: malloc_trim has no preconditions; it returns free pages.
                unsafe { libc::malloc_trim(0) };
            }
            std::thread::sleep(Duration::from_secs(1));
        })
    };

    match flavor.as_str() {
        "sync" => {
            let threads: Vec<_> = setups
                .into_iter()
                .enumerate()
                .map(|(i, setup)| {
                    let (ctx, counters, stop) =
                        (ctx.clone(), Arc::clone(&counters), Arc::clone(&stop));
                    std::thread::spawn(move || sync_client(ctx, setup, counters, stop, i as u64))
                })
                .collect();
            for thread in threads {
                if let Ok(Err(err)) = thread.join() {
                    die("sync client", err);
                }
            }
        }
        "tokio" => async_clients(&TokioExec::current_thread(), &ctx, setups, &counters, &stop),
        "async-io" => async_clients(&AsyncIoExec::new(), &ctx, setups, &counters, &stop),
        other => die("arguments", format!("no --flavor {other}")),
    }
    drop(writer);
}

/// Checks a reply; counts a mismatch if it is not the one for `seq`.
fn check_reply(reply: &[u8], setup: &ClientSetup, seq: u64, counters: &Counters) {
    if reply != format!("ok {} {seq}", setup.name).as_bytes() {
        counters.mismatches.fetch_add(1, Ordering::Relaxed);
    }
}

fn sync_client(
    ctx: zmq::Context,
    setup: ClientSetup,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    salt: u64,
) -> zmq::Result<()> {
    let mut rng = Rng::new(salt);
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) {
        // A session: connect, a few requests, disconnect.
        let mut req = setup.socket(&ctx)?;
        counters.connects.fetch_add(1, Ordering::Relaxed);
        for _ in 0..1 + rng.below(20) {
            seq += 1;
            let body = format!("{} {seq}", setup.name);
            let started = Instant::now();
            counters.new_request();
            loop {
                req.send(body.as_str(), 0)?;
                if req.poll(zmq::POLLIN, REPLY_TIMEOUT.as_millis() as i64)? > 0 {
                    let reply = req.recv_bytes(0)?;
                    check_reply(&reply, &setup, seq, &counters);
                    counters.replies.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                // Lazy Pirate: a new socket, the same request again.
                if started.elapsed() > GIVE_UP {
                    counters.lost.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                counters.retries.fetch_add(1, Ordering::Relaxed);
                req = setup.socket(&ctx)?;
                counters.connects.fetch_add(1, Ordering::Relaxed);
            }
            std::thread::sleep(rng.ms(100, 900));
        }
        drop(req);
        std::thread::sleep(rng.ms(0, 500));
    }
    Ok(())
}

/// The clients as tasks on one thread (`exec`), until `stop`.
fn async_clients<E: Exec>(
    exec: &E,
    ctx: &zmq::Context,
    setups: Vec<ClientSetup>,
    counters: &Arc<Counters>,
    stop: &Arc<AtomicBool>,
) {
    exec.block_on(async {
        let running = Arc::new(AtomicU64::new(setups.len() as u64));
        for (i, setup) in setups.into_iter().enumerate() {
            let (ctx, counters, stop) = (ctx.clone(), Arc::clone(counters), Arc::clone(stop));
            let running = Arc::clone(&running);
            exec.spawn(async move {
                if let Err(err) = async_client::<E>(ctx, setup, counters, stop, i as u64).await {
                    die("async client", err);
                }
                running.fetch_sub(1, Ordering::Relaxed);
            });
        }
        while running.load(Ordering::Relaxed) > 0 {
            E::sleep(Duration::from_millis(100)).await;
        }
    });
}

async fn async_client<E: Exec>(
    ctx: zmq::Context,
    setup: ClientSetup,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
    salt: u64,
) -> zmq::Result<()> {
    type Socket<E> = zmq::rt::AsyncSocket<<E as Exec>::Rt>;
    let mut rng = Rng::new(salt);
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) {
        let mut req = Socket::<E>::new(setup.socket(&ctx)?)?;
        counters.connects.fetch_add(1, Ordering::Relaxed);
        for _ in 0..1 + rng.below(20) {
            seq += 1;
            let body = format!("{} {seq}", setup.name);
            let started = Instant::now();
            counters.new_request();
            loop {
                req.send(body.as_str()).await?;
                if let Some(reply) = timeout::<E, _>(REPLY_TIMEOUT, req.recv_bytes()).await {
                    check_reply(&reply?, &setup, seq, &counters);
                    counters.replies.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                if started.elapsed() > GIVE_UP {
                    counters.lost.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                counters.retries.fetch_add(1, Ordering::Relaxed);
                req = Socket::<E>::new(setup.socket(&ctx)?)?;
                counters.connects.fetch_add(1, Ordering::Relaxed);
            }
            E::sleep(rng.ms(100, 900)).await;
        }
        drop(req);
        E::sleep(rng.ms(0, 500)).await;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The orchestrator.

#[derive(Clone, Copy, Default, Debug)]
struct Proc {
    rss_kib: u64,
    /// Heap in use as the process reports it in its stats file (mallinfo2).
    heap_kib: u64,
    fds: u64,
    threads: u64,
}

fn sample(pid: u32) -> Option<Proc> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let fds = fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u64;
    Some(Proc {
        rss_kib: field("VmRSS:"),
        heap_kib: 0,
        fds,
        threads: field("Threads:"),
    })
}

struct Slot {
    child: Child,
    name: String,
    generation: u32,
}

/// The client processes' kinds, in turn by slot.
const FLAVORS: [&str; 3] = ["sync", "tokio", "async-io"];

/// The flavor of a slot's client process: the flavors in turn.
fn flavor_of(slot: usize) -> &'static str {
    FLAVORS[slot % FLAVORS.len()]
}

/// Whether a slot's clients use CURVE: every other turn of the flavors.
fn is_curve(slot: usize) -> bool {
    (slot / FLAVORS.len()) % 2 == 1
}

/// How many of `processes` slots pass `test`.
fn count_slots(processes: usize, test: impl Fn(usize) -> bool) -> usize {
    (0..processes).filter(|&slot| test(slot)).count()
}

fn spawn_client(
    dir: &Path,
    slot: usize,
    generation: u32,
    k: usize,
    public: &str,
    trim: bool,
) -> Slot {
    let (flavor, curve) = (flavor_of(slot), is_curve(slot));
    let name = format!("p{slot}g{generation}");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["clients", "--dir"])
        .arg(dir)
        .args(["--name", &name, "--clients", &k.to_string()])
        .env("SOAK_SERVER_PUBLIC", public)
        .env("SOAK_MALLOC_TRIM", if trim { "1" } else { "0" })
        .stdin(Stdio::null());
    cmd.args(["--flavor", flavor]);
    if curve {
        cmd.arg("--curve");
    }
    let child = cmd.spawn().unwrap_or_else(|e| die("spawn client", e));
    Slot {
        child,
        name,
        generation,
    }
}

fn run(args: &[String]) {
    let minutes: f64 = arg(args, "--minutes", 30.0);
    let processes: usize = arg(args, "--processes", 20);
    let k: usize = arg(args, "--clients-per-process", 10);
    let kills_per_minute: usize = arg(args, "--kills-per-minute", 2);
    let dir = PathBuf::from(arg(args, "--dir", String::from("target/soak")));
    if processes < 2 {
        die("arguments", "--processes must be at least 2");
    }
    // The client process whose RSS, heap, fds and threads are sampled: by default the
    // first of the flavor `--sample` names (sync, tokio or async-io).
    let sample_flavor: String = arg(args, "--sample", String::from("sync"));
    let sampled = (0..processes)
        .find(|&slot| flavor_of(slot) == sample_flavor)
        .unwrap_or_else(|| {
            die(
                "arguments",
                format!("--sample {sample_flavor}: no such client"),
            )
        });
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| die("dir", e));
    let total = Duration::from_secs_f64(minutes * 60.0);
    let warmup = Duration::from_secs(120).min(total / 2);

    let keys = zmq::CurveKeyPair::new().unwrap_or_else(|e| die("keys", e));
    let secret = zmq::z85_encode(&keys.secret_key).unwrap();
    let public = zmq::z85_encode(&keys.public_key).unwrap();
    let trim = !args.iter().any(|a| a == "--no-trim");
    let mut broker = Command::new(std::env::current_exe().unwrap())
        .args(["broker", "--dir"])
        .arg(&dir)
        .env("SOAK_MALLOC_TRIM", if trim { "1" } else { "0" })
        .env("SOAK_SERVER_SECRET", &secret)
        .stdin(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| die("spawn broker", e));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !dir.join("broker.endpoints").exists() {
        if Instant::now() > deadline {
            let _ = broker.kill();
            die("broker", "did not start");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let broker_base = sample(broker.id()).unwrap_or_else(|| die("broker", "no /proc entry"));
    println!(
        "soak: {minutes} min, {processes} client processes x {k} clients \
         (sync/tokio/async-io in turn, NULL/CURVE in turns of three), {kills_per_minute} SIGKILLs a minute, \
         warm-up {}s; broker baseline {broker_base:?}",
        warmup.as_secs()
    );

    let mut slots: Vec<Slot> = (0..processes)
        .map(|slot| spawn_client(&dir, slot, 0, k, &public, trim))
        .collect();
    let mut rng = Rng::new(7);
    let start = Instant::now();
    let (mut kills, mut crashes, mut hangs) = (0u64, 0u64, 0u64);
    let mut crash_notes = Vec::new();
    let mut broker_samples: Vec<(Duration, Proc)> = Vec::new();
    let mut client_samples: Vec<(Duration, Proc)> = Vec::new();
    let mut next_sample = Duration::ZERO;
    let mut next_kill = Duration::from_secs(60);
    let mut csv = String::from(
        "t_s,broker_rss_kib,broker_heap_kib,broker_fds,broker_threads,client_rss_kib,\
         client_heap_kib,client_fds,client_threads,sent,received,retries,lost,duplicated\n",
    );
    let totals = |dir: &Path| {
        let mut sum: HashMap<String, u128> = HashMap::new();
        for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('p') && name.ends_with(".stats") {
                for (key, value) in read_stats(&path) {
                    if key != "ts" && key != "heap_kib" {
                        *sum.entry(key).or_default() += value;
                    }
                }
            }
        }
        sum
    };

    while start.elapsed() < total {
        std::thread::sleep(Duration::from_millis(250));
        let elapsed = start.elapsed();
        // Crashes: a process that exited without being killed by us.
        if let Ok(Some(status)) = broker.try_wait() {
            crashes += 1;
            crash_notes.push(format!("broker exited: {status}"));
            break;
        }
        for (slot_index, slot) in slots.iter_mut().enumerate() {
            if let Ok(Some(status)) = slot.child.try_wait() {
                crashes += 1;
                crash_notes.push(format!("{} exited: {status}", slot.name));
                let generation = slot.generation + 1;
                *slot = spawn_client(&dir, slot_index, generation, k, &public, trim);
            }
        }
        // SIGKILL a few random client processes a minute (never the sampled one).
        if elapsed >= next_kill {
            next_kill += Duration::from_secs(60);
            for _ in 0..kills_per_minute {
                let slot_index =
                    (sampled + 1 + rng.below(processes as u64 - 1) as usize) % processes;
                let slot = &mut slots[slot_index];
                let _ = slot.child.kill(); // SIGKILL, by PID
                let _ = slot.child.wait();
                kills += 1;
                let generation = slot.generation + 1;
                *slot = spawn_client(&dir, slot_index, generation, k, &public, trim);
            }
        }
        if elapsed >= next_sample {
            next_sample += Duration::from_secs(10);
            let mut b = sample(broker.id()).unwrap_or_default();
            let mut c = sample(slots[sampled].child.id()).unwrap_or_default();
            b.heap_kib = read_stats(&dir.join("broker.stats"))
                .get("heap_kib")
                .map_or(0, |&v| v as u64);
            c.heap_kib = read_stats(&dir.join(format!("{}.stats", slots[sampled].name)))
                .get("heap_kib")
                .map_or(0, |&v| v as u64);
            broker_samples.push((elapsed, b));
            client_samples.push((elapsed, c));
            let t = totals(&dir);
            let bs = read_stats(&dir.join("broker.stats"));
            let get = |m: &HashMap<String, u128>, key: &str| m.get(key).copied().unwrap_or(0);
            // One row of samples.csv (its header names the columns), printed as a line too.
            let row: [u128; 14] = [
                elapsed.as_secs().into(),
                b.rss_kib.into(),
                b.heap_kib.into(),
                b.fds.into(),
                b.threads.into(),
                c.rss_kib.into(),
                c.heap_kib.into(),
                c.fds.into(),
                c.threads.into(),
                get(&t, "sent"),
                get(&t, "replies"),
                get(&t, "retries"),
                get(&t, "lost"),
                get(&bs, "duplicates"),
            ];
            let [t_s, b_rss, b_heap, b_fds, b_threads, c_rss, c_heap, c_fds, c_threads, sent, received, retries, lost, duplicated] =
                row;
            println!(
                "soak t={t_s:>4}s broker rss={b_rss}KiB heap={b_heap}KiB fds={b_fds} \
                 threads={b_threads} | client p{sampled} rss={c_rss}KiB heap={c_heap}KiB fds={c_fds} \
                 threads={c_threads} | sent={sent} received={received} retries={retries} \
                 lost={lost} duplicated={duplicated}"
            );
            let fields: Vec<String> = row.iter().map(u128::to_string).collect();
            csv += &fields.join(",");
            csv.push('\n');
            // Hangs: a live process whose stats stopped moving.
            let now = now_ms();
            for slot in &slots {
                let ts = get(&read_stats(&dir.join(format!("{}.stats", slot.name))), "ts");
                if ts != 0 && now.saturating_sub(ts) > HANG_AFTER.as_millis() {
                    hangs += 1;
                    crash_notes.push(format!("{} hung (stats {} ms old)", slot.name, now - ts));
                }
            }
            let ts = get(&bs, "ts");
            if now.saturating_sub(ts) > HANG_AFTER.as_millis() {
                hangs += 1;
                crash_notes.push("broker hung".into());
            }
        }
    }
    let ran = start.elapsed();

    // The end: stop every client, then the broker must be back to its baseline.
    let mut before_stop = sample(broker.id()).unwrap_or_default();
    let mut client_end = sample(slots[sampled].child.id()).unwrap_or_default();
    before_stop.heap_kib = read_stats(&dir.join("broker.stats"))
        .get("heap_kib")
        .map_or(0, |&v| v as u64);
    client_end.heap_kib = read_stats(&dir.join(format!("{}.stats", slots[sampled].name)))
        .get("heap_kib")
        .map_or(0, |&v| v as u64);
    for slot in &mut slots {
        let _ = slot.child.kill();
        let _ = slot.child.wait();
    }
    // Every request was recorded before it was sent, so the files are complete now.
    let t = totals(&dir);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut broker_end = sample(broker.id()).unwrap_or_default();
    while (broker_end.fds != broker_base.fds || broker_end.threads != broker_base.threads)
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(200));
        broker_end = sample(broker.id()).unwrap_or_default();
    }
    std::thread::sleep(Duration::from_millis(1500));
    let bs = read_stats(&dir.join("broker.stats"));
    if let Ok(Some(status)) = broker.try_wait() {
        crashes += 1;
        crash_notes.push(format!("broker exited: {status}"));
    }
    let _ = broker.kill();
    let _ = broker.wait();
    let _ = fs::write(dir.join("samples.csv"), &csv);

    let get = |m: &HashMap<String, u128>, key: &str| m.get(key).copied().unwrap_or(0);
    // RSS growth after the warm-up: the first sample at or after it, against the last.
    let growth = |samples: &[(Duration, Proc)], end: Proc| {
        let base = samples
            .iter()
            .find(|(t, _)| *t >= warmup)
            .or(samples.last())
            .map_or(end, |(_, p)| *p);
        (
            base.rss_kib,
            end.rss_kib,
            100.0 * (end.rss_kib as f64 - base.rss_kib as f64) / base.rss_kib.max(1) as f64,
        )
    };
    let (b_rss0, b_rss1, b_growth) = growth(&broker_samples, before_stop);
    let (c_rss0, c_rss1, c_growth) = growth(&client_samples, client_end);
    let heap = |samples: &[(Duration, Proc)], end: Proc| {
        let heap_samples: Vec<(Duration, Proc)> = samples
            .iter()
            .map(|(t, p)| {
                (
                    *t,
                    Proc {
                        rss_kib: p.heap_kib,
                        ..*p
                    },
                )
            })
            .collect();
        growth(
            &heap_samples,
            Proc {
                rss_kib: end.heap_kib,
                ..end
            },
        )
    };
    let (b_heap0, b_heap1, b_heap_growth) = heap(&broker_samples, before_stop);
    let (c_heap0, c_heap1, c_heap_growth) = heap(&client_samples, client_end);
    let client_fds_warm = client_samples
        .iter()
        .filter(|(t, _)| *t <= warmup)
        .map(|(_, p)| p.fds)
        .max()
        .unwrap_or(client_end.fds);
    let client_threads_base = client_samples.first().map_or(0, |(_, p)| p.threads);
    // Recorded requests are written before they are sent; any execution beyond them was
    // a second execution of something.
    let executed_twice = get(&bs, "executed").saturating_sub(get(&t, "sent"));
    let lost = get(&t, "lost");
    let mismatches = get(&t, "mismatches");
    let mut failures = Vec::new();
    if b_growth >= 5.0 {
        failures.push(format!("broker RSS grew {b_growth:.1}%"));
    }
    if c_growth >= 5.0 {
        failures.push(format!("client RSS grew {c_growth:.1}%"));
    }
    if broker_end.fds != broker_base.fds || broker_end.threads != broker_base.threads {
        failures.push(format!(
            "broker fds/threads {}/{} not back to {}/{}",
            broker_end.fds, broker_end.threads, broker_base.fds, broker_base.threads
        ));
    }
    if client_end.fds > client_fds_warm || client_end.threads != client_threads_base {
        failures.push(format!(
            "client fds/threads {}/{} above warm-up {}/{}",
            client_end.fds, client_end.threads, client_fds_warm, client_threads_base
        ));
    }
    if lost != 0 || executed_twice != 0 || mismatches != 0 {
        failures.push(format!(
            "lost={lost} executed_twice={executed_twice} mismatches={mismatches}"
        ));
    }
    if crashes != 0 || hangs != 0 {
        failures.push(format!("crashes={crashes} hangs={hangs}: {crash_notes:?}"));
    }
    if get(&t, "replies") == 0 {
        failures.push("no requests completed".into());
    }
    let result = if failures.is_empty() { "PASS" } else { "FAIL" };
    println!(
        "FIGURE SOAK minutes={:.1} processes={processes} clients={} sync={} tokio={} \
         async_io={} curve={} kills={kills} malloc_trim={} requests={} replies={} executed={} \
         lost={lost} \
         executed_twice={executed_twice} replies_dropped={} retries={} deduplicated={} \
         stale_copies={} \
         mismatches={mismatches} sessions={} broker_rss_kib={b_rss0}->{b_rss1} \
         ({b_growth:+.1}%) broker_heap_kib={b_heap0}->{b_heap1} ({b_heap_growth:+.1}%) \
         broker_fds={}->{}->{} broker_threads={}->{} \
         sampled_client={sample_flavor} client_rss_kib={c_rss0}->{c_rss1} ({c_growth:+.1}%) \
         client_heap_kib={c_heap0}->{c_heap1} ({c_heap_growth:+.1}%) client_fds_max_warmup={} \
         client_fds_end={} client_threads={}->{} crashes={crashes} hangs={hangs} \
         result={result}",
        ran.as_secs_f64() / 60.0,
        processes * k,
        count_slots(processes, |slot| flavor_of(slot) == "sync") * k,
        count_slots(processes, |slot| flavor_of(slot) == "tokio") * k,
        count_slots(processes, |slot| flavor_of(slot) == "async-io") * k,
        count_slots(processes, is_curve) * k,
        if trim { "yes" } else { "no" },
        get(&t, "sent"),
        get(&t, "replies"),
        get(&bs, "executed"),
        get(&bs, "dropped"),
        get(&t, "retries"),
        get(&bs, "duplicates"),
        get(&bs, "stale"),
        get(&t, "connects"),
        broker_base.fds,
        before_stop.fds,
        broker_end.fds,
        broker_base.threads,
        broker_end.threads,
        client_fds_warm,
        client_end.fds,
        client_threads_base,
        client_end.threads,
    );
    if failures.is_empty() {
        println!("soak: PASS");
    } else {
        println!("soak: FAIL: {}", failures.join("; "));
        std::process::exit(1);
    }
}
