//! Draft socket types of libzmq 4.3.5, behind the `draft` feature.
//!
//! libzmq's draft API adds socket types that send single-frame messages and, except
//! DGRAM, are **thread safe**: one socket may be used from several threads at once.
//!
//! **Over inproc, libzmq 4.3.5 can deadlock two of them.** Each thread-safe socket posts
//! its pipe commands (e.g. "there is room again") to the peer's mailbox under the peer's
//! own lock while holding its own, so a SERVER and a CLIENT joined over `inproc://`, each
//! used from a different thread with messages flowing both ways, can each wait for the
//! other's lock for ever (a reviewer's echo test with queues of one message hung every
//! time; no timeout fires inside a mutex). Connect them over tcp or ipc, or use both from
//! one thread (one task, or a current-thread runtime with no other thread touching them).
//! They get their own enum, [`DraftSocketType`], and their own socket type,
//! [`DraftSocket`], which is `Send + Sync` (so it can sit in an `Arc` or a `static`),
//! unlike [`Socket`]. The stable [`SocketType`](crate::SocketType) enum is
//! left alone, so exhaustive `match`es written for zmq 0.10 keep compiling.
//!
//! | types | pattern | addressing |
//! |---|---|---|
//! | CLIENT / SERVER | request/reply without REQ's lock-step | a SERVER replies to [`Message::routing_id`], via [`DraftSocket::send_to`] |
//! | RADIO / DISH | publish/subscribe by exact group name | RADIO: [`DraftSocket::send_to_group`]; DISH: [`DraftSocket::join`] |
//! | SCATTER / GATHER | pipeline, like PUSH/PULL | none |
//! | PEER | peer to peer, many connections | [`DraftSocket::connect_peer`] returns the routing id to [`send_to`](DraftSocket::send_to) |
//! | CHANNEL | one peer, like PAIR | none |
//! | DGRAM | UDP datagrams (not thread safe) | see [`dgram_socket`] |
//!
//! Draft sockets carry one frame per message: [`SNDMORE`](crate::SNDMORE) fails with
//! `EINVAL`. They have no `ZMQ_FD`, but [`zmq::poll`](crate::poll) accepts them through
//! [`DraftSocket::as_poll_item`].
//!
//! ```
//! use zmq::draft::DraftSocketType::{CLIENT, SERVER};
//!
//! let ctx = zmq::Context::new();
//! let server = ctx.draft_socket(SERVER)?;
//! server.bind("inproc://draft-doc")?;
//! let client = ctx.draft_socket(CLIENT)?;
//! client.connect("inproc://draft-doc")?;
//!
//! client.send("ping", 0)?;
//! let request = server.recv_msg(0)?;
//! let peer = request.routing_id().expect("a SERVER message names its sender");
//! server.send_to(peer, "pong", 0)?;
//! assert_eq!(client.recv_msg(0)?.as_str(), Some("pong"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::ffi::{CStr, CString, c_void};
use std::fmt;

use libc::c_int;

use crate::error::{EndpointError, EndpointOp, RecvStrError};
use crate::flags::{IntoRecvFlags, IntoSendFlags};
use crate::raw::RawSocket;
use crate::sockopt::codec;
use crate::{Context, Error, Message, PollEvents, PollItem, Result, Socket};

pub use crate::socket::UDP_DATAGRAM_MAX;

/// The thread-safe draft socket types; the discriminants are libzmq's `ZMQ_*` values.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DraftSocketType {
    /// Replies to CLIENTs, addressing each reply by the request's routing id.
    SERVER = 12,
    /// Sends requests to SERVERs (round robin) and receives their replies.
    CLIENT = 13,
    /// Publishes messages to groups (each message carries one group name).
    RADIO = 14,
    /// Receives the messages of the groups it joined.
    DISH = 15,
    /// Collects messages from SCATTERs (fair-queued), like PULL.
    GATHER = 16,
    /// Distributes messages to GATHERs (round robin), like PUSH.
    SCATTER = 17,
    /// Talks to many PEERs, addressing each message by routing id.
    PEER = 19,
    /// Exclusive pair with one other CHANNEL, like PAIR.
    CHANNEL = 20,
}

