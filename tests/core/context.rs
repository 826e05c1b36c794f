//! `Context`: options, shutdown, destroy (twice, and with sockets in other threads), and a
//! socket keeping its context alive.

use crate::common;

use common::{NEGATIVE_WAIT, POSITIVE_WAIT, socket, watchdog};

#[test]
fn context_is_shared_across_threads() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + Default>() {}
    assert_send_sync_clone::<zmq::Context>();

    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let clone = ctx.clone();
    assert!(ctx.same_as(&clone));
    assert!(!ctx.same_as(&zmq::Context::default()));
    assert!(format!("{ctx:?}").starts_with("Context"));
    // Threads make sockets from the same context concurrently.
    std::thread::scope(|scope| {
        for i in 0..4 {
            let ctx = &ctx;
            scope.spawn(move || {
                let pull = socket(ctx, zmq::PULL);
                pull.bind(&format!("inproc://ctx-threads-{i}")).unwrap();
                let push = socket(ctx, zmq::PUSH);
                push.connect(&format!("inproc://ctx-threads-{i}")).unwrap();
                push.send("x", 0).unwrap();
                assert_eq!(pull.recv_bytes(0).unwrap(), b"x");
            });
        }
    });
}

/// An I/O thread count that could never start (each thread needs fds) fails the first
/// socket with EMFILE at once, without reserving room for billions of fds (which aborted
/// the process under a memory limit), and the context stays usable once lowered.
#[test]
fn absurd_io_thread_count_is_emfile() {
    let ctx = zmq::Context::new();
    ctx.set_io_threads(i32::MAX).unwrap();
    assert_eq!(ctx.socket(zmq::PAIR).err(), Some(zmq::Error::EMFILE));
    ctx.set_io_threads(1).unwrap();
    ctx.socket(zmq::PAIR).unwrap();
}

#[test]
fn context_options() {
    let ctx = zmq::Context::new();
    assert_eq!(ctx.get_io_threads().unwrap(), 1);
    ctx.set_io_threads(2).unwrap();
    assert_eq!(ctx.get_io_threads().unwrap(), 2);
    assert_eq!(ctx.set_io_threads(-1), Err(zmq::Error::EINVAL));

    assert_eq!(ctx.get_max_sockets().unwrap(), 1023);
    ctx.set_max_sockets(100).unwrap();
    assert_eq!(ctx.get_max_sockets().unwrap(), 100);
    assert!(ctx.get_socket_limit().unwrap() >= 1023);

    assert!(!ctx.is_ipv6().unwrap());
    ctx.set_ipv6(true).unwrap();
    assert!(ctx.is_ipv6().unwrap());
    ctx.set_ipv6(false).unwrap();

    assert!(ctx.is_blocky().unwrap());
    ctx.set_blocky(false).unwrap();
    assert!(!ctx.is_blocky().unwrap());

    assert_eq!(ctx.get_max_msgsz().unwrap(), i32::MAX);
    ctx.set_max_msgsz(1 << 20).unwrap();
    assert_eq!(ctx.get_max_msgsz().unwrap(), 1 << 20);
    assert_eq!(ctx.get_msg_t_size().unwrap(), 64);

    ctx.set_thread_name_prefix(7).unwrap();
    assert_eq!(ctx.get_thread_name_prefix().unwrap(), 7);
    ctx.set_thread_sched_policy(libc::SCHED_OTHER).unwrap();
    ctx.set_thread_priority(0).unwrap();
    ctx.add_thread_affinity_cpu(0).unwrap();
    ctx.remove_thread_affinity_cpu(0).unwrap();

    // Raw access by number (ZMQ_IO_THREADS = 1) and unknown options.
    assert_eq!(ctx.get_raw_option(1).unwrap(), 2);
    ctx.set_raw_option(1, 3).unwrap();
    assert_eq!(ctx.get_io_threads().unwrap(), 3);
    assert_eq!(ctx.get_raw_option(9999), Err(zmq::Error::EINVAL));
    assert_eq!(ctx.set_raw_option(9999, 1), Err(zmq::Error::EINVAL));

    // The options apply: this context's sockets default to linger 0 (blocky off), and
    // messages over the size limit are rejected by the receiver.
    let socket = ctx.socket(zmq::PUSH).unwrap();
    assert_eq!(socket.get_linger().unwrap(), 0);
}

#[test]
fn blocky_false_makes_termination_not_wait_for_unsent_messages() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    ctx.set_blocky(false).unwrap();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.connect("tcp://127.0.0.1:9").unwrap(); // nobody listens: the message stays queued
    push.send("never delivered", 0).unwrap();
    drop(push);
    drop(ctx); // would hang forever with the default linger of -1
}

