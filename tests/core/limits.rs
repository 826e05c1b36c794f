//! Limits as users meet them at scale (docs/scale-limits.md): the listen backlog a
//! connection storm needs, the 1,024th socket of a default context, and running out of
//! file descriptors (`EMFILE`) on socket creation, bind, connect and accept. Each limit
//! gives an error that names it and its fix, nothing panics or hangs, existing
//! connections keep working, and new ones succeed once descriptors are free again.
//!
//! The `EMFILE` scenario lowers `RLIMIT_NOFILE`, so it runs in a child process: the test
//! binary re-runs itself with `ZMQ_LIMITS_CHILD=1`, filtered to that one test.

use crate::common;

use std::time::{Duration, Instant};

use common::fds::{fd_limit, lower_fd_limit, open_fds, set_fd_limit, take_every_fd};
use common::{POSITIVE_WAIT, bind_tcp, socket, wait_for_event, watchdog};
use zmq::monitor::{Event, Events, Monitor};

/// The listen backlog the kernel gave a listening fd (Linux: `tcpi_sacked` of a
/// listener's `TCP_INFO` is its `sk_max_ack_backlog`). The fd is libzmq's, only read.
#[cfg(target_os = "linux")]
fn kernel_backlog(fd: i32) -> u32 {
    // SAFETY: tcp_info is plain data; all-zero is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: fd is a live socket owned by libzmq (the socket is bound and open for the
    // whole call); info is valid for writes of len bytes.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    assert_eq!(rc, 0, "TCP_INFO: {}", std::io::Error::last_os_error());
    const TCP_LISTEN: u8 = 10; // include/net/tcp_states.h
    assert_eq!(info.tcpi_state, TCP_LISTEN);
    info.tcpi_sacked
}

/// The fd of the socket's first tcp listener, from its LISTENING event.
fn listening_fd(monitor: &Monitor) -> i32 {
    match wait_for_event(monitor, |e| matches!(e, Event::Listening { .. })).event {
        Event::Listening { fd } => fd,
        _ => unreachable!(),
    }
}

