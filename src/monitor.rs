//! Socket monitoring: what happens to a socket's connections, as typed events.
//!
//! [`Socket::monitor`](crate::Socket::monitor) (zmq 0.10) makes libzmq publish a socket's
//! events on an inproc PAIR socket as two frames (a 6-byte event and the endpoint).
//! A reader that stops reading (or goes away) blocks libzmq there: prefer [`Monitor`],
//! which sets up a channel libzmq never waits on and decodes the events into
//! [`MonitorEvent`]s. [`MonitorEvent::decode`] decodes frames read some other way.
//! Unknown event codes are kept, never a panic.
//!
//! ```
//! use std::time::Duration;
//! use zmq::monitor::{Event, Events, Monitor};
//!
//! let ctx = zmq::Context::new();
//! let server = ctx.socket(zmq::REP).unwrap();
//! let monitor = Monitor::new(&server, Events::LISTENING | Events::ACCEPTED).unwrap();
//! server.bind("tcp://127.0.0.1:*").unwrap();
//! let event = monitor.recv_timeout(Duration::from_secs(5)).unwrap().unwrap();
//! assert!(matches!(event.event, Event::Listening { .. }));
//! assert!(event.endpoint.starts_with("tcp://127.0.0.1:"));
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::{Error, Message, Result, Socket};

/// The events of the zmq 0.10 API, with libzmq's values (`ZMQ_EVENT_*`).
///
/// Use it as a mask with `as i32` (`SocketEvent::ALL as i32`); [`Events`] is the typed
/// mask and [`Event`] the decoded event.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SocketEvent {
    /// A connection to a remote peer was made.
    CONNECTED = 0x0001,
    /// A connect is pending (it will be retried).
    CONNECT_DELAYED = 0x0002,
    /// A connect is being retried after the reconnect interval.
    CONNECT_RETRIED = 0x0004,
    /// The socket is bound and listening.
    LISTENING = 0x0008,
    /// A bind failed.
    BIND_FAILED = 0x0010,
    /// A connection from a remote peer was accepted.
    ACCEPTED = 0x0020,
    /// Accepting a connection failed.
    ACCEPT_FAILED = 0x0040,
    /// A connection's socket was closed.
    CLOSED = 0x0080,
    /// Closing a connection's socket failed.
    CLOSE_FAILED = 0x0100,
    /// A session was disconnected.
    DISCONNECTED = 0x0200,
    /// Monitoring stopped.
    MONITOR_STOPPED = 0x0400,
    /// A handshake failed without detail (an error from the network or the OS).
    HANDSHAKE_FAILED_NO_DETAIL = 0x0800,
    /// A ZMTP handshake, security included, succeeded.
    HANDSHAKE_SUCCEEDED = 0x1000,
    /// A handshake failed on a protocol error (the value says which).
    HANDSHAKE_FAILED_PROTOCOL = 0x2000,
    /// A handshake failed authentication (the value is the ZAP status code).
    HANDSHAKE_FAILED_AUTH = 0x4000,
    /// Every event (a mask).
    ALL = 0xFFFF,
}

impl SocketEvent {
    /// libzmq's value.
    pub fn to_raw(self) -> u16 {
        self as u16
    }

    /// The event for a libzmq value, or `None` for a value this enum does not name.
    pub fn try_from_raw(raw: u16) -> Option<SocketEvent> {
        use SocketEvent::*;
        Some(match raw {
            0x0001 => CONNECTED,
            0x0002 => CONNECT_DELAYED,
            0x0004 => CONNECT_RETRIED,
            0x0008 => LISTENING,
            0x0010 => BIND_FAILED,
            0x0020 => ACCEPTED,
            0x0040 => ACCEPT_FAILED,
            0x0080 => CLOSED,
            0x0100 => CLOSE_FAILED,
            0x0200 => DISCONNECTED,
            0x0400 => MONITOR_STOPPED,
            0x0800 => HANDSHAKE_FAILED_NO_DETAIL,
            0x1000 => HANDSHAKE_SUCCEEDED,
            0x2000 => HANDSHAKE_FAILED_PROTOCOL,
            0x4000 => HANDSHAKE_FAILED_AUTH,
            0xFFFF => ALL,
            _ => return None,
        })
    }

    /// The event for a libzmq value. Never panics: a value without a variant (a newer
    /// libzmq's event) gives [`SocketEvent::ALL`]; zmq 0.10 panicked. Use
    /// [`try_from_raw`](Self::try_from_raw) or [`Event`] to keep unknown codes.
    pub fn from_raw(raw: u16) -> SocketEvent {
        SocketEvent::try_from_raw(raw).unwrap_or(SocketEvent::ALL)
    }
}

