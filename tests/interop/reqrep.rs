//! Interop with pyzmq peers for the conversational patterns: REQ/REP, DEALER/ROUTER (with
//! explicit routing ids) and PAIR, over tcp and ipc, with Rust binding and Python
//! connecting, then Python binding and Rust connecting. The side that binds is the server
//! (`common::interop::serve`); the other runs the client suite: a multipart message with
//! empty frames, every byte value, a 16 MiB frame, counted echoes and, where the pattern
//! allows, a counted stream each way, all checked in order and exactly.

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::Transport::{self, Ipc, Tcp};
use common::interop::{self, Suite, figure, python_bind_endpoint, run_client, serve};
use common::pypeer::{Peer, fields};

const WATCHDOG: Duration = Duration::from_secs(180);

#[derive(Clone, Copy, Debug)]
enum Binder {
    Rust,
    Python,
}

fn req_rep_suite() -> Suite {
    Suite {
        payloads: true,
        echo: 2000,
        window: 1,
        stream: 0,
        identity: None,
    }
}

fn pair_suite() -> Suite {
    Suite {
        payloads: true,
        echo: 1000,
        window: 100,
        stream: 100_000,
        identity: None,
    }
}

/// One server and one client: `kind` names the server's and the client's socket types.
fn conversation(
    cell: &str,
    server_kind: zmq::SocketType,
    client_kind: zmq::SocketType,
    suite: Suite,
    transport: Transport,
    binder: Binder,
) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let py_type = |kind: zmq::SocketType| format!("{kind:?}");
    match binder {
        Binder::Rust => {
            let server = common::socket(&ctx, server_kind);
            let endpoint = endpoints.bind(&server, transport);
            let mut args = vec![
                "--type".to_owned(),
                py_type(client_kind),
                "--connect".to_owned(),
                endpoint,
            ];
            args.extend(suite.python_args());
            let client = Peer::python("client.py", &args);
            client.expect("READY");
            let stats = serve(&server, 1, false, &[&client]);
            let done = fields(&client.expect("DONE"));
            client.finish();
            assert_eq!(stats.echoed + stats.sunk, suite.messages());
            assert_eq!(stats.sourced, suite.stream);
            assert_eq!(done["sent"], suite.messages().to_string());
            assert_eq!(done["received"], suite.messages().to_string());
        }
        Binder::Python => {
            let server = Peer::python(
                "echo.py",
                &[
                    "--type",
                    &py_type(server_kind),
                    "--bind",
                    &python_bind_endpoint(transport, &endpoints),
                ],
            );
            let endpoint = server.endpoint();
            server.expect("READY");
            let client = common::socket(&ctx, client_kind);
            client.connect(&endpoint).unwrap();
            run_client(&client, &suite, &[&server]);
            let done = fields(&server.expect("DONE"));
            server.finish();
            let served: usize = ["echoed", "sunk"]
                .iter()
                .map(|k| done[*k].parse::<usize>().unwrap())
                .sum();
            assert_eq!(served, suite.messages());
            assert_eq!(done["sourced"], suite.stream.to_string());
        }
    }
    figure(cell, 2 * suite.messages());
}

#[test]
fn req_rep_rust_binds_tcp() {
    conversation(
        "req_rep/tcp/rust-binds",
        zmq::REP,
        zmq::REQ,
        req_rep_suite(),
        Tcp,
        Binder::Rust,
    );
}

#[test]
fn req_rep_rust_binds_ipc() {
    conversation(
        "req_rep/ipc/rust-binds",
        zmq::REP,
        zmq::REQ,
        req_rep_suite(),
        Ipc,
        Binder::Rust,
    );
}

#[test]
fn req_rep_python_binds_tcp() {
    conversation(
        "req_rep/tcp/python-binds",
        zmq::REP,
        zmq::REQ,
        req_rep_suite(),
        Tcp,
        Binder::Python,
    );
}

#[test]
fn req_rep_python_binds_ipc() {
    conversation(
        "req_rep/ipc/python-binds",
        zmq::REP,
        zmq::REQ,
        req_rep_suite(),
        Ipc,
        Binder::Python,
    );
}

#[test]
fn pair_rust_binds_tcp() {
    conversation(
        "pair/tcp/rust-binds",
        zmq::PAIR,
        zmq::PAIR,
        pair_suite(),
        Tcp,
        Binder::Rust,
    );
}

