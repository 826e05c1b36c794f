//! A program written against the zmq 0.10 API (rust-zmq), the way zguide-style code and
//! its users write it: `i32` flags, `zmq::REQ`-style names, the nested `recv_string`
//! result, `PollItem` + `zmq::poll`, `SocketEvent::ALL as i32`, `Message` conversions,
//! exhaustive matches over its enums, deprecated methods. Our own code, not rust-zmq's.
//!
//! It is compiled twice: as a module of the `core` test crate (`tests/core/compat.rs`)
//! against this crate directly, and as the `main` of a throw-away crate that depends on
//! `zmq = "0.10"` and is redirected to this crate with `[patch.crates-io]`
//! (`tests/compat-patch`). Both compile it with `deny(warnings)`.
//!
//! Every blocking call is bounded by a receive timeout; TCP binds `127.0.0.1:*`.

// The borrows and pushes below are how such code is written (`send(&format!(..))`,
// `send_multipart(&[..])`, `proxy_steerable(&mut ..)` whose parameters this crate relaxed
// to `&Socket`); they must keep compiling, so clippy's style advice is off.
#![allow(
    clippy::needless_borrows_for_generic_args,
    clippy::vec_init_then_push,
    clippy::unnecessary_mut_passed
)]

use std::thread;

use zmq::{Context, Message, PollItem, Socket, SocketType};

/// Runs every part; panics on the first failure.
pub fn run_all() {
    hello_world();
    message_forms();
    multipart_and_flags();
    polling();
    monitoring();
    options_and_introspection();
    errors();
    curve_and_z85();
    proxies();
    raw_handles();
    owned_payloads_and_unwinding();
    glob_imports::run();
}

/// `msg.to_owned()` is the payload as a `Vec<u8>` (through `Deref<Target = [u8]>`: a
/// `Message` is not `Clone`), `msg.borrow()` a `&Message`, and sockets and messages can
/// be borrowed across `catch_unwind` (they are `RefUnwindSafe`).
fn owned_payloads_and_unwinding() {
    use std::borrow::Borrow;

    let msg = zmq::Message::from("payload");
    let owned: Vec<u8> = msg.to_owned();
    assert_eq!(owned, b"payload");
    let borrowed: &zmq::Message = msg.borrow();
    assert_eq!(borrowed.as_str(), Some("payload"));

    let ctx = zmq::Context::new();
    let socket = bounded(&ctx, zmq::PAIR);
    let linger = std::panic::catch_unwind(|| socket.get_linger()).unwrap();
    assert_eq!(linger, Ok(0));
    let len = std::panic::catch_unwind(|| msg.len()).unwrap();
    assert_eq!(len, 7);
}

fn bounded(ctx: &Context, kind: SocketType) -> Socket {
    let socket = ctx.socket(kind).unwrap();
    socket.set_rcvtimeo(5000).unwrap();
    socket.set_sndtimeo(5000).unwrap();
    socket.set_linger(0).unwrap();
    socket
}

/// The zguide's hwserver/hwclient, in one process.
fn hello_world() {
    let context = zmq::Context::new();
    let responder = bounded(&context, zmq::REP);
    assert!(responder.bind("tcp://127.0.0.1:*").is_ok());
    let endpoint = responder.get_last_endpoint().unwrap().unwrap();

    let server = thread::spawn(move || {
        let mut msg = zmq::Message::new();
        for _ in 0..3 {
            responder.recv(&mut msg, 0).unwrap();
            let text = msg.as_str().unwrap().to_string();
            responder.send(&format!("World ({})", text), 0).unwrap();
        }
    });

    let requester = bounded(&context, zmq::REQ);
    assert!(requester.connect(&endpoint).is_ok());
    let mut msg = zmq::Message::new();
    for request_nbr in 0..3 {
        requester.send("Hello", 0).unwrap();
        requester.recv(&mut msg, 0).unwrap();
        assert_eq!(
            msg.as_str(),
            Some("World (Hello)"),
            "request {}",
            request_nbr
        );
    }
    server.join().unwrap();
}

