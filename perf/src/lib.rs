//! What the perf tools share: their command lines, the timed loops, and output in the
//! format of libzmq's own perf tools, so that `cargo xtask perf` reads both alike.
//!
//! The tools measure what libzmq's do:
//! - `local_thr`/`remote_thr`: PULL binds, PUSH connects and sends `count` messages of
//!   `size` bytes; the receiver starts its clock at the first message and prints the mean
//!   throughput.
//! - `local_lat`/`remote_lat`: REP binds and echoes, REQ connects and makes `count` round
//!   trips; the requester prints half the mean round-trip time.
//! - `inproc_thr`/`inproc_lat`: the same pairs in one process over `inproc://`.
//!
//! With the `ours` feature (the default) they also take:
//! - `--async`: the same loops on this crate's tokio adapter (`zmq::rt::tokio`), on a
//!   current-thread runtime;
//! - `--async-io`: the same loops on the async-io adapter (`zmq::rt::async_io`), under
//!   `async_io::block_on`;
//! - `--tuned`: [`zmq::tuning::throughput`] (256 KiB batches) on every socket, and
//!   [`zmq::tuning::retain_heap`] in the process (glibc keeps freed memory for reuse);
//! - `--bytes`: the sync loops, with the senders sending clones of one `bytes::Bytes`
//!   (zero copy, `From<Bytes> for zmq::Message`) instead of a new message each time, as
//!   zmq.rs's tool does;
//! - `--copy`: the sync loops, with the senders copying one payload they hold into a new
//!   message each time (`Sendable for &[u8]`): what sending a buffer the service already
//!   holds costs without zero copy, the row `--bytes` is compared with;
//! - the environment variable `ZMQ_PERF_KNOBS`, e.g. `in_batch=65536,rcvhwm=10000`, to
//!   try libzmq settings one by one (see [`Knobs`]).
//!
//! Without `ours` the same sources build against rust-zmq 0.10, which is how the harness
//! measures it.

use std::process;
use std::time::{Duration, Instant};

#[cfg(feature = "ours")]
mod knobs;
#[cfg(feature = "ours")]
pub use knobs::Knobs;

#[cfg(feature = "ours")]
pub mod asynchronous;
#[cfg(feature = "ours")]
pub mod exec;

/// How a tool runs its loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Blocking calls on `zmq::Socket`.
    Sync,
    /// The tokio adapter.
    Async,
    /// The async-io adapter.
    AsyncIo,
    /// Blocking calls; the senders send clones of one `bytes::Bytes` ([`SharedBytes`]).
    SyncBytes,
    /// Blocking calls; the senders copy one payload into each message ([`CopiedPayload`]).
    SyncCopy,
}

/// A tool's command line: `<endpoint> <message-size> <count>` plus flags.
#[derive(Clone, Debug)]
pub struct Args {
    /// The endpoint to bind or connect to (`None` for the inproc tools).
    pub endpoint: Option<String>,
    /// Bytes per message.
    pub size: usize,
    /// Messages (throughput) or round trips (latency).
    pub count: usize,
    /// Sync or async.
    pub mode: Mode,
    /// Apply the tuning preset.
    pub tuned: bool,
}

impl Args {
    /// The endpoint; the inproc tools use a fixed name.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or("inproc://perf")
    }
}