bitflags::bitflags! {
    /// A mask of events to monitor.
    pub struct Events: i32 {
        /// See [`SocketEvent::CONNECTED`].
        const CONNECTED = 0x0001;
        /// See [`SocketEvent::CONNECT_DELAYED`].
        const CONNECT_DELAYED = 0x0002;
        /// See [`SocketEvent::CONNECT_RETRIED`].
        const CONNECT_RETRIED = 0x0004;
        /// See [`SocketEvent::LISTENING`].
        const LISTENING = 0x0008;
        /// See [`SocketEvent::BIND_FAILED`].
        const BIND_FAILED = 0x0010;
        /// See [`SocketEvent::ACCEPTED`].
        const ACCEPTED = 0x0020;
        /// See [`SocketEvent::ACCEPT_FAILED`].
        const ACCEPT_FAILED = 0x0040;
        /// See [`SocketEvent::CLOSED`].
        const CLOSED = 0x0080;
        /// See [`SocketEvent::CLOSE_FAILED`].
        const CLOSE_FAILED = 0x0100;
        /// See [`SocketEvent::DISCONNECTED`].
        const DISCONNECTED = 0x0200;
        /// See [`SocketEvent::MONITOR_STOPPED`].
        const MONITOR_STOPPED = 0x0400;
        /// See [`SocketEvent::HANDSHAKE_FAILED_NO_DETAIL`].
        const HANDSHAKE_FAILED_NO_DETAIL = 0x0800;
        /// See [`SocketEvent::HANDSHAKE_SUCCEEDED`].
        const HANDSHAKE_SUCCEEDED = 0x1000;
        /// See [`SocketEvent::HANDSHAKE_FAILED_PROTOCOL`].
        const HANDSHAKE_FAILED_PROTOCOL = 0x2000;
        /// See [`SocketEvent::HANDSHAKE_FAILED_AUTH`].
        const HANDSHAKE_FAILED_AUTH = 0x4000;
        /// Every event libzmq 4.3 reports.
        const ALL = 0xFFFF;
    }
}

impl From<SocketEvent> for Events {
    fn from(event: SocketEvent) -> Events {
        Events::from_bits_truncate(i32::from(event.to_raw()))
    }
}

/// Why a handshake failed (`ZMQ_PROTOCOL_ERROR_*`), the value of
/// [`Event::HandshakeFailedProtocol`].
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolError {
    ZmtpUnspecified,
    ZmtpUnexpectedCommand,
    ZmtpInvalidSequence,
    ZmtpKeyExchange,
    ZmtpMalformedCommandUnspecified,
    ZmtpMalformedCommandMessage,
    ZmtpMalformedCommandHello,
    ZmtpMalformedCommandInitiate,
    ZmtpMalformedCommandError,
    ZmtpMalformedCommandReady,
    ZmtpMalformedCommandWelcome,
    ZmtpInvalidMetadata,
    /// A CURVE box could not be opened: typically a client with the wrong server key.
    ZmtpCryptographic,
    /// The peers use different security mechanisms.
    ZmtpMechanismMismatch,
    ZapUnspecified,
    ZapMalformedReply,
    ZapBadRequestId,
    ZapBadVersion,
    ZapInvalidStatusCode,
    ZapInvalidMetadata,
    WsUnspecified,
    /// A code this version does not know.
    Other(u32),
}

impl ProtocolError {
    /// The error for libzmq's code.
    pub fn from_raw(code: u32) -> ProtocolError {
        use ProtocolError::*;
        match code {
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED => ZmtpUnspecified,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND => ZmtpUnexpectedCommand,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE => ZmtpInvalidSequence,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE => ZmtpKeyExchange,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED => {
                ZmtpMalformedCommandUnspecified
            }
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE => {
                ZmtpMalformedCommandMessage
            }
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO => ZmtpMalformedCommandHello,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE => {
                ZmtpMalformedCommandInitiate
            }
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR => ZmtpMalformedCommandError,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY => ZmtpMalformedCommandReady,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME => {
                ZmtpMalformedCommandWelcome
            }
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA => ZmtpInvalidMetadata,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC => ZmtpCryptographic,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH => ZmtpMechanismMismatch,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED => ZapUnspecified,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY => ZapMalformedReply,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID => ZapBadRequestId,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION => ZapBadVersion,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE => ZapInvalidStatusCode,
            zmq_sys::ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA => ZapInvalidMetadata,
            zmq_sys::ZMQ_PROTOCOL_ERROR_WS_UNSPECIFIED => WsUnspecified,
            other => Other(other),
        }
    }
}

