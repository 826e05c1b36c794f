//! Helpers for the reliability and security scenarios (S1–T27): figure lines, monitor
//! event collection, bounded delivery checks, raw ZMTP bytes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use zmq::monitor::{Event, Events, Monitor};

/// The one unavoidable sleep of the scenarios, named as the reference asks.
pub const SETTLE: Duration = Duration::from_millis(300);

/// The window in which a refused peer must deliver nothing (libzmq's
/// `expect_bounce_fail` waits 250 ms).
pub const REFUSAL_WINDOW: Duration = Duration::from_millis(250);

/// How long to wait for something that should happen: [`super::POSITIVE_WAIT`], stretched
/// by `ZMQ_TEST_SLOWDOWN` (runs under valgrind). A hang detector, never a verdict.
pub fn patience() -> Duration {
    let slowdown = std::env::var("ZMQ_TEST_SLOWDOWN")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    super::POSITIVE_WAIT * slowdown
}

/// Prints the scenario's figure line: `FIGURE <id> key=value ...`.
pub fn figure(id: &str, fields: impl std::fmt::Display) {
    println!("FIGURE {id} {fields}");
}

/// The address a test endpoint string points at (`host:port` of `tcp://host:port`).
pub fn tcp_addr(endpoint: &str) -> String {
    endpoint.trim_start_matches("tcp://").to_owned()
}

/// A [`Monitor`] that stops monitoring its socket before it is dropped.
///
/// libzmq sends monitor events with a *blocking* send on its internal PAIR socket: once
/// our end is closed, the next event blocks the thread that emits it (often the I/O
/// thread, which then serves no connection of the context). So a monitor must outlive
/// the events of its socket; this guard borrows the socket, is dropped before it, and
/// calls `stop_monitor` first.
pub struct Watched<'a> {
    socket: &'a zmq::Socket,
    monitor: Monitor,
}

impl std::ops::Deref for Watched<'_> {
    type Target = Monitor;

    fn deref(&self) -> &Monitor {
        &self.monitor
    }
}

impl Drop for Watched<'_> {
    fn drop(&mut self) {
        let _ = self.socket.stop_monitor();
    }
}

/// Monitors `socket` for `events` (see [`Watched`]).
pub fn watch(socket: &zmq::Socket, events: Events) -> Watched<'_> {
    Watched {
        socket,
        monitor: Monitor::new(socket, events).expect("monitor"),
    }
}

/// A monitor of handshake events only (what libzmq's security tests watch).
pub fn handshake_monitor(socket: &zmq::Socket) -> Watched<'_> {
    watch(
        socket,
        Events::HANDSHAKE_SUCCEEDED
            | Events::HANDSHAKE_FAILED_NO_DETAIL
            | Events::HANDSHAKE_FAILED_PROTOCOL
            | Events::HANDSHAKE_FAILED_AUTH,
    )
}

/// Every event that arrives within `window` (from now).
pub fn events_within(monitor: &Monitor, window: Duration) -> Vec<Event> {
    let deadline = Instant::now() + window;
    let mut events = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return events;
        }
        match monitor.recv_timeout(left).expect("monitor recv") {
            Some(event) => events.push(event.event),
            None => return events,
        }
    }
}

/// Waits up to `limit` for the first event matching `pred`; returns it and the events
/// seen before it.
pub fn first_event(
    monitor: &Monitor,
    limit: Duration,
    mut pred: impl FnMut(&Event) -> bool,
) -> (Option<Event>, Vec<Event>) {
    let deadline = Instant::now() + limit;
    let mut before = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return (None, before);
        }
        match monitor.recv_timeout(left).expect("monitor recv") {
            Some(event) if pred(&event.event) => return (Some(event.event), before),
            Some(event) => before.push(event.event),
            None => return (None, before),
        }
    }
}

/// Sends one frame (without blocking) and reports whether `receiver` gets a message
/// within `window`. Drains what arrives.
pub fn delivered_within(
    sender: &zmq::Socket,
    receiver: &zmq::Socket,
    payload: &str,
    window: Duration,
) -> bool {
    let _ = sender.send(payload, zmq::DONTWAIT);
    let ms = window.as_millis() as i64;
    if receiver.poll(zmq::POLLIN, ms).unwrap_or(0) == 0 {
        return false;
    }
    receiver.recv_multipart(zmq::DONTWAIT).is_ok()
}

