//! The positive side of the ownership rules, checked at compile time: what must be `Send`,
//! `Sync` or `Clone` is, and each compile-fail case of `src/compile_fail.rs` compiles once
//! the one rule it breaks is respected (so those doctests fail for that rule, not for a
//! typo).

use std::time::Duration;

use crate::common::{POSITIVE_WAIT, socket, watchdog};

#[test]
fn ownership_traits() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    fn clone<T: Clone>() {}
    send_sync::<zmq::Context>();
    clone::<zmq::Context>();
    send::<zmq::Socket>();
    send_sync::<zmq::Message>();
    send_sync::<zmq::Error>();
    #[cfg(feature = "draft")]
    send_sync::<zmq::draft::DraftSocket>();
}

/// Twin of "sharing `&Socket` with a scoped thread": moving the socket into the thread
/// compiles.
#[test]
fn a_socket_moved_into_a_thread() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://ownership-moved").unwrap();
    let push = socket(&ctx, zmq::PUSH);
    push.connect("inproc://ownership-moved").unwrap();
    std::thread::scope(|scope| {
        scope.spawn(move || push.send("from another thread", 0).unwrap());
    });
    assert_eq!(pull.recv_bytes(0).unwrap(), b"from another thread");
}

/// Twins of the polling cases: a `PollItem` used while its socket lives, and a `Poller`
/// declared after the sockets it borrows, compile.
#[test]
fn poll_items_and_pollers_within_their_sockets_lifetime() {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PULL).unwrap();
    let item = socket.as_poll_item(zmq::POLLIN);
    assert_eq!(zmq::poll(&mut [item], 0).unwrap(), 0);

    let other = ctx.socket(zmq::PULL).unwrap();
    let mut poller = zmq::poller::Poller::new();
    poller.add(&other, zmq::POLLIN);
    let _ = poller.poll(Some(Duration::ZERO));
}
