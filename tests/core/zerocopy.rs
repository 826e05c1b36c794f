//! Zero-copy messages (`Message::from_owner`, `Message::tracked`, `From<Bytes>`,
//! `From<Message> for Bytes`), sync: every buffer handed to libzmq is released exactly
//! once, on every path (the async paths are in tests/async_rt/zerocopy.rs).
//!
//! Each buffer has its own drop counter (`common::counted`). A path passes when the
//! counter reaches exactly 1 and stays there (a double release would make it 2, or crash
//! on the double free); a leak leaves it at 0. Waiting for the release is bounded
//! ([`common::POSITIVE_WAIT`]); checking that nothing more happens waits
//! [`common::NEGATIVE_WAIT`].

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;

use crate::common;
use common::counted::{
    LEN, VIAS, WATCHDOG, check_tracker, counted, message, push_to_nowhere, released_once,
    still_held,
};

#[test]
fn sent_and_received_over_inproc_released_when_the_receiver_drops_it() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoint = common::Endpoints::inproc_name();
    let push = common::socket(&ctx, zmq::PUSH);
    push.bind(&endpoint).unwrap();
    let pull = common::socket(&ctx, zmq::PULL);
    pull.connect(&endpoint).unwrap();
    for via in VIAS {
        let (buffer, drops) = counted(LEN, 1);
        let at = buffer.data.as_ptr();
        let (msg, tracker) = message(via, buffer);
        push.send(msg, 0).unwrap();
        let received = pull.recv_msg(0).unwrap();
        assert_eq!(received.as_ptr(), at, "{via:?}: inproc copied the payload");
        still_held(std::slice::from_ref(&drops), &format!("{via:?} received"));
        check_tracker(&tracker, false);
        drop(received);
        released_once(&[drops], &format!("{via:?} received and dropped"));
        check_tracker(&tracker, true);
    }
}

#[test]
fn sent_over_tcp_and_ipc_released_once_written() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    for transport in [common::Transport::Tcp, common::Transport::Ipc] {
        let pull = common::socket(&ctx, zmq::PULL);
        let endpoint = endpoints.bind(&pull, transport);
        let push = common::socket(&ctx, zmq::PUSH);
        push.connect(&endpoint).unwrap();
        for via in VIAS {
            let mut counters = Vec::new();
            let mut trackers = Vec::new();
            for i in 0..20u8 {
                let (buffer, drops) = counted(LEN * (i as usize + 1), i);
                counters.push(drops);
                let (msg, tracker) = message(via, buffer);
                trackers.push(tracker);
                push.send(msg, 0).unwrap();
            }
            for i in 0..20u8 {
                let msg = pull.recv_msg(0).unwrap();
                assert_eq!(msg.len(), LEN * (i as usize + 1));
                assert!(msg.iter().all(|&b| b == i));
            }
            released_once(&counters, &format!("{via:?} over {transport:?}"));
            for tracker in &trackers {
                check_tracker(tracker, true);
            }
        }
    }
}

#[test]
fn queued_then_dropped_when_the_socket_closes_with_linger_0() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    for via in VIAS {
        let push = push_to_nowhere(&ctx);
        let mut counters = Vec::new();
        let mut trackers = Vec::new();
        for _ in 0..10 {
            let (buffer, drops) = counted(LEN, 2);
            counters.push(drops);
            let (msg, tracker) = message(via, buffer);
            trackers.push(tracker);
            push.send(msg, zmq::DONTWAIT).unwrap();
        }
        still_held(&counters, &format!("{via:?} queued"));
        for tracker in &trackers {
            check_tracker(tracker, false);
        }
        drop(push);
        released_once(&counters, &format!("{via:?} queued, socket closed"));
        for tracker in &trackers {
            check_tracker(tracker, true);
        }
    }
}

#[test]
fn queued_when_the_context_terminates() {
    let _watchdog = common::watchdog(WATCHDOG);
    for via in VIAS {
        // Terminated with the socket open in another thread: shutdown first, then the
        // socket is closed (linger 50 ms) and the context terminated.
        let mut ctx = common::ctx();
        let push = push_to_nowhere(&ctx);
        push.set_linger(50).unwrap();
        let mut counters = Vec::new();
        for _ in 0..10 {
            let (buffer, drops) = counted(LEN, 3);
            counters.push(drops);
            push.send(message(via, buffer).0, zmq::DONTWAIT).unwrap();
        }
        still_held(&counters, &format!("{via:?} queued"));
        ctx.shutdown().unwrap();
        let closer = std::thread::spawn(move || drop(push));
        ctx.destroy().unwrap();
        closer.join().unwrap();
        // zmq_ctx_term returns once every pipe is gone, with its messages.
        for (i, c) in counters.iter().enumerate() {
            assert_eq!(
                c.load(Ordering::SeqCst),
                1,
                "{via:?}: buffer {i} after zmq_ctx_term"
            );
        }
        released_once(&counters, &format!("{via:?} queued, context terminated"));
    }
}

