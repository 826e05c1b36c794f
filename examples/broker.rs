//! A ROUTER/DEALER broker: clients (REQ) connect to the broker's ROUTER frontend, workers
//! (REP) to its DEALER backend, and `zmq::proxy_steerable` shuttles requests and replies
//! between them, spreading requests over the workers. A control socket stops the broker.
//!
//! ```text
//! client 1..3 (REQ) ──▶ ROUTER │ broker │ DEALER ──▶ worker 1..2 (REP)
//! ```
//!
//! ```sh
//! cargo run --example broker
//! ```

use std::thread;

const CLIENTS: usize = 3;
const REQUESTS_PER_CLIENT: usize = 2;
const WORKERS: usize = 2;

fn client(ctx: zmq::Context, frontend: String, id: usize) -> zmq::Result<()> {
    let socket = ctx.socket(zmq::REQ)?;
    socket.set_rcvtimeo(5000)?;
    socket.connect(&frontend)?;
    for n in 1..=REQUESTS_PER_CLIENT {
        socket.send(format!("client {id} request {n}").as_str(), 0)?;
        let reply = socket.recv_string(0)?.unwrap_or_default();
        println!("client {id} got: {reply}");
    }
    Ok(())
}

fn worker(ctx: zmq::Context, backend: String, id: usize) -> zmq::Result<()> {
    let socket = ctx.socket(zmq::REP)?;
    socket.connect(&backend)?;
    loop {
        let request = match socket.recv_string(0) {
            Ok(request) => request.unwrap_or_default(),
            // The broker's context is shut down at the end: time to go.
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(err) => return Err(err),
        };
        socket.send(format!("'{request}' handled by worker {id}"), 0)?;
    }
}

fn main() -> zmq::Result<()> {
    let ctx = zmq::Context::new();
    // Clients and workers would usually live in other processes; here they are threads
    // that connect over tcp to whatever ports the broker got.
    let frontend = ctx.socket(zmq::ROUTER)?;
    frontend.bind("tcp://127.0.0.1:*")?;
    let frontend_endpoint = frontend.get_last_endpoint()?.unwrap();
    let backend = ctx.socket(zmq::DEALER)?;
    backend.bind("tcp://127.0.0.1:*")?;
    let backend_endpoint = backend.get_last_endpoint()?.unwrap();
    println!("broker: clients connect to {frontend_endpoint}, workers to {backend_endpoint}");
    let control = ctx.socket(zmq::PAIR)?;
    control.bind("inproc://broker-control")?;
    let broker = thread::spawn(move || {
        let result = zmq::proxy_steerable(&frontend, &backend, &control);
        println!("broker stopped: {result:?}");
        result
    });

    let workers: Vec<_> = (1..=WORKERS)
        .map(|id| {
            let (ctx, backend) = (ctx.clone(), backend_endpoint.clone());
            thread::spawn(move || worker(ctx, backend, id))
        })
        .collect();
    let clients: Vec<_> = (1..=CLIENTS)
        .map(|id| {
            let (ctx, frontend) = (ctx.clone(), frontend_endpoint.clone());
            thread::spawn(move || client(ctx, frontend, id))
        })
        .collect();
    for client in clients {
        client.join().expect("client thread")?;
    }

    // Every client got its replies: stop the broker, then the workers.
    let stop = ctx.socket(zmq::PAIR)?;
    stop.connect("inproc://broker-control")?;
    stop.send("TERMINATE", 0)?;
    broker.join().expect("broker thread")?;
    ctx.shutdown()?;
    for worker in workers {
        worker.join().expect("worker thread")?;
    }
    Ok(())
}