/// A decoded monitor event. The `fd` values are libzmq's sockets: informative only,
/// never close them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A connection to a remote peer was made.
    Connected {
        /// The connection's underlying fd.
        fd: i32,
    },
    /// A connect is pending; libzmq keeps trying.
    ConnectDelayed,
    /// A connect will be retried after `interval`.
    ConnectRetried {
        /// The reconnect interval in use.
        interval: Duration,
    },
    /// The socket is bound and listening.
    Listening {
        /// The listening fd.
        fd: i32,
    },
    /// A bind failed.
    BindFailed {
        /// The `errno` of the failure.
        errno: i32,
    },
    /// A connection from a remote peer was accepted.
    Accepted {
        /// The connection's fd.
        fd: i32,
    },
    /// Accepting a connection failed.
    AcceptFailed {
        /// The `errno` of the failure.
        errno: i32,
    },
    /// A connection's fd was closed.
    Closed {
        /// The fd.
        fd: i32,
    },
    /// Closing a connection's fd failed.
    CloseFailed {
        /// The `errno` of the failure.
        errno: i32,
    },
    /// A session was disconnected (broken connection, heartbeat timeout, oversize message).
    Disconnected {
        /// The connection's fd.
        fd: i32,
    },
    /// Monitoring stopped: the last event.
    MonitorStopped,
    /// A handshake failed because of a network or OS error.
    HandshakeFailedNoDetail {
        /// The `errno` of the failure.
        errno: i32,
    },
    /// The handshake, security included, succeeded.
    HandshakeSucceeded,
    /// The handshake failed on a protocol error.
    HandshakeFailedProtocol {
        /// Which one.
        error: ProtocolError,
    },
    /// The handshake failed authentication.
    HandshakeFailedAuth {
        /// The ZAP status code (300, 400 or 500).
        status: u32,
    },
    /// An event this version does not know.
    Unknown {
        /// libzmq's event code.
        code: u16,
        /// Its value.
        value: u32,
    },
}

impl Event {
    /// The event for a code and value as libzmq sends them.
    pub fn from_raw(code: u16, value: u32) -> Event {
        let fd = value as i32;
        let errno = value as i32;
        match SocketEvent::try_from_raw(code) {
            Some(SocketEvent::CONNECTED) => Event::Connected { fd },
            Some(SocketEvent::CONNECT_DELAYED) => Event::ConnectDelayed,
            Some(SocketEvent::CONNECT_RETRIED) => Event::ConnectRetried {
                interval: Duration::from_millis(value.into()),
            },
            Some(SocketEvent::LISTENING) => Event::Listening { fd },
            Some(SocketEvent::BIND_FAILED) => Event::BindFailed { errno },
            Some(SocketEvent::ACCEPTED) => Event::Accepted { fd },
            Some(SocketEvent::ACCEPT_FAILED) => Event::AcceptFailed { errno },
            Some(SocketEvent::CLOSED) => Event::Closed { fd },
            Some(SocketEvent::CLOSE_FAILED) => Event::CloseFailed { errno },
            Some(SocketEvent::DISCONNECTED) => Event::Disconnected { fd },
            Some(SocketEvent::MONITOR_STOPPED) => Event::MonitorStopped,
            Some(SocketEvent::HANDSHAKE_FAILED_NO_DETAIL) => {
                Event::HandshakeFailedNoDetail { errno }
            }
            Some(SocketEvent::HANDSHAKE_SUCCEEDED) => Event::HandshakeSucceeded,
            Some(SocketEvent::HANDSHAKE_FAILED_PROTOCOL) => Event::HandshakeFailedProtocol {
                error: ProtocolError::from_raw(value),
            },
            Some(SocketEvent::HANDSHAKE_FAILED_AUTH) => {
                Event::HandshakeFailedAuth { status: value }
            }
            Some(SocketEvent::ALL) | None => Event::Unknown { code, value },
        }
    }

