//! Waiting on several sockets and file descriptors: `Poller`, and zmq 0.10's `poll` with
//! `PollItem`s.

use crate::common;

use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use common::{POSITIVE_WAIT, inproc::connected, watchdog};
use zmq::poller::Poller;

/// A pipe: (read end, write end).
fn pipe() -> (OwnedFd, std::fs::File) {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe() writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe {
        (
            OwnedFd::from_raw_fd(fds[0]),
            std::fs::File::from_raw_fd(fds[1]),
        )
    }
}

/// (PUSH, PULL) over inproc.
fn pull_push(ctx: &zmq::Context) -> (zmq::Socket, zmq::Socket) {
    let (pull, push) = connected(ctx, zmq::PULL, zmq::PUSH);
    (push, pull)
}

#[test]
fn poller_over_two_sockets_and_a_pipe() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (push_a, pull_a) = pull_push(&ctx);
    let (push_b, pull_b) = pull_push(&ctx);
    let (read_end, mut write_end) = pipe();

    let mut poller = Poller::new();
    let a = poller.add(&pull_a, zmq::POLLIN);
    let b = poller.add(&pull_b, zmq::POLLIN);
    let p = poller.add_fd(read_end.as_raw_fd(), zmq::POLLIN);
    assert_eq!(poller.len(), 3);

    // Nothing ready: a zero timeout returns at once.
    assert_eq!(poller.poll(Some(Duration::ZERO)).unwrap(), 0);
    assert_eq!(poller.ready().count(), 0);

    push_b.send("for b", 0).unwrap();
    assert_eq!(poller.poll(Some(POSITIVE_WAIT)).unwrap(), 1);
    assert!(!poller.is_readable(a) && poller.is_readable(b) && !poller.is_readable(p));
    assert_eq!(pull_b.recv_bytes(0).unwrap(), b"for b");

    write_end.write_all(b"!").unwrap();
    push_a.send("for a", 0).unwrap();
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    while poller.poll(Some(POSITIVE_WAIT)).unwrap() < 2 {
        assert!(std::time::Instant::now() < deadline);
    }
    let ready: Vec<_> = poller.ready().map(|(token, _)| token).collect();
    assert_eq!(ready, vec![a, p], "registration order");
    assert_eq!(poller.events(p), zmq::POLLIN);

    // Modify and remove entries; tokens stay valid.
    assert!(poller.modify(a, zmq::POLLOUT));
    assert!(poller.remove(p));
    assert!(!poller.remove(p), "already removed");
    assert_eq!(poller.events(p), zmq::PollEvents::empty());
    poller.poll(Some(Duration::ZERO)).unwrap();
    assert!(!poller.is_writable(a), "a PULL is never writable");
    assert!(poller.is_readable(b) || poller.events(b).is_empty());
    assert_eq!(poller.len(), 2);
    assert!(format!("{poller:?}").starts_with('['));
}

#[test]
fn poller_reports_writable_sockets() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (push, _pull) = pull_push(&ctx);
    let mut poller = Poller::default();
    assert!(poller.is_empty());
    let token = poller.add(&push, zmq::POLLIN | zmq::POLLOUT);
    assert_eq!(poller.poll_ms(POSITIVE_WAIT.as_millis() as i64).unwrap(), 1);
    assert!(poller.is_writable(token));
    assert!(!poller.is_readable(token));
}

#[test]
fn zmq_010_poll_items() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (push, pull) = pull_push(&ctx);
    let (read_end, mut write_end) = pipe();
    let fd = read_end.as_raw_fd();

    let mut items = vec![
        pull.as_poll_item(zmq::POLLIN),
        zmq::PollItem::from_fd(fd, zmq::POLLIN),
    ];
    assert!(items[0].has_socket(&pull) && !items[0].has_socket(&push));
    assert!(items[1].has_fd(fd) && !items[0].has_fd(fd));
    assert_eq!(zmq::poll(&mut items, 0).unwrap(), 0);

    push.send("x", 0).unwrap();
    write_end.write_all(b"x").unwrap();
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    while zmq::poll(&mut items[0..2], 1000).unwrap() < 2 {
        assert!(std::time::Instant::now() < deadline);
    }
    assert!(items[0].is_readable() && items[1].is_readable());
    assert!(!items[0].is_writable() && !items[0].is_error());
    assert_eq!(items[1].get_revents(), zmq::POLLIN);

    items[0].set_events(zmq::POLLOUT);
    assert_eq!(zmq::poll(&mut items[..1], 0).unwrap(), 0);
    assert!(format!("{:?}", items[1]).contains("fd"));

    // One socket alone.
    assert_eq!(pull.poll(zmq::POLLIN, 0).unwrap(), 1);
    pull.recv_bytes(0).unwrap();
    assert_eq!(pull.poll(zmq::POLLIN, 0).unwrap(), 0);
}

#[test]
fn poll_events_are_bitflags_1x() {
    let all = zmq::POLLIN | zmq::POLLOUT | zmq::POLLERR;
    assert_eq!(all, zmq::PollEvents::all());
    assert_eq!(all.bits(), 7);
    assert_eq!(
        format!("{:?}", zmq::POLLIN | zmq::POLLOUT),
        "POLLIN | POLLOUT"
    );
    assert_eq!(format!("{:?}", zmq::PollEvents::empty()), "(empty)");
    assert_eq!(zmq::PollEvents::from_bits(8), None);
    assert_eq!(zmq::PollEvents::from_bits_truncate(9), zmq::POLLIN);
    assert!(all.contains(zmq::POLLERR) && all.is_all());
    let mut events = zmq::POLLIN;
    events.insert(zmq::POLLOUT);
    events.remove(zmq::POLLIN);
    events.toggle(zmq::POLLERR);
    assert_eq!(events, zmq::POLLOUT | zmq::POLLERR);
    assert_eq!(!zmq::POLLIN, zmq::POLLOUT | zmq::POLLERR);
    assert_eq!(format!("{:x}", all), "7");
    let collected: zmq::PollEvents = [zmq::POLLIN, zmq::POLLERR].into_iter().collect();
    assert_eq!(collected.bits(), 5);
}

/// Nothing to poll: a timeout is slept (libzmq's own sleep counts microseconds in 32 bits,
/// so 4,295 s would have been 33 ms), zero returns at once, and no timeout is EINVAL
/// rather than a wait that never ends (libzmq's: 71 minutes).
#[test]
fn empty_polls_sleep_the_timeout_or_refuse_forever() {
    let _dog = watchdog(POSITIVE_WAIT);
    assert_eq!(Poller::new().poll(Some(Duration::from_millis(20))), Ok(0));
    assert_eq!(zmq::poll(&mut [], 0), Ok(0));
    assert_eq!(Poller::new().poll(Some(Duration::ZERO)), Ok(0));
    assert_eq!(Poller::new().poll(None), Err(zmq::Error::EINVAL));
    assert_eq!(zmq::poll(&mut [], -1), Err(zmq::Error::EINVAL));
    // A poller emptied by removals behaves the same.
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PULL).unwrap();
    let mut poller = Poller::new();
    let token = poller.add(&socket, zmq::POLLIN);
    assert!(poller.remove(token));
    assert_eq!(poller.poll(None), Err(zmq::Error::EINVAL));
}
