//! The command-line tools (`curve_cert`, `zmqcat`, and the examples that take arguments) as a
//! user runs them: `--help` exits 0, the documented exit statuses hold, `curve_cert` never
//! replaces a key pair without `--force` and never prints a secret key, and `zmqcat` says what
//! it waits for.
//! Every run is bounded by `--timeout` or ends by itself; a watchdog catches hangs.

use crate::common;

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use zmq::auth::Certificate;
use zmq::auth::cert::secret_path;

const LIMIT: Duration = Duration::from_secs(120);

/// The binary of the tool or example `name`, built once per test run.
fn tool(name: &'static str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<&'static str, PathBuf>>> = OnceLock::new();
    let built = BUILT.get_or_init(Mutex::default);
    if let Some(path) = built.lock().unwrap().get(name) {
        return path.clone();
    }
    // Built outside the lock: cargo serializes concurrent builds itself.
    let path = common::examples::example_binary(name);
    assert!(
        path.file_name().is_some_and(|file| file == name),
        "{name}: got {}",
        path.display()
    );
    built.lock().unwrap().insert(name, path.clone());
    path
}

fn run(name: &'static str, args: &[&str]) -> Output {
    Command::new(tool(name))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the tool")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_exits_0_for_the_tools_and_the_examples_that_take_arguments() {
    let _dog = common::watchdog(LIMIT);
    let mut cases = vec![
        ("curve_cert", &["--help"][..]),
        ("curve_cert", &["-h"][..]),
        ("curve_cert", &["new", "--help"][..]),
        ("zmqcat", &["--help"][..]),
        ("zmqcat", &["-h"][..]),
        ("lazy_pirate", &["--help"][..]),
    ];
    if cfg!(feature = "tokio") {
        cases.extend([("async_thr", &["--help"][..]), ("async_cost", &["-h"][..])]);
    }
    for (name, args) in cases {
        let out = run(name, args);
        assert_eq!(out.status.code(), Some(0), "{name} {args:?}: {out:?}");
        assert!(text(&out.stdout).contains("usage") || text(&out.stdout).contains("USAGE"));
    }
}

#[test]
fn bad_command_lines_exit_2() {
    let _dog = common::watchdog(LIMIT);
    for (name, args) in [
        ("curve_cert", &[][..]),
        ("curve_cert", &["new"][..]),
        ("curve_cert", &["frobnicate", "x"][..]),
        ("zmqcat", &[][..]),
        ("zmqcat", &["req"][..]),
        ("zmqcat", &["nosuchtype", "-c", "tcp://127.0.0.1:5555"][..]),
        (
            "zmqcat",
            &["req", "-c", "tcp://127.0.0.1:99999", "-m", "hi"][..],
        ),
        ("lazy_pirate", &["frobnicate"][..]),
    ]
    .into_iter()
    .chain(
        cfg!(feature = "tokio")
            .then_some([
                ("async_thr", &["--count", "lots"][..]),
                ("async_thr", &["--transport"][..]),
                ("async_cost", &["lots"][..]),
            ])
            .into_iter()
            .flatten(),
    ) {
        let out = run(name, args);
        assert_eq!(out.status.code(), Some(2), "{name} {args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{name} {args:?} says nothing");
    }
}

