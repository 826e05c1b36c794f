//! A one-socket draft `zmq_poller`, owned here like every other libzmq pointer: the
//! readiness source of the async thread-safe draft sockets (`rt/draft.rs`).
#![allow(clippy::disallowed_methods)]

use std::ffi::c_void;
use std::ptr::NonNull;

use libc::c_int;

use super::{Errno, RawSocket, cvt};
use crate::Result;
use crate::error::Error;

/// A draft `zmq_poller` watching one thread-safe socket, for its `zmq_poller_fd`: libzmq
/// writes that fd whenever a command reaches the socket while its mailbox reader is idle
/// (as `ZMQ_FD` does for the other sockets, which thread-safe ones lack). Nothing here
/// ever calls `zmq_poller_wait`, the only libzmq call that reads the fd: its signals are
/// read by [`drain_poller_fd`] instead.
pub(crate) struct RawPoller {
    ptr: NonNull<c_void>,
}

// SAFETY: the poller is only used by its owner: created, asked for its fd, and destroyed,
// each through `&mut self` or by value, never concurrently. libzmq's socket side
// (signalling the poller's fd) is internally synchronised by the socket's mailbox lock.
unsafe impl Send for RawPoller {}
// SAFETY: `&RawPoller` gives access to nothing but the fd number read at creation.
unsafe impl Sync for RawPoller {}

impl RawPoller {
    /// A poller watching `socket`, and its fd.
    ///
    /// # Safety
    /// `socket` must be a live thread-safe socket that outlives the returned poller (drop
    /// the poller before closing the socket: libzmq's poller destructor removes its
    /// signaler from the socket).
    pub(crate) unsafe fn for_socket(socket: &RawSocket) -> Result<(RawPoller, c_int)> {
        // SAFETY: zmq_poller_new has no preconditions.
        let ptr = NonNull::new(unsafe { zmq_sys::zmq_poller_new() })
            .ok_or_else(|| Error::from(Errno::last()))?;
        let poller = RawPoller { ptr };
        let events = (zmq_sys::ZMQ_POLLIN | zmq_sys::ZMQ_POLLOUT) as libc::c_short;
        // SAFETY: the poller is live; the caller promises the socket is live.
        cvt(unsafe {
            zmq_sys::zmq_poller_add(ptr.as_ptr(), socket.as_ptr(), std::ptr::null_mut(), events)
        })?;
        let mut fd: zmq_sys::zmq_fd_t = -1;
        // SAFETY: the poller is live; fd is a valid out-pointer.
        cvt(unsafe { zmq_sys::zmq_poller_fd(ptr.as_ptr(), &mut fd) })?;
        Ok((poller, fd))
    }
}

/// Reads every signal waiting on a poller's fd, so that it is readable again only once
/// libzmq signals anew.
///
/// Unlike `ZMQ_FD`, which libzmq drains whenever the socket processes its commands, the
/// poller's fd is read only by `zmq_poller_wait`, and a signal left there keeps it readable
/// for good: a level-triggered reactor (async-io's) would then report it at every re-arm
/// and wake its waiters in a loop. The fd is libzmq's signaler, non-blocking: an eventfd (a
/// read of 8 bytes takes every signal at once) or a socket pair (a byte per signal), so
/// this reads until a read comes back short of its buffer: one read for an eventfd.
/// `zmq_poller_wait` would take one signal per call, and is not thread-safe.
///
/// # Safety
/// `fd` is the open `zmq_poller_fd` of a live [`RawPoller`].
pub(crate) unsafe fn drain_poller_fd(fd: c_int) {
    let mut buf = [0u8; 64];
    loop {
        // SAFETY: the caller promises an open fd; `buf` is valid for its length. A read
        // never blocks (libzmq made the fd non-blocking); concurrent drains are fine (each
        // read is atomic; the loser finds nothing).
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        let interrupted =
            n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EINTR);
        // A full buffer may have left bytes of a socket pair behind; anything less (an
        // eventfd's 8 bytes, the rest of a pair, or nothing) took every signal there was.
        if !interrupted && n != buf.len() as isize {
            return;
        }
    }
}

impl Drop for RawPoller {
    fn drop(&mut self) {
        let mut ptr = self.ptr.as_ptr();
        // SAFETY: we own the live poller and never use it again; its socket is still open
        // (the `for_socket` contract).
        let _ = unsafe { zmq_sys::zmq_poller_destroy(&mut ptr) };
    }
}
