//! The interop test crate (`test-pyzmq` feature): this crate against pyzmq 27.3.0 peers,
//! run as separate Python processes. It needs Python with that pyzmq: `cargo xtask test`
//! makes one (`cargo xtask pyenv`), or set `ZMQ_TEST_PYTHON`. With the feature on and no
//! such Python, every test fails and says so; without the feature, nothing here is built.
//!
//! Run one module with `cargo xtask test --test interop <module>::` (e.g. `pubsub::`).

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "tokio")]
mod asyncio;
mod devices;
mod liveness;
mod pipeline;
mod pubsub;
mod reference;
mod reqrep;
mod security;
mod stream;
#[cfg(all(feature = "serde", feature = "bytes"))]
mod zerocopy;
mod zmqcat;
