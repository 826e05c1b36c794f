//! Errors: the [`Error`] enum of the zmq 0.10 API, and richer errors that say what failed.
//!
//! [`Error`] keeps rust-zmq's 28 variants, their order, `to_raw`/`from_raw` and its
//! `Display == Debug == message()` contract. Codes it has no variant for never panic:
//! see [`Error::from_raw`]. Operations on endpoints also exist in a form that returns
//! [`EndpointError`], which names the endpoint and keeps the raw `errno`.

use std::ffi::CString;
use std::fmt;
use std::io;

use libc::c_int;
use zmq_sys::errno;

use crate::endpoint;
use crate::raw::sys::{self, Errno};

/// An error reported by libzmq, as in the zmq 0.10 API.
///
/// `Display` and `Debug` both print [`Error::message`], libzmq's `zmq_strerror` text.
///
/// ```
/// let ctx = zmq::Context::new();
/// let req = ctx.socket(zmq::REQ).unwrap();
/// req.set_sndtimeo(0).unwrap();
/// // A REQ socket must receive a reply before it can send again.
/// req.send("first", zmq::DONTWAIT).ok();
/// let err = req.send("second", zmq::DONTWAIT).unwrap_err();
/// assert!(err == zmq::Error::EFSM || err == zmq::Error::EAGAIN);
/// assert_eq!(err.to_string(), format!("{:?}", err));
/// ```
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Eq, PartialEq, Hash)]
pub enum Error {
    /// Permission denied.
    EACCES,
    /// Address already in use.
    EADDRINUSE,
    /// Resource temporarily unavailable: the operation would block (`DONTWAIT`, or a
    /// `RCVTIMEO`/`SNDTIMEO` timeout expired).
    EAGAIN,
    /// Device or resource busy.
    EBUSY,
    /// Connection refused.
    ECONNREFUSED,
    /// Bad address.
    EFAULT,
    /// Interrupted by a signal before the operation completed.
    EINTR,
    /// No route to host (e.g. a ROUTER with `ROUTER_MANDATORY` and an unknown routing id).
    EHOSTUNREACH,
    /// Operation now in progress.
    EINPROGRESS,
    /// Invalid argument (a malformed endpoint, a bad option value, ...).
    EINVAL,
    /// Too many open files (or too many sockets in the context).
    EMFILE,
    /// Message too long.
    EMSGSIZE,
    /// File name too long (an ipc path over the platform limit).
    ENAMETOOLONG,
    /// No such device (e.g. an unknown network interface in an endpoint).
    ENODEV,
    /// No such file or directory (e.g. unbinding an endpoint that is not bound).
    ENOENT,
    /// Out of memory.
    ENOMEM,
    /// Not connected.
    ENOTCONN,
    /// Not a socket.
    ENOTSOCK,
    /// Protocol error. Also the documented fallback for codes without a variant
    /// (see [`Error::from_raw`]).
    EPROTO,
    /// The transport in the endpoint is not supported (e.g. `foo://...`).
    EPROTONOSUPPORT,
    /// Operation not supported.
    ENOTSUP,
    /// No buffer space available.
    ENOBUFS,
    /// Network is down.
    ENETDOWN,
    /// Cannot assign the requested address (e.g. binding to an address not on this host).
    EADDRNOTAVAIL,
    /// The operation is not allowed in the socket's current state (e.g. two sends in a
    /// row on REQ).
    EFSM,
    /// The transport is not compatible with the socket type.
    ENOCOMPATPROTO,
    /// The context was terminated or shut down.
    ETERM,
    /// No I/O thread is available.
    EMTHREAD,
}