#[test]
fn refused_at_hwm_with_dontwait_is_kept_by_mut_message_and_dropped_by_value() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    for via in VIAS {
        let push = common::socket(&ctx, zmq::PUSH);
        push.set_sndhwm(1).unwrap();
        push.connect(&format!("tcp://127.0.0.1:{}", common::free_tcp_port()))
            .unwrap();
        let mut queued = Vec::new();
        let (kept, kept_drops) = loop {
            let (buffer, drops) = counted(LEN, 4);
            let (mut msg, tracker) = message(via, buffer);
            match push.send(&mut msg, zmq::DONTWAIT) {
                Ok(()) => {
                    assert!(msg.is_empty(), "a sent message is left empty");
                    queued.push((drops, tracker));
                    assert!(queued.len() < 10_000, "SNDHWM 1 never refused a send");
                }
                Err(zmq::Error::EAGAIN) => break ((msg, tracker), drops),
                Err(err) => panic!("send: {err}"),
            }
        };
        // The refused message still holds its buffer, unchanged.
        still_held(
            std::slice::from_ref(&kept_drops),
            &format!("{via:?} refused"),
        );
        assert_eq!(kept.0.len(), LEN);
        assert!(kept.0.iter().all(|&b| b == 4));
        check_tracker(&kept.1, false);

        // By value: the refused message is dropped, its buffer released at once.
        let (buffer, by_value) = counted(LEN, 5);
        let (msg, tracker) = message(via, buffer);
        assert_eq!(push.send(msg, zmq::DONTWAIT), Err(zmq::Error::EAGAIN));
        assert_eq!(
            by_value.load(Ordering::SeqCst),
            1,
            "{via:?} refused by value"
        );
        check_tracker(&tracker, true);

        drop(kept);
        released_once(&[kept_drops], &format!("{via:?} refused, then dropped"));
        drop(push);
        let counters: Vec<_> = queued.iter().map(|(c, _)| c.clone()).collect();
        released_once(&counters, &format!("{via:?} queued before the refusal"));
        released_once(&[by_value], &format!("{via:?} refused by value"));
    }
}

#[test]
fn never_sent_released_when_dropped() {
    let _watchdog = common::watchdog(WATCHDOG);
    for via in VIAS {
        let (buffer, drops) = counted(LEN, 6);
        let (msg, tracker) = message(via, buffer);
        still_held(std::slice::from_ref(&drops), &format!("{via:?} unsent"));
        check_tracker(&tracker, false);
        drop(msg);
        // Released synchronously, on this thread.
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{via:?} dropped unsent");
        check_tracker(&tracker, true);
        released_once(&[drops], &format!("{via:?} dropped unsent"));
    }
    // Payloads of up to 64 bytes are copied: the owner is dropped at once, the tracker
    // done; from 65 bytes they are handed over.
    for len in [0, 33, 34, 64] {
        let (buffer, drops) = counted(len, 7);
        let (msg, tracker) = zmq::Message::tracked(buffer);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{len} bytes");
        assert!(tracker.is_done(), "{len} bytes");
        assert_eq!(&msg[..], &vec![7u8; len][..]);
    }
    let (buffer, drops) = counted(65, 7);
    let at = buffer.data.as_ptr();
    let msg = zmq::Message::from_owner(buffer);
    assert_eq!(
        (msg.as_ptr(), drops.load(Ordering::SeqCst)),
        (at, 0),
        "65 bytes"
    );
    drop(msg);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    let (buffer, drops) = counted(65, 7);
    let (msg, tracker) = zmq::Message::tracked(buffer);
    assert!(!tracker.is_done(), "65 bytes are handed over, not copied");
    drop(msg);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert!(tracker.is_done());
    // The same bound for Bytes.
    for (len, handed_over) in [(64, false), (65, true)] {
        let payload = Bytes::from(vec![8u8; len]);
        let msg = zmq::Message::from(payload.clone());
        assert_eq!(
            msg.as_ptr() == payload.as_ptr(),
            handed_over,
            "{len}-byte Bytes"
        );
        assert_eq!(&msg[..], &payload[..]);
    }
}

