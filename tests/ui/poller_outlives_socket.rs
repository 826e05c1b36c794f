// A Poller borrows the sockets added to it: they must outlive it.
fn main() {
    let ctx = zmq::Context::new();
    let mut poller = zmq::poller::Poller::new();
    {
        let socket = ctx.socket(zmq::PULL).unwrap();
        poller.add(&socket, zmq::POLLIN);
    }
    let _ = poller.poll(None);
}
