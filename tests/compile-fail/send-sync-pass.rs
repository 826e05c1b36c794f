//! Compiles: a Context is Send + Sync, a Socket and a Message are Send.
fn assert_send_sync<T: Send + Sync>() {}
fn assert_send<T: Send>() {}

fn main() {
    assert_send_sync::<zmq::Context>();
    assert_send::<zmq::Socket>();
    assert_send::<zmq::Message>();
    assert_send_sync::<zmq::auth::Authenticator>();
}
