//! Error paths: each returns a clear `Error`, never a panic or a hang.

use crate::common;

use std::io;

use common::{Endpoints, POSITIVE_WAIT, bind_tcp, socket, watchdog};

#[test]
fn bad_endpoints_are_named_in_the_error() {
    let ctx = zmq::Context::new();
    let s = ctx.socket(zmq::PUSH).unwrap();
    let cases = [
        ("tcp://localhost", zmq::Error::EINVAL, "tcp://host:port"),
        (
            "tcp://127.0.0.1:notaport",
            zmq::Error::EINVAL,
            "tcp://host:port",
        ),
        ("no-transport", zmq::Error::EINVAL, "transport://address"),
        (
            "carrier-pigeon://coop",
            zmq::Error::EPROTONOSUPPORT,
            "carrier-pigeon",
        ),
        (
            "udp://127.0.0.1:5555",
            zmq::Error::ENOCOMPATPROTO,
            "cannot be used",
        ),
    ];
    for (endpoint, error, hint) in cases {
        let err = s.bind_endpoint(endpoint).unwrap_err();
        assert_eq!(err.error(), error, "{endpoint}");
        assert_eq!(err.endpoint(), endpoint);
        assert_eq!(err.op(), zmq::error::EndpointOp::Bind);
        let text = err.to_string();
        assert!(text.contains(&format!("{endpoint:?}")), "{text}");
        assert!(text.contains(hint), "{text}");
        assert!(text.starts_with("cannot bind to"), "{text}");
        // The zmq 0.10 method gives the bare Error.
        assert_eq!(s.bind(endpoint), Err(error));
    }
    let err = s.connect_endpoint("tcp://localhost").unwrap_err();
    assert!(
        err.to_string()
            .starts_with("cannot connect to \"tcp://localhost\"")
    );
    assert_eq!(err.errno(), libc::EINVAL);
    // It converts into Error and io::Error with `?`.
    let as_zmq: zmq::Error = err.clone().into();
    assert_eq!(as_zmq, zmq::Error::EINVAL);
    let as_io: io::Error = err.into();
    assert_eq!(as_io.kind(), io::ErrorKind::InvalidInput);
    assert!(as_io.to_string().contains("tcp://localhost"));
}

#[test]
fn ipc_and_binding_errors() {
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    let s = ctx.socket(zmq::PULL).unwrap();

    let long = format!("ipc://{}/{}", eps.dir().display(), "x".repeat(200));
    let err = s.bind_endpoint(&long).unwrap_err();
    assert_eq!(err.error(), zmq::Error::ENAMETOOLONG);
    assert!(err.to_string().contains("the limit is"), "{err}");

    let missing = format!("ipc://{}/no/such/dir/s.ipc", eps.dir().display());
    let err = s.bind_endpoint(&missing).unwrap_err();
    assert_eq!(err.error(), zmq::Error::ENOENT);
    assert!(err.to_string().contains("does not exist"), "{err}");

    let endpoint = bind_tcp(&s);
    let other = ctx.socket(zmq::PULL).unwrap();
    let err = other.bind_endpoint(&endpoint).unwrap_err();
    assert_eq!(err.error(), zmq::Error::EADDRINUSE);
    assert_eq!(
        other.bind("tcp://192.0.2.1:5555"),
        Err(zmq::Error::EADDRNOTAVAIL)
    );
    assert_eq!(
        other.bind("tcp://no-such-interface-zz:5555"),
        Err(zmq::Error::ENODEV)
    );

    let err = other.unbind_endpoint("tcp://127.0.0.1:1").unwrap_err();
    assert_eq!(err.error(), zmq::Error::ENOENT);
    assert!(err.to_string().contains("not bound"), "{err}");
    let err = other.disconnect_endpoint("tcp://127.0.0.1:1").unwrap_err();
    assert_eq!(err.error(), zmq::Error::ENOENT);
    assert!(err.to_string().contains("not connected"), "{err}");
    // Unbinding the wildcard form does not work; the resolved one does.
    assert_eq!(s.unbind("tcp://127.0.0.1:*"), Err(zmq::Error::ENOENT));
    s.unbind(&endpoint).unwrap();
}

