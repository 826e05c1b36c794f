//! Throughput of the tokio adapter against this crate's sync API, side by side in one run
//! (a bench until the perf harness lands). For each transport (inproc, ipc, tcp) and
//! message size (64 B, 1 KiB), PUSH -> PULL, `count` messages:
//! - `recv`: a sync PUSH thread feeds a PULL that is sync, then async (tokio
//!   `current_thread`), like libzmq's `local_thr`;
//! - `send`: a PUSH that is sync, then async, feeds a sync PULL thread.
//!
//! The receiver times first to last message. Runs are interleaved (sync, async, sync, ...)
//! `reps` times and the medians reported, with the async/sync ratio.
//!
//! ```text
//! cargo run --release --example async_thr --features tokio -- [--count N] [--reps R]
//!     [--only sync|async] [--dir recv|send] [--transport inproc|ipc|tcp] [--size BYTES]
//! ```
//! `--only`/`--dir`/`--transport`/`--size` narrow the run, e.g. for `strace -c -f`;
//! `THR_TRACE=1` prints each run to stderr as it starts. A run that does not finish within
//! two minutes ends the program with an error (a hang detector, off the measured path).

use std::time::Instant;

use zmq::rt::tokio::AsyncSocket;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Sync,
    Async,
}

#[derive(Clone, Copy, PartialEq)]
enum Dir {
    Recv,
    Send,
}

struct Args {
    count: usize,
    reps: usize,
    modes: Vec<Mode>,
    dirs: Vec<Dir>,
    transports: Vec<&'static str>,
    sizes: Vec<usize>,
}

const USAGE: &str = "usage: async_thr [--count N] [--reps R] [--only sync|async] \
                     [--dir recv|send] [--transport inproc|ipc|tcp] [--size BYTES]";

/// The command line, or what is wrong with it.
fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        count: 1_000_000,
        reps: 5,
        modes: vec![Mode::Sync, Mode::Async],
        dirs: vec![Dir::Recv, Dir::Send],
        transports: vec!["inproc", "ipc", "tcp"],
        sizes: vec![64, 1024],
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = |what: &str| {
            value
                .parse::<usize>()
                .map_err(|_| format!("{flag} {what}: not a number: {value:?}"))
        };
        match flag.as_str() {
            "--count" => args.count = number("N")?,
            "--reps" => args.reps = number("R")?,
            "--size" => args.sizes = vec![number("BYTES")?],
            "--only" => {
                args.modes = vec![match value.as_str() {
                    "sync" => Mode::Sync,
                    "async" => Mode::Async,
                    _ => return Err(format!("--only sync|async, not {value:?}")),
                }]
            }
            "--dir" => {
                args.dirs = vec![match value.as_str() {
                    "send" => Dir::Send,
                    "recv" => Dir::Recv,
                    _ => return Err(format!("--dir recv|send, not {value:?}")),
                }]
            }
            "--transport" => {
                args.transports = vec![match value.as_str() {
                    "inproc" => "inproc",
                    "ipc" => "ipc",
                    "tcp" => "tcp",
                    _ => return Err(format!("--transport inproc|ipc|tcp, not {value:?}")),
                }]
            }
            other => return Err(format!("unknown flag {other}")),
        }
    }
    Ok(args)
}

fn endpoint(transport: &str, run: usize) -> String {
    match transport {
        "inproc" => format!("inproc://thr-{run}"),
        "ipc" => format!("ipc:///tmp/zmq-async-thr-{}-{run}.ipc", std::process::id()),
        _ => "tcp://127.0.0.1:*".to_owned(),
    }
}

