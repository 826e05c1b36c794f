//! Interop of a STREAM socket with a raw peer (a plain TCP or Unix-domain socket in a
//! Python process, no ZeroMQ): the Rust STREAM binds and the raw peer connects and talks
//! first, then the raw peer listens and the Rust STREAM connects (with an explicit routing
//! id) and talks first. Over tcp and ipc. Each side echoes 4 MiB, which arrives in chunks
//! of any size; the Rust side closes the connection with an empty frame and the raw peer
//! must see EOF.

use crate::common;

use std::time::Duration;

use common::Transport::{self, Ipc, Tcp};
use common::interop::{self, big_frame, python_bind_endpoint};
use common::pypeer::{Peer, fields};

const WATCHDOG: Duration = Duration::from_secs(120);
/// Bytes echoed each way.
const SIZE: usize = 4 * 1024 * 1024;

/// Reads `[id, bytes]` messages from `id` until `size` bytes have come.
fn read_exactly(stream: &zmq::Socket, id: &[u8], size: usize, peer: &Peer) -> Vec<u8> {
    let mut data = Vec::with_capacity(size);
    while data.len() < size {
        let frames = interop::recv(stream, &[peer]);
        assert_eq!(frames.len(), 2, "STREAM messages are [id, data]");
        assert_eq!(frames[0], id, "data from another connection");
        assert!(!frames[1].is_empty(), "the raw peer closed early");
        data.extend_from_slice(&frames[1]);
    }
    assert_eq!(data.len(), size, "more than was sent");
    data
}

/// Closes connection `id` with an empty frame, then waits for the raw peer's DONE line.
///
/// libzmq closes the connection only after the socket has processed the pipe's
/// termination handshake, which happens inside later calls on the socket: a program that
/// sends the empty frame and then leaves the socket alone never closes the connection. So
/// we keep asking for the socket's events (any call would do) while we wait.
fn close_and_wait(stream: &zmq::Socket, id: &[u8], peer: &Peer) -> String {
    interop::send(stream, &[id, b""], &[peer]);
    loop {
        stream.get_events().unwrap();
        if let Some(line) = peer.try_line(Duration::from_millis(10)) {
            return line;
        }
        peer.check_alive();
    }
}

/// Sends `data` to connection `id` in 64 KiB messages.
fn write_all(stream: &zmq::Socket, id: &[u8], data: &[u8], peer: &Peer) {
    for chunk in data.chunks(64 * 1024) {
        interop::send(stream, &[id, chunk], &[peer]);
    }
}

fn stream_rust_binds(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let stream = common::socket(&ctx, zmq::STREAM);
    let endpoint = endpoints.bind(&stream, transport);
    let peer = Peer::python(
        "rawpeer.py",
        &["--connect", &endpoint, "--send", &SIZE.to_string()],
    );
    // A new connection is announced by an empty frame after its routing id.
    let hello = interop::recv(&stream, &[&peer]);
    assert_eq!(hello.len(), 2);
    assert!(hello[1].is_empty(), "connect notification: {hello:?}");
    let id = hello[0].clone();
    let data = read_exactly(&stream, &id, SIZE, &peer);
    assert!(data == big_frame(SIZE), "the raw peer's bytes");
    write_all(&stream, &id, &data, &peer);
    assert_eq!(peer.line(), "READY");
    let done = close_and_wait(&stream, &id, &peer);
    let done = fields(done.strip_prefix("DONE ").expect("a DONE line"));
    peer.finish();
    assert_eq!(done["bytes"], SIZE.to_string());
    println!("FIGURE interop cell={cell} bytes={}", 2 * SIZE);
}

fn stream_python_binds(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let listen = python_bind_endpoint(transport, &endpoints);
    let listen = listen.replace("*", "0");
    let peer = Peer::python(
        "rawpeer.py",
        &["--listen", &listen, "--echo", &SIZE.to_string()],
    );
    let endpoint = peer.endpoint();
    peer.expect("READY");
    let stream = common::socket(&ctx, zmq::STREAM);
    let id = b"raw-peer\xff".to_vec();
    stream.set_connect_routing_id(&id).unwrap();
    stream.connect(&endpoint).unwrap();
    let hello = interop::recv(&stream, &[&peer]);
    assert_eq!(hello, [id.clone(), Vec::new()], "connect notification");
    let data = big_frame(SIZE);
    write_all(&stream, &id, &data, &peer);
    let echo = read_exactly(&stream, &id, SIZE, &peer);
    assert!(echo == data, "the raw peer's echo");
    let done = close_and_wait(&stream, &id, &peer);
    let done = fields(done.strip_prefix("DONE ").expect("a DONE line"));
    peer.finish();
    assert_eq!(done["bytes"], SIZE.to_string());
    println!("FIGURE interop cell={cell} bytes={}", 2 * SIZE);
}

#[test]
fn stream_rust_binds_tcp() {
    stream_rust_binds("stream/tcp/rust-binds", Tcp);
}

#[test]
fn stream_rust_binds_ipc() {
    stream_rust_binds("stream/ipc/rust-binds", Ipc);
}

#[test]
fn stream_python_binds_tcp() {
    stream_python_binds("stream/tcp/python-binds", Tcp);
}

#[test]
fn stream_python_binds_ipc() {
    stream_python_binds("stream/ipc/python-binds", Ipc);
}
