//! Safe, fast Rust bindings to [libzmq](https://zeromq.org), the ZeroMQ C library.
//!
//! ```
//! // A request/reply pair over TCP.
//! let ctx = zmq::Context::new();
//!
//! let server = ctx.socket(zmq::REP)?;
//! server.bind("tcp://127.0.0.1:*")?;
//! let endpoint = server.get_last_endpoint()?.unwrap();
//!
//! let client = ctx.socket(zmq::REQ)?;
//! client.connect(&endpoint)?;
//!
//! client.send("Hello", 0)?;
//! let request = server.recv_string(0)?.unwrap();
//! server.send(format!("Server received your message: '{request}'"), 0)?;
//! assert_eq!(
//!     client.recv_string(0)?.unwrap(),
//!     "Server received your message: 'Hello'"
//! );
//! # Ok::<(), zmq::Error>(())
//! ```
//!
//! # What is where
//! - [`Context`] makes [`Socket`]s; sockets bind, connect, send and receive [`Message`]s.
//!   Socket options are methods on [`Socket`] (see [`sockopt`] for the table).
//! - [`poll`] and [`PollItem`] (zmq 0.10), or [`poller::Poller`], wait on several sockets.
//! - [`monitor`]: typed connection events. [`proxy()`] and friends: built-in devices;
//!   [`proxy::spawn`] runs one on its own thread, steered through a handle.
//! - [`curve`], [`z85`]: CURVE keys and their text encoding. [`flags`]: typed flags.
//! - [`error`]: [`Error`] (zmq 0.10's enum) and errors that name their endpoint.
//! - Zero copy: [`Message::from_owner`] sends any buffer without copying it (payloads
//!   over 64 bytes; smaller ones are cheaper to copy), [`Message::tracked`] also returns
//!   a [`Tracker`] that says when libzmq is done with it; with the feature `bytes`,
//!   `bytes::Bytes` converts into a [`Message`] and back without copying. [`Context::instance`] is one context for the whole process.
//! - Feature `serde`: `Socket::send_json`/`recv_json` (pyzmq's JSON messages) and
//!   `JsonError`. See docs/zero-copy.md in the repository.
//! - `zmq::draft` (feature `draft`): the draft socket types (SERVER/CLIENT, RADIO/DISH,
//!   SCATTER/GATHER, PEER/CHANNEL, DGRAM); the thread-safe ones are `Sync`.
//! - `zmq::rt`: async adapters; `zmq::rt::tokio` (feature `tokio`) has async sockets on
//!   tokio, `zmq::rt::async_io` (feature `async-io`) the same sockets on the async-io
//!   reactor (smol).
//!
//! # Compatibility
//! This crate builds programs written for the `zmq` 0.10 crate (rust-zmq) unchanged:
//! same names, signatures and behaviour, minus its panics and its `Context::destroy`
//! use-after-free. libzmq 4.3.5 is compiled from source with CURVE, so
//! `zmq::has("curve") == Some(true)`.
//!
//! # Defaults that bite
//! - **Linger is infinite**: terminating a context waits for every unsent message. Set
//!   [`Socket::set_linger`] or [`Context::set_blocky(false)`](Context::set_blocky).
//! - **Message size is unlimited**: set [`Socket::set_maxmsgsize`] on sockets that face
//!   untrusted peers.
//! - **A CURVE server without a ZAP handler accepts any client** that knows its public
//!   key.
//! - A SUB socket receives nothing until [`Socket::set_subscribe`] is called.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
// docs.rs builds with `--cfg docsrs` and every feature (see Cargo.toml): label the items
// that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

// Unix only for now; see docs/architecture.md, "Platform support".
#[cfg(not(unix))]
compile_error!(
    "the zmq crate supports unix targets only for now (Linux is tested); Windows support \
     is planned, see docs/architecture.md"
);

