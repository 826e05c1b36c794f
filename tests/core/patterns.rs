//! Every messaging pattern over tcp, ipc and inproc: REQ/REP, PUB/SUB with topic filters,
//! PUSH/PULL, PAIR, DEALER/ROUTER (and REQ/ROUTER envelopes), XPUB/XSUB and STREAM.

use crate::common;

use std::io::{Read, Write};
use std::time::Instant;

use common::{Endpoints, NEGATIVE_WAIT, POSITIVE_WAIT, TRANSPORTS, Transport, socket, watchdog};

/// Runs `check` once per transport with a fresh context and endpoint set.
fn each_transport(check: impl Fn(&zmq::Context, &Endpoints, Transport)) {
    let _dog = watchdog(POSITIVE_WAIT * 6);
    for transport in TRANSPORTS {
        let ctx = zmq::Context::new();
        let eps = Endpoints::new();
        check(&ctx, &eps, transport);
    }
}

/// Whether a message arrives within [`NEGATIVE_WAIT`] (for asserting that none does).
fn arrives(socket: &zmq::Socket) -> bool {
    socket
        .poll(zmq::POLLIN, NEGATIVE_WAIT.as_millis() as i64)
        .unwrap()
        == 1
}

#[test]
fn req_rep() {
    each_transport(|ctx, eps, transport| {
        let rep = socket(ctx, zmq::REP);
        let endpoint = eps.bind(&rep, transport);
        let req = socket(ctx, zmq::REQ);
        req.connect(&endpoint).unwrap();
        for i in 0..3 {
            req.send(format!("request {i}").as_str(), 0).unwrap();
            let request = rep.recv_string(0).unwrap().unwrap();
            assert_eq!(request, format!("request {i}"));
            rep.send(format!("Server received your message: '{request}'"), 0)
                .unwrap();
            assert_eq!(
                req.recv_string(0).unwrap().unwrap(),
                format!("Server received your message: 'request {i}'"),
                "{transport:?}"
            );
        }
    });
}

/// Publishes `probe` until the subscriber gets one, then drains the probes in flight:
/// subscriptions reach the publisher asynchronously (the slow-joiner effect).
fn wait_for_subscription(publisher: &zmq::Socket, subscriber: &zmq::Socket, probe: &str) {
    let deadline = Instant::now() + POSITIVE_WAIT;
    loop {
        publisher.send(probe, 0).unwrap();
        if subscriber.poll(zmq::POLLIN, 20).unwrap() == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "the subscription never arrived");
    }
    while arrives(subscriber) {
        assert_eq!(subscriber.recv_bytes(0).unwrap(), probe.as_bytes());
    }
}

/// The next message that is not a probe (a probe may still straggle in on a loaded
/// machine after the drain above).
fn recv_skipping_probes(subscriber: &zmq::Socket) -> Vec<u8> {
    loop {
        let msg = subscriber.recv_bytes(0).unwrap();
        if !msg.ends_with(b"probe") {
            return msg;
        }
    }
}

