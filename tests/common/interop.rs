//! The Rust half of the interop conversation; `tests/python/peerlib.py` is the Python
//! half, and the two must agree frame for frame.
//!
//! A client runs a [`Suite`] against a server that [`serve`]s: payload echoes (a multipart
//! message with empty frames, every byte value, a 16 MiB frame), a counted echo run in
//! windows, a counted stream each way (`SINK`, then `SOURCE`), then `STOP`. Order and
//! exact counts are checked on both sides.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::Transport;
use super::pypeer::{LINE_WAIT, Peer};

/// Control frames start with a zero byte, which no data frame starts with.
pub const STOP: &[u8] = b"\x00ctl:stop";
/// Reply to [`STOP`]: `[BYE, routing id seen by a ROUTER server]`.
pub const BYE: &[u8] = b"\x00ctl:bye";
/// `[SINK, seq]`: one message of a counted stream to the server.
pub const SINK: &[u8] = b"\x00ctl:sink";
/// Asks the server how many `SINK` messages it counted from us.
pub const SUNK_QUERY: &[u8] = b"\x00ctl:sunk?";
/// `[SUNK, count]`: the answer to [`SUNK_QUERY`].
pub const SUNK: &[u8] = b"\x00ctl:sunk";
/// `[SOURCE, n]`: asks the server for `n` messages `[SOURCED, seq]`.
pub const SOURCE: &[u8] = b"\x00ctl:source";
/// See [`SOURCE`].
pub const SOURCED: &[u8] = b"\x00ctl:src";
/// End of a publication or of a pipeline's tasks.
pub const END: &[u8] = b"\x00ctl:end";
/// Publisher probe sent until every subscriber has seen one.
pub const SYNC: &[u8] = b"\x00ctl:sync";

/// A multipart message with empty frames.
pub fn multipart_with_empty() -> Vec<Vec<u8>> {
    vec![
        b"".to_vec(),
        b"head".to_vec(),
        b"".to_vec(),
        b"\xff\x00\xfe\x80".to_vec(),
        b"".to_vec(),
    ]
}

/// Every byte value: not UTF-8.
pub fn non_utf8() -> Vec<u8> {
    (0..=255u8).collect()
}

/// Size of the large frame.
pub const BIG_SIZE: usize = 16 * 1024 * 1024;

/// `size` bytes of the pattern `peerlib.big_frame` makes.
pub fn big_frame(size: usize) -> Vec<u8> {
    let block: Vec<u8> = (0..251u32).map(|i| ((i * 7 + 3) % 251) as u8).collect();
    block.iter().copied().cycle().take(size).collect()
}

/// The i-th small message of a counted run.
pub fn small(i: usize) -> Vec<u8> {
    format!("m{i}").into_bytes()
}

/// The endpoint a Python peer should bind on `transport` (it prints the real one).
pub fn python_bind_endpoint(transport: Transport, endpoints: &super::Endpoints) -> String {
    match transport {
        Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
        Transport::Ipc => endpoints.ipc(),
        Transport::Inproc => panic!("inproc does not cross processes"),
    }
}