pub mod auth;
// The compile-fail checks (doctests only).
#[cfg(doctest)]
mod compile_fail;
mod context;
pub mod curve;
#[cfg(feature = "draft")]
#[cfg_attr(docsrs, doc(cfg(feature = "draft")))]
pub mod draft;
mod endpoint;
pub mod error;
pub mod flags;
// Every snippet of the README and of the guides in docs/ runs as a doctest (with the
// features they use: `cargo test --features full`).
#[cfg(all(
    doctest,
    feature = "draft",
    feature = "tokio",
    feature = "async-io",
    feature = "bytes",
    feature = "serde"
))]
mod guides;
// The zero-copy handover to libzmq, under both message.rs and tracker.rs.
mod handover;
#[cfg(feature = "serde")]
mod json;
// message.rs owns `zmq_msg_t` and calls the `zmq_msg_*` functions itself (part of the raw
// layer, see clippy.toml).
#[allow(clippy::disallowed_methods)]
mod message;
pub mod monitor;
mod poll;
pub mod poller;
pub mod proxy;
// The raw layer: raw/mod.rs owns the context and socket pointers, raw/sys.rs makes the
// calls that need none, raw/poller.rs the async draft sockets' zmq_poller (with
// message.rs, the only code that calls zmq_sys).
mod raw;
#[cfg(all(any(feature = "tokio", feature = "async-io"), unix))]
#[cfg_attr(
    docsrs,
    doc(cfg(all(any(feature = "tokio", feature = "async-io"), unix)))
)]
pub mod rt;
mod serialized;
mod socket;
pub mod sockopt;
mod tracker;
pub mod tuning;
pub mod z85;

use std::ffi::CString;

pub use crate::context::{Context, MAX_SOCKETS_CEILING};
pub use crate::curve::CurveKeyPair;
pub use crate::error::Error;
#[cfg(feature = "serde")]
pub use crate::json::JsonError;
pub use crate::message::Message;
pub use crate::monitor::SocketEvent;
pub use crate::poll::{PollEvents, PollItem, poll};
pub use crate::proxy::{proxy, proxy_steerable, proxy_steerable_with_capture, proxy_with_capture};
pub use crate::socket::{Mechanism, Sendable, Socket, SocketType};
pub use crate::tracker::Tracker;
pub use crate::z85::{DecodeError, EncodeError};
pub use SocketType::*;

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// Send/receive flag: fail with `EAGAIN` instead of blocking (`ZMQ_DONTWAIT`).
pub static DONTWAIT: i32 = zmq_sys::ZMQ_DONTWAIT as i32;
/// Send flag: more frames of this message follow (`ZMQ_SNDMORE`).
pub static SNDMORE: i32 = zmq_sys::ZMQ_SNDMORE as i32;
/// Poll for readability.
pub const POLLIN: PollEvents = PollEvents::POLLIN;
/// Poll for writability.
pub const POLLOUT: PollEvents = PollEvents::POLLOUT;
/// Poll for errors (file descriptors only).
pub const POLLERR: PollEvents = PollEvents::POLLERR;

/// The version of the linked libzmq: `(4, 3, 5)` with the vendored build.
#[doc(alias = "zmq_version")]
pub fn version() -> (i32, i32, i32) {
    raw::sys::version()
}

/// Whether libzmq has a capability (`zmq_has`): `"ipc"`, `"pgm"`, `"tipc"`, `"norm"`,
/// `"curve"`, `"gssapi"`, `"draft"`, `"WS"`, `"WSS"`. Always `Some` (zmq 0.10's shape);
/// a name with a NUL byte is `Some(false)`.
#[doc(alias = "zmq_has")]
pub fn has(capability: &str) -> Option<bool> {
    Some(has_capability(capability))
}

/// Whether libzmq has a capability (see [`has`]).
pub fn has_capability(capability: &str) -> bool {
    let Ok(name) = CString::new(capability) else {
        return false;
    };
    raw::sys::has(&name)
}

/// Encodes binary data (a multiple of 4 bytes) as Z85 text (zmq 0.10; see [`z85::encode`]).
pub fn z85_encode(data: &[u8]) -> std::result::Result<String, EncodeError> {
    z85::encode_compat(data)
}

/// Decodes Z85 text (a multiple of 5 characters) (zmq 0.10; see [`z85::decode`]).
pub fn z85_decode(data: &str) -> std::result::Result<Vec<u8>, DecodeError> {
    z85::decode_compat(data)
}
