//! Draft socket types (`draft` feature): CLIENT/SERVER with routing ids, RADIO/DISH
//! groups, SCATTER/GATHER, PEER/CHANNEL, DGRAM, and one CLIENT shared by two threads.
#![cfg(feature = "draft")]

use crate::common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use common::{
    Endpoints, NEGATIVE_WAIT, POSITIVE_WAIT, TIMEOUT_MS, TRANSPORTS, Transport, free_udp_port,
    watchdog,
};
use zmq::draft::DraftSocket;
use zmq::draft::DraftSocketType::{self, *};

/// A draft socket with bounded blocking calls.
fn draft(ctx: &zmq::Context, kind: DraftSocketType) -> DraftSocket {
    let socket = ctx.draft_socket(kind).expect("create draft socket");
    socket.set_rcvtimeo(TIMEOUT_MS).unwrap();
    socket.set_sndtimeo(TIMEOUT_MS).unwrap();
    socket.set_linger(0).unwrap();
    socket
}

/// Binds on `transport` and returns the endpoint to connect to.
fn bind(eps: &Endpoints, socket: &DraftSocket, transport: Transport) -> String {
    let endpoint = match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
        Transport::Ipc => eps.ipc(),
        Transport::Inproc => eps.inproc(),
    };
    socket.bind(&endpoint).expect("bind");
    socket.get_last_endpoint().unwrap().unwrap()
}

#[test]
fn draft_sockets_are_thread_safe_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<DraftSocket>();

    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    for kind in [SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, PEER, CHANNEL] {
        let socket = draft(&ctx, kind);
        assert!(socket.is_thread_safe().unwrap(), "{kind:?} is thread safe");
        assert_eq!(socket.kind(), kind);
        assert_eq!(DraftSocketType::try_from_raw(kind.to_raw()), Some(kind));
    }
    assert_eq!(DraftSocketType::try_from_raw(zmq::REQ as i32), None);
    assert_eq!(DraftSocketType::try_from_raw(18), None); // DGRAM is not thread safe
    assert!(!ctx.socket(zmq::PAIR).unwrap().is_thread_safe().unwrap());
    assert!(
        !zmq::draft::dgram_socket(&ctx)
            .unwrap()
            .is_thread_safe()
            .unwrap()
    );
}

#[test]
fn client_server_round_trip_with_routing_ids() {
    let _dog = watchdog(POSITIVE_WAIT * 4);
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    for transport in TRANSPORTS {
        let server = draft(&ctx, SERVER);
        let endpoint = bind(&eps, &server, transport);
        let alice = draft(&ctx, CLIENT);
        alice.connect(&endpoint).unwrap();
        let bob = draft(&ctx, CLIENT);
        bob.connect(&endpoint).unwrap();

        alice.send("from alice", 0).unwrap();
        bob.send("from bob", 0).unwrap();
        let mut ids = Vec::new();
        for _ in 0..2 {
            let request = server.recv_msg(0).unwrap();
            let id = request
                .routing_id()
                .expect("SERVER messages carry a routing id");
            let text = request.as_str().unwrap().to_owned();
            server.send_to(id, format!("reply to {text}"), 0).unwrap();
            ids.push(id);
        }
        assert_ne!(ids[0], ids[1], "{transport:?}: each client has its own id");
        assert_eq!(alice.recv_utf8(0).unwrap(), "reply to from alice");
        assert_eq!(bob.recv_utf8(0).unwrap(), "reply to from bob");

        // A reply to an id nobody has is refused, not dropped silently.
        let unknown = ids.iter().max().unwrap() + 1000;
        assert_eq!(
            server.send_to(unknown, "lost", 0),
            Err(zmq::Error::EHOSTUNREACH)
        );
        // A SERVER needs a routing id on every message.
        assert_eq!(server.send("no id", 0), Err(zmq::Error::EHOSTUNREACH));
    }
}

/// Sends `group` probes until the DISH gets one: joins travel to the RADIO
/// asynchronously (the slow-joiner effect), so the first messages may be dropped.
fn wait_until_joined(radio: &DraftSocket, dish: &DraftSocket, group: &str) {
    let deadline = Instant::now() + POSITIVE_WAIT;
    loop {
        radio.send_to_group(group, "probe", 0).unwrap();
        if dish.poll(zmq::POLLIN, 20).unwrap() == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "DISH never received group {group}"
        );
    }
    // Drain the probes that are still in flight.
    while dish
        .poll(zmq::POLLIN, NEGATIVE_WAIT.as_millis() as i64)
        .unwrap()
        == 1
    {
        let msg = dish.recv_msg(0).unwrap();
        assert_eq!(msg.group(), Some(group));
    }
}

