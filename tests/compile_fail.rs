//! What the type system rules out, checked with `trybuild` (`tests/ui/*.rs` must fail to
//! compile with the errors in the matching `.stderr` files): a Socket is not `Sync`, and
//! neither a `PollItem` nor a `Poller` can outlive the sockets it borrows.
//!
//! The positive side (Context is `Send + Sync + Clone`, Socket is `Send`, `DraftSocket` is
//! `Send + Sync`) is checked at compile time by `ownership_traits` below, which builds
//! with the rest of the tests. Keeping trybuild to failing cases keeps it to
//! `cargo check` of its copy of the dependencies, which is its cost. After a compiler
//! upgrade changes a message, regenerate with `TRYBUILD=overwrite cargo test --test
//! compile_fail` and review the diff.

#[test]
fn ownership_traits() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    fn clone<T: Clone>() {}
    send_sync::<zmq::Context>();
    clone::<zmq::Context>();
    send::<zmq::Socket>();
    send_sync::<zmq::Message>();
    send_sync::<zmq::Error>();
    #[cfg(feature = "draft")]
    send_sync::<zmq::draft::DraftSocket>();
}

#[test]
fn compile_fail() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
