//! Socket options, declared once in a table.
//!
//! Each row of the `sockopts!` table names a libzmq option, how its value is encoded, and the
//! getter and setter methods generated on [`Socket`]. The zmq 0.10 names and types are
//! kept (`get_sndhwm`, `set_linger`, `is_ipv6`, ...); options it lacked are added with the
//! same naming scheme, and millisecond options also get `*_duration` forms that take and
//! return [`Duration`]. Draft options need the `draft` feature.
//!
//! A few options have no row because their value needs special decoding: `ZMQ_TYPE`
//! ([`Socket::get_socket_type`]), `ZMQ_RCVMORE`, `ZMQ_MECHANISM`, `ZMQ_LAST_ENDPOINT`,
//! `ZMQ_FD`, `ZMQ_EVENTS` and the CURVE keys' Z85 forms. Any option can also be read and
//! written raw with [`Socket::get_option_raw`] / [`Socket::set_option_raw`].
//!
//! ```
//! use std::time::Duration;
//! let ctx = zmq::Context::new();
//! let socket = ctx.socket(zmq::DEALER).unwrap();
//! socket.set_sndhwm(10).unwrap();
//! socket.set_rcvtimeo_duration(Some(Duration::from_millis(250))).unwrap();
//! assert_eq!(socket.get_rcvtimeo().unwrap(), 250);
//! assert_eq!(socket.get_linger_duration().unwrap(), None); // infinite, libzmq's default
//! ```

use std::time::Duration;

use libc::c_int;

use crate::raw::RawSocket;
use crate::{Error, Mechanism, PollEvents, Result, Socket, SocketType};

/// Encoders and decoders for each kind of option value.
pub(crate) mod codec {
    use super::*;

    pub fn get_i32(raw: &RawSocket, option: c_int) -> Result<i32> {
        let mut buf = [0u8; 4];
        let len = raw.getsockopt(option, &mut buf)?;
        debug_assert_eq!(len, 4);
        Ok(i32::from_ne_bytes(buf))
    }

    /// `ZMQ_EVENTS` as flags (the plain and the thread-safe sockets alike).
    pub fn get_events(raw: &RawSocket) -> Result<PollEvents> {
        let raw = get_i32(raw, zmq_sys::ZMQ_EVENTS as c_int)?;
        Ok(PollEvents::from_bits_truncate(raw as i16))
    }

    pub fn set_i32(raw: &RawSocket, option: c_int, value: i32) -> Result<()> {
        raw.setsockopt(option, &value.to_ne_bytes())
    }

    pub fn get_bool(raw: &RawSocket, option: c_int) -> Result<bool> {
        get_i32(raw, option).map(|v| v != 0)
    }

    pub fn set_bool(raw: &RawSocket, option: c_int, value: bool) -> Result<()> {
        set_i32(raw, option, value.into())
    }

    pub fn get_i64(raw: &RawSocket, option: c_int) -> Result<i64> {
        let mut buf = [0u8; 8];
        raw.getsockopt(option, &mut buf)?;
        Ok(i64::from_ne_bytes(buf))
    }

    pub fn set_i64(raw: &RawSocket, option: c_int, value: i64) -> Result<()> {
        raw.setsockopt(option, &value.to_ne_bytes())
    }

    pub fn get_u64(raw: &RawSocket, option: c_int) -> Result<u64> {
        let mut buf = [0u8; 8];
        raw.getsockopt(option, &mut buf)?;
        Ok(u64::from_ne_bytes(buf))
    }

    pub fn set_u64(raw: &RawSocket, option: c_int, value: u64) -> Result<()> {
        raw.setsockopt(option, &value.to_ne_bytes())
    }

    /// Reads a binary or string option of unknown length: libzmq fails with EINVAL when
    /// the buffer is too small, so grow it a few times, up to 16 MiB (a SOCKS proxy
    /// address or an endpoint can be set as long as one likes).
    pub fn get_bytes(raw: &RawSocket, option: c_int) -> Result<Vec<u8>> {
        const LARGEST: usize = 16 << 20;
        let mut size = 256;
        loop {
            let mut buf = vec![0u8; size];
            match raw.getsockopt(option, &mut buf) {
                Ok(len) => {
                    buf.truncate(len);
                    return Ok(buf);
                }
                Err(Error::EINVAL) if size < LARGEST => size *= 16,
                Err(err) => return Err(err),
            }
        }
    }

    pub fn set_bytes(raw: &RawSocket, option: c_int, value: &[u8]) -> Result<()> {
        raw.setsockopt(option, value)
    }

    /// CURVE keys: 32 binary bytes as they are, or 40 Z85 characters (a 41st byte may be
    /// the C string's NUL), decoded here whole and handed over as 32 bytes. libzmq decodes
    /// Z85 keys up to their first NUL and reports success, so `"Hello"` and 35 NULs set a
    /// key that is mostly zeros, and it writes part of an invalid key over the old one
    /// before it refuses it: every other length or text is `EINVAL` here, and the old key
    /// stays.
    pub fn set_key(raw: &RawSocket, option: c_int, value: &[u8]) -> Result<()> {
        let text = match value {
            [.., 0] if value.len() == 41 => &value[..40],
            _ => value,
        };
        match text.len() {
            32 => raw.setsockopt(option, text),
            40 => {
                let text = std::str::from_utf8(text).map_err(|_| Error::EINVAL)?;
                let key = crate::z85::decode(text).map_err(|_| Error::EINVAL)?;
                raw.setsockopt(option, &key)
            }
            _ => Err(Error::EINVAL),
        }
    }

