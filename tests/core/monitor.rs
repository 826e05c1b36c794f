//! Socket monitoring: the typed `Monitor`, zmq 0.10's raw `Socket::monitor`, and the event
//! decoder on well-formed and malformed frames.

use crate::common;

use common::{POSITIVE_WAIT, bind_tcp, socket, wait_for_event, watchdog};
use zmq::monitor::{Event, Events, Monitor, MonitorEvent, ProtocolError};

#[test]
fn typed_events_of_a_connection() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let server = socket(&ctx, zmq::REP);
    let server_monitor = Monitor::new(&server, Events::ALL).unwrap();
    let endpoint = bind_tcp(&server);
    let listening = wait_for_event(&server_monitor, |e| matches!(e, Event::Listening { .. }));
    assert_eq!(listening.endpoint, endpoint);

    let client = socket(&ctx, zmq::REQ);
    let client_monitor = Monitor::new(&client, Events::ALL).unwrap();
    client.connect(&endpoint).unwrap();
    let connected = wait_for_event(&client_monitor, |e| matches!(e, Event::Connected { .. }));
    assert_eq!(connected.endpoint, endpoint);
    assert_eq!(connected.event.kind(), Some(zmq::SocketEvent::CONNECTED));
    wait_for_event(&client_monitor, |e| *e == Event::HandshakeSucceeded);
    wait_for_event(&server_monitor, |e| matches!(e, Event::Accepted { .. }));
    wait_for_event(&server_monitor, |e| *e == Event::HandshakeSucceeded);

    // The server goes away: the client sees the disconnection.
    drop(server);
    wait_for_event(&client_monitor, |e| matches!(e, Event::Disconnected { .. }));

    // Stopping the monitor ends the event stream with MonitorStopped.
    client.stop_monitor().unwrap();
    let rest: Vec<_> = client_monitor.map(Result::unwrap).collect();
    assert_eq!(rest.last().unwrap().event, Event::MonitorStopped);
}

#[test]
fn zmq_010_raw_monitor() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let server = socket(&ctx, zmq::PULL);
    server
        .monitor("inproc://raw-monitor", zmq::SocketEvent::ALL as i32)
        .unwrap();
    let events = socket(&ctx, zmq::PAIR);
    events.connect("inproc://raw-monitor").unwrap();
    let endpoint = bind_tcp(&server);

    // Two frames: 6 bytes (u16 event, u32 value, native order), then the endpoint.
    let frames = events.recv_multipart(0).unwrap();
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].len(), 6);
    let code = u16::from_ne_bytes([frames[0][0], frames[0][1]]);
    assert_eq!(
        zmq::SocketEvent::from_raw(code),
        zmq::SocketEvent::LISTENING
    );
    assert_eq!(frames[1], endpoint.as_bytes());
    let decoded = MonitorEvent::decode(&frames[0], &frames[1]).unwrap();
    assert!(matches!(decoded.event, Event::Listening { fd } if fd >= 0));

    // A monitor endpoint must be inproc.
    assert_eq!(
        server.monitor("tcp://127.0.0.1:*", zmq::SocketEvent::ALL as i32),
        Err(zmq::Error::EPROTONOSUPPORT)
    );
}

fn frame(code: u16, value: u32) -> Vec<u8> {
    [&code.to_ne_bytes()[..], &value.to_ne_bytes()].concat()
}

#[test]
fn decoder_handles_every_event_and_garbage() {
    use zmq::SocketEvent as E;
    let cases = [
        (E::CONNECTED, 5, Event::Connected { fd: 5 }),
        (E::CONNECT_DELAYED, 0, Event::ConnectDelayed),
        (
            E::CONNECT_RETRIED,
            200,
            Event::ConnectRetried {
                interval: std::time::Duration::from_millis(200),
            },
        ),
        (E::LISTENING, 6, Event::Listening { fd: 6 }),
        (E::BIND_FAILED, 98, Event::BindFailed { errno: 98 }),
        (E::ACCEPTED, 7, Event::Accepted { fd: 7 }),
        (E::ACCEPT_FAILED, 24, Event::AcceptFailed { errno: 24 }),
        (E::CLOSED, 7, Event::Closed { fd: 7 }),
        (E::CLOSE_FAILED, 9, Event::CloseFailed { errno: 9 }),
        (E::DISCONNECTED, 7, Event::Disconnected { fd: 7 }),
        (E::MONITOR_STOPPED, 0, Event::MonitorStopped),
        (
            E::HANDSHAKE_FAILED_NO_DETAIL,
            104,
            Event::HandshakeFailedNoDetail { errno: 104 },
        ),
        (E::HANDSHAKE_SUCCEEDED, 0, Event::HandshakeSucceeded),
        (
            E::HANDSHAKE_FAILED_PROTOCOL,
            0x1100_0001,
            Event::HandshakeFailedProtocol {
                error: ProtocolError::ZmtpCryptographic,
            },
        ),
        (
            E::HANDSHAKE_FAILED_AUTH,
            400,
            Event::HandshakeFailedAuth { status: 400 },
        ),
    ];
    for (kind, value, expected) in cases {
        let decoded = MonitorEvent::decode(&frame(kind.to_raw(), value), b"tcp://x:1").unwrap();
        assert_eq!(decoded.event, expected);
        assert_eq!(decoded.event.kind(), Some(kind));
        assert_eq!(decoded.endpoint, "tcp://x:1");
        assert_eq!(Events::from(kind).bits(), i32::from(kind.to_raw()));
    }
    // Unknown codes and protocol errors are kept, not a panic.
    let unknown = MonitorEvent::decode(&frame(0x8000, 3), b"").unwrap();
    assert_eq!(
        unknown.event,
        Event::Unknown {
            code: 0x8000,
            value: 3
        }
    );
    assert_eq!(unknown.event.kind(), None);
    assert_eq!(
        ProtocolError::from_raw(0xdead),
        ProtocolError::Other(0xdead)
    );
    // Malformed frames are EPROTO; a non-UTF-8 endpoint is decoded lossily.
    assert_eq!(MonitorEvent::decode(b"short", b""), Err(zmq::Error::EPROTO));
    assert_eq!(MonitorEvent::decode(&[0; 7], b""), Err(zmq::Error::EPROTO));
    let lossy = MonitorEvent::decode(&frame(1, 1), b"tcp://\xff").unwrap();
    assert_eq!(lossy.endpoint, "tcp://\u{FFFD}");
}

