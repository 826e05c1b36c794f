//! The async in-process example of the reference programs (pyzmq's `zmq.asyncio`; see
//! docs/architecture.md, "Reference programs"), in Rust: a REP worker task and a REQ client
//! task share one context over `inproc://`; the client makes three requests, then the
//! worker is cancelled and everything shuts down. It prints the same lines as the Python
//! version.
//!
//! Run with `cargo run --example inproc_asyncio --features tokio`.

use std::time::Duration;

use tokio::sync::oneshot;
use zmq::rt::tokio::AsyncSocket;

const INPROC_ADDRESS: &str = "inproc://my_async_channel";

/// Asynchronous REP worker: serves requests until it is cancelled.
async fn async_rep_worker(
    context: zmq::Context,
    cancelled: oneshot::Receiver<()>,
) -> zmq::Result<()> {
    let mut socket = AsyncSocket::new(context.socket(zmq::REP)?)?;
    socket.get_ref().bind(INPROC_ADDRESS)?;
    println!("REP Worker (in-process) started, bound to {INPROC_ADDRESS}");

    let serve = async {
        loop {
            // Asynchronously receive requests
            let message = socket.recv_string().await?.unwrap_or_default();
            println!("REP Worker (in-process) received request: '{message}'");
            tokio::time::sleep(Duration::from_millis(500)).await; // simulate processing
            let reply = format!("REP Worker (in-process) received and processed: '{message}'");
            // Asynchronously send the reply
            socket.send(reply.as_str()).await?;
            println!("REP Worker (in-process) sent reply: '{reply}'");
        }
    };
    // Cancelling drops the pending receive, which is cancel safe: nothing is lost.
    let result = tokio::select! {
        result = serve => result,
        _ = cancelled => {
            println!("\nREP Worker (in-process) cancelled, exiting...");
            Ok(())
        }
    };
    drop(socket);
    println!("REP Worker (in-process) Socket closed.");
    result
}

/// Asynchronous REQ client: three requests.
async fn async_req_client(context: zmq::Context) -> zmq::Result<()> {
    let mut socket = AsyncSocket::new(context.socket(zmq::REQ)?)?;
    // inproc connects to an address bound by a socket of the same context
    socket.get_ref().connect(INPROC_ADDRESS)?;
    println!("REQ Client (in-process) started, connected to {INPROC_ADDRESS}");

    let result = async {
        for i in 0..3 {
            let request = format!("In-process request {}", i + 1);
            println!("REQ Client (in-process) sending request: '{request}'");
            socket.send(request.as_str()).await?;
            let reply = socket.recv_string().await?.unwrap_or_default();
            println!("REQ Client (in-process) received reply: '{reply}'");
            tokio::time::sleep(Duration::from_millis(100)).await; // wait before the next request
        }
        Ok(())
    }
    .await;
    drop(socket);
    println!("REQ Client (in-process) Socket closed.");
    result
}

async fn run() -> zmq::Result<()> {
    // One context for every socket that talks over inproc.
    let context = zmq::Context::new();
    println!("Main program: Asyncio Context created");

    // Both tasks run concurrently on the same (single-threaded) runtime, like asyncio.
    let (cancel, cancelled) = oneshot::channel();
    let worker_task = tokio::spawn(async_rep_worker(context.clone(), cancelled));
    let client_task = tokio::spawn(async_req_client(context));

    client_task.await.expect("client task panicked")?;
    println!("Main program: Client task completed.");

    // Cancel the worker and wait for it to finish.
    let _ = cancel.send(());
    worker_task.await.expect("worker task panicked")
    // The context is terminated when its last handle (held by the sockets) is dropped.
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("--- In-process ZeroMQ (inproc) example starting ---");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run())?;
    println!("--- In-process ZeroMQ (inproc) example ended ---");
    Ok(())
}