    /// String options come back NUL-terminated; strip it.
    pub fn get_string(
        raw: &RawSocket,
        option: c_int,
    ) -> Result<std::result::Result<String, Vec<u8>>> {
        let mut bytes = get_bytes(raw, option)?;
        if bytes.last() == Some(&0) {
            bytes.pop();
        }
        Ok(String::from_utf8(bytes).map_err(|err| err.into_bytes()))
    }

    /// An empty string is passed as NULL with length 0: that is how libzmq takes an
    /// empty string option (a non-NULL pointer with length 0 is EINVAL).
    pub fn set_string(raw: &RawSocket, option: c_int, value: &str) -> Result<()> {
        if value.is_empty() {
            return raw.setsockopt_null(option);
        }
        raw.setsockopt(option, value.as_bytes())
    }

    /// `None` sets the option to NULL, which libzmq treats as "unset".
    pub fn set_opt_string(raw: &RawSocket, option: c_int, value: Option<&str>) -> Result<()> {
        match value {
            Some(text) => set_string(raw, option, text),
            None => raw.setsockopt_null(option),
        }
    }

    /// As [`set_opt_string`], but an empty `Some` is refused (EINVAL) rather than sent as
    /// NULL: for the PLAIN credentials NULL means "back to the NULL mechanism", which an
    /// empty name or password must not quietly do (libzmq refuses an empty one too).
    pub fn set_credential(raw: &RawSocket, option: c_int, value: Option<&str>) -> Result<()> {
        match value {
            Some("") => Err(Error::EINVAL),
            other => set_opt_string(raw, option, other),
        }
    }

    /// CURVE keys read back as 32 binary bytes.
    pub fn get_key(raw: &RawSocket, option: c_int) -> Result<Vec<u8>> {
        let mut buf = [0u8; 32];
        let len = raw.getsockopt(option, &mut buf)?;
        Ok(buf[..len].to_vec())
    }

    /// CURVE keys read back as 40 Z85 characters (libzmq picks the encoding by the
    /// buffer size: 32 bytes binary, 41 bytes Z85 with a NUL).
    pub fn get_key_z85(raw: &RawSocket, option: c_int) -> Result<String> {
        let mut buf = [0u8; 41];
        let len = raw.getsockopt(option, &mut buf)?;
        let text = &buf[..len.saturating_sub(1)];
        String::from_utf8(text.to_vec()).map_err(|_| Error::EPROTO)
    }

    /// Milliseconds where -1 means "forever": `None` is forever.
    pub fn get_timeout(raw: &RawSocket, option: c_int) -> Result<Option<Duration>> {
        let ms = get_i32(raw, option)?;
        Ok(u64::try_from(ms).ok().map(Duration::from_millis))
    }

    pub fn set_timeout(raw: &RawSocket, option: c_int, value: Option<Duration>) -> Result<()> {
        set_i32(raw, option, value.map_or(-1, duration_to_ms))
    }

