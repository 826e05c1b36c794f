//! Raw FFI bindings to [libzmq](https://zeromq.org) 4.3.5, the ZeroMQ C library.
//!
//! This crate only declares what `zmq.h` declares (draft API included), plus the `errno`
//! values libzmq reports and [`RawFd`]. Use the safe [`zmq`](https://docs.rs/zmq) crate
//! unless you need to call libzmq directly.
//!
//! # Linking
//! - Feature `vendored` (default): libzmq 4.3.5 is compiled statically from the source of the
//!   `zeromq-src` crate, with the draft API, and optimised even in dev builds.
//! - Feature `curve` (default): libsodium is built from source and CURVE is enabled.
//! - Without `vendored`, or with the environment variable `ZMQ_SYS_NO_VENDOR=1`: a system
//!   libzmq (>= 4.3.2) is found through pkg-config.
//! - Feature `bindgen`: the bindings are regenerated from the `zmq.h` that is linked
//!   (needs libclang); otherwise the committed `src/bindings.rs` is used.
//!
//! The build publishes `DEP_ZMQ_VERSION`, `DEP_ZMQ_DRAFT`, `DEP_ZMQ_CURVE`,
//! `DEP_ZMQ_VENDORED` and `DEP_ZMQ_INCLUDE` to the build scripts of dependent crates.
//!
//! # Example
//! ```
//! let (mut major, mut minor, mut patch) = (0, 0, 0);
//! // SAFETY: zmq_version only writes the three ints it is given.
//! unsafe { zmq_sys::zmq_version(&mut major, &mut minor, &mut patch) };
//! assert_eq!(major, zmq_sys::ZMQ_VERSION_MAJOR as i32);
//! ```

#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]

// Unix only for now: the checked-in bindings and `RawFd` are unix's (on Windows `ZMQ_FD` and
// `zmq_pollitem_t::fd` are a `SOCKET`). See docs/architecture.md, "Platform support".
#[cfg(not(unix))]
compile_error!(
    "zmq-sys supports unix targets only for now (Windows would need SOCKET-typed handles \
     in the bindings); see docs/architecture.md in the repository"
);

// Generated code: bindgen's `Default` impls zero-fill plain C structs in `unsafe` blocks
// without SAFETY comments, and the declarations carry no docs (see libzmq's man pages).
#[allow(
    missing_docs,
    clippy::all,
    clippy::missing_safety_doc,
    clippy::undocumented_unsafe_blocks
)]
mod bindings {
    #[cfg(feature = "bindgen")]
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
    #[cfg(not(feature = "bindgen"))]
    include!("bindings.rs");
}

pub use bindings::*;

pub mod errno;

/// The type of a native socket handle: what `ZMQ_FD` returns and `zmq_pollitem_t::fd` holds.
#[cfg(unix)]
pub type RawFd = std::os::unix::io::RawFd;

// Link-time pull of libsodium: the static libzmq refers to it, so it must be linked after.
#[cfg(feature = "curve")]
extern crate libsodium_sys;