#[test]
fn nul_bytes_are_errors_not_panics() {
    let ctx = zmq::Context::new();
    let s = ctx.socket(zmq::PAIR).unwrap();
    let endpoint = "inproc://nul\0byte";
    assert_eq!(s.bind(endpoint), Err(zmq::Error::EINVAL));
    assert_eq!(s.connect(endpoint), Err(zmq::Error::EINVAL));
    assert_eq!(s.unbind(endpoint), Err(zmq::Error::EINVAL));
    assert_eq!(s.disconnect(endpoint), Err(zmq::Error::EINVAL));
    assert_eq!(
        s.monitor(endpoint, zmq::SocketEvent::ALL as i32),
        Err(zmq::Error::EINVAL)
    );
    let err = s.bind_endpoint(endpoint).unwrap_err();
    assert!(err.to_string().contains("NUL byte"), "{err}");
    assert_eq!(zmq::has("cu\0rve"), Some(false));
    assert!(!zmq::has_capability("\0"));
    assert_eq!(zmq::Message::from("x").property("a\0b"), None);
}

#[test]
fn efsm_on_a_second_req_send() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let rep = socket(&ctx, zmq::REP);
    rep.bind("inproc://efsm").unwrap();
    let req = socket(&ctx, zmq::REQ);
    req.connect("inproc://efsm").unwrap();
    req.send("first", 0).unwrap();
    assert_eq!(req.send("second", 0), Err(zmq::Error::EFSM));
    // A REP must receive before it replies.
    let fresh_rep = socket(&ctx, zmq::REP);
    assert_eq!(fresh_rep.send("reply", 0), Err(zmq::Error::EFSM));
    // After the reply, the REQ may send again.
    assert_eq!(rep.recv_bytes(0).unwrap(), b"first");
    rep.send("ok", 0).unwrap();
    assert_eq!(req.recv_bytes(0).unwrap(), b"ok");
    req.send("second", 0).unwrap();
}

