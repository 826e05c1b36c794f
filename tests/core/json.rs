//! JSON messages (feature `serde`): `send_json`/`recv_json` on the sync socket (the async
//! ones are in tests/async_rt/json.rs), and `send_serialized`/`recv_serialized`. Bad input (not JSON, not UTF-8, the wrong type, several frames) is a decode
//! error that carries the bytes; the socket keeps working and no other message is lost.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::common;
use zmq::JsonError;

const WATCHDOG: Duration = Duration::from_secs(60);

fn pair(ctx: &zmq::Context) -> (zmq::Socket, zmq::Socket) {
    common::inproc::connected(ctx, zmq::PAIR, zmq::PAIR)
}

#[test]
fn json_round_trips_values_and_typed_data() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let (a, b) = pair(&ctx);
    let value = json!({
        "text": "héllo ☃ \u{1F600}",
        "list": [1, 2.5, -3, null, true],
        "nested": {"empty": {}, "none": []},
    });
    a.send_json(&value, 0).unwrap();
    // One frame of UTF-8 JSON: the wire format of pyzmq's send_json.
    let frame = b.recv_msg(0).unwrap();
    assert!(!frame.get_more());
    assert_eq!(serde_json::from_slice::<Value>(&frame).unwrap(), value);

    a.send_json(&value, 0).unwrap();
    assert_eq!(b.recv_json::<Value>(0).unwrap(), value);

    let mut map = BTreeMap::new();
    map.insert("a".to_string(), vec![1u32, 2]);
    map.insert("b".to_string(), vec![]);
    a.send_json(&map, 0).unwrap();
    assert_eq!(b.recv_json::<BTreeMap<String, Vec<u32>>>(0).unwrap(), map);

    // Unsized values.
    a.send_json("just a string", 0).unwrap();
    assert_eq!(b.recv_json::<String>(0).unwrap(), "just a string");
    a.send_json(&[1u8, 2, 3][..], 0).unwrap();
    assert_eq!(b.recv_json::<Vec<u8>>(0).unwrap(), vec![1, 2, 3]);

    // Python's json.dumps writes non-ASCII as \u escapes; both forms decode alike.
    a.send(r#"{"text": "h\u00e9llo"}"#, 0).unwrap();
    assert_eq!(b.recv_json::<Value>(0).unwrap(), json!({"text": "héllo"}));
}

#[test]
fn bad_frames_are_decode_errors_with_their_bytes_and_nothing_else_is_lost() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let (a, b) = pair(&ctx);
    let bad: [&[u8]; 5] = [
        b"{not json",
        b"",
        b"\xff\xfe{}",
        b"\"\xff\"",
        b"{\"a\": 1} trailing",
    ];
    for frame in bad {
        a.send(frame, 0).unwrap();
        a.send_json(&"next", 0).unwrap();
        let err = b.recv_json::<Value>(0).unwrap_err();
        assert!(err.is_decode(), "{frame:?}: {err}");
        assert!(matches!(err, JsonError::Decode { .. }), "{err:?}");
        assert_eq!(err.bytes(), Some(frame));
        assert_eq!(err.transport(), None);
        assert!(err.to_string().contains("not the JSON expected"), "{err}");
        assert!(std::error::Error::source(&err).is_some());
        // The next message is intact.
        assert_eq!(b.recv_json::<String>(0).unwrap(), "next");
    }

    // Valid JSON of the wrong type.
    a.send_json(&json!({"a": 1}), 0).unwrap();
    a.send_json(&7, 0).unwrap();
    let err = b.recv_json::<Vec<u32>>(0).unwrap_err();
    match &err {
        JsonError::Decode { error, bytes } => {
            assert!(error.is_data(), "{error}");
            assert_eq!(bytes, br#"{"a":1}"#);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert_eq!(b.recv_json::<u32>(0).unwrap(), 7);
}

#[test]
fn a_multipart_message_is_an_error_and_is_consumed_whole() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let (a, b) = pair(&ctx);
    a.send_multipart(["{\"a\": 1}", "{\"b\": 2}", "tail"], 0)
        .unwrap();
    a.send_json(&json!({"after": true}), 0).unwrap();
    let err = b.recv_json::<Value>(zmq::DONTWAIT).unwrap_err();
    match &err {
        JsonError::Multipart { frames } => assert_eq!(
            frames,
            &[
                b"{\"a\": 1}".to_vec(),
                b"{\"b\": 2}".to_vec(),
                b"tail".to_vec()
            ]
        ),
        other => panic!("expected a multipart error, got {other:?}"),
    }
    assert!(err.is_decode());
    assert_eq!(err.bytes(), Some(&b"{\"a\": 1}"[..]));
    assert!(err.to_string().contains("3 frames"), "{err}");
    assert_eq!(b.recv_json::<Value>(0).unwrap(), json!({"after": true}));
}

#[test]
fn transport_and_encode_errors() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let (a, b) = pair(&ctx);
    let err = b.recv_json::<Value>(zmq::DONTWAIT).unwrap_err();
    assert_eq!(err.transport(), Some(zmq::Error::EAGAIN));
    assert!(!err.is_decode());
    assert_eq!(err.bytes(), None);

    // A map with non-string keys cannot be JSON: nothing is sent.
    let mut bad = BTreeMap::new();
    bad.insert(vec![1u8], 1);
    let err = a.send_json(&bad, 0).unwrap_err();
    assert!(matches!(err, JsonError::Encode(_)), "{err:?}");
    a.send_json(&"ok", 0).unwrap();
    assert_eq!(b.recv_json::<String>(0).unwrap(), "ok");

    // Send + Sync + 'static: fits Box<dyn Error + Send + Sync>, anyhow and friends.
    fn boxed(err: JsonError) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        Box::new(err)
    }
    let boxed = boxed(err);
    assert!(boxed.to_string().contains("cannot write the value as JSON"));
}