/// The next message that is not a probe (one may straggle in after the drain).
fn recv_skipping_probes(dish: &DraftSocket) -> zmq::Message {
    loop {
        let msg = dish.recv_msg(0).unwrap();
        if &msg[..] != b"probe" {
            return msg;
        }
    }
}

fn check_radio_dish(radio: &DraftSocket, dish: &DraftSocket, label: &str) {
    dish.join("weather").unwrap();
    wait_until_joined(radio, dish, "weather");

    radio.send_to_group("sports", "goal", 0).unwrap();
    radio.send_to_group("weather", "sunny", 0).unwrap();
    let msg = recv_skipping_probes(dish);
    assert_eq!(msg.group(), Some("weather"), "{label}");
    assert_eq!(msg.as_str(), Some("sunny"), "{label}: groups match exactly");

    // Joining twice is an error; leaving stops delivery.
    assert_eq!(dish.join("weather"), Err(zmq::Error::EINVAL));
    dish.leave("weather").unwrap();
    dish.join("sports").unwrap();
    wait_until_joined(radio, dish, "sports");
    radio.send_to_group("weather", "rain", 0).unwrap();
    radio.send_to_group("sports", "second goal", 0).unwrap();
    let msg = recv_skipping_probes(dish);
    assert_eq!(
        (msg.group(), msg.as_str()),
        (Some("sports"), Some("second goal")),
        "{label}: left groups are not delivered"
    );
}

#[test]
fn radio_dish_groups() {
    let _dog = watchdog(POSITIVE_WAIT * 6);
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    for transport in TRANSPORTS {
        let radio = draft(&ctx, RADIO);
        let endpoint = bind(&eps, &radio, transport);
        let dish = draft(&ctx, DISH);
        dish.connect(&endpoint).unwrap();
        check_radio_dish(&radio, &dish, &format!("{transport:?}"));
    }

    // Over UDP the DISH binds and the RADIO connects.
    let port = free_udp_port();
    let dish = draft(&ctx, DISH);
    dish.bind(&format!("udp://127.0.0.1:{port}")).unwrap();
    let radio = draft(&ctx, RADIO);
    radio.connect(&format!("udp://127.0.0.1:{port}")).unwrap();
    check_radio_dish(&radio, &dish, "udp");
}

#[test]
fn group_errors() {
    let ctx = zmq::Context::new();
    let dish = draft(&ctx, DISH);
    assert_eq!(dish.join(&"g".repeat(256)), Err(zmq::Error::EINVAL));
    assert_eq!(dish.join("nul\0byte"), Err(zmq::Error::EINVAL));
    assert_eq!(dish.leave("never joined"), Err(zmq::Error::EINVAL));
    let client = draft(&ctx, CLIENT);
    assert_eq!(client.join("weather"), Err(zmq::Error::ENOTSUP));
    let radio = draft(&ctx, RADIO);
    assert_eq!(
        radio.send_to_group(&"g".repeat(256), "x", 0),
        Err(zmq::Error::EINVAL)
    );
}

#[test]
fn scatter_gather() {
    let _dog = watchdog(POSITIVE_WAIT * 4);
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    for transport in TRANSPORTS {
        let gather = draft(&ctx, GATHER);
        let endpoint = bind(&eps, &gather, transport);
        let scatter = draft(&ctx, SCATTER);
        scatter.connect(&endpoint).unwrap();
        for i in 0..20 {
            scatter.send(format!("task {i}"), 0).unwrap();
        }
        for i in 0..20 {
            assert_eq!(gather.recv_utf8(0).unwrap(), format!("task {i}"));
        }
        assert_eq!(
            scatter.recv_msg(zmq::DONTWAIT).unwrap_err(),
            zmq::Error::ENOTSUP
        );
        assert_eq!(gather.send("x", zmq::DONTWAIT), Err(zmq::Error::ENOTSUP));
    }
}

