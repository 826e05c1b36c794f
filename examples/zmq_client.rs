//! The reference programs' REQ/REP client (`zmq_client.py`; see docs/architecture.md,
//! "Reference programs") in Rust, behaving the same way: it connects to
//! `tcp://localhost:5555`, sends each line you type as a request and prints the reply,
//! until you type `quit` (any case) or input ends; Ctrl+C shuts it down cleanly too. It
//! works with `zmq_server` and with the Python server.
//!
//! ```sh
//! cargo run --example zmq_client
//! printf 'hello\nquit\n' | cargo run --example zmq_client
//! ```
//!
//! `ZMQ_EXAMPLE_ADDRESS` overrides the address, as for `zmq_server`.

mod support;

use std::io::Write;
use std::process::ExitCode;

use support::{Input, LineReader};

/// How the session ended, when it was not an error.
enum End {
    Quit,
    InputClosed,
    CtrlC,
}

/// `Ok(Err(End::CtrlC))` when a blocking call was interrupted by Ctrl+C.
fn interrupted_or<T>(result: zmq::Result<T>) -> Result<Result<T, End>, zmq::Error> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(zmq::Error::EINTR) if support::interrupted() => Ok(Err(End::CtrlC)),
        Err(err) => Err(err),
    }
}

fn chat(socket: &zmq::Socket) -> Result<End, zmq::Error> {
    let mut input = LineReader::default();
    loop {
        print!("Enter message: ");
        let _ = std::io::stdout().flush();
        let user_input = match input.read_line() {
            Input::Line(line) => line,
            Input::End => return Ok(End::InputClosed),
            Input::Interrupted => return Ok(End::CtrlC),
        };
        if user_input.to_lowercase() == "quit" {
            return Ok(End::Quit);
        }

        // A REQ socket must receive the reply before it can send the next request.
        println!("Sending request: '{user_input}'");
        if let Err(end) = interrupted_or(socket.send(user_input.as_str(), 0))? {
            return Ok(end);
        }
        let reply = match interrupted_or(socket.recv_string(0))? {
            Ok(Ok(text)) => text,
            Ok(Err(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(end) => return Ok(end),
        };
        println!("Received reply: '{reply}'");
        println!("{}", "-".repeat(20));
    }
}

fn main() -> ExitCode {
    support::install_sigint_handler();
    let address = support::address();

    let context = zmq::Context::new();
    let socket = match context.socket(zmq::REQ) {
        Ok(socket) => socket,
        Err(err) => {
            eprintln!("cannot create a socket: {err}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(err) = socket.connect_endpoint(&address) {
        eprintln!("{err}");
        return ExitCode::FAILURE;
    }
    println!("ZeroMQ REQ client started, connected to {address}");
    println!("You can enter messages to send to the server, type 'quit' to exit.");

    let outcome = chat(&socket);
    match outcome {
        Ok(End::CtrlC) => println!("\nDetected Ctrl+C, shutting down the client..."),
        // The prompt is still on the line.
        Ok(End::InputClosed) => println!(),
        Ok(End::Quit) | Err(_) => {}
    }
    // Clean up: a request that never reached a server must not make the context wait
    // forever (the default linger is infinite).
    let _ = socket.set_linger(0);
    drop(socket);
    drop(context);
    println!("Client has been safely shut down.");
    match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
