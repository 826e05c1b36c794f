//! Interop with pyzmq peers for publish/subscribe: PUB/SUB with several topic prefixes
//! (subscriber A takes `alpha.` and `beta.`, subscriber B only `gamma.`; `alphabet.` goes
//! to nobody), and XPUB/XSUB through a proxy run by the other side. Over tcp and ipc,
//! with Rust binding and Python connecting, then the reverse.
//!
//! Each subscriber checks that it gets only its topics, each in order, with exact counts.
//! High-water marks are off (0) on every hop so that nothing may be dropped. Subscriptions
//! are known to have arrived when a subscriber sees a SYNC probe (never a sleep).

use crate::common;

use std::time::Duration;

use common::Transport::{self, Ipc, Tcp};
use common::interop::{
    self, SUBSCRIBER_A, SUBSCRIBER_B, SubscriptionCheck, drain_subscription, figure,
    probe_until_python_synced, probe_until_rust_synced, publish, python_bind_endpoint, sub_socket,
    subscriber_args,
};
use common::pypeer::{Peer, fields};

const WATCHDOG: Duration = Duration::from_secs(180);

/// Messages of a PUB/SUB publication (25,000 per topic).
const COUNT: usize = 100_000;
/// Messages of a publication through a proxy.
const PROXY_COUNT: usize = 20_000;

#[derive(Clone, Copy, Debug)]
enum Binder {
    Rust,
    Python,
}

fn python_subscriber(subscribed: &[&str], connect: &str, count: usize) -> Peer {
    let mut args = vec!["--connect".to_owned(), connect.to_owned()];
    args.extend(subscriber_args(subscribed, count));
    Peer::python("subscriber.py", &args)
}

/// Reads a Python subscriber's report and checks it.
fn finish_python_subscriber(peer: Peer, subscribed: &[&str], count: usize) -> usize {
    let result = peer.expect("RESULT");
    let done = fields(&peer.expect("DONE"));
    peer.finish();
    assert_eq!(
        result,
        SubscriptionCheck::new(subscribed, count).expected_result_line()
    );
    done["received"].parse().unwrap()
}

fn pub_sub(cell: &str, transport: Transport, binder: Binder) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let received = match binder {
        Binder::Rust => {
            let publisher = common::socket(&ctx, zmq::PUB);
            publisher.set_sndhwm(0).unwrap();
            let endpoint = endpoints.bind(&publisher, transport);
            let a = python_subscriber(SUBSCRIBER_A, &endpoint, COUNT);
            let b = python_subscriber(SUBSCRIBER_B, &endpoint, COUNT);
            a.expect("READY");
            b.expect("READY");
            probe_until_python_synced(&publisher, &[&a, &b]);
            publish(&publisher, COUNT, &[&a, &b]);
            finish_python_subscriber(a, SUBSCRIBER_A, COUNT)
                + finish_python_subscriber(b, SUBSCRIBER_B, COUNT)
        }
        Binder::Python => {
            let mut publisher = Peer::python(
                "publisher.py",
                &[
                    "--bind",
                    &python_bind_endpoint(transport, &endpoints),
                    "--count",
                    &COUNT.to_string(),
                ],
            );
            let endpoint = publisher.endpoint();
            publisher.expect("READY");
            let mut subscribers: Vec<_> = [SUBSCRIBER_A, SUBSCRIBER_B]
                .iter()
                .map(|subscribed| {
                    let socket = sub_socket(&ctx, subscribed);
                    socket.connect(&endpoint).unwrap();
                    (socket, SubscriptionCheck::new(subscribed, COUNT))
                })
                .collect();
            // The publisher probes until told GO: wait until both subscribers hear it.
            for (socket, check) in &mut subscribers {
                while !check.synced {
                    check.take(&interop::recv(socket, &[&publisher]));
                }
            }
            publisher.send_line("GO");
            let received = subscribers
                .iter_mut()
                .map(|(socket, check)| drain_subscription(socket, check, &[&publisher]))
                .sum();
            let done = fields(&publisher.expect("DONE"));
            publisher.finish();
            assert_eq!(done["sent"], COUNT.to_string());
            received
        }
    };
    // A gets alpha. and beta., B gets gamma.: three quarters of the publication.
    assert_eq!(received, COUNT / 4 * 3);
    figure(cell, COUNT + received);
}

#[test]
fn pub_sub_rust_binds_tcp() {
    pub_sub("pub_sub/tcp/rust-binds", Tcp, Binder::Rust);
}

#[test]
fn pub_sub_rust_binds_ipc() {
    pub_sub("pub_sub/ipc/rust-binds", Ipc, Binder::Rust);
}

