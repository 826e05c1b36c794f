//! Interop of the security mechanisms with pyzmq peers.
//!
//! - CURVE, keys generated on each side and exchanged as Z85 text: a Rust server with a
//!   Python client, and a Python server with a Rust client (tcp and ipc).
//! - A CURVE client with the wrong server key gets nothing through, in both roles; the
//!   server's monitor reports the cryptographic failure.
//! - A pyzmq `ThreadAuthenticator` guards a Python server, with a Rust client allowed
//!   (its CURVE key is on the list; the right PLAIN password; an allowed address) and
//!   denied (an unknown key; a wrong password; a denied address: ZAP status 400).
//! - The crate's authenticator (`zmq::auth::Authenticator`) guards a Rust server, with
//!   Python clients allowed (the client's CURVE key, sent as Z85, is on the list; the
//!   right PLAIN password — `User-Id` carries the key or the user name) and denied (an
//!   unknown key; a wrong password: ZAP status 400).

use crate::common;

use std::time::Duration;

use common::Transport::{self, Ipc, Tcp};
use common::interop::{Suite, figure, python_bind_endpoint, run_client, serve};
use common::pypeer::{LINE_WAIT, Peer, fields, wait_until};
use zmq::CurveKeyPair;
use zmq::auth::{Authenticator, CurveKeys};
use zmq::monitor::{Event, Events, Monitor, ProtocolError};

const WATCHDOG: Duration = Duration::from_secs(120);

fn suite() -> Suite {
    Suite {
        payloads: true,
        echo: 200,
        window: 1,
        stream: 0,
        identity: None,
    }
}

/// Every handshake event, to see which way a handshake went.
fn handshake_events() -> Events {
    Events::HANDSHAKE_SUCCEEDED
        | Events::HANDSHAKE_FAILED_AUTH
        | Events::HANDSHAKE_FAILED_PROTOCOL
        | Events::HANDSHAKE_FAILED_NO_DETAIL
}

/// The first handshake outcome the monitor reports.
fn handshake_outcome(monitor: &Monitor) -> Event {
    common::wait_for_event(monitor, |_| true).event
}

/// A Z85 key from a peer's line, decoded (and so checked) to 32 bytes.
fn decode_key(z85: &str) -> Vec<u8> {
    let key = zmq::z85_decode(z85).expect("a Z85 key");
    assert_eq!(key.len(), 32, "CURVE keys are 32 bytes");
    key
}

/// A Python REP server started with `args`; returns it with the endpoint (and its CURVE
/// public key when it is a CURVE server).
fn python_server(
    transport: Transport,
    endpoints: &common::Endpoints,
    args: &[&str],
) -> (Peer, String, Option<Vec<u8>>) {
    let bind = python_bind_endpoint(transport, endpoints);
    let mut all = vec!["--type", "REP", "--bind", &bind];
    all.extend_from_slice(args);
    let server = Peer::python("echo.py", &all);
    let key = args
        .contains(&"--curve-server")
        .then(|| decode_key(&server.expect_skipping("SERVERKEY")));
    // With --monitor, EVENT lines come in between: skip them.
    let endpoint = server.expect_skipping("ENDPOINT");
    server.expect_skipping("READY");
    (server, endpoint, key)
}

/// The Rust client runs the suite through the Python server, which then reports.
fn expect_conversation(client: &zmq::Socket, server: Peer) {
    run_client(client, &suite(), &[&server]);
    let done = fields(&server.expect_skipping("DONE"));
    server.finish();
    assert_eq!(done["echoed"], suite().messages().to_string());
}

/// Asserts that nothing arrives on `socket` within the negative window.
fn assert_silent(socket: &zmq::Socket, what: &str) {
    let window = common::NEGATIVE_WAIT.as_millis() as i64;
    assert_eq!(socket.poll(zmq::POLLIN, window).unwrap(), 0, "{what}");
}

