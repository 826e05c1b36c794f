//! The security test crate: CURVE, PLAIN, ZAP and certificates (scenarios S1–S12 of
//! docs/design/reliability.md), against this crate's own peers. The cases against pyzmq
//! peers are `#[ignore]`d unless the `test-pyzmq` feature is on.
//!
//! Run one module with `cargo test --test security <module>::` (e.g. `zap::`).

#[path = "../common/mod.rs"]
mod common;

mod certs;
mod curve;
mod plain;
mod zap;