/// Parses `tool [<endpoint>] <message-size> <count> [--async] [--tuned]`, or prints the
/// usage line and exits with status 1, as libzmq's tools do.
///
/// `endpoint` names the first argument (`bind-to`, `connect-to`), `None` for the inproc
/// tools; `count` names the last (`message-count`, `roundtrip-count`).
pub fn parse_args(tool: &str, endpoint: Option<&str>, count: &str) -> Args {
    let mut positional = Vec::new();
    let mut mode = Mode::Sync;
    let mut tuned = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--async" if cfg!(feature = "ours") => mode = Mode::Async,
            "--async-io" if cfg!(feature = "ours") => mode = Mode::AsyncIo,
            "--bytes" if cfg!(feature = "ours") => mode = Mode::SyncBytes,
            "--copy" if cfg!(feature = "ours") => mode = Mode::SyncCopy,
            "--tuned" if cfg!(feature = "ours") => tuned = true,
            _ => positional.push(arg),
        }
    }
    let wanted = 2 + usize::from(endpoint.is_some());
    let usage = || -> ! {
        let first = endpoint.map(|e| format!("<{e}> ")).unwrap_or_default();
        let flags = if cfg!(feature = "ours") {
            " [--async|--async-io|--bytes|--copy] [--tuned]"
        } else {
            ""
        };
        println!("usage: {tool} {first}<message-size> <{count}>{flags}");
        process::exit(1);
    };
    if positional.len() != wanted {
        usage();
    }
    let number = |text: &str| text.parse::<usize>().ok().filter(|&n| n > 0);
    let (Some(size), Some(n)) = (
        number(&positional[wanted - 2]),
        number(&positional[wanted - 1]),
    ) else {
        usage()
    };
    #[cfg(feature = "ours")]
    if tuned {
        retain_heap();
    }
    Args {
        endpoint: endpoint.map(|_| positional[0].clone()),
        size,
        count: n,
        mode,
        tuned,
    }
}

/// Prints `error in <what>: <error>` and exits with status 1.
pub fn fail(what: &str, err: impl std::fmt::Display) -> ! {
    println!("error in {what}: {err}");
    process::exit(1);
}

/// Unwraps a result, or fails naming the call.
pub trait OrFail<T> {
    /// The value, or [`fail`] with `what`.
    fn or_fail(self, what: &str) -> T;
}

impl<T, E: std::fmt::Display> OrFail<T> for Result<T, E> {
    fn or_fail(self, what: &str) -> T {
        self.unwrap_or_else(|err| fail(what, err))
    }
}

/// Prints a throughput result like libzmq's `local_thr`.
pub fn print_throughput(size: usize, count: usize, elapsed: Duration) {
    let micros = (elapsed.as_secs_f64() * 1e6).max(1.0);
    let per_second = count as f64 / micros * 1e6;
    let megabits = per_second * size as f64 * 8.0 / 1e6;
    println!("message size: {size} [B]");
    println!("message count: {count}");
    println!("mean throughput: {} [msg/s]", per_second as u64);
    println!("mean throughput: {megabits:.3} [Mb/s]");
}

/// Prints a latency result like libzmq's `remote_lat`: half the mean round trip.
pub fn print_latency(size: usize, roundtrips: usize, elapsed: Duration) {
    let latency = elapsed.as_secs_f64() * 1e6 / (roundtrips as f64 * 2.0);
    println!("message size: {size} [B]");
    println!("roundtrip count: {roundtrips}");
    println!("average latency: {latency:.3} [us]");
}

/// A context for a tool: libzmq's defaults (one I/O thread), plus any `ZMQ_PERF_KNOBS`.
pub fn context(args: &Args) -> zmq::Context {
    let ctx = zmq::Context::new();
    #[cfg(feature = "ours")]
    Knobs::from_env().apply_to_context(&ctx);
    let _ = args;
    ctx
}

/// The tuned preset's process-wide part: [`zmq::tuning::retain_heap`], where the C library
/// is 64-bit glibc (elsewhere it changes nothing, and the tools go on). Called while the
/// arguments are parsed, the first thing each tool does.
#[cfg(feature = "ours")]
fn retain_heap() {
    // SAFETY: the tools call parse_args first in main, before any other thread exists.
    match unsafe { zmq::tuning::retain_heap() } {
        Ok(()) | Err(zmq::Error::ENOTSUP) => {}
        Err(e) => fail("zmq::tuning::retain_heap", e),
    }
}

