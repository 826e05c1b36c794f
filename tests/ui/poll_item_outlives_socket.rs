// A PollItem borrows its socket: it cannot be used after the socket is dropped.
fn main() {
    let ctx = zmq::Context::new();
    let item = {
        let socket = ctx.socket(zmq::PULL).unwrap();
        socket.as_poll_item(zmq::POLLIN)
    };
    let _ = zmq::poll(&mut [item], 0);
}