#[test]
fn pub_sub_with_topic_filters() {
    each_transport(|ctx, eps, transport| {
        let publisher = socket(ctx, zmq::PUB);
        let endpoint = eps.bind(&publisher, transport);
        let subscriber = socket(ctx, zmq::SUB);
        subscriber.connect(&endpoint).unwrap();

        // Nothing arrives before subscribing.
        publisher.send("weather.sunny", 0).unwrap();
        assert!(
            !arrives(&subscriber),
            "{transport:?}: SUB starts with no subscription"
        );

        subscriber.set_subscribe(b"weather.").unwrap();
        wait_for_subscription(&publisher, &subscriber, "weather.probe");

        for topic in ["sports.goal", "weather.rain", "weatherman", "weather.snow"] {
            publisher.send(topic, 0).unwrap();
        }
        assert_eq!(recv_skipping_probes(&subscriber), b"weather.rain");
        assert_eq!(subscriber.recv_bytes(0).unwrap(), b"weather.snow");
        assert!(
            !arrives(&subscriber),
            "{transport:?}: prefixes filter the rest"
        );

        // Multipart: the filter looks at the first frame only.
        publisher
            .send_multipart(["weather.wind", "40 km/h"], 0)
            .unwrap();
        assert_eq!(
            subscriber.recv_multipart(0).unwrap(),
            vec![b"weather.wind".to_vec(), b"40 km/h".to_vec()]
        );

        // An empty subscription matches everything; unsubscribing removes one filter.
        subscriber.set_subscribe(b"").unwrap();
        wait_for_subscription(&publisher, &subscriber, "anything");
        subscriber.set_unsubscribe(b"").unwrap();
        subscriber.set_unsubscribe(b"weather.").unwrap();
        // Unsubscriptions travel like subscriptions: wait until nothing gets through.
        let deadline = Instant::now() + POSITIVE_WAIT;
        loop {
            publisher.send("weather.late", 0).unwrap();
            if !arrives(&subscriber) {
                break;
            }
            while subscriber.recv_bytes(zmq::DONTWAIT).is_ok() {}
            assert!(
                Instant::now() < deadline,
                "the unsubscription never arrived"
            );
        }
    });
}

#[test]
fn pub_sub_fans_out_to_every_subscriber() {
    each_transport(|ctx, eps, transport| {
        let publisher = socket(ctx, zmq::PUB);
        let endpoint = eps.bind(&publisher, transport);
        let subscribers: Vec<_> = (0..3)
            .map(|_| {
                let sub = socket(ctx, zmq::SUB);
                sub.connect(&endpoint).unwrap();
                sub.set_subscribe(b"news").unwrap();
                sub
            })
            .collect();
        for sub in &subscribers {
            wait_for_subscription(&publisher, sub, "news probe");
        }
        // Probes sent for later subscribers reached the earlier ones too: drain them.
        for sub in &subscribers {
            while arrives(sub) {
                sub.recv_bytes(0).unwrap();
            }
        }
        publisher.send("news flash", 0).unwrap();
        for sub in &subscribers {
            assert_eq!(recv_skipping_probes(sub), b"news flash", "{transport:?}");
        }
    });
}

#[test]
fn push_pull() {
    each_transport(|ctx, eps, transport| {
        let pull = socket(ctx, zmq::PULL);
        let endpoint = eps.bind(&pull, transport);
        let push = socket(ctx, zmq::PUSH);
        push.connect(&endpoint).unwrap();
        for i in 0..100 {
            push.send(format!("task {i}"), 0).unwrap();
        }
        for i in 0..100 {
            assert_eq!(pull.recv_bytes(0).unwrap(), format!("task {i}").as_bytes());
        }
        // PUSH only sends, PULL only receives.
        assert_eq!(pull.send("x", 0), Err(zmq::Error::ENOTSUP));
        assert_eq!(
            push.recv_bytes(0),
            Err(zmq::Error::ENOTSUP),
            "{transport:?}"
        );
    });
}

#[test]
fn push_load_balances_over_pullers() {
    each_transport(|ctx, eps, transport| {
        let push = socket(ctx, zmq::PUSH);
        let endpoint = eps.bind(&push, transport);
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let pull = socket(ctx, zmq::PULL);
                pull.connect(&endpoint).unwrap();
                pull
            })
            .collect();
        // Wait until both workers are connected: a PUSH only balances over live peers.
        for (i, worker) in workers.iter().enumerate() {
            let deadline = Instant::now() + POSITIVE_WAIT;
            loop {
                push.send(format!("hello {i}"), 0).unwrap();
                if arrives(worker) {
                    break;
                }
                assert!(Instant::now() < deadline, "worker {i} never connected");
            }
            for w in &workers {
                while w.recv_bytes(zmq::DONTWAIT).is_ok() {}
            }
        }
        for i in 0..10 {
            push.send(format!("task {i}"), 0).unwrap();
        }
        let counts: Vec<usize> = workers
            .iter()
            .map(|w| {
                let mut n = 0;
                while arrives(w) {
                    // Late "hello"s from the connection check do not count.
                    if w.recv_bytes(0).unwrap().starts_with(b"task") {
                        n += 1;
                    }
                }
                n
            })
            .collect();
        assert_eq!(counts.iter().sum::<usize>(), 10, "{transport:?}");
        assert_eq!(counts, vec![5, 5], "{transport:?}: round robin");
    });
}