/// The Rust client is refused: its monitor saw `outcome`, nothing comes back, and the
/// Python server (stopped through stdin) received nothing.
fn expect_refusal(client: &zmq::Socket, monitor: &Monitor, mut server: Peer) -> Event {
    client.send("let me in", 0).unwrap();
    let outcome = handshake_outcome(monitor);
    assert_silent(client, "a reply came through");
    server.send_line("STOP");
    let done = fields(&server.expect_skipping("DONE"));
    server.finish();
    assert_eq!(done["echoed"], "0", "the server received something");
    outcome
}

/// A Python client (`client.py --expect-nothing`) is refused by a Rust server: the
/// server's monitor reports `outcome`, the server receives nothing, the client gets
/// nothing back.
fn expect_python_client_refused(
    server: &zmq::Socket,
    monitor: &Monitor,
    mut client: Peer,
    outcome: Event,
) {
    assert_eq!(handshake_outcome(monitor), outcome);
    assert_silent(server, "the request came through");
    client.send_line("CHECK");
    client.expect("NOTHING");
    client.finish();
}

// ---- CURVE, Rust server ----------------------------------------------------------

fn curve_rust_server(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let server_keys = CurveKeyPair::new().unwrap();
    let server = common::socket(&ctx, zmq::REP);
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&server_keys.secret_key).unwrap();
    let monitor = Monitor::new(&server, handshake_events()).unwrap();
    let endpoint = endpoints.bind(&server, transport);
    let mut args = vec![
        "--type".to_owned(),
        "REQ".to_owned(),
        "--connect".to_owned(),
        endpoint,
        // `=` keeps argparse from taking a key that starts with `-` for an option.
        format!("--curve-serverkey={}", server_keys.public_key_z85()),
    ];
    args.extend(suite().python_args());
    let client = Peer::python("client.py", &args);
    decode_key(&client.expect("CLIENTKEY"));
    client.expect("READY");
    let stats = serve(&server, 1, false, &[&client]);
    assert_eq!(handshake_outcome(&monitor), Event::HandshakeSucceeded);
    assert_eq!(server.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_CURVE);
    let done = fields(&client.expect("DONE"));
    client.finish();
    assert_eq!(stats.echoed, suite().messages());
    assert_eq!(done["received"], suite().messages().to_string());
    figure(cell, 2 * suite().messages());
}

#[test]
fn curve_rust_server_python_client_tcp() {
    curve_rust_server("curve/tcp/rust-server-binds", Tcp);
}

#[test]
fn curve_rust_server_python_client_ipc() {
    curve_rust_server("curve/ipc/rust-server-binds", Ipc);
}

/// A Python client with the wrong server key: the Rust server's monitor reports a
/// cryptographic failure and nothing gets through either way.
#[test]
fn curve_python_client_with_wrong_server_key_gets_nothing() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let server_keys = CurveKeyPair::new().unwrap();
    let other_keys = CurveKeyPair::new().unwrap();
    let server = common::socket(&ctx, zmq::REP);
    server.set_curve_server(true).unwrap();
    server.set_curve_secretkey(&server_keys.secret_key).unwrap();
    let monitor = Monitor::new(&server, handshake_events()).unwrap();
    let endpoint = common::bind_tcp(&server);
    let client = Peer::python(
        "client.py",
        &[
            "--connect",
            &endpoint,
            &format!("--curve-serverkey={}", other_keys.public_key_z85()),
            "--expect-nothing",
        ],
    );
    client.expect("CLIENTKEY");
    let outcome = Event::HandshakeFailedProtocol {
        error: ProtocolError::ZmtpCryptographic,
    };
    expect_python_client_refused(&server, &monitor, client, outcome);
    figure("curve/tcp/wrong-server-key/python-client", 0);
}

// ---- Python servers guarded by a pyzmq ThreadAuthenticator, Rust clients -------------

/// What the authenticator should decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The whole suite goes through.
    Allowed,
    /// ZAP status 400, and nothing gets through either way.
    Denied,
}