fn message_forms() {
    let ctx = zmq::Context::default();
    let push = bounded(&ctx, zmq::PUSH);
    push.bind("inproc://compat-messages").unwrap();
    let pull = bounded(&ctx, zmq::PULL);
    pull.connect("inproc://compat-messages").unwrap();

    let bytes: Vec<u8> = vec![1, 2, 3];
    let text = String::from("text");
    let boxed: Box<[u8]> = vec![4u8, 5].into_boxed_slice();
    push.send("str", 0).unwrap();
    push.send(&b"bytes"[..], 0).unwrap();
    push.send(&bytes, 0).unwrap(); // &Vec<u8>
    push.send(bytes.clone(), 0).unwrap(); // Vec<u8>
    push.send(&text, 0).unwrap(); // &String
    push.send(text.as_str(), 0).unwrap();
    push.send(&"ref str", 0).unwrap(); // &&str
    push.send(boxed, 0).unwrap();
    push.send(zmq::Message::from("message"), 0).unwrap();
    #[allow(deprecated)]
    {
        push.send_str("deprecated str", 0).unwrap();
        push.send_msg(Message::from_slice(b"deprecated msg"), 0)
            .unwrap();
    }

    assert_eq!(pull.recv_string(0).unwrap().unwrap(), "str");
    assert_eq!(pull.recv_bytes(0).unwrap(), b"bytes");
    assert_eq!(pull.recv_bytes(0).unwrap(), vec![1, 2, 3]);
    assert_eq!(pull.recv_msg(0).unwrap().to_vec(), vec![1, 2, 3]);
    match pull.recv_string(0) {
        Ok(Ok(s)) => assert_eq!(s, "text"),
        Ok(Err(raw)) => panic!("not UTF-8: {:?}", raw),
        Err(e) => panic!("recv failed: {}", e),
    }
    assert_eq!(pull.recv_string(0).unwrap(), Ok("text".to_string()));
    assert_eq!(pull.recv_string(0).unwrap().unwrap(), "ref str");
    let mut buf = [0u8; 1];
    let size = pull.recv_into(&mut buf, 0).unwrap();
    assert_eq!((size, buf), (2, [4])); // the full size, truncated copy
    let mut msg = pull.recv_msg(0).unwrap();
    assert_eq!(&*msg, b"message");
    assert_eq!(msg.gets("Socket-Type"), None); // inproc messages carry no properties
    assert_eq!(pull.recv_string(0).unwrap().unwrap(), "deprecated str");
    assert_eq!(pull.recv_bytes(0).unwrap(), b"deprecated msg");

    // Message API.
    let mut m = Message::with_size(3);
    m[0] = b'a';
    assert_eq!(&m[..], b"a\0\0");
    assert_eq!(format!("{:?}", Message::from("foo")), "[102, 111, 111]");
    assert!(Message::from(&[1u8, 2][..]) == Message::from(vec![1u8, 2]));
    let from_ref: Message = (&bytes).into();
    assert_eq!(from_ref.len(), 3);
    assert!(!Message::new().get_more());
    #[allow(deprecated)]
    let old = Message::with_capacity(2);
    assert_eq!(old.len(), 2);
    #[allow(deprecated)]
    // SAFETY: every byte is written before it is read.
    let mut uninit = unsafe { Message::with_capacity_unallocated(1) };
    uninit[0] = 7;
    assert_eq!(uninit[0], 7);
    let vec: Vec<u8> = Message::from("v").to_vec();
    assert_eq!(vec, b"v");
}

