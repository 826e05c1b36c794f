//! The `zmqcat` example against pyzmq peers, run as a user would: a separate process,
//! driven by its arguments and stdin, read through its stdout, stderr and exit status.
//!
//! The test builds the example first (`cargo build --example zmqcat`, with this test's
//! features and profile: a no-op when `cargo test` has built the examples already).

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use common::interop::figure;
use common::pypeer::{Peer, fields};

const WATCHDOG: Duration = Duration::from_secs(240);

/// The zmqcat binary, built once per test run.
fn zmqcat() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| common::examples::example_binary("zmqcat"))
}

/// Runs zmqcat to completion with `args` (it must bound itself with `--timeout`).
fn run_zmqcat(args: &[&str]) -> (i32, Vec<String>, String) {
    let peer = Peer::program(zmqcat(), args);
    let (status, lines, stderr) = peer.wait_output();
    assert!(
        !stderr.contains("panicked"),
        "zmqcat panicked with {args:?}:\n{stderr}"
    );
    (status.code().expect("zmqcat exited"), lines, stderr)
}

/// A Python REP echo server with `extra` options; returns it, its endpoint and its
/// CURVE key (with `--curve-server`).
fn python_server(kind: &str, extra: &[&str]) -> (Peer, String, Option<String>) {
    let mut args = vec!["--type", kind, "--bind", "tcp://127.0.0.1:*"];
    args.extend_from_slice(extra);
    let server = Peer::python("echo.py", &args);
    let key = extra
        .contains(&"--curve-server")
        .then(|| server.expect("SERVERKEY"));
    let endpoint = server.endpoint();
    server.expect("READY");
    (server, endpoint, key)
}

fn stop_server(mut server: Peer) -> usize {
    server.send_line("STOP");
    let done = fields(&server.expect("DONE"));
    server.finish();
    done["echoed"].parse().unwrap()
}

/// REQ with --msg: multipart messages (an empty frame, binary frames written in hex)
/// through a Python REP, printed back the same way.
#[test]
fn zmqcat_req_through_python_rep() {
    let _watchdog = common::watchdog(WATCHDOG);
    let (server, endpoint, _) = python_server("REP", &[]);
    let messages = ["hello|", "a||b", "0xff00fe|text", "plain"];
    let mut args = vec!["req", "-c", &endpoint, "-s", "|", "-x", "-t", "20"];
    for m in &messages {
        args.extend(["-m", m]);
    }
    let (code, lines, stderr) = run_zmqcat(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines, messages);
    assert_eq!(stop_server(server), messages.len());
    figure("zmqcat/req/tcp/python-binds", 2 * messages.len());
}

/// REP bound on an ephemeral port (reported on stderr) answers a Python REQ.
#[test]
fn zmqcat_rep_answers_python_req() {
    let _watchdog = common::watchdog(WATCHDOG);
    let cat = Peer::program(
        zmqcat(),
        &["rep", "-b", "tcp://127.0.0.1:*", "-n", "2", "-t", "20"],
    );
    let endpoint = cat.stderr_line("zmqcat: bound to ");
    let mut client = Peer::python(
        "client.py",
        &["--type", "REQ", "--connect", &endpoint, "--interactive"],
    );
    client.expect("READY");
    for text in ["first request", "second request"] {
        client.send_line(&format!("ECHO {text}"));
        assert_eq!(client.expect("ECHOED"), text);
    }
    client.send_line("STOP");
    client.expect("DONE");
    client.finish();
    let (status, lines, stderr) = cat.wait_output();
    assert!(status.success(), "{stderr}");
    assert_eq!(lines, ["first request", "second request"]);
    figure("zmqcat/rep/tcp/zmqcat-binds", 4);
}

