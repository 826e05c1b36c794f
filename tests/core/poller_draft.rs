//! `Poller` watches thread-safe draft sockets next to stable ones.

use crate::common;

use common::{POSITIVE_WAIT, socket, watchdog};
use zmq::draft::DraftSocket;
use zmq::draft::DraftSocketType::{CLIENT, SERVER};
use zmq::poller::Poller;

#[test]
fn poller_watches_draft_and_stable_sockets() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (server, client) = server_and_client(&ctx, "inproc://poller-draft");
    let pull = socket(&ctx, zmq::PULL);
    pull.bind("inproc://poller-stable").unwrap();

    let mut poller = Poller::new();
    let server_token = poller.add(&server, zmq::POLLIN);
    let pull_token = poller.add(&pull, zmq::POLLIN);
    let client_token = poller.add(&client, zmq::POLLOUT);
    // The client can send at once; nothing is readable yet.
    assert_eq!(poller.poll(Some(POSITIVE_WAIT)).unwrap(), 1);
    assert!(poller.is_writable(client_token));
    assert!(!poller.is_readable(server_token) && !poller.is_readable(pull_token));

    assert!(poller.modify(client_token, zmq::POLLIN));
    client.send("hello", 0).unwrap();
    assert_eq!(poller.poll(Some(POSITIVE_WAIT)).unwrap(), 1);
    assert_eq!(
        poller.ready().collect::<Vec<_>>(),
        [(server_token, zmq::POLLIN)]
    );
    let request = server.recv_msg(0).unwrap();
    server
        .send_to(request.routing_id().unwrap(), "world", 0)
        .unwrap();
    assert_eq!(poller.poll(Some(POSITIVE_WAIT)).unwrap(), 1);
    assert!(poller.is_readable(client_token));
    assert_eq!(client.recv_msg(0).unwrap().as_str(), Some("world"));
}

/// With a thread-safe draft socket in the poller, libzmq takes its `zmq_poller` path,
/// which reports only the events asked for and counts a socket added twice once. The
/// `Poller` asks for `POLLERR` on every fd and counts the ready entries itself, so a broken
/// pipe shows as `POLLERR` with or without a draft socket, and the count matches `ready()`.
#[test]
fn poller_reports_fd_errors_and_counts_entries_alike_with_a_draft_socket() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (_server, client) = server_and_client(&ctx, "inproc://poller-draft-errors");

    // A pipe whose read end is closed: its write end is in error.
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is ours, closed once.
    unsafe { libc::close(fds[0]) };
    let broken = fds[1];

    for with_draft in [false, true] {
        let mut poller = Poller::new();
        let pipe = poller.add_fd(broken, zmq::POLLIN);
        if with_draft {
            // Twice: writable both times, so two ready entries.
            poller.add(&client, zmq::POLLOUT);
            poller.add(&client, zmq::POLLOUT);
        }
        let ready = poller.poll(Some(POSITIVE_WAIT)).unwrap();
        assert!(
            poller.events(pipe).contains(zmq::POLLERR),
            "with_draft {with_draft}: {:?}",
            poller.events(pipe)
        );
        assert_eq!(ready, poller.ready().count(), "with_draft {with_draft}");
        assert_eq!(ready, if with_draft { 3 } else { 1 });
    }
    // SAFETY: the write end is ours, closed once.
    unsafe { libc::close(broken) };
}

/// A negative fd is switched off, as `poll(2)` has it, with or without a thread-safe
/// socket among the entries (libzmq's poller path failed with `EBADF`, seen as `EPROTO`).
#[test]
fn a_negative_fd_is_ignored_beside_a_draft_socket() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let (server, client) = server_and_client(&ctx, "inproc://poller-negative-fd");

    let mut poller = Poller::new();
    let off = poller.add_fd(-1, zmq::POLLIN);
    let server_token = poller.add(&server, zmq::POLLIN);
    assert_eq!(poller.poll(Some(std::time::Duration::ZERO)).unwrap(), 0);
    client.send("hello", 0).unwrap();
    assert_eq!(poller.poll(Some(POSITIVE_WAIT)).unwrap(), 1);
    assert!(poller.is_readable(server_token));
    assert!(poller.events(off).is_empty());
    // Only switched-off entries: a timed wait that finds nothing.
    assert!(poller.remove(server_token));
    assert_eq!(
        poller
            .poll(Some(std::time::Duration::from_millis(1)))
            .unwrap(),
        0
    );
}

/// A SERVER bound at `endpoint` and a CLIENT connected to it (linger 0).
fn server_and_client(ctx: &zmq::Context, endpoint: &str) -> (DraftSocket, DraftSocket) {
    let server = ctx.draft_socket(SERVER).unwrap();
    server.set_linger(0).unwrap();
    server.bind(endpoint).unwrap();
    let client = ctx.draft_socket(CLIENT).unwrap();
    client.set_linger(0).unwrap();
    client.connect(endpoint).unwrap();
    (server, client)
}