#[test]
fn pair() {
    each_transport(|ctx, eps, transport| {
        let a = socket(ctx, zmq::PAIR);
        let endpoint = eps.bind(&a, transport);
        let b = socket(ctx, zmq::PAIR);
        b.connect(&endpoint).unwrap();
        b.send("ping", 0).unwrap();
        assert_eq!(a.recv_bytes(0).unwrap(), b"ping");
        a.send("pong", 0).unwrap();
        assert_eq!(b.recv_bytes(0).unwrap(), b"pong", "{transport:?}");
    });
}

#[test]
fn dealer_router() {
    each_transport(|ctx, eps, transport| {
        let router = socket(ctx, zmq::ROUTER);
        let endpoint = eps.bind(&router, transport);
        let dealers: Vec<_> = ["alpha", "beta"]
            .iter()
            .map(|id| {
                let dealer = socket(ctx, zmq::DEALER);
                dealer.set_identity(id.as_bytes()).unwrap();
                dealer.connect(&endpoint).unwrap();
                dealer
            })
            .collect();
        for (i, dealer) in dealers.iter().enumerate() {
            dealer.send(format!("job {i}"), 0).unwrap();
        }
        for _ in 0..2 {
            let frames = router.recv_multipart(0).unwrap();
            assert_eq!(frames.len(), 2, "routing id + body");
            let reply = [
                frames[0].clone(),
                [b"done: ".as_slice(), &frames[1]].concat(),
            ];
            router.send_multipart(reply, 0).unwrap();
        }
        assert_eq!(dealers[0].recv_bytes(0).unwrap(), b"done: job 0");
        assert_eq!(
            dealers[1].recv_bytes(0).unwrap(),
            b"done: job 1",
            "{transport:?}"
        );
        assert_eq!(dealers[0].get_identity().unwrap(), b"alpha");
    });
}

#[test]
fn req_router_envelope() {
    each_transport(|ctx, eps, transport| {
        let router = socket(ctx, zmq::ROUTER);
        let endpoint = eps.bind(&router, transport);
        let req = socket(ctx, zmq::REQ);
        req.set_identity(b"client-1").unwrap();
        req.connect(&endpoint).unwrap();
        req.send("hello", 0).unwrap();
        // A REQ adds an empty delimiter frame; the ROUTER prepends the routing id.
        let frames = router.recv_multipart(0).unwrap();
        assert_eq!(
            frames,
            vec![b"client-1".to_vec(), Vec::new(), b"hello".to_vec()],
            "{transport:?}"
        );
        router
            .send_multipart([&b"client-1"[..], b"", b"world"], 0)
            .unwrap();
        assert_eq!(req.recv_bytes(0).unwrap(), b"world");
    });
}

#[test]
fn xpub_xsub() {
    each_transport(|ctx, eps, transport| {
        let xpub = socket(ctx, zmq::XPUB);
        let endpoint = eps.bind(&xpub, transport);
        let xsub = socket(ctx, zmq::XSUB);
        xsub.connect(&endpoint).unwrap();

        // An XSUB subscribes by sending 0x01 + topic; the XPUB receives it as a message.
        xsub.send(&b"\x01metrics"[..], 0).unwrap();
        assert_eq!(xpub.recv_bytes(0).unwrap(), b"\x01metrics", "{transport:?}");
        xpub.send("metrics cpu=3", 0).unwrap();
        xpub.send("logs hello", 0).unwrap();
        assert_eq!(xsub.recv_bytes(0).unwrap(), b"metrics cpu=3");
        assert!(!arrives(&xsub));

        // Unsubscribing is 0x00 + topic.
        xsub.send(&b"\x00metrics"[..], 0).unwrap();
        assert_eq!(xpub.recv_bytes(0).unwrap(), b"\x00metrics");
    });
}