    /// The zmq 0.10 event kind, if it has one.
    pub fn kind(&self) -> Option<SocketEvent> {
        Some(match self {
            Event::Connected { .. } => SocketEvent::CONNECTED,
            Event::ConnectDelayed => SocketEvent::CONNECT_DELAYED,
            Event::ConnectRetried { .. } => SocketEvent::CONNECT_RETRIED,
            Event::Listening { .. } => SocketEvent::LISTENING,
            Event::BindFailed { .. } => SocketEvent::BIND_FAILED,
            Event::Accepted { .. } => SocketEvent::ACCEPTED,
            Event::AcceptFailed { .. } => SocketEvent::ACCEPT_FAILED,
            Event::Closed { .. } => SocketEvent::CLOSED,
            Event::CloseFailed { .. } => SocketEvent::CLOSE_FAILED,
            Event::Disconnected { .. } => SocketEvent::DISCONNECTED,
            Event::MonitorStopped => SocketEvent::MONITOR_STOPPED,
            Event::HandshakeFailedNoDetail { .. } => SocketEvent::HANDSHAKE_FAILED_NO_DETAIL,
            Event::HandshakeSucceeded => SocketEvent::HANDSHAKE_SUCCEEDED,
            Event::HandshakeFailedProtocol { .. } => SocketEvent::HANDSHAKE_FAILED_PROTOCOL,
            Event::HandshakeFailedAuth { .. } => SocketEvent::HANDSHAKE_FAILED_AUTH,
            Event::Unknown { .. } => return None,
        })
    }
}

/// One monitor event: what happened and on which endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorEvent {
    /// What happened.
    pub event: Event,
    /// The endpoint it happened on (e.g. `tcp://127.0.0.1:5555`).
    pub endpoint: String,
}

impl MonitorEvent {
    /// Decodes the two frames libzmq sends for an event: 6 bytes (u16 event, u32 value,
    /// native byte order) and the endpoint.
    ///
    /// # Errors
    /// `EPROTO` when the frames do not have that shape.
    pub fn decode(event_frame: &[u8], endpoint_frame: &[u8]) -> Result<MonitorEvent> {
        let header: [u8; 6] = event_frame.try_into().map_err(|_| Error::EPROTO)?;
        let code = u16::from_ne_bytes([header[0], header[1]]);
        let value = u32::from_ne_bytes([header[2], header[3], header[4], header[5]]);
        Ok(MonitorEvent {
            event: Event::from_raw(code, value),
            endpoint: String::from_utf8_lossy(endpoint_frame).into_owned(),
        })
    }

    /// Receives and decodes one event from a monitor socket (a PAIR connected to the
    /// endpoint given to [`Socket::monitor`], or a [`Monitor`]'s socket).
    ///
    /// # Errors
    /// Those of receiving (`EAGAIN` with `DONTWAIT` or after `RCVTIMEO`, `ETERM`), and
    /// `EPROTO` for frames that are not a monitor event (the rest of such a message is
    /// drained so the next call starts on a fresh event).
    pub fn recv_from(socket: &Socket, flags: i32) -> Result<MonitorEvent> {
        let mut first = Message::new();
        socket.recv(&mut first, flags)?;
        if !first.get_more() {
            return Err(Error::EPROTO);
        }
        let mut second = Message::new();
        socket.recv(&mut second, 0)?;
        while second.get_more() {
            // Not a libzmq 4.3 event (v2 events have more frames); skip the rest.
            socket.recv(&mut second, 0)?;
            if !second.get_more() {
                return Err(Error::EPROTO);
            }
        }
        MonitorEvent::decode(&first, &second)
    }
}

/// Monitors a socket: owns the inproc socket libzmq publishes the events on.
///
/// Dropping a `Monitor` is always safe. With the vendored libzmq (and any libzmq built
/// with the draft API), libzmq publishes the events on a PUB socket that this `Monitor`
/// reads through a SUB socket, so libzmq never waits for the reader: once the `Monitor`
/// is gone, or when it falls about 2000 events behind, events are dropped instead. (A
/// libzmq without the draft API only offers the blocking PAIR channel of
/// [`Socket::monitor`](crate::Socket::monitor): there, stop monitoring with
/// [`Socket::stop_monitor`](crate::Socket::stop_monitor) before dropping the `Monitor`,
/// or the next event blocks the libzmq thread that emits it.)
#[derive(Debug)]
pub struct Monitor {
    socket: Socket,
    endpoint: String,
    stopped: bool,
}

static NEXT_MONITOR: AtomicU64 = AtomicU64::new(0);

