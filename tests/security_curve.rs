//! CURVE scenarios S1–S5 of `reliability-scenarios.md`: valid keys, wrong server key,
//! unknown client key, mechanism mismatch, raw-TCP injection.

mod common;

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
    let cases: [(&str, [u8; 32], [u8; 32], Option<[u8; 32]>); 4] = [
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
