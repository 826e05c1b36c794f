//! async-io with no descriptor left when its reactor would start: async-io starts its
//! reactor on first use and panics if it cannot open its descriptors; an async socket's
//! first wait says `EMFILE` instead, and works once descriptors are free again.
//!
//! The scenario lowers `RLIMIT_NOFILE` and needs async-io's reactor not yet started, so
//! it runs in a fresh child process: the test binary re-runs itself with
//! `ZMQ_ASYNC_LIMITS_CHILD=1`, filtered to that one test.

use crate::common;

use std::time::Duration;

use common::fds::take_every_fd;
use futures_lite::future::block_on;
use zmq::rt::async_io::AsyncSocket;

#[test]
fn async_io_with_no_fd_left_for_its_reactor_gives_emfile_not_a_panic() {
    let stderr = common::fds::run_test_in_child(
        "limits::reactor_start_without_fds_in_child",
        "ZMQ_ASYNC_LIMITS_CHILD",
        "REACTOR START SCENARIO PASSED",
    );
    assert!(
        !stderr.contains("panicked"),
        "a panic was printed:\n{stderr}"
    );
}

/// The body of the test above; does nothing unless run as its child.
#[test]
fn reactor_start_without_fds_in_child() {
    if std::env::var_os("ZMQ_ASYNC_LIMITS_CHILD").is_none() {
        return;
    }
    let (_ctx, sender, mut receiver) = async_pair("inproc://reactor-start");

    let hogs = take_every_fd();
    println!("holding {} fds; the process is out of them", hogs.len());

    // Nothing queued: the receive parks, and parking registers with async-io, whose
    // reactor cannot start. (futures-lite's block_on, unlike async-io's, never starts
    // the reactor itself.)
    for _ in 0..3 {
        let err = block_on(receiver.recv_msg()).expect_err("a receive with no fd left");
        assert_eq!(err, zmq::Error::EMFILE);
        assert!(err.to_string().contains("ulimit -n"), "{err}");
    }

    // Descriptors free again: the same socket waits and receives.
    drop(hogs);
    let late_sender = send_later(sender, "after");
    let msg = block_on(receiver.recv_msg()).expect("a receive once fds are free");
    assert_eq!(&msg[..], b"after");
    drop(late_sender.join().unwrap());
    println!("REACTOR START SCENARIO PASSED");
}

/// With async-io's reactor already started by the application (a timer), a socket's first
/// wait needs no fd of its own: it works with one left (which the check that the reactor
/// runs needs; with none at all, it cannot tell and says `EMFILE`).
#[test]
fn async_io_already_running_needs_no_fd_for_a_socket() {
    common::fds::run_test_in_child(
        "limits::reactor_running_without_fds_in_child",
        "ZMQ_ASYNC_LIMITS_CHILD",
        "REACTOR RUNNING SCENARIO PASSED",
    );
}

/// The body of the test above; does nothing unless run as its child.
#[test]
fn reactor_running_without_fds_in_child() {
    if std::env::var_os("ZMQ_ASYNC_LIMITS_CHILD").is_none() {
        return;
    }
    async_io::block_on(async_io::Timer::after(Duration::from_millis(1)));
    let (_ctx, sender, mut receiver) = async_pair("inproc://reactor-running");

    let mut hogs = take_every_fd();
    hogs.pop();
    let late_sender = send_later(sender, "parked");
    let msg = block_on(receiver.recv_msg()).expect("a wait with no fd left");
    assert_eq!(&msg[..], b"parked");
    assert!(
        receiver.is_registered(),
        "the receive parked on the reactor"
    );
    drop(hogs);
    drop(late_sender.join().unwrap());
    println!("REACTOR RUNNING SCENARIO PASSED");
}

/// A PAIR bound at `endpoint` and its peer as an async-io socket (made while fds are
/// free), with their context.
fn async_pair(endpoint: &str) -> (zmq::Context, zmq::Socket, AsyncSocket) {
    let ctx = common::ctx();
    let sender = common::socket(&ctx, zmq::PAIR);
    sender.bind(endpoint).unwrap();
    let receiver = common::socket(&ctx, zmq::PAIR);
    receiver.connect(endpoint).unwrap();
    let receiver = AsyncSocket::new(receiver).unwrap();
    (ctx, sender, receiver)
}

/// Sends `text` from another thread a moment from now, so that a receive parks first;
/// the thread hands the socket back.
fn send_later(sender: zmq::Socket, text: &'static str) -> std::thread::JoinHandle<zmq::Socket> {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        sender.send(text, 0).unwrap();
        sender
    })
}
