//! The tokio adapter: async sockets that register libzmq's `ZMQ_FD` with tokio's reactor.
//!
//! Work in progress (issue #3).
