//! Interop with pyzmq for issue 10's features (`tests/python/zerocopy_peer.py` is the
//! Python half): JSON both ways (Rust `send_json` → pyzmq `recv_json`, pyzmq `send_json`
//! → Rust `recv_json::<serde_json::Value>`), then 16 MiB frames sent from a `Bytes`
//! without copying, received by pyzmq with `copy=False`, echoed back with `copy=False,
//! track=True`, and received into a `Bytes` without copying. Over tcp and ipc, with Rust
//! binding and Python connecting, then the reverse.

use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::common;
use common::Transport::{self, Ipc, Tcp};
use common::interop::{BIG_SIZE, big_frame, figure, python_bind_endpoint};
use common::pypeer::{LINE_WAIT, Peer, fields};
use serde_json::{Value, json};

const WATCHDOG: Duration = Duration::from_secs(180);
/// 16 MiB frames echoed.
const BIG_FRAMES: usize = 2;

/// What Rust sends (`FROM_RUST` in zerocopy_peer.py).
fn from_rust() -> Value {
    json!({
        "text": "héllo ☃ \u{1F600}",
        "ints": [0, -1, 9_007_199_254_740_991_i64],
        "float": 1.5,
        "nested": {"null": null, "bools": [true, false], "empty": {}},
    })
}

/// What Python sends (`FROM_PYTHON` in zerocopy_peer.py; pyzmq writes the non-ASCII
/// characters as `\u` escapes, the last one as a surrogate pair).
fn from_python() -> Value {
    json!({
        "from": "pyzmq",
        "unicode": "ü€\u{1D11E}",
        "list": [1, 2.25, null, "x"],
        "obj": {"a": {"b": []}},
    })
}

/// Waits until `socket` has a message, checking that the peer is alive; panics after
/// [`LINE_WAIT`].
fn wait_readable(socket: &zmq::Socket, peer: &Peer) {
    let deadline = Instant::now() + LINE_WAIT;
    while socket.poll(zmq::POLLIN, 100).expect("poll") == 0 {
        peer.check_alive();
        assert!(
            Instant::now() < deadline,
            "nothing received within {LINE_WAIT:?}\n{}",
            peer.diagnostics()
        );
    }
}

fn conversation(cell: &str, transport: Transport, rust_binds: bool) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let socket = common::socket(&ctx, zmq::PAIR);
    let big = &["--big".to_owned(), BIG_FRAMES.to_string()];
    let peer = if rust_binds {
        let endpoint = endpoints.bind(&socket, transport);
        let peer = Peer::python(
            "zerocopy_peer.py",
            &[&["--connect".to_owned(), endpoint][..], big].concat(),
        );
        peer.expect("READY");
        peer
    } else {
        let bind = python_bind_endpoint(transport, &endpoints);
        let peer = Peer::python(
            "zerocopy_peer.py",
            &[&["--bind".to_owned(), bind][..], big].concat(),
        );
        socket.connect(&peer.endpoint()).unwrap();
        peer.expect("READY");
        peer
    };

    socket.send_json(&from_rust(), 0).unwrap();
    wait_readable(&socket, &peer);
    let got: Value = socket.recv_json(zmq::DONTWAIT).unwrap();
    assert_eq!(got, from_python());

    let payload = Bytes::from(big_frame(BIG_SIZE));
    for i in 0..BIG_FRAMES {
        let (msg, tracker) = zmq::Message::tracked(payload.clone());
        socket.send(msg, 0).unwrap();
        wait_readable(&socket, &peer);
        let echoed = Bytes::from(socket.recv_msg(zmq::DONTWAIT).unwrap());
        assert_eq!(echoed.len(), BIG_SIZE, "echo {i}");
        assert!(echoed == payload, "echo {i}: content differs");
        // Written to the kernel by now (the peer has it): libzmq released our Bytes.
        assert!(tracker.wait_timeout(common::POSITIVE_WAIT), "tracker {i}");
    }
    let done = fields(&peer.expect("DONE"));
    assert_eq!(done["json"], "2");
    assert_eq!(done["big"], BIG_FRAMES.to_string());
    peer.finish();
    figure(cell, 2 + 2 * BIG_FRAMES);
}

#[test]
fn zerocopy_json_and_bytes_tcp_rust_binds() {
    conversation("zerocopy/tcp/rust-binds", Tcp, true);
}

#[test]
fn zerocopy_json_and_bytes_tcp_python_binds() {
    conversation("zerocopy/tcp/python-binds", Tcp, false);
}

#[test]
fn zerocopy_json_and_bytes_ipc_rust_binds() {
    conversation("zerocopy/ipc/rust-binds", Ipc, true);
}

#[test]
fn zerocopy_json_and_bytes_ipc_python_binds() {
    conversation("zerocopy/ipc/python-binds", Ipc, false);
}