#[test]
fn received_into_bytes_released_after_the_last_clone() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoint = common::Endpoints::inproc_name();
    let (a, b) = (
        common::socket(&ctx, zmq::PAIR),
        common::socket(&ctx, zmq::PAIR),
    );
    a.bind(&endpoint).unwrap();
    b.connect(&endpoint).unwrap();
    let (buffer, drops) = counted(LEN, 8);
    let at = buffer.data.as_ptr();
    a.send(zmq::Message::from_owner(buffer), 0).unwrap();
    let frame = Bytes::from(b.recv_msg(0).unwrap());
    assert_eq!(
        frame.as_ptr(),
        at,
        "Bytes::from(Message) copied the payload"
    );
    let clone = frame.slice(10..20);
    drop(frame);
    still_held(
        std::slice::from_ref(&drops),
        "a slice of the Bytes is alive",
    );
    assert_eq!(&clone[..], &[8u8; 10][..]);
    let elsewhere = std::thread::spawn(move || drop(clone));
    elsewhere.join().unwrap();
    released_once(&[drops], "last clone dropped on another thread");

    // A small frame is copied into the Bytes.
    a.send("small", 0).unwrap();
    assert_eq!(
        Bytes::from(b.recv_msg(0).unwrap()),
        Bytes::from_static(b"small")
    );
}

/// Writing to a zero-copy message never writes to the owner's buffer: the message is
/// shared, so `DerefMut` copies first, on the sending side and in an inproc receiver.
#[test]
fn writes_to_a_zero_copy_message_copy_first() {
    let _watchdog = common::watchdog(WATCHDOG);
    let shared = Bytes::from(vec![1u8; LEN]);
    let mut msg = zmq::Message::from(shared.clone());
    assert!(msg.is_shared());
    msg[0] = 99;
    assert_eq!(msg[0], 99);
    assert_eq!(shared[0], 1, "the write reached the Bytes");

    let ctx = common::ctx();
    let endpoint = common::Endpoints::inproc_name();
    let (a, b) = (
        common::socket(&ctx, zmq::PAIR),
        common::socket(&ctx, zmq::PAIR),
    );
    a.bind(&endpoint).unwrap();
    b.connect(&endpoint).unwrap();
    a.send(zmq::Message::from(shared.clone()), 0).unwrap();
    let mut received = b.recv_msg(0).unwrap();
    assert_eq!(received.as_ptr(), shared.as_ptr());
    received[1] = 98;
    assert_eq!(received[1], 98);
    assert_eq!(
        shared[1], 1,
        "an inproc receiver wrote to the sender's Bytes"
    );
}

/// An owner whose `Drop` panics, released on libzmq's I/O thread: the panic is caught
/// there (it never unwinds into C) and the process goes on.
#[test]
fn a_panicking_owner_drop_does_not_unwind_into_libzmq() {
    struct Panics(Vec<u8>, Arc<AtomicUsize>);
    impl AsRef<[u8]> for Panics {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }
    impl Drop for Panics {
        fn drop(&mut self) {
            self.1.fetch_add(1, Ordering::SeqCst);
            panic!("owner drop panics (expected by the test)");
        }
    }
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let pull = common::socket(&ctx, zmq::PULL);
    let endpoint = common::bind_tcp(&pull);
    let push = common::socket(&ctx, zmq::PUSH);
    push.connect(&endpoint).unwrap();
    let drops = Arc::new(AtomicUsize::new(0));
    let (msg, tracker) = zmq::Message::tracked(Panics(vec![1; LEN], drops.clone()));
    // The panic hook runs on libzmq's (only) I/O thread, which also carries the receiving
    // side, and printing a backtrace can take long (seconds under valgrind): wait up to
    // 60 s here, a hang detector like the watchdog.
    const HOOK_WAIT: Duration = Duration::from_secs(60);
    pull.set_rcvtimeo(HOOK_WAIT.as_millis() as i32).unwrap();
    push.send(msg, 0).unwrap();
    assert_eq!(pull.recv_msg(0).unwrap().len(), LEN);
    assert!(tracker.wait_timeout(HOOK_WAIT));
    released_once(std::slice::from_ref(&drops), "panicking owner");
    // libzmq's I/O thread survived: the sockets still work.
    push.send("after", 0).unwrap();
    assert_eq!(pull.recv_bytes(0).unwrap(), b"after");
    // And on this thread, dropped unsent.
    drop(zmq::Message::from_owner(Panics(
        vec![1; LEN],
        drops.clone(),
    )));
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn tracker_waits_from_threads_and_clones() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let push = push_to_nowhere(&ctx);
    let (msg, tracker) = zmq::Message::tracked(vec![0u8; LEN]);
    push.send(msg, 0).unwrap();
    assert!(!tracker.wait_timeout(Duration::from_millis(20)));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let tracker = tracker.clone();
            std::thread::spawn(move || {
                tracker.wait();
                tracker.is_done()
            })
        })
        .collect();
    let shared = Arc::new(tracker);
    let by_ref = {
        let shared = shared.clone();
        std::thread::spawn(move || shared.wait_timeout(common::POSITIVE_WAIT))
    };
    std::thread::sleep(Duration::from_millis(20));
    drop(push);
    for waiter in waiters {
        assert!(waiter.join().unwrap());
    }
    assert!(by_ref.join().unwrap());
    assert!(shared.is_done());
    assert!(format!("{:?}", shared).contains("done: true"));
}

