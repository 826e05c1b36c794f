//! A TCP relay on 127.0.0.1 that injects network faults between a client and a server
//! (this kernel has no `sch_netem`, so `tc netem` is not available):
//!
//! - latency: each chunk is held `base ± jitter` (order is kept, as on one TCP path);
//! - a bandwidth cap per direction, in bytes per second;
//! - reset: every relayed connection is closed with an RST on both sides;
//! - black hole: connections are accepted and then nothing is forwarded either way.
//!
//! Clients connect to [`FaultProxy::endpoint`]; the proxy connects to the server's
//! address for each accepted connection. Faults can be changed while traffic flows.
//! Threads only (four per connection), every blocking call bounded by a short timeout;
//! dropping the proxy stops them all.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often blocked threads look at the proxy's state.
const TICK: Duration = Duration::from_millis(10);

/// Kernel buffer size of the proxy's sockets, and the most a direction holds in the
/// proxy itself: small, as on a slow link, so that a sender meets back-pressure (and a
/// PUB its high-water mark) instead of filling megabytes of autotuned buffers.
const BUFFER: usize = 64 * 1024;

/// Chunks in flight inside the proxy per direction (with `BUFFER / 16` bytes each at most).
const CHUNKS: usize = 16;

/// The faults in force.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// Each chunk is delayed by `latency.0 ± latency.1`.
    pub latency: Option<(Duration, Duration)>,
    /// At most this many bytes per second in each direction of each connection.
    pub bandwidth: Option<u64>,
    /// Accept and read, forward nothing.
    pub black_hole: bool,
}

struct Shared {
    faults: Mutex<Faults>,
    stop: AtomicBool,
    /// Bumped by `reset_all`: connections of an older generation close with an RST.
    generation: AtomicU64,
    accepted: AtomicU64,
    resets: AtomicU64,
    seed: AtomicU64,
}

impl Shared {
    fn faults(&self) -> Faults {
        *self.faults.lock().unwrap()
    }

    /// A pseudo-random number (xorshift; the seed is fixed per proxy and printed).
    fn random(&self) -> u64 {
        let mut x = self.seed.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::Relaxed);
        x
    }

    fn delay(&self) -> Duration {
        match self.faults().latency {
            None => Duration::ZERO,
            Some((base, jitter)) => {
                let span = jitter.as_micros() as u64 * 2 + 1;
                let offset = self.random() % span;
                (base + Duration::from_micros(offset)).saturating_sub(jitter)
            }
        }
    }
}

/// A running fault proxy; see the module docs.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1:<free port>` in front of `upstream`
    /// (`tcp://127.0.0.1:port` or `127.0.0.1:port`), with no faults.
    pub fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("tcp://")
            .parse()
            .expect("upstream address");
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1;
        let shared = Arc::new(Shared {
            faults: Mutex::new(Faults::default()),
            stop: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
            resets: AtomicU64::new(0),
            seed: AtomicU64::new(seed),
        });
        let state = Arc::clone(&shared);
        let acceptor = std::thread::spawn(move || accept_loop(listener, upstream, state));
        FaultProxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// Where clients connect: `tcp://127.0.0.1:port`.
    pub fn endpoint(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    /// Replaces the faults in force.
    pub fn set(&self, faults: Faults) {
        *self.shared.faults.lock().unwrap() = faults;
    }

    /// Latency `base ± jitter` from now on.
    pub fn set_latency(&self, base: Duration, jitter: Duration) {
        self.shared.faults.lock().unwrap().latency = Some((base, jitter));
    }

    /// A bandwidth cap (bytes per second per direction), or none.
    pub fn set_bandwidth(&self, bytes_per_second: Option<u64>) {
        self.shared.faults.lock().unwrap().bandwidth = bytes_per_second;
    }

    /// Starts or ends the black hole (existing connections go silent too).
    pub fn set_black_hole(&self, on: bool) {
        self.shared.faults.lock().unwrap().black_hole = on;
    }

    /// Closes every relayed connection with an RST on both sides; new connections are
    /// relayed as before.
    pub fn reset_all(&self) {
        self.shared.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Connections closed by [`reset_all`](Self::reset_all) so far.
    pub fn resets(&self) -> u64 {
        self.shared.resets.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: TcpListener, upstream: SocketAddr, shared: Arc<Shared>) {
    let mut connections = Vec::new();
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => {
                shared.accepted.fetch_add(1, Ordering::SeqCst);
                client.set_nonblocking(false).unwrap();
                connections.push(std::thread::spawn({
                    let shared = Arc::clone(&shared);
                    move || relay(client, upstream, shared)
                }));
            }
            Err(err) if err.kind() == ErrorKind::WouldBlock => std::thread::sleep(TICK),
            Err(_) => std::thread::sleep(TICK),
        }
        connections.retain(|c: &JoinHandle<()>| !c.is_finished());
    }
    for connection in connections {
        let _ = connection.join();
    }
}

/// Sets SO_LINGER to 0, so that closing the socket sends an RST.
fn linger_zero(stream: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the fd is a live socket owned by `stream`; `linger` is a valid value of
    // the size passed.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
}