fn multipart_and_flags() {
    let ctx = Context::new();
    let router = bounded(&ctx, zmq::ROUTER);
    router.bind("inproc://compat-multipart").unwrap();
    let dealer = bounded(&ctx, zmq::DEALER);
    dealer.set_identity(b"worker-1").unwrap();
    dealer.connect("inproc://compat-multipart").unwrap();

    dealer.send("", zmq::SNDMORE).unwrap();
    dealer.send("body", 0).unwrap();
    let frames = router.recv_multipart(0).unwrap();
    assert_eq!(frames, vec![b"worker-1".to_vec(), vec![], b"body".to_vec()]);

    router
        .send_multipart(&["worker-1", "", "reply"], 0)
        .unwrap();
    let mut msg = Message::new();
    dealer.recv(&mut msg, 0).unwrap();
    assert!(msg.get_more() && dealer.get_rcvmore().unwrap());
    dealer.recv(&mut msg, 0).unwrap();
    assert_eq!(msg.as_str(), Some("reply"));
    assert!(!dealer.get_rcvmore().unwrap());

    let parts: Vec<Vec<u8>> = vec![b"worker-1".to_vec(), b"x".to_vec()];
    router.send_multipart(parts, zmq::DONTWAIT).unwrap();
    assert_eq!(dealer.recv_bytes(0).unwrap(), b"x");

    let flags: i32 = 0;
    dealer.send("flags", flags | zmq::DONTWAIT).unwrap();
    assert_eq!(router.recv_multipart(flags).unwrap().len(), 2);
    assert_eq!(zmq::DONTWAIT, 1);
    assert_eq!(zmq::SNDMORE, 2);
    let flag_ref: &'static i32 = &zmq::SNDMORE;
    assert_eq!(*flag_ref, 2);
}

fn send_generic<T: zmq::Sendable>(socket: &Socket, data: T) -> zmq::Result<()> {
    socket.send(data, 0)
}

fn polling() {
    let ctx = Context::new();
    let frontend = bounded(&ctx, zmq::PULL);
    frontend.bind("inproc://compat-front").unwrap();
    let backend = bounded(&ctx, zmq::PULL);
    backend.bind("inproc://compat-back").unwrap();
    let push = bounded(&ctx, zmq::PUSH);
    push.connect("inproc://compat-back").unwrap();
    send_generic(&push, "to backend").unwrap();

    let mut items = [
        frontend.as_poll_item(zmq::POLLIN),
        backend.as_poll_item(zmq::POLLIN),
    ];
    let count = zmq::poll(&mut items, 5000).unwrap();
    assert_eq!(count, 1);
    assert!(!items[0].is_readable());
    if items[1].is_readable() {
        assert_eq!(backend.recv_bytes(0).unwrap(), b"to backend");
    }
    assert!(items[1].get_revents().contains(zmq::POLLIN));
    assert!(items[1].has_socket(&backend));

    let mut poll_items: Vec<PollItem> = Vec::new();
    poll_items.push(frontend.as_poll_item(zmq::POLLIN | zmq::POLLERR));
    poll_items.push(PollItem::from_fd(0, zmq::PollEvents::empty()));
    assert_eq!(zmq::poll(&mut poll_items[0..2], 0).unwrap(), 0);
    poll_items[0].set_events(zmq::PollEvents::POLLOUT);
    assert!(poll_items[1].has_fd(0));
    assert!(!poll_items[0].is_writable() && !poll_items[0].is_error());
    assert_eq!(frontend.poll(zmq::POLLIN, 0).unwrap(), 0);
    assert_eq!((zmq::POLLIN | zmq::POLLOUT).bits(), 3);
}

fn monitoring() {
    let ctx = Context::new();
    let server = bounded(&ctx, zmq::REP);
    server
        .monitor("inproc://compat-monitor", zmq::SocketEvent::ALL as i32)
        .unwrap();
    let monitor = bounded(&ctx, zmq::PAIR);
    monitor.connect("inproc://compat-monitor").unwrap();
    server.bind("tcp://127.0.0.1:*").unwrap();

    let mut msg = Message::new();
    monitor.recv(&mut msg, 0).unwrap();
    let event = u16::from_ne_bytes([msg[0], msg[1]]);
    assert_eq!(
        zmq::SocketEvent::from_raw(event),
        zmq::SocketEvent::LISTENING
    );
    assert_eq!(zmq::SocketEvent::LISTENING.to_raw(), 0x0008);
    assert!(msg.get_more());
    let endpoint = monitor.recv_string(0).unwrap().unwrap();
    assert!(endpoint.starts_with("tcp://127.0.0.1:"));
    let events = zmq::SocketEvent::CONNECTED as i32 | zmq::SocketEvent::DISCONNECTED as i32;
    assert_eq!(events, 0x201);
}