#[test]
fn pub_sub_python_binds_tcp() {
    pub_sub("pub_sub/tcp/python-binds", Tcp, Binder::Python);
}

#[test]
fn pub_sub_python_binds_ipc() {
    pub_sub("pub_sub/ipc/python-binds", Ipc, Binder::Python);
}

// ---- XPUB/XSUB through a proxy -----------------------------------------------------

/// XPUB/XSUB proxy run by the side that binds; publisher and subscribers on the other.
fn proxy(cell: &str, transport: Transport, binder: Binder) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let received = match binder {
        Binder::Rust => {
            let xsub = ctx.socket(zmq::XSUB).unwrap();
            let xpub = ctx.socket(zmq::XPUB).unwrap();
            for socket in [&xsub, &xpub] {
                socket.set_linger(0).unwrap();
                socket.set_sndhwm(0).unwrap();
                socket.set_rcvhwm(0).unwrap();
            }
            let frontend = endpoints.bind(&xsub, transport);
            let backend = endpoints.bind(&xpub, transport);
            let control = common::socket(&ctx, zmq::PAIR);
            let control_endpoint = endpoints.inproc();
            control.bind(&control_endpoint).unwrap();
            let proxy_control = ctx.socket(zmq::PAIR).unwrap();
            proxy_control.connect(&control_endpoint).unwrap();
            let proxy =
                std::thread::spawn(move || zmq::proxy_steerable(&xsub, &xpub, &proxy_control));

            let a = python_subscriber(SUBSCRIBER_A, &backend, PROXY_COUNT);
            let b = python_subscriber(SUBSCRIBER_B, &backend, PROXY_COUNT);
            let mut publisher = Peer::python(
                "publisher.py",
                &["--connect", &frontend, "--count", &PROXY_COUNT.to_string()],
            );
            for peer in [&a, &b, &publisher] {
                peer.expect("READY");
            }
            // The publisher probes until GO; each subscriber says when it heard one.
            a.expect("SYNCED");
            b.expect("SYNCED");
            publisher.send_line("GO");
            let received = finish_python_subscriber(a, SUBSCRIBER_A, PROXY_COUNT)
                + finish_python_subscriber(b, SUBSCRIBER_B, PROXY_COUNT);
            publisher.expect("DONE");
            publisher.finish();
            control.send("TERMINATE", 0).unwrap();
            // libzmq answers every control command (with an empty frame).
            assert_eq!(control.recv_bytes(0).unwrap(), b"");
            proxy.join().unwrap().expect("the proxy ends on TERMINATE");
            received
        }
        Binder::Python => {
            let mut proxy = Peer::python(
                "proxy.py",
                &[
                    "--frontend",
                    &python_bind_endpoint(transport, &endpoints),
                    "--backend",
                    &python_bind_endpoint(transport, &endpoints),
                ],
            );
            let frontend = proxy.endpoint();
            let backend = proxy.endpoint();
            proxy.expect("READY");
            let publisher = common::socket(&ctx, zmq::PUB);
            publisher.set_sndhwm(0).unwrap();
            publisher.connect(&frontend).unwrap();
            let mut subscribers: Vec<_> = [SUBSCRIBER_A, SUBSCRIBER_B]
                .iter()
                .map(|subscribed| {
                    let socket = sub_socket(&ctx, subscribed);
                    socket.connect(&backend).unwrap();
                    (socket, SubscriptionCheck::new(subscribed, PROXY_COUNT))
                })
                .collect();
            probe_until_rust_synced(&publisher, &mut subscribers, &[&proxy]);
            publish(&publisher, PROXY_COUNT, &[&proxy]);
            let received = subscribers
                .iter_mut()
                .map(|(socket, check)| drain_subscription(socket, check, &[&proxy]))
                .sum();
            proxy.send_line("STOP");
            proxy.expect("DONE");
            proxy.finish();
            received
        }
    };
    assert_eq!(received, PROXY_COUNT / 4 * 3);
    figure(cell, PROXY_COUNT + received);
}

#[test]
fn xpub_xsub_proxy_in_rust_tcp() {
    proxy("xpub_xsub/tcp/rust-proxy-binds", Tcp, Binder::Rust);
}

#[test]
fn xpub_xsub_proxy_in_rust_ipc() {
    proxy("xpub_xsub/ipc/rust-proxy-binds", Ipc, Binder::Rust);
}

#[test]
fn xpub_xsub_proxy_in_python_tcp() {
    proxy("xpub_xsub/tcp/python-proxy-binds", Tcp, Binder::Python);
}

#[test]
fn xpub_xsub_proxy_in_python_ipc() {
    proxy("xpub_xsub/ipc/python-proxy-binds", Ipc, Binder::Python);
}
