// Receiving needs `&mut`: a shared `Arc<AsyncSocket>` cannot receive from two tasks.
use std::sync::Arc;

async fn reader(socket: Arc<zmq::rt::tokio::AsyncSocket>) {
    let _ = socket.recv_msg().await;
}

fn main() {
    let ctx = zmq::Context::new();
    let socket = zmq::rt::tokio::AsyncSocket::new(ctx.socket(zmq::PULL).unwrap()).unwrap();
    drop(reader(Arc::new(socket)));
}
