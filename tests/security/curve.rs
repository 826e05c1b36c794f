//! CURVE scenarios S1–S5 of docs/design/reliability.md: valid keys, wrong server key,
//! unknown client key, mechanism mismatch, raw-TCP injection.

use crate::common;

use std::time::Duration;

use common::scenario::*;
use common::{bind_tcp, socket, watchdog};
use zmq::auth::{Authenticator, CurveKeys};
use zmq::monitor::{Event, ProtocolError};

const LIMIT: Duration = Duration::from_secs(10);

fn keys() -> zmq::CurveKeyPair {
    zmq::CurveKeyPair::new().expect("keypair")
}

fn is_handshake_success(event: &Event) -> bool {
    matches!(event, Event::HandshakeSucceeded)
}

/// S1: valid keys; a 2-frame bounce both ways; each side's monitor shows exactly one
/// HANDSHAKE_SUCCEEDED and nothing else for 250 ms. Repeated with a 255-byte routing id
/// (large metadata in INITIATE, CVE-2019-13132).
#[test]
fn s1_curve_valid_credentials() {
    let _dog = watchdog(LIMIT);
    assert_eq!(zmq::has("curve"), Some(true), "the default build has CURVE");
    let mut delivered = 0;
    let mut hs = (0, 0);
    let mut extra = 0;
    for routing_id in [None, Some(vec![b'x'; 255])] {
        let ctx = zmq::Context::new();
        let (server_keys, client_keys) = (keys(), keys());
        let auth = Authenticator::start(&ctx).unwrap();
        auth.configure_curve("*", CurveKeys::Keys(vec![client_keys.public_key]))
            .unwrap();
        let (server, endpoint) = curve_server(&ctx, zmq::DEALER, &server_keys);
        let server_mon = handshake_monitor(&server);
        let client = curve_client(&ctx, zmq::DEALER, &client_keys, &server_keys.public_key);
        if let Some(id) = &routing_id {
            client.set_routing_id(id).unwrap();
        }
        let client_mon = handshake_monitor(&client);
        client.connect(&endpoint).unwrap();
        if bounce(&client, &server) {
            delivered += 1;
        }
        let server_events = events_within(&server_mon, REFUSAL_WINDOW);
        let client_events = events_within(&client_mon, REFUSAL_WINDOW);
        let ok_s = server_events
            .iter()
            .filter(|e| is_handshake_success(e))
            .count();
        let ok_c = client_events
            .iter()
            .filter(|e| is_handshake_success(e))
            .count();
        assert_eq!(
            (ok_s, ok_c),
            (1, 1),
            "server {server_events:?} client {client_events:?}"
        );
        hs = (hs.0 + ok_s, hs.1 + ok_c);
        extra += server_events.len() - ok_s + client_events.len() - ok_c;
    }
    assert_eq!(delivered, 2);
    assert_eq!(extra, 0);
    figure(
        "S1",
        format!(
            "delivered={delivered}/2 hs_ok_server={} hs_ok_client={} extra_events={extra} runs=plain_id,255_byte_routing_id",
            hs.0 / 2,
            hs.1 / 2
        ),
    );
}

/// One S2 case: the client's keys or server key are wrong; nothing must get through.
fn refused_by_crypto(
    client_public: [u8; 32],
    client_secret: [u8; 32],
    server_key: Option<[u8; 32]>,
) -> (bool, usize, u64) {
    let ctx = zmq::Context::new();
    let server_keys = keys();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.configure_curve_allow_any("*");
    let (server, endpoint) = curve_server(&ctx, zmq::DEALER, &server_keys);
    let server_mon = handshake_monitor(&server);
    let client = socket(&ctx, zmq::DEALER);
    let client_mon = handshake_monitor(&client);
    client
        .set_curve_serverkey(&server_key.unwrap_or(server_keys.public_key))
        .unwrap();
    client.set_curve_publickey(&client_public).unwrap();
    client.set_curve_secretkey(&client_secret).unwrap();
    client.connect(&endpoint).unwrap();
    let there = delivered_within(&client, &server, "sneaky", REFUSAL_WINDOW);
    let back = delivered_within(&server, &client, "sneaky back", REFUSAL_WINDOW);
    let mut events = events_within(&server_mon, REFUSAL_WINDOW);
    events.extend(events_within(&client_mon, Duration::from_millis(100)));
    let crypto = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Event::HandshakeFailedProtocol {
                    error: ProtocolError::ZmtpCryptographic
                }
            )
        })
        .count();
    (there || back, crypto, auth.request_count())
}