impl DraftSocketType {
    /// libzmq's number for the type.
    pub fn to_raw(self) -> i32 {
        self as i32
    }

    /// The type for libzmq's number, or `None` for one this enum does not name (the
    /// stable types, DGRAM, or garbage).
    pub fn try_from_raw(raw: i32) -> Option<DraftSocketType> {
        use DraftSocketType::*;
        Some(match raw {
            12 => SERVER,
            13 => CLIENT,
            14 => RADIO,
            15 => DISH,
            16 => GATHER,
            17 => SCATTER,
            19 => PEER,
            20 => CHANNEL,
            _ => return None,
        })
    }
}

/// A thread-safe draft socket: SERVER, CLIENT, RADIO, DISH, SCATTER, GATHER, PEER or
/// CHANNEL.
///
/// Every method takes `&self` and may be called from several threads at once (share the
/// socket with `Arc` or scoped threads). It keeps its [`Context`] alive and is closed
/// when dropped. The socket options are the same methods as on [`Socket`]
/// (`set_rcvtimeo`, `set_linger`, `set_sndhwm`, CURVE keys, ...).
pub struct DraftSocket {
    // Closed before the context handle is released (see `Socket`).
    pub(crate) raw: RawSocket,
    context: Context,
    kind: DraftSocketType,
    /// RADIO: whether a udp endpoint was ever bound or connected (or tried), so that sends
    /// must fit in [`UDP_DATAGRAM_MAX`]. Set under the write lock before the endpoint call;
    /// each send checks under the read lock, so no message reaches a udp pipe unchecked.
    udp: std::sync::RwLock<bool>,
}

// SAFETY: a thread-safe libzmq socket (created for one of the DraftSocketType kinds, all of
// which libzmq builds with `thread_safe = true`) guards every entry point we call — bind,
// connect, unbind, disconnect, setsockopt, getsockopt, send, recv, join, leave,
// connect_peer and close — with the socket's own mutex, and blocking calls wait on a
// condition variable tied to it, so calls from different threads are serialised by libzmq.
// The pointer itself is only closed in Drop, when no other reference exists.
unsafe impl Send for DraftSocket {}
// SAFETY: see `Send`; shared references only make the mutex-guarded calls listed there.
unsafe impl Sync for DraftSocket {}

fn endpoint_cstring(op: EndpointOp, endpoint: &str) -> std::result::Result<CString, EndpointError> {
    EndpointError::checked_cstring(op, endpoint)
}