/// A socket of `kind`, with the tuned preset and any `ZMQ_PERF_KNOBS` applied.
pub fn socket(ctx: &zmq::Context, kind: zmq::SocketType, args: &Args) -> zmq::Socket {
    let socket = ctx.socket(kind).or_fail("zmq_socket");
    #[cfg(feature = "ours")]
    {
        if args.tuned {
            zmq::tuning::throughput(&socket).or_fail("zmq::tuning::throughput");
        }
        Knobs::from_env().apply_to_socket(&socket);
    }
    #[cfg(not(feature = "ours"))]
    let _ = args;
    socket
}

/// Receives one message into `msg`, which must have `size` bytes (the tools' only check).
#[inline]
fn recv_sized(socket: &zmq::Socket, msg: &mut zmq::Message, size: usize) {
    socket.recv(msg, 0).or_fail("zmq_msg_recv");
    if msg.len() != size {
        fail("zmq_msg_recv", "message of incorrect size received");
    }
}

/// Receives `count` messages of `size` bytes; returns the time from the first to the last.
pub fn receive_messages(socket: &zmq::Socket, size: usize, count: usize) -> Duration {
    let mut msg = zmq::Message::new();
    recv_sized(socket, &mut msg, size);
    let start = Instant::now();
    for _ in 1..count {
        recv_sized(socket, &mut msg, size);
    }
    start.elapsed()
}

/// Sends `count` new messages of `size` bytes.
///
/// Like libzmq's tools (`zmq_msg_init_size`, then send), each message is allocated and
/// its payload is not written: zero-filling it would make the Rust tools measure `memset`
/// (a third of the time for 64 KiB over inproc) instead of the binding.
pub fn send_messages(socket: &zmq::Socket, size: usize, count: usize) {
    for _ in 0..count {
        // SAFETY: the payload is never read by Rust code, here or in the receiving tool
        // (which only checks the size); libzmq copies its bytes to the peer as they are,
        // exactly what libzmq's own remote_thr and inproc_thr send.
        #[allow(deprecated)]
        let msg = unsafe { zmq::Message::with_capacity_unallocated(size) };
        socket.send(msg, 0).or_fail("zmq_msg_send");
    }
}

/// Sends `msg` and leaves it empty (ready to receive into).
fn send_back(socket: &zmq::Socket, msg: &mut zmq::Message) {
    #[cfg(feature = "ours")]
    socket.send(msg, 0).or_fail("zmq_msg_send");
    // rust-zmq 0.10 has no `Sendable for &mut Message`.
    #[cfg(not(feature = "ours"))]
    socket
        .send(std::mem::replace(msg, zmq::Message::new()), 0)
        .or_fail("zmq_msg_send");
}

/// Echoes `roundtrips` messages of `size` bytes (the REP side).
pub fn echo(socket: &zmq::Socket, size: usize, roundtrips: usize) {
    let mut msg = zmq::Message::new();
    for _ in 0..roundtrips {
        recv_sized(socket, &mut msg, size);
        send_back(socket, &mut msg);
    }
}

/// Makes `roundtrips` round trips of a `size`-byte message (the REQ side); returns the
/// total time.
pub fn ping(socket: &zmq::Socket, size: usize, roundtrips: usize) -> Duration {
    let mut msg = zmq::Message::with_size(size);
    let start = Instant::now();
    for _ in 0..roundtrips {
        send_back(socket, &mut msg);
        recv_sized(socket, &mut msg, size);
    }
    start.elapsed()
}

/// The six tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// PULL, binds, receives and prints the throughput.
    LocalThr,
    /// PUSH, connects and sends.
    RemoteThr,
    /// REP, binds and echoes.
    LocalLat,
    /// REQ, connects, makes the round trips and prints the latency.
    RemoteLat,
    /// PUSH and PULL in one process.
    InprocThr,
    /// REQ and REP in one process.
    InprocLat,
}

