//! Typed send and receive flags.
//!
//! Socket methods accept either zmq 0.10's `i32` flags (`0`, `zmq::DONTWAIT`,
//! `zmq::SNDMORE`, or an `|` of them) or these types:
//!
//! ```
//! use zmq::flags::{RecvFlags, SendFlags};
//! let ctx = zmq::Context::new();
//! let push = ctx.socket(zmq::PUSH).unwrap();
//! let pull = ctx.socket(zmq::PULL).unwrap();
//! pull.bind("inproc://flags-doc").unwrap();
//! push.connect("inproc://flags-doc").unwrap();
//! push.send("a", SendFlags::SNDMORE).unwrap();
//! push.send("b", SendFlags::empty()).unwrap();
//! assert_eq!(pull.recv_bytes(RecvFlags::DONTWAIT).unwrap(), b"a");
//! assert_eq!(pull.recv_bytes(0).unwrap(), b"b");
//! assert_eq!(pull.recv_bytes(RecvFlags::DONTWAIT), Err(zmq::Error::EAGAIN));
//! ```

bitflags::bitflags! {
    /// Flags for sending.
    pub struct SendFlags: i32 {
        /// Fail with `EAGAIN` instead of blocking (`ZMQ_DONTWAIT`).
        const DONTWAIT = zmq_sys::ZMQ_DONTWAIT as i32;
        /// More frames of this message follow (`ZMQ_SNDMORE`).
        const SNDMORE = zmq_sys::ZMQ_SNDMORE as i32;
    }
}

bitflags::bitflags! {
    /// Flags for receiving.
    pub struct RecvFlags: i32 {
        /// Fail with `EAGAIN` instead of blocking (`ZMQ_DONTWAIT`).
        const DONTWAIT = zmq_sys::ZMQ_DONTWAIT as i32;
    }
}

impl From<SendFlags> for i32 {
    fn from(flags: SendFlags) -> i32 {
        flags.bits()
    }
}

impl From<RecvFlags> for i32 {
    fn from(flags: RecvFlags) -> i32 {
        flags.bits()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for i32 {}
    impl Sealed for super::SendFlags {}
    impl Sealed for super::RecvFlags {}
}

/// What a send method accepts as flags: zmq 0.10's `i32`, or [`SendFlags`].
pub trait IntoSendFlags: sealed::Sealed {
    /// The raw `int` passed to libzmq.
    fn into_raw(self) -> i32;
}

impl IntoSendFlags for i32 {
    fn into_raw(self) -> i32 {
        self
    }
}

impl IntoSendFlags for SendFlags {
    fn into_raw(self) -> i32 {
        self.bits()
    }
}

/// What a receive method accepts as flags: zmq 0.10's `i32`, or [`RecvFlags`].
pub trait IntoRecvFlags: sealed::Sealed {
    /// The raw `int` passed to libzmq.
    fn into_raw(self) -> i32;
}

impl IntoRecvFlags for i32 {
    fn into_raw(self) -> i32 {
        self
    }
}

impl IntoRecvFlags for RecvFlags {
    fn into_raw(self) -> i32 {
        self.bits()
    }
}
