//! [`Socket`]: bind, connect, send and receive. Socket options live in `sockopt.rs`.

use std::ffi::{CString, c_void};
use std::fmt;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{EndpointError, EndpointOp, RecvStrError};
use crate::flags::{IntoRecvFlags, IntoSendFlags};
use crate::raw::RawSocket;
use crate::{Context, Error, Message, PollEvents, PollItem, Result};

/// The socket types of the stable libzmq API (the draft ones are in `zmq::draft`, feature `draft`).
///
/// The discriminants equal libzmq's `ZMQ_*` values (`zmq::REQ as i32 == 3`).
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketType {
    /// Exclusive pair: one peer, both directions.
    PAIR,
    /// Publisher: sends to all subscribers whose subscription prefixes match.
    PUB,
    /// Subscriber: receives what matches its subscriptions (none at first).
    SUB,
    /// Request: strictly send, then receive.
    REQ,
    /// Reply: strictly receive, then send.
    REP,
    /// Asynchronous request: round-robin out, fair-queued in.
    DEALER,
    /// Asynchronous reply: routes by the peer's routing id (the first frame).
    ROUTER,
    /// Pipeline consumer: fair-queued in.
    PULL,
    /// Pipeline producer: round-robin out.
    PUSH,
    /// PUB that also receives the subscriptions as messages.
    XPUB,
    /// SUB that sends its subscriptions as messages.
    XSUB,
    /// Raw TCP: each message is a routing id frame and a data frame.
    STREAM,
}

impl SocketType {
    /// libzmq's number for the type.
    pub fn to_raw(self) -> i32 {
        self as i32
    }

    /// The type for libzmq's number, or `None` for a number this enum does not name
    /// (a draft type, or garbage).
    pub fn try_from_raw(raw: i32) -> Option<SocketType> {
        use SocketType::*;
        Some(match raw {
            0 => PAIR,
            1 => PUB,
            2 => SUB,
            3 => REQ,
            4 => REP,
            5 => DEALER,
            6 => ROUTER,
            7 => PULL,
            8 => PUSH,
            9 => XPUB,
            10 => XSUB,
            11 => STREAM,
            _ => return None,
        })
    }
}

/// The security mechanism of a socket (`ZMQ_MECHANISM`).
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// No security.
    ZMQ_NULL,
    /// User name and password in clear text.
    ZMQ_PLAIN,
    /// CurveZMQ: encryption and authentication with Curve25519 keys.
    ZMQ_CURVE,
    /// Kerberos (not compiled into the vendored libzmq).
    ZMQ_GSSAPI,
}

impl Mechanism {
    /// The mechanism for libzmq's number, or `None` for an unknown one.
    pub fn try_from_raw(raw: i32) -> Option<Mechanism> {
        Some(match raw {
            0 => Mechanism::ZMQ_NULL,
            1 => Mechanism::ZMQ_PLAIN,
            2 => Mechanism::ZMQ_CURVE,
            3 => Mechanism::ZMQ_GSSAPI,
            _ => return None,
        })
    }
}

/// Things a [`Socket`] can send: anything that converts into a [`Message`], and
/// `&mut Message` (which is left empty on success and untouched on failure, so a message
/// that could not be sent is not lost).
pub trait Sendable {
    /// Sends `self` as one frame with zmq 0.10 `i32` flags.
    fn send(self, socket: &Socket, flags: i32) -> Result<()>;
}

impl<T> Sendable for T
where
    T: Into<Message>,
{
    #[inline]
    fn send(self, socket: &Socket, flags: i32) -> Result<()> {
        let mut msg: Message = self.into();
        socket.check_frame(&msg, flags & zmq_sys::ZMQ_SNDMORE as i32 != 0)?;
        socket.raw.msg_send(msg.for_io(), flags)
    }
}

impl Sendable for &mut Message {
    #[inline]
    fn send(self, socket: &Socket, flags: i32) -> Result<()> {
        socket.check_frame(self, flags & zmq_sys::ZMQ_SNDMORE as i32 != 0)?;
        socket.raw.msg_send(self.for_io(), flags)
    }
}