fn somaxconn() -> Option<i32> {
    std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[test]
fn listeners_get_a_backlog_sized_for_a_connection_storm() {
    let _dog = watchdog(Duration::from_secs(30));
    let ctx = common::ctx();
    let router = socket(&ctx, zmq::ROUTER);
    let expected = somaxconn().map_or(511, |n| n.min(65535));
    assert_eq!(router.get_backlog().unwrap(), expected);
    assert!(expected > 100, "libzmq's own default is 100");
    let monitor = Monitor::new(&router, Events::LISTENING).unwrap();
    bind_tcp(&router);
    assert_eq!(router.get_backlog().unwrap(), expected);
    #[cfg(target_os = "linux")]
    assert_eq!(kernel_backlog(listening_fd(&monitor)) as i32, expected);
    #[cfg(not(target_os = "linux"))]
    let _ = listening_fd(&monitor);
}

#[test]
fn a_backlog_the_user_sets_is_kept() {
    let _dog = watchdog(Duration::from_secs(30));
    let ctx = common::ctx();
    let router = socket(&ctx, zmq::ROUTER);
    router.set_backlog(7).unwrap();
    let monitor = Monitor::new(&router, Events::LISTENING).unwrap();
    bind_tcp(&router);
    assert_eq!(router.get_backlog().unwrap(), 7);
    #[cfg(target_os = "linux")]
    assert_eq!(kernel_backlog(listening_fd(&monitor)), 7);
    #[cfg(not(target_os = "linux"))]
    let _ = listening_fd(&monitor);
    // libzmq's own default, asked for explicitly, is kept too.
    let other = socket(&ctx, zmq::PULL);
    other.set_backlog(100).unwrap();
    bind_tcp(&other);
    assert_eq!(other.get_backlog().unwrap(), 100);
}

/// Raises the soft fd limit towards `wanted` (never lowers it); returns the new limit.
fn raise_fd_limit(wanted: u64) -> u64 {
    let mut limit = fd_limit();
    if limit.rlim_cur < wanted {
        limit.rlim_cur = wanted.min(limit.rlim_max);
        set_fd_limit(&limit);
    }
    fd_limit().rlim_cur
}

fn assert_names_the_limits(err: zmq::Error) {
    assert_eq!(err, zmq::Error::EMFILE);
    let text = err.to_string();
    assert!(text.contains("Context::set_max_sockets"), "{text}");
    assert!(text.contains("ulimit -n"), "{text}");
    assert_eq!(format!("{err:?}"), text, "Debug == Display");
}

#[test]
fn the_1024th_socket_of_a_default_context_fails_with_a_clear_error() {
    let _dog = watchdog(Duration::from_secs(60));
    // 1,023 sockets need about 1,100 fds (one each, plus the context's own).
    let fds = raise_fd_limit(4096);
    assert!(
        fds >= 1200,
        "this test needs 1200 file descriptors, the hard limit allows {fds}"
    );
    let ctx = common::ctx();
    assert_eq!(ctx.get_max_sockets().unwrap(), 1023);
    let mut sockets = Vec::new();
    let err = loop {
        match ctx.socket(zmq::PAIR) {
            Ok(socket) => sockets.push(socket),
            Err(err) => break err,
        }
        assert!(sockets.len() <= 1023, "the limit was not enforced");
    };
    assert_eq!(sockets.len(), 1023, "the 1,024th socket is the one refused");
    assert_names_the_limits(err);

    // The sockets made keep working.
    let endpoint = common::Endpoints::inproc_name();
    sockets[0].bind(&endpoint).unwrap();
    sockets[1].connect(&endpoint).unwrap();
    sockets[1].set_rcvtimeo(common::TIMEOUT_MS).unwrap();
    sockets[0].send("still here", 0).unwrap();
    assert_eq!(sockets[1].recv_bytes(0).unwrap(), b"still here");

    // One closed, one more can be made (once libzmq's reaper thread has released the
    // slot, shortly after the close); not two.
    sockets.pop();
    let deadline = Instant::now() + POSITIVE_WAIT;
    let replacement = loop {
        match ctx.socket(zmq::PAIR) {
            Ok(socket) => break socket,
            Err(zmq::Error::EMFILE) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1))
            }
            Err(err) => panic!("the freed slot was not released: {err}"),
        }
    };
    sockets.push(replacement);
    assert_eq!(ctx.socket(zmq::PAIR).unwrap_err(), zmq::Error::EMFILE);
    drop(sockets);

    // The fix the message names.
    let roomy = common::ctx();
    roomy.set_max_sockets(1100).unwrap();
    let many: Vec<_> = (0..1024)
        .map(|_| roomy.socket(zmq::PAIR).unwrap())
        .collect();
    assert_eq!(many.len(), 1024);
}

/// Runs the test `name` of this module in a child process (with `ZMQ_LIMITS_CHILD` set,
/// so that it does its work) and checks that it printed `passed`. The scenarios lower the
/// fd limit of their process, which must not be this one.
fn run_in_child(name: &str, passed: &str) {
    common::fds::run_test_in_child(&format!("limits::{name}"), "ZMQ_LIMITS_CHILD", passed);
}

/// The `EMFILE` scenario, in a child process (it lowers the fd limit of its process).
#[test]
fn running_out_of_fds_gives_clear_errors_and_recovers() {
    run_in_child("emfile_scenario_in_child", "EMFILE SCENARIO PASSED");
}