impl Error {
    /// The `errno` value of this error.
    pub fn to_raw(self) -> i32 {
        match self {
            Error::EACCES => errno::EACCES,
            Error::EADDRINUSE => errno::EADDRINUSE,
            Error::EAGAIN => errno::EAGAIN,
            Error::EBUSY => errno::EBUSY,
            Error::ECONNREFUSED => errno::ECONNREFUSED,
            Error::EFAULT => errno::EFAULT,
            Error::EINTR => errno::EINTR,
            Error::EHOSTUNREACH => errno::EHOSTUNREACH,
            Error::EINPROGRESS => errno::EINPROGRESS,
            Error::EINVAL => errno::EINVAL,
            Error::EMFILE => errno::EMFILE,
            Error::EMSGSIZE => errno::EMSGSIZE,
            Error::ENAMETOOLONG => errno::ENAMETOOLONG,
            Error::ENODEV => errno::ENODEV,
            Error::ENOENT => errno::ENOENT,
            Error::ENOMEM => errno::ENOMEM,
            Error::ENOTCONN => errno::ENOTCONN,
            Error::ENOTSOCK => errno::ENOTSOCK,
            Error::EPROTO => errno::EPROTO,
            Error::EPROTONOSUPPORT => errno::EPROTONOSUPPORT,
            Error::ENOTSUP => errno::ENOTSUP,
            Error::ENOBUFS => errno::ENOBUFS,
            Error::ENETDOWN => errno::ENETDOWN,
            Error::EADDRNOTAVAIL => errno::EADDRNOTAVAIL,
            Error::EFSM => errno::EFSM,
            Error::ENOCOMPATPROTO => errno::ENOCOMPATPROTO,
            Error::ETERM => errno::ETERM,
            Error::EMTHREAD => errno::EMTHREAD,
        }
    }

    /// The variant for an `errno` value, or `None` when there is no exact one.
    pub fn try_from_raw(raw: i32) -> Option<Error> {
        let error = match raw {
            errno::EACCES => Error::EACCES,
            errno::EADDRINUSE | errno::EADDRINUSE_ALT => Error::EADDRINUSE,
            errno::EAGAIN => Error::EAGAIN,
            errno::EBUSY => Error::EBUSY,
            errno::ECONNREFUSED | errno::ECONNREFUSED_ALT => Error::ECONNREFUSED,
            errno::EFAULT => Error::EFAULT,
            errno::EINTR => Error::EINTR,
            errno::EHOSTUNREACH | errno::EHOSTUNREACH_ALT => Error::EHOSTUNREACH,
            errno::EINPROGRESS | errno::EINPROGRESS_ALT => Error::EINPROGRESS,
            errno::EINVAL => Error::EINVAL,
            errno::EMFILE => Error::EMFILE,
            errno::EMSGSIZE | errno::EMSGSIZE_ALT => Error::EMSGSIZE,
            errno::ENAMETOOLONG => Error::ENAMETOOLONG,
            errno::ENODEV => Error::ENODEV,
            errno::ENOENT => Error::ENOENT,
            errno::ENOMEM => Error::ENOMEM,
            errno::ENOTCONN | errno::ENOTCONN_ALT => Error::ENOTCONN,
            errno::ENOTSOCK | errno::ENOTSOCK_ALT => Error::ENOTSOCK,
            errno::EPROTO => Error::EPROTO,
            errno::EPROTONOSUPPORT | errno::EPROTONOSUPPORT_ALT => Error::EPROTONOSUPPORT,
            errno::ENOTSUP | errno::ENOTSUP_ALT => Error::ENOTSUP,
            errno::ENOBUFS | errno::ENOBUFS_ALT => Error::ENOBUFS,
            errno::ENETDOWN | errno::ENETDOWN_ALT => Error::ENETDOWN,
            errno::EADDRNOTAVAIL | errno::EADDRNOTAVAIL_ALT => Error::EADDRNOTAVAIL,
            errno::EFSM => Error::EFSM,
            errno::ENOCOMPATPROTO => Error::ENOCOMPATPROTO,
            errno::ETERM => Error::ETERM,
            errno::EMTHREAD => Error::EMTHREAD,
            _ => return None,
        };
        Some(error)
    }