/// Sets the kernel's send and receive buffers to [`BUFFER`] (no autotuning).
fn small_buffers(stream: &TcpStream) {
    let size = BUFFER as libc::c_int;
    for option in [libc::SO_SNDBUF, libc::SO_RCVBUF] {
        // SAFETY: the fd is a live socket owned by `stream`; `size` is a c_int.
        unsafe {
            libc::setsockopt(
                stream.as_raw_fd(),
                libc::SOL_SOCKET,
                option,
                (&size as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
    }
}

/// Relays one connection until either side closes, a reset, or the proxy stops.
fn relay(client: TcpStream, upstream: SocketAddr, shared: Arc<Shared>) {
    let generation = shared.generation.load(Ordering::SeqCst);
    // In a black hole, accept and go silent: no upstream connection at all. What the
    // client sent meanwhile is gone, so when the black hole ends the connection is
    // reset rather than relayed half-way through a handshake.
    let mut swallowed = false;
    loop {
        if !shared.faults().black_hole {
            if swallowed {
                linger_zero(&client);
                return;
            }
            break;
        }
        swallowed = true;
        if shared.stop.load(Ordering::SeqCst)
            || shared.generation.load(Ordering::SeqCst) != generation
        {
            linger_zero(&client);
            return;
        }
        let mut sink = [0u8; 4096];
        client.set_read_timeout(Some(TICK)).unwrap();
        match (&client).read(&mut sink) {
            Ok(0) => return,
            Ok(_) => {}
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
    let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(2)) else {
        linger_zero(&client);
        return;
    };
    for stream in [&client, &server] {
        let _ = stream.set_nodelay(true);
        small_buffers(stream);
    }
    let done = Arc::new(AtomicBool::new(false));
    let pumps = [
        spawn_pump(&client, &server, &shared, &done, generation),
        spawn_pump(&server, &client, &shared, &done, generation),
    ];
    for (reader, writer) in pumps {
        let _ = reader.join();
        let _ = writer.join();
    }
    if shared.generation.load(Ordering::SeqCst) != generation {
        shared.resets.fetch_add(1, Ordering::SeqCst);
        linger_zero(&client);
        linger_zero(&server);
    } else {
        let _ = client.shutdown(Shutdown::Both);
        let _ = server.shutdown(Shutdown::Both);
    }
}

/// One direction: a reader that stamps chunks with their release time, and a writer that
/// releases them in order (so latency does not cap throughput at one chunk per delay).
fn spawn_pump(
    from: &TcpStream,
    to: &TcpStream,
    shared: &Arc<Shared>,
    done: &Arc<AtomicBool>,
    generation: u64,
) -> (JoinHandle<()>, JoinHandle<()>) {
    let (tx, rx) = mpsc::sync_channel::<(Instant, Vec<u8>)>(CHUNKS);
    let mut from = from.try_clone().unwrap();
    let mut to = to.try_clone().unwrap();
    from.set_read_timeout(Some(TICK)).unwrap();
    to.set_write_timeout(Some(TICK)).unwrap();
    let alive = {
        let shared = Arc::clone(shared);
        let done = Arc::clone(done);
        move || {
            !shared.stop.load(Ordering::SeqCst)
                && !done.load(Ordering::SeqCst)
                && shared.generation.load(Ordering::SeqCst) == generation
        }
    };
    let reader = std::thread::spawn({
        let shared = Arc::clone(shared);
        let done = Arc::clone(done);
        let alive = alive.clone();
        move || {
            let mut buf = vec![0u8; BUFFER / CHUNKS];
            let mut last_release = Instant::now();
            while alive() {
                match from.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if shared.faults().black_hole {
                            continue; // swallowed
                        }
                        let release = (Instant::now() + shared.delay()).max(last_release);
                        last_release = release;
                        if tx.send((release, buf[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                    Err(err)
                        if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
            }
            done.store(true, Ordering::SeqCst);
        }
    });
    let writer = std::thread::spawn({
        let shared = Arc::clone(shared);
        let done = Arc::clone(done);
        move || {
            'chunks: loop {
                let (release, chunk) = match rx.recv_timeout(TICK) {
                    Ok(item) => item,
                    Err(mpsc::RecvTimeoutError::Timeout) if alive() => continue,
                    Err(_) => break,
                };
                while Instant::now() < release {
                    if !alive() {
                        break 'chunks;
                    }
                    std::thread::sleep((release - Instant::now()).min(TICK));
                }
                let mut sent = 0;
                while sent < chunk.len() {
                    if !alive() {
                        break 'chunks;
                    }
                    if shared.faults().black_hole {
                        continue 'chunks; // swallowed
                    }
                    // A bandwidth cap releases at most one tick's worth at a time.
                    let end = match shared.faults().bandwidth {
                        Some(rate) => {
                            let per_tick = (rate as u128 * TICK.as_millis() / 1000).max(1);
                            (sent + per_tick as usize).min(chunk.len())
                        }
                        None => chunk.len(),
                    };
                    match to.write(&chunk[sent..end]) {
                        Ok(n) => {
                            sent += n;
                            if let Some(rate) = shared.faults().bandwidth {
                                std::thread::sleep(Duration::from_micros(
                                    n as u64 * 1_000_000 / rate.max(1),
                                ));
                            }
                        }
                        Err(err)
                            if matches!(
                                err.kind(),
                                ErrorKind::WouldBlock | ErrorKind::TimedOut
                            ) => {}
                        Err(_) => break 'chunks,
                    }
                }
            }
            done.store(true, Ordering::SeqCst);
        }
    });
    (reader, writer)
}