fn describe(frames: &[Vec<u8>]) -> String {
    let parts: Vec<String> = frames
        .iter()
        .map(|f| {
            if f.len() <= 32 {
                format!("{:?}", String::from_utf8_lossy(f))
            } else {
                format!("<{} bytes>", f.len())
            }
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn peers_diagnostics(peers: &[&Peer]) -> String {
    peers
        .iter()
        .map(|p| p.diagnostics())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Receives one message, checking between polls that no peer has failed; panics after
/// [`LINE_WAIT`] of silence.
pub fn recv(socket: &zmq::Socket, peers: &[&Peer]) -> Vec<Vec<u8>> {
    let deadline = Instant::now() + LINE_WAIT;
    loop {
        match socket.recv_multipart(zmq::DONTWAIT) {
            Ok(frames) => return frames,
            Err(zmq::Error::EAGAIN) => {}
            Err(err) => panic!("recv: {err}\n{}", peers_diagnostics(peers)),
        }
        for peer in peers {
            peer.check_alive();
        }
        if Instant::now() >= deadline {
            panic!(
                "nothing received within {LINE_WAIT:?}\n{}",
                peers_diagnostics(peers)
            );
        }
        socket.poll(zmq::POLLIN, 100).expect("poll");
    }
}

/// Sends one message (blocking up to the socket's SNDTIMEO); panics with the peers'
/// diagnostics on failure.
pub fn send<T: AsRef<[u8]>>(socket: &zmq::Socket, frames: &[T], peers: &[&Peer]) {
    let parts = frames.iter().map(|f| f.as_ref());
    if let Err(err) = socket.send_multipart(parts, 0) {
        panic!("send: {err}\n{}", peers_diagnostics(peers));
    }
}

/// What a client runs; the Python client takes the same as `--echo/--window/--stream`.
#[derive(Clone, Debug)]
pub struct Suite {
    /// Echo the multipart, non-UTF-8 and 16 MiB payloads first.
    pub payloads: bool,
    /// Counted echoes.
    pub echo: usize,
    /// Echoes in flight at once (1 for REQ).
    pub window: usize,
    /// Messages streamed each way (0 for REQ).
    pub stream: usize,
    /// The routing id the client set, checked against what a ROUTER server saw.
    pub identity: Option<Vec<u8>>,
}

impl Suite {
    /// Messages the client sends (and receives) in total, STOP excluded.
    pub fn messages(&self) -> usize {
        (if self.payloads { 3 } else { 0 }) + self.echo + self.stream
    }

    /// The matching arguments of `client.py`.
    pub fn python_args(&self) -> Vec<String> {
        let mut args = vec![
            "--echo".to_owned(),
            self.echo.to_string(),
            "--window".to_owned(),
            self.window.to_string(),
            "--stream".to_owned(),
            self.stream.to_string(),
        ];
        if !self.payloads {
            args.push("--skip-payloads".to_owned());
        }
        if let Some(id) = &self.identity {
            args.push("--identity-hex".to_owned());
            args.push(hex(id));
        }
        args
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn echo_check(socket: &zmq::Socket, frames: Vec<Vec<u8>>, peers: &[&Peer]) {
    send(socket, &frames, peers);
    let got = recv(socket, peers);
    assert!(
        got == frames,
        "echo mismatch: sent {}, got {}",
        describe(&frames),
        describe(&got)
    );
}

/// Runs `suite` as the client on `socket` (REQ, DEALER or PAIR).
pub fn run_client(socket: &zmq::Socket, suite: &Suite, peers: &[&Peer]) {
    if suite.payloads {
        echo_check(socket, multipart_with_empty(), peers);
        echo_check(socket, vec![non_utf8()], peers);
        echo_check(socket, vec![big_frame(BIG_SIZE)], peers);
    }
    let window = suite.window.max(1);
    let mut i = 0;
    while i < suite.echo {
        let batch = i..(i + window).min(suite.echo);
        for j in batch.clone() {
            send(socket, &[small(j)], peers);
        }
        for j in batch.clone() {
            let got = recv(socket, peers);
            assert!(got == [small(j)], "echo {j}: got {}", describe(&got));
        }
        i = batch.end;
    }
    if suite.stream > 0 {
        for j in 0..suite.stream {
            send(socket, &[SINK, j.to_string().as_bytes()], peers);
        }
        send(socket, &[SUNK_QUERY], peers);
        let got = recv(socket, peers);
        assert_eq!(
            got,
            [SUNK.to_vec(), suite.stream.to_string().into_bytes()],
            "the server's count of our stream"
        );
        send(
            socket,
            &[SOURCE, suite.stream.to_string().as_bytes()],
            peers,
        );
        for j in 0..suite.stream {
            let got = recv(socket, peers);
            assert!(
                got.len() == 2 && got[0] == SOURCED && got[1] == j.to_string().as_bytes(),
                "source {j}: got {}",
                describe(&got)
            );
        }
    }
    send(socket, &[STOP], peers);
    let got = recv(socket, peers);
    assert_eq!(got[0], BYE, "reply to STOP: {}", describe(&got));
    if let Some(id) = &suite.identity {
        assert_eq!(
            got.get(1),
            Some(id),
            "the ROUTER server saw another routing id"
        );
    }
}

/// What [`serve`] did.
#[derive(Debug, Default)]
pub struct ServeStats {
    /// Messages echoed.
    pub echoed: usize,
    /// `SINK` messages counted.
    pub sunk: usize,
    /// `SOURCED` messages sent.
    pub sourced: usize,
    /// Routing ids seen (ROUTER).
    pub ids: BTreeSet<Vec<u8>>,
}

impl ServeStats {
    /// Messages received and sent, control messages excluded.
    pub fn messages(&self) -> usize {
        self.echoed + self.sunk + self.sourced
    }
}

/// Serves the conversation on `socket` (REP, ROUTER or PAIR) until `clients` clients said
/// STOP. A ROUTER server reads the routing id frame and routes replies by it.
pub fn serve(socket: &zmq::Socket, clients: usize, router: bool, peers: &[&Peer]) -> ServeStats {
    let mut stats = ServeStats::default();
    let mut sunk = std::collections::BTreeMap::<Vec<u8>, usize>::new();
    let mut stopped = 0;
    while stopped < clients {
        let frames = recv(socket, peers);
        let (envelope, body) = if router {
            assert!(frames.len() >= 2, "ROUTER got {}", describe(&frames));
            stats.ids.insert(frames[0].clone());
            (frames[..1].to_vec(), &frames[1..])
        } else {
            (Vec::new(), &frames[..])
        };
        let key = envelope.first().cloned().unwrap_or_default();
        let reply = |tail: Vec<Vec<u8>>| {
            let mut out = envelope.clone();
            out.extend(tail);
            send(socket, &out, peers);
        };
        match body[0].as_slice() {
            SINK => {
                let expected = sunk.entry(key).or_default();
                assert_eq!(
                    body.get(1).map(Vec::as_slice),
                    Some(expected.to_string().as_bytes()),
                    "sink: expected {expected}, got {}",
                    describe(body)
                );
                *expected += 1;
                stats.sunk += 1;
            }
            SUNK_QUERY => {
                let count = sunk.get(&key).copied().unwrap_or(0);
                reply(vec![SUNK.to_vec(), count.to_string().into_bytes()]);
            }
            SOURCE => {
                let n: usize = std::str::from_utf8(&body[1]).unwrap().parse().unwrap();
                for j in 0..n {
                    reply(vec![SOURCED.to_vec(), j.to_string().into_bytes()]);
                }
                stats.sourced += n;
            }
            STOP => {
                let mut tail = vec![BYE.to_vec()];
                tail.extend(envelope.iter().cloned());
                reply(tail);
                stopped += 1;
            }
            _ => {
                send(socket, &frames, peers);
                stats.echoed += 1;
            }
        }
    }
    stats
}

/// Prints the figure line of an interop cell (read by the report, never asserted).
pub fn figure(cell: &str, messages: usize) {
    println!("FIGURE interop cell={cell} messages={messages}");
}

// ---- Publish/subscribe ------------------------------------------------------------

/// The topics a publisher cycles over (`publisher.py --topics`). Message `k` is
/// `[TOPICS[k % 4] + (k / 4), b""]`: every topic's sequence numbers count up from 0.
pub const TOPICS: [&str; 4] = ["alpha.", "beta.", "gamma.", "alphabet."];

/// Subscriber A takes two prefixes; `alphabet.` shares letters with `alpha.` but does not
/// match it.
pub const SUBSCRIBER_A: &[&str] = &["alpha.", "beta."];
/// Subscriber B takes one prefix, and must see nothing else.
pub const SUBSCRIBER_B: &[&str] = &["gamma."];

/// How many messages of each subscribed topic a publication of `count` messages carries.
pub fn expected_counts(subscribed: &[&str], count: usize) -> BTreeMap<String, usize> {
    TOPICS
        .iter()
        .enumerate()
        .filter(|(_, topic)| subscribed.iter().any(|s| topic.starts_with(s)))
        .map(|(i, topic)| {
            let n = (0..count).filter(|k| k % TOPICS.len() == i).count();
            (topic.to_string(), n)
        })
        .collect()
}

/// Sends the publication: `count` data messages, then END.
pub fn publish(socket: &zmq::Socket, count: usize, peers: &[&Peer]) {
    for k in 0..count {
        let topic = format!("{}{}", TOPICS[k % TOPICS.len()], k / TOPICS.len());
        send(socket, &[topic.as_bytes(), b""], peers);
    }
    send(socket, &[END, b""], peers);
}

/// The arguments of `subscriber.py` for `subscribed` and a publication of `count`.
pub fn subscriber_args(subscribed: &[&str], count: usize) -> Vec<String> {
    let mut args = vec!["--count".to_owned(), count.to_string()];
    for s in subscribed {
        args.push("--subscribe".to_owned());
        args.push(s.to_string());
    }
    args
}

/// A SUB socket (no high-water mark, so nothing is dropped) subscribed to `subscribed`
/// and to the SYNC and END control topics.
pub fn sub_socket(ctx: &zmq::Context, subscribed: &[&str]) -> zmq::Socket {
    let socket = super::socket(ctx, zmq::SUB);
    socket.set_rcvhwm(0).unwrap();
    socket.set_subscribe(SYNC).unwrap();
    socket.set_subscribe(END).unwrap();
    for s in subscribed {
        socket.set_subscribe(s.as_bytes()).unwrap();
    }
    socket
}

/// Checks what a subscriber receives: only subscribed topics, each in order, exact counts.
#[derive(Debug)]
pub struct SubscriptionCheck {
    expected: BTreeMap<String, usize>,
    seen: BTreeMap<String, usize>,
    /// A SYNC probe arrived.
    pub synced: bool,
    /// END arrived.
    pub ended: bool,
}

impl SubscriptionCheck {
    /// For a subscriber of `subscribed` and a publication of `count`.
    pub fn new(subscribed: &[&str], count: usize) -> SubscriptionCheck {
        let expected = expected_counts(subscribed, count);
        let seen = expected.keys().map(|k| (k.clone(), 0)).collect();
        SubscriptionCheck {
            expected,
            seen,
            synced: false,
            ended: false,
        }
    }

    /// Takes one received message.
    pub fn take(&mut self, frames: &[Vec<u8>]) {
        if frames[0] == SYNC {
            self.synced = true;
            return;
        }
        assert!(
            self.synced,
            "data before the first probe: {}",
            describe(frames)
        );
        assert!(!self.ended, "a message after END: {}", describe(frames));
        if frames[0] == END {
            self.ended = true;
            return;
        }
        assert!(
            frames.len() == 2 && frames[1].is_empty(),
            "bad message {}",
            describe(frames)
        );
        let text = std::str::from_utf8(&frames[0]).expect("topic is text");
        let topic = text.trim_end_matches(|c: char| c.is_ascii_digit());
        let seen = self
            .seen
            .get_mut(topic)
            .unwrap_or_else(|| panic!("got a topic it did not subscribe to: {text}"));
        let seq: usize = text[topic.len()..].parse().unwrap();
        assert_eq!(seq, *seen, "{topic}: sequence out of order");
        *seen += 1;
    }

    /// Asserts the counts are exact; returns how many data messages came.
    pub fn finish(&self) -> usize {
        assert!(self.ended, "no END");
        assert_eq!(self.seen, self.expected, "per-topic counts");
        self.seen.values().sum()
    }

    /// The counts as `subscriber.py` prints them in its RESULT line.
    pub fn expected_result_line(&self) -> String {
        self.expected
            .iter()
            .map(|(t, n)| format!("{t}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Sends SYNC probes on `publisher` until each Python subscriber in `subscribers` printed
/// SYNCED (its subscription has reached the publisher).
pub fn probe_until_python_synced(publisher: &zmq::Socket, subscribers: &[&Peer]) {
    let mut synced = vec![false; subscribers.len()];
    let deadline = Instant::now() + LINE_WAIT;
    while synced.contains(&false) {
        send(publisher, &[SYNC, b""], subscribers);
        for (peer, synced) in subscribers.iter().zip(synced.iter_mut()) {
            if !*synced && let Some(line) = peer.try_line(std::time::Duration::from_millis(10)) {
                assert_eq!(line, "SYNCED", "{}", peer.diagnostics());
                *synced = true;
            }
        }
        assert!(
            Instant::now() < deadline,
            "subscribers not synced within {LINE_WAIT:?}\n{}",
            peers_diagnostics(subscribers)
        );
    }
}

/// Sends SYNC probes on `publisher` until every Rust subscriber got one.
pub fn probe_until_rust_synced(
    publisher: &zmq::Socket,
    subscribers: &mut [(zmq::Socket, SubscriptionCheck)],
    peers: &[&Peer],
) {
    let deadline = Instant::now() + LINE_WAIT;
    while subscribers.iter().any(|(_, check)| !check.synced) {
        send(publisher, &[SYNC, b""], peers);
        std::thread::sleep(std::time::Duration::from_millis(10));
        for (socket, check) in subscribers.iter_mut() {
            while let Ok(frames) = socket.recv_multipart(zmq::DONTWAIT) {
                check.take(&frames);
            }
        }
        for peer in peers {
            peer.check_alive();
        }
        assert!(Instant::now() < deadline, "subscribers not synced");
    }
}

/// Receives on a Rust subscriber until END; returns the count of data messages.
pub fn drain_subscription(
    socket: &zmq::Socket,
    check: &mut SubscriptionCheck,
    peers: &[&Peer],
) -> usize {
    while !check.ended {
        check.take(&recv(socket, peers));
    }
    check.finish()
}