/// The socket options' accessors on the draft sockets, from the rows of the option table
/// in `sockopt.rs` (libzmq applies one option set to every socket type and rejects what
/// does not apply with `EINVAL`).
macro_rules! draft_sockopts {
    ($(
        $(#[cfg($cfg:meta)])?
        $opt:ident : $kind:ident $(get $getter:ident)? $(set $setter:ident)? => $doc:literal;
    )*) => {
        impl DraftSocket {
            $(
                crate::sockopt::sockopts!(@get [$($cfg)?] $opt $kind $doc $($getter)?);
                crate::sockopt::sockopts!(@set [$($cfg)?] $opt $kind $doc $($setter)?);
            )*
        }
    };
}

crate::sockopt::for_each_sockopt!(draft_sockopts);

fn group_cstring(group: &str) -> Result<CString> {
    CString::new(group).map_err(|_| Error::EINVAL)
}

impl Context {
    /// Creates a thread-safe draft socket (`zmq_socket`); see [`crate::draft`].
    ///
    /// # Errors
    /// `ETERM` after [`shutdown`](Context::shutdown) or [`destroy`](Context::destroy);
    /// `EMFILE` past the socket limit.
    pub fn draft_socket(&self, kind: DraftSocketType) -> Result<DraftSocket> {
        DraftSocket::new(self, kind)
    }
}

impl DraftSocket {
    /// Creates a socket of the given kind in `context`.
    ///
    /// # Errors
    /// As [`Context::draft_socket`].
    pub fn new(context: &Context, kind: DraftSocketType) -> Result<DraftSocket> {
        let raw = context.raw_context().socket(kind.to_raw())?;
        // The same storm-sized listen backlog as `Context::socket` gives.
        raw.setsockopt(
            zmq_sys::ZMQ_BACKLOG as libc::c_int,
            &crate::context::storm_backlog().to_ne_bytes(),
        )?;
        Ok(DraftSocket {
            raw,
            context: context.clone(),
            kind,
            udp: std::sync::RwLock::new(false),
        })
    }

    /// The socket's type.
    pub fn kind(&self) -> DraftSocketType {
        self.kind
    }

    /// The context the socket was made from.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The raw `void *` socket, for calling libzmq directly (thread-safe calls only).
    pub fn as_ptr(&self) -> *mut c_void {
        self.raw.as_ptr()
    }

    fn endpoint_call(
        &self,
        op: EndpointOp,
        endpoint: &str,
        call: impl FnOnce(&RawSocket, &CStr) -> std::result::Result<(), crate::raw::Errno>,
    ) -> std::result::Result<(), EndpointError> {
        let c_endpoint = endpoint_cstring(op, endpoint)?;
        let _udp = if self.kind == DraftSocketType::RADIO && crate::socket::opens_udp(op, endpoint)
        {
            let mut udp = self.udp.write().unwrap_or_else(|e| e.into_inner());
            *udp = true;
            Some(udp)
        } else {
            None
        };
        call(&self.raw, &c_endpoint).map_err(|errno| EndpointError::new(op, endpoint, errno.0))
    }

    /// Sends `msg` with libzmq (`zmq_msg_send`), after the udp size check of a RADIO:
    /// `EMSGSIZE` for a message that does not fit in one datagram once the socket has a
    /// udp endpoint.
    pub(crate) fn send_checked(&self, msg: &mut Message, flags: c_int) -> Result<()> {
        if self.kind != DraftSocketType::RADIO || crate::socket::radio_message_fits(msg) {
            return self.raw.msg_send(msg.for_io(), flags);
        }
        // Larger than a datagram: allowed while the RADIO has no udp endpoint. The check
        // and the send happen under the read lock (a udp bind or connect takes the write
        // lock), and never block there: a send that must wait for room waits outside it.
        const DONTWAIT: c_int = zmq_sys::ZMQ_DONTWAIT as c_int;
        let mut deadline = None;
        loop {
            {
                let udp = self.udp.read().unwrap_or_else(|e| e.into_inner());
                if *udp {
                    return Err(Error::EMSGSIZE);
                }
                match self.raw.msg_send(msg.for_io(), flags | DONTWAIT) {
                    Err(Error::EAGAIN) if flags & DONTWAIT == 0 => {}
                    res => return res,
                }
            }
            let wait = deadline.get_or_insert_with(|| self.send_deadline());
            let ms = match wait {
                None => -1,
                Some(at) => {
                    let left = at.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return Err(Error::EAGAIN);
                    }
                    i64::try_from(left.as_millis()).unwrap_or(i64::MAX).max(1)
                }
            };
            self.poll(crate::POLLOUT, ms)?;
        }
    }

    /// When a blocking send that starts now gives up (`ZMQ_SNDTIMEO`; `None`: never).
    fn send_deadline(&self) -> Option<std::time::Instant> {
        let mut value = [0u8; 4];
        self.raw
            .getsockopt(zmq_sys::ZMQ_SNDTIMEO as c_int, &mut value)
            .ok()
            .map(|_| i32::from_ne_bytes(value))
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| std::time::Instant::now() + std::time::Duration::from_millis(ms))
    }

    /// Binds to an endpoint (`zmq_bind`); see [`Socket::bind`]. RADIO and DISH also take
    /// `udp://` endpoints (a datagram holds at most [`UDP_DATAGRAM_MAX`] bytes: one for
    /// the group's length, the group and the body; a RADIO with a udp endpoint refuses
    /// larger messages with `EMSGSIZE`; a larger datagram from another sender is dropped
    /// by the vendored build on Linux, and arrives cut to its first [`UDP_DATAGRAM_MAX`]
    /// bytes with a system libzmq 4.3.5).
    ///
    /// libzmq 4.3.5 aborts the process when a DISH bound to udp receives a datagram whose
    /// first byte is 0x80 or more (it reads the group length as a signed `char`). The
    /// vendored build mends that on Linux; with a system libzmq 4.3.5, bind a DISH on udp
    /// only where untrusted hosts cannot send to it, or use tcp (docs/security.md).
    ///
    /// # Errors
    /// An [`EndpointError`] naming the endpoint; it converts into [`Error`] with `?`.
    pub fn bind(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Bind, endpoint, RawSocket::bind)?;
        crate::socket::forget_used_fd(&self.raw, endpoint);
        Ok(())
    }

    /// Hands a listening socket descriptor to the next tcp, ipc or ws bind; see
    /// [`Socket::set_use_fd`]. Set it and bind from one thread.
    ///
    /// # Safety
    /// As [`Socket::set_use_fd`], and no other thread may bind this socket from this call
    /// until the bind that takes the descriptor has returned: libzmq hands the descriptor
    /// to every bind until this crate sets the option back after the first, so a second
    /// bind in between takes it too (libzmq then aborts the process on epoll's `EEXIST`,
    /// or closes the descriptor twice).
    ///
    /// # Errors
    /// `ETERM` when the context is terminated.
    pub unsafe fn set_use_fd(&self, fd: i32) -> Result<()> {
        self.raw
            .setsockopt(zmq_sys::ZMQ_USE_FD as c_int, &fd.to_ne_bytes())
    }

    /// Connects to an endpoint (`zmq_connect`); see [`Socket::connect`].
    ///
    /// # Errors
    /// An [`EndpointError`] naming the endpoint.
    pub fn connect(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Connect, endpoint, RawSocket::connect)
    }

    /// Stops listening on an endpoint (`zmq_unbind`).
    ///
    /// # Errors
    /// An [`EndpointError`] naming the endpoint.
    pub fn unbind(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Unbind, endpoint, RawSocket::unbind)
    }

    /// Disconnects from an endpoint (`zmq_disconnect`).
    ///
    /// # Errors
    /// An [`EndpointError`] naming the endpoint.
    pub fn disconnect(&self, endpoint: &str) -> std::result::Result<(), EndpointError> {
        self.endpoint_call(EndpointOp::Disconnect, endpoint, RawSocket::disconnect)
    }

    /// Connects a PEER socket to another PEER and returns the routing id to address it
    /// with [`send_to`](Self::send_to) (`zmq_connect_peer`).
    ///
    /// # Errors
    /// An [`EndpointError`]: `ENOTSUP` on other socket types, `EFAULT` with
    /// `ZMQ_IMMEDIATE` set, and the errors of [`connect`](Self::connect).
    #[doc(alias = "zmq_connect_peer")]
    pub fn connect_peer(&self, endpoint: &str) -> std::result::Result<u32, EndpointError> {
        let c_endpoint = endpoint_cstring(EndpointOp::Connect, endpoint)?;
        self.raw
            .connect_peer(&c_endpoint)
            .map_err(|errno| EndpointError::new(EndpointOp::Connect, endpoint, errno.0))
    }

    /// Makes a DISH socket receive the messages of `group` (`zmq_join`; at most 255
    /// bytes, matched exactly, not by prefix).
    ///
    /// # Errors
    /// `ENOTSUP` on other socket types; `EINVAL` for a group that is too long, already
    /// joined, or contains a NUL byte.
    #[doc(alias = "zmq_join")]
    pub fn join(&self, group: &str) -> Result<()> {
        self.raw.join(&group_cstring(group)?)
    }

    /// Makes a DISH socket stop receiving `group` (`zmq_leave`).
    ///
    /// # Errors
    /// `ENOTSUP` on other socket types; `EINVAL` for a group that was not joined.
    #[doc(alias = "zmq_leave")]
    pub fn leave(&self, group: &str) -> Result<()> {
        self.raw.leave(&group_cstring(group)?)
    }

    /// Sends one message (`zmq_msg_send`): owned buffers are not copied. A SERVER or PEER
    /// needs a routing id on the message and a RADIO a group: see
    /// [`send_to`](Self::send_to), [`send_to_group`](Self::send_to_group).
    ///
    /// # Errors
    /// `EAGAIN` with `DONTWAIT` or after `SNDTIMEO`; `EHOSTUNREACH` for an unknown or
    /// missing routing id; `EINVAL` with `SNDMORE`; `ENOTSUP` for a type that only
    /// receives (DISH, GATHER); `EMSGSIZE` on a RADIO with a udp endpoint for a message
    /// that does not fit in one datagram ([`UDP_DATAGRAM_MAX`]); `ETERM`. The message is dropped on error; use
    /// [`send_msg`](Self::send_msg) to keep it.
    pub fn send<T>(&self, data: T, flags: impl IntoSendFlags) -> Result<()>
    where
        T: Into<Message>,
    {
        let mut msg = data.into();
        self.send_msg(&mut msg, flags)
    }

    /// Sends `msg`, leaving it empty on success and untouched on failure.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub fn send_msg(&self, msg: &mut Message, flags: impl IntoSendFlags) -> Result<()> {
        self.send_checked(msg, flags.into_raw())
    }

    /// Sends `data` to the peer with this routing id (SERVER, PEER).
    ///
    /// # Errors
    /// `EHOSTUNREACH` when no peer has that routing id; `EINVAL` for routing id 0 (no
    /// peer has it); as [`send`](Self::send).
    pub fn send_to<T>(&self, routing_id: u32, data: T, flags: impl IntoSendFlags) -> Result<()>
    where
        T: Into<Message>,
    {
        let mut msg = data.into();
        msg.set_routing_id(routing_id)?;
        self.send_msg(&mut msg, flags)
    }

    /// Publishes `data` to `group` (RADIO; at most 255 bytes).
    ///
    /// # Errors
    /// `EINVAL` for a group that is too long or contains a NUL byte; as
    /// [`send`](Self::send).
    pub fn send_to_group<T>(&self, group: &str, data: T, flags: impl IntoSendFlags) -> Result<()>
    where
        T: Into<Message>,
    {
        let mut msg = data.into();
        msg.set_group(group)?;
        self.send_msg(&mut msg, flags)
    }

    /// Receives one message into `msg` (`zmq_msg_recv`). On a SERVER or PEER,
    /// [`Message::routing_id`] names the sender; on a DISH, [`Message::group`] the group.
    ///
    /// # Errors
    /// `EAGAIN` with `DONTWAIT` or after `RCVTIMEO`; `ENOTSUP` for a type that only sends
    /// (RADIO, SCATTER); `ETERM`.
    pub fn recv(&self, msg: &mut Message, flags: impl IntoRecvFlags) -> Result<()> {
        self.raw.msg_recv(msg.for_io(), flags.into_raw())
    }

    /// Receives one message as a new [`Message`].
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recv_msg(&self, flags: impl IntoRecvFlags) -> Result<Message> {
        let mut msg = Message::new();
        self.recv(&mut msg, flags)?;
        Ok(msg)
    }

    /// Receives one message as bytes.
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recv_bytes(&self, flags: impl IntoRecvFlags) -> Result<Vec<u8>> {
        self.recv_msg(flags).map(|msg| msg.to_vec())
    }

    /// Receives one message as text: `Ok(Ok(text))`, or `Ok(Err(bytes))` when it is not
    /// UTF-8 (the shape of [`Socket::recv_string`]; see [`recv_utf8`](Self::recv_utf8)
    /// for a flat one).
    ///
    /// ```
    /// use zmq::draft::DraftSocketType::{CLIENT, SERVER};
    /// # let ctx = zmq::Context::new();
    /// let server = ctx.draft_socket(SERVER)?;
    /// server.bind("inproc://recv-string")?;
    /// let client = ctx.draft_socket(CLIENT)?;
    /// client.connect("inproc://recv-string")?;
    /// client.send("hello", 0)?;
    /// assert_eq!(server.recv_string(0)?, Ok("hello".to_owned()));
    /// client.send(&[0xff][..], 0)?;
    /// assert_eq!(server.recv_string(0)?, Err(vec![0xff]));
    /// # Ok::<(), zmq::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`recv`](Self::recv).
    pub fn recv_string(
        &self,
        flags: impl IntoRecvFlags,
    ) -> Result<std::result::Result<String, Vec<u8>>> {
        self.recv_bytes(flags).map(crate::socket::text_or_bytes)
    }

    /// Receives one message as text; one that is not UTF-8 is an error keeping its bytes.
    ///
    /// # Errors
    /// As [`recv`](Self::recv), and [`RecvStrError::NotUtf8`].
    pub fn recv_utf8(
        &self,
        flags: impl IntoRecvFlags,
    ) -> std::result::Result<String, RecvStrError> {
        let bytes = self.recv_bytes(flags)?;
        String::from_utf8(bytes).map_err(RecvStrError::NotUtf8)
    }

    /// The endpoint the socket last bound or connected to (`ZMQ_LAST_ENDPOINT`).
    ///
    /// # Errors
    /// `ETERM` once the context is terminated.
    pub fn get_last_endpoint(&self) -> Result<std::result::Result<String, Vec<u8>>> {
        codec::get_string(&self.raw, zmq_sys::ZMQ_LAST_ENDPOINT as c_int)
    }

    /// Publishes this socket's events on a PAIR socket bound at `monitor_endpoint`
    /// (`zmq_socket_monitor`); see [`Socket::monitor`].
    ///
    /// # Errors
    /// `EPROTONOSUPPORT` for an endpoint that is not `inproc://`.
    pub fn monitor(&self, monitor_endpoint: &str, events: i32) -> Result<()> {
        self.endpoint_call(EndpointOp::Monitor, monitor_endpoint, |raw, ep| {
            raw.monitor(Some(ep), events)
        })
        .map_err(Error::from)
    }

    /// A poll item for [`zmq::poll`](crate::poll) (libzmq polls thread-safe sockets
    /// through its internal poller). It borrows the socket.
    pub fn as_poll_item(&self, events: PollEvents) -> PollItem<'_> {
        PollItem::from_raw_socket(self.raw.as_ptr(), events)
    }

    /// Waits up to `timeout_ms` milliseconds (-1: forever) for `events` on this socket;
    /// returns 1 when they occurred, 0 on timeout.
    ///
    /// # Errors
    /// `ETERM`, `EINTR`.
    pub fn poll(&self, events: PollEvents, timeout_ms: i64) -> Result<i32> {
        crate::poll(&mut [self.as_poll_item(events)], timeout_ms)
    }
}

