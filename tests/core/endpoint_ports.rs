//! Ports out of range, signed or followed by other text are refused with EINVAL and a hint
//! before libzmq sees the endpoint (libzmq reads them with `atoi` and keeps the low 16
//! bits: `:99999` would bind port 34463, `:-1` port 65535, `:70000x` port 4464), for bind
//! and connect, in the tcp, ws and draft forms; `*`, `0` and leading zeros still work.
//! Scenario R14 in docs/design/reliability.md.

use crate::common;

use zmq::error::EndpointOp;

/// Binding and connecting `endpoint` both fail with EINVAL, an error naming the endpoint
/// and a hint about the port's range.
fn refused(endpoint: &str) {
    refused_with(endpoint, "a port is a number from 0 to 65535");
}

/// As [`refused`], with a hint containing `hint`.
fn refused_with(endpoint: &str, hint: &str) {
    let ctx = common::ctx();
    let socket = common::socket(&ctx, zmq::DEALER);
    for (op, res) in [
        (EndpointOp::Bind, socket.bind_endpoint(endpoint)),
        (EndpointOp::Connect, socket.connect_endpoint(endpoint)),
    ] {
        let err = res.expect_err(endpoint);
        assert_eq!(err.error(), zmq::Error::EINVAL, "{op:?} {endpoint}: {err}");
        assert_eq!(err.op(), op);
        let text = err.to_string();
        assert!(text.contains(endpoint), "{text}");
        assert!(text.contains(hint), "{op:?} {endpoint}: no hint in {text}");
    }
    // The zmq 0.10 forms give the same code.
    assert_eq!(socket.bind(endpoint), Err(zmq::Error::EINVAL));
    assert_eq!(socket.connect(endpoint), Err(zmq::Error::EINVAL));
    // Nothing was bound or connected.
    assert_eq!(socket.get_last_endpoint().unwrap(), Ok(String::new()));
}

#[test]
fn tcp_port_99999_refused() {
    refused("tcp://127.0.0.1:99999");
}

#[test]
fn tcp_port_70000_refused() {
    refused("tcp://127.0.0.1:70000");
}

#[test]
fn tcp_port_65536_refused() {
    refused("tcp://*:65536");
}

#[test]
fn tcp_negative_port_refused() {
    refused("tcp://127.0.0.1:-1");
}

#[test]
fn tcp_huge_port_refused() {
    refused("tcp://127.0.0.1:4294967297");
}

#[test]
fn tcp_ipv6_port_refused() {
    refused("tcp://[::1]:70000");
}

#[test]
fn tcp_source_form_refused_on_either_side() {
    refused("tcp://127.0.0.1:5555;127.0.0.1:70000");
    refused("tcp://127.0.0.1:70000;127.0.0.1:5555");
    refused("tcp://lo;127.0.0.1:99999");
}

#[test]
fn ws_ports_refused() {
    refused("ws://127.0.0.1:99999/path");
    refused("ws://127.0.0.1:-1/");
    refused("ws://[::1]:70000/feed");
}

#[test]
fn text_after_the_port_refused() {
    // libzmq would bind 4464, 23456 and 23457 here.
    for endpoint in [
        "tcp://127.0.0.1:70000x",
        "tcp://127.0.0.1:23456abc",
        "tcp://127.0.0.1:23457.9",
        "tcp://127.0.0.1: 23458 x",
        "ws://127.0.0.1:8080x/path",
    ] {
        refused_with(endpoint, "has text after its number");
    }
    refused_with("tcp://127.0.0.1:-80", "is negative");
    refused_with("tcp://127.0.0.1:99999", "is out of range");
}

/// Binds a free port, frees it, and binds it again written as `rewrite(port)` makes it:
/// that very port (or, if it was taken again meanwhile, EADDRINUSE; never a refusal of
/// the text).
fn rebinds_as_written(rewrite: impl Fn(&str) -> String) {
    let ctx = common::ctx();
    let probe = common::socket(&ctx, zmq::DEALER);
    probe.bind("tcp://127.0.0.1:*").unwrap();
    let bound = probe.get_last_endpoint().unwrap().unwrap();
    let port = bound.rsplit(':').next().unwrap().to_owned();
    probe.unbind(&bound).unwrap();
    let socket = common::socket(&ctx, zmq::DEALER);
    let endpoint = format!("tcp://127.0.0.1:{}", rewrite(&port));
    match socket.bind(&endpoint) {
        Ok(()) => assert_eq!(socket.get_last_endpoint().unwrap().unwrap(), bound),
        Err(err) => assert_eq!(err, zmq::Error::EADDRINUSE, "{endpoint:?}"),
    }
}

