//! CURVE key pairs and Z85 text, and a CURVE handshake that needs the right server key.

use crate::common;

use common::{NEGATIVE_WAIT, POSITIVE_WAIT, bind_tcp, socket, watchdog};

#[test]
fn z85_zmq_010_functions() {
    let data = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
    assert_eq!(zmq::z85_encode(&data).unwrap(), "HelloWorld");
    assert_eq!(zmq::z85_decode("HelloWorld").unwrap(), data);

    let err = zmq::z85_encode(&[1, 2, 3]).unwrap_err();
    assert!(matches!(err, zmq::EncodeError::BadLength));
    assert_eq!(
        err.to_string(),
        "Invalid data length. Should be multiple of 4."
    );
    let err = zmq::z85_decode("abcd").unwrap_err();
    assert!(matches!(err, zmq::DecodeError::BadLength));
    assert_eq!(
        err.to_string(),
        "Invalid data length. Should be multiple of 5."
    );
    let err = zmq::z85_decode("ab\0de").unwrap_err();
    assert!(matches!(err, zmq::DecodeError::NulError(_)));
    assert!(err.to_string().starts_with("Nul byte error: "));
    // Characters outside the alphabet are rejected (zmq 0.10 did not check).
    assert!(matches!(
        zmq::z85_decode("abc d"),
        Err(zmq::DecodeError::BadLength)
    ));
    let _: &dyn std::error::Error = &err;

    // Round trips of every byte value.
    let all: Vec<u8> = (0..=255).collect();
    assert_eq!(
        zmq::z85_decode(&zmq::z85_encode(&all).unwrap()).unwrap(),
        all
    );
    assert_eq!(zmq::z85_encode(&[]).unwrap(), "");
}

#[test]
fn z85_precise_errors() {
    use zmq::z85::Z85Error;
    assert_eq!(
        zmq::z85::decode("abc d").unwrap_err(),
        Z85Error::InvalidChar {
            index: 3,
            byte: b' '
        }
    );
    assert_eq!(
        zmq::z85::decode("#####").unwrap_err(),
        Z85Error::Overflow { index: 0 }
    );
    let err = zmq::z85::encode(&[0; 5]).unwrap_err();
    assert_eq!(
        err,
        Z85Error::BadLength {
            len: 5,
            multiple_of: 4
        }
    );
    assert!(err.to_string().contains("not a multiple of 4"));
}

#[test]
fn key_pairs() {
    let pair = zmq::CurveKeyPair::new().unwrap();
    assert_ne!(pair.public_key, pair.secret_key);
    assert_ne!(
        pair.public_key,
        zmq::CurveKeyPair::new().unwrap().public_key
    );
    assert_eq!(pair.public_key_z85().len(), 40);
    assert_eq!(
        zmq::curve::decode_key(&pair.public_key_z85()),
        Some(pair.public_key)
    );
    assert_eq!(zmq::curve::decode_key("too short"), None);

    let again = zmq::CurveKeyPair::from_secret_key(pair.secret_key).unwrap();
    assert_eq!(again.public_key, pair.public_key);
    assert_eq!(
        zmq::curve::public_key_of(&pair.secret_key).unwrap(),
        pair.public_key
    );

    let debug = format!("{pair:?}");
    assert!(debug.contains(&pair.public_key_z85()));
    assert!(
        !debug.contains(&pair.secret_key_z85()),
        "Debug hides the secret key"
    );
    // zmq 0.10 code copies the fields out.
    let zmq::CurveKeyPair {
        public_key,
        secret_key,
    } = zmq::CurveKeyPair::new().unwrap();
    assert_eq!((public_key.len(), secret_key.len()), (32, 32));
}

fn curve_pair(
    ctx: &zmq::Context,
    server_keys: &zmq::CurveKeyPair,
    server_key_the_client_uses: &[u8; 32],
) -> (zmq::Socket, zmq::Socket) {
    let server = socket(ctx, zmq::PULL);
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&server_keys.secret_key).unwrap();
    let endpoint = bind_tcp(&server);
    let client_keys = zmq::CurveKeyPair::new().unwrap();
    let client = socket(ctx, zmq::PUSH);
    client
        .set_curve_serverkey(server_key_the_client_uses)
        .unwrap();
    client.set_curve_publickey(&client_keys.public_key).unwrap();
    client.set_curve_secretkey(&client_keys.secret_key).unwrap();
    client.connect(&endpoint).unwrap();
    (server, client)
}

