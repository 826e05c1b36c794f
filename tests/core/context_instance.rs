//! `Context::instance()`: one process-wide context, shared by every call and thread, so
//! inproc endpoints work across calls; a new one after `destroy` or `shutdown` and in a
//! forked child.
//!
//! The tests of this crate share the instance (one process), as any code using it
//! would: every endpoint name is unique, every socket has linger 0, and only the test
//! that destroys the instance on purpose does so, after its own sockets are closed and
//! while holding a lock the other tests take too.

use std::sync::Mutex;
use std::time::Duration;

use crate::common;

const WATCHDOG: Duration = Duration::from_secs(60);

/// Held by every test: one destroys the instance, which must not end another's sockets.
static INSTANCE_USERS: Mutex<()> = Mutex::new(());

#[test]
fn every_call_and_thread_gets_the_same_context_and_inproc_works_across_calls() {
    let _lock = INSTANCE_USERS.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(WATCHDOG);
    let first = zmq::Context::instance();
    let from_threads: Vec<zmq::Context> = (0..4)
        .map(|_| std::thread::spawn(zmq::Context::instance))
        .map(|t| t.join().unwrap())
        .collect();
    for ctx in &from_threads {
        assert!(ctx.same_as(&first));
        assert_eq!(ctx.as_raw(), first.as_raw());
    }
    assert!(!zmq::Context::new().same_as(&first));

    // Bound through one call, connected through another (in another thread).
    let endpoint = common::Endpoints::inproc_name();
    let server = common::socket(&zmq::Context::instance(), zmq::REP);
    server.bind(&endpoint).unwrap();
    let client = {
        let endpoint = endpoint.clone();
        std::thread::spawn(move || {
            let client = common::socket(&zmq::Context::instance(), zmq::REQ);
            client.connect(&endpoint).unwrap();
            client.send("ping", 0).unwrap();
            let reply = client.recv_bytes(0).unwrap();
            assert_eq!(reply, b"pong");
        })
    };
    assert_eq!(server.recv_bytes(0).unwrap(), b"ping");
    server.send("pong", 0).unwrap();
    client.join().unwrap();
}

#[test]
fn a_destroyed_instance_is_replaced() {
    let _lock = INSTANCE_USERS.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(WATCHDOG);
    let mut old = zmq::Context::instance();
    old.destroy().unwrap();
    assert_replaced(&old);
}

/// `old` refuses new sockets, and `Context::instance` now hands out another context,
/// the same on every call, that works.
fn assert_replaced(old: &zmq::Context) {
    assert_eq!(old.socket(zmq::PAIR).err(), Some(zmq::Error::ETERM));
    let new = zmq::Context::instance();
    assert!(!new.same_as(old));
    assert!(new.same_as(&zmq::Context::instance()));
    let socket = common::socket(&new, zmq::PAIR);
    socket.bind(&common::Endpoints::inproc_name()).unwrap();
}

/// A shut-down instance is replaced too; neither the call that replaces it nor dropping
/// the old one's last socket, which has an unsent message, waits; the old context is
/// terminated in the background once its sockets are closed.
#[test]
fn a_shut_down_instance_is_replaced_without_waiting_for_its_sockets() {
    let _lock = INSTANCE_USERS.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(WATCHDOG);
    let old = zmq::Context::instance();
    let held = old.socket(zmq::PUSH).unwrap();
    held.connect("tcp://127.0.0.1:1").unwrap();
    held.send("unsent: the default linger would wait for it", 0)
        .unwrap();
    old.shutdown().unwrap();
    assert_replaced(&old);
    drop(old);
    drop(held); // not the last handle: the background termination holds one

    // Once its sockets are closed, a replaced instance is terminated in the background
    // (kept for ever, each one held libzmq's threads: they piled up cycle after cycle).
    let old = zmq::Context::instance();
    let socket = old.socket(zmq::PAIR).unwrap();
    old.shutdown().unwrap();
    assert!(!zmq::Context::instance().same_as(&old));
    drop(socket);
    let deadline = std::time::Instant::now() + common::POSITIVE_WAIT;
    while old.get_io_threads() != Err(zmq::Error::ETERM) {
        assert!(
            std::time::Instant::now() < deadline,
            "the replaced instance was never terminated"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A forked child gets a context of its own from `instance()`; the parent's is left
/// alone and keeps working in the parent.
#[cfg(unix)]
#[test]
fn a_forked_child_gets_a_new_instance() {
    let _lock = INSTANCE_USERS.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(WATCHDOG);
    let parent = zmq::Context::instance();
    // Make sure the parent's context has its I/O thread running.
    let probe = common::socket(&parent, zmq::PAIR);
    probe.bind(&common::Endpoints::inproc_name()).unwrap();
    let parent_ptr = parent.as_raw() as usize;

    // SAFETY: the child only makes a new context and a socket, which needs malloc
    // (glibc's fork handlers keep it usable) and libzmq's own threads; it leaves with
    // _exit, running no Rust destructors or atexit handlers of the parent.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = std::panic::catch_unwind(|| {
            let child = zmq::Context::instance();
            let fresh = child.as_raw() as usize != parent_ptr;
            let same_again = child.same_as(&zmq::Context::instance());
            let works = child
                .socket(zmq::PAIR)
                .and_then(|s| {
                    s.set_linger(0)?;
                    s.bind("inproc://in-the-child")
                })
                .is_ok();
            if fresh && same_again && works {
                0
            } else {
                1 + u8::from(fresh) + 2 * u8::from(same_again) + 4 * u8::from(works)
            }
        })
        .unwrap_or(100);
        // SAFETY: ends the child at once, as a forked child of a threaded process should.
        unsafe { libc::_exit(i32::from(code)) };
    }
    // The child's checks are quick; a child stuck after the fork (e.g. on a lock another
    // thread of this process held when it forked) is killed by its PID and fails the test.
    let code = common::wait_for_child(pid, common::POSITIVE_WAIT);
    assert_eq!(code, 0, "child's checks failed");

    // The parent's instance is unchanged.
    assert!(zmq::Context::instance().same_as(&parent));
    let other = common::socket(&parent, zmq::PAIR);
    other.bind(&common::Endpoints::inproc_name()).unwrap();
}
