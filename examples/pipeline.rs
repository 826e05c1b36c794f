//! A PUSH/PULL pipeline: a ventilator pushes tasks to three workers (load-balanced round
//! robin), and the workers push results to a sink that collects them.
//!
//! ```text
//! ventilator (PUSH) ──▶ worker 1..3 (PULL → PUSH) ──▶ sink (PULL)
//! ```
//!
//! ```sh
//! cargo run --example pipeline
//! ```

use std::collections::BTreeMap;
use std::thread;

const TASKS: u32 = 12;
const WORKERS: u32 = 3;

fn worker(ctx: zmq::Context, id: u32) -> zmq::Result<()> {
    let tasks = ctx.socket(zmq::PULL)?;
    tasks.connect("inproc://tasks")?;
    let results = ctx.socket(zmq::PUSH)?;
    results.connect("inproc://results")?;
    // Tell the sink this worker is connected.
    results.send("READY", 0)?;
    loop {
        let task = tasks.recv_string(0)?.unwrap_or_default();
        if task == "STOP" {
            return Ok(());
        }
        let n: u64 = task.parse().unwrap_or(0);
        // The "work": a sum of squares.
        let result = (1..=n).map(|i| i * i).sum::<u64>();
        results.send(format!("worker {id}: sum of squares to {n} = {result}"), 0)?;
    }
}

fn main() -> zmq::Result<()> {
    let ctx = zmq::Context::new();
    // Bind first: with inproc, the binding side must exist before others connect.
    let ventilator = ctx.socket(zmq::PUSH)?;
    ventilator.bind("inproc://tasks")?;
    let sink = ctx.socket(zmq::PULL)?;
    sink.bind("inproc://results")?;
    sink.set_rcvtimeo(5000)?;

    let workers: Vec<_> = (1..=WORKERS)
        .map(|id| {
            let ctx = ctx.clone();
            thread::spawn(move || worker(ctx, id))
        })
        .collect();

    // Wait until every worker is connected, so that the round robin includes all of them
    // (a PUSH only balances over the peers connected when it sends).
    for _ in 0..WORKERS {
        sink.recv_bytes(0)?;
    }

    for task in 1..=TASKS {
        ventilator.send((task * 10).to_string().as_str(), 0)?;
    }
    println!("ventilator sent {TASKS} tasks");

    let mut per_worker = BTreeMap::new();
    for _ in 0..TASKS {
        let result = sink.recv_string(0)?.unwrap_or_default();
        println!("sink got: {result}");
        let worker = result.split(':').next().unwrap_or_default().to_owned();
        *per_worker.entry(worker).or_insert(0) += 1;
    }
    println!("tasks per worker: {per_worker:?}");

    for _ in 0..WORKERS {
        ventilator.send("STOP", 0)?;
    }
    for worker in workers {
        worker.join().expect("worker thread")?;
    }
    Ok(())
}
