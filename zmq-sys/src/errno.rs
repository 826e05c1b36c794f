//! The `errno` values libzmq reports through `zmq_errno()`.
//!
//! The POSIX codes are the platform's own (`libc`). libzmq's native codes (`EFSM`,
//! `ENOCOMPATPROTO`, `ETERM`, `EMTHREAD`) sit above [`ZMQ_HAUSNUMERO`](crate::ZMQ_HAUSNUMERO),
//! and so do the `*_ALT` codes libzmq uses on platforms (Windows) whose C runtime lacks the
//! POSIX network codes.

use libc::c_int;

const HAUSNUMERO: c_int = crate::ZMQ_HAUSNUMERO as c_int;

/// Permission denied.
pub const EACCES: c_int = libc::EACCES;
/// Address already in use.
pub const EADDRINUSE: c_int = libc::EADDRINUSE;
/// Resource temporarily unavailable (try again).
pub const EAGAIN: c_int = libc::EAGAIN;
/// Device or resource busy.
pub const EBUSY: c_int = libc::EBUSY;
/// Connection refused.
pub const ECONNREFUSED: c_int = libc::ECONNREFUSED;
/// Bad address.
pub const EFAULT: c_int = libc::EFAULT;
/// Interrupted system call.
pub const EINTR: c_int = libc::EINTR;
/// No route to host.
pub const EHOSTUNREACH: c_int = libc::EHOSTUNREACH;
/// Operation now in progress.
pub const EINPROGRESS: c_int = libc::EINPROGRESS;
/// Invalid argument.
pub const EINVAL: c_int = libc::EINVAL;
/// Too many open files.
pub const EMFILE: c_int = libc::EMFILE;
/// Message too long.
pub const EMSGSIZE: c_int = libc::EMSGSIZE;
/// File name too long.
pub const ENAMETOOLONG: c_int = libc::ENAMETOOLONG;
/// No such device.
pub const ENODEV: c_int = libc::ENODEV;
/// No such file or directory.
pub const ENOENT: c_int = libc::ENOENT;
/// Cannot allocate memory.
pub const ENOMEM: c_int = libc::ENOMEM;
/// Transport endpoint is not connected.
pub const ENOTCONN: c_int = libc::ENOTCONN;
/// Socket operation on non-socket.
pub const ENOTSOCK: c_int = libc::ENOTSOCK;
/// Protocol error.
pub const EPROTO: c_int = libc::EPROTO;
/// Protocol not supported.
pub const EPROTONOSUPPORT: c_int = libc::EPROTONOSUPPORT;
/// Operation not supported.
pub const ENOTSUP: c_int = libc::ENOTSUP;
/// No buffer space available.
pub const ENOBUFS: c_int = libc::ENOBUFS;
/// Network is down.
pub const ENETDOWN: c_int = libc::ENETDOWN;
/// Cannot assign requested address.
pub const EADDRNOTAVAIL: c_int = libc::EADDRNOTAVAIL;
/// Address family not supported.
pub const EAFNOSUPPORT: c_int = libc::EAFNOSUPPORT;
/// Network is unreachable.
pub const ENETUNREACH: c_int = libc::ENETUNREACH;
/// Connection aborted.
pub const ECONNABORTED: c_int = libc::ECONNABORTED;
/// Connection reset by peer.
pub const ECONNRESET: c_int = libc::ECONNRESET;
/// Connection timed out.
pub const ETIMEDOUT: c_int = libc::ETIMEDOUT;
/// Network dropped connection on reset.
pub const ENETRESET: c_int = libc::ENETRESET;

/// The operation cannot be performed in the socket's current state (e.g. a second send on REQ).
pub const EFSM: c_int = HAUSNUMERO + 51;
/// The requested transport protocol is not compatible with the socket type.
pub const ENOCOMPATPROTO: c_int = HAUSNUMERO + 52;
/// The context was terminated.
pub const ETERM: c_int = HAUSNUMERO + 53;
/// No I/O thread is available to accomplish the task.
pub const EMTHREAD: c_int = HAUSNUMERO + 54;

/// libzmq's replacement for `ENOTSUP` where the C runtime lacks it.
pub const ENOTSUP_ALT: c_int = HAUSNUMERO + 1;
/// libzmq's replacement for `EPROTONOSUPPORT` where the C runtime lacks it.
pub const EPROTONOSUPPORT_ALT: c_int = HAUSNUMERO + 2;
/// libzmq's replacement for `ENOBUFS` where the C runtime lacks it.
pub const ENOBUFS_ALT: c_int = HAUSNUMERO + 3;
/// libzmq's replacement for `ENETDOWN` where the C runtime lacks it.
pub const ENETDOWN_ALT: c_int = HAUSNUMERO + 4;
/// libzmq's replacement for `EADDRINUSE` where the C runtime lacks it.
pub const EADDRINUSE_ALT: c_int = HAUSNUMERO + 5;
/// libzmq's replacement for `EADDRNOTAVAIL` where the C runtime lacks it.
pub const EADDRNOTAVAIL_ALT: c_int = HAUSNUMERO + 6;
/// libzmq's replacement for `ECONNREFUSED` where the C runtime lacks it.
pub const ECONNREFUSED_ALT: c_int = HAUSNUMERO + 7;
/// libzmq's replacement for `EINPROGRESS` where the C runtime lacks it.
pub const EINPROGRESS_ALT: c_int = HAUSNUMERO + 8;
/// libzmq's replacement for `ENOTSOCK` where the C runtime lacks it.
pub const ENOTSOCK_ALT: c_int = HAUSNUMERO + 9;
/// libzmq's replacement for `EMSGSIZE` where the C runtime lacks it.
pub const EMSGSIZE_ALT: c_int = HAUSNUMERO + 10;
/// libzmq's replacement for `EAFNOSUPPORT` where the C runtime lacks it.
pub const EAFNOSUPPORT_ALT: c_int = HAUSNUMERO + 11;
/// libzmq's replacement for `ENETUNREACH` where the C runtime lacks it.
pub const ENETUNREACH_ALT: c_int = HAUSNUMERO + 12;
/// libzmq's replacement for `ECONNABORTED` where the C runtime lacks it.
pub const ECONNABORTED_ALT: c_int = HAUSNUMERO + 13;
/// libzmq's replacement for `ECONNRESET` where the C runtime lacks it.
pub const ECONNRESET_ALT: c_int = HAUSNUMERO + 14;
/// libzmq's replacement for `ENOTCONN` where the C runtime lacks it.
pub const ENOTCONN_ALT: c_int = HAUSNUMERO + 15;
/// libzmq's replacement for `ETIMEDOUT` where the C runtime lacks it.
pub const ETIMEDOUT_ALT: c_int = HAUSNUMERO + 16;
/// libzmq's replacement for `EHOSTUNREACH` where the C runtime lacks it.
pub const EHOSTUNREACH_ALT: c_int = HAUSNUMERO + 17;
/// libzmq's replacement for `ENETRESET` where the C runtime lacks it.
pub const ENETRESET_ALT: c_int = HAUSNUMERO + 18;
