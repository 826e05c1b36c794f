//! Interop with pyzmq peers for the pipeline pattern: a Rust ventilator (PUSH) fans tasks
//! out to three Python workers (PULL → PUSH), which fan the results back in to a Rust sink
//! (PULL). Over tcp and ipc, with Rust binding both ends and the workers connecting, then
//! with every worker binding and Rust connecting to all of them.
//!
//! Checked exactly: every task comes back once, each worker's results arrive in the order
//! it got the tasks, and the distribution is fair — PUSH round-robins, and with no
//! high-water mark no worker is ever skipped, so each gets exactly a third.

use crate::common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::Transport::{self, Ipc, Tcp};
use common::interop::{self, END, figure, python_bind_endpoint};
use common::pypeer::{Peer, fields};
use zmq::monitor::{Event, Events, Monitor};

const WATCHDOG: Duration = Duration::from_secs(180);
const WORKERS: usize = 3;
/// Tasks sent (10,000 per worker).
const TASKS: usize = 30_000;

#[derive(Clone, Copy, Debug)]
enum Binder {
    Rust,
    Python,
}

fn pipeline(cell: &str, transport: Transport, binder: Binder) {
    let _watchdog = common::watchdog(WATCHDOG);
    let ctx = common::ctx();
    let endpoints = common::Endpoints::new();
    let ventilator = common::socket(&ctx, zmq::PUSH);
    ventilator.set_sndhwm(0).unwrap();
    let sink = common::socket(&ctx, zmq::PULL);
    let worker_id = |i: usize| format!("w{i}");

    let workers: Vec<Peer> = match binder {
        Binder::Rust => {
            let monitor = Monitor::new(&ventilator, Events::HANDSHAKE_SUCCEEDED).unwrap();
            let tasks = endpoints.bind(&ventilator, transport);
            let results = endpoints.bind(&sink, transport);
            let workers: Vec<Peer> = (0..WORKERS)
                .map(|i| {
                    let args = [
                        "--id",
                        &worker_id(i),
                        "--tasks-connect",
                        &tasks,
                        "--results-connect",
                        &results,
                    ];
                    Peer::python("worker.py", &args)
                })
                .collect();
            for worker in &workers {
                worker.expect("READY");
            }
            // Every worker must be attached before the first task, or the early ones
            // would get more than their share.
            for _ in 0..WORKERS {
                common::wait_for_event(&monitor, |e| matches!(e, Event::HandshakeSucceeded));
            }
            workers
        }
        Binder::Python => {
            let workers: Vec<Peer> = (0..WORKERS)
                .map(|i| {
                    let args = [
                        "--id",
                        &worker_id(i),
                        "--tasks-bind",
                        &python_bind_endpoint(transport, &endpoints),
                        "--results-bind",
                        &python_bind_endpoint(transport, &endpoints),
                    ];
                    Peer::python("worker.py", &args)
                })
                .collect();
            for worker in &workers {
                // Connecting makes a queue for each worker at once, so round-robin
                // includes all three from the first task.
                ventilator.connect(&worker.endpoint()).unwrap();
                sink.connect(&worker.endpoint()).unwrap();
                worker.expect("READY");
            }
            workers
        }
    };
    let peers: Vec<&Peer> = workers.iter().collect();

    for seq in 0..TASKS {
        interop::send(&ventilator, &[seq.to_string()], &peers);
    }
    let mut seen = vec![false; TASKS];
    let mut per_worker: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for _ in 0..TASKS {
        let frames = interop::recv(&sink, &peers);
        assert_eq!(frames.len(), 2, "result {frames:?}");
        let id = String::from_utf8(frames[0].clone()).unwrap();
        let seq: usize = std::str::from_utf8(&frames[1]).unwrap().parse().unwrap();
        assert!(!seen[seq], "task {seq} came back twice");
        seen[seq] = true;
        per_worker.entry(id).or_default().push(seq);
    }
    assert!(seen.iter().all(|s| *s), "every task came back");
    assert_eq!(per_worker.len(), WORKERS, "results from every worker");
    for (id, seqs) in &per_worker {
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{id}: out of order");
        assert_eq!(seqs.len(), TASKS / WORKERS, "{id} got an unfair share");
    }

    // Round-robin goes on: one END each.
    for _ in 0..WORKERS {
        interop::send(&ventilator, &[END], &peers);
    }
    let mut ended = BTreeMap::new();
    for _ in 0..WORKERS {
        let frames = interop::recv(&sink, &peers);
        assert_eq!(frames[1], END, "after the results: {frames:?}");
        let id = String::from_utf8(frames[0].clone()).unwrap();
        ended.insert(id, String::from_utf8(frames[2].clone()).unwrap());
    }
    for (i, worker) in workers.into_iter().enumerate() {
        let done = fields(&worker.expect("DONE"));
        worker.finish();
        assert_eq!(done["count"], (TASKS / WORKERS).to_string());
        assert_eq!(ended[&worker_id(i)], (TASKS / WORKERS).to_string());
    }
    figure(cell, 2 * TASKS);
}

#[test]
fn push_pull_rust_binds_tcp() {
    pipeline("push_pull/tcp/rust-binds", Tcp, Binder::Rust);
}

#[test]
fn push_pull_rust_binds_ipc() {
    pipeline("push_pull/ipc/rust-binds", Ipc, Binder::Rust);
}

#[test]
fn push_pull_python_binds_tcp() {
    pipeline("push_pull/tcp/python-binds", Tcp, Binder::Python);
}

#[test]
fn push_pull_python_binds_ipc() {
    pipeline("push_pull/ipc/python-binds", Ipc, Binder::Python);
}
