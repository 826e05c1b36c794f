//! Connection liveness against pyzmq peers, over tcp and ipc, in both directions:
//!
//! - heartbeats (HEARTBEAT_IVL 100 ms, HEARTBEAT_TIMEOUT 1 s): an idle healthy link stays
//!   up for two and a half timeouts (each side answers the other's PINGs); a Python peer
//!   frozen with SIGSTOP — its kernel still acknowledges TCP, only heartbeats can tell —
//!   is dropped by the Rust side, and after SIGCONT the link comes back and messages flow;
//! - a Python peer killed (SIGKILL) and restarted on the same endpoint: the Rust side
//!   reconnects (or accepts the new peer) and messages flow again; a request sent while
//!   the peer is dead is delivered to the new one;
//! - the Rust monitor reports the Python peer's connect, handshake and disconnect, with
//!   the endpoint.

use crate::common;

use std::time::{Duration, Instant};

use common::Transport::{self, Ipc, Tcp};
use common::interop::{self, figure, python_bind_endpoint};
use common::pypeer::{Peer, fields};
use zmq::monitor::{Event, Events, Monitor, MonitorEvent};

const WATCHDOG: Duration = Duration::from_secs(120);
const HEARTBEAT_IVL_MS: i32 = 100;
/// Generous, so that a busy CI machine does not look like a dead peer.
const HEARTBEAT_TIMEOUT_MS: i32 = 1000;
/// An idle window of 25 heartbeat intervals (2.5 timeouts) in which a healthy link must
/// stay up: without PONGs it would be dropped.
const IDLE: Duration = Duration::from_millis(2500);

fn heartbeat_opts() -> Vec<String> {
    vec![
        "--opt".to_owned(),
        format!("HEARTBEAT_IVL={HEARTBEAT_IVL_MS}"),
        "--opt".to_owned(),
        format!("HEARTBEAT_TIMEOUT={HEARTBEAT_TIMEOUT_MS}"),
    ]
}

fn set_heartbeats(socket: &zmq::Socket) {
    socket.set_heartbeat_ivl(HEARTBEAT_IVL_MS).unwrap();
    socket.set_heartbeat_timeout(HEARTBEAT_TIMEOUT_MS).unwrap();
}

/// Asserts that no event matching `pred` arrives during `window`.
fn assert_no_event(monitor: &Monitor, window: Duration, pred: impl Fn(&Event) -> bool) {
    let deadline = Instant::now() + window;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        if let Some(event) = monitor.recv_timeout(left).unwrap() {
            assert!(!pred(&event.event), "unexpected {event:?}");
        }
    }
}

fn is_disconnected(event: &Event) -> bool {
    matches!(event, Event::Disconnected { .. })
}

fn is_handshake(event: &Event) -> bool {
    matches!(event, Event::HandshakeSucceeded)
}

/// A Python REP echo server (options `extra`) bound on `bind`; returns it and its endpoint.
fn python_echo_server(bind: &str, extra: &[String]) -> (Peer, String) {
    let mut args = vec![
        "--type".to_owned(),
        "REP".to_owned(),
        "--bind".to_owned(),
        bind.to_owned(),
    ];
    args.extend_from_slice(extra);
    let server = Peer::python("echo.py", &args);
    let endpoint = server.endpoint();
    server.expect("READY");
    (server, endpoint)
}

/// A Python REQ client taking ECHO commands, connected to `endpoint`.
fn python_interactive_client(endpoint: &str, extra: &[String]) -> Peer {
    let mut args = vec![
        "--type".to_owned(),
        "REQ".to_owned(),
        "--connect".to_owned(),
        endpoint.to_owned(),
        "--interactive".to_owned(),
    ];
    args.extend_from_slice(extra);
    let client = Peer::python("client.py", &args);
    client.expect("READY");
    client
}

/// One request/reply from the Rust REQ through the Python echo server.
fn rust_echo(req: &zmq::Socket, text: &str, server: &Peer) {
    interop::send(req, &[text], &[server]);
    assert_eq!(interop::recv(req, &[server]), [text.as_bytes().to_vec()]);
}