#[test]
fn destroy_twice_is_harmless() {
    let mut ctx = zmq::Context::new();
    let clone = ctx.clone();
    ctx.destroy().unwrap();
    ctx.destroy().unwrap(); // no second zmq_ctx_term on freed memory
    assert_eq!(ctx.socket(zmq::PAIR).unwrap_err(), zmq::Error::ETERM);
    assert_eq!(clone.socket(zmq::PAIR).unwrap_err(), zmq::Error::ETERM);
    assert_eq!(clone.get_io_threads(), Err(zmq::Error::ETERM));
    assert_eq!(clone.set_io_threads(2), Err(zmq::Error::ETERM));
    clone.shutdown().unwrap(); // nothing left to shut down
    drop(clone);
    drop(ctx); // and no termination on drop either
}

#[test]
fn destroy_interrupts_sockets_in_other_threads() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let mut ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    pull.bind("inproc://destroy-waits").unwrap();
    let worker = std::thread::spawn(move || {
        // Blocks until the context is terminated, then closes the socket (by dropping it),
        // which lets the termination finish.
        let result = pull.recv_bytes(0);
        drop(pull);
        result
    });
    std::thread::sleep(NEGATIVE_WAIT);
    ctx.destroy().unwrap();
    assert_eq!(worker.join().unwrap(), Err(zmq::Error::ETERM));
    assert_eq!(ctx.socket(zmq::PULL).unwrap_err(), zmq::Error::ETERM);
    ctx.destroy().unwrap();
}

#[test]
fn shutdown_interrupts_blocking_calls() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let pull = ctx.socket(zmq::PULL).unwrap();
    pull.bind("inproc://shutdown").unwrap();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.set_linger(0).unwrap();
    let waiter = std::thread::spawn(move || pull.recv_bytes(0));
    std::thread::sleep(NEGATIVE_WAIT);
    ctx.shutdown().unwrap();
    assert_eq!(waiter.join().unwrap(), Err(zmq::Error::ETERM));
    // Every later call on the context's sockets fails with ETERM, as do new sockets.
    assert_eq!(push.send("x", zmq::DONTWAIT), Err(zmq::Error::ETERM));
    assert_eq!(push.connect("inproc://shutdown"), Err(zmq::Error::ETERM));
    assert_eq!(ctx.socket(zmq::PAIR).unwrap_err(), zmq::Error::ETERM);
    ctx.shutdown().unwrap(); // twice is fine
}

#[test]
fn a_socket_keeps_its_context_alive() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let a = socket(&ctx, zmq::PAIR);
    let b = socket(&ctx, zmq::PAIR);
    drop(ctx); // the sockets still hold it
    a.bind("inproc://kept-alive").unwrap();
    b.connect("inproc://kept-alive").unwrap();
    a.send("still here", 0).unwrap();
    assert_eq!(b.recv_bytes(0).unwrap(), b"still here");
    let ctx = a.context().unwrap().clone();
    assert!(ctx.same_as(b.context().unwrap()));
    drop((a, b));
    drop(ctx); // the last handle: terminates without hanging (linger 0)
}

#[test]
#[allow(clippy::disallowed_methods)] // plays C code that makes its own context
fn raw_pointers_round_trip() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    assert!(!ctx.as_raw().is_null());

    // A context made by C code, owned by a Context.
    // SAFETY: zmq_ctx_new has no preconditions.
    let raw = unsafe { zmq_sys::zmq_ctx_new() };
    // SAFETY: raw is a live context that nothing else terminates.
    let adopted = unsafe { zmq::Context::from_raw(raw) };
    assert_eq!(adopted.as_raw(), raw);
    let socket = adopted.socket(zmq::REQ).unwrap();

    // A socket handed to C and back.
    let ptr = socket.into_raw();
    // SAFETY: ptr is the live socket we just gave up; its context (adopted) outlives it.
    let socket = unsafe { zmq::Socket::from_raw(ptr) };
    assert_eq!(socket.get_socket_type().unwrap(), zmq::REQ);
    assert!(socket.context().is_none());
    drop(socket);
    drop(adopted); // terminates the adopted context
}

/// A child forked from a process with a context drops what it inherited at once, and
/// `destroy` there says `ENOTSUP` (libzmq's threads are not in the child: `zmq_ctx_term`
/// failed with `EINTR` for ever, and the drop retried it for ever). The parent's context
/// goes on working.
#[cfg(unix)]
#[test]
fn a_forked_child_leaves_an_inherited_context_alone() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    push.bind("tcp://127.0.0.1:*").unwrap();
    // Something queued that the default linger would wait for.
    push.set_sndhwm(10).unwrap();
    let _ = push.send("queued", zmq::DONTWAIT);

    // SAFETY: the child drops what it inherited (libzmq's calls there only touch the
    // child's copy of memory; its signals to the parent's threads are skipped in a forked
    // process) and leaves with _exit, running no destructors or atexit handlers.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = std::panic::catch_unwind(move || {
            drop(push);
            let mut clone = ctx.clone();
            let refused = clone.destroy() == Err(zmq::Error::ENOTSUP);
            drop(clone);
            drop(ctx);
            if refused { 0 } else { 1 }
        })
        .unwrap_or(100);
        // SAFETY: ends the child at once, as a forked child of a threaded process should.
        unsafe { libc::_exit(code) };
    }
    // A child that hangs dropping what it inherited is killed by its PID and fails here.
    let code = common::wait_for_child(pid, POSITIVE_WAIT);
    assert_eq!(code, 0, "destroy in the child was not ENOTSUP");
    // The parent's context is untouched.
    let pair = socket(&ctx, zmq::PAIR);
    pair.bind("inproc://after-the-fork").unwrap();
}

