//! The async test crate (`tokio` feature): the async adapters' API, the async design's
//! scenarios and the async authenticator, each on both runtime flavours. The API cases and
//! the scenarios are one list for every runtime: with feature `async-io` too, they also run
//! on async-io under smol's executor (`<test>::on_tokio::*`, `<test>::on_async_io::*`).
//!
//! Run one module with `cargo test --features tokio --test async_rt <module>::`.

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "draft")]
mod draft;
mod glob_import;
#[cfg(feature = "serde")]
mod json;
#[cfg(feature = "async-io")]
mod limits;
mod ownership;
mod proxy;
mod recv_into;
mod scenarios;
mod security;
mod socket;
mod timeouts;
#[cfg(feature = "bytes")]
mod zerocopy;