impl Tool {
    /// The program's name, as libzmq names it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::LocalThr => "local_thr",
            Tool::RemoteThr => "remote_thr",
            Tool::LocalLat => "local_lat",
            Tool::RemoteLat => "remote_lat",
            Tool::InprocThr => "inproc_thr",
            Tool::InprocLat => "inproc_lat",
        }
    }

    fn endpoint_name(self) -> Option<&'static str> {
        match self {
            Tool::LocalThr | Tool::LocalLat => Some("bind-to"),
            Tool::RemoteThr | Tool::RemoteLat => Some("connect-to"),
            Tool::InprocThr | Tool::InprocLat => None,
        }
    }

    fn count_name(self) -> &'static str {
        match self {
            Tool::LocalThr | Tool::RemoteThr | Tool::InprocThr => "message-count",
            Tool::LocalLat | Tool::RemoteLat | Tool::InprocLat => "roundtrip-count",
        }
    }
}

/// A tool's `main`: parses the command line and runs the sync or async version.
pub fn main(tool: Tool) {
    let args = parse_args(tool.name(), tool.endpoint_name(), tool.count_name());
    match args.mode {
        Mode::Sync => run::<Blocking>(tool, &args),
        #[cfg(feature = "ours")]
        Mode::Async => run::<asynchronous::Async>(tool, &args),
        #[cfg(feature = "ours")]
        Mode::AsyncIo => run::<asynchronous::AsyncIo>(tool, &args),
        #[cfg(feature = "ours")]
        Mode::SyncBytes => run::<Held<SharedBytes>>(tool, &args),
        #[cfg(feature = "ours")]
        Mode::SyncCopy => run::<Held<CopiedPayload>>(tool, &args),
        #[cfg(not(feature = "ours"))]
        Mode::Async | Mode::AsyncIo | Mode::SyncBytes | Mode::SyncCopy => {
            unreachable!("--async, --async-io, --bytes and --copy need the `ours` feature")
        }
    }
}

/// The four loops the tools are made of: blocking ([`Blocking`]) or on the tokio adapter
/// (`asynchronous::Async`). Each takes its socket and closes it when done.
pub trait Loops {
    /// Receives `count` messages of `size` bytes; returns the time from the first to the last.
    fn receive(socket: zmq::Socket, size: usize, count: usize) -> Duration;
    /// Sends `count` new messages of `size` bytes.
    fn send(socket: zmq::Socket, size: usize, count: usize);
    /// Echoes `roundtrips` messages of `size` bytes (the REP side).
    fn echo(socket: zmq::Socket, size: usize, roundtrips: usize);
    /// Makes `roundtrips` round trips (the REQ side); returns the total time.
    fn ping(socket: zmq::Socket, size: usize, roundtrips: usize) -> Duration;
}

/// The blocking loops: [`receive_messages`], [`send_messages`], [`echo`], [`ping`].
pub struct Blocking;

impl Loops for Blocking {
    fn receive(socket: zmq::Socket, size: usize, count: usize) -> Duration {
        receive_messages(&socket, size, count)
    }
    fn send(socket: zmq::Socket, size: usize, count: usize) {
        send_messages(&socket, size, count)
    }
    fn echo(socket: zmq::Socket, size: usize, roundtrips: usize) {
        echo(&socket, size, roundtrips)
    }
    fn ping(socket: zmq::Socket, size: usize, roundtrips: usize) -> Duration {
        ping(&socket, size, roundtrips)
    }
}

/// A payload a sender holds for the whole run, and how it becomes each message.
#[cfg(feature = "ours")]
pub trait HeldPayload {
    /// The payload of `size` bytes.
    fn new(size: usize) -> Self;
    /// Sends it once more.
    fn send(&self, socket: &zmq::Socket);
}

/// Clones of one `bytes::Bytes`: a reference count and one small allocation per message,
/// no payload allocation (what zmq.rs's tool does, and what a service holding its payloads
/// in `Bytes` does; 64 bytes and less are copied, see `From<Bytes> for zmq::Message`).
#[cfg(feature = "ours")]
pub struct SharedBytes(bytes::Bytes);

