//! Thread-safe draft sockets awaited by many tasks at once: one SERVER shared by four
//! worker tasks through an `Arc` (no mutex), and eight CLIENT tasks, each sending requests
//! and checking every reply. The same generic code runs on tokio (the default) or, with
//! `--async-io`, on the async-io reactor that smol uses (here each task on a thread of its
//! own, under `async_io::block_on`).
//!
//! ```sh
//! cargo run --example async_draft --features draft,tokio,async-io
//! cargo run --example async_draft --features draft,tokio,async-io -- --async-io
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use zmq::draft::DraftSocketType::{CLIENT, SERVER};
use zmq::rt::{AsyncDraftSocket, Runtime};

const ENDPOINT: &str = "inproc://async-draft-example";
const WORKERS: usize = 4;
const CLIENTS: usize = 8;
const REQUESTS: usize = 1000;

fn server<R: Runtime>(ctx: &zmq::Context) -> zmq::Result<AsyncDraftSocket<R>> {
    let socket = AsyncDraftSocket::new(ctx.draft_socket(SERVER)?)?;
    socket.get_ref().bind(ENDPOINT)?;
    Ok(socket)
}

fn client<R: Runtime>(ctx: &zmq::Context) -> zmq::Result<AsyncDraftSocket<R>> {
    let socket = AsyncDraftSocket::new(ctx.draft_socket(CLIENT)?)?;
    socket.get_ref().connect(ENDPOINT)?;
    Ok(socket)
}

/// One worker: answers requests (upper-cased, to the routing id they came from) until an
/// empty message tells it to stop. Returns how many it answered.
async fn work<R: Runtime>(server: Arc<AsyncDraftSocket<R>>) -> zmq::Result<usize> {
    let mut answered = 0;
    loop {
        let request = server.recv_msg().await?;
        if request.is_empty() {
            return Ok(answered);
        }
        let Some(peer) = request.routing_id() else {
            continue; // a SERVER's messages always carry one
        };
        server.send_to(peer, request.to_ascii_uppercase()).await?;
        answered += 1;
    }
}

/// One client: `REQUESTS` round trips, each reply checked.
async fn ask<R: Runtime>(client: AsyncDraftSocket<R>, id: usize) -> zmq::Result<()> {
    for n in 0..REQUESTS {
        let request = format!("client {id} request {n}");
        client.send(request.as_str()).await?;
        let reply = client.recv_msg().await?;
        if reply.as_str() != Some(request.to_uppercase().as_str()) {
            eprintln!(
                "client {id}: wrong reply {:?} to {request:?}",
                reply.as_str()
            );
            return Err(zmq::Error::EPROTO);
        }
    }
    Ok(())
}

/// Tells every worker to stop: one empty message each (a worker takes one, then stops).
async fn stop_workers<R: Runtime>(ctx: &zmq::Context) -> zmq::Result<()> {
    let control = client::<R>(ctx)?;
    for _ in 0..WORKERS {
        control.send(Vec::<u8>::new()).await?;
    }
    Ok(())
}

fn on_tokio() -> zmq::Result<Vec<usize>> {
    use zmq::rt::tokio::Tokio;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("building the tokio runtime");
    runtime.block_on(async {
        let ctx = zmq::Context::new();
        let server = Arc::new(server::<Tokio>(&ctx)?);
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| tokio::spawn(work(server.clone())))
            .collect();
        let mut clients = Vec::new();
        for id in 0..CLIENTS {
            clients.push(tokio::spawn(ask(client::<Tokio>(&ctx)?, id)));
        }
        for task in clients {
            task.await.expect("a client task panicked")?;
        }
        stop_workers::<Tokio>(&ctx).await?;
        let mut answered = Vec::new();
        for task in workers {
            answered.push(task.await.expect("a worker task panicked")?);
        }
        Ok(answered)
    })
}

fn on_async_io() -> zmq::Result<Vec<usize>> {
    use zmq::rt::async_io::AsyncIo;
    let ctx = zmq::Context::new();
    let server = Arc::new(server::<AsyncIo>(&ctx)?);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let server = server.clone();
            std::thread::spawn(move || async_io::block_on(work(server)))
        })
        .collect();
    let mut clients = Vec::new();
    for id in 0..CLIENTS {
        let client = client::<AsyncIo>(&ctx)?;
        clients.push(std::thread::spawn(move || {
            async_io::block_on(ask(client, id))
        }));
    }
    for thread in clients {
        thread.join().expect("a client thread panicked")?;
    }
    async_io::block_on(stop_workers::<AsyncIo>(&ctx))?;
    workers
        .into_iter()
        .map(|thread| thread.join().expect("a worker thread panicked"))
        .collect()
}

fn main() -> ExitCode {
    let (runtime, result) = if std::env::args().any(|arg| arg == "--async-io") {
        ("async-io", on_async_io())
    } else {
        ("tokio", on_tokio())
    };
    match result {
        Ok(answered) => {
            let total: usize = answered.iter().sum();
            println!(
                "{runtime}: {total} requests from {CLIENTS} clients answered by {WORKERS} \
                 workers sharing one SERVER (per worker: {answered:?})"
            );
            if total == CLIENTS * REQUESTS {
                ExitCode::SUCCESS
            } else {
                eprintln!("expected {} answers", CLIENTS * REQUESTS);
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("async_draft on {runtime}: {err}");
            ExitCode::FAILURE
        }
    }
}