/// `send_serialized`/`recv_serialized` with the caller's serialiser: here a topic frame
/// and a JSON frame, with the caller's own error type.
#[test]
fn serialized_messages_with_a_user_serialiser() {
    #[derive(Debug)]
    enum AppError {
        Zmq(zmq::Error),
        Json(#[allow(dead_code)] serde_json::Error),
        Shape(usize),
    }
    impl From<zmq::Error> for AppError {
        fn from(err: zmq::Error) -> Self {
            AppError::Zmq(err)
        }
    }
    fn encode((topic, body): &(&str, Value)) -> Result<Vec<Vec<u8>>, AppError> {
        let body = serde_json::to_vec(body).map_err(AppError::Json)?;
        Ok(vec![topic.as_bytes().to_vec(), body])
    }
    fn decode(frames: Vec<zmq::Message>) -> Result<(String, Value), AppError> {
        match &frames[..] {
            [topic, body] => Ok((
                String::from_utf8_lossy(topic).into_owned(),
                serde_json::from_slice(body).map_err(AppError::Json)?,
            )),
            other => Err(AppError::Shape(other.len())),
        }
    }
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let (a, b) = pair(&ctx);
    a.send_serialized(&("prices", json!({"eur": 1.08})), 0, encode)
        .unwrap();
    let (topic, body) = b.recv_serialized(0, decode).unwrap();
    assert_eq!((topic.as_str(), body), ("prices", json!({"eur": 1.08})));

    // The deserialiser's error; the message was taken whole, the next one is intact.
    a.send_multipart(["one", "two", "three"], 0).unwrap();
    a.send_serialized(&("next", json!(null)), 0, encode)
        .unwrap();
    assert!(matches!(
        b.recv_serialized(0, decode),
        Err(AppError::Shape(3))
    ));
    assert_eq!(b.recv_serialized(0, decode).unwrap().0, "next");
    assert!(matches!(
        b.recv_serialized(zmq::DONTWAIT, decode),
        Err(AppError::Zmq(zmq::Error::EAGAIN))
    ));
    // The serialiser's error: nothing sent.
    let failing = |_: &u8| -> Result<Vec<Vec<u8>>, AppError> { Err(AppError::Shape(0)) };
    assert!(matches!(
        a.send_serialized(&1, 0, failing),
        Err(AppError::Shape(0))
    ));
    assert!(matches!(
        b.recv_serialized(zmq::DONTWAIT, decode),
        Err(AppError::Zmq(zmq::Error::EAGAIN))
    ));
}
