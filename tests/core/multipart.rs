//! Multipart messages, empty frames included, over tcp, ipc and inproc.

use crate::common;

use common::{Endpoints, POSITIVE_WAIT, TRANSPORTS, socket, watchdog};

#[test]
fn empty_frames_survive_every_transport() {
    let _dog = watchdog(POSITIVE_WAIT * 3);
    let ctx = zmq::Context::new();
    let eps = Endpoints::new();
    let parts: [&[u8]; 6] = [b"", b"header", b"", b"", b"body", b""];
    for transport in TRANSPORTS {
        let pull = socket(&ctx, zmq::PULL);
        let endpoint = eps.bind(&pull, transport);
        let push = socket(&ctx, zmq::PUSH);
        push.connect(&endpoint).unwrap();

        push.send_multipart(parts, 0).unwrap();
        let received = pull.recv_multipart(0).unwrap();
        assert_eq!(received, parts.map(<[u8]>::to_vec), "{transport:?}");

        // A message of one empty frame is a message, not nothing.
        push.send("", 0).unwrap();
        assert_eq!(pull.recv_multipart(0).unwrap(), vec![Vec::<u8>::new()]);
    }
}

#[test]
fn frames_one_by_one() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://frames-one-by-one").unwrap();
    let push = socket(&ctx, zmq::PUSH);
    push.connect("inproc://frames-one-by-one").unwrap();

    push.send("a", zmq::SNDMORE).unwrap();
    push.send("", zmq::SNDMORE).unwrap();
    push.send("c", 0).unwrap();

    let mut msg = zmq::Message::new();
    let mut seen = Vec::new();
    loop {
        pull.recv(&mut msg, 0).unwrap();
        seen.push((msg.to_vec(), msg.get_more(), pull.get_rcvmore().unwrap()));
        if !msg.get_more() {
            break;
        }
    }
    assert_eq!(
        seen,
        vec![
            (b"a".to_vec(), true, true),
            (Vec::new(), true, true),
            (b"c".to_vec(), false, false)
        ]
    );
}

#[test]
fn multipart_into_messages() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://multipart-msgs").unwrap();
    let push = socket(&ctx, zmq::PUSH);
    push.connect("inproc://multipart-msgs").unwrap();

    // Mixed part types: anything that converts into a Message.
    push.send_multipart(vec![zmq::Message::from("x"), zmq::Message::new()], 0)
        .unwrap();
    push.send_multipart([vec![1u8, 2], vec![]], zmq::flags::SendFlags::empty())
        .unwrap();

    let msgs = pull.recv_multipart_msgs(0).unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!((&msgs[0][..], &msgs[1][..]), (&b"x"[..], &b""[..]));
    assert!(msgs[0].get_more() && !msgs[1].get_more());

    let mut parts = vec![zmq::Message::from("kept")];
    assert_eq!(pull.recv_multipart_into(&mut parts, 0).unwrap(), 2);
    assert_eq!(parts.len(), 3);
    assert_eq!(&parts[1][..], &[1, 2]);

    // An empty iterator sends nothing.
    push.send_multipart(Vec::<Vec<u8>>::new(), 0).unwrap();
    assert_eq!(pull.recv_bytes(zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
}

#[test]
fn sending_a_message_by_reference_keeps_it_on_failure() {
    let ctx = zmq::Context::new();
    let push = socket(&ctx, zmq::PUSH); // no peer: every send would block
    let mut msg = zmq::Message::from("precious");
    assert_eq!(push.send(&mut msg, zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
    assert_eq!(&msg[..], b"precious", "not lost on EAGAIN");

    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://keep-on-failure").unwrap();
    push.connect("inproc://keep-on-failure").unwrap();
    push.send(&mut msg, 0).unwrap();
    assert!(msg.is_empty(), "libzmq took the content");
    assert_eq!(pull.recv_bytes(0).unwrap(), b"precious");
}
