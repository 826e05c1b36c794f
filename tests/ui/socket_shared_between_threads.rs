// Sharing `&Socket` with a scoped thread needs `Socket: Sync`, which it is not.
fn main() {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::PUSH).unwrap();
    std::thread::scope(|scope| {
        scope.spawn(|| socket.send("from another thread", 0));
        socket.send("from this thread", 0).unwrap();
    });
}
