// Two operations on one socket cannot be in flight at once: use `into_split`.
async fn both(socket: &mut zmq::rt::tokio::AsyncSocket) {
    let recv = socket.recv_msg();
    let send = socket.send("x");
    let _ = futures::join!(recv, send);
}

fn main() {
    drop(both);
}