/// The body of [`running_out_of_fds_gives_clear_errors_and_recovers`]; does nothing
/// unless run as its child.
#[test]
fn emfile_scenario_in_child() {
    if std::env::var_os("ZMQ_LIMITS_CHILD").is_none() {
        return;
    }
    let ctx = common::ctx();
    // Before the fds run out: a working connection, a socket to bind and one to connect
    // later, and monitors (inproc, no fds).
    let server = socket(&ctx, zmq::ROUTER);
    let accept_monitor = Monitor::new(&server, Events::ACCEPTED | Events::ACCEPT_FAILED).unwrap();
    let endpoint = bind_tcp(&server);
    let client = socket(&ctx, zmq::DEALER);
    client.connect(&endpoint).unwrap();
    round_trip(&client, &server, "before");
    let to_bind = socket(&ctx, zmq::PULL);
    let late_client = socket(&ctx, zmq::DEALER);
    let host_client = socket(&ctx, zmq::DEALER);

    // Leave headroom only for what is open now, then take every fd left.
    let hogs = take_every_fd();
    println!("holding {} fds; the process is out of them", hogs.len());

    // Context::socket: EMFILE naming both limits.
    assert_names_the_limits(ctx.socket(zmq::DEALER).unwrap_err());

    // A new context needs an fd too: try_new says EMFILE (Context::new would panic
    // with the same message).
    let err = zmq::Context::try_new().expect_err("a context with no fd left");
    assert_eq!(err, zmq::Error::EMFILE);
    assert!(err.to_string().contains("ulimit -n"), "{err}");

    // bind: EMFILE, naming the fd limit and the endpoint.
    assert_eq!(
        to_bind.bind("tcp://127.0.0.1:*").unwrap_err(),
        zmq::Error::EMFILE
    );
    let err = to_bind.bind_endpoint("tcp://127.0.0.1:*").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("tcp://127.0.0.1:*"), "{text}");
    assert!(text.contains("ulimit -n"), "{text}");
    assert_eq!(err.errno(), libc::EMFILE);

    // connect: libzmq connects in the background, so the call succeeds and the
    // connection is retried until an fd is free (below).
    late_client.connect(&endpoint).unwrap();
    // The same with a host name, which libzmq resolves (getaddrinfo) with no fd left.
    let by_name = endpoint.replace("127.0.0.1", "localhost");
    host_client.connect(&by_name).unwrap();

    // The existing connection keeps working.
    round_trip(&client, &server, "while out of fds");

    // Accepting: free one fd for a raw TCP client; the kernel completes its handshake
    // but libzmq's accept() has no fd for it, which the monitor reports with the errno.
    let mut hogs = hogs;
    hogs.pop();
    let address = endpoint.trim_start_matches("tcp://").to_owned();
    let raw_peer = std::net::TcpStream::connect(&address).expect("raw tcp connect");
    let failed = wait_for_event(&accept_monitor, |e| matches!(e, Event::AcceptFailed { .. }));
    let Event::AcceptFailed { errno } = failed.event else {
        unreachable!()
    };
    assert_eq!(errno, libc::EMFILE);
    assert_names_the_limits(zmq::Error::from_raw(errno));
    round_trip(&client, &server, "after a failed accept");

    // Free the fds: everything that failed now succeeds.
    drop(hogs);
    wait_for_event(&accept_monitor, |e| matches!(e, Event::Accepted { .. }));
    let fresh_ctx = zmq::Context::try_new().expect("a context once fds are free");
    drop(fresh_ctx);
    let fresh = socket(&ctx, zmq::DEALER);
    fresh.connect(&endpoint).unwrap();
    round_trip(&fresh, &server, "new socket");
    to_bind.bind("tcp://127.0.0.1:*").unwrap();
    round_trip(&late_client, &server, "delayed connect");
    round_trip(&host_client, &server, "delayed connect by host name");
    round_trip(&client, &server, "after");
    drop(raw_peer);
    println!("EMFILE SCENARIO PASSED");
}

/// A DEALER → ROUTER → DEALER echo of `text`.
fn round_trip(client: &zmq::Socket, server: &zmq::Socket, text: &str) {
    client.send(text, 0).unwrap();
    let mut parts = server.recv_multipart(0).expect("server recv");
    assert_eq!(parts.last().map(Vec::as_slice), Some(text.as_bytes()));
    let id = parts.remove(0);
    server.send_multipart([id, text.into()], 0).unwrap();
    assert_eq!(client.recv_bytes(0).expect("client recv"), text.as_bytes());
}

/// The first socket of a context starts libzmq's reaper and I/O threads, which need fds
/// of their own: with none left, a clear error, no abort (in a child process).
#[test]
fn first_socket_of_a_context_with_no_fd_left() {
    run_in_child(
        "first_socket_scenario_in_child",
        "FIRST SOCKET SCENARIO PASSED",
    );
}

/// The body of [`first_socket_of_a_context_with_no_fd_left`]; does nothing unless run as
/// its child.
#[test]
fn first_socket_scenario_in_child() {
    if std::env::var_os("ZMQ_LIMITS_CHILD").is_none() {
        return;
    }
    // A context made while fds were free (it holds one), with no socket yet.
    let ctx = zmq::Context::new();
    let mut hogs = take_every_fd();
    println!("holding {} fds; the process is out of them", hogs.len());
    assert_names_the_limits(ctx.socket(zmq::DEALER).unwrap_err());
    // With only a few fds free: still an error, never an abort.
    for free in 1..=6 {
        hogs.pop();
        match ctx.socket(zmq::DEALER) {
            Ok(socket) => {
                println!("the first socket needed {free} free fds");
                drop(socket);
                break;
            }
            Err(err) => assert_names_the_limits(err),
        }
    }
    drop(hogs);
    let a = socket(&ctx, zmq::PAIR);
    let b = socket(&ctx, zmq::PAIR);
    a.bind("inproc://after-emfile").unwrap();
    b.connect("inproc://after-emfile").unwrap();
    a.send("ok", 0).unwrap();
    b.set_rcvtimeo(5_000).unwrap();
    assert_eq!(b.recv_bytes(0).unwrap(), b"ok");
    println!("FIRST SOCKET SCENARIO PASSED");
}

