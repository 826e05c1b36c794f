// A receive future borrows its socket: it cannot outlive it.
fn main() {
    let ctx = zmq::Context::new();
    let fut = {
        let mut socket = zmq::rt::tokio::AsyncSocket::new(ctx.socket(zmq::PULL).unwrap()).unwrap();
        socket.recv_msg()
    };
    drop(fut);
}
