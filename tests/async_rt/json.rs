//! JSON messages on the tokio adapter (feature `serde`): `send_json`/`recv_json`, a
//! parked receive, decode and multipart errors that leave the socket at the next message.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use zmq::JsonError;
use zmq::rt::tokio::AsyncSocket;

use crate::common;

const WATCHDOG: Duration = Duration::from_secs(60);

fn pair(ctx: &zmq::Context) -> (zmq::Socket, zmq::Socket) {
    common::inproc::connected(ctx, zmq::PAIR, zmq::PAIR)
}

#[test]
fn async_json_round_trip_errors_and_recovery() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let (a, b) = pair(&ctx);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut a, mut b) = (AsyncSocket::new(a).unwrap(), AsyncSocket::new(b).unwrap());
        // Parked first, then the message comes.
        let receiver = async { b.recv_json::<Value>().await };
        let sender = async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            a.send_json(&json!({"n": [1, 2, 3]})).await.unwrap();
        };
        let (received, ()) = tokio::join!(receiver, sender);
        assert_eq!(received.unwrap(), json!({"n": [1, 2, 3]}));

        a.send("not json").await.unwrap();
        a.send_multipart(["1", "2"]).await.unwrap();
        a.send_json(&5u8).await.unwrap();
        let err = b.recv_json::<Value>().await.unwrap_err();
        assert_eq!(err.bytes(), Some(&b"not json"[..]));
        let err = b.recv_json::<Value>().await.unwrap_err();
        assert!(matches!(err, JsonError::Multipart { ref frames } if frames.len() == 2));
        assert_eq!(b.recv_json::<u8>().await.unwrap(), 5);

        let mut bad = BTreeMap::new();
        bad.insert((1, 2), 3);
        assert!(matches!(a.send_json(&bad).await, Err(JsonError::Encode(_))));
    });
}

/// The halves of a split socket: JSON requests out of one task, replies into another.
#[test]
fn split_halves_send_and_receive_json() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let (a, b) = pair(&ctx);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut recv, mut send) = AsyncSocket::new(a).unwrap().into_split();
        let mut echo = AsyncSocket::new(b).unwrap();
        let echoer = tokio::spawn(async move {
            for _ in 0..10 {
                let value: Value = echo.recv_json().await.unwrap();
                echo.send_json(&json!({ "echo": value })).await.unwrap();
            }
        });
        let sender = tokio::spawn(async move {
            for i in 0..10 {
                send.send_json(&i).await.unwrap();
            }
            send
        });
        for i in 0..10 {
            let reply: Value = recv.recv_json().await.unwrap();
            assert_eq!(reply, json!({ "echo": i }));
        }
        let send = sender.await.unwrap();
        echoer.await.unwrap();
        drop(recv.reunite(send).unwrap());
    });
}