fn options_and_introspection() {
    let ctx = Context::new();
    let socket = bounded(&ctx, zmq::SUB);
    socket.set_subscribe(b"").unwrap();
    socket.set_unsubscribe(b"").unwrap();
    socket.set_rcvhwm(100).unwrap();
    assert_eq!(socket.get_rcvhwm().unwrap(), 100);
    assert_eq!(socket.get_rcvtimeo().unwrap(), 5000);
    assert!(!socket.is_ipv6().unwrap());
    socket.set_tcp_keepalive(1).unwrap();
    socket.set_maxmsgsize(1 << 20).unwrap();
    assert_eq!(socket.get_maxmsgsize().unwrap(), 1 << 20);
    socket.set_affinity(1).unwrap();
    socket.set_socks_proxy(Some("127.0.0.1:1080")).unwrap();
    assert_eq!(
        socket.get_socks_proxy().unwrap(),
        Ok("127.0.0.1:1080".to_string())
    );
    socket.set_socks_proxy(None).unwrap();
    socket.set_plain_username(Some("user")).unwrap();
    socket.set_plain_password(Some("pass")).unwrap();
    assert_eq!(socket.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_PLAIN);
    socket.set_zap_domain("global").unwrap();
    assert!(socket.get_fd().unwrap() >= 0);
    assert!(socket.get_events().unwrap().is_empty());
    assert_eq!(socket.get_socket_type(), Ok(zmq::SUB));
    let xpub = bounded(&ctx, zmq::XPUB);
    xpub.set_xpub_verbose(true).unwrap();
    xpub.set_xpub_welcome_msg(None).unwrap();

    // Exhaustive matches over the enums: a new variant would break them.
    for kind in [
        zmq::PAIR,
        zmq::PUB,
        zmq::SUB,
        zmq::REQ,
        zmq::REP,
        zmq::DEALER,
        zmq::ROUTER,
        zmq::PULL,
        zmq::PUSH,
        zmq::XPUB,
        zmq::XSUB,
        zmq::STREAM,
    ] {
        let name = match kind {
            SocketType::PAIR => "PAIR",
            SocketType::PUB => "PUB",
            SocketType::SUB => "SUB",
            SocketType::REQ => "REQ",
            SocketType::REP => "REP",
            SocketType::DEALER => "DEALER",
            SocketType::ROUTER => "ROUTER",
            SocketType::PULL => "PULL",
            SocketType::PUSH => "PUSH",
            SocketType::XPUB => "XPUB",
            SocketType::XSUB => "XSUB",
            SocketType::STREAM => "STREAM",
        };
        assert_eq!(format!("{:?}", kind), name);
        assert_eq!(ctx.socket(kind).unwrap().get_socket_type().unwrap(), kind);
    }
    assert_eq!(zmq::STREAM as i32, 11);
    let mechanism = match socket.get_mechanism().unwrap() {
        zmq::Mechanism::ZMQ_NULL => 0,
        zmq::Mechanism::ZMQ_PLAIN => 1,
        zmq::Mechanism::ZMQ_CURVE => 2,
        zmq::Mechanism::ZMQ_GSSAPI => 3,
    };
    assert_eq!(mechanism, 1);

    let mut context = Context::new();
    assert_eq!(context.get_io_threads().unwrap(), 1);
    context.set_io_threads(2).unwrap();
    let clone = context.clone();
    assert_eq!(clone.get_io_threads().unwrap(), 2);
    drop(clone);
    context.destroy().unwrap();

    let (major, minor, patch) = zmq::version();
    assert!(major == 4 && minor >= 3, "{}.{}.{}", major, minor, patch);
    assert_eq!(zmq::has("curve"), Some(true));
}

