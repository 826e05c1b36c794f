//! `perf`: this crate side by side with libzmq's C perf tools and other Rust crates.
//!
//! [`build`] makes the programs (and is shared with `scale`).

pub mod build;
