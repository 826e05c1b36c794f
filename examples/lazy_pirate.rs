//! Lazy Pirate: a reliable request/reply client over an unreliable server.
//!
//! A REQ socket that sent a request and got no reply is stuck (it may not send again), so
//! the client waits a bounded time, then closes the socket, opens a new one and sends the
//! same request again, a few times before giving up. The server keeps the replies it
//! gave by request id, so a request that arrives twice (its first reply was lost) is
//! answered again without being executed twice.
//!
//! ```text
//! cargo run --example lazy_pirate                      # both, in one process, with a flaky server
//! cargo run --example lazy_pirate -- server tcp://*:5555
//! cargo run --example lazy_pirate -- client tcp://localhost:5555
//! ```
//! The demo server "loses" every third reply to show the retries. `tests/netns/main.rs` runs
//! the same protocol across two network namespaces with the link cut.

use std::collections::HashMap;
use std::time::Duration;

const REQUEST_TIMEOUT: Duration = Duration::from_millis(500);
const RETRIES: u32 = 3;
const REQUESTS: u32 = 6;

/// Binds a REP socket at `endpoint`, retrying while a previous one releases the port.
fn bind_rep(ctx: &zmq::Context, endpoint: &str) -> zmq::Result<zmq::Socket> {
    loop {
        let socket = ctx.socket(zmq::REP)?;
        socket.set_linger(0)?;
        match socket.bind(endpoint) {
            Ok(()) => return Ok(socket),
            Err(zmq::Error::EADDRINUSE) => std::thread::sleep(Duration::from_millis(10)),
            Err(err) => return Err(err),
        }
    }
}

/// Serves until the context is shut down. With `flaky`, every third reply is "lost": the
/// server drops its socket without answering and binds a new one, as a crashed and
/// restarted server would (keeping its memory of replies).
fn server(ctx: &zmq::Context, endpoint: &str, flaky: bool) -> zmq::Result<()> {
    let mut replies: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let mut received = 0u32;
    let mut socket = bind_rep(ctx, endpoint)?;
    loop {
        let request = match socket.recv_bytes(0) {
            Ok(request) => request,
            Err(zmq::Error::ETERM) => return Ok(()),
            Err(err) => return Err(err),
        };
        received += 1;
        let reply = replies
            .entry(request.clone())
            .or_insert_with(|| {
                println!("server: executing {:?}", String::from_utf8_lossy(&request));
                [&request[..], b" done"].concat()
            })
            .clone();
        if flaky && received.is_multiple_of(3) {
            println!(
                "server: (losing the reply to {:?})",
                String::from_utf8_lossy(&request)
            );
            drop(socket);
            socket = bind_rep(ctx, endpoint)?;
            continue;
        }
        socket.send(reply, 0)?;
    }
}

/// Sends `REQUESTS` requests, retrying each up to `RETRIES` times.
fn client(ctx: &zmq::Context, endpoint: &str) -> zmq::Result<()> {
    let connect = || -> zmq::Result<zmq::Socket> {
        let socket = ctx.socket(zmq::REQ)?;
        socket.set_linger(0)?;
        socket.set_rcvtimeo_duration(Some(REQUEST_TIMEOUT))?;
        socket.connect(endpoint)?;
        Ok(socket)
    };
    let mut socket = connect()?;
    for seq in 1..=REQUESTS {
        let request = format!("request {seq}");
        let mut retries_left = RETRIES;
        loop {
            socket.send(request.as_str(), 0)?;
            match socket.recv_string(0) {
                Ok(reply) => {
                    println!("client: {:?}", reply.unwrap_or_default());
                    break;
                }
                Err(zmq::Error::EAGAIN) if retries_left > 0 => {
                    retries_left -= 1;
                    println!("client: no reply to {request:?}, retrying ({retries_left} left)");
                    socket = connect()?; // the old REQ is stuck: replace it
                }
                Err(zmq::Error::EAGAIN) => {
                    println!("client: server seems to be offline, abandoning");
                    return Err(zmq::Error::EAGAIN);
                }
                Err(err) => return Err(err),
            }
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let ctx = zmq::Context::new();
    let result = match args.first().map(String::as_str) {
        Some("server") => server(
            &ctx,
            args.get(1).map_or("tcp://*:5555", String::as_str),
            false,
        ),
        Some("client") => client(
            &ctx,
            args.get(1).map_or("tcp://localhost:5555", String::as_str),
        ),
        None => {
            // The demo: a flaky server thread and the client, over loopback.
            let endpoint = {
                let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
                format!("tcp://{}", probe.local_addr().unwrap())
            };
            let server_ctx = ctx.clone();
            let server_endpoint = endpoint.clone();
            let server_thread =
                std::thread::spawn(move || server(&server_ctx, &server_endpoint, true));
            let result = client(&ctx, &endpoint);
            ctx.shutdown().expect("shutdown");
            server_thread
                .join()
                .expect("server thread")
                .expect("server");
            result
        }
        Some("--help" | "-h") => {
            println!("usage: lazy_pirate [server ENDPOINT | client ENDPOINT]");
            println!("with no argument: a flaky server thread and the client, over loopback");
            return;
        }
        Some(other) => {
            eprintln!("usage: lazy_pirate [server ENDPOINT | client ENDPOINT] (got {other:?})");
            std::process::exit(2);
        }
    };
    if let Err(err) = result {
        eprintln!("lazy_pirate: {err}");
        std::process::exit(1);
    }
}
