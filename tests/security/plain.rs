//! PLAIN scenario S7 of docs/design/reliability.md: right and wrong credentials, no ZAP
//! handler, an authenticator with no passwords.

use crate::common;

use std::time::Duration;

use common::scenario::*;
use common::{bind_tcp, socket, watchdog};
use zmq::auth::Authenticator;

/// How the server side is set up for one S7 case.
enum Server {
    /// An authenticator knowing `admin`/`password`.
    Configured,
    /// No ZAP handler in the context at all.
    NoHandler,
    /// An authenticator with nothing configured.
    Unconfigured,
}

/// Whether a PLAIN client with `password` gets a message through within the window
/// (1000 ms when success is expected, 250 ms otherwise).
fn plain_delivers(server_kind: Server, password: &str, window: Duration) -> bool {
    let ctx = zmq::Context::new();
    let _auth = match server_kind {
        Server::NoHandler => None,
        Server::Unconfigured => Some(Authenticator::start(&ctx).unwrap()),
        Server::Configured => {
            let auth = Authenticator::start(&ctx).unwrap();
            auth.configure_plain("*", [("admin", "password")]);
            Some(auth)
        }
    };
    let server = socket(&ctx, zmq::PULL);
    server.set_plain_server(true).unwrap();
    let endpoint = bind_tcp(&server);
    let client = socket(&ctx, zmq::PUSH);
    client.set_plain_username(Some("admin")).unwrap();
    client.set_plain_password(Some(password)).unwrap();
    client.connect(&endpoint).unwrap();
    delivered_within(&client, &server, "hello", window)
}

/// S7: right credentials pass; wrong ones, a PLAIN server without a ZAP handler, and an
/// authenticator without passwords all refuse (fail closed).
#[test]
fn s7_plain() {
    let _dog = watchdog(Duration::from_secs(10));
    let pass = plain_delivers(Server::Configured, "password", Duration::from_secs(5));
    let wrong = plain_delivers(Server::Configured, "wrong", REFUSAL_WINDOW);
    let no_handler = plain_delivers(Server::NoHandler, "password", REFUSAL_WINDOW);
    let unconfigured = plain_delivers(Server::Unconfigured, "password", REFUSAL_WINDOW);
    assert!(pass, "the right password was refused");
    assert!(!wrong, "a wrong password got through");
    assert!(!no_handler, "PLAIN without a ZAP handler let a client in");
    assert!(
        !unconfigured,
        "an unconfigured authenticator let a PLAIN client in"
    );
    figure(
        "S7",
        format!(
            "pass={} wrong={} no_handler={} unconfigured={}",
            u8::from(pass),
            u8::from(wrong),
            u8::from(no_handler),
            u8::from(unconfigured)
        ),
    );
}