#[test]
fn recv_from_rejects_what_is_not_an_event() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let a = socket(&ctx, zmq::PAIR);
    a.bind("inproc://not-events").unwrap();
    let b = socket(&ctx, zmq::PAIR);
    b.connect("inproc://not-events").unwrap();
    a.send("one frame", 0).unwrap();
    assert_eq!(MonitorEvent::recv_from(&b, 0), Err(zmq::Error::EPROTO));
    a.send_multipart(["a", "b", "c"], 0).unwrap();
    assert_eq!(MonitorEvent::recv_from(&b, 0), Err(zmq::Error::EPROTO));
    a.send_multipart([frame(0x0008, 3), b"tcp://y:2".to_vec()], 0)
        .unwrap();
    let event = MonitorEvent::recv_from(&b, 0).unwrap();
    assert_eq!(
        event.event,
        Event::Listening { fd: 3 },
        "the stream resynchronises"
    );
    assert_eq!(
        MonitorEvent::recv_from(&b, zmq::DONTWAIT),
        Err(zmq::Error::EAGAIN)
    );
}

#[test]
fn monitor_helper_details() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let s = socket(&ctx, zmq::PUSH);
    let monitor = Monitor::new(&s, Events::CONNECT_DELAYED | Events::CONNECT_RETRIED).unwrap();
    assert!(monitor.endpoint().starts_with("inproc://"));
    assert_eq!(monitor.try_recv().unwrap(), None);
    assert_eq!(
        monitor
            .recv_timeout(std::time::Duration::from_millis(10))
            .unwrap(),
        None
    );
    // A socket adopted from a raw pointer has no context to make the event socket in.
    let raw = ctx.socket(zmq::PUSH).unwrap().into_raw();
    // SAFETY: a live socket we own; its context (ctx) outlives it.
    let adopted = unsafe { zmq::Socket::from_raw(raw) };
    assert_eq!(
        Monitor::new(&adopted, Events::ALL).unwrap_err(),
        zmq::Error::EINVAL
    );
    // libzmq publishes on a PUB that never waits for us (the vendored build has the
    // draft API this needs).
    let events = monitor.into_socket();
    assert_eq!(events.get_socket_type().unwrap(), zmq::SUB);
}

/// Dropping a `Monitor` while its socket keeps emitting events never blocks libzmq: the
/// connections of the context keep working and closing the socket returns.
#[test]
fn dropping_a_monitor_never_blocks_libzmq() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let server = socket(&ctx, zmq::REP);
    let endpoint = bind_tcp(&server);
    let monitor = Monitor::new(&server, Events::ALL).unwrap();
    drop(monitor);
    // Each connection makes the I/O thread emit events (ACCEPTED, HANDSHAKE_SUCCEEDED,
    // DISCONNECTED, CLOSED): with a blocking channel and nobody reading, the first of them
    // would wedge the I/O thread and the replies below would never come.
    for round in 0..20 {
        let client = socket(&ctx, zmq::REQ);
        client.connect(&endpoint).unwrap();
        client.send("ping", 0).unwrap();
        assert_eq!(server.recv_bytes(0).unwrap(), b"ping", "round {round}");
        server.send("pong", 0).unwrap();
        assert_eq!(client.recv_bytes(0).unwrap(), b"pong", "round {round}");
    }
    // MONITOR_STOPPED is sent from the closing thread.
    drop(server);
}

/// A monitor asked for some events only still ends when its socket closes: libzmq sends
/// `MonitorStopped` only when it is in the mask, so `Monitor` always adds it, and a
/// `for event in monitor` loop ends instead of waiting for ever.
#[test]
fn iterating_a_monitor_ends_when_the_socket_closes_whatever_the_mask() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let target = socket(&ctx, zmq::ROUTER);
    let monitor = Monitor::new(&target, Events::LISTENING | Events::ACCEPTED).unwrap();
    monitor.socket().set_rcvtimeo(5_000).unwrap();
    bind_tcp(&target);
    drop(target);
    let events: Vec<Event> = monitor
        .map(|event| event.expect("an event, before the receive timeout").event)
        .collect();
    assert!(matches!(events[0], Event::Listening { .. }), "{events:?}");
    assert_eq!(events.last(), Some(&Event::MonitorStopped), "{events:?}");
}