/// `poll(2)` refuses more entries than the open-files limit, and libzmq's `zmq_poll`
/// aborted the process on that: now `EINVAL`, and a poll within the limit still works
/// (in a child process, which lowers its limit).
#[test]
fn polling_more_items_than_the_fd_limit_is_an_error_not_an_abort() {
    run_in_child("poll_limit_scenario_in_child", "POLL LIMIT SCENARIO PASSED");
}

/// The body of [`polling_more_items_than_the_fd_limit_is_an_error_not_an_abort`]; does
/// nothing unless run as its child.
#[test]
fn poll_limit_scenario_in_child() {
    if std::env::var_os("ZMQ_LIMITS_CHILD").is_none() {
        return;
    }
    let ctx = common::ctx();
    let pull = socket(&ctx, zmq::PULL);
    let endpoint = bind_tcp(&pull);
    let push = socket(&ctx, zmq::PUSH);
    push.connect(&endpoint).unwrap();
    let soft = open_fds() as u64 + 64;
    lower_fd_limit(soft);
    let over = |n: u64| -> Vec<zmq::PollItem<'_>> {
        (0..n).map(|_| pull.as_poll_item(zmq::POLLIN)).collect()
    };
    let mut items = over(soft + 1);
    assert_eq!(zmq::poll(&mut items, 10), Err(zmq::Error::EINVAL));
    // Within the limit (the same socket many times over), a poll works. Wait for the
    // message first: libzmq reads each entry's events in turn, so entries read before it
    // lands would report nothing.
    push.send("x", 0).unwrap();
    assert_eq!(
        pull.poll(zmq::POLLIN, 5_000).unwrap(),
        1,
        "the message came"
    );
    let mut items = over(soft);
    let ready = zmq::poll(&mut items, 5_000).unwrap();
    assert_eq!(
        ready as u64, soft,
        "every entry is the same readable socket"
    );
    println!("POLL LIMIT SCENARIO PASSED");
}

/// Closing a thread-safe draft socket with no fd left: libzmq's reaper opens an eventfd
/// for such a socket as it closes it, and libzmq 4.3.5 aborted the process when it could
/// not ("Bad file descriptor", signaler.cpp). Each such socket now holds one descriptor in
/// reserve and frees it just before the close; making one with no fd left is `EMFILE`.
#[cfg(feature = "draft")]
#[test]
fn closing_a_draft_socket_with_no_fd_left() {
    run_in_child(
        "draft_close_scenario_in_child",
        "DRAFT CLOSE SCENARIO PASSED",
    );
}

/// The body of [`closing_a_draft_socket_with_no_fd_left`]; does nothing unless run as
/// its child.
#[cfg(feature = "draft")]
#[test]
fn draft_close_scenario_in_child() {
    if std::env::var_os("ZMQ_LIMITS_CHILD").is_none() {
        return;
    }
    let ctx = common::ctx();
    let server = ctx
        .draft_socket(zmq::draft::DraftSocketType::SERVER)
        .unwrap();
    server.set_linger(0).unwrap();
    server.bind("inproc://draft-close-no-fd").unwrap();
    let hogs = take_every_fd();
    println!("holding {} fds; the process is out of them", hogs.len());
    assert_names_the_limits(
        ctx.draft_socket(zmq::draft::DraftSocketType::CLIENT)
            .map(drop)
            .unwrap_err(),
    );
    // Dropped, then another made at once, over and over (the new socket's reserve took
    // the descriptor the reaper was about to need: the first version aborted here).
    let mut hogs = hogs;
    let mut server = server;
    for _ in 0..40 {
        drop(server);
        server = loop {
            match ctx.draft_socket(zmq::draft::DraftSocketType::SERVER) {
                Ok(socket) => break socket,
                // Free one more descriptor and try again.
                Err(zmq::Error::EMFILE) => drop(hogs.pop().expect("a descriptor to free")),
                Err(err) => panic!("draft_socket: {err}"),
            }
        };
    }
    drop(server);
    // Terminating the context waits for the reaper to have closed the sockets.
    drop(ctx);
    drop(hogs);
    println!("DRAFT CLOSE SCENARIO PASSED");
}