#[test]
fn blanks_around_the_port_are_the_same_port() {
    // A value read from a file, with its newline: libzmq reads the number as written.
    rebinds_as_written(|port| format!("{port}\n"));
    rebinds_as_written(|port| format!("+{port}"));
}

#[cfg(feature = "draft")]
#[test]
fn a_udp_interface_has_no_port_to_check() {
    // The part before ';' names an interface (here an IPv6 address, whose last group is no
    // port); libzmq reports its own error for an interface it cannot use.
    for endpoint in [
        "udp://fe80::1%lo;[ff02::1]:5555",
        "udp://2001:db8::1f;239.1.1.1:5555",
    ] {
        let ctx = common::ctx();
        let socket = ctx.socket_raw(zmq_sys::ZMQ_DGRAM as i32).unwrap();
        if let Err(err) = socket.bind_endpoint(endpoint) {
            assert!(!err.to_string().contains("a port is"), "{endpoint}: {err}");
        }
    }
}

#[test]
fn leading_zeros_are_the_same_port() {
    rebinds_as_written(|port| format!("00{port}"));
}

#[test]
fn wildcard_and_zero_still_bind() {
    let ctx = common::ctx();
    for endpoint in ["tcp://127.0.0.1:*", "tcp://127.0.0.1:0"] {
        let socket = common::socket(&ctx, zmq::DEALER);
        socket.bind(endpoint).expect(endpoint);
        let bound = socket.get_last_endpoint().unwrap().unwrap();
        let port: u16 = bound.rsplit(':').next().unwrap().parse().unwrap();
        assert_ne!(port, 0, "{endpoint} bound {bound}");
    }
}

#[test]
fn highest_port_still_accepted() {
    // Connecting is lazy: nothing needs to listen on 65535.
    let ctx = common::ctx();
    let socket = common::socket(&ctx, zmq::DEALER);
    socket.connect("tcp://127.0.0.1:65535").unwrap();
    socket
        .connect("tcp://127.0.0.1:5556;127.0.0.1:65535")
        .unwrap();
}

#[test]
fn ws_in_range_still_binds() {
    if !zmq::has_capability("WS") {
        // The vendored build has ws; a system libzmq may not.
        return;
    }
    let ctx = common::ctx();
    let socket = common::socket(&ctx, zmq::DEALER);
    socket.bind("ws://127.0.0.1:*/feed").unwrap();
}

#[cfg(feature = "draft")]
#[test]
fn draft_sockets_refuse_too() {
    let ctx = common::ctx();
    let server = ctx
        .draft_socket(zmq::draft::DraftSocketType::SERVER)
        .unwrap();
    let err = server.bind("tcp://127.0.0.1:99999").unwrap_err();
    assert_eq!(err.error(), zmq::Error::EINVAL);
    assert!(err.to_string().contains("out of range"), "{err}");
    let err = server.connect("tcp://127.0.0.1:5555x").unwrap_err();
    assert_eq!(err.error(), zmq::Error::EINVAL);
    let err = server.connect("tcp://127.0.0.1:-1").unwrap_err();
    assert_eq!(err.error(), zmq::Error::EINVAL);
}

/// libzmq 4.3.5 reads a ws port after the last ':' before the path's last '/', so in
/// `host:port/a:1/b` it would take 1 for the port; the host part it is then left with
/// (`host:port`) does not resolve, so the endpoint fails rather than binding port 1.
#[test]
fn ws_colon_in_path_fails_rather_than_binding_another_port() {
    if !zmq::has_capability("WS") {
        return;
    }
    let ctx = common::ctx();
    let socket = common::socket(&ctx, zmq::DEALER);
    let port = common::free_tcp_port();
    for endpoint in [
        format!("ws://127.0.0.1:{port}/a:1/b"),
        format!("ws://127.0.0.1:{port}/a:{port}/b"),
    ] {
        assert!(socket.bind(&endpoint).is_err(), "{endpoint} bound");
        assert_eq!(socket.get_last_endpoint().unwrap(), Ok(String::new()));
    }
}