#[test]
fn scatter_spreads_over_gathers() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    let endpoint = eps.inproc();
    let scatter = draft(&ctx, SCATTER);
    scatter.bind(&endpoint).unwrap();
    let gathers = [draft(&ctx, GATHER), draft(&ctx, GATHER)];
    for gather in &gathers {
        gather.connect(&endpoint).unwrap();
    }
    for i in 0..10 {
        scatter.send(format!("{i}"), 0).unwrap();
    }
    let mut received = 0;
    for gather in &gathers {
        while gather
            .poll(zmq::POLLIN, NEGATIVE_WAIT.as_millis() as i64)
            .unwrap()
            == 1
        {
            gather.recv_msg(0).unwrap();
            received += 1;
        }
    }
    assert_eq!(received, 10, "every message reaches exactly one GATHER");
}

#[test]
fn peer_to_peer() {
    let _dog = watchdog(POSITIVE_WAIT * 4);
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    for transport in TRANSPORTS {
        let alice = draft(&ctx, PEER);
        let endpoint = bind(&eps, &alice, transport);
        let bob = draft(&ctx, PEER);
        let alice_id = bob.connect_peer(&endpoint).unwrap();
        assert_ne!(alice_id, 0);

        bob.send_to(alice_id, "hello alice", 0).unwrap();
        let msg = alice.recv_msg(0).unwrap();
        assert_eq!(msg.as_str(), Some("hello alice"));
        let bob_id = msg.routing_id().unwrap();
        alice.send_to(bob_id, "hello bob", 0).unwrap();
        let reply = bob.recv_msg(0).unwrap();
        assert_eq!(reply.as_str(), Some("hello bob"), "{transport:?}");
        assert_eq!(reply.routing_id(), Some(alice_id));
    }

    // connect_peer is for PEER sockets only, and reports what it could not connect to.
    let client = draft(&ctx, CLIENT);
    let err = client.connect_peer("tcp://127.0.0.1:5555").unwrap_err();
    assert_eq!(err.error(), zmq::Error::ENOTSUP);
    let peer = draft(&ctx, PEER);
    let err = peer.connect_peer("tcp://no-port").unwrap_err();
    assert_eq!(err.error(), zmq::Error::EINVAL);
    assert!(err.to_string().contains("tcp://no-port"), "{err}");
}

#[test]
fn channel_pair() {
    let _dog = watchdog(POSITIVE_WAIT * 4);
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    for transport in TRANSPORTS {
        let a = draft(&ctx, CHANNEL);
        let endpoint = bind(&eps, &a, transport);
        let b = draft(&ctx, CHANNEL);
        b.connect(&endpoint).unwrap();
        b.send("ping", 0).unwrap();
        assert_eq!(a.recv_utf8(0).unwrap(), "ping");
        a.send("pong", 0).unwrap();
        assert_eq!(b.recv_utf8(0).unwrap(), "pong", "{transport:?}");
        // One frame per message.
        assert_eq!(b.send("part", zmq::SNDMORE), Err(zmq::Error::EINVAL));
    }
}

/// Two threads send N messages each through one shared CLIENT; the SERVER gets all 2N,
/// each thread's in order. (N = 2000 here; `ZMQ_STRESS=1` makes it 200 000.)
#[test]
fn one_client_shared_by_two_threads() {
    let n: usize = if std::env::var_os("ZMQ_STRESS").is_some() {
        200_000
    } else {
        2000
    };
    let _dog = watchdog(POSITIVE_WAIT * 12);
    let ctx = zmq::Context::new();
    let server = draft(&ctx, SERVER);
    let endpoint = server
        .bind("tcp://127.0.0.1:*")
        .map(|()| server.get_last_endpoint().unwrap().unwrap());
    let client = Arc::new(draft(&ctx, CLIENT));
    client.connect(&endpoint.unwrap()).unwrap();

    let senders: Vec<_> = (0..2)
        .map(|thread| {
            let client = Arc::clone(&client);
            std::thread::spawn(move || {
                for i in 0..n {
                    client.send(format!("{thread}:{i}"), 0).unwrap();
                }
            })
        })
        .collect();

    let mut next = [0usize; 2];
    let mut seen = HashSet::new();
    for _ in 0..2 * n {
        let text = server.recv_msg(0).unwrap().as_str().unwrap().to_owned();
        let (thread, i) = text.split_once(':').unwrap();
        let (thread, i): (usize, usize) = (thread.parse().unwrap(), i.parse().unwrap());
        assert_eq!(
            i, next[thread],
            "thread {thread}'s messages arrive in order"
        );
        next[thread] += 1;
        assert!(seen.insert(text));
    }
    for sender in senders {
        sender.join().unwrap();
    }
    assert_eq!(seen.len(), 2 * n);
    assert_eq!(
        server.recv_msg(zmq::DONTWAIT).unwrap_err(),
        zmq::Error::EAGAIN
    );
}