/// One request/reply from the Python client through the Rust REP.
fn python_echo(rep: &zmq::Socket, text: &str, client: &mut Peer) {
    client.send_line(&format!("ECHO {text}"));
    let request = interop::recv(rep, &[client]);
    interop::send(rep, &request, &[client]);
    assert_eq!(client.expect("ECHOED"), text);
}

/// Stops a Python echo server through stdin and returns how many messages it echoed.
fn stop_server(mut server: Peer) -> usize {
    server.send_line("STOP");
    let done = fields(&server.expect("DONE"));
    server.finish();
    done["echoed"].parse().unwrap()
}

// ---- Heartbeats ------------------------------------------------------------------

fn heartbeat_python_binds(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let (server, endpoint) = python_echo_server(
        &python_bind_endpoint(transport, &endpoints),
        &heartbeat_opts(),
    );
    let req = common::socket(&ctx, zmq::REQ);
    set_heartbeats(&req);
    let monitor = Monitor::new(&req, Events::ALL).unwrap();
    req.connect(&endpoint).unwrap();
    rust_echo(&req, "before idling", &server);
    assert_no_event(&monitor, IDLE, is_disconnected);
    rust_echo(&req, "after idling", &server);

    server.signal(libc::SIGSTOP);
    common::wait_for_event(&monitor, is_disconnected);
    server.signal(libc::SIGCONT);
    common::wait_for_event(&monitor, is_handshake);
    rust_echo(&req, "after the freeze", &server);
    assert_eq!(stop_server(server), 3);
    figure(cell, 6);
}

fn heartbeat_rust_binds(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let rep = common::socket(&ctx, zmq::REP);
    set_heartbeats(&rep);
    let monitor = Monitor::new(&rep, Events::ALL).unwrap();
    let endpoint = endpoints.bind(&rep, transport);
    let mut client = python_interactive_client(&endpoint, &heartbeat_opts());
    python_echo(&rep, "before idling", &mut client);
    assert_no_event(&monitor, IDLE, is_disconnected);
    python_echo(&rep, "after idling", &mut client);

    client.signal(libc::SIGSTOP);
    common::wait_for_event(&monitor, is_disconnected);
    client.signal(libc::SIGCONT);
    // The Python side finds its connection closed and connects again.
    common::wait_for_event(&monitor, is_handshake);
    python_echo(&rep, "after the freeze", &mut client);
    client.send_line("STOP");
    client.expect("DONE");
    client.finish();
    figure(cell, 6);
}

#[test]
fn heartbeat_python_binds_tcp() {
    heartbeat_python_binds("heartbeat/tcp/python-binds", Tcp);
}

#[test]
fn heartbeat_python_binds_ipc() {
    heartbeat_python_binds("heartbeat/ipc/python-binds", Ipc);
}

#[test]
fn heartbeat_rust_binds_tcp() {
    heartbeat_rust_binds("heartbeat/tcp/rust-binds", Tcp);
}

#[test]
fn heartbeat_rust_binds_ipc() {
    heartbeat_rust_binds("heartbeat/ipc/rust-binds", Ipc);
}

// ---- Kill and restart -------------------------------------------------------------

fn restart_python_binds(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let (mut server, endpoint) =
        python_echo_server(&python_bind_endpoint(transport, &endpoints), &[]);
    let req = common::socket(&ctx, zmq::REQ);
    let monitor = Monitor::new(&req, Events::ALL).unwrap();
    req.connect(&endpoint).unwrap();
    rust_echo(&req, "to the first peer", &server);

    server.kill();
    common::wait_for_event(&monitor, is_disconnected);
    // Sent while nobody listens: queued on the connection's pipe.
    interop::send(&req, &["sent while the peer was dead"], &[]);
    // The same port (or ipc path) again.
    let (server, again) = python_echo_server(&endpoint, &[]);
    assert_eq!(again, endpoint);
    common::wait_for_event(&monitor, is_handshake);
    assert_eq!(
        interop::recv(&req, &[&server]),
        [b"sent while the peer was dead".to_vec()]
    );
    rust_echo(&req, "to the second peer", &server);
    assert_eq!(stop_server(server), 2);
    figure(cell, 6);
}