fn error_name(e: zmq::Error) -> &'static str {
    use zmq::Error::*;
    match e {
        EACCES => "EACCES",
        EADDRINUSE => "EADDRINUSE",
        EAGAIN => "EAGAIN",
        EBUSY => "EBUSY",
        ECONNREFUSED => "ECONNREFUSED",
        EFAULT => "EFAULT",
        EINTR => "EINTR",
        EHOSTUNREACH => "EHOSTUNREACH",
        EINPROGRESS => "EINPROGRESS",
        EINVAL => "EINVAL",
        EMFILE => "EMFILE",
        EMSGSIZE => "EMSGSIZE",
        ENAMETOOLONG => "ENAMETOOLONG",
        ENODEV => "ENODEV",
        ENOENT => "ENOENT",
        ENOMEM => "ENOMEM",
        ENOTCONN => "ENOTCONN",
        ENOTSOCK => "ENOTSOCK",
        EPROTO => "EPROTO",
        EPROTONOSUPPORT => "EPROTONOSUPPORT",
        ENOTSUP => "ENOTSUP",
        ENOBUFS => "ENOBUFS",
        ENETDOWN => "ENETDOWN",
        EADDRNOTAVAIL => "EADDRNOTAVAIL",
        EFSM => "EFSM",
        ENOCOMPATPROTO => "ENOCOMPATPROTO",
        ETERM => "ETERM",
        EMTHREAD => "EMTHREAD",
    }
}

fn fallible(socket: &Socket) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let bytes = socket.recv_bytes(zmq::DONTWAIT)?;
    Ok(bytes)
}

fn errors() {
    let ctx = Context::new();
    let req = bounded(&ctx, zmq::REQ);
    req.connect("inproc://compat-nobody").unwrap();
    let err = req.recv_bytes(0).unwrap_err();
    assert_eq!(err, zmq::Error::EFSM);
    assert_eq!(error_name(err), "EFSM");
    assert_eq!(format!("{}", err), format!("{:?}", err));
    assert_eq!(err.to_string(), err.message());
    assert_eq!(zmq::Error::from_raw(err.to_raw()), err);
    let io: std::io::Error = zmq::Error::EAGAIN.into();
    assert_eq!(io.kind(), std::io::ErrorKind::WouldBlock);

    let pull = bounded(&ctx, zmq::PULL);
    match pull.recv_bytes(zmq::DONTWAIT) {
        Err(zmq::Error::EAGAIN) => {}
        other => panic!("expected EAGAIN, got {:?}", other),
    }
    let boxed = fallible(&pull).unwrap_err();
    assert_eq!(boxed.to_string(), zmq::Error::EAGAIN.message());
    assert!(pull.bind("not an endpoint").is_err());
}

fn curve_and_z85() {
    let pair = zmq::CurveKeyPair::new().unwrap();
    let text = zmq::z85_encode(&pair.public_key).unwrap();
    assert_eq!(text.len(), 40);
    assert_eq!(zmq::z85_decode(&text).unwrap(), pair.public_key.to_vec());
    match zmq::z85_decode("abc") {
        Err(zmq::DecodeError::BadLength) => {}
        other => panic!("{:?}", other),
    }
    match zmq::z85_encode(b"abc") {
        Err(zmq::EncodeError::BadLength) => {}
        other => panic!("{:?}", other),
    }
    println!("{:?}", pair);

    let ctx = Context::new();
    let server = bounded(&ctx, zmq::REP);
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&pair.secret_key).unwrap();
    assert!(server.is_curve_server().unwrap());
    server.bind("tcp://127.0.0.1:*").unwrap();
    let client_keys = zmq::CurveKeyPair::new().unwrap();
    let client = bounded(&ctx, zmq::REQ);
    client.set_curve_serverkey(&pair.public_key).unwrap();
    client.set_curve_publickey(&client_keys.public_key).unwrap();
    client.set_curve_secretkey(&client_keys.secret_key).unwrap();
    assert_eq!(
        client.get_curve_publickey().unwrap(),
        client_keys.public_key.to_vec()
    );
    client
        .connect(&server.get_last_endpoint().unwrap().unwrap())
        .unwrap();
    client.send("encrypted", 0).unwrap();
    assert_eq!(server.recv_string(0).unwrap().unwrap(), "encrypted");
}

