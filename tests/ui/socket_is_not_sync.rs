// A Socket may move to another thread, but two threads may not use it at once.
fn assert_sync<T: Sync>() {}

fn main() {
    assert_sync::<zmq::Socket>();
}