fn restart_python_connects(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let rep = common::socket(&ctx, zmq::REP);
    let monitor = Monitor::new(&rep, Events::ALL).unwrap();
    let endpoint = endpoints.bind(&rep, transport);
    let mut client = python_interactive_client(&endpoint, &[]);
    python_echo(&rep, "from the first peer", &mut client);
    client.kill();
    common::wait_for_event(&monitor, is_disconnected);
    let mut client = python_interactive_client(&endpoint, &[]);
    python_echo(&rep, "from the second peer", &mut client);
    client.send_line("STOP");
    client.expect("DONE");
    client.finish();
    figure(cell, 4);
}

#[test]
fn restart_python_binds_tcp() {
    restart_python_binds("restart/tcp/python-binds", Tcp);
}

#[test]
fn restart_python_binds_ipc() {
    restart_python_binds("restart/ipc/python-binds", Ipc);
}

#[test]
fn restart_python_connects_tcp() {
    restart_python_connects("restart/tcp/rust-binds", Tcp);
}

#[test]
fn restart_python_connects_ipc() {
    restart_python_connects("restart/ipc/rust-binds", Ipc);
}

// ---- The monitor reports the Python peer -------------------------------------------

/// Reads events until one matches `last`, returning them all.
fn events_until(monitor: &Monitor, last: impl Fn(&Event) -> bool) -> Vec<MonitorEvent> {
    let mut events = Vec::new();
    loop {
        let event = common::wait_for_event(monitor, |_| true);
        let done = last(&event.event);
        events.push(event);
        if done {
            return events;
        }
    }
}

/// The kinds of `events` that `keep` selects, in order, each with the expected endpoint.
fn sequence(
    events: &[MonitorEvent],
    endpoint: &str,
    keep: impl Fn(&Event) -> bool,
) -> Vec<zmq::SocketEvent> {
    events
        .iter()
        .filter(|e| keep(&e.event))
        .map(|e| {
            assert_eq!(e.endpoint, endpoint, "endpoint of {e:?}");
            e.event.kind().unwrap()
        })
        .collect()
}

fn monitor_python_connects(cell: &str, transport: Transport) {
    use zmq::SocketEvent::*;
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let rep = common::socket(&ctx, zmq::REP);
    let monitor = Monitor::new(&rep, Events::ALL).unwrap();
    let endpoint = endpoints.bind(&rep, transport);
    let mut client = python_interactive_client(&endpoint, &[]);
    python_echo(&rep, "hello", &mut client);
    client.send_line("STOP");
    client.expect("DONE");
    client.finish();
    let events = events_until(&monitor, is_disconnected);
    let kinds = sequence(&events, &endpoint, |e| !matches!(e, Event::Closed { .. }));
    assert_eq!(
        kinds,
        [LISTENING, ACCEPTED, HANDSHAKE_SUCCEEDED, DISCONNECTED],
        "{events:?}"
    );
    figure(cell, 2);
}

fn monitor_rust_connects(cell: &str, transport: Transport) {
    use zmq::SocketEvent::*;
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let (server, endpoint) = python_echo_server(&python_bind_endpoint(transport, &endpoints), &[]);
    let req = common::socket(&ctx, zmq::REQ);
    let monitor = Monitor::new(&req, Events::ALL).unwrap();
    req.connect(&endpoint).unwrap();
    rust_echo(&req, "hello", &server);
    assert_eq!(stop_server(server), 1);
    let events = events_until(&monitor, is_disconnected);
    // A TCP connect may first be reported as delayed; the rest is fixed.
    let kinds = sequence(&events, &endpoint, |e| {
        !matches!(e, Event::ConnectDelayed | Event::Closed { .. })
    });
    assert_eq!(
        kinds,
        [CONNECTED, HANDSHAKE_SUCCEEDED, DISCONNECTED],
        "{events:?}"
    );
    figure(cell, 2);
}

#[test]
fn monitor_python_connects_tcp() {
    monitor_python_connects("monitor/tcp/rust-binds", Tcp);
}

#[test]
fn monitor_python_connects_ipc() {
    monitor_python_connects("monitor/ipc/rust-binds", Ipc);
}

#[test]
fn monitor_rust_connects_tcp() {
    monitor_rust_connects("monitor/tcp/python-binds", Tcp);
}

#[test]
fn monitor_rust_connects_ipc() {
    monitor_rust_connects("monitor/ipc/python-binds", Ipc);
}