#[cfg(feature = "ours")]
impl HeldPayload for SharedBytes {
    fn new(size: usize) -> Self {
        SharedBytes(bytes::Bytes::from(vec![0u8; size]))
    }
    fn send(&self, socket: &zmq::Socket) {
        socket.send(self.0.clone(), 0).or_fail("zmq_msg_send");
    }
}

/// One buffer copied into a new message each time (`Sendable for &[u8]`): an allocation
/// and a copy of the payload per message, what the same service pays without zero copy.
#[cfg(feature = "ours")]
pub struct CopiedPayload(Vec<u8>);

#[cfg(feature = "ours")]
impl HeldPayload for CopiedPayload {
    fn new(size: usize) -> Self {
        CopiedPayload(vec![0u8; size])
    }
    fn send(&self, socket: &zmq::Socket) {
        socket.send(&self.0[..], 0).or_fail("zmq_msg_send");
    }
}

/// The blocking loops, except that the senders send a payload they hold (`P`) instead of
/// a new unwritten message each time. The receivers are [`Blocking`]'s.
#[cfg(feature = "ours")]
pub struct Held<P>(std::marker::PhantomData<P>);

#[cfg(feature = "ours")]
impl<P: HeldPayload> Loops for Held<P> {
    fn receive(socket: zmq::Socket, size: usize, count: usize) -> Duration {
        receive_messages(&socket, size, count)
    }
    fn send(socket: zmq::Socket, size: usize, count: usize) {
        let payload = P::new(size);
        for _ in 0..count {
            payload.send(&socket);
        }
    }
    fn echo(socket: zmq::Socket, size: usize, roundtrips: usize) {
        echo(&socket, size, roundtrips)
    }
    fn ping(socket: zmq::Socket, size: usize, roundtrips: usize) -> Duration {
        let payload = P::new(size);
        let mut msg = zmq::Message::new();
        let start = Instant::now();
        for _ in 0..roundtrips {
            payload.send(&socket);
            recv_sized(&socket, &mut msg, size);
        }
        start.elapsed()
    }
}

/// Runs `tool` with the loops of `L`: one socket, bound or connected; for the inproc
/// tools, a bound one on this thread and a connected one on another thread.
fn run<L: Loops>(tool: Tool, args: &Args) {
    let ctx = context(args);
    let (size, count) = (args.size, args.count);
    let bound = |kind| {
        let socket = socket(&ctx, kind, args);
        socket.bind(args.endpoint()).or_fail("zmq_bind");
        socket
    };
    let connected = |kind| {
        let socket = socket(&ctx, kind, args);
        socket.connect(args.endpoint()).or_fail("zmq_connect");
        socket
    };
    let join = |thread: std::thread::JoinHandle<()>, name| {
        thread.join().unwrap_or_else(|_| fail(name, "panicked"))
    };
    match tool {
        Tool::LocalThr => {
            let elapsed = L::receive(bound(zmq::PULL), size, count);
            print_throughput(size, count, elapsed);
        }
        Tool::RemoteThr => L::send(connected(zmq::PUSH), size, count),
        Tool::LocalLat => L::echo(bound(zmq::REP), size, count),
        Tool::RemoteLat => {
            let elapsed = L::ping(connected(zmq::REQ), size, count);
            print_latency(size, count, elapsed);
        }
        Tool::InprocThr => {
            let (pull, push) = (bound(zmq::PULL), connected(zmq::PUSH));
            let sender = std::thread::spawn(move || L::send(push, size, count));
            let elapsed = L::receive(pull, size, count);
            join(sender, "the sender thread");
            print_throughput(size, count, elapsed);
        }
        Tool::InprocLat => {
            let (req, rep) = (bound(zmq::REQ), connected(zmq::REP));
            let echoer = std::thread::spawn(move || L::echo(rep, size, count));
            let elapsed = L::ping(req, size, count);
            join(echoer, "the echo thread");
            print_latency(size, count, elapsed);
        }
    }
}