#[test]
fn curve_handshake_needs_the_server_key() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let server_keys = zmq::CurveKeyPair::new().unwrap();

    let (server, client) = curve_pair(&ctx, &server_keys, &server_keys.public_key);
    client.send("secret message", 0).unwrap();
    let msg = server.recv_msg(0).unwrap();
    assert_eq!(&msg[..], b"secret message");
    assert_eq!(server.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_CURVE);

    // A client with the wrong server key never gets through.
    let wrong = zmq::CurveKeyPair::new().unwrap().public_key;
    let (server, client) = curve_pair(&ctx, &server_keys, &wrong);
    client.send("lost", zmq::DONTWAIT).ok();
    assert_eq!(
        server
            .poll(zmq::POLLIN, NEGATIVE_WAIT.as_millis() as i64)
            .unwrap(),
        0
    );
}

/// CURVE key setters take 32 bytes, or 40 Z85 characters (a NUL may follow as a 41st
/// byte), and nothing else. libzmq alone decodes Z85 up to the first NUL and says yes (so
/// `"Hello"` and 35 NULs set a key that is mostly zeros), and overwrites part of the old
/// key with an invalid one before refusing it.
#[test]
fn curve_key_setters_refuse_partial_and_invalid_keys_and_keep_the_old_key() {
    let ctx = zmq::Context::new();
    let socket = socket(&ctx, zmq::DEALER);
    let pair = zmq::CurveKeyPair::new().unwrap();
    let z85 = pair.public_key_z85();

    // Accepted forms: binary, Z85, Z85 with its C string's NUL.
    socket.set_curve_publickey(&pair.public_key).unwrap();
    assert_eq!(socket.get_curve_publickey().unwrap(), pair.public_key);
    let other = zmq::CurveKeyPair::new().unwrap();
    socket
        .set_curve_publickey(other.public_key_z85().as_bytes())
        .unwrap();
    assert_eq!(socket.get_curve_publickey().unwrap(), other.public_key);
    let mut with_nul = z85.clone().into_bytes();
    with_nul.push(0);
    socket.set_curve_publickey(&with_nul).unwrap();
    assert_eq!(socket.get_curve_publickey().unwrap(), pair.public_key);

    let mut hello = b"Hello".to_vec();
    hello.resize(40, 0);
    let mut short_then_nul = z85.as_bytes()[..35].to_vec();
    short_then_nul.resize(41, 0);
    let mut bad_last = z85.clone().into_bytes();
    bad_last[39] = b'"'; // not in the Z85 alphabet
    let mut non_utf8 = z85.clone().into_bytes();
    non_utf8[0] = 0xff;
    for (label, bad) in [
        ("Hello + NULs", hello),
        ("35 characters + NULs", short_then_nul),
        ("an invalid last character", bad_last),
        ("a non-UTF-8 byte", non_utf8),
        ("empty", Vec::new()),
        ("31 bytes", vec![1u8; 31]),
        ("33 bytes", vec![1u8; 33]),
        ("39 characters", z85.as_bytes()[..39].to_vec()),
        ("42 bytes", vec![b'a'; 42]),
    ] {
        for (name, set) in [
            (
                "public",
                zmq::Socket::set_curve_publickey as fn(&zmq::Socket, &[u8]) -> _,
            ),
            ("secret", zmq::Socket::set_curve_secretkey),
            ("server", zmq::Socket::set_curve_serverkey),
        ] {
            assert_eq!(
                set(&socket, &bad),
                Err(zmq::Error::EINVAL),
                "{name} key: {label}"
            );
        }
        assert_eq!(
            socket.get_curve_publickey().unwrap(),
            pair.public_key,
            "{label}: the old key stays"
        );
    }
}
