//! Zero-copy messages on the tokio adapter: every buffer handed to libzmq is released
//! exactly once, on every async path (sent and received, refused and kept by
//! `try_send`, a cancelled `send`, queued then closed, queued when the context
//! terminates). The sync paths and the helpers are in tests/core/zerocopy.rs and
//! tests/common/counted.rs.

use bytes::Bytes;
use futures::SinkExt;
use zmq::rt::tokio::AsyncSocket;

use crate::common;
use common::counted::{
    LEN, VIAS, WATCHDOG, counted, message, push_to_nowhere, released_once, still_held,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn async_sent_and_received_released_once() {
    let _watchdog = common::watchdog(WATCHDOG);
    runtime().block_on(async {
        let ctx = common::ctx();
        let endpoints = common::Endpoints::new();
        for transport in common::TRANSPORTS {
            let pull = common::socket(&ctx, zmq::PULL);
            let endpoint = endpoints.bind(&pull, transport);
            let push = common::socket(&ctx, zmq::PUSH);
            push.connect(&endpoint).unwrap();
            let (mut push, mut pull) = (
                AsyncSocket::new(push).unwrap(),
                AsyncSocket::new(pull).unwrap(),
            );
            let mut counters = Vec::new();
            let mut trackers = Vec::new();
            for (i, via) in VIAS.into_iter().enumerate() {
                let (buffer, drops) = counted(LEN, i as u8);
                counters.push(drops);
                let (msg, tracker) = message(via, buffer);
                trackers.push(tracker);
                push.send(msg).await.unwrap();
            }
            // The Sink takes whole messages: a Vec of Bytes.
            let (buffer, drops) = counted(LEN, 3);
            counters.push(drops);
            SinkExt::send(&mut push, vec![Bytes::from_owner(buffer)])
                .await
                .unwrap();
            let mut received = Vec::new();
            for i in 0..4u8 {
                let frame = Bytes::from(pull.recv_msg().await.unwrap());
                assert!(frame.len() == LEN && frame.iter().all(|&b| b == i));
                received.push(frame);
            }
            drop(received);
            for tracker in trackers.into_iter().flatten() {
                tokio::time::timeout(common::POSITIVE_WAIT, tracker)
                    .await
                    .expect("tracker not done");
            }
            let counters2 = counters.clone();
            let label = format!("async over {transport:?}");
            tokio::task::spawn_blocking(move || released_once(&counters2, &label))
                .await
                .unwrap();
        }
    });
}

#[test]
fn async_refused_kept_by_try_send_cancelled_and_closed_released_once() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let rt = runtime();
    for via in VIAS {
        let push = common::socket(&ctx, zmq::PUSH);
        push.set_sndhwm(1).unwrap();
        push.connect(&format!("tcp://127.0.0.1:{}", common::free_tcp_port()))
            .unwrap();
        let mut queued = Vec::new();
        let (kept, kept_drops, cancelled, push) = rt.block_on(async {
            let mut push = AsyncSocket::new(push).unwrap();
            // Fill the queue with try_send; the refused message comes back.
            let (kept, kept_drops) = loop {
                let (buffer, drops) = counted(LEN, 4);
                match push.try_send([message(via, buffer).0]) {
                    Ok(()) => {
                        queued.push(drops);
                        assert!(queued.len() < 10_000);
                    }
                    Err(err) => {
                        assert!(err.is_full(), "{err}");
                        break (err.into_message(), drops);
                    }
                }
            };
            // A send that has to wait, cancelled: its message is dropped with it.
            let (buffer, cancelled) = counted(LEN, 5);
            let waiting = push.send(message(via, buffer).0);
            let timed_out = tokio::time::timeout(common::NEGATIVE_WAIT, waiting).await;
            assert!(timed_out.is_err(), "a send past SNDHWM completed");
            (kept, kept_drops, cancelled, push)
        });
        assert_eq!(kept.len(), 1);
        assert!(kept[0].len() == LEN && kept[0].iter().all(|&b| b == 4));
        still_held(
            std::slice::from_ref(&kept_drops),
            &format!("{via:?} refused, kept"),
        );
        released_once(&[cancelled], &format!("{via:?} send cancelled"));
        drop(kept);
        released_once(&[kept_drops], &format!("{via:?} refused, then dropped"));
        still_held(&queued, &format!("{via:?} queued"));
        // Closed with linger 0 (common::socket): the queue is dropped.
        drop(push);
        released_once(&queued, &format!("{via:?} queued, async socket closed"));
    }
}

#[test]
fn async_queued_when_the_context_terminates() {
    let _watchdog = common::watchdog(WATCHDOG);
    let rt = runtime();
    let mut ctx = common::ctx();
    let push = push_to_nowhere(&ctx);
    push.set_linger(50).unwrap();
    let (counters, push) = rt.block_on(async {
        let mut push = AsyncSocket::new(push).unwrap();
        let mut counters = Vec::new();
        for via in VIAS {
            let (buffer, drops) = counted(LEN, 6);
            counters.push(drops);
            push.send(message(via, buffer).0).await.unwrap();
        }
        (counters, push)
    });
    still_held(&counters, "async queued");
    ctx.shutdown().unwrap();
    let closer = std::thread::spawn(move || drop(push));
    ctx.destroy().unwrap();
    closer.join().unwrap();
    released_once(&counters, "async queued, context terminated");
    drop(rt);
}
