//! Frames that are not UTF-8, asked for as text: zmq 0.10's `recv_string` gives
//! `Ok(Err(bytes))`, `recv_utf8` a `RecvStrError` that keeps the bytes; nothing panics.

use crate::common;

use common::{POSITIVE_WAIT, inproc::connected, watchdog};

const NOT_UTF8: &[u8] = b"caf\xe9 \xff\xfe";

#[test]
fn recv_string_returns_the_bytes() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (a, b) = connected(&ctx, zmq::PAIR, zmq::PAIR);
    a.send(NOT_UTF8, 0).unwrap();
    assert_eq!(b.recv_string(0).unwrap(), Err(NOT_UTF8.to_vec()));
    a.send("café", 0).unwrap();
    assert_eq!(b.recv_string(0).unwrap(), Ok("café".to_owned()));
}

#[test]
fn recv_utf8_is_an_error_that_keeps_the_bytes() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (a, b) = connected(&ctx, zmq::PAIR, zmq::PAIR);
    a.send(NOT_UTF8, 0).unwrap();
    let err = b.recv_utf8(0).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("not valid UTF-8"), "{text}");
    assert!(text.contains("7-byte frame"), "{text}");
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(err.into_bytes(), Some(NOT_UTF8.to_vec()));

    a.send(NOT_UTF8, 0).unwrap();
    let io: std::io::Error = b.recv_utf8(0).unwrap_err().into();
    assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);

    // A receive error is not a UTF-8 error.
    let err = b.recv_utf8(zmq::DONTWAIT).unwrap_err();
    assert!(matches!(
        err,
        zmq::error::RecvStrError::Zmq(zmq::Error::EAGAIN)
    ));
    assert_eq!(err.into_bytes(), None);
}

#[test]
fn text_views_of_messages() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (a, b) = connected(&ctx, zmq::PAIR, zmq::PAIR);
    a.send_multipart([NOT_UTF8, b"ok"], 0).unwrap();
    let msgs = b.recv_multipart_msgs(0).unwrap();
    assert_eq!(msgs[0].as_str(), None);
    assert_eq!(msgs[1].as_str(), Some("ok"));
    // Multipart as bytes never cares about encoding.
    a.send_multipart([NOT_UTF8, b""], 0).unwrap();
    assert_eq!(
        b.recv_multipart(0).unwrap(),
        vec![NOT_UTF8.to_vec(), vec![]]
    );
}