/// SUB with two topic prefixes against a Python XPUB that publishes once both
/// subscriptions have arrived: only those topics, in order, exactly.
#[test]
fn zmqcat_sub_gets_only_its_topics() {
    let _watchdog = common::watchdog(WATCHDOG);
    let publisher = Peer::python(
        "publisher.py",
        &[
            "--type",
            "XPUB",
            "--bind",
            "tcp://127.0.0.1:*",
            "--count",
            "100",
            "--wait-subscriptions",
            "2",
        ],
    );
    let endpoint = publisher.endpoint();
    publisher.expect("READY");
    let (code, lines, stderr) = run_zmqcat(&[
        "sub", "-c", &endpoint, "-S", "alpha.", "-S", "beta.", "-n", "50", "-t", "20",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(publisher.expect("SUBSCRIBED"), "alpha.,beta.");
    publisher.expect("DONE");
    publisher.finish();
    let mut expected = Vec::new();
    for seq in 0..25 {
        expected.push(format!("alpha.{seq}|"));
        expected.push(format!("beta.{seq}|"));
    }
    assert_eq!(lines, expected);
    figure("zmqcat/sub/tcp/python-xpub-binds", 100 + 50);
}

/// PAIR sending the lines of its stdin (split into frames) through a Python PAIR echo.
#[test]
fn zmqcat_pair_sends_stdin_lines() {
    let _watchdog = common::watchdog(WATCHDOG);
    let (server, endpoint, _) = python_server("PAIR", &[]);
    let mut cat = Peer::program(
        zmqcat(),
        &["pair", "-c", &endpoint, "-s", "|", "-n", "3", "-t", "20"],
    );
    for line in ["one", "two|2", "three||"] {
        cat.send_line(line);
    }
    cat.close_stdin();
    let (status, lines, stderr) = cat.wait_output();
    assert!(status.success(), "{stderr}");
    assert_eq!(lines, ["one", "two|2", "three||"]);
    assert_eq!(stop_server(server), 3);
    figure("zmqcat/pair/tcp/python-binds", 6);
}

/// A CURVE client of a Python CURVE server; with the wrong server key nothing comes back
/// and zmqcat says so (status 1).
#[test]
fn zmqcat_curve_client() {
    let _watchdog = common::watchdog(WATCHDOG);
    let (server, endpoint, key) =
        python_server("REP", &["--curve-server", "--auth", "--auth-any-key"]);
    let key = key.unwrap();
    let right = format!("--curve-serverkey={key}");
    let (code, lines, stderr) =
        run_zmqcat(&["req", "-c", &endpoint, &right, "-m", "secret", "-t", "20"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines, ["secret"]);
    assert!(stderr.contains("zmqcat: CURVE public key "), "{stderr}");

    let wrong = zmq::CurveKeyPair::new().unwrap().public_key_z85();
    let wrong = format!("--curve-serverkey={wrong}");
    let (code, lines, stderr) =
        run_zmqcat(&["req", "-c", &endpoint, &wrong, "-m", "secret", "-t", "0.5"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(lines.is_empty());
    assert!(stderr.contains("no reply within"), "{stderr}");
    assert_eq!(stop_server(server), 1);
    figure("zmqcat/curve/tcp/python-binds", 2);
}

/// PLAIN with the right and a wrong password, against a pyzmq ThreadAuthenticator.
#[test]
fn zmqcat_plain_client() {
    let _watchdog = common::watchdog(WATCHDOG);
    let (server, endpoint, _) = python_server(
        "REP",
        &[
            "--plain-server",
            "--auth",
            "--auth-password",
            "admin:s3cret",
        ],
    );
    let base = ["req", "-c", &endpoint, "--plain-user", "admin", "-m", "hi"];
    let (code, lines, stderr) =
        run_zmqcat(&[&base[..], &["--plain-password", "s3cret", "-t", "20"]].concat());
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines, ["hi"]);
    let (code, lines, stderr) =
        run_zmqcat(&[&base[..], &["--plain-password", "guess", "-t", "0.5"]].concat());
    assert_eq!(code, 1, "{stderr}");
    assert!(lines.is_empty());
    assert_eq!(stop_server(server), 1);
    figure("zmqcat/plain/tcp/python-binds", 2);
}

/// Bad command lines and bad endpoints: a clear message and status 2, never a panic.
#[test]
fn zmqcat_rejects_bad_command_lines() {
    let _watchdog = common::watchdog(WATCHDOG);
    let cases: &[(&[&str], &str)] = &[
        (&[], "no socket type given"),
        (
            &["frob", "-c", "tcp://127.0.0.1:1"],
            "unknown socket type \"frob\"",
        ),
        (&["req"], "give at least one --bind or --connect"),
        (
            &["req", "-c", "tcp://127.0.0.1:1", "--frob"],
            "unknown option \"--frob\"",
        ),
        (&["req", "-c"], "-c needs a value"),
        (
            &["sub", "-c", "tcp://127.0.0.1:1", "-n", "x"],
            "-n expects a number",
        ),
        (
            &["sub", "-c", "tcp://127.0.0.1:1", "-t", "-1"],
            "--timeout expects",
        ),
        (
            &["pull", "-c", "tcp://127.0.0.1:1", "-m", "x"],
            "cannot send --msg",
        ),
        (
            &["req", "-c", "tcp://127.0.0.1:1", "-S", "a"],
            "--subscribe is for sub",
        ),
        (
            &[
                "req",
                "-c",
                "tcp://127.0.0.1:1",
                "--curve-serverkey",
                "short",
            ],
            "40 Z85 characters",
        ),
        (
            &["req", "-c", "invalid://x"],
            "cannot connect to \"invalid://x\"",
        ),
        (&["req", "-c", "tcp://in val id:1234"], "cannot connect to"),
        (
            &["req", "-c", "tcp://localhost:invalid"],
            "cannot connect to",
        ),
        (
            &["rep", "-b", "ipc:///nonexistent-dir/x.ipc"],
            "does not exist",
        ),
    ];
    for (args, message) in cases {
        let (code, lines, stderr) = run_zmqcat(args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(lines.is_empty(), "{args:?}: {lines:?}");
        assert!(
            stderr.starts_with("zmqcat: ") && stderr.contains(message),
            "{args:?}: expected {message:?} in {stderr:?}"
        );
    }
    let (code, lines, _) = run_zmqcat(&["--help"]);
    assert_eq!(code, 0);
    assert!(lines[0].starts_with("zmqcat - "), "{lines:?}");
}