#[test]
fn pair_rust_binds_ipc() {
    conversation(
        "pair/ipc/rust-binds",
        zmq::PAIR,
        zmq::PAIR,
        pair_suite(),
        Ipc,
        Binder::Rust,
    );
}

#[test]
fn pair_python_binds_tcp() {
    conversation(
        "pair/tcp/python-binds",
        zmq::PAIR,
        zmq::PAIR,
        pair_suite(),
        Tcp,
        Binder::Python,
    );
}

#[test]
fn pair_python_binds_ipc() {
    conversation(
        "pair/ipc/python-binds",
        zmq::PAIR,
        zmq::PAIR,
        pair_suite(),
        Ipc,
        Binder::Python,
    );
}

// ---- DEALER/ROUTER: two dealers with explicit routing ids, one router ----------------

/// The explicit routing ids of the two dealers (one of them is not UTF-8).
fn dealer_ids() -> [Vec<u8>; 2] {
    [b"alice".to_vec(), b"\xffbob\x00".to_vec()]
}

fn dealer_suite(id: &[u8]) -> Suite {
    Suite {
        payloads: true,
        echo: 2000,
        window: 100,
        stream: 20_000,
        identity: Some(id.to_vec()),
    }
}

fn dealer_router(cell: &str, transport: Transport, binder: Binder) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let ids = dealer_ids();
    let expected_ids: BTreeSet<Vec<u8>> = ids.iter().cloned().collect();
    match binder {
        Binder::Rust => {
            let router = common::socket(&ctx, zmq::ROUTER);
            router.set_router_mandatory(true).unwrap();
            let endpoint = endpoints.bind(&router, transport);
            let dealers: Vec<Peer> = ids
                .iter()
                .map(|id| {
                    let mut args = vec!["--type", "DEALER", "--connect", &endpoint]
                        .into_iter()
                        .map(str::to_owned)
                        .collect::<Vec<_>>();
                    args.extend(dealer_suite(id).python_args());
                    Peer::python("client.py", &args)
                })
                .collect();
            for dealer in &dealers {
                dealer.expect("READY");
            }
            let peers: Vec<&Peer> = dealers.iter().collect();
            let stats = serve(&router, ids.len(), true, &peers);
            assert_eq!(
                stats.ids, expected_ids,
                "routing ids seen by the Rust ROUTER"
            );
            // With ROUTER_MANDATORY, an unknown routing id is an error, not a silent drop.
            assert_eq!(
                router.send_multipart([&b"nobody"[..], b"x"], 0),
                Err(zmq::Error::EHOSTUNREACH)
            );
            for dealer in dealers {
                let done = fields(&dealer.expect("DONE"));
                dealer.finish();
                assert_eq!(done["sent"], dealer_suite(b"").messages().to_string());
            }
        }
        Binder::Python => {
            let router = Peer::python(
                "echo.py",
                &[
                    "--type",
                    "ROUTER",
                    "--clients",
                    "2",
                    "--bind",
                    &python_bind_endpoint(transport, &endpoints),
                ],
            );
            let endpoint = router.endpoint();
            router.expect("READY");
            std::thread::scope(|scope| {
                for id in &ids {
                    let dealer = common::socket(&ctx, zmq::DEALER);
                    dealer.set_identity(id).unwrap();
                    dealer.connect(&endpoint).unwrap();
                    let router = &router;
                    scope.spawn(move || run_client(&dealer, &dealer_suite(id), &[router]));
                }
            });
            let done = fields(&router.expect("DONE"));
            router.finish();
            let seen: BTreeSet<String> = done["ids"].split(',').map(str::to_owned).collect();
            let expected: BTreeSet<String> = ids.iter().map(|id| interop::hex(id)).collect();
            assert_eq!(seen, expected, "routing ids seen by the Python ROUTER");
        }
    }
    figure(cell, 2 * 2 * dealer_suite(b"").messages());
}

#[test]
fn dealer_router_rust_binds_tcp() {
    dealer_router("dealer_router/tcp/rust-binds", Tcp, Binder::Rust);
}

#[test]
fn dealer_router_rust_binds_ipc() {
    dealer_router("dealer_router/ipc/rust-binds", Ipc, Binder::Rust);
}

#[test]
fn dealer_router_python_binds_tcp() {
    dealer_router("dealer_router/tcp/python-binds", Tcp, Binder::Python);
}

#[test]
fn dealer_router_python_binds_ipc() {
    dealer_router("dealer_router/ipc/python-binds", Ipc, Binder::Python);
}