fn proxies() {
    let ctx = Context::new();
    let mut frontend = bounded(&ctx, zmq::PULL);
    frontend.bind("inproc://compat-proxy-in").unwrap();
    let mut backend = bounded(&ctx, zmq::PUSH);
    backend.bind("inproc://compat-proxy-out").unwrap();
    let mut control = bounded(&ctx, zmq::PAIR);
    control.bind("inproc://compat-proxy-control").unwrap();
    let proxy = thread::spawn(move || {
        frontend.set_rcvtimeo(-1).unwrap();
        control.set_rcvtimeo(-1).unwrap();
        zmq::proxy_steerable(&mut frontend, &mut backend, &mut control)
    });
    let input = bounded(&ctx, zmq::PUSH);
    input.connect("inproc://compat-proxy-in").unwrap();
    let output = bounded(&ctx, zmq::PULL);
    output.connect("inproc://compat-proxy-out").unwrap();
    let steer = bounded(&ctx, zmq::PAIR);
    steer.connect("inproc://compat-proxy-control").unwrap();
    input.send("through the proxy", 0).unwrap();
    assert_eq!(output.recv_bytes(0).unwrap(), b"through the proxy");
    steer.send("TERMINATE", 0).unwrap();
    proxy.join().unwrap().unwrap();
}

fn raw_handles() {
    use std::os::unix::io::AsRawFd;
    let ctx = Context::new();
    let mut socket = bounded(&ctx, zmq::DEALER);
    assert!(!socket.as_mut_ptr().is_null());
    assert!(socket.as_raw_fd() >= 0);
    let raw = socket.into_raw();
    // SAFETY: `raw` is the live socket just released; `ctx` outlives it.
    let socket = unsafe { Socket::from_raw(raw) };
    assert_eq!(socket.get_socket_type().unwrap(), zmq::DEALER);
}

/// Code that imports everything with `use zmq::*;`, as many examples do.
mod glob_imports {
    use zmq::*;

    fn helper(socket: &Socket) -> Result<()> {
        socket.send("glob", DONTWAIT)?;
        Ok(())
    }

    pub fn run() {
        let ctx = Context::new();
        let pair = ctx.socket(PAIR).unwrap();
        pair.bind("inproc://compat-glob").unwrap();
        let other = ctx.socket(PAIR).unwrap();
        other.set_rcvtimeo(5000).unwrap();
        other.connect("inproc://compat-glob").unwrap();
        helper(&pair).unwrap();
        let mut msg = Message::new();
        other.recv(&mut msg, 0).unwrap();
        assert_eq!(msg.as_str(), Some("glob"));
        let mut items = [other.as_poll_item(POLLIN)];
        assert_eq!(poll(&mut items, 0).unwrap(), 0);
        let event: SocketEvent = SocketEvent::from_raw(1);
        assert_eq!(event, SocketEvent::CONNECTED);
        let _: Option<CurveKeyPair> = None;
        let _: std::result::Result<String, EncodeError> = z85_encode(&[0; 4]);
        let _: std::result::Result<Vec<u8>, DecodeError> = z85_decode("00000");
        let err: Error = Error::EINVAL;
        assert_eq!(err.to_raw(), 22);
        assert_eq!(version().0, 4);
        assert_eq!(has("ipc"), Some(true));
        let _: Mechanism = Mechanism::ZMQ_NULL;
        let _: PollEvents = POLLOUT | POLLERR;
        assert_eq!(SNDMORE, 2);
        let _ = (
            REQ, REP, PUB, SUB, PUSH, PULL, DEALER, ROUTER, XPUB, XSUB, STREAM,
        );
    }
}
