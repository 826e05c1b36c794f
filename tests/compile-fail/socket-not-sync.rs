//! Must not compile: a Socket is not Sync (libzmq sockets are not thread safe).
fn assert_sync<T: Sync>() {}

fn main() {
    assert_sync::<zmq::Socket>();
}