/// Whether `op` binds or connects a `udp://` endpoint (after which a RADIO's messages must
/// fit in one datagram).
pub(crate) fn opens_udp(op: EndpointOp, endpoint: &str) -> bool {
    matches!(op, EndpointOp::Bind | EndpointOp::Connect)
        && endpoint
            .get(..6)
            .is_some_and(|transport| transport.eq_ignore_ascii_case("udp://"))
}

/// After a successful bind of `endpoint`: if libzmq took the `ZMQ_USE_FD` descriptor (its
/// tcp, ipc and ws listeners do; the transport names are case sensitive there), sets the
/// option back to -1. libzmq owns the descriptor now and closes it; it would hand it to
/// the next bind too, and abort there.
pub(crate) fn forget_used_fd(raw: &RawSocket, endpoint: &str) {
    let takes_it = ["tcp://", "ipc://", "ws://", "wss://"]
        .iter()
        .any(|transport| endpoint.starts_with(transport));
    if takes_it && int_option(raw, zmq_sys::ZMQ_USE_FD).is_some_and(|fd| fd != -1) {
        let _ = raw.setsockopt(zmq_sys::ZMQ_USE_FD as libc::c_int, &(-1i32).to_ne_bytes());
    }
}

/// Whether a RADIO message fits in one datagram: a byte of group length, the group and
/// the body, at most [`UDP_DATAGRAM_MAX`].
pub(crate) fn radio_message_fits(msg: &Message) -> bool {
    1 + msg.group_len() + msg.len() <= UDP_DATAGRAM_MAX
}

/// The largest datagram libzmq 4.3.5's udp engine can send, in bytes: it copies each one
/// (for RADIO: one byte of group length, the group and the body) into a buffer of this
/// size without checking, so a larger one would overwrite memory. This crate refuses
/// larger messages on udp with `EMSGSIZE` before libzmq sees them. It reads incoming
/// datagrams into a buffer of the same size: the vendored build on Linux drops a larger
/// one, where libzmq 4.3.5 delivers its first 8192 bytes as if they were the whole.
pub const UDP_DATAGRAM_MAX: usize = 8192;

/// A ZeroMQ socket.
///
/// Made by [`Context::socket`]. A socket is `Send` but not `Sync`: it can move to another
/// thread, but only one thread may use it at a time (libzmq sockets are not thread safe).
/// It keeps its [`Context`] alive, and is closed when dropped (`zmq_close`, which does not
/// block; pending messages are sent in the background during the linger period).
///
/// Methods take `flags` as zmq 0.10's `i32` (`0`, [`DONTWAIT`](crate::DONTWAIT),
/// [`SNDMORE`](crate::SNDMORE)) or as typed [`SendFlags`](crate::flags::SendFlags) /
/// [`RecvFlags`](crate::flags::RecvFlags).
///
/// ```
/// let ctx = zmq::Context::new();
/// let push = ctx.socket(zmq::PUSH).unwrap();
/// push.bind("tcp://127.0.0.1:*").unwrap();
/// let endpoint = push.get_last_endpoint().unwrap().unwrap();
/// let pull = ctx.socket(zmq::PULL).unwrap();
/// pull.connect(&endpoint).unwrap();
/// push.send_multipart(["header", "body"], 0).unwrap();
/// assert_eq!(pull.recv_multipart(0).unwrap(), vec![b"header".to_vec(), b"body".to_vec()]);
/// ```
pub struct Socket {
    // Field order matters: the socket is closed before its context handle is released,
    // since releasing the last handle terminates the context, which waits for the socket.
    pub(crate) raw: RawSocket,
    context: Option<Context>,
    /// A DGRAM socket, whose messages are exactly two frames (see `send_multipart`); set
    /// from the type the socket was made with.
    datagram: bool,
    /// A RADIO socket (made with `Context::socket_raw` or adopted with `from_raw`; the
    /// usual way is `DraftSocket`, which has the same check).
    radio: bool,
    /// Whether sends must fit in one datagram: a DGRAM socket, or a RADIO that has (or
    /// tried) a udp endpoint. One load on the hot path of every other socket.
    /// (An atomic, read and written `Relaxed` by the one thread that uses the socket, so
    /// that `Socket` stays `RefUnwindSafe` as in zmq 0.10; a `Cell` is not.)
    udp_sized: AtomicBool,
}

