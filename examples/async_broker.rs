//! An async ROUTER/DEALER broker with several clients and workers, all tasks of one
//! runtime. Clients (REQ) connect to the broker's ROUTER frontend; workers (REP) connect
//! to its DEALER backend. The broker splits both sockets and forwards in both directions
//! from four tasks, so requests and replies never wait on each other.
//!
//! Run with `cargo run --example async_broker --features tokio`.

use futures::StreamExt;
use zmq::rt::tokio::{AsyncSocket, RecvHalf, SendHalf};

const CLIENTS: usize = 4;
const WORKERS: usize = 3;
const REQUESTS: usize = 25;

/// Forwards whole messages from one socket to another (envelopes included).
async fn forward(mut from: RecvHalf, mut to: SendHalf) -> zmq::Result<()> {
    while let Some(message) = from.next().await {
        to.send_multipart(message?).await?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> zmq::Result<()> {
    let context = zmq::Context::new();
    let frontend = context.socket(zmq::ROUTER)?;
    frontend.bind("tcp://127.0.0.1:*")?;
    let frontend_endpoint = frontend.get_last_endpoint()?.unwrap_or_default();
    let backend = context.socket(zmq::DEALER)?;
    backend.bind("inproc://workers")?;

    // The broker: frontend -> backend and backend -> frontend, concurrently.
    let (front_rx, front_tx) = AsyncSocket::new(frontend)?.into_split();
    let (back_rx, back_tx) = AsyncSocket::new(backend)?.into_split();
    let requests = tokio::spawn(forward(front_rx, back_tx));
    let replies = tokio::spawn(forward(back_rx, front_tx));

    for id in 0..WORKERS {
        let socket = context.socket(zmq::REP)?;
        socket.set_linger(0)?;
        socket.connect("inproc://workers")?;
        let mut worker = AsyncSocket::new(socket)?;
        tokio::spawn(async move {
            loop {
                let request = worker.recv_string().await?.unwrap_or_default();
                worker
                    .send(format!("{request} handled by worker {id}"))
                    .await?;
            }
            #[allow(unreachable_code)]
            Ok::<(), zmq::Error>(())
        });
    }

    let mut clients = Vec::new();
    for id in 0..CLIENTS {
        let socket = context.socket(zmq::REQ)?;
        socket.connect(&frontend_endpoint)?;
        let mut client = AsyncSocket::new(socket)?;
        clients.push(tokio::spawn(async move {
            let mut by_worker = [0; WORKERS];
            for n in 0..REQUESTS {
                client.send(format!("request {n} of client {id}")).await?;
                let reply = client.recv_string().await?.unwrap_or_default();
                assert!(reply.starts_with(&format!("request {n} of client {id} ")));
                let worker: usize = reply
                    .rsplit(' ')
                    .next()
                    .and_then(|w| w.parse().ok())
                    .unwrap_or(0);
                by_worker[worker] += 1;
            }
            Ok::<_, zmq::Error>((id, by_worker))
        }));
    }
    for client in clients {
        let (id, by_worker) = client.await.expect("client panicked")?;
        println!("client {id}: {REQUESTS} replies, per worker {by_worker:?}");
    }
    requests.abort();
    replies.abort();
    println!("done");
    Ok(())
}
