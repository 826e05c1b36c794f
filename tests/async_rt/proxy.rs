//! `zmq::rt::tokio::proxy`: forwarding both ways on a task, and cancel safety (a proxy
//! cancelled at random points loses no message and never splits one). Both runtime flavours.

use crate::common;

use common::async_rt::{Flavor, Rng, rt_test, size, socket, within};
use zmq::rt::tokio::proxy;

/// REQ clients -> ROUTER | proxy | DEALER -> REP worker, multipart requests and replies.
async fn request_reply_through_proxy(_: Flavor) {
    let ctx = zmq::Context::new();
    let mut frontend = socket(&ctx, zmq::ROUTER);
    frontend.get_ref().bind("inproc://aproxy-front").unwrap();
    let mut backend = socket(&ctx, zmq::DEALER);
    backend.get_ref().bind("inproc://aproxy-back").unwrap();
    let mut worker = socket(&ctx, zmq::REP);
    worker.get_ref().connect("inproc://aproxy-back").unwrap();
    let mut client = socket(&ctx, zmq::REQ);
    client.get_ref().connect("inproc://aproxy-front").unwrap();

    let rounds = size(200, 20_000);
    let worker = tokio::spawn(async move {
        for _ in 0..rounds {
            let mut request = worker.recv_multipart().await.unwrap();
            request.reverse();
            worker.send_multipart(request).await.unwrap();
        }
    });
    let clients = async {
        for round in 0..rounds {
            let body = round.to_string();
            within("request", client.send_multipart(["head", body.as_str()]))
                .await
                .unwrap();
            let reply = within(format!("reply {round}"), client.recv_multipart())
                .await
                .unwrap();
            assert_eq!(reply, [body.into_bytes(), b"head".to_vec()]);
        }
    };
    tokio::select! {
        res = proxy(&mut frontend, &mut backend) => panic!("the proxy ended: {res:?}"),
        () = clients => {}
    }
    within("worker", worker).await.unwrap();
}

rt_test!(request_reply, request_reply_through_proxy);

/// PUSH -> PULL | proxy | PUSH -> PULL with tiny high-water marks, the proxy cancelled at
/// random points (timeouts, select against yield) and restarted: every 3-part message
/// arrives once, whole, in order.
async fn cancelled_proxy_loses_nothing(_: Flavor) {
    let ctx = zmq::Context::new();
    let mut frontend = socket(&ctx, zmq::PULL);
    frontend.get_ref().set_rcvhwm(2).unwrap();
    frontend.get_ref().bind("inproc://cproxy-front").unwrap();
    let mut backend = socket(&ctx, zmq::PUSH);
    backend.get_ref().set_sndhwm(2).unwrap();
    backend.get_ref().bind("inproc://cproxy-back").unwrap();
    let mut consumer = socket(&ctx, zmq::PULL);
    consumer.get_ref().set_rcvhwm(2).unwrap();
    consumer.get_ref().connect("inproc://cproxy-back").unwrap();
    let mut producer = socket(&ctx, zmq::PUSH);
    producer.get_ref().set_sndhwm(2).unwrap();
    producer.get_ref().connect("inproc://cproxy-front").unwrap();

    let messages = size(3_000, 100_000) as u64;
    let producer = tokio::spawn(async move {
        for id in 0..messages {
            let id = id.to_string();
            producer
                .send_multipart([id.as_str(), "middle", id.as_str()])
                .await
                .unwrap();
        }
    });
    let consumer = tokio::spawn(async move {
        let mut rng = Rng::new(7);
        for id in 0..messages {
            let parts = consumer.recv_multipart().await.unwrap();
            let id = id.to_string().into_bytes();
            assert_eq!(
                parts,
                [id.clone(), b"middle".to_vec(), id],
                "message {parts:?}"
            );
            if rng.below(8) == 0 {
                tokio::task::yield_now().await;
            }
        }
    });
    let mut rng = Rng::new(11);
    let mut cancels = 0u64;
    while !consumer.is_finished() {
        match rng.below(3) {
            0 => {
                let limit = std::time::Duration::from_micros(rng.below(200));
                if tokio::time::timeout(limit, proxy(&mut frontend, &mut backend))
                    .await
                    .is_err()
                {
                    cancels += 1;
                }
            }
            1 => {
                tokio::select! {
                    res = proxy(&mut frontend, &mut backend) => panic!("proxy ended: {res:?}"),
                    () = tokio::task::yield_now() => cancels += 1,
                }
            }
            _ => {
                // Polled once with a real waker, then dropped.
                let mut fut = std::pin::pin!(proxy(&mut frontend, &mut backend));
                let _ = futures::poll!(fut.as_mut());
                cancels += 1;
            }
        }
    }
    within("consumer", consumer).await.unwrap();
    within("producer", producer).await.unwrap();
    eprintln!("proxy cancelled {cancels} times while forwarding {messages} messages");
}

rt_test!(cancel_safety, cancelled_proxy_loses_nothing);

/// A proxy whose receiving socket faces one that cannot send (PULL to PULL, PULL to SUB)
/// fails with ENOTSUP before it takes a message: the waiting message is still there.
async fn undeliverable_direction_is_refused_first(_: Flavor) {
    let ctx = zmq::Context::new();
    for (n, back_kind) in [zmq::PULL, zmq::SUB].into_iter().enumerate() {
        let mut frontend = socket(&ctx, zmq::PULL);
        let endpoint = format!("inproc://undeliverable-{n}");
        frontend.get_ref().bind(&endpoint).unwrap();
        let mut backend = socket(&ctx, back_kind);
        let producer = ctx.socket(zmq::PUSH).unwrap();
        producer.connect(&endpoint).unwrap();
        producer.send("precious", 0).unwrap();
        let res = within("proxy", proxy(&mut frontend, &mut backend)).await;
        assert_eq!(res, Err(zmq::Error::ENOTSUP), "{back_kind:?}");
        let kept = within("the message", frontend.recv_bytes()).await.unwrap();
        assert_eq!(kept, b"precious");
    }
}

rt_test!(
    undeliverable_direction,
    undeliverable_direction_is_refused_first
);