// SAFETY: a libzmq socket may be used from any thread as long as only one thread uses it at
// a time and there is a full memory barrier when it moves. `Socket` is not `Sync`, so only
// its owner uses it, and moving a value between threads goes through a synchronising
// primitive (thread spawn, a channel, a mutex), which provides the barrier.
unsafe impl Send for Socket {}

/// An `int` option of `raw`, for the few this module reads itself (rather than through
/// `sockopt`, the layer above this one); `None` if libzmq cannot say.
fn int_option(raw: &RawSocket, option: u32) -> Option<i32> {
    let mut value = [0u8; 4];
    raw.getsockopt(option as libc::c_int, &mut value)
        .ok()
        .map(|_| i32::from_ne_bytes(value))
}

fn endpoint_cstring(op: EndpointOp, endpoint: &str) -> std::result::Result<CString, EndpointError> {
    EndpointError::checked_cstring(op, endpoint)
}

impl Socket {
    /// Whether this is a DGRAM socket, whose messages are exactly two frames.
    #[cfg(any(feature = "tokio", feature = "async-io"))]
    pub(crate) fn is_datagram(&self) -> bool {
        self.datagram
    }

    /// Whether libzmq may hand this socket's messages to its udp engine with no check of
    /// ours in between (a proxy): a DGRAM socket, or a RADIO with a udp endpoint.
    pub(crate) fn sends_datagrams(&self) -> bool {
        self.udp_sized.load(Ordering::Relaxed)
    }