impl fmt::Debug for DraftSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DraftSocket")
            .field("type", &self.kind)
            .field("ptr", &self.raw.as_ptr())
            .finish()
    }
}

/// Creates a DGRAM socket: UDP datagrams, each sent and received as two frames, the
/// peer's `address:port` and the payload (the address frame libzmq delivers ends with a
/// NUL byte; it can be sent back as is to reply). Bind it to `udp://address:port` to
/// receive. A datagram holds at most [`UDP_DATAGRAM_MAX`] bytes of payload: a larger
/// frame is refused with `EMSGSIZE` (libzmq 4.3.5 would overwrite memory), and a larger
/// datagram from another sender is dropped (by the vendored build on Linux; a system
/// libzmq 4.3.5 delivers it cut to that size). IPv4 only: with `ZMQ_IPV6` set,
/// `bind` and `connect` fail with `ENOTSUP` (libzmq 4.3.5 aborts on an IPv6 datagram).
/// DGRAM is a draft type but **not** thread safe,
/// so it is an ordinary [`Socket`] (`Send`, not `Sync`); its
/// [`get_socket_type`](Socket::get_socket_type) fails with `ENOTSUP` (use
/// [`get_socket_type_raw`](Socket::get_socket_type_raw)).
///
/// ```
/// let ctx = zmq::Context::new();
/// let udp = zmq::draft::dgram_socket(&ctx)?;
/// assert_eq!(udp.get_socket_type_raw()?, 18); // ZMQ_DGRAM
/// assert!(udp.get_socket_type().is_err());
/// # Ok::<(), zmq::Error>(())
/// ```
///
/// # Errors
/// As [`Context::socket`].
pub fn dgram_socket(context: &Context) -> Result<Socket> {
    context.socket_raw(zmq_sys::ZMQ_DGRAM as i32)
}