/// Starts a Python REP server with `server_args` over `transport`, connects a Rust client
/// made by `make_client` (given the server's CURVE public key, if it has one) and checks
/// the authenticator's decision.
fn guarded_python_server(
    cell: &str,
    transport: Transport,
    server_args: &[&str],
    make_client: impl FnOnce(&zmq::Context, Option<&[u8]>) -> zmq::Socket,
    expect: Expect,
) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let mut args = vec!["--auth"];
    args.extend_from_slice(server_args);
    let (server, endpoint, server_key) = python_server(transport, &endpoints, &args);
    let client = make_client(&ctx, server_key.as_deref());
    let monitor = Monitor::new(&client, handshake_events()).unwrap();
    client.connect(&endpoint).unwrap();
    match expect {
        Expect::Allowed => {
            expect_conversation(&client, server);
            assert_eq!(handshake_outcome(&monitor), Event::HandshakeSucceeded);
            figure(cell, 2 * suite().messages());
        }
        Expect::Denied => {
            let outcome = expect_refusal(&client, &monitor, server);
            assert_eq!(outcome, Event::HandshakeFailedAuth { status: 400 });
            figure(cell, 0);
        }
    }
}

/// A Rust CURVE client with the key pair `keys`.
fn curve_client_with(
    keys: &CurveKeyPair,
) -> impl FnOnce(&zmq::Context, Option<&[u8]>) -> zmq::Socket + '_ {
    move |ctx, server_key| {
        let client = common::socket(ctx, zmq::REQ);
        client
            .set_curve_serverkey(server_key.expect("a CURVE server"))
            .unwrap();
        client.set_curve_publickey(&keys.public_key).unwrap();
        client.set_curve_secretkey(&keys.secret_key).unwrap();
        client
    }
}

/// A Rust PLAIN client.
fn plain_client<'a>(
    user: &'a str,
    password: &'a str,
) -> impl FnOnce(&zmq::Context, Option<&[u8]>) -> zmq::Socket + 'a {
    move |ctx, _| {
        let client = common::socket(ctx, zmq::REQ);
        client.set_plain_username(Some(user)).unwrap();
        client.set_plain_password(Some(password)).unwrap();
        client
    }
}

/// CURVE with the Rust client's key (sent as Z85) on the authenticator's list.
fn curve_python_server(cell: &str, transport: Transport) {
    let keys = CurveKeyPair::new().unwrap();
    let allow = format!("--auth-allow-key={}", keys.public_key_z85());
    let args = ["--curve-server", allow.as_str()];
    guarded_python_server(
        cell,
        transport,
        &args,
        curve_client_with(&keys),
        Expect::Allowed,
    );
}

#[test]
fn curve_python_server_rust_client_allowed_tcp() {
    curve_python_server("curve/tcp/python-server-binds+auth", Tcp);
}

#[test]
fn curve_python_server_rust_client_allowed_ipc() {
    curve_python_server("curve/ipc/python-server-binds+auth", Ipc);
}

/// A Rust client whose key the authenticator does not know is denied.
#[test]
fn curve_python_authenticator_denies_unknown_rust_key() {
    let listed = CurveKeyPair::new().unwrap();
    let unlisted = CurveKeyPair::new().unwrap();
    let allow = format!("--auth-allow-key={}", listed.public_key_z85());
    guarded_python_server(
        "curve/tcp/unknown-key",
        Tcp,
        &["--curve-server", &allow],
        curve_client_with(&unlisted),
        Expect::Denied,
    );
}

/// A denied address is refused even with a key the authenticator would accept.
#[test]
fn curve_python_authenticator_denies_address() {
    let keys = CurveKeyPair::new().unwrap();
    guarded_python_server(
        "curve/tcp/denied-address",
        Tcp,
        &[
            "--curve-server",
            "--auth-any-key",
            "--auth-deny-ip",
            "127.0.0.1",
        ],
        curve_client_with(&keys),
        Expect::Denied,
    );
}

