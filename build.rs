//! Turns what `zmq-sys` linked into cfgs for the safe crate:
//!
//! - `zmq_draft`: the linked libzmq has the draft API (the vendored one always does);
//! - `zmq_curve`: CURVE is known to be compiled in;
//! - `zmq_vendored`: libzmq was compiled from source by zmq-sys;
//! - `zmq_udp_mended`: with its udp engine mended (zmq-sys's `build/udp_fix.rs`).
//!
//! It also exports the linked version as `ZMQ_LINKED_VERSION` for tests and docs.

use std::env;

fn main() {
    for cfg in ["zmq_draft", "zmq_curve", "zmq_vendored", "zmq_udp_mended"] {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
    }
    // Set by `cargo xtask loom` (RUSTFLAGS="--cfg loom") for the loom models of src/rt.
    println!("cargo:rustc-check-cfg=cfg(loom)");
    // Set by docs.rs (see `[package.metadata.docs.rs]`).
    println!("cargo:rustc-check-cfg=cfg(docsrs)");
    let meta = |key: &str| env::var(format!("DEP_ZMQ_{key}")).unwrap_or_default();

    let draft = meta("DRAFT") == "1";
    if draft {
        println!("cargo:rustc-cfg=zmq_draft");
    }
    if meta("CURVE") == "1" {
        println!("cargo:rustc-cfg=zmq_curve");
    }
    if meta("VENDORED") == "1" {
        println!("cargo:rustc-cfg=zmq_vendored");
    }
    if meta("UDP_MENDED") == "1" {
        println!("cargo:rustc-cfg=zmq_udp_mended");
    }
    println!("cargo:rustc-env=ZMQ_LINKED_VERSION={}", meta("VERSION"));

    if env::var_os("CARGO_FEATURE_DRAFT").is_some() && !draft {
        panic!(
            "\n\nzmq: the `draft` feature needs a libzmq built with the draft API.\n\
             The vendored build (the default) has it; a system libzmq found through pkg-config \
             is assumed not to. If yours was configured with --enable-drafts, set \
             ZMQ_SYS_SYSTEM_HAS_DRAFT=1.\n"
        );
    }
}
