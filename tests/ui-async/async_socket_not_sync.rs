// An AsyncSocket cannot be shared between tasks by reference.
fn assert_sync<T: Sync>() {}

fn main() {
    assert_sync::<zmq::rt::tokio::AsyncSocket>();
}