/// S2: a client with the wrong server key (and all-zero keys) is refused by the
/// cryptography itself: nothing delivered either way, the server reports
/// ZMTP_CRYPTOGRAPHIC, and ZAP is never consulted.
#[test]
fn s2_curve_wrong_server_key() {
    let _dog = watchdog(LIMIT);
    let client = keys();
    /// name, client public key, client secret key, server key (None: the right one)
    type Case = (&'static str, [u8; 32], [u8; 32], Option<[u8; 32]>);
    let cases: [Case; 4] = [
        (
            "wrong_server_key",
            client.public_key,
            client.secret_key,
            Some(keys().public_key),
        ),
        (
            "zero_server_key",
            client.public_key,
            client.secret_key,
            Some([0; 32]),
        ),
        ("zero_client_public", [0; 32], client.secret_key, None),
        ("zero_client_secret", client.public_key, [0; 32], None),
    ];
    let mut report = Vec::new();
    let mut total_delivered = 0;
    let mut total_zap = 0;
    let mut min_crypto = usize::MAX;
    for (name, public, secret, server_key) in cases {
        let (delivered, crypto, zap) = refused_by_crypto(public, secret, server_key);
        report.push(format!("{name}:crypto_fail={crypto}"));
        total_delivered += usize::from(delivered);
        total_zap += zap;
        min_crypto = min_crypto.min(crypto);
        assert!(!delivered, "{name}: a message got through");
        assert!(crypto >= 1, "{name}: no ZMTP_CRYPTOGRAPHIC event");
        assert_eq!(zap, 0, "{name}: ZAP was consulted");
    }
    figure(
        "S2",
        format!(
            "delivered={total_delivered} crypto_fail_events>={min_crypto} zap_calls={total_zap} cases={} {}",
            report.len(),
            report.join(" ")
        ),
    );
}

/// S3: a client key the authenticator does not know gets ZAP 400; the client sees one
/// HANDSHAKE_FAILED_AUTH with status 400.
#[test]
fn s3_curve_unknown_client_key() {
    let _dog = watchdog(LIMIT);
    let ctx = zmq::Context::new();
    let (server_keys, known, stranger) = (keys(), keys(), keys());
    let auth = Authenticator::start(&ctx).unwrap();
    auth.configure_curve("*", CurveKeys::Keys(vec![known.public_key]))
        .unwrap();
    let (server, endpoint) = curve_server(&ctx, zmq::DEALER, &server_keys);
    let client = curve_client(&ctx, zmq::DEALER, &stranger, &server_keys.public_key);
    // One attempt in the window: reconnecting would repeat the (identical) failure.
    client
        .set_reconnect_ivl_duration(Some(Duration::from_secs(10)))
        .unwrap();
    let client_mon = handshake_monitor(&client);
    client.connect(&endpoint).unwrap();
    let (failure, before) = first_event(&client_mon, Duration::from_secs(5), |e| {
        matches!(e, Event::HandshakeFailedAuth { .. })
    });
    let status = match failure {
        Some(Event::HandshakeFailedAuth { status }) => status,
        other => panic!("expected HANDSHAKE_FAILED_AUTH, got {other:?} after {before:?}"),
    };
    let later = events_within(&client_mon, REFUSAL_WINDOW);
    let auth_fails = 1 + later
        .iter()
        .filter(|e| matches!(e, Event::HandshakeFailedAuth { .. }))
        .count();
    let delivered = usize::from(delivered_within(&client, &server, "x", REFUSAL_WINDOW));
    assert_eq!(status, 400);
    assert_eq!(auth_fails, 1);
    assert_eq!(delivered, 0);
    assert!(auth.request_count() >= 1);
    figure(
        "S3",
        format!(
            "delivered={delivered} client_auth_fail={auth_fails} status={status} zap_calls={}",
            auth.request_count()
        ),
    );
}

fn mismatch_event(server_mon: &zmq::monitor::Monitor) -> Option<Event> {
    first_event(server_mon, Duration::from_secs(3), |e| {
        matches!(
            e,
            Event::HandshakeFailedProtocol { .. } | Event::HandshakeFailedNoDetail { .. }
        )
    })
    .0
}

/// S4: NULL and PLAIN clients against a CURVE server, and a PLAIN "client" that is
/// itself a PLAIN server, are refused before ZAP.
#[test]
fn s4_mechanism_mismatch() {
    let _dog = watchdog(LIMIT);
    let mut observed = Vec::new();
    let mut zap_calls = 0;
    for case in [
        "null_vs_curve",
        "plain_vs_curve",
        "plain_server_vs_plain_server",
    ] {
        let ctx = zmq::Context::new();
        let auth = Authenticator::start(&ctx).unwrap();
        auth.configure_curve_allow_any("*");
        auth.configure_plain("*", [("admin", "password")]);
        let server_keys = keys();
        let server = socket(&ctx, zmq::DEALER);
        if case == "plain_server_vs_plain_server" {
            server.set_plain_server(true).unwrap();
            // Both ends wait for a HELLO that never comes: bound the handshake.
            server
                .set_handshake_ivl_duration(Duration::from_millis(500))
                .unwrap();
        } else {
            server.set_curve_server(true).unwrap();
            server.set_curve_secretkey(&server_keys.secret_key).unwrap();
        }
        let endpoint = bind_tcp(&server);
        let server_mon = handshake_monitor(&server);
        let client = socket(&ctx, zmq::DEALER);
        match case {
            "null_vs_curve" => {}
            "plain_vs_curve" => {
                client.set_plain_username(Some("admin")).unwrap();
                client.set_plain_password(Some("password")).unwrap();
            }
            _ => client.set_plain_server(true).unwrap(),
        }
        client.connect(&endpoint).unwrap();
        let event = mismatch_event(&server_mon);
        let delivered = delivered_within(&client, &server, "x", REFUSAL_WINDOW);
        assert!(!delivered, "{case}: delivered");
        zap_calls += auth.request_count();
        let name = match &event {
            Some(Event::HandshakeFailedProtocol { error }) => format!("{error:?}"),
            Some(other) => format!("{other:?}"),
            None => "none".into(),
        };
        if case != "plain_server_vs_plain_server" {
            assert_eq!(
                event,
                Some(Event::HandshakeFailedProtocol {
                    error: ProtocolError::ZmtpMechanismMismatch
                }),
                "{case}"
            );
        } else {
            assert!(
                event.is_some(),
                "{case}: the handshake neither failed nor succeeded"
            );
        }
        observed.push(format!("{case}:{name}"));
    }
    assert_eq!(zap_calls, 0);
    figure(
        "S4",
        format!(
            "event=HANDSHAKE_FAILED_PROTOCOL/ZMTP_MECHANISM_MISMATCH zap_calls={zap_calls} {}",
            observed.join(" ")
        ),
    );
}

/// S5: a raw TCP client sends a ZMTP/1.0 greeting and a "sneaky" frame to CURVE, PLAIN
/// and NULL-with-ZAP servers; nothing reaches the application.
#[test]
fn s5_raw_tcp_injection() {
    let _dog = watchdog(LIMIT);
    let mut results = Vec::new();
    for mechanism in ["CURVE", "PLAIN", "NULL_ZAP"] {
        let ctx = zmq::Context::new();
        let auth = Authenticator::start(&ctx).unwrap();
        auth.configure_curve_allow_any("*");
        auth.configure_plain("*", [("admin", "password")]);
        let server = socket(&ctx, zmq::DEALER);
        server.set_rcvtimeo(250).unwrap();
        match mechanism {
            "CURVE" => {
                server.set_curve_server(true).unwrap();
                server.set_curve_secretkey(&keys().secret_key).unwrap();
            }
            "PLAIN" => server.set_plain_server(true).unwrap(),
            _ => server.set_zap_domain("WORLD").unwrap(),
        }
        let endpoint = bind_tcp(&server);
        let mut raw = raw_connect(&endpoint);
        // ZMTP/1.0: a one-byte identity frame, then a message frame.
        write_all_lossy(&mut raw, &[0x01, 0x00]);
        write_all_lossy(&mut raw, b"\x08\x00sneaky\0");
        let got = server.recv_bytes(0);
        assert_eq!(got, Err(zmq::Error::EAGAIN), "{mechanism}: {got:?}");
        results.push(format!("{mechanism}:unauthenticated_delivered=0"));
    }
    figure("S5", results.join(" "));
}

/// libsodium, linked into every binary through zmq-sys (libzmq's CURVE uses it): the
/// test's raw CURVE client builds real handshake boxes with it.
mod sodium {
    use std::ffi::c_int;

    // SAFETY: these declarations match libsodium's `sodium.h` (unsigned long long lengths
    // are u64 on the 64-bit targets this crate builds for); every call site passes buffers
    // of the sizes libsodium documents.
    unsafe extern "C" {
        fn sodium_init() -> c_int;
        fn crypto_box_keypair(pk: *mut u8, sk: *mut u8) -> c_int;
        fn crypto_box_easy(
            c: *mut u8,
            m: *const u8,
            mlen: u64,
            n: *const u8,
            pk: *const u8,
            sk: *const u8,
        ) -> c_int;
        fn crypto_box_open_easy(
            m: *mut u8,
            c: *const u8,
            clen: u64,
            n: *const u8,
            pk: *const u8,
            sk: *const u8,
        ) -> c_int;
    }

    /// A fresh Curve25519 key pair: (public, secret).
    pub fn keypair() -> ([u8; 32], [u8; 32]) {
        let (mut pk, mut sk) = ([0u8; 32], [0u8; 32]);
        // SAFETY: sodium_init is idempotent and thread safe; both buffers have the 32
        // bytes crypto_box_keypair writes.
        unsafe {
            assert!(sodium_init() >= 0);
            assert_eq!(crypto_box_keypair(pk.as_mut_ptr(), sk.as_mut_ptr()), 0);
        }
        (pk, sk)
    }

    /// `crypto_box_easy`: MAC and ciphertext (`msg.len() + 16` bytes).
    pub fn seal(msg: &[u8], nonce: &[u8; 24], pk: &[u8; 32], sk: &[u8; 32]) -> Vec<u8> {
        let mut out = vec![0u8; msg.len() + 16];
        // SAFETY: out has room for msg.len() + MACBYTES; every pointer is valid for the
        // length libsodium reads.
        let rc = unsafe {
            crypto_box_easy(
                out.as_mut_ptr(),
                msg.as_ptr(),
                msg.len() as u64,
                nonce.as_ptr(),
                pk.as_ptr(),
                sk.as_ptr(),
            )
        };
        assert_eq!(rc, 0);
        out
    }

    /// `crypto_box_open_easy`, or `None` when the box does not open.
    pub fn open(boxed: &[u8], nonce: &[u8; 24], pk: &[u8; 32], sk: &[u8; 32]) -> Option<Vec<u8>> {
        let mut out = vec![0u8; boxed.len().checked_sub(16)?];
        // SAFETY: out has room for the plaintext (boxed.len() - MACBYTES); every pointer
        // is valid for the length libsodium reads.
        let rc = unsafe {
            crypto_box_open_easy(
                out.as_mut_ptr(),
                boxed.as_ptr(),
                boxed.len() as u64,
                nonce.as_ptr(),
                pk.as_ptr(),
                sk.as_ptr(),
            )
        };
        (rc == 0).then_some(out)
    }
}

fn nonce(prefix: &[u8], suffix: &[u8]) -> [u8; 24] {
    let mut n = [0u8; 24];
    n[..prefix.len()].copy_from_slice(prefix);
    n[prefix.len()..].copy_from_slice(suffix);
    n
}

/// How a raw CURVE client breaks its handshake (S6).
#[derive(Clone, Copy, Debug)]
enum BadCurve {
    HelloLength,
    HelloName,
    HelloVersion,
    InitiateLength,
    InitiateName,
    InitiateCookie,
    InitiateContent,
}

/// Plays one broken CURVE handshake against `endpoint` (server key `server_public`).
fn broken_curve_handshake(endpoint: &str, server_public: &[u8; 32], how: BadCurve) {
    let mut raw = raw_connect(endpoint);
    write_all_lossy(&mut raw, &zmtp3_greeting("CURVE", false));
    let greeting = read_up_to(&mut raw, 64);
    assert_eq!(greeting.len(), 64);
    let (tpub, tsec) = sodium::keypair();
    let hello_nonce = 1u64.to_be_bytes();
    let hello_box = sodium::seal(
        &[0u8; 64],
        &nonce(b"CurveZMQHELLO---", &hello_nonce),
        server_public,
        &tsec,
    );
    let mut hello = vec![1, 0];
    if matches!(how, BadCurve::HelloVersion) {
        hello[0] = 2;
    }
    hello.extend_from_slice(&[0u8; 72]);
    hello.extend_from_slice(&tpub);
    hello.extend_from_slice(&hello_nonce);
    hello.extend_from_slice(&hello_box);
    match how {
        BadCurve::HelloLength => {
            hello.pop();
            write_all_lossy(&mut raw, &zmtp_command("HELLO", &hello));
            return;
        }
        BadCurve::HelloName => {
            write_all_lossy(&mut raw, &zmtp_command("HELLP", &hello));
            return;
        }
        BadCurve::HelloVersion => {
            write_all_lossy(&mut raw, &zmtp_command("HELLO", &hello));
            return;
        }
        _ => write_all_lossy(&mut raw, &zmtp_command("HELLO", &hello)),
    }
    // WELCOME: flags, size, "\x07WELCOME", 16-byte nonce, 144-byte box.
    let header = read_up_to(&mut raw, 2);
    assert_eq!(header, [0x04, 168], "WELCOME header");
    let welcome = read_up_to(&mut raw, 168);
    assert_eq!(&welcome[..8], b"\x07WELCOME");
    let opened = sodium::open(
        &welcome[24..],
        &nonce(b"WELCOME-", &welcome[8..24]),
        server_public,
        &tsec,
    )
    .expect("WELCOME box opens");
    let server_transient: [u8; 32] = opened[..32].try_into().unwrap();
    let mut cookie = opened[32..128].to_vec();

    let client = zmq::CurveKeyPair::new().unwrap();
    let vouch_nonce = [7u8; 16];
    let mut vouch_plain = tpub.to_vec();
    vouch_plain.extend_from_slice(server_public);
    let vouch = sodium::seal(
        &vouch_plain,
        &nonce(b"VOUCH---", &vouch_nonce),
        &server_transient,
        &client.secret_key,
    );
    let mut initiate_plain = client.public_key.to_vec();
    initiate_plain.extend_from_slice(&vouch_nonce);
    initiate_plain.extend_from_slice(&vouch);
    initiate_plain.extend(ready_body("DEALER"));
    let initiate_nonce = 2u64.to_be_bytes();
    let mut initiate_box = sodium::seal(
        &initiate_plain,
        &nonce(b"CurveZMQINITIATE", &initiate_nonce),
        &server_transient,
        &tsec,
    );
    match how {
        BadCurve::InitiateCookie => cookie[10] ^= 0xFF,
        BadCurve::InitiateContent => initiate_box[40] ^= 0xFF,
        _ => {}
    }
    let mut initiate = cookie;
    initiate.extend_from_slice(&initiate_nonce);
    initiate.extend_from_slice(&initiate_box);
    let name = match how {
        BadCurve::InitiateName => "INITIATF",
        _ => "INITIATE",
    };
    if matches!(how, BadCurve::InitiateLength) {
        initiate.truncate(200);
    }
    write_all_lossy(&mut raw, &zmtp_command(name, &initiate));
    // Wait for the server to hang up (or the read timeout).
    let _ = read_up_to(&mut raw, 1);
}

/// S6: malformed CURVE handshakes from a raw peer (HELLO with a wrong length, name or
/// version; INITIATE with a wrong length, name, cookie or content) get the exact
/// protocol error; the server stays up and a good client connects afterwards.
#[test]
fn s6_malformed_curve_handshake() {
    let _dog = watchdog(LIMIT);
    let ctx = zmq::Context::new();
    let server_keys = keys();
    let (server, endpoint) = curve_server(&ctx, zmq::DEALER, &server_keys);
    let mon = handshake_monitor(&server);
    use ProtocolError::*;
    let cases = [
        (BadCurve::HelloLength, ZmtpMalformedCommandHello),
        (BadCurve::HelloName, ZmtpUnexpectedCommand),
        (BadCurve::HelloVersion, ZmtpMalformedCommandHello),
        (BadCurve::InitiateLength, ZmtpMalformedCommandInitiate),
        (BadCurve::InitiateName, ZmtpUnexpectedCommand),
        (BadCurve::InitiateCookie, ZmtpCryptographic),
        (BadCurve::InitiateContent, ZmtpCryptographic),
    ];
    let mut matched = 0;
    let mut seen = Vec::new();
    for (how, expected) in cases {
        broken_curve_handshake(&endpoint, &server_keys.public_key, how);
        let (event, before) = first_event(&mon, Duration::from_secs(5), |e| {
            matches!(e, Event::HandshakeFailedProtocol { .. })
        });
        assert!(before.is_empty(), "{how:?}: {before:?}");
        match event {
            Some(Event::HandshakeFailedProtocol { error }) if error == expected => matched += 1,
            other => eprintln!("{how:?}: expected {expected:?}, got {other:?}"),
        }
        seen.push(format!("{how:?}"));
    }
    let client = curve_client(&ctx, zmq::DEALER, &keys(), &server_keys.public_key);
    client.connect(&endpoint).unwrap();
    let good = bounce(&client, &server);
    assert_eq!(matched, cases.len());
    assert!(good);
    figure(
        "S6",
        format!(
            "cases={} matched_error_codes={matched} good_client_after=ok",
            cases.len()
        ),
    );
}