#[test]
fn shared_server_replies_from_several_threads() {
    let _dog = watchdog(POSITIVE_WAIT * 4);
    let ctx = zmq::Context::new();
    let server = draft(&ctx, SERVER);
    server.bind("inproc://shared-server").unwrap();
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let client = draft(&ctx, CLIENT);
            client.connect("inproc://shared-server").unwrap();
            client
        })
        .collect();
    // Every thread serves requests from the same SERVER socket.
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                for _ in 0..2 {
                    let request = server.recv_msg(0).unwrap();
                    let id = request.routing_id().unwrap();
                    server.send_to(id, request.to_vec(), 0).unwrap();
                }
            });
        }
        for (i, client) in clients.iter().enumerate() {
            client.send(format!("client {i}"), 0).unwrap();
        }
        for (i, client) in clients.iter().enumerate() {
            assert_eq!(client.recv_utf8(0).unwrap(), format!("client {i}"));
        }
    });
}

#[test]
fn poll_accepts_draft_sockets() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let gather = draft(&ctx, GATHER);
    gather.bind("inproc://poll-draft").unwrap();
    let scatter = draft(&ctx, SCATTER);
    scatter.connect("inproc://poll-draft").unwrap();
    assert_eq!(gather.poll(zmq::POLLIN, 0).unwrap(), 0);
    scatter.send("ready", 0).unwrap();
    let mut items = [gather.as_poll_item(zmq::POLLIN)];
    assert_eq!(
        zmq::poll(&mut items, POSITIVE_WAIT.as_millis() as i64).unwrap(),
        1
    );
    assert!(items[0].is_readable());
    // Thread-safe sockets have no ZMQ_FD to hand to an event loop.
    assert_eq!(gather.get_rcvhwm().unwrap(), 1000);
}

#[test]
fn draft_socket_options_and_lifecycle() {
    let ctx = zmq::Context::new();
    let client = draft(&ctx, CLIENT);
    client.set_sndhwm(7).unwrap();
    assert_eq!(client.get_sndhwm().unwrap(), 7);
    assert_eq!(client.get_rcvtimeo().unwrap(), TIMEOUT_MS);
    let err = client.bind("bogus").unwrap_err();
    assert_eq!(err.error(), zmq::Error::EINVAL);
    assert!(err.to_string().contains("\"bogus\""), "{err}");
    assert_eq!(
        client.connect("tcp://127.0.0.1:1\0").unwrap_err().error(),
        zmq::Error::EINVAL
    );
    assert!(format!("{client:?}").contains("CLIENT"));
    assert!(client.context().same_as(&ctx));

    // The socket keeps its context alive; shutting the context down ends blocking calls.
    drop(ctx);
    let ctx = client.context().clone();
    client.set_rcvtimeo(-1).unwrap();
    std::thread::scope(|scope| {
        let waiter = scope.spawn(|| client.recv_msg(0));
        std::thread::sleep(NEGATIVE_WAIT);
        ctx.shutdown().unwrap();
        assert_eq!(waiter.join().unwrap().unwrap_err(), zmq::Error::ETERM);
    });
    assert_eq!(ctx.draft_socket(SERVER).unwrap_err(), zmq::Error::ETERM);
}

/// Two DGRAM sockets bound to free udp ports (receive timeout, linger 0), and the ports.
fn dgram_pair(ctx: &zmq::Context) -> (zmq::Socket, zmq::Socket, u16, u16) {
    let (port_a, port_b) = (free_udp_port(), free_udp_port());
    let a = zmq::draft::dgram_socket(ctx).unwrap();
    let b = zmq::draft::dgram_socket(ctx).unwrap();
    for socket in [&a, &b] {
        socket.set_rcvtimeo(TIMEOUT_MS).unwrap();
        socket.set_linger(0).unwrap();
    }
    a.bind(&format!("udp://127.0.0.1:{port_a}")).unwrap();
    b.bind(&format!("udp://127.0.0.1:{port_b}")).unwrap();
    (a, b, port_a, port_b)
}