    /// `EMSGSIZE` for a frame larger than a DGRAM socket or a RADIO on udp can send
    /// ([`UDP_DATAGRAM_MAX`]), `EINVAL` for a DGRAM address frame (the one sent with
    /// `more`) that libzmq would misread or drop (see
    /// [`send_multipart`](Self::send_multipart)); every frame passes on other sockets.
    #[inline(always)]
    pub(crate) fn check_frame(&self, msg: &Message, more: bool) -> Result<()> {
        // One load on the hot path of every other socket.
        if self.udp_sized.load(Ordering::Relaxed) {
            return self.check_datagram_frame(msg, more);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn check_datagram_frame(&self, msg: &Message, more: bool) -> Result<()> {
        let fits = if self.datagram {
            msg.len() <= UDP_DATAGRAM_MAX
        } else {
            radio_message_fits(msg)
        };
        if !fits {
            return Err(Error::EMSGSIZE);
        }
        // libzmq takes a DGRAM frame sent with `more` as the address (and refuses any
        // other frame with `more`).
        if self.datagram && more && !crate::endpoint::is_datagram_address(msg) {
            return Err(Error::EINVAL);
        }
        Ok(())
    }

    /// A socket of raw type `kind` (`ZMQ_*`).
    pub(crate) fn from_parts(raw: RawSocket, context: Option<Context>, kind: i32) -> Socket {
        Socket {
            raw,
            context,
            datagram: kind == zmq_sys::ZMQ_DGRAM as i32,
            radio: kind == zmq_sys::ZMQ_RADIO as i32,
            udp_sized: AtomicBool::new(kind == zmq_sys::ZMQ_DGRAM as i32),
        }
    }

    /// Takes ownership of a raw libzmq socket; it is closed when the `Socket` is dropped.
    /// The socket holds no [`Context`] handle.
    ///
    /// # Safety
    /// `sock` must be a live libzmq socket that nothing else closes or uses concurrently,
    /// and its context must outlive the returned `Socket`.
    pub unsafe fn from_raw(sock: *mut c_void) -> Socket {
        let ptr = NonNull::new(sock).expect("Socket::from_raw: null socket pointer");
        // SAFETY: the caller guarantees a live socket we may own.
        let raw = unsafe { RawSocket::from_raw(ptr, true) };
        // The type is known here only by asking (-1, no type, if libzmq cannot say).
        let kind = int_option(&raw, zmq_sys::ZMQ_TYPE).unwrap_or(-1);
        Socket::from_parts(raw, None, kind)
    }

    /// Gives up ownership and returns the raw socket; the caller must close it.
    ///
    /// This drops the socket's [`Context`] handle: if it was the last one, the context is
    /// terminated now, which blocks until the socket is closed. Keep a handle (see
    /// [`Socket::context`]) while you use the raw socket.
    pub fn into_raw(self) -> *mut c_void {
        let Socket { raw, context, .. } = self;
        let ptr = raw.into_raw();
        drop(context);
        ptr
    }

    /// The raw `void *` socket, for calling libzmq directly.
    pub fn as_mut_ptr(&mut self) -> *mut c_void {
        self.raw.as_ptr()
    }

    /// The raw `void *` socket, for calling libzmq directly. Using it from another thread
    /// while this `Socket` is in use is undefined behaviour.
    pub fn as_ptr(&self) -> *mut c_void {
        self.raw.as_ptr()
    }

    /// The context the socket was made from (`None` for [`Socket::from_raw`]).
    pub fn context(&self) -> Option<&Context> {
        self.context.as_ref()
    }

    fn endpoint_call(
        &self,
        op: EndpointOp,
        endpoint: &str,
        call: impl FnOnce(&RawSocket, &std::ffi::CStr) -> std::result::Result<(), crate::raw::Errno>,
    ) -> std::result::Result<(), EndpointError> {
        let c_endpoint = endpoint_cstring(op, endpoint)?;
        if self.datagram && matches!(op, EndpointOp::Bind | EndpointOp::Connect) && self.ipv6() {
            // libzmq 4.3.5's DGRAM asserts that every datagram it receives is IPv4: with
            // ZMQ_IPV6 set, the first IPv6 one would abort the process.
            return Err(EndpointError::new(op, endpoint, zmq_sys::errno::ENOTSUP));
        }
        if self.radio && opens_udp(op, endpoint) {
            self.udp_sized.store(true, Ordering::Relaxed);
        }
        call(&self.raw, &c_endpoint).map_err(|errno| EndpointError::new(op, endpoint, errno.0))
    }

    /// Whether `ZMQ_IPV6` is set.
    fn ipv6(&self) -> bool {
        int_option(&self.raw, zmq_sys::ZMQ_IPV6).is_some_and(|on| on != 0)
    }

    /// Binds to an endpoint, e.g. `tcp://127.0.0.1:5555`, `tcp://*:*` (any port; read it
    /// back with [`get_last_endpoint`](Self::get_last_endpoint)), `ipc:///tmp/feed`,
    /// `inproc://name` (`zmq_bind`).
    ///
    /// # Errors
    /// As [`bind_endpoint`](Self::bind_endpoint), without the endpoint in the error.
    #[doc(alias = "zmq_bind")]
    pub fn bind(&self, endpoint: &str) -> Result<()> {
        self.bind_endpoint(endpoint).map_err(Error::from)
    }

    /// Binds to an endpoint; the error names the endpoint and the cause.
    ///
    /// # Errors
    /// `EINVAL` (malformed endpoint, or a NUL byte in it), `EPROTONOSUPPORT` (unknown
    /// transport), `EADDRINUSE`, `EADDRNOTAVAIL`, `ENODEV` (unknown interface),
    /// `ENAMETOOLONG`/`ENOENT` (ipc path), `ENOCOMPATPROTO`, `ETERM`.
    pub fn bind_endpoint(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Bind, endpoint, RawSocket::bind)?;
        forget_used_fd(&self.raw, endpoint);
        Ok(())
    }

    /// Stops listening on an endpoint bound before (`zmq_unbind`). For a wildcard bind,
    /// pass the address [`get_last_endpoint`](Self::get_last_endpoint) returned.
    #[doc(alias = "zmq_unbind")]
    pub fn unbind(&self, endpoint: &str) -> Result<()> {
        self.unbind_endpoint(endpoint).map_err(Error::from)
    }

    /// [`unbind`](Self::unbind), with an error that names the endpoint.
    pub fn unbind_endpoint(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Unbind, endpoint, RawSocket::unbind)
    }

    /// Connects to an endpoint (`zmq_connect`). The connection is made in the background
    /// and re-made after failures, so connecting before the peer binds is fine.
    #[doc(alias = "zmq_connect")]
    pub fn connect(&self, endpoint: &str) -> Result<()> {
        self.connect_endpoint(endpoint).map_err(Error::from)
    }