/// A socket limit past `MAX_SOCKETS_CEILING` is `EINVAL` when set (libzmq reserved room
/// for that many sockets at the first one: it hung near `i32::MAX`, and aborted at it);
/// one past libzmq's reported `ZMQ_SOCKET_LIMIT` still works, as it does with epoll.
#[test]
fn max_sockets_beyond_the_ceiling_is_einval() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    for absurd in [i32::MAX, i32::MAX - 10, zmq::MAX_SOCKETS_CEILING + 1] {
        assert_eq!(ctx.set_max_sockets(absurd), Err(zmq::Error::EINVAL));
    }
    assert_eq!(ctx.set_max_sockets(0), Err(zmq::Error::EINVAL));
    assert_eq!(ctx.get_max_sockets(), Ok(1023));
    ctx.set_max_sockets(ctx.get_socket_limit().unwrap() + 1)
        .unwrap();
    ctx.socket(zmq::PAIR).unwrap();
    let roomiest = zmq::Context::new();
    roomiest.set_max_sockets(zmq::MAX_SOCKETS_CEILING).unwrap();
    roomiest.socket(zmq::PAIR).unwrap();
}

/// A context's threads start with its first socket even when libzmq then refuses the
/// socket's type: thread options set afterwards are ignored by libzmq, and not tried.
#[test]
fn thread_options_after_the_threads_started_are_not_tried() {
    let ctx = zmq::Context::new();
    assert_eq!(ctx.socket_raw(999).err(), Some(zmq::Error::EINVAL));
    ctx.set_thread_sched_policy(999).unwrap();
    ctx.socket(zmq::PAIR).unwrap();
}

/// Thread options the OS refuses fail the first socket with the OS's error (libzmq 4.3.5
/// asserted in each thread it started and aborted the process); the context works once
/// they are put right.
#[test]
fn thread_options_the_os_refuses_fail_the_first_socket() {
    let _dog = watchdog(POSITIVE_WAIT);
    // A CPU that does not exist, alone in the set.
    let ctx = zmq::Context::new();
    ctx.add_thread_affinity_cpu(1000).unwrap();
    assert_eq!(ctx.socket(zmq::PAIR).err(), Some(zmq::Error::EINVAL));
    ctx.remove_thread_affinity_cpu(1000).unwrap();
    ctx.add_thread_affinity_cpu(0).unwrap();
    ctx.socket(zmq::PAIR).unwrap();

    // A policy the OS does not know.
    let ctx = zmq::Context::new();
    ctx.set_thread_sched_policy(999).unwrap();
    assert_eq!(ctx.socket(zmq::PAIR).err(), Some(zmq::Error::EINVAL));
    ctx.set_thread_sched_policy(libc::SCHED_OTHER).unwrap();
    ctx.socket(zmq::PAIR).unwrap();

    // A real-time priority out of range (1–99), whoever runs the test.
    let ctx = zmq::Context::new();
    ctx.set_thread_sched_policy(libc::SCHED_FIFO).unwrap();
    ctx.set_thread_priority(500).unwrap();
    assert_eq!(ctx.socket(zmq::PAIR).err(), Some(zmq::Error::EINVAL));
    ctx.set_thread_sched_policy(libc::SCHED_OTHER).unwrap();
    ctx.set_thread_priority(0).unwrap();
    ctx.socket(zmq::PAIR).unwrap();
}

/// A priority the process may not take (nice −20 without `CAP_SYS_NICE`) is `EACCES` at
/// the first socket. As root the test drops to an unprivileged user in a forked child.
#[test]
fn a_priority_beyond_the_process_rights_is_eacces() {
    fn attempt() -> i32 {
        let ctx = zmq::Context::new();
        ctx.set_thread_priority(5).unwrap();
        match ctx.socket(zmq::PAIR) {
            Err(zmq::Error::EACCES) => 0,
            Err(_) => 2,
            Ok(_) => 3,
        }
    }
    let code = common::exit_code_as_unprivileged_user(attempt);
    assert_eq!(
        code, 0,
        "0: EACCES; 1: could not drop root; 2: another error; 3: Ok"
    );
}