#[test]
fn eagain_with_dontwait() {
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://eagain").unwrap();
    assert_eq!(pull.recv_bytes(zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
    let mut msg = zmq::Message::new();
    assert_eq!(pull.recv(&mut msg, zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
    assert_eq!(
        pull.recv_into(&mut [0u8; 4], zmq::DONTWAIT),
        Err(zmq::Error::EAGAIN)
    );
    assert_eq!(pull.recv_string(zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
    assert_eq!(pull.recv_multipart(zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
    // A PUSH with no peer cannot queue anything.
    let push = socket(&ctx, zmq::PUSH);
    assert_eq!(push.send("x", zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
    // The timeout form of the same thing.
    pull.set_rcvtimeo(10).unwrap();
    assert_eq!(pull.recv_bytes(0), Err(zmq::Error::EAGAIN));
    let as_io: io::Error = zmq::Error::EAGAIN.into();
    assert_eq!(as_io.kind(), io::ErrorKind::WouldBlock);
}

#[test]
fn eterm_after_shutdown() {
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://eterm").unwrap();
    ctx.shutdown().unwrap();
    assert_eq!(pull.recv_bytes(0), Err(zmq::Error::ETERM));
    assert_eq!(pull.recv_bytes(zmq::DONTWAIT), Err(zmq::Error::ETERM));
    assert_eq!(ctx.socket(zmq::PUSH).unwrap_err(), zmq::Error::ETERM);
    assert_eq!(pull.poll(zmq::POLLIN, 0), Err(zmq::Error::ETERM));
}

#[test]
fn ehostunreach_with_router_mandatory() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let router = socket(&ctx, zmq::ROUTER);
    router.bind("inproc://mandatory").unwrap();
    // Without ROUTER_MANDATORY, unroutable messages vanish silently.
    router.send_multipart([&b"nobody"[..], b"lost"], 0).unwrap();
    router.set_router_mandatory(true).unwrap();
    assert_eq!(
        router.send_multipart([&b"nobody"[..], b"refused"], 0),
        Err(zmq::Error::EHOSTUNREACH)
    );
    let dealer = socket(&ctx, zmq::DEALER);
    dealer.set_identity(b"somebody").unwrap();
    dealer.connect("inproc://mandatory").unwrap();
    dealer.send("hello", 0).unwrap();
    assert_eq!(router.recv_multipart(0).unwrap()[0], b"somebody");
    router
        .send_multipart([&b"somebody"[..], b"delivered"], 0)
        .unwrap();
    assert_eq!(dealer.recv_bytes(0).unwrap(), b"delivered");
}

#[test]
fn unknown_errno_event_and_socket_type_never_panic() {
    for raw in -5..1000 {
        let err = zmq::Error::from_raw(raw);
        if let Some(exact) = zmq::Error::try_from_raw(raw) {
            assert_eq!(err, exact);
        }
    }
    for raw in [i32::MIN, i32::MAX, 156_384_763, 156_384_800] {
        let _ = zmq::Error::from_raw(raw);
    }
    assert_eq!(zmq::Error::from_raw(99_999), zmq::Error::EPROTO);
    assert_eq!(zmq::Error::try_from_raw(99_999), None);
    assert_eq!(zmq::Error::from_raw(libc::ECONNRESET), zmq::Error::ENOTCONN);
    assert_eq!(zmq::Error::from_raw(libc::EINTR), zmq::Error::EINTR);

    for raw in 0..=u16::MAX {
        let event = zmq::SocketEvent::from_raw(raw);
        match zmq::SocketEvent::try_from_raw(raw) {
            Some(known) => assert_eq!((event, known.to_raw()), (known, raw)),
            None => assert_eq!(event, zmq::SocketEvent::ALL),
        }
    }
    assert_eq!(
        zmq::monitor::Event::from_raw(0x8000, 7),
        zmq::monitor::Event::Unknown {
            code: 0x8000,
            value: 7
        }
    );

    let ctx = zmq::Context::new();
    assert_eq!(ctx.socket_raw(999).unwrap_err(), zmq::Error::EINVAL);
    assert_eq!(zmq::SocketType::try_from_raw(99), None);
    assert_eq!(zmq::Mechanism::try_from_raw(9), None);
    // A socket of a type SocketType cannot name reports ENOTSUP instead of panicking.
    let dgram = ctx.socket_raw(18).unwrap();
    assert_eq!(dgram.get_socket_type(), Err(zmq::Error::ENOTSUP));
    assert_eq!(dgram.get_socket_type_raw(), Ok(18));
    assert!(format!("{dgram:?}").contains("18"));
}

/// The 28 variants of zmq 0.10, in order.
const ALL_ERRORS: [zmq::Error; 28] = {
    use zmq::Error::*;
    [
        EACCES,
        EADDRINUSE,
        EAGAIN,
        EBUSY,
        ECONNREFUSED,
        EFAULT,
        EINTR,
        EHOSTUNREACH,
        EINPROGRESS,
        EINVAL,
        EMFILE,
        EMSGSIZE,
        ENAMETOOLONG,
        ENODEV,
        ENOENT,
        ENOMEM,
        ENOTCONN,
        ENOTSOCK,
        EPROTO,
        EPROTONOSUPPORT,
        ENOTSUP,
        ENOBUFS,
        ENETDOWN,
        EADDRNOTAVAIL,
        EFSM,
        ENOCOMPATPROTO,
        ETERM,
        EMTHREAD,
    ]
};

#[test]
fn error_contract_of_zmq_010() {
    for (i, err) in ALL_ERRORS.into_iter().enumerate() {
        assert_eq!(err as usize, i, "variant order");
        assert_eq!(zmq::Error::from_raw(err.to_raw()), err);
        let message = err.message();
        assert!(!message.is_empty());
        assert_eq!(err.to_string(), message);
        assert_eq!(format!("{err:?}"), message, "Debug == Display == message");
        #[allow(deprecated)]
        let description = std::error::Error::description(&err).to_owned();
        assert_eq!(description, message);

        let as_io: io::Error = err.into();
        let back = as_io.get_ref().unwrap().downcast_ref::<zmq::Error>();
        assert_eq!(back, Some(&err), "io::Error wraps the zmq::Error");
    }
    assert_eq!(zmq::Error::ETERM.message(), "Context was terminated");
    assert_eq!(
        zmq::Error::EFSM.message(),
        "Operation cannot be accomplished in current state"
    );
    let kinds = [
        (zmq::Error::ENOENT, io::ErrorKind::NotFound),
        (zmq::Error::EACCES, io::ErrorKind::PermissionDenied),
        (zmq::Error::ECONNREFUSED, io::ErrorKind::ConnectionRefused),
        (zmq::Error::ENOTCONN, io::ErrorKind::NotConnected),
        (zmq::Error::EADDRINUSE, io::ErrorKind::AddrInUse),
        (zmq::Error::EADDRNOTAVAIL, io::ErrorKind::AddrNotAvailable),
        (zmq::Error::EAGAIN, io::ErrorKind::WouldBlock),
        (zmq::Error::EINVAL, io::ErrorKind::InvalidInput),
        (zmq::Error::EINTR, io::ErrorKind::Interrupted),
        (zmq::Error::ETERM, io::ErrorKind::Other),
    ];
    for (err, kind) in kinds {
        assert_eq!(io::Error::from(err).kind(), kind, "{err:?}");
    }
}