/// A raw byte-stream client for STREAM tests.
trait RawPeer: Read + Write {}
impl<T: Read + Write> RawPeer for T {}

/// Connects a plain tcp or unix socket; reads time out after [`NEGATIVE_WAIT`].
fn raw_connect(endpoint: &str) -> Box<dyn RawPeer> {
    let timeout = Some(NEGATIVE_WAIT);
    if let Some(addr) = endpoint.strip_prefix("tcp://") {
        let stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(timeout).unwrap();
        Box::new(stream)
    } else if let Some(path) = endpoint.strip_prefix("ipc://") {
        let stream = std::os::unix::net::UnixStream::connect(path).unwrap();
        stream.set_read_timeout(timeout).unwrap();
        Box::new(stream)
    } else {
        unreachable!("{endpoint}")
    }
}

/// `read_exact` that retries short read timeouts until [`POSITIVE_WAIT`].
fn read_exact_patiently(peer: &mut dyn RawPeer, buf: &mut [u8]) {
    let deadline = Instant::now() + POSITIVE_WAIT;
    let mut filled = 0;
    while filled < buf.len() {
        match peer.read(&mut buf[filled..]) {
            Ok(0) => panic!("connection closed early"),
            Ok(n) => filled += n,
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "no data from the STREAM socket");
            }
            Err(err) => panic!("{err}"),
        }
    }
}

#[test]
fn stream_talks_to_raw_sockets() {
    each_transport(|ctx, eps, transport| {
        let stream = socket(ctx, zmq::STREAM);
        if transport == Transport::Inproc {
            // STREAM exchanges raw bytes with non-ZeroMQ peers, which inproc cannot
            // have; between two STREAM sockets it routes [routing id, data] frames, with
            // no connect notification (that comes from the network engine).
            let endpoint = eps.bind(&stream, transport);
            let other = socket(ctx, zmq::STREAM);
            other.set_connect_routing_id(b"server").unwrap();
            other.connect(&endpoint).unwrap();
            other.send_multipart([&b"server"[..], b"hello"], 0).unwrap();
            let frames = stream.recv_multipart(0).unwrap();
            assert_eq!(frames[1], b"hello");
            stream
                .send_multipart([&frames[0][..], b"world"], 0)
                .unwrap();
            assert_eq!(
                other.recv_multipart(0).unwrap(),
                vec![b"server".to_vec(), b"world".to_vec()]
            );
            return;
        }
        let endpoint = eps.bind(&stream, transport);
        let mut peer = raw_connect(&endpoint);

        // A new connection is announced as [routing id, empty frame].
        let hello = stream.recv_multipart(0).unwrap();
        assert_eq!(hello.len(), 2);
        assert!(hello[1].is_empty(), "{transport:?}");
        let id = hello[0].clone();

        peer.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        let mut received = Vec::new();
        while received.len() < 18 {
            let frames = stream.recv_multipart(0).unwrap();
            assert_eq!(frames[0], id);
            received.extend_from_slice(&frames[1]);
        }
        assert_eq!(received, b"GET / HTTP/1.0\r\n\r\n");

        stream
            .send_multipart([&id[..], b"HTTP/1.0 200 OK\r\n"], 0)
            .unwrap();
        let mut reply = [0u8; 17];
        read_exact_patiently(&mut *peer, &mut reply);
        assert_eq!(&reply, b"HTTP/1.0 200 OK\r\n");

        // [routing id, empty frame] closes the connection. libzmq finishes closing when
        // the socket processes its commands, which happens inside API calls: keep
        // calling one (get_events) while waiting for the peer to see the end of stream.
        stream.send_multipart([&id[..], b""], 0).unwrap();
        let deadline = Instant::now() + POSITIVE_WAIT;
        let mut byte = [0u8; 1];
        loop {
            stream.get_events().unwrap();
            match peer.read(&mut byte) {
                Ok(0) => break,
                Ok(_) => panic!("{transport:?}: unexpected data after close"),
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(err) => panic!("{transport:?}: {err}"),
            }
            assert!(Instant::now() < deadline, "{transport:?}: never closed");
        }
    });
}
