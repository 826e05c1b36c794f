//! Must not compile: a poll item borrows its socket and cannot outlive it.
fn main() {
    let ctx = zmq::Context::new();
    let item = {
        let socket = ctx.socket(zmq::PAIR).unwrap();
        socket.as_poll_item(zmq::POLLIN)
    };
    let _ = zmq::poll(&mut [item], 0);
}