/// The right PLAIN password from an allowed address gets in.
#[test]
fn plain_python_authenticator_allows_right_password() {
    guarded_python_server(
        "plain/tcp/python-server-binds+auth",
        Tcp,
        &[
            "--plain-server",
            "--auth-password",
            "admin:s3cret",
            "--auth-allow-ip",
            "127.0.0.1",
        ],
        plain_client("admin", "s3cret"),
        Expect::Allowed,
    );
}

/// A wrong PLAIN password is denied.
#[test]
fn plain_python_authenticator_denies_wrong_password() {
    guarded_python_server(
        "plain/tcp/wrong-password",
        Tcp,
        &["--plain-server", "--auth-password", "admin:s3cret"],
        plain_client("admin", "guess"),
        Expect::Denied,
    );
}

/// A Rust client with the wrong server key gets nothing through; the Python server's
/// monitor reports the cryptographic failure (its authenticator would let any key in).
#[test]
fn curve_rust_client_with_wrong_server_key_gets_nothing() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let (server, endpoint, _server_key) = python_server(
        Tcp,
        &endpoints,
        &["--curve-server", "--auth", "--auth-any-key", "--monitor"],
    );
    let wrong = CurveKeyPair::new().unwrap();
    let keys = CurveKeyPair::new().unwrap();
    let client = curve_client_with(&keys)(&ctx, Some(&wrong.public_key));
    let monitor = Monitor::new(&client, Events::HANDSHAKE_SUCCEEDED).unwrap();
    client.connect(&endpoint).unwrap();
    client.send("let me in", 0).unwrap();
    let failure = server.expect_skipping("EVENT HANDSHAKE_FAILED_PROTOCOL");
    let code: u32 = failure.split_whitespace().next().unwrap().parse().unwrap();
    assert_eq!(code, zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC);
    assert_silent(&client, "a reply came through");
    assert!(
        monitor.try_recv().unwrap().is_none(),
        "the client saw a successful handshake"
    );
    let mut server = server;
    server.send_line("STOP");
    let done = fields(&server.expect_skipping("DONE"));
    server.finish();
    assert_eq!(done["echoed"], "0");
}

// ---- Rust servers guarded by the crate's authenticator (zmq::auth), Python clients ---

/// A Rust REP server of `mechanism` guarded by a started [`Authenticator`], with a monitor;
/// returns the server, its monitor, its endpoint and (CURVE) its key pair.
fn guarded_rust_server(
    ctx: &zmq::Context,
    transport: Transport,
    endpoints: &common::Endpoints,
    curve: bool,
) -> (zmq::Socket, Monitor, String, Option<CurveKeyPair>) {
    let server = common::socket(ctx, zmq::REP);
    let keys = curve.then(|| CurveKeyPair::new().unwrap());
    match &keys {
        Some(keys) => {
            server.set_curve_server(true).unwrap();
            server.set_curve_secretkey(&keys.secret_key).unwrap();
        }
        None => server.set_plain_server(true).unwrap(),
    }
    let monitor = Monitor::new(&server, handshake_events()).unwrap();
    let endpoint = endpoints.bind(&server, transport);
    (server, monitor, endpoint, keys)
}

/// Echoes `texts` for an interactive Python client, checking the `User-Id` the
/// authenticator gave each request.
fn echo_checking_user(server: &zmq::Socket, client: &mut Peer, texts: &[&str], user_id: &[u8]) {
    for text in texts {
        client.send_line(&format!("ECHO {text}"));
        assert!(
            wait_until(&[client], LINE_WAIT, || {
                server.poll(zmq::POLLIN, 10).unwrap() > 0
            }),
            "no request came"
        );
        let msg = server.recv_msg(0).unwrap();
        assert_eq!(&msg[..], text.as_bytes());
        assert_eq!(msg.user_id(), Some(user_id), "User-Id of the request");
        server.send(&msg[..], 0).unwrap();
        assert_eq!(client.expect("ECHOED"), *text);
    }
}