    /// The variant for an `errno` value. Never panics.
    ///
    /// Codes without a variant of their own map to the nearest one where the meaning is
    /// the same family (`EPERM` → `EACCES`; `EAFNOSUPPORT` → `EPROTONOSUPPORT`;
    /// `ECONNRESET`, `ECONNABORTED`, `EPIPE`, `ENETRESET` → `ENOTCONN`; `ENETUNREACH`,
    /// `EHOSTDOWN` → `EHOSTUNREACH`; `ETIMEDOUT` → `EAGAIN`; `ENFILE` → `EMFILE`) and to
    /// [`Error::EPROTO`]
    /// otherwise. (zmq 0.10 panicked here.) Use [`Error::try_from_raw`] to tell the cases
    /// apart, or the `errno()` of an [`EndpointError`].
    pub fn from_raw(raw: i32) -> Error {
        if let Some(error) = Error::try_from_raw(raw) {
            return error;
        }
        match raw {
            libc::EPERM => Error::EACCES,
            errno::EAFNOSUPPORT | errno::EAFNOSUPPORT_ALT => Error::EPROTONOSUPPORT,
            errno::ECONNRESET
            | errno::ECONNRESET_ALT
            | errno::ECONNABORTED
            | errno::ECONNABORTED_ALT
            | errno::ENETRESET
            | errno::ENETRESET_ALT
            | libc::EPIPE => Error::ENOTCONN,
            errno::ENETUNREACH | errno::ENETUNREACH_ALT | libc::EHOSTDOWN => Error::EHOSTUNREACH,
            errno::ETIMEDOUT | errno::ETIMEDOUT_ALT => Error::EAGAIN,
            libc::ENFILE => Error::EMFILE,
            _ => Error::EPROTO,
        }
    }

    /// libzmq's description of the error (`zmq_strerror`).
    ///
    /// For [`Error::EMFILE`] it goes on to name the two limits that give it and how to
    /// raise them, since from libzmq it always means one of those:
    /// `Too many open files (... ulimit -n ... Context::set_max_sockets ...)`.
    pub fn message(self) -> &'static str {
        match self {
            Error::EMFILE => emfile_message(),
            _ => strerror(self.to_raw()),
        }
    }
}

/// What to do about `EMFILE`, which libzmq reports for two different limits.
pub(crate) const EMFILE_HINT: &str = "the process reached its file descriptor limit \
     (raise it with `ulimit -n`, RLIMIT_NOFILE; each socket uses one fd and each tcp/ipc \
     connection one more), or, when creating a socket, the context reached its socket limit \
     (`Context::set_max_sockets`, default 1023, before the first socket)";

/// `zmq_strerror(EMFILE)` followed by [`EMFILE_HINT`], built once.
fn emfile_message() -> &'static str {
    static MESSAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    MESSAGE.get_or_init(|| format!("{} ({EMFILE_HINT})", strerror(errno::EMFILE)))
}

/// libzmq's text for any `errno` value.
pub(crate) fn strerror(code: c_int) -> &'static str {
    sys::strerror(code)
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error::from_raw(errno.0)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl fmt::Debug for Error {
    /// Prints the message, like `Display` (the zmq 0.10 contract).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {
    #[allow(deprecated)]
    fn description(&self) -> &str {
        self.message()
    }
}

impl From<Error> for io::Error {
    fn from(error: Error) -> io::Error {
        let kind = match error {
            Error::ENOENT => io::ErrorKind::NotFound,
            Error::EACCES => io::ErrorKind::PermissionDenied,
            Error::ECONNREFUSED => io::ErrorKind::ConnectionRefused,
            Error::ENOTCONN => io::ErrorKind::NotConnected,
            Error::EADDRINUSE => io::ErrorKind::AddrInUse,
            Error::EADDRNOTAVAIL => io::ErrorKind::AddrNotAvailable,
            Error::EAGAIN => io::ErrorKind::WouldBlock,
            Error::EINVAL => io::ErrorKind::InvalidInput,
            Error::EINTR => io::ErrorKind::Interrupted,
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, error)
    }
}

/// The operation an [`EndpointError`] comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EndpointOp {
    /// `zmq_bind`
    Bind,
    /// `zmq_connect`
    Connect,
    /// `zmq_unbind`
    Unbind,
    /// `zmq_disconnect`
    Disconnect,
    /// `zmq_socket_monitor`
    Monitor,
}