    /// [`connect`](Self::connect), with an error that names the endpoint.
    pub fn connect_endpoint(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Connect, endpoint, RawSocket::connect)
    }

    /// Disconnects from an endpoint connected before (`zmq_disconnect`).
    #[doc(alias = "zmq_disconnect")]
    pub fn disconnect(&self, endpoint: &str) -> Result<()> {
        self.disconnect_endpoint(endpoint).map_err(Error::from)
    }

    /// [`disconnect`](Self::disconnect), with an error that names the endpoint.
    pub fn disconnect_endpoint(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Disconnect, endpoint, RawSocket::disconnect)
    }

    /// Publishes this socket's events on a PAIR socket bound at `monitor_endpoint`
    /// (`zmq_socket_monitor`, must be `inproc://`). `events` is a mask of
    /// [`SocketEvent`](crate::SocketEvent) values (e.g. `SocketEvent::ALL as i32`).
    ///
    /// See [`crate::monitor`] for a typed reader of the events.
    #[doc(alias = "zmq_socket_monitor")]
    pub fn monitor(&self, monitor_endpoint: &str, events: i32) -> Result<()> {
        self.endpoint_call(EndpointOp::Monitor, monitor_endpoint, |raw, ep| {
            raw.monitor(Some(ep), events)
        })
        .map_err(Error::from)
    }

    /// Stops monitoring (`zmq_socket_monitor` with a NULL endpoint); the monitor socket
    /// receives `MONITOR_STOPPED`.
    pub fn stop_monitor(&self) -> Result<()> {
        self.raw.monitor(None, 0).map_err(Error::from)
    }

    /// Sends one frame (`zmq_msg_send`). `data` may be a [`Message`], `&mut Message`,
    /// `&str`, `&[u8]`, `Vec<u8>`, `String`, `Box<[u8]>`, a byte array or a reference to
    /// any of these. Owned buffers are sent without copying.
    ///
    /// With [`SNDMORE`](crate::SNDMORE), more frames of the same message follow.
    ///
    /// # Errors
    /// `EAGAIN` with `DONTWAIT` (or after `SNDTIMEO`) when the message cannot be queued;
    /// `EFSM` when the socket type does not allow a send now; `EHOSTUNREACH` for an
    /// unroutable message with `ROUTER_MANDATORY`; `ETERM`. On error an owned `data` is
    /// dropped; pass `&mut Message` to keep it.
    #[doc(alias = "zmq_msg_send")]
    #[inline]
    pub fn send<T>(&self, data: T, flags: impl IntoSendFlags) -> Result<()>
    where
        T: Sendable,
    {
        data.send(self, flags.into_raw())
    }

    /// Sends a message; use [`Socket::send`].
    #[deprecated(since = "0.9.0", note = "Use `send` instead")]
    pub fn send_msg(&self, msg: Message, flags: i32) -> Result<()> {
        self.send(msg, flags)
    }

    /// Sends a string; use [`Socket::send`].
    #[deprecated(since = "0.9.0", note = "Use `send` instead")]
    pub fn send_str(&self, data: &str, flags: i32) -> Result<()> {
        self.send(data, flags)
    }

    /// Sends the parts as one multipart message: every part but the last with
    /// [`SNDMORE`](crate::SNDMORE). Sends nothing for an empty iterator.
    ///
    /// Once the first part is accepted, libzmq accepts the rest (the high-water mark counts
    /// whole messages), so the message arrives whole or not at all. A DGRAM socket's
    /// message is exactly two parts (address, payload): one part or more than two is
    /// `EINVAL`, a part over [`UDP_DATAGRAM_MAX`] bytes `EMSGSIZE`, and nothing is sent.
    /// The address is `ipv4:port` (`"127.0.0.1:5555"`; no host names), with a port from 1
    /// to 65535 and nothing after it: any other is `EINVAL` (libzmq would drop the
    /// datagram without a word, or send it to the port number modulo 65536).
    pub fn send_multipart<I, T>(&self, iter: I, flags: impl IntoSendFlags) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: Into<Message>,
    {
        let flags = flags.into_raw();
        if self.datagram {
            // libzmq would take the address and then refuse a second part marked "more",
            // leaving the socket half-way through a datagram: the next send would go to
            // that address. Count first.
            let parts: Vec<Message> = iter.into_iter().map(Into::into).collect();
            if parts.is_empty() {
                return Ok(());
            }
            let [mut address, mut payload] =
                <[Message; 2]>::try_from(parts).map_err(|_| Error::EINVAL)?;
            // Both frames are checked before the address goes, for the same reason.
            self.check_frame(&address, true)?;
            self.check_frame(&payload, false)?;
            self.raw
                .msg_send(address.for_io(), flags | zmq_sys::ZMQ_SNDMORE as i32)?;
            return self.raw.msg_send(payload.for_io(), flags);
        }
        let mut parts = iter.into_iter().peekable();
        while let Some(part) = parts.next() {
            let more = if parts.peek().is_some() {
                zmq_sys::ZMQ_SNDMORE as i32
            } else {
                0
            };
            part.into().send(self, flags | more)?;
        }
        Ok(())
    }

    /// Receives one frame into `msg`, replacing its content (`zmq_msg_recv`). Reusing one
    /// `Message` avoids an allocation per frame.
    ///
    /// # Errors
    /// `EAGAIN` with `DONTWAIT` (or after `RCVTIMEO`) when nothing is queued; `EFSM` when
    /// the socket type does not allow a receive now; `ETERM`.
    #[doc(alias = "zmq_msg_recv")]
    pub fn recv(&self, msg: &mut Message, flags: impl IntoRecvFlags) -> Result<()> {
        self.raw.msg_recv(msg.for_io(), flags.into_raw())
    }

    /// Receives one frame into `bytes` (`zmq_recv`) and returns the frame's full size; when
    /// that exceeds `bytes.len()` the rest of the frame was dropped.
    pub fn recv_into(&self, bytes: &mut [u8], flags: impl IntoRecvFlags) -> Result<usize> {
        self.raw.recv_bytes(bytes, flags.into_raw())
    }

    /// Receives one frame as a new [`Message`].
    pub fn recv_msg(&self, flags: impl IntoRecvFlags) -> Result<Message> {
        let mut msg = Message::new();
        self.recv(&mut msg, flags)?;
        Ok(msg)
    }

    /// Receives one frame as bytes.
    pub fn recv_bytes(&self, flags: impl IntoRecvFlags) -> Result<Vec<u8>> {
        self.recv_msg(flags).map(|msg| msg.to_vec())
    }

    /// Receives one frame as text: `Ok(Ok(text))`, or `Ok(Err(bytes))` when the frame is
    /// not UTF-8 (the zmq 0.10 shape; see [`Socket::recv_utf8`] for a flat one).
    pub fn recv_string(
        &self,
        flags: impl IntoRecvFlags,
    ) -> Result<std::result::Result<String, Vec<u8>>> {
        self.recv_bytes(flags).map(text_or_bytes)
    }

    /// Receives one frame as text; a frame that is not UTF-8 is an error that keeps its
    /// bytes.
    ///
    /// ```
    /// # let ctx = zmq::Context::new();
    /// # let (a, b) = (ctx.socket(zmq::PAIR).unwrap(), ctx.socket(zmq::PAIR).unwrap());
    /// # a.bind("inproc://utf8-doc").unwrap(); b.connect("inproc://utf8-doc").unwrap();
    /// a.send(&b"\xff\xfe"[..], 0).unwrap();
    /// let err = b.recv_utf8(0).unwrap_err();
    /// assert!(err.to_string().contains("not valid UTF-8"));
    /// assert_eq!(err.into_bytes(), Some(vec![0xff, 0xfe]));
    /// ```
    pub fn recv_utf8(
        &self,
        flags: impl IntoRecvFlags,
    ) -> std::result::Result<String, RecvStrError> {
        let bytes = self.recv_bytes(flags)?;
        String::from_utf8(bytes).map_err(RecvStrError::NotUtf8)
    }

    /// Receives all frames of one message as byte vectors.
    pub fn recv_multipart(&self, flags: impl IntoRecvFlags) -> Result<Vec<Vec<u8>>> {
        let mut parts = Vec::new();
        let flags = flags.into_raw();
        loop {
            let msg = self.recv_msg(flags)?;
            let more = msg.get_more();
            parts.push(msg.to_vec());
            if !more {
                return Ok(parts);
            }
        }
    }

    /// Receives all frames of one message as [`Message`]s (no copy of the payloads).
    pub fn recv_multipart_msgs(&self, flags: impl IntoRecvFlags) -> Result<Vec<Message>> {
        let mut parts = Vec::new();
        self.recv_multipart_into(&mut parts, flags)?;
        Ok(parts)
    }

    /// Receives all frames of one message, appending them to `parts`; returns how many
    /// were appended. On error, frames already appended stay in `parts`.
    pub fn recv_multipart_into(
        &self,
        parts: &mut Vec<Message>,
        flags: impl IntoRecvFlags,
    ) -> Result<usize> {
        let flags = flags.into_raw();
        let start = parts.len();
        loop {
            let msg = self.recv_msg(flags)?;
            let more = msg.get_more();
            parts.push(msg);
            if !more {
                return Ok(parts.len() - start);
            }
        }
    }

    /// A poll item for this socket, for [`crate::poll`]. It borrows the socket.
    pub fn as_poll_item(&self, events: PollEvents) -> PollItem<'_> {
        PollItem::from_raw_socket(self.as_ptr(), events)
    }

    /// Waits up to `timeout_ms` milliseconds (-1: forever) for `events` on this socket
    /// alone; returns the number of items with events (0 or 1).
    pub fn poll(&self, events: PollEvents, timeout_ms: i64) -> Result<i32> {
        crate::poll(&mut [self.as_poll_item(events)], timeout_ms)
    }
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Socket");
        match self.get_socket_type() {
            Ok(kind) => s.field("type", &kind),
            Err(_) => s.field("type", &self.get_socket_type_raw().ok()),
        };
        s.field("ptr", &self.raw.as_ptr()).finish()
    }
}