/// `Monitor::new` failing because the context has no socket slot left for libzmq's
/// monitor socket: the reader's inproc connect was left pending for good, which kept its
/// slot taken and made the context's termination abort the process (libzmq 4.3.5 makes a
/// socket for each pending connect then, and asserts that it could).
#[test]
fn a_monitor_that_cannot_start_leaves_nothing_pending() {
    run_in_child(
        "monitor_slot_scenario_in_child",
        "MONITOR SLOT SCENARIO PASSED",
    );
}

/// The body of [`a_monitor_that_cannot_start_leaves_nothing_pending`]; does nothing
/// unless run as its child (an abort must not take the test binary with it).
#[test]
fn monitor_slot_scenario_in_child() {
    if std::env::var_os("ZMQ_LIMITS_CHILD").is_none() {
        return;
    }
    for _ in 0..5 {
        let ctx = zmq::Context::new();
        ctx.set_max_sockets(3).unwrap();
        let a = ctx.socket(zmq::DEALER).unwrap();
        let b = ctx.socket(zmq::DEALER).unwrap();
        let err = Monitor::new(&a, Events::ALL).map(drop).unwrap_err();
        assert_names_the_limits(err);
        // The slots come back once the sockets are gone (closing is asynchronous).
        drop(b);
        let deadline = Instant::now() + POSITIVE_WAIT;
        let (c, d) = loop {
            match (ctx.socket(zmq::DEALER), ctx.socket(zmq::DEALER)) {
                (Ok(c), Ok(d)) => break (c, d),
                _ => assert!(Instant::now() < deadline, "the slots never came back"),
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        drop((a, c, d));
        drop(ctx);
    }
    println!("MONITOR SLOT SCENARIO PASSED");
}

/// A zero-copy message's owner holding the last handle of a context, dropped on the
/// user's thread: the context terminates right there, as any last handle's drop does
/// (waiting for the linger of what its sockets still queue), not on another thread,
/// which would let the process exit before the linger is over. Only on libzmq's own
/// threads does it go elsewhere (`an_owner_holding_the_last_context_handle_is_released`).
/// In a child process, where no other context runs: after the drop, no libzmq reaper
/// thread is left.
#[test]
fn an_owner_dropped_on_the_users_thread_terminates_there() {
    run_in_child("owner_drop_scenario_in_child", "OWNER DROP SCENARIO PASSED");
}

fn reaper_threads() -> usize {
    std::fs::read_dir("/proc/self/task").map_or(0, |tasks| {
        tasks
            .flatten()
            .filter(|task| {
                std::fs::read_to_string(task.path().join("comm"))
                    .is_ok_and(|comm| comm.trim_end() == "ZMQbg/Reaper")
            })
            .count()
    })
}

/// The body of [`an_owner_dropped_on_the_users_thread_terminates_there`]; does nothing
/// unless run as its child.
#[test]
fn owner_drop_scenario_in_child() {
    if std::env::var_os("ZMQ_LIMITS_CHILD").is_none() {
        return;
    }
    use common::PayloadHoldingContext as Owner;
    let ctx = zmq::Context::new();
    let push = ctx.socket(zmq::PUSH).unwrap();
    // Queued for a peer that never comes, for a linger of a second.
    push.set_linger(1000).unwrap();
    push.connect(&format!("tcp://127.0.0.1:{}", common::free_tcp_port()))
        .unwrap();
    push.send("queued", 0).unwrap();
    drop(push);
    // libzmq's reaper names itself once it runs.
    let deadline = Instant::now() + POSITIVE_WAIT;
    while reaper_threads() != 1 {
        assert!(Instant::now() < deadline, "no libzmq reaper thread seen");
        std::thread::sleep(Duration::from_millis(5));
    }
    // Large enough to be handed over, not copied (the owner lives in the message).
    let msg = zmq::Message::from_owner(Owner {
        _ctx: ctx,
        data: vec![7; 100_000],
    });
    drop(msg); // the last handle: terminates here, after the linger
    assert_eq!(
        reaper_threads(),
        0,
        "the context was left to terminate elsewhere"
    );
    println!("OWNER DROP SCENARIO PASSED");
}