impl EndpointOp {
    fn verb(self) -> &'static str {
        match self {
            EndpointOp::Bind => "bind to",
            EndpointOp::Connect => "connect to",
            EndpointOp::Unbind => "unbind",
            EndpointOp::Disconnect => "disconnect from",
            EndpointOp::Monitor => "monitor on",
        }
    }
}

/// A failed bind, connect, unbind, disconnect or monitor, naming the endpoint.
///
/// Returned by [`Socket::bind_endpoint`](crate::Socket::bind_endpoint) and its siblings;
/// the zmq 0.10 methods (`bind`, `connect`, ...) return the bare [`Error`] instead. It
/// converts into [`Error`] and [`std::io::Error`], so `?` works in either kind of function.
///
/// ```
/// let ctx = zmq::Context::new();
/// let socket = ctx.socket(zmq::PUSH).unwrap();
/// let err = socket.connect_endpoint("tcp://localhost:port").unwrap_err();
/// assert_eq!(err.error(), zmq::Error::EINVAL);
/// assert!(err.to_string().contains("tcp://localhost:port"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct EndpointError {
    op: EndpointOp,
    endpoint: String,
    errno: c_int,
}

impl EndpointError {
    pub(crate) fn new(op: EndpointOp, endpoint: &str, errno: c_int) -> EndpointError {
        EndpointError {
            op,
            endpoint: endpoint.to_owned(),
            errno,
        }
    }

    /// The endpoint as a C string for libzmq, or the error for an endpoint refused before
    /// libzmq sees it: one with a NUL byte, or a tcp/ws/udp port out of `0..=65535` or with
    /// text after its number (which libzmq would silently read as another port). Both are
    /// `EINVAL`, with a hint.
    pub(crate) fn checked_cstring(
        op: EndpointOp,
        endpoint: &str,
    ) -> std::result::Result<CString, EndpointError> {
        if endpoint::bad_port(endpoint).is_some() {
            return Err(EndpointError::new(op, endpoint, errno::EINVAL));
        }
        CString::new(endpoint).map_err(|_| EndpointError::new(op, endpoint, errno::EINVAL))
    }

    /// What was being done.
    pub fn op(&self) -> EndpointOp {
        self.op
    }

    /// The endpoint as given.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The raw `errno` libzmq reported (or `EINVAL` for an endpoint rejected before it).
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// The error as the zmq 0.10 [`Error`] enum.
    pub fn error(&self) -> Error {
        Error::from_raw(self.errno)
    }

    /// A hint for the common causes of this error, if there is one.
    fn hint(&self) -> Option<String> {
        let ep = self.endpoint.as_str();
        let transport = ep.split("://").next().filter(|_| ep.contains("://"));
        if ep.contains('\0') {
            return Some("the endpoint contains a NUL byte".into());
        }
        if let Some(port) = endpoint::bad_port(ep).filter(|_| self.errno == errno::EINVAL) {
            let what = endpoint::port_problem(port);
            return Some(format!(
                "port {port:?} {what}: a port is a number from 0 to 65535, or * (* and 0 let \
                 the system choose)"
            ));
        }
        match (self.errno, transport) {
            (e, Some(t)) if e == errno::ENOTSUP && t.eq_ignore_ascii_case("udp") => Some(
                "a DGRAM socket handles IPv4 only: libzmq 4.3.5 would abort the process on \
                 the first IPv6 datagram, so an endpoint is refused while ZMQ_IPV6 is set \
                 (set_ipv6(false))"
                    .into(),
            ),
            (_, None) if self.errno == errno::EINVAL => {
                Some("an endpoint looks like transport://address, e.g. tcp://127.0.0.1:5555".into())
            }
            (e, _) if e == errno::EPROTONOSUPPORT => Some(format!(
                "unknown or unsupported transport {:?}; this build has tcp, ipc, inproc, ws \
                 and udp (RADIO/DISH, DGRAM)",
                transport.unwrap_or("")
            )),
            (e, Some("ipc")) if e == errno::ENAMETOOLONG => Some(format!(
                "the ipc path is {} bytes; the limit is {} bytes",
                ep.len() - "ipc://".len(),
                ipc_path_limit()
            )),
            (e, Some("ipc")) if e == errno::ENOENT => {
                let path = &ep["ipc://".len()..];
                let dir = std::path::Path::new(path)
                    .parent()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                Some(format!(
                    "the directory {dir:?} of ipc path {path:?} does not exist"
                ))
            }
            (e, _) if e == errno::ENOENT && self.op == EndpointOp::Unbind => Some(
                "it is not bound; unbind takes the address bind reported (last_endpoint), \
                 not a wildcard"
                    .into(),
            ),
            (e, _) if e == errno::ENOENT && self.op == EndpointOp::Disconnect => {
                Some("it is not connected".into())
            }
            (e, Some("tcp")) if e == errno::EINVAL => Some(
                "a tcp endpoint is tcp://host:port, tcp://interface:port or tcp://*:port, \
                 with a port number or *"
                    .into(),
            ),
            (e, Some("inproc")) if e == errno::ECONNREFUSED => {
                Some("nothing is bound to this inproc name in this context".into())
            }
            (e, _) if e == errno::EADDRINUSE => Some("another socket is bound there".into()),
            (e, _) if e == errno::EMFILE => Some(
                "the process reached its file descriptor limit; raise it with `ulimit -n` \
                 (RLIMIT_NOFILE) or close sockets"
                    .into(),
            ),
            (e, _) if e == libc::ENFILE => Some(
                "the system reached its limit of open files (fs.file-max); close files or \
                 raise the limit"
                    .into(),
            ),
            (e, _) if e == errno::ENOCOMPATPROTO => {
                Some("this transport cannot be used with this socket type".into())
            }
            _ => None,
        }
    }
}