    /// Milliseconds where 0 usually means "off".
    pub fn get_duration(raw: &RawSocket, option: c_int) -> Result<Duration> {
        let ms = get_i32(raw, option)?;
        Ok(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }

    pub fn set_duration(raw: &RawSocket, option: c_int, value: Duration) -> Result<()> {
        set_i32(raw, option, duration_to_ms(value))
    }

    /// Whole milliseconds, rounding up so that a tiny non-zero duration does not become 0
    /// (which means "don't wait" or "off"), and saturating at `i32::MAX`.
    pub fn duration_to_ms(value: Duration) -> i32 {
        let ms = value.as_millis() + u128::from(!value.subsec_nanos().is_multiple_of(1_000_000));
        i32::try_from(ms).unwrap_or(i32::MAX)
    }
}

pub(crate) use codec::duration_to_ms;

/// The Rust type a getter of each kind returns.
macro_rules! opt_get_type {
    (bool) => { bool };
    (i32) => { i32 };
    (i64) => { i64 };
    (u64) => { u64 };
    (bytes) => { Vec<u8> };
    (key) => { Vec<u8> };
    (str) => { std::result::Result<String, Vec<u8>> };
    (opt_str) => { std::result::Result<String, Vec<u8>> };
    (credential) => { std::result::Result<String, Vec<u8>> };
    (timeout) => { Option<std::time::Duration> };
    (duration) => { std::time::Duration };
}

/// The Rust type a setter of each kind takes.
macro_rules! opt_set_type {
    (bool) => { bool };
    (i32) => { i32 };
    (i64) => { i64 };
    (u64) => { u64 };
    (bytes) => { &[u8] };
    (key) => { &[u8] };
    (str) => { &str };
    (opt_str) => { Option<&str> };
    (credential) => { Option<&str> };
    (timeout) => { Option<std::time::Duration> };
    (duration) => { std::time::Duration };
}

macro_rules! opt_get {
    (bool, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_bool($raw, $opt)
    };
    (i32, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_i32($raw, $opt)
    };
    (i64, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_i64($raw, $opt)
    };
    (u64, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_u64($raw, $opt)
    };
    (bytes, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_bytes($raw, $opt)
    };
    (key, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_key($raw, $opt)
    };
    (str, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_string($raw, $opt)
    };
    (opt_str, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_string($raw, $opt)
    };
    (credential, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_string($raw, $opt)
    };
    (timeout, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_timeout($raw, $opt)
    };
    (duration, $raw:expr, $opt:expr) => {
        $crate::sockopt::codec::get_duration($raw, $opt)
    };
}

macro_rules! opt_set {
    (bool, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_bool($raw, $opt, $v)
    };
    (i32, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_i32($raw, $opt, $v)
    };
    (i64, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_i64($raw, $opt, $v)
    };
    (u64, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_u64($raw, $opt, $v)
    };
    (bytes, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_bytes($raw, $opt, $v)
    };
    (key, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_key($raw, $opt, $v)
    };
    (str, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_string($raw, $opt, $v)
    };
    (opt_str, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_opt_string($raw, $opt, $v)
    };
    (credential, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_credential($raw, $opt, $v)
    };
    (timeout, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_timeout($raw, $opt, $v)
    };
    (duration, $raw:expr, $opt:expr, $v:expr) => {
        $crate::sockopt::codec::set_duration($raw, $opt, $v)
    };
}

/// One row per option:
///
/// ```text
/// [cfg]? ZMQ_NAME: kind [get getter] [set setter] => "doc";
/// ```
///
/// `kind` is one of the `opt_get_type!` arms. Rows also generate [`SOCKET_OPTIONS`], the
/// list of every option with its accessors, which the tests walk.
macro_rules! sockopts {
    ($(
        $(#[cfg($cfg:meta)])?
        $opt:ident : $kind:ident $(get $getter:ident)? $(set $setter:ident)? => $doc:literal;
    )*) => {
        impl Socket {
            $(
                sockopts!(@get [$($cfg)?] $opt $kind $doc $($getter)?);
                sockopts!(@set [$($cfg)?] $opt $kind $doc $($setter)?);
            )*
        }

        /// Every socket option that has typed accessors: its libzmq name and number,
        /// value kind, getter and setter names. Useful for tooling and tests.
        pub const SOCKET_OPTIONS: &[OptionInfo] = &[
            $(
                $(#[cfg($cfg)])?
                OptionInfo {
                    name: stringify!($opt),
                    option: zmq_sys::$opt as i32,
                    kind: stringify!($kind),
                    getter: sockopts!(@name $($getter)?),
                    setter: sockopts!(@name $($setter)?),
                },
            )*
        ];
    };
    (@name $name:ident) => { Some(stringify!($name)) };
    (@name) => { None };
    (@get [$($cfg:meta)?] $opt:ident $kind:ident $doc:literal $getter:ident) => {
        $(#[cfg($cfg)] #[cfg_attr(docsrs, doc(cfg($cfg)))])?
        #[doc = concat!("Reads `", stringify!($opt), "`: ", $doc)]
        pub fn $getter(&self) -> $crate::Result<$crate::sockopt::opt_get_type!($kind)> {
            $crate::sockopt::opt_get!($kind, &self.raw, zmq_sys::$opt as libc::c_int)
        }
    };
    (@get [$($cfg:meta)?] $opt:ident $kind:ident $doc:literal) => {};
    (@set [$($cfg:meta)?] $opt:ident $kind:ident $doc:literal $setter:ident) => {
        $(#[cfg($cfg)] #[cfg_attr(docsrs, doc(cfg($cfg)))])?
        #[doc = concat!("Sets `", stringify!($opt), "`: ", $doc)]
        pub fn $setter(&self, value: $crate::sockopt::opt_set_type!($kind)) -> $crate::Result<()> {
            $crate::sockopt::opt_set!($kind, &self.raw, zmq_sys::$opt as libc::c_int, value)
        }
    };
    (@set [$($cfg:meta)?] $opt:ident $kind:ident $doc:literal) => {};
}

/// A row of the socket option table; see [`SOCKET_OPTIONS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OptionInfo {
    /// libzmq's name, e.g. `"ZMQ_SNDHWM"`.
    pub name: &'static str,
    /// libzmq's number.
    pub option: i32,
    /// How the value is encoded: `bool`, `i32`, `i64`, `u64`, `bytes`, `key`, `str`,
    /// `opt_str`, `credential` (an `opt_str` that refuses an empty string), `timeout` (ms,
    /// -1 = forever) or `duration` (ms).
    pub kind: &'static str,
    /// The getter on [`Socket`], if libzmq can read the option back.
    pub getter: Option<&'static str>,
    /// The setter on [`Socket`], if the option can be set.
    pub setter: Option<&'static str>,
}

/// The option table: calls `$m! { rows }` (rows as described at [`sockopts!`]), so that
/// the same rows give the accessors of [`Socket`] here and those of the draft sockets in
/// `draft.rs`, which depends on this module (never the other way round).
macro_rules! for_each_sockopt {
    ($m:ident) => {
        $m! {
    // ---- zmq 0.10 accessors (names and types kept) ----
    ZMQ_IPV6: bool get is_ipv6 set set_ipv6 => "IPv6 on the socket (default off: IPv4 only).";
    ZMQ_IMMEDIATE: bool get is_immediate set set_immediate =>
        "queue messages only to completed connections (default off).";
    ZMQ_PLAIN_SERVER: bool get is_plain_server set set_plain_server =>
        "act as PLAIN server (default off).";
    ZMQ_CONFLATE: bool get is_conflate set set_conflate =>
        "keep only the last message in the queues (default off).";
    ZMQ_PROBE_ROUTER: bool get is_probe_router set set_probe_router =>
        "send an empty message to ROUTER peers on connect. libzmq cannot read it back: the \
         getter always fails with EINVAL (kept from zmq 0.10).";
    ZMQ_ROUTER_MANDATORY: bool get is_router_mandatory set set_router_mandatory =>
        "fail with EHOSTUNREACH (or block/EAGAIN at the high-water mark) instead of dropping \
         unroutable messages. libzmq cannot read it back: the getter always fails with EINVAL.";
    ZMQ_ROUTER_HANDOVER: bool get is_router_handover set set_router_handover =>
        "hand a routing id over to a new connection that claims it. libzmq cannot read it \
         back: the getter always fails with EINVAL.";
    ZMQ_CURVE_SERVER: bool get is_curve_server set set_curve_server =>
        "act as CURVE server (needs a secret key). Without a ZAP handler (see `zmq::auth`) \
         any client that knows the server's public key is let in.";
    ZMQ_GSSAPI_SERVER: bool get is_gssapi_server set set_gssapi_server =>
        "act as GSSAPI server (GSSAPI is not compiled into the vendored libzmq).";
    ZMQ_GSSAPI_PLAINTEXT: bool get is_gssapi_plaintext set set_gssapi_plaintext =>
        "disable GSSAPI encryption.";
    ZMQ_REQ_RELAXED: bool set set_req_relaxed =>
        "let a REQ socket send a new request without waiting for the reply (pair with \
         `set_req_correlate`).";
    ZMQ_REQ_CORRELATE: bool set set_req_correlate =>
        "tag REQ requests with an id and drop replies that do not match the last one.";
    ZMQ_XPUB_VERBOSE: bool set set_xpub_verbose =>
        "pass duplicate subscriptions up from an XPUB.";
    ZMQ_MAXMSGSIZE: i64 get get_maxmsgsize set set_maxmsgsize =>
        "largest inbound message in bytes; a peer sending more is disconnected (default -1: \
         unlimited).";
    ZMQ_SNDHWM: i32 get get_sndhwm set set_sndhwm =>
        "high-water mark of outbound messages per peer (default 1000; 0: unlimited).";
    ZMQ_RCVHWM: i32 get get_rcvhwm set set_rcvhwm =>
        "high-water mark of inbound messages per peer (default 1000; 0: unlimited).";
    ZMQ_AFFINITY: u64 get get_affinity set set_affinity =>
        "bitmask of the I/O threads that serve new connections (default 0: any).";
    ZMQ_RATE: i32 get get_rate set set_rate => "multicast data rate in kbit/s.";
    ZMQ_RECOVERY_IVL: i32 get get_recovery_ivl set set_recovery_ivl =>
        "multicast recovery interval in ms.";
    ZMQ_SNDBUF: i32 get get_sndbuf set set_sndbuf =>
        "kernel send buffer size in bytes (default -1: the OS default).";
    ZMQ_RCVBUF: i32 get get_rcvbuf set set_rcvbuf =>
        "kernel receive buffer size in bytes (default -1: the OS default).";
    ZMQ_TOS: i32 get get_tos set set_tos => "IP type-of-service of outgoing packets.";
    ZMQ_LINGER: i32 get get_linger set set_linger =>
        "how long, in ms, unsent messages are kept after the socket is closed; -1 (the \
         default) is forever, which makes context termination wait for them.";
    ZMQ_RECONNECT_IVL: i32 get get_reconnect_ivl set set_reconnect_ivl =>
        "ms before reconnecting after a lost connection (default 100; -1: never).";
    ZMQ_RECONNECT_IVL_MAX: i32 get get_reconnect_ivl_max set set_reconnect_ivl_max =>
        "upper bound in ms of the exponential reconnect back-off (default 0: no back-off).";
    ZMQ_BACKLOG: i32 get get_backlog set set_backlog =>
        "length of the queue of pending incoming connections, read at bind (libzmq's \
         default is 100; sockets made by `Context::socket` start at the OS's limit, \
         `net.core.somaxconn`, or 511, so that a listener survives a reconnection storm).";
    ZMQ_MULTICAST_HOPS: i32 get get_multicast_hops set set_multicast_hops =>
        "multicast TTL (default 1).";
    ZMQ_RCVTIMEO: i32 get get_rcvtimeo set set_rcvtimeo =>
        "ms a receive waits before failing with EAGAIN (default -1: forever).";
    ZMQ_SNDTIMEO: i32 get get_sndtimeo set set_sndtimeo =>
        "ms a send waits before failing with EAGAIN (default -1: forever).";
    ZMQ_TCP_KEEPALIVE: i32 get get_tcp_keepalive set set_tcp_keepalive =>
        "SO_KEEPALIVE: -1 (default) leaves the OS setting, 0 off, 1 on.";
    ZMQ_TCP_KEEPALIVE_CNT: i32 get get_tcp_keepalive_cnt set set_tcp_keepalive_cnt =>
        "TCP_KEEPCNT (default -1: the OS setting).";
    ZMQ_TCP_KEEPALIVE_IDLE: i32 get get_tcp_keepalive_idle set set_tcp_keepalive_idle =>
        "TCP_KEEPIDLE in seconds (default -1: the OS setting).";
    ZMQ_TCP_KEEPALIVE_INTVL: i32 get get_tcp_keepalive_intvl set set_tcp_keepalive_intvl =>
        "TCP_KEEPINTVL in seconds (default -1: the OS setting).";
    ZMQ_HANDSHAKE_IVL: i32 get get_handshake_ivl set set_handshake_ivl =>
        "ms allowed for the ZMTP handshake (default 30000; 0: no limit).";
    ZMQ_HEARTBEAT_IVL: i32 get get_heartbeat_ivl set set_heartbeat_ivl =>
        "ms between ZMTP PINGs (default 0: no heartbeats).";
    ZMQ_HEARTBEAT_TTL: i32 get get_heartbeat_ttl set set_heartbeat_ttl =>
        "ms the peer should wait for traffic before timing out, sent in PINGs (multiple of \
         100, at most 6553599).";
    ZMQ_HEARTBEAT_TIMEOUT: i32 get get_heartbeat_timeout set set_heartbeat_timeout =>
        "ms without traffic after a PING before the connection is closed (default: the \
         heartbeat interval).";
    ZMQ_CONNECT_TIMEOUT: i32 get get_connect_timeout set set_connect_timeout =>
        "ms a TCP connect may take (default 0: the OS limit).";
    ZMQ_ROUTING_ID: bytes get get_identity set set_identity =>
        "the socket's routing id (1 to 255 bytes, not starting with a zero byte), seen by \
         ROUTER peers. Same as `get_routing_id`/`set_routing_id`.";
    ZMQ_SUBSCRIBE: bytes set set_subscribe =>
        "subscribe to messages starting with this prefix (SUB; empty: everything).";
    ZMQ_UNSUBSCRIBE: bytes set set_unsubscribe => "remove a subscription (SUB).";
    ZMQ_CURVE_PUBLICKEY: key get get_curve_publickey set set_curve_publickey =>
        "the CURVE public key: 32 bytes, or 40 Z85 characters (anything else is `EINVAL` and \
         keeps the old key); reads back 32 bytes.";
    ZMQ_CURVE_SECRETKEY: key get get_curve_secretkey set set_curve_secretkey =>
        "the CURVE secret key: 32 bytes, or 40 Z85 characters (anything else is `EINVAL` and \
         keeps the old key); reads back 32 bytes.";
    ZMQ_CURVE_SERVERKEY: key get get_curve_serverkey set set_curve_serverkey =>
        "the server's CURVE public key, on a client: 32 bytes, or 40 Z85 characters \
         (anything else is `EINVAL` and keeps the old key).";
    ZMQ_SOCKS_PROXY: opt_str get get_socks_proxy set set_socks_proxy =>
        "SOCKS5 proxy `host:port` for outgoing TCP connections (None: no proxy).";
    ZMQ_PLAIN_USERNAME: credential get get_plain_username set set_plain_username =>
        "PLAIN user name, on a client, 1 to 255 bytes; setting it selects the PLAIN \
         mechanism. None goes back to the NULL mechanism (libzmq keeps the stored name); \
         an empty name is EINVAL.";
    ZMQ_PLAIN_PASSWORD: credential get get_plain_password set set_plain_password =>
        "PLAIN password, on a client, 1 to 255 bytes; setting it selects the PLAIN \
         mechanism. None goes back to the NULL mechanism (libzmq keeps the stored \
         password); an empty password is EINVAL.";
    ZMQ_XPUB_WELCOME_MSG: opt_str set set_xpub_welcome_msg =>
        "message an XPUB sends to each new subscriber (None: none).";
    ZMQ_ZAP_DOMAIN: str get get_zap_domain set set_zap_domain =>
        "ZAP (RFC 27) authentication domain, 1 to 255 bytes (libzmq 4.3.5 rejects an \
         empty one with EINVAL).";
    ZMQ_GSSAPI_PRINCIPAL: str get get_gssapi_principal set set_gssapi_principal =>
        "GSSAPI principal name.";
    ZMQ_GSSAPI_SERVICE_PRINCIPAL: str get get_gssapi_service_principal
        set set_gssapi_service_principal => "GSSAPI service principal name.";

    // ---- Options zmq 0.10 lacked (stable in libzmq 4.3.5) ----
    ZMQ_CONNECT_ROUTING_ID: bytes set set_connect_routing_id =>
        "routing id to give the peer of the next `connect` (ROUTER, STREAM).";
    ZMQ_ROUTER_RAW: bool set set_router_raw => "raw mode for ROUTER (deprecated: use STREAM).";
    ZMQ_XPUB_NODROP: bool set set_xpub_nodrop =>
        "make XPUB/PUB fail with EAGAIN at the high-water mark instead of dropping.";
    ZMQ_XPUB_MANUAL: bool set set_xpub_manual =>
        "let the application decide subscriptions of an XPUB (with `set_subscribe`).";
    ZMQ_XPUB_VERBOSER: bool set set_xpub_verboser =>
        "pass duplicate subscriptions and unsubscriptions up from an XPUB.";
    ZMQ_STREAM_NOTIFY: bool set set_stream_notify =>
        "deliver empty connect/disconnect notifications on STREAM (default on).";
    ZMQ_INVERT_MATCHING: bool get is_invert_matching set set_invert_matching =>
        "invert subscription matching: receive what does NOT match (PUB and SUB both).";
    ZMQ_TCP_MAXRT: i32 get get_tcp_maxrt set set_tcp_maxrt =>
        "TCP_USER_TIMEOUT in ms: how long sent data may stay unacknowledged (default 0: OS).";
    ZMQ_THREAD_SAFE: bool get is_thread_safe => "whether the socket type is thread safe.";
    ZMQ_MULTICAST_MAXTPDU: i32 get get_multicast_maxtpdu set set_multicast_maxtpdu =>
        "largest multicast transport data unit in bytes (default 1500).";
    ZMQ_USE_FD: i32 get get_use_fd =>
        "the listening socket descriptor the next tcp, ipc or ws bind takes (default -1: \
         none); set with the `unsafe` [`Socket::set_use_fd`].";
    ZMQ_BINDTODEVICE: str get get_bindtodevice set set_bindtodevice =>
        "network interface the socket's connections use (SO_BINDTODEVICE; needs \
         CAP_NET_RAW).";
    ZMQ_GSSAPI_PRINCIPAL_NAMETYPE: i32 get get_gssapi_principal_nametype
        set set_gssapi_principal_nametype => "name type of the GSSAPI principal.";
    ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE: i32 get get_gssapi_service_principal_nametype
        set set_gssapi_service_principal_nametype => "name type of the GSSAPI service principal.";
    ZMQ_VMCI_BUFFER_SIZE: u64 set set_vmci_buffer_size => "VMCI buffer size (VMCI only).";
    ZMQ_VMCI_BUFFER_MIN_SIZE: u64 set set_vmci_buffer_min_size =>
        "VMCI minimum buffer size (VMCI only).";
    ZMQ_VMCI_BUFFER_MAX_SIZE: u64 set set_vmci_buffer_max_size =>
        "VMCI maximum buffer size (VMCI only).";
    ZMQ_VMCI_CONNECT_TIMEOUT: i32 set set_vmci_connect_timeout => "VMCI connect timeout (VMCI only).";
    ZMQ_IPV4ONLY: bool get is_ipv4only set set_ipv4only =>
        "IPv4 only (deprecated by libzmq: the inverse of `ZMQ_IPV6`).";
    ZMQ_TCP_ACCEPT_FILTER: opt_str set set_tcp_accept_filter =>
        "accept TCP connections only from this address (deprecated by libzmq: use ZAP); \
         None clears the filters.";
    ZMQ_IPC_FILTER_PID: i32 set set_ipc_filter_pid =>
        "accept ipc connections only from this process id (deprecated by libzmq: use ZAP).";
    ZMQ_IPC_FILTER_UID: i32 set set_ipc_filter_uid =>
        "accept ipc connections only from this user id (deprecated by libzmq: use ZAP).";
    ZMQ_IPC_FILTER_GID: i32 set set_ipc_filter_gid =>
        "accept ipc connections only from this group id (deprecated by libzmq: use ZAP).";

    // ---- Duration forms of the millisecond options ----
    ZMQ_RCVTIMEO: timeout get get_rcvtimeo_duration set set_rcvtimeo_duration =>
        "how long a receive waits before failing with EAGAIN (None: forever, the default).";
    ZMQ_SNDTIMEO: timeout get get_sndtimeo_duration set set_sndtimeo_duration =>
        "how long a send waits before failing with EAGAIN (None: forever, the default).";
    ZMQ_LINGER: timeout get get_linger_duration set set_linger_duration =>
        "how long unsent messages are kept after close (None: forever, the default).";
    ZMQ_RECONNECT_IVL: timeout get get_reconnect_ivl_duration set set_reconnect_ivl_duration =>
        "delay before reconnecting (None: never reconnect).";
    ZMQ_RECONNECT_IVL_MAX: duration get get_reconnect_ivl_max_duration
        set set_reconnect_ivl_max_duration => "bound of the reconnect back-off (zero: none).";
    ZMQ_HANDSHAKE_IVL: duration get get_handshake_ivl_duration set set_handshake_ivl_duration =>
        "time allowed for the handshake (zero: no limit).";
    ZMQ_HEARTBEAT_IVL: duration get get_heartbeat_ivl_duration set set_heartbeat_ivl_duration =>
        "interval between PINGs (zero: no heartbeats).";
    ZMQ_HEARTBEAT_TTL: duration get get_heartbeat_ttl_duration set set_heartbeat_ttl_duration =>
        "timeout the peer should apply, sent in PINGs (rounded to 100 ms by libzmq).";
    ZMQ_HEARTBEAT_TIMEOUT: duration get get_heartbeat_timeout_duration
        set set_heartbeat_timeout_duration => "silence after a PING before disconnecting.";
    ZMQ_CONNECT_TIMEOUT: duration get get_connect_timeout_duration
        set set_connect_timeout_duration => "limit of a TCP connect (zero: the OS limit).";
    ZMQ_TCP_MAXRT: duration get get_tcp_maxrt_duration set set_tcp_maxrt_duration =>
        "limit of unacknowledged sent data (zero: the OS limit).";

    // ---- Draft options (libzmq 4.3.5 draft API) ----
    #[cfg(feature = "draft")]
    ZMQ_ZAP_ENFORCE_DOMAIN: bool get is_zap_enforce_domain set set_zap_enforce_domain =>
        "RFC 27's strict ZAP domains (default off; draft). With a ZAP domain, a CURVE \
         server then refuses clients while no ZAP handler runs (off: it lets them in). \
         **Without a ZAP domain, libzmq 4.3.5's CURVE server then skips ZAP altogether \
         and lets every client in, even with an authenticator running**: set a domain \
         with it.";
    #[cfg(feature = "draft")]
    ZMQ_LOOPBACK_FASTPATH: bool get is_loopback_fastpath set set_loopback_fastpath =>
        "Windows loopback fast path (draft; no effect elsewhere).";
    #[cfg(feature = "draft")]
    ZMQ_METADATA: str set set_metadata =>
        "add an application metadata property `X-name:value`, sent to peers at handshake \
         (draft).";
    #[cfg(feature = "draft")]
    ZMQ_MULTICAST_LOOP: bool get is_multicast_loop set set_multicast_loop =>
        "loop multicast (UDP) traffic back to the host (draft).";
    #[cfg(feature = "draft")]
    ZMQ_ROUTER_NOTIFY: i32 get get_router_notify set set_router_notify =>
        "deliver an empty message with the peer's routing id on connect (`ZMQ_NOTIFY_CONNECT`, \
         1) and/or disconnect (`ZMQ_NOTIFY_DISCONNECT`, 2) (ROUTER, draft).";
    #[cfg(feature = "draft")]
    ZMQ_XPUB_MANUAL_LAST_VALUE: bool set set_xpub_manual_last_value =>
        "manual XPUB that sends the last value to new subscribers (draft).";
    #[cfg(feature = "draft")]
    ZMQ_SOCKS_USERNAME: opt_str get get_socks_username set set_socks_username =>
        "SOCKS5 user name (draft).";
    #[cfg(feature = "draft")]
    ZMQ_SOCKS_PASSWORD: opt_str get get_socks_password set set_socks_password =>
        "SOCKS5 password (draft).";
    #[cfg(feature = "draft")]
    ZMQ_IN_BATCH_SIZE: i32 get get_in_batch_size set set_in_batch_size =>
        "bytes read from the network in one batch (default 8192; draft).";
    #[cfg(feature = "draft")]
    ZMQ_OUT_BATCH_SIZE: i32 get get_out_batch_size set set_out_batch_size =>
        "bytes written to the network in one batch (default 8192; draft).";
    #[cfg(feature = "draft")]
    ZMQ_ONLY_FIRST_SUBSCRIBE: bool set set_only_first_subscribe =>
        "treat only the first frame of a multipart message as a subscription (XPUB/XSUB, \
         draft).";
    #[cfg(feature = "draft")]
    ZMQ_RECONNECT_STOP: i32 get get_reconnect_stop set set_reconnect_stop =>
        "stop reconnecting on: connection refused (1), handshake failure (2), after a \
         disconnect (4); a mask (draft).";
    #[cfg(feature = "draft")]
    ZMQ_HELLO_MSG: bytes set set_hello_msg => "message sent to each new peer (draft).";
    #[cfg(feature = "draft")]
    ZMQ_DISCONNECT_MSG: bytes set set_disconnect_msg =>
        "message delivered locally when a peer disconnects (ROUTER, draft).";
    #[cfg(feature = "draft")]
    ZMQ_HICCUP_MSG: bytes set set_hiccup_msg =>
        "message delivered locally when a connected peer drops and reconnects (DEALER, draft).";
    #[cfg(feature = "draft")]
    ZMQ_PRIORITY: i32 get get_priority set set_priority => "SO_PRIORITY of the socket (draft).";
    #[cfg(feature = "draft")]
    ZMQ_BUSY_POLL: bool set set_busy_poll => "SO_BUSY_POLL on the socket (draft).";
    #[cfg(feature = "draft")]
    ZMQ_XSUB_VERBOSE_UNSUBSCRIBE: bool set set_xsub_verbose_unsubscribe =>
        "pass duplicate unsubscriptions from an XSUB (draft).";
    #[cfg(feature = "draft")]
    ZMQ_TOPICS_COUNT: i32 get get_topics_count =>
        "number of subscriptions an XPUB or SUB holds (draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_MODE: i32 get get_norm_mode set set_norm_mode =>
        "NORM congestion control mode (NORM is not compiled into the vendored libzmq; draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_UNICAST_NACK: bool get is_norm_unicast_nack set set_norm_unicast_nack =>
        "NORM unicast NACKs (draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_BUFFER_SIZE: i32 get get_norm_buffer_size set set_norm_buffer_size =>
        "NORM buffer size in kB (draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_SEGMENT_SIZE: i32 get get_norm_segment_size set set_norm_segment_size =>
        "NORM segment size in bytes (draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_BLOCK_SIZE: i32 get get_norm_block_size set set_norm_block_size =>
        "NORM block size (draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_NUM_PARITY: i32 get get_norm_num_parity set set_norm_num_parity =>
        "NORM parity segments per block (draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_NUM_AUTOPARITY: i32 get get_norm_num_autoparity set set_norm_num_autoparity =>
        "NORM proactive parity segments (draft).";
    #[cfg(feature = "draft")]
    ZMQ_NORM_PUSH: bool get is_norm_push set set_norm_push => "NORM push mode (draft).";
    #[cfg(feature = "draft")]
    ZMQ_WSS_KEY_PEM: str set set_wss_key_pem =>
        "PEM private key of a `wss://` server (needs a libzmq built with WSS, which the \
         vendored one is not: EINVAL there; draft).";
    #[cfg(feature = "draft")]
    ZMQ_WSS_CERT_PEM: str set set_wss_cert_pem =>
        "PEM certificate of a `wss://` server (needs WSS; draft).";
    #[cfg(feature = "draft")]
    ZMQ_WSS_TRUST_PEM: str set set_wss_trust_pem =>
        "PEM certificate a `wss://` client trusts (needs WSS; draft).";
    #[cfg(feature = "draft")]
    ZMQ_WSS_HOSTNAME: str set set_wss_hostname =>
        "host name a `wss://` client checks in the server certificate (needs WSS; draft).";
    #[cfg(feature = "draft")]
    ZMQ_WSS_TRUST_SYSTEM: bool set set_wss_trust_system =>
        "make a `wss://` client trust the system's certificate store (needs WSS; draft).";
        }
    };
}

// Used by `draft.rs` (through `crate::sockopt::...` paths) for the draft sockets' accessors.
#[allow(unused_imports)]
pub(crate) use {for_each_sockopt, opt_get, opt_get_type, opt_set, opt_set_type, sockopts};

for_each_sockopt!(sockopts);

/// Options whose values need decoding beyond the table.
impl Socket {
    /// Same as [`get_identity`](Self::get_identity) (`ZMQ_ROUTING_ID`, its libzmq 4 name).
    pub fn get_routing_id(&self) -> Result<Vec<u8>> {
        self.get_identity()
    }

    /// Same as [`set_identity`](Self::set_identity) (`ZMQ_ROUTING_ID`, its libzmq 4 name).
    pub fn set_routing_id(&self, value: &[u8]) -> Result<()> {
        self.set_identity(value)
    }

    /// The socket's type (`ZMQ_TYPE`).
    ///
    /// # Errors
    /// `ENOTSUP` for a draft socket type, which [`SocketType`] cannot name (see
    /// [`get_socket_type_raw`](Self::get_socket_type_raw)); zmq 0.10 panicked there.
    pub fn get_socket_type(&self) -> Result<SocketType> {
        let raw = self.get_socket_type_raw()?;
        SocketType::try_from_raw(raw).ok_or(Error::ENOTSUP)
    }

    /// The socket's type as libzmq's number (`ZMQ_TYPE`), draft types included.
    pub fn get_socket_type_raw(&self) -> Result<i32> {
        codec::get_i32(&self.raw, zmq_sys::ZMQ_TYPE as c_int)
    }

    /// Whether the last frame received has more frames after it (`ZMQ_RCVMORE`).
    pub fn get_rcvmore(&self) -> Result<bool> {
        codec::get_bool(&self.raw, zmq_sys::ZMQ_RCVMORE as c_int)
    }

    /// The socket's security mechanism (`ZMQ_MECHANISM`).
    pub fn get_mechanism(&self) -> Result<Mechanism> {
        let raw = codec::get_i32(&self.raw, zmq_sys::ZMQ_MECHANISM as c_int)?;
        Mechanism::try_from_raw(raw).ok_or(Error::ENOTSUP)
    }

    /// The endpoint the socket last bound or connected to (`ZMQ_LAST_ENDPOINT`), with
    /// wildcards resolved: after `bind("tcp://127.0.0.1:*")` it holds the chosen port.
    pub fn get_last_endpoint(&self) -> Result<std::result::Result<String, Vec<u8>>> {
        codec::get_string(&self.raw, zmq_sys::ZMQ_LAST_ENDPOINT as c_int)
    }

    /// The file descriptor that signals the socket's events (`ZMQ_FD`), for integrating
    /// with an event loop. It is edge-triggered and owned by libzmq: never close it, and
    /// read [`get_events`](Self::get_events) after each wakeup *and* after every send and
    /// receive, since those can consume the edge (see [`crate::rt::tokio`] for an adapter
    /// that does it right).
    pub fn get_fd(&self) -> Result<zmq_sys::RawFd> {
        codec::get_i32(&self.raw, zmq_sys::ZMQ_FD as c_int)
    }

    /// Which operations would not block now (`ZMQ_EVENTS`): `POLLIN`, `POLLOUT`.
    pub fn get_events(&self) -> Result<PollEvents> {
        codec::get_events(&self.raw)
    }

    /// The CURVE public key as 40 Z85 characters.
    pub fn get_curve_publickey_z85(&self) -> Result<String> {
        codec::get_key_z85(&self.raw, zmq_sys::ZMQ_CURVE_PUBLICKEY as c_int)
    }

    /// The CURVE secret key as 40 Z85 characters.
    pub fn get_curve_secretkey_z85(&self) -> Result<String> {
        codec::get_key_z85(&self.raw, zmq_sys::ZMQ_CURVE_SECRETKEY as c_int)
    }

    /// The CURVE server key as 40 Z85 characters.
    pub fn get_curve_serverkey_z85(&self) -> Result<String> {
        codec::get_key_z85(&self.raw, zmq_sys::ZMQ_CURVE_SERVERKEY as c_int)
    }

    /// Reads any option into `buf` by its raw `ZMQ_*` number; returns the length libzmq
    /// wrote. For options this crate does not know yet.
    pub fn get_option_raw(&self, option: i32, buf: &mut [u8]) -> Result<usize> {
        self.raw.getsockopt(option, buf)
    }

    /// Sets any option by its raw `ZMQ_*` number and encoded value. libzmq checks the
    /// value's length and range; a wrong one fails with `EINVAL`.
    ///
    /// # Errors
    /// libzmq's; `EINVAL` for `ZMQ_USE_FD`, which hands a descriptor to libzmq: use the
    /// `unsafe` [`set_use_fd`](Self::set_use_fd).
    pub fn set_option_raw(&self, option: i32, value: &[u8]) -> Result<()> {
        if option == zmq_sys::ZMQ_USE_FD as i32 {
            return Err(Error::EINVAL);
        }
        self.raw.setsockopt(option, value)
    }

    /// Hands a listening socket descriptor to the next bind to a tcp, ipc or ws endpoint
    /// (`ZMQ_USE_FD`), which then listens on it and ignores its own address; `-1` takes it
    /// back before that. The bind that takes it sets the option back to `-1` (libzmq would
    /// give the same descriptor to the next bind as well).
    ///
    /// ```
    /// use std::os::fd::IntoRawFd;
    ///
    /// let ctx = zmq::Context::new();
    /// let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let port = listener.local_addr().unwrap().port();
    /// let server = ctx.socket(zmq::REP)?;
    /// // SAFETY: a listening socket nothing else will use or close (into_raw_fd).
    /// unsafe { server.set_use_fd(listener.into_raw_fd())? };
    /// server.bind("tcp://127.0.0.1:*")?; // listens on the descriptor's port
    /// assert_eq!(server.get_last_endpoint()?.unwrap(), format!("tcp://127.0.0.1:{port}"));
    /// assert_eq!(server.get_use_fd()?, -1);
    /// # Ok::<(), zmq::Error>(())
    /// ```
    ///
    /// # Safety
    /// `fd` is `-1`, or an open descriptor of a socket that is bound and listening (a
    /// `TcpListener`'s or a `UnixListener`'s, given up with
    /// [`IntoRawFd::into_raw_fd`](std::os::fd::IntoRawFd::into_raw_fd)) that nothing else
    /// uses or closes from then on: libzmq checks nothing, watches it with epoll, accepts
    /// on it and closes it when the endpoint is unbound or the socket closes. Any other
    /// descriptor makes that bind abort the process, or is closed under its owner. If no
    /// bind takes it, it stays the caller's to close.
    ///
    /// # Errors
    /// `ETERM` when the context is terminated.
    pub unsafe fn set_use_fd(&self, fd: i32) -> Result<()> {
        self.raw
            .setsockopt(zmq_sys::ZMQ_USE_FD as i32, &fd.to_ne_bytes())
    }
}
