//! `Poller` watches thread-safe draft sockets next to stable ones.

use crate::common;

use common::{POSITIVE_WAIT, socket, watchdog};
use zmq::draft::DraftSocketType::{CLIENT, SERVER};
use zmq::poller::Poller;

#[test]
fn poller_watches_draft_and_stable_sockets() {
    let _dog = watchdog(POSITIVE_WAIT * 2);
    let ctx = zmq::Context::new();
    let server = ctx.draft_socket(SERVER).unwrap();
    server.set_linger(0).unwrap();
    server.bind("inproc://poller-draft").unwrap();
    let client = ctx.draft_socket(CLIENT).unwrap();
    client.set_linger(0).unwrap();
    client.connect("inproc://poller-draft").unwrap();
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