impl Monitor {
    /// Starts monitoring `target` for `events`. Events that happen from this call on are
    /// delivered, and `MonitorStopped` always (it is added to `events`): it comes last,
    /// when the target is closed, and ends the iterator and the async stream, which would
    /// otherwise wait for ever once the target is gone (unless it was dropped with events
    /// the reader was too far behind to take: docs/scale-limits.md).
    ///
    /// A socket has one monitor at a time: a new `Monitor::new` on the same target ends
    /// the previous one (it gets `MonitorStopped`), even when the new one then fails.
    ///
    /// # Errors
    /// `EINVAL` when `target` has no [`Context`](crate::Context) handle (made with
    /// [`Socket::from_raw`]); errors of `zmq_socket_monitor`.
    pub fn new(target: &Socket, events: Events) -> Result<Monitor> {
        let context = target.context().ok_or(Error::EINVAL)?;
        let endpoint = format!(
            "inproc://zmq-rs-monitor-{}-{}",
            std::process::id(),
            NEXT_MONITOR.fetch_add(1, Ordering::Relaxed)
        );
        let events = events | Events::MONITOR_STOPPED;
        let socket = Monitor::channel(context, target, &endpoint, events)?;
        Ok(Monitor {
            socket,
            endpoint,
            stopped: false,
        })
    }

    /// Connects our end of the channel first (inproc allows connecting before the bind),
    /// so that libzmq's PUB knows its subscriber before it publishes the first event.
    #[cfg(zmq_draft)]
    fn channel(
        context: &crate::Context,
        target: &Socket,
        endpoint: &str,
        events: Events,
    ) -> Result<Socket> {
        let socket = context.socket(crate::SUB)?;
        socket.set_linger(0)?;
        socket.set_subscribe(b"")?;
        socket.connect(endpoint)?;
        let c_endpoint = std::ffi::CString::new(endpoint).map_err(|_| Error::EINVAL)?;
        // Only the 16 bits of the version 1 events (zmq 0.10's `SocketEvent::ALL` is
        // 0xFFFF; libzmq refuses higher bits in version 1).
        let mask = (events.bits() as u32 & 0xFFFF) as u64;
        if let Err(errno) =
            target
                .raw
                .monitor_versioned(&c_endpoint, mask, 1, zmq_sys::ZMQ_PUB as i32)
        {
            // libzmq could not make its PUB (no socket slot or fd left). Our connect is
            // then pending in the context for good, and libzmq 4.3.5 makes a socket for
            // each pending connect when the context terminates, aborting the process if
            // it cannot. Binding the endpoint here settles it without a new socket or fd
            // (the SUB meets itself, and is closed at once).
            let _ = socket.bind(endpoint);
            return Err(Error::from(errno));
        }
        Ok(socket)
    }

    #[cfg(not(zmq_draft))]
    fn channel(
        context: &crate::Context,
        target: &Socket,
        endpoint: &str,
        events: Events,
    ) -> Result<Socket> {
        target.monitor(endpoint, events.bits())?;
        let socket = context.socket(crate::PAIR)?;
        socket.set_linger(0)?;
        socket.connect(endpoint)?;
        Ok(socket)
    }

    /// Waits for the next event (honours the socket's `RCVTIMEO`, by default forever).
    pub fn recv(&self) -> Result<MonitorEvent> {
        MonitorEvent::recv_from(&self.socket, 0)
    }

    /// The next event if one is queued, without waiting.
    pub fn try_recv(&self) -> Result<Option<MonitorEvent>> {
        match MonitorEvent::recv_from(&self.socket, zmq_sys::ZMQ_DONTWAIT as i32) {
            Ok(event) => Ok(Some(event)),
            Err(Error::EAGAIN) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Waits up to `timeout` for the next event; `Ok(None)` when none came.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Option<MonitorEvent>> {
        let ms = i64::from(crate::sockopt::duration_to_ms(timeout));
        if self.socket.poll(crate::POLLIN, ms)? == 0 {
            return Ok(None);
        }
        self.try_recv()
    }

    /// The socket the events arrive on (e.g. to add it to a [`Poller`](crate::poller::Poller)).
    pub fn socket(&self) -> &Socket {
        &self.socket
    }

    /// The inproc endpoint libzmq publishes the events on.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Gives up the helper and returns the socket the events arrive on.
    pub fn into_socket(self) -> Socket {
        self.socket
    }
}

impl Iterator for Monitor {
    type Item = Result<MonitorEvent>;

    /// Blocks for the next event; ends after `MonitorStopped` or when the context ends.
    fn next(&mut self) -> Option<Self::Item> {
        if self.stopped {
            return None;
        }
        match self.recv() {
            Err(Error::ETERM) => None,
            Ok(event) => {
                self.stopped = event.event == Event::MonitorStopped;
                Some(Ok(event))
            }
            Err(err) => Some(Err(err)),
        }
    }
}