#[test]
fn dgram_round_trip() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (a, b, port_a, port_b) = dgram_pair(&ctx);

    b.send_multipart([format!("127.0.0.1:{port_a}").as_str(), "hello"], 0)
        .unwrap();
    let parts = a.recv_multipart(0).unwrap();
    // libzmq includes the C string's NUL in the address frame it delivers.
    assert_eq!(parts[0], format!("127.0.0.1:{port_b}\0").into_bytes());
    assert_eq!(parts[1], b"hello");
    // Reply to whoever sent it: the address frame says who.
    a.send_multipart([&parts[0][..], b"hi back"], 0).unwrap();
    assert_eq!(b.recv_multipart(0).unwrap()[1], b"hi back");
}

/// A DGRAM message is exactly two frames. Three (or one) are refused with EINVAL and
/// nothing is sent; the socket then works as before: libzmq would have taken the first
/// frame of three as the address and sent the next single frame there.
#[test]
fn dgram_refuses_other_frame_counts_and_keeps_working() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (a, b, port_a, _) = dgram_pair(&ctx);
    let to_a = format!("127.0.0.1:{port_a}");

    assert_eq!(
        b.send_multipart([to_a.as_str(), "one", "two"], 0),
        Err(zmq::Error::EINVAL)
    );
    assert_eq!(
        b.send_multipart([to_a.as_str()], 0),
        Err(zmq::Error::EINVAL)
    );
    assert_eq!(b.send("lone frame", 0), Err(zmq::Error::EINVAL));
    b.send_multipart([to_a.as_str(), "after"], 0).unwrap();
    let parts = a.recv_multipart(0).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1], b"after");
    // Nothing else arrived: the refused messages sent nothing.
    assert_eq!(a.recv_multipart(zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
}

/// libzmq 4.3.5 copies each outgoing datagram into an 8 KiB buffer without checking its
/// size (a larger one overwrote memory: cut datagrams, then crashes). A DGRAM payload
/// larger than `UDP_DATAGRAM_MAX` is refused with EMSGSIZE before any frame goes, and the
/// socket keeps working; one of exactly that size arrives whole.
#[test]
fn dgram_refuses_payloads_larger_than_a_datagram() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (a, b, port_a, _) = dgram_pair(&ctx);
    let to_a = format!("127.0.0.1:{port_a}");
    let max = zmq::draft::UDP_DATAGRAM_MAX;

    for size in [max + 1, 50_000, 200_000] {
        let payload = vec![7u8; size];
        assert_eq!(
            b.send_multipart([to_a.as_bytes(), &payload[..]], 0),
            Err(zmq::Error::EMSGSIZE),
            "{size}"
        );
    }
    // Frame by frame: the payload is refused, and a smaller one completes the datagram.
    b.send(to_a.as_str(), zmq::SNDMORE).unwrap();
    let mut big = zmq::Message::from(vec![1u8; max + 1]);
    assert_eq!(b.send(&mut big, 0), Err(zmq::Error::EMSGSIZE));
    assert_eq!(big.len(), max + 1, "a refused message is kept");
    b.send("small", 0).unwrap();
    assert_eq!(a.recv_multipart(0).unwrap()[1], b"small");

    let payload = vec![9u8; max];
    b.send_multipart([to_a.as_bytes(), &payload[..]], 0)
        .unwrap();
    assert_eq!(a.recv_multipart(0).unwrap()[1], payload);
    assert_eq!(a.recv_multipart(zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
}

/// A DISH bound to a free udp port on 127.0.0.1 and joined to `group`, and the port.
fn udp_dish(ctx: &zmq::Context, group: &str) -> (DraftSocket, u16) {
    let port = free_udp_port();
    let dish = draft(ctx, DISH);
    dish.bind(&format!("udp://127.0.0.1:{port}")).unwrap();
    dish.join(group).unwrap();
    (dish, port)
}

/// A RADIO with a udp endpoint refuses a message whose datagram (one byte of group length,
/// the group, the body) would exceed `UDP_DATAGRAM_MAX`; the largest that fits arrives
/// whole. Over tcp the same RADIO sends large messages as before.
#[test]
fn radio_over_udp_refuses_messages_larger_than_a_datagram() {
    let _dog = watchdog(POSITIVE_WAIT * 4);
    let ctx = zmq::Context::new();
    let (dish, port) = udp_dish(&ctx, "g");
    let radio = draft(&ctx, RADIO);
    // Over tcp first (before any udp endpoint), a large message is fine.
    let eps = Endpoints::new();
    let tcp_dish = draft(&ctx, DISH);
    tcp_dish.join("g").unwrap();
    let endpoint = bind(&eps, &radio, Transport::Tcp);
    tcp_dish.connect(&endpoint).unwrap();
    wait_until_joined(&radio, &tcp_dish, "g");
    radio.send_to_group("g", vec![1u8; 50_000], 0).unwrap();
    assert_eq!(recv_skipping_probes(&tcp_dish).len(), 50_000);

    radio.connect(&format!("udp://127.0.0.1:{port}")).unwrap();
    let max_body = zmq::draft::UDP_DATAGRAM_MAX - 1 - "g".len();
    let mut too_big = zmq::Message::from(vec![2u8; max_body + 1]);
    too_big.set_group("g").unwrap();
    assert_eq!(radio.send_msg(&mut too_big, 0), Err(zmq::Error::EMSGSIZE));
    assert_eq!(too_big.len(), max_body + 1, "a refused message is kept");
    assert_eq!(
        radio.send_to_group("g", vec![2u8; 50_000], 0),
        Err(zmq::Error::EMSGSIZE)
    );
    wait_until_joined(&radio, &dish, "g");
    radio.send_to_group("g", vec![3u8; max_body], 0).unwrap();
    let msg = recv_skipping_probes(&dish);
    assert_eq!((msg.len(), msg.group()), (max_body, Some("g")));
}

/// libzmq 4.3.5's DGRAM aborts the process on the first IPv6 datagram it receives, so
/// with ZMQ_IPV6 set its endpoints are refused (ENOTSUP, with a hint).
#[test]
fn dgram_with_ipv6_is_refused() {
    let ctx = zmq::Context::new();
    let socket = zmq::draft::dgram_socket(&ctx).unwrap();
    socket.set_ipv6(true).unwrap();
    let err = socket.bind_endpoint("udp://*:0").unwrap_err();
    assert_eq!(err.error(), zmq::Error::ENOTSUP);
    assert!(err.to_string().contains("IPv4 only"), "{err}");
    let err = socket.connect_endpoint("udp://127.0.0.1:5555").unwrap_err();
    assert_eq!(err.error(), zmq::Error::ENOTSUP);
    socket.set_ipv6(false).unwrap();
    socket
        .bind(&format!("udp://127.0.0.1:{}", free_udp_port()))
        .unwrap();
}

/// A RADIO made as a plain `Socket` (`Context::socket_raw`, the zmq 0.10 way to reach a
/// draft type) has the same datagram size check once it has a udp endpoint.
#[test]
fn a_plain_socket_radio_over_udp_refuses_messages_larger_than_a_datagram() {
    let ctx = zmq::Context::new();
    let radio = ctx.socket_raw(14).unwrap(); // ZMQ_RADIO
    radio.set_linger(0).unwrap();
    let message = |len: usize| {
        let mut msg = zmq::Message::from(vec![4u8; len]);
        msg.set_group("g").unwrap();
        msg
    };
    // No udp endpoint yet: no size limit of ours (libzmq drops messages nobody joined).
    radio.send(message(50_000), zmq::DONTWAIT).unwrap();
    radio
        .connect(&format!("udp://127.0.0.1:{}", free_udp_port()))
        .unwrap();
    let max_body = zmq::draft::UDP_DATAGRAM_MAX - 1 - "g".len();
    let mut too_big = message(max_body + 1);
    assert_eq!(radio.send(&mut too_big, 0), Err(zmq::Error::EMSGSIZE));
    assert_eq!(radio.send(message(50_000), 0), Err(zmq::Error::EMSGSIZE));
    radio.send(message(max_body), 0).unwrap();
}

/// libzmq 4.3.5 read a udp datagram's group length as a signed char and aborted the
/// process on a first byte of 0x80 or more; zmq-sys mends its udp engine at build time
/// (`zmq-sys/build/udp_fix.rs`). Garbage datagrams from any host are now dropped or
/// filtered, and the DISH goes on receiving.
#[cfg(zmq_udp_mended)]
#[test]
fn a_dish_on_udp_survives_garbage_datagrams() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (dish, port) = udp_dish(&ctx, "g");
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = ("127.0.0.1", port);
    let mut long_group = vec![0x80u8];
    long_group.extend(std::iter::repeat_n(b'x', 0x80));
    long_group.extend_from_slice(b"body");
    // Garbage, then a well-formed datagram, until that arrives: libzmq binds the OS
    // socket on its I/O thread, and udp may drop a datagram. When it arrives, the garbage
    // sent just before it reached the engine too.
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    loop {
        for garbage in [
            &[0x80u8][..],
            &[0xff, b'g', b'h'],
            &[0xfe, b'g'],
            &[5, b'a'],
            &[],
            &long_group,
        ] {
            sender.send_to(garbage, to).unwrap();
        }
        sender.send_to(&[1, b'g', b'h', b'i'], to).unwrap();
        if dish.poll(zmq::POLLIN, 50).unwrap() == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the DISH stopped receiving"
        );
    }
    let msg = dish.recv_msg(0).unwrap();
    assert_eq!((msg.group(), &msg[..]), (Some("g"), &b"hi"[..]));
}