/// Runs one measurement; returns messages per second seen by the receiver.
fn measure(
    ctx: &zmq::Context,
    transport: &str,
    size: usize,
    count: usize,
    dir: Dir,
    mode: Mode,
    run: usize,
) -> f64 {
    let pull = ctx.socket(zmq::PULL).unwrap();
    pull.set_rcvhwm(1000).unwrap();
    pull.bind(&endpoint(transport, run)).unwrap();
    let endpoint = pull.get_last_endpoint().unwrap().unwrap();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.set_sndhwm(1000).unwrap();
    push.connect(&endpoint).unwrap();
    let payload = vec![7u8; size];

    // The sender gives its socket back, and it is closed only once the receiver has every
    // message: a PUSH closed right after its last send can lose the tail of what it sent
    // over ipc even with the default infinite linger, when the receiver is behind
    // (libzmq #4660), and the receiver would then wait forever.
    let sender = move |push: zmq::Socket, mode: Mode| {
        let payload = payload.clone();
        std::thread::spawn(move || match mode {
            Mode::Sync => {
                for _ in 0..count {
                    push.send(&payload[..], 0).unwrap();
                }
                push
            }
            Mode::Async => {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    let mut push = AsyncSocket::new(push).unwrap();
                    for _ in 0..count {
                        push.send(&payload[..]).await.unwrap();
                    }
                    push.into_inner()
                })
            }
        })
    };
    let recv_sync = |pull: zmq::Socket| {
        let first = pull.recv_msg(0).unwrap();
        assert_eq!(first.len(), size);
        let start = Instant::now();
        for _ in 1..count {
            pull.recv_msg(0).unwrap();
        }
        start.elapsed()
    };

    let _watchdog = Watchdog::start(transport, dir, mode, run);
    let (elapsed, push) = match (dir, mode) {
        (Dir::Recv, Mode::Sync) | (Dir::Send, Mode::Sync) => {
            let t = sender(push, Mode::Sync);
            let e = recv_sync(pull);
            (e, t.join().unwrap())
        }
        (Dir::Send, Mode::Async) => {
            let t = sender(push, Mode::Async);
            let e = recv_sync(pull);
            (e, t.join().unwrap())
        }
        (Dir::Recv, Mode::Async) => {
            let t = sender(push, Mode::Sync);
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let e = rt.block_on(async {
                let mut pull = AsyncSocket::new(pull).unwrap();
                let first = pull.recv_msg().await.unwrap();
                assert_eq!(first.len(), size);
                let start = Instant::now();
                for _ in 1..count {
                    pull.recv_msg().await.unwrap();
                }
                start.elapsed()
            });
            (e, t.join().unwrap())
        }
    };
    drop(push);
    (count - 1) as f64 / elapsed.as_secs_f64()
}

/// A hang detector off the hot path: if a run takes longer than [`Watchdog::LIMIT`], it
/// says which one and ends the process with an error instead of waiting forever.
struct Watchdog(std::sync::mpsc::Sender<()>);

impl Watchdog {
    const LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

    fn start(transport: &str, dir: Dir, mode: Mode, run: usize) -> Watchdog {
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let what = format!(
            "run {run} ({transport}, {}, {})",
            if dir == Dir::Recv { "recv" } else { "send" },
            if mode == Mode::Sync { "sync" } else { "async" }
        );
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                finished.recv_timeout(Watchdog::LIMIT)
            {
                eprintln!(
                    "async_thr: {what} did not finish within {:?}",
                    Watchdog::LIMIT
                );
                std::process::exit(2);
            }
        });
        Watchdog(done)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn main() {
    let args = parse_args().unwrap_or_else(|err| {
        eprintln!("async_thr: {err}\n{USAGE}");
        std::process::exit(2);
    });
    let ctx = zmq::Context::new();
    println!(
        "{:<7} {:>5} {:<5} {:>12} {:>12} {:>7}   (msg/s, median of {} interleaved runs of {} messages)",
        "transp", "size", "dir", "sync", "async", "ratio", args.reps, args.count
    );
    let mut run = 0;
    for &transport in &args.transports {
        for &size in &args.sizes {
            for &dir in &args.dirs {
                let mut sync = Vec::new();
                let mut asyn = Vec::new();
                for _ in 0..args.reps {
                    for &mode in &args.modes {
                        run += 1;
                        if std::env::var_os("THR_TRACE").is_some() {
                            eprintln!(
                                "run {run}: {transport} {size} {} {}",
                                if dir == Dir::Recv { "recv" } else { "send" },
                                if mode == Mode::Sync { "sync" } else { "async" }
                            );
                        }
                        let rate = measure(&ctx, transport, size, args.count, dir, mode, run);
                        match mode {
                            Mode::Sync => sync.push(rate),
                            Mode::Async => asyn.push(rate),
                        }
                    }
                }
                let s = if sync.is_empty() {
                    f64::NAN
                } else {
                    median(&mut sync)
                };
                let a = if asyn.is_empty() {
                    f64::NAN
                } else {
                    median(&mut asyn)
                };
                println!(
                    "{:<7} {:>5} {:<5} {:>12.0} {:>12.0} {:>7.3}",
                    transport,
                    size,
                    if dir == Dir::Recv { "recv" } else { "send" },
                    s,
                    a,
                    a / s
                );
            }
        }
    }
}