/// CURVE: the Python client's key, sent to the Rust side as Z85, is the only one our
/// authenticator allows; its requests carry it as `User-Id`.
fn curve_rust_authenticator(cell: &str, transport: Transport) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let auth = Authenticator::start(&ctx).unwrap();
    let (server, monitor, endpoint, keys) = guarded_rust_server(&ctx, transport, &endpoints, true);
    let server_key = format!("--curve-serverkey={}", keys.unwrap().public_key_z85());
    let mut client = Peer::python(
        "client.py",
        &[
            "--connect",
            &endpoint,
            &server_key,
            "--wait-go",
            "--interactive",
        ],
    );
    let client_key = client.expect("CLIENTKEY");
    auth.configure_curve("*", CurveKeys::from_z85([&client_key]).unwrap())
        .unwrap();
    client.send_line("GO");
    client.expect("READY");
    let texts = ["over CURVE", "checked by zmq::auth"];
    echo_checking_user(&server, &mut client, &texts, client_key.as_bytes());
    assert_eq!(handshake_outcome(&monitor), Event::HandshakeSucceeded);
    client.send_line("STOP");
    client.expect("DONE");
    client.finish();
    figure(cell, 2 * texts.len());
}

#[test]
fn curve_rust_authenticator_allows_python_key_tcp() {
    curve_rust_authenticator("curve/tcp/rust-server-binds+zmq::auth", Tcp);
}

#[test]
fn curve_rust_authenticator_allows_python_key_ipc() {
    curve_rust_authenticator("curve/ipc/rust-server-binds+zmq::auth", Ipc);
}

/// A Python CURVE client whose key is not on our authenticator's list is refused.
#[test]
fn curve_rust_authenticator_denies_unknown_python_key() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let auth = Authenticator::start(&ctx).unwrap();
    let listed = CurveKeyPair::new().unwrap();
    auth.configure_curve("*", CurveKeys::Keys(vec![listed.public_key]))
        .unwrap();
    let (server, monitor, endpoint, keys) = guarded_rust_server(&ctx, Tcp, &endpoints, true);
    let server_key = format!("--curve-serverkey={}", keys.unwrap().public_key_z85());
    let client = Peer::python(
        "client.py",
        &["--connect", &endpoint, &server_key, "--expect-nothing"],
    );
    client.expect("CLIENTKEY");
    expect_python_client_refused(
        &server,
        &monitor,
        client,
        Event::HandshakeFailedAuth { status: 400 },
    );
    assert!(auth.request_count() >= 1, "the authenticator was asked");
}

/// PLAIN through our authenticator: the right password gets in (the user name is the
/// `User-Id`), a wrong one is refused.
#[test]
fn plain_rust_authenticator_with_python_clients() {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let auth = Authenticator::start(&ctx).unwrap();
    auth.configure_plain("*", [("admin", "s3cret")]);

    let (server, monitor, endpoint, _) = guarded_rust_server(&ctx, Tcp, &endpoints, false);
    let mut client = Peer::python(
        "client.py",
        &[
            "--connect",
            &endpoint,
            "--plain-user",
            "admin:s3cret",
            "--interactive",
        ],
    );
    client.expect("READY");
    echo_checking_user(&server, &mut client, &["over PLAIN"], b"admin");
    assert_eq!(handshake_outcome(&monitor), Event::HandshakeSucceeded);
    client.send_line("STOP");
    client.expect("DONE");
    client.finish();

    let (server, monitor, endpoint, _) = guarded_rust_server(&ctx, Tcp, &endpoints, false);
    let client = Peer::python(
        "client.py",
        &[
            "--connect",
            &endpoint,
            "--plain-user",
            "admin:guess",
            "--expect-nothing",
        ],
    );
    expect_python_client_refused(
        &server,
        &monitor,
        client,
        Event::HandshakeFailedAuth { status: 400 },
    );
    figure("plain/tcp/rust-server-binds+zmq::auth", 2);
}