/// The mend of the udp engine's reads: a datagram longer than libzmq's 8 KiB buffer is
/// dropped, where libzmq 4.3.5 delivered its first 8 KiB as if they were the whole
/// message; the DISH goes on receiving.
#[cfg(zmq_udp_mended)]
#[test]
fn a_dish_on_udp_drops_datagrams_longer_than_its_buffer() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (dish, port) = udp_dish(&ctx, "g");
    let sender = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let to = ("127.0.0.1", port);
    let mut long = vec![1u8, b'g'];
    long.resize(zmq::draft::UDP_DATAGRAM_MAX + 100, b'x');
    // The long datagram, then a short one, until one arrives (as above: udp may drop).
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    loop {
        sender.send_to(&long, to).unwrap();
        sender.send_to(&[1, b'g', b'o', b'k'], to).unwrap();
        if dish.poll(zmq::POLLIN, 50).unwrap() == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the DISH stopped receiving"
        );
    }
    // Everything that arrived is a short one: no long datagram came through cut.
    while dish.poll(zmq::POLLIN, 50).unwrap() == 1 {
        let msg = dish.recv_msg(0).unwrap();
        assert_eq!(
            (msg.group(), &msg[..]),
            (Some("g"), &b"ok"[..]),
            "a {}-byte message arrived",
            msg.len()
        );
    }
}