#[test]
fn curve_cert_refuses_to_replace_a_key_pair_without_force() {
    let _dog = common::watchdog(LIMIT);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.key");
    let path_str = path.to_str().unwrap();
    let first = run("curve_cert", &["new", path_str, "name=first"]);
    assert!(first.status.success(), "{first:?}");
    let secret_before = std::fs::read(secret_path(&path)).unwrap();
    let public_before = std::fs::read(&path).unwrap();

    let again = run("curve_cert", &["new", path_str, "name=second"]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    let stderr = text(&again.stderr);
    assert!(
        stderr.contains("--force") && stderr.contains("exists"),
        "{stderr}"
    );
    assert!(again.stdout.is_empty());
    assert_eq!(std::fs::read(secret_path(&path)).unwrap(), secret_before);
    assert_eq!(std::fs::read(&path).unwrap(), public_before);

    // Only the secret file left: still refused.
    std::fs::remove_file(&path).unwrap();
    let again = run("curve_cert", &["new", path_str]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
    assert_eq!(std::fs::read(secret_path(&path)).unwrap(), secret_before);

    let forced = run("curve_cert", &["new", "--force", path_str, "name=second"]);
    assert!(forced.status.success(), "{forced:?}");
    assert_ne!(std::fs::read(secret_path(&path)).unwrap(), secret_before);
    let cert = Certificate::load(secret_path(&path)).unwrap();
    assert_eq!(cert.metadata("name"), Some("second"));
}

#[test]
fn curve_cert_never_prints_the_secret_key() {
    let _dog = common::watchdog(LIMIT);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.key");
    let made = run("curve_cert", &["new", path.to_str().unwrap()]);
    assert!(made.status.success(), "{made:?}");
    let cert = Certificate::load(secret_path(&path)).unwrap();
    let secret = cert.secret_key().unwrap().to_z85();
    let shown = run(
        "curve_cert",
        &["show", "--secret", secret_path(&path).to_str().unwrap()],
    );
    assert!(shown.status.success(), "{shown:?}");
    for out in [&made, &shown] {
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(&secret), "the secret key was printed: {all}");
        assert!(all.contains(&cert.public_key_z85()), "{all}");
        assert!(
            all.contains("secret-key: (hidden; matches the public key)"),
            "{all}"
        );
    }
}

#[test]
fn zmqcat_bad_hex_frame_exits_2() {
    let _dog = common::watchdog(LIMIT);
    let port = common::free_tcp_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    for bad in ["0xzz", "0x123", "a|0xg0"] {
        let args = [
            "push", "-c", &endpoint, "-x", "-s", "|", "-m", bad, "-t", "5",
        ];
        let out = run("zmqcat", &args);
        assert_eq!(out.status.code(), Some(2), "{bad}: {out:?}");
        assert!(text(&out.stderr).contains("bad hex frame"), "{out:?}");
        // From stdin too.
        let args = ["push", "-c", &endpoint, "-x", "-s", "|", "-t", "5"];
        let out = run_with_closed_stdin("zmqcat", &args, &format!("{bad}\n"), LIMIT);
        assert_eq!(out.status.code(), Some(2), "stdin {bad}: {out:?}");
    }
}

#[test]
fn zmqcat_says_what_it_waits_for() {
    let _dog = common::watchdog(LIMIT);
    // Nothing listens there: the request is queued and no reply ever comes. The notice
    // is due after one second of waiting, before --timeout (3 s) ends the run.
    let port = common::free_tcp_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let out = run("zmqcat", &["req", "-c", &endpoint, "-m", "hi", "-t", "3"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("waiting for a reply"), "{stderr}");
    assert!(stderr.contains(&endpoint), "{stderr}");
    assert_eq!(
        stderr.matches("waiting for").count(),
        1,
        "said once: {stderr}"
    );

    // A PUSH bound with no peer: waiting to send.
    let out = run(
        "zmqcat",
        &["push", "-b", "tcp://127.0.0.1:*", "-m", "x", "-t", "3"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(text(&out.stderr).contains("waiting for a peer"), "{out:?}");

    // A PULL with nobody sending: waiting for messages.
    let out = run("zmqcat", &["pull", "-b", "tcp://127.0.0.1:*", "-t", "3"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out.stderr).contains("waiting for messages"),
        "{out:?}"
    );
}

#[test]
fn zmqcat_quiet_says_nothing_while_waiting() {
    let _dog = common::watchdog(LIMIT);
    let port = common::free_tcp_port();
    let endpoint = format!("tcp://127.0.0.1:{port}");
    let out = run(
        "zmqcat",
        &["req", "-q", "-c", &endpoint, "-m", "hi", "-t", "2"],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!text(&out.stderr).contains("waiting for"), "{out:?}");
}

/// Runs a tool with `input` on a pipe that is then closed, killing it by its PID if it
/// has not ended within `limit`.
fn run_with_closed_stdin(
    name: &'static str,
    args: &[&str],
    input: &str,
    limit: Duration,
) -> Output {
    let mut child = Command::new(tool(name))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tool");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input.as_bytes()).unwrap();
    drop(stdin);
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!("{name} {args:?} did not end within {limit:?}: {out:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// `echo hello | zmqcat req -c ...` ends after the reply: a pipe whose writer has gone
/// reports only POLLHUP (libzmq's POLLERR), and zmqcat took it for "not ready" and spun.
#[test]
fn zmqcat_ends_when_piped_input_ends() {
    let _dog = common::watchdog(LIMIT);
    // Built first: the server's receive below must not time out while cargo builds it.
    tool("zmqcat");
    let ctx = zmq::Context::new();
    let rep = common::socket(&ctx, zmq::REP);
    let endpoint = common::bind_tcp(&rep);
    let server = std::thread::spawn(move || {
        let request = rep.recv_bytes(0).unwrap();
        rep.send("world", 0).unwrap();
        request
    });
    let out = run_with_closed_stdin(
        "zmqcat",
        &["req", "-c", &endpoint, "-q"],
        "hello\n",
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(text(&out.stdout).trim(), "world");
    assert_eq!(server.join().unwrap(), b"hello");

    let pull = common::socket(&ctx, zmq::PULL);
    let endpoint = common::bind_tcp(&pull);
    let out = run_with_closed_stdin(
        "zmqcat",
        &["push", "-c", &endpoint, "-q"],
        "one\ntwo\n",
        Duration::from_secs(20),
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(pull.recv_bytes(0).unwrap(), b"one");
    assert_eq!(pull.recv_bytes(0).unwrap(), b"two");
}

/// Waits too long for a clock are refused (a huge --timeout panicked), and a --delay says
/// what it waits for after a second.
#[test]
fn zmqcat_bounds_its_waits_and_says_when_it_delays() {
    let _dog = common::watchdog(LIMIT);
    for args in [
        &["pull", "-b", "tcp://127.0.0.1:*", "-t", "1e300"][..],
        &[
            "pull",
            "-b",
            "tcp://127.0.0.1:*",
            "--delay",
            "18446744073709551615",
        ],
    ] {
        let out = run("zmqcat", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }
    let ctx = zmq::Context::new();
    let pull = common::socket(&ctx, zmq::PULL);
    let endpoint = common::bind_tcp(&pull);
    let out = run(
        "zmqcat",
        &["push", "-c", &endpoint, "-m", "late", "--delay", "1500"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(text(&out.stderr).contains("--delay"), "{out:?}");
    assert_eq!(pull.recv_bytes(0).unwrap(), b"late");
}