#[cfg(unix)]
impl std::os::unix::io::AsRawFd for Socket {
    /// The socket's `ZMQ_FD` (see [`Socket::get_fd`]), or -1 if libzmq has none for it.
    fn as_raw_fd(&self) -> std::os::unix::io::RawFd {
        self.get_fd().unwrap_or(-1)
    }
}

// Defined here rather than in poll.rs, so that poll.rs (under this module) needs no
// `Socket`.
impl PollItem<'_> {
    /// Whether this item polls `socket`.
    pub fn has_socket(&self, socket: &Socket) -> bool {
        self.socket_ptr() == socket.as_ptr()
    }
}

// Made here rather than in context.rs, so that context.rs (under this module) needs no
// `Socket`.
impl Context {
    /// Creates a socket of the given type (`zmq_socket`). The socket keeps this context
    /// alive.
    ///
    /// Unlike a bare `zmq_socket`, the socket's listen backlog (`ZMQ_BACKLOG`) starts at
    /// the OS's limit (`/proc/sys/net/core/somaxconn`, or 511 where that cannot be read)
    /// instead of libzmq's 100, so that a listener survives a reconnection storm; a
    /// value given to [`Socket::set_backlog`] before `bind` replaces it. See
    /// `docs/scale-limits.md`.
    ///
    /// # Errors
    /// [`ETERM`](crate::Error::ETERM) after [`shutdown`](Self::shutdown) or
    /// [`destroy`](Self::destroy); [`EMFILE`](crate::Error::EMFILE) past
    /// [`max_sockets`](Self::get_max_sockets).
    #[doc(alias = "zmq_socket")]
    pub fn socket(&self, socket_type: SocketType) -> Result<Socket> {
        self.socket_raw(socket_type.to_raw())
    }

    /// Creates a socket from a raw libzmq socket type (`ZMQ_*` constant), including the
    /// draft types that [`SocketType`] cannot name. Its backlog is set as for
    /// [`socket`](Self::socket).
    pub fn socket_raw(&self, socket_type: i32) -> Result<Socket> {
        let raw = self.raw_context().socket(socket_type)?;
        // Set before the caller can touch the socket, so a later `set_backlog` wins.
        raw.setsockopt(
            zmq_sys::ZMQ_BACKLOG as libc::c_int,
            &crate::context::storm_backlog().to_ne_bytes(),
        )?;
        Ok(Socket::from_parts(raw, Some(self.clone()), socket_type))
    }
}

/// A frame as text, or its bytes back when it is not UTF-8 (the zmq 0.10 shape of
/// `recv_string`).
pub(crate) fn text_or_bytes(bytes: Vec<u8>) -> std::result::Result<String, Vec<u8>> {
    String::from_utf8(bytes).map_err(|err| err.into_bytes())
}
