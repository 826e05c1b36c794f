//! The async authenticator (`zmq::auth::AsyncAuthenticator`, a tokio task) on both runtime
//! flavours: CURVE clients allowed and refused with `User-Id` on messages, garbage
//! requests answered 400, and a clean stop that unbinds the ZAP endpoint.

#![cfg(all(feature = "tokio", unix))]

use crate::common;

use std::time::Duration;

use common::scenario::*;
use common::{socket, watchdog};
use zmq::auth::zap::{StatusCode, ZAP_ENDPOINT, ZapReply};
use zmq::auth::{AsyncAuthenticator, CurveKeys};
use zmq::rt::tokio::AsyncSocket;

async fn scenario() -> String {
    let ctx = zmq::Context::new();
    let mut auth = AsyncAuthenticator::start(&ctx).unwrap();
    let (server_keys, known, stranger) = (
        zmq::CurveKeyPair::new().unwrap(),
        zmq::CurveKeyPair::new().unwrap(),
        zmq::CurveKeyPair::new().unwrap(),
    );
    auth.configure_curve("*", CurveKeys::Keys(vec![known.public_key]))
        .unwrap();
    let (server, endpoint) = curve_server(&ctx, zmq::PULL, &server_keys);
    let mut server = AsyncSocket::new(server).unwrap();

    // A stranger is refused: judged once the authenticator has answered it.
    let refused_client = curve_client(&ctx, zmq::PUSH, &stranger, &server_keys.public_key);
    refused_client.connect(&endpoint).unwrap();
    refused_client
        .send("from the stranger", zmq::DONTWAIT)
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while auth.request_count() == 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        auth.request_count() >= 1,
        "the authenticator was never asked"
    );
    let refused = tokio::time::timeout(REFUSAL_WINDOW, server.recv_msg())
        .await
        .is_err();
    assert!(refused, "an unknown key got through");

    // A known key gets in, with its Z85 key as User-Id.
    let client = curve_client(&ctx, zmq::PUSH, &known, &server_keys.public_key);
    client.connect(&endpoint).unwrap();
    client.send("hello", 0).unwrap();
    let msg = tokio::time::timeout(Duration::from_secs(5), server.recv_msg())
        .await
        .expect("the known key was let in")
        .unwrap();
    assert_eq!(&msg[..], b"hello");
    assert_eq!(msg.user_id(), Some(known.public_key_z85().as_bytes()));

    // Garbage is answered 400 and the handler keeps going.
    let probe = socket(&ctx, zmq::REQ);
    probe.connect(ZAP_ENDPOINT).unwrap();
    let mut probe = AsyncSocket::new(probe).unwrap();
    probe.send_multipart(["1.0", "7"]).await.unwrap();
    let reply = ZapReply::parse(&probe.recv_multipart().await.unwrap()).unwrap();
    assert_eq!(reply.status, StatusCode::Denied);
    assert_eq!(reply.request_id, b"7");

    // Stop: the task ends and the endpoint is free for another handler.
    auth.stop().await;
    assert!(!auth.is_running());
    drop(probe);
    let again = AsyncAuthenticator::start(&ctx);
    assert!(
        again.is_ok(),
        "the ZAP endpoint was not released: {again:?}"
    );
    format!(
        "refused_unknown=1 allowed_known=1 user_id_match=yes garbage_status=400 stop_releases_endpoint=yes zap_calls={}",
        auth.request_count()
    )
}

/// SEC-ASYNC on a current-thread runtime.
#[test]
fn async_authenticator_current_thread() {
    let _dog = watchdog(Duration::from_secs(20));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(scenario());
    figure("SEC-ASYNC", format!("runtime=current_thread {result}"));
}

/// The same on a multi-thread runtime.
#[test]
fn async_authenticator_multi_thread() {
    let _dog = watchdog(Duration::from_secs(20));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(scenario());
    println!("multi_thread: {result}");
}