/// Longest ipc path the platform accepts (`sun_path` minus its NUL).
fn ipc_path_limit() -> usize {
    // SAFETY: sockaddr_un is plain old data; an all-zero value is valid.
    let addr: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    addr.sun_path.len() - 1
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot {} {:?}: {}",
            self.op.verb(),
            self.endpoint,
            strerror(self.errno)
        )?;
        if let Some(hint) = self.hint() {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointError")
            .field("op", &self.op)
            .field("endpoint", &self.endpoint)
            .field("errno", &self.errno)
            .field("message", &strerror(self.errno))
            .finish()
    }
}

impl std::error::Error for EndpointError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        None
    }
}

impl From<EndpointError> for Error {
    fn from(error: EndpointError) -> Error {
        error.error()
    }
}

impl From<EndpointError> for io::Error {
    fn from(error: EndpointError) -> io::Error {
        let kind = io::Error::from(error.error()).kind();
        io::Error::new(kind, error)
    }
}

/// A frame asked for as text was not UTF-8, or receiving it failed.
///
/// Returned by [`Socket::recv_utf8`](crate::Socket::recv_utf8); the bytes are kept.
#[derive(Debug)]
pub enum RecvStrError {
    /// Receiving failed.
    Zmq(Error),
    /// The frame arrived but is not valid UTF-8; here are its bytes.
    NotUtf8(std::string::FromUtf8Error),
}

impl RecvStrError {
    /// The received bytes when the frame was not UTF-8.
    pub fn into_bytes(self) -> Option<Vec<u8>> {
        match self {
            RecvStrError::NotUtf8(err) => Some(err.into_bytes()),
            RecvStrError::Zmq(_) => None,
        }
    }
}

impl fmt::Display for RecvStrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvStrError::Zmq(err) => write!(f, "{err}"),
            RecvStrError::NotUtf8(err) => write!(
                f,
                "received a {}-byte frame that is not valid UTF-8: {}",
                err.as_bytes().len(),
                err.utf8_error()
            ),
        }
    }
}

impl std::error::Error for RecvStrError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RecvStrError::Zmq(err) => Some(err),
            RecvStrError::NotUtf8(err) => Some(err),
        }
    }
}

impl From<Error> for RecvStrError {
    fn from(error: Error) -> RecvStrError {
        RecvStrError::Zmq(error)
    }
}

impl From<RecvStrError> for io::Error {
    fn from(error: RecvStrError) -> io::Error {
        match error {
            RecvStrError::Zmq(err) => err.into(),
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}
