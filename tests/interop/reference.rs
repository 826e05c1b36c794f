//! The reference programs (docs/architecture.md) across languages: the Rust `zmq_server` example
//! answers a Python REQ client written like the document's `zmq_client.py`, and the Rust
//! `zmq_client` example, driven through stdin as a user would, talks to a Python REP
//! server written like the document's `zmq_server.py`. Both servers are stopped with
//! Ctrl+C (SIGINT) and must shut down cleanly.
//!
//! The examples bind or connect `tcp://localhost:5555` unless `ZMQ_EXAMPLE_ADDRESS` says
//! otherwise; the tests use a free port.

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::examples::example_binary;
use common::interop::figure;
use common::pypeer::Peer;

const WATCHDOG: Duration = Duration::from_secs(120);

/// Reads stdout lines until one contains `needle`; returns the lines read.
fn read_until(peer: &Peer, needle: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = peer.line();
        let found = line.contains(needle);
        lines.push(line);
        if found {
            return lines;
        }
    }
}

/// Starts the Rust `zmq_server` on a free port (another one if the port was taken between
/// choosing and binding it); returns it waiting for requests, with its address.
fn start_rust_server() -> (Peer, String) {
    for _ in 0..5 {
        let address = format!("tcp://localhost:{}", common::free_tcp_port());
        let mut command = Command::new(example_binary("zmq_server"));
        command.env("ZMQ_EXAMPLE_ADDRESS", &address);
        let server = Peer::command(command, &format!("zmq_server on {address}"));
        match server.line_or_end(common::pypeer::LINE_WAIT) {
            Some(line) if line == format!("ZeroMQ REP server started, bound to {address}") => {
                assert_eq!(server.line(), "Waiting to receive requests...");
                return (server, address);
            }
            _ => continue, // the port was taken: try another
        }
    }
    panic!("zmq_server did not start on any of 5 free ports");
}

/// Stops a server with Ctrl+C and returns the rest of what it printed.
///
/// A SIGINT that lands just before pyzmq blocks in libzmq's `poll` is only noticed at the
/// next EINTR, which never comes (seen once in CI: the server did not exit within 30 s).
/// As a person would, press Ctrl+C again while the server has not said it is shutting
/// down; never after, so that the second one cannot cut its clean-up short.
fn interrupt(server: Peer) -> Vec<String> {
    let detected = |lines: &[String]| lines.iter().any(|l| l.starts_with("Detected Ctrl+C"));
    let mut lines = Vec::new();
    for _ in 0..6 {
        server.signal(libc::SIGINT);
        while let Some(line) = server.line_or_end(Duration::from_secs(5)) {
            lines.push(line);
            if detected(&lines) {
                break;
            }
        }
        if detected(&lines) {
            break;
        }
    }
    lines.extend(server.finish());
    lines
}

#[test]
fn rust_zmq_server_answers_python_client() {
    let _watchdog = common::watchdog(WATCHDOG);
    let (server, address) = start_rust_server();
    let mut client = Peer::python("doc_client.py", &["--connect", &address]);
    assert_eq!(
        client.line(),
        format!("ZeroMQ REQ client started, connected to {address}")
    );
    let messages = ["Hello from Python", "Grüße, ünïcode ✓"];
    for message in messages {
        client.send_line(message);
        let lines = read_until(&client, "Received reply: ");
        assert_eq!(
            lines.last().unwrap(),
            &format!("Received reply: 'Server received your message: '{message}''")
        );
        assert_eq!(client.line(), "-".repeat(20));
    }
    client.send_line("quit");
    let rest = client.finish();
    assert!(
        rest.last()
            .unwrap()
            .ends_with("Client has been safely shut down."),
        "{rest:?}"
    );
    let mut expected = Vec::new();
    for message in messages {
        expected.push(format!("Received request: '{message}'"));
        expected.push(format!(
            "Sent reply: 'Server received your message: '{message}''"
        ));
    }
    expected.push(String::new());
    expected.push("Detected Ctrl+C, shutting down the server...".to_owned());
    expected.push("Server has been safely shut down.".to_owned());
    assert_eq!(interrupt(server), expected);
    figure(
        "reference/zmq_server(rust)+zmq_client.py/tcp",
        2 * messages.len(),
    );
}

#[test]
fn rust_zmq_client_talks_to_python_server() {
    let _watchdog = common::watchdog(WATCHDOG);
    // The document's server "processes" each request for a second; 50 ms will do here.
    let server = Peer::python(
        "doc_server.py",
        &["--bind", "tcp://127.0.0.1:*", "--work", "0.05"],
    );
    let banner = server.line();
    let endpoint = banner
        .strip_prefix("ZeroMQ REP server started, bound to ")
        .expect("the server's banner")
        .to_owned();
    assert_eq!(server.line(), "Waiting to receive requests...");

    let mut command = Command::new(example_binary("zmq_client"));
    command.env("ZMQ_EXAMPLE_ADDRESS", &endpoint);
    let mut client = Peer::command(command, "zmq_client");
    let messages = ["Hello from Rust", "Grüße, ünïcode ✓"];
    for message in messages {
        client.send_line(message);
    }
    client.send_line("quit");
    let stdout = client.finish();
    let mut expected = vec![
        format!("ZeroMQ REQ client started, connected to {endpoint}"),
        "You can enter messages to send to the server, type 'quit' to exit.".to_owned(),
    ];
    for message in messages {
        expected.push(format!("Enter message: Sending request: '{message}'"));
        expected.push(format!(
            "Received reply: 'Server received your message: '{message}''"
        ));
        expected.push("-".repeat(20));
    }
    expected.push("Enter message: Client has been safely shut down.".to_owned());
    assert_eq!(stdout, expected);

    let mut served = Vec::new();
    for message in messages {
        served.push(format!("Received request: '{message}'"));
        served.push(format!(
            "Sent reply: 'Server received your message: '{message}''"
        ));
    }
    served.push(String::new());
    served.push("Detected Ctrl+C, shutting down the server...".to_owned());
    served.push("Server has been safely shut down.".to_owned());
    assert_eq!(interrupt(server), served);
    figure(
        "reference/zmq_client(rust)+zmq_server.py/tcp",
        2 * messages.len(),
    );
}
