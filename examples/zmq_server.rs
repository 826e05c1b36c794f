//! The reference programs' REQ/REP server (`zmq_server.py`; see docs/architecture.md,
//! "Reference programs") in Rust, behaving the same way: it binds `tcp://localhost:5555`,
//! takes a second to "process" each request, replies `Server received your message:
//! '<msg>'`, and shuts down cleanly on Ctrl+C. It works with `zmq_client` and with the
//! Python client.
//!
//! ```sh
//! cargo run --example zmq_server      # then, in another terminal:
//! cargo run --example zmq_client
//! ```
//!
//! `ZMQ_EXAMPLE_ADDRESS=tcp://localhost:6000` binds elsewhere (the end-to-end test uses it
//! when port 5555 may be taken).

mod support;

use std::process::ExitCode;
use std::time::Duration;

/// Why serving stopped, when it was not an error.
struct CtrlC;

fn serve(socket: &zmq::Socket) -> Result<CtrlC, zmq::Error> {
    loop {
        // Block until a request arrives (or Ctrl+C interrupts the wait).
        let message = match socket.recv_string(0) {
            Ok(Ok(text)) => text,
            // pyzmq's recv_string() would fail on invalid UTF-8; show it instead.
            Ok(Err(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(zmq::Error::EINTR) if support::interrupted() => return Ok(CtrlC),
            Err(zmq::Error::EINTR) => continue,
            Err(err) => return Err(err),
        };
        println!("Received request: '{message}'");

        // Simulate processing the request.
        if support::sleep_unless_interrupted(Duration::from_secs(1)) {
            return Ok(CtrlC);
        }

        // A REP socket must reply before it can receive the next request.
        let reply = format!("Server received your message: '{message}'");
        socket.send(reply.as_str(), 0)?;
        println!("Sent reply: '{reply}'");
    }
}

fn main() -> ExitCode {
    support::install_sigint_handler();
    let address = support::address();

    // The context manages the I/O threads; the REP socket receives requests and replies.
    let context = zmq::Context::new();
    let socket = match context.socket(zmq::REP) {
        Ok(socket) => socket,
        Err(err) => {
            eprintln!("cannot create a socket: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = socket.bind_endpoint(&address) {
        eprintln!("{err}");
        return ExitCode::FAILURE;
    }
    println!("ZeroMQ REP server started, bound to {address}");
    println!("Waiting to receive requests...");

    let outcome = serve(&socket);
    if let Ok(CtrlC) = outcome {
        println!("\nDetected Ctrl+C, shutting down the server...");
    }
    // Clean up: a reply still queued for a client that went away must not make the
    // context wait forever (the default linger is infinite).
    let _ = socket.set_linger(0);
    drop(socket);
    drop(context);
    println!("Server has been safely shut down.");
    match outcome {
        Ok(CtrlC) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