/// The IPv6 mend of the udp engine: a DGRAM socket bound to IPv6 through libzmq directly
/// (this crate refuses that) drops an IPv6 datagram instead of failing an assertion, and
/// goes on working.
#[cfg(zmq_udp_mended)]
#[test]
#[allow(clippy::disallowed_methods)] // binds through libzmq itself, around the crate's refusal
fn a_dgram_socket_bound_to_ipv6_through_libzmq_survives_an_ipv6_datagram() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let socket = zmq::draft::dgram_socket(&ctx).unwrap();
    socket.set_rcvtimeo(200).unwrap();
    socket.set_linger(0).unwrap();
    let port = std::net::UdpSocket::bind("[::1]:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Around the crate's refusal: ZMQ_IPV6 and zmq_bind on the raw socket.
    socket
        .set_option_raw(42 /* ZMQ_IPV6 */, &1i32.to_ne_bytes())
        .unwrap();
    let endpoint = std::ffi::CString::new(format!("udp://[::1]:{port}")).unwrap();
    // SAFETY: a live socket, used by this thread only; a NUL-terminated endpoint.
    let rc = unsafe { zmq_sys::zmq_bind(socket.as_ptr(), endpoint.as_ptr()) };
    assert_eq!(rc, 0, "bind udp://[::1]:{port}");
    // libzmq binds the OS socket on its I/O thread after zmq_bind returns: keep sending
    // for a while (each is dropped, none delivered, and the process is still here).
    let sender = std::net::UdpSocket::bind("[::1]:0").unwrap();
    for _ in 0..25 {
        sender.send_to(b"hello", ("::1", port)).unwrap();
        assert_eq!(
            socket.recv_multipart(zmq::DONTWAIT),
            Err(zmq::Error::EAGAIN)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(socket.recv_multipart(0), Err(zmq::Error::EAGAIN));
}

/// A SERVER takes a listening descriptor for one bind, as a `Socket` does.
#[test]
fn server_takes_a_listening_descriptor_for_one_bind() {
    use std::os::fd::IntoRawFd;
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let server = draft(&ctx, SERVER);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // SAFETY: a listening socket that nothing else uses or closes (into_raw_fd).
    unsafe { server.set_use_fd(listener.into_raw_fd()).unwrap() };
    server.bind("tcp://127.0.0.1:*").unwrap();
    assert_eq!(server.get_use_fd().unwrap(), -1);
    let client = draft(&ctx, CLIENT);
    client.connect(&format!("tcp://127.0.0.1:{port}")).unwrap();
    client.send("through the descriptor", 0).unwrap();
    assert_eq!(&server.recv_msg(0).unwrap()[..], b"through the descriptor");
}

/// `SO_PRIORITY` above 6 needs `CAP_NET_ADMIN`: libzmq 4.3.5 took the option and aborted
/// the process at the bind or connect that applied it; now the setter says `EACCES`, and
/// a priority the process may give works.
#[test]
fn a_socket_priority_beyond_the_process_rights_is_eacces() {
    fn attempt() -> i32 {
        let ctx = zmq::Context::new();
        let Ok(dealer) = ctx.socket(zmq::DEALER) else {
            return 2;
        };
        if dealer.set_linger(0).is_err() || dealer.set_priority(7) != Err(zmq::Error::EACCES) {
            return 3;
        }
        if dealer.set_priority(6).is_err() || dealer.bind("tcp://127.0.0.1:*").is_err() {
            return 4;
        }
        0
    }
    let code = common::exit_code_as_unprivileged_user(attempt);
    assert_eq!(
        code, 0,
        "0: ok; 1: could not drop root; 3: not EACCES; 4: 6 refused"
    );
}

/// A DGRAM address frame libzmq would misread (a port out of range or followed by text)
/// or drop without a word (no port, port 0, a host name, not an IPv4 address) is `EINVAL`,
/// by `send_multipart` and frame by frame, and nothing is sent; the address libzmq
/// delivers (with its NUL) and the forms `inet_addr` reads are taken.
#[test]
fn dgram_refuses_addresses_libzmq_would_misread_or_drop() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (a, b, port_a, _) = dgram_pair(&ctx);
    let bad: Vec<Vec<u8>> = vec![
        format!("127.0.0.1:{}", u32::from(port_a) + 65536).into_bytes(),
        format!("127.0.0.1:{port_a}junk").into_bytes(),
        format!("127.0.0.1:-{port_a}").into_bytes(),
        b"127.0.0.1:0".to_vec(),
        b"127.0.0.1".to_vec(),
        format!("localhost:{port_a}").into_bytes(),
        format!("no-such-address:{port_a}").into_bytes(),
        format!("[::1]:{port_a}").into_bytes(),
        format!("255.255.255.255:{port_a}").into_bytes(),
        b"".to_vec(),
        b"\xff\xfe:80".to_vec(),
    ];
    for address in &bad {
        let shown = String::from_utf8_lossy(address);
        assert_eq!(
            b.send_multipart([&address[..], b"lost"], 0),
            Err(zmq::Error::EINVAL),
            "{shown}"
        );
        assert_eq!(
            b.send(&address[..], zmq::SNDMORE),
            Err(zmq::Error::EINVAL),
            "{shown}"
        );
    }
    // None of those sent anything, and the socket is not half-way through a datagram.
    let good = [
        format!("127.0.0.1:{port_a}"),
        format!("127.0.0.1:{port_a}\0"),
        format!("127.1:{port_a}"),
        format!("127.0.0.1: {port_a}"),
        format!("127.0.0.1:{port_a}\0\0"),
        format!("127.0.0.1\0:{port_a}"),
    ];
    for (i, address) in good.iter().enumerate() {
        b.send_multipart([address.as_bytes(), format!("good {i}").as_bytes()], 0)
            .unwrap();
        assert_eq!(
            a.recv_multipart(0).unwrap()[1],
            format!("good {i}").into_bytes()
        );
    }
    b.send(good[0].as_str(), zmq::SNDMORE).unwrap();
    b.send("frame by frame", 0).unwrap();
    assert_eq!(a.recv_multipart(0).unwrap()[1], b"frame by frame");
    assert_eq!(a.recv_multipart(zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
}