/// A 2-frame bounce: client sends, server echoes back; true when both legs arrive
/// intact (the sockets' RCVTIMEO bounds each receive).
pub fn bounce(client: &zmq::Socket, server: &zmq::Socket) -> bool {
    let content = [
        b"12345678ABCDEFGH12345678abcdefgh".to_vec(),
        b"second".to_vec(),
    ];
    if client.send_multipart(content.clone(), 0).is_err() {
        return false;
    }
    let Ok(got) = server.recv_multipart(0) else {
        return false;
    };
    if got != content || server.send_multipart(got, 0).is_err() {
        return false;
    }
    client
        .recv_multipart(0)
        .map(|back| back == content)
        .unwrap_or(false)
}

/// A ZMTP 3.0 greeting (64 bytes) for `mechanism`.
pub fn zmtp3_greeting(mechanism: &str, as_server: bool) -> Vec<u8> {
    let mut greeting = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 0];
    let mut name = [0u8; 20];
    name[..mechanism.len()].copy_from_slice(mechanism.as_bytes());
    greeting.extend_from_slice(&name);
    greeting.push(u8::from(as_server));
    greeting.extend_from_slice(&[0u8; 31]);
    greeting
}

/// A ZMTP 3 command frame: `name` (length-prefixed) followed by `body`.
pub fn zmtp_command(name: &str, body: &[u8]) -> Vec<u8> {
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name.as_bytes());
    payload.extend_from_slice(body);
    zmtp_frame(0x04, &payload)
}

/// A ZMTP 3 frame with `flags` (0x01 more, 0x04 command; long form chosen by size).
pub fn zmtp_frame(flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 9);
    if payload.len() < 256 {
        frame.push(flags);
        frame.push(payload.len() as u8);
    } else {
        frame.push(flags | 0x02);
        frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
    }
    frame.extend_from_slice(payload);
    frame
}

/// NULL-mechanism READY metadata with a socket type.
pub fn ready_body(socket_type: &str) -> Vec<u8> {
    let mut body = vec![11];
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&(socket_type.len() as u32).to_be_bytes());
    body.extend_from_slice(socket_type.as_bytes());
    body
}

/// A raw TCP connection with read/write timeouts (hang detectors).
pub fn raw_connect(endpoint: &str) -> TcpStream {
    let stream = TcpStream::connect(tcp_addr(endpoint)).expect("raw tcp connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    stream
}

/// Reads exactly `n` bytes, or fewer if the peer closes or goes quiet.
pub fn read_up_to(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    let mut got = 0;
    while got < n {
        match stream.read(&mut buf[got..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => got += k,
        }
    }
    buf.truncate(got);
    buf
}

/// Writes, ignoring a peer that already hung up.
pub fn write_all_lossy(stream: &mut TcpStream, bytes: &[u8]) {
    let _ = stream.write_all(bytes);
}

/// Resident set size of this process in KiB (Linux), 0 elsewhere.
pub fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A CURVE server socket of `kind` with `keys`, bound on tcp loopback; returns the
/// endpoint.
pub fn curve_server(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
    keys: &zmq::CurveKeyPair,
) -> (zmq::Socket, String) {
    let server = super::socket(ctx, kind);
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&keys.secret_key).unwrap();
    let endpoint = super::bind_tcp(&server);
    (server, endpoint)
}

/// A CURVE client of `kind` with its own keys, expecting `server_public`.
pub fn curve_client(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
    keys: &zmq::CurveKeyPair,
    server_public: &[u8; 32],
) -> zmq::Socket {
    let client = super::socket(ctx, kind);
    client.set_curve_serverkey(server_public).unwrap();
    client.set_curve_publickey(&keys.public_key).unwrap();
    client.set_curve_secretkey(&keys.secret_key).unwrap();
    client
}

/// A CURVE DEALER server bound on tcp loopback and a CURVE DEALER client with fresh keys
/// (not yet connected); returns (server, client, endpoint).
pub fn curve_dealer_pair(ctx: &zmq::Context) -> (zmq::Socket, zmq::Socket, String) {
    let server_keys = zmq::CurveKeyPair::new().unwrap();
    let (server, endpoint) = curve_server(ctx, zmq::DEALER, &server_keys);
    let client_keys = zmq::CurveKeyPair::new().unwrap();
    let client = curve_client(ctx, zmq::DEALER, &client_keys, &server_keys.public_key);
    (server, client, endpoint)
}

/// The generated cases of a randomized test: a fixed seed (printed in the figure lines)
/// and `cases` cases for [`Cases::run`](super::cases::Cases::run); see [`super::cases`].
pub fn seeded(seed: &[u8; 32], cases: u32) -> super::cases::Cases {
    super::cases::Cases::new(seed, cases)
}