/// The tracker is a plain `Future` (std wakers): it completes under any executor.
#[test]
fn tracker_is_a_runtime_agnostic_future() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let push = push_to_nowhere(&ctx);
    let (msg, tracker) = zmq::Message::tracked(vec![0u8; LEN]);
    push.send(msg, 0).unwrap();
    let closer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        drop(push);
    });
    futures::executor::block_on(tracker);
    closer.join().unwrap();
}

/// A tracker polled again with a new waker drops the old one outside its lock: here the
/// old waker is the last owner of a clone of the same tracker, whose drop takes that lock
/// (the first version deadlocked).
#[test]
fn a_replaced_waker_is_dropped_outside_the_trackers_lock() {
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::task::{Context, Wake, Waker};

    struct OwnsTracker(Mutex<Option<zmq::Tracker>>);
    impl Wake for OwnsTracker {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for OwnsTracker {
        fn drop(&mut self) {
            drop(self.0.lock().unwrap().take());
        }
    }

    let _dog = common::watchdog(common::POSITIVE_WAIT);
    let (msg, mut tracker) = zmq::Message::tracked(vec![1u8; 1000]);
    let mut clone = tracker.clone();
    let noop = Waker::noop();
    assert!(
        Pin::new(&mut clone)
            .poll(&mut Context::from_waker(noop))
            .is_pending()
    );
    let owner = Waker::from(Arc::new(OwnsTracker(Mutex::new(Some(clone)))));
    assert!(
        Pin::new(&mut tracker)
            .poll(&mut Context::from_waker(&owner))
            .is_pending()
    );
    drop(owner); // the tracker holds the last reference to it now
    assert!(
        Pin::new(&mut tracker)
            .poll(&mut Context::from_waker(noop))
            .is_pending()
    );
    drop(msg);
    assert!(tracker.is_done());
}

/// A message's owner that holds the last handle of the sending context is dropped on
/// libzmq's I/O thread once the message is written; terminating the context there would
/// wait for that very thread (the tracker never finished). It is terminated on a thread
/// of its own instead, also when the context's threads carry a name prefix (their names,
/// cut at 15 bytes, may then end in `…/ZMQ`).
#[test]
fn an_owner_holding_the_last_context_handle_is_released() {
    let _dog = common::watchdog(common::POSITIVE_WAIT * 6);
    for prefix in [None, Some(7), Some(i32::MIN)] {
        release_an_owner_holding_the_last_context_handle(prefix);
    }
}

fn release_an_owner_holding_the_last_context_handle(prefix: Option<i32>) {
    use common::PayloadHoldingContext as Owner;

    let receiving = zmq::Context::new();
    let pull = common::socket(&receiving, zmq::PULL);
    let endpoint = common::bind_tcp(&pull);
    let sending = zmq::Context::new();
    if let Some(prefix) = prefix {
        sending.set_thread_name_prefix(prefix).unwrap();
    }
    let push = common::socket(&sending, zmq::PUSH);
    push.connect(&endpoint).unwrap();
    let owner = Owner {
        _ctx: sending.clone(),
        data: vec![7; 100_000],
    };
    let (msg, tracker) = zmq::Message::tracked(owner);
    push.send(msg, 0).unwrap();
    push.set_linger(-1).unwrap();
    drop(push);
    drop(sending); // the owner holds the last handle now
    assert_eq!(pull.recv_bytes(0).unwrap().len(), 100_000);
    assert!(
        tracker.wait_timeout(common::POSITIVE_WAIT),
        "the owner was never released (thread name prefix {prefix:?})"
    );
}
