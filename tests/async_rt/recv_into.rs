//! `AsyncSocket::recv`: receiving into one message the caller keeps, on the hot path
//! (frames queued), after parking, with frames of a multipart message, under a timeout
//! and when cancelled.

use std::task::Poll;

use crate::common;
use crate::common::async_rt::{rt_test, socket, within};

/// Frames queued and frames waited for, into one message; `get_more` as received.
async fn reuses_one_message() {
    let ctx = zmq::Context::new();
    let mut pull = socket(&ctx, zmq::PULL);
    pull.get_ref().bind("inproc://recv-into").unwrap();
    let mut push = socket(&ctx, zmq::PUSH);
    push.get_ref().connect("inproc://recv-into").unwrap();
    let mut msg = zmq::Message::from("stale");

    // Parks first (nothing queued), then the peer sends.
    let (got, sent) = tokio::join!(
        within("parked recv", pull.recv(&mut msg)),
        within("send", push.send("first"))
    );
    got.unwrap();
    sent.unwrap();
    assert_eq!(msg.as_str(), Some("first"));
    assert!(!msg.get_more());

    // A burst (the hot path), with a multipart message in the middle.
    for i in 0..300 {
        push.send(format!("m{i}")).await.unwrap();
    }
    push.send_multipart(["a", "b"]).await.unwrap();
    push.send("last").await.unwrap();
    for i in 0..300 {
        within("burst", pull.recv(&mut msg)).await.unwrap();
        assert_eq!(msg.as_str(), Some(format!("m{i}").as_str()));
    }
    within("part a", pull.recv(&mut msg)).await.unwrap();
    assert_eq!((msg.as_str(), msg.get_more()), (Some("a"), true));
    within("part b", pull.recv(&mut msg)).await.unwrap();
    assert_eq!((msg.as_str(), msg.get_more()), (Some("b"), false));
    within("last", pull.recv(&mut msg)).await.unwrap();
    assert_eq!(msg.as_str(), Some("last"));
}

rt_test!(reuses_one_message_async, |_| reuses_one_message());

/// A receive that gives up (cancelled after one poll, or `RCVTIMEO`) puts nothing into
/// the message (libzmq may empty it, as a failed sync `recv` does) and loses nothing.
async fn cancel_and_timeout_leave_it() {
    let ctx = zmq::Context::new();
    let mut pull = socket(&ctx, zmq::PULL);
    pull.get_ref().bind("inproc://recv-into-cancel").unwrap();
    let mut msg = zmq::Message::from("kept");

    let polled = futures::poll!(pull.recv(&mut msg));
    assert!(matches!(polled, Poll::Pending), "nothing was sent yet");
    assert!(matches!(msg.as_str(), Some("kept" | "")), "{msg:?}");
    assert_eq!(pull.parked_wakers(), 0, "the dropped future left its waker");

    pull.get_ref().set_rcvtimeo(20).unwrap();
    let err = within("rcvtimeo", pull.recv(&mut msg)).await.unwrap_err();
    assert_eq!(err, zmq::Error::EAGAIN);
    assert!(matches!(msg.as_str(), Some("kept" | "")), "{msg:?}");
    pull.get_ref().set_rcvtimeo(-1).unwrap();

    let mut push = socket(&ctx, zmq::PUSH);
    push.get_ref().connect("inproc://recv-into-cancel").unwrap();
    push.send("new").await.unwrap();
    within("recv after cancel", pull.recv(&mut msg))
        .await
        .unwrap();
    assert_eq!(msg.as_str(), Some("new"));
}

rt_test!(cancel_and_timeout_leave_it_async, |_| {
    cancel_and_timeout_leave_it()
});

/// The receive half of a split socket, through the halves' lock.
async fn split_half() {
    let ctx = zmq::Context::new();
    let (mut rx, mut tx) = socket(&ctx, zmq::DEALER).into_split();
    rx.with_socket(|s| s.bind("inproc://recv-into-split"))
        .unwrap();
    let mut peer = socket(&ctx, zmq::DEALER);
    peer.get_ref().connect("inproc://recv-into-split").unwrap();
    let mut msg = zmq::Message::new();
    for i in 0..50 {
        let text = format!("r{i}");
        let (got, sent) = tokio::join!(
            within("half recv", rx.recv(&mut msg)),
            within("peer send", peer.send(text.as_str()))
        );
        got.unwrap();
        sent.unwrap();
        assert_eq!(msg.as_str(), Some(text.as_str()));
        within("half send", tx.send("back")).await.unwrap();
        assert_eq!(
            within("peer recv", peer.recv_msg()).await.unwrap().as_str(),
            Some("back")
        );
    }
}

rt_test!(split_half_async, |_| split_half());
