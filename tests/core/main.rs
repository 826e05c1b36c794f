//! The core test crate: the synchronous API, one module per concern. It is one test binary
//! (each binary links libzmq and libsodium statically, so fewer binaries build faster);
//! the tests of all modules run in parallel threads of one process, so a test must not
//! depend on process-wide state that another module changes.
//!
//! Run one module with `cargo test --test core <module>::` (e.g. `patterns::`).

#[path = "../common/mod.rs"]
mod common;

mod compat;
mod context;
mod context_instance;
mod curve;
mod docs;
#[cfg(feature = "draft")]
mod draft;
mod endpoint_ports;
mod errors;
mod examples;
mod faults;
mod flow_control;
#[cfg(feature = "serde")]
mod json;
mod layers;
mod lifecycle;
mod limits;
mod linking;
// Installs a `#[global_allocator]` (the system allocator, watching one block) for this
// binary.
mod message;
mod monitor;
mod monitored_queue;
mod multipart;
mod ownership;
mod patterns;
mod poller;
#[cfg(feature = "draft")]
mod poller_draft;
mod proxy;
mod proxy_spawn;
mod robustness;
mod shutdown;
mod sockopt;
mod threads;
mod tools;
mod utf8;
#[cfg(feature = "bytes")]
mod zerocopy;
