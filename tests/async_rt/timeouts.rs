//! `RCVTIMEO`/`SNDTIMEO` changed between operations: the async methods see the new value,
//! whether it is set through `AsyncSocket::get_ref` or a split half's `with_socket`
//! (the core keeps the timeouts it read, and forgets them whenever the user can reach
//! the sync socket).

use std::task::Poll;

use crate::common::async_rt::{Flavor, Harness, every_rt_test, next_numbered, socket_on, within};

/// Parks once with no timeout (and is dropped), then honours the timeouts set after.
async fn new_timeouts_apply<H: Harness>() {
    let ctx = zmq::Context::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    pull.get_ref().bind("inproc://timeouts-owned").unwrap();
    let polled = futures::poll!(pull.recv_msg());
    assert!(matches!(polled, Poll::Pending), "nothing was sent yet");
    pull.get_ref().set_rcvtimeo(20).unwrap();
    let err = within("rcvtimeo 20", pull.recv_msg()).await.unwrap_err();
    assert_eq!(err, zmq::Error::EAGAIN);
    pull.get_ref().set_rcvtimeo(0).unwrap();
    let err = within("rcvtimeo 0", pull.recv_msg()).await.unwrap_err();
    assert_eq!(err, zmq::Error::EAGAIN);

    // A PUSH with no peer cannot send.
    let mut push = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    push.get_ref().set_linger(0).unwrap();
    push.get_ref().bind("inproc://timeouts-push").unwrap();
    let polled = futures::poll!(push.send("no peer"));
    assert!(matches!(polled, Poll::Pending), "no peer yet");
    push.get_ref().set_sndtimeo(20).unwrap();
    let err = within("sndtimeo 20", push.send("no peer"))
        .await
        .unwrap_err();
    assert_eq!(err, zmq::Error::EAGAIN);

    // Back to no timeout: the receive waits for the message.
    pull.get_ref().set_rcvtimeo(-1).unwrap();
    let peer = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    peer.get_ref().connect("inproc://timeouts-owned").unwrap();
    let mut peer = peer;
    let (got, sent) = futures::join!(within("recv", pull.recv_msg()), async {
        H::sleep(std::time::Duration::from_millis(40)).await;
        peer.send("late").await
    });
    sent.unwrap();
    assert_eq!(got.unwrap().as_str(), Some("late"));
}

every_rt_test!(timeouts_set_through_get_ref, |_: Flavor| {
    new_timeouts_apply::<H>()
});

/// The same through the split halves' `with_socket`.
async fn new_timeouts_apply_split<H: Harness>() {
    let ctx = zmq::Context::new();
    let dealer = socket_on::<H::Rt>(&ctx, zmq::DEALER);
    dealer.get_ref().set_linger(0).unwrap();
    dealer.get_ref().bind("inproc://timeouts-split").unwrap();
    let (mut rx, mut tx) = dealer.into_split();

    let polled = futures::poll!(rx.recv_msg());
    assert!(matches!(polled, Poll::Pending), "nothing was sent yet");
    rx.with_socket(|s| s.set_rcvtimeo(20)).unwrap();
    let err = within("rcvtimeo 20", rx.recv_msg()).await.unwrap_err();
    assert_eq!(err, zmq::Error::EAGAIN);

    // No peer: a DEALER cannot send.
    let polled = futures::poll!(tx.send("no peer"));
    assert!(matches!(polled, Poll::Pending), "no peer yet");
    tx.with_socket(|s| s.set_sndtimeo(20)).unwrap();
    let err = within("sndtimeo 20", tx.send("no peer")).await.unwrap_err();
    assert_eq!(err, zmq::Error::EAGAIN);
}

every_rt_test!(timeouts_set_through_with_socket, |_: Flavor| {
    new_timeouts_apply_split::<H>()
});

/// With `RCVTIMEO` 0, a drain loop gets every queued message: a yield to the runtime's
/// budget (every so many operations) is not a timeout, and must not end the loop early.
async fn zero_timeout_drains_everything<H: Harness>() {
    const QUEUED: usize = 1_500;
    let ctx = zmq::Context::new();
    let mut pull = socket_on::<H::Rt>(&ctx, zmq::PULL);
    pull.get_ref().bind("inproc://timeouts-drain").unwrap();
    let mut push = socket_on::<H::Rt>(&ctx, zmq::PUSH);
    push.get_ref().connect("inproc://timeouts-drain").unwrap();
    for i in 0..QUEUED {
        within("queue", push.send(i.to_string())).await.unwrap();
    }
    pull.get_ref().set_rcvtimeo(0).unwrap();
    let mut received = 0;
    while next_numbered(within("drain", pull.recv_msg()).await, &mut received) {}
    assert_eq!(received, QUEUED, "EAGAIN with messages still queued");
}

every_rt_test!(zero_rcvtimeo_drains_every_queued_message, |_: Flavor| {
    zero_timeout_drains_everything::<H>()
});
