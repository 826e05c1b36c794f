//! `zmq_poll` as in zmq 0.10: [`PollEvents`], [`PollItem`] and [`poll`]. The [`Poller`]
//! type (in [`crate::poller`]) is the friendlier way to wait on several sockets.
//!
//! [`Poller`]: crate::poller::Poller

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr;

use libc::{c_long, c_short};

use crate::Result;
use crate::raw::sys;

bitflags::bitflags! {
    /// Events to wait for or that occurred: readable, writable, error (bitflags 1.x, as in
    /// zmq 0.10).
    pub struct PollEvents: i16 {
        /// A message can be received without blocking (for an fd: it is readable).
        const POLLIN = zmq_sys::ZMQ_POLLIN as i16;
        /// A message can be sent without blocking (for an fd: it is writable).
        const POLLOUT = zmq_sys::ZMQ_POLLOUT as i16;
        /// An error condition on an fd (never set for ZeroMQ sockets).
        const POLLERR = zmq_sys::ZMQ_POLLERR as i16;
        // No POLLPRI: zmq 0.10's type has exactly these three flags, and `all()`,
        // `complement()` and `Debug` depend on the set.
    }
}

/// One entry of a [`poll`] call: a socket or a plain file descriptor, the events to wait
/// for, and (after the call) the events that occurred.
///
/// It has the layout of libzmq's `zmq_pollitem_t` and borrows the socket it polls.
#[repr(C)]
pub struct PollItem<'a> {
    socket: *mut c_void,
    fd: zmq_sys::RawFd,
    events: c_short,
    revents: c_short,
    /// The borrow of the polled socket (or of nothing, for an fd).
    marker: PhantomData<&'a ()>,
}

impl<'a> PollItem<'a> {
    /// An item for a libzmq socket pointer; the caller ties `'a` to the socket's owner.
    pub(crate) fn from_raw_socket(socket: *mut c_void, events: PollEvents) -> PollItem<'a> {
        PollItem {
            socket,
            fd: 0,
            events: events.bits(),
            revents: 0,
            marker: PhantomData,
        }
    }

    /// A poll item for a plain file descriptor (a pipe, a TCP socket, stdin, ...).
    pub fn from_fd(fd: zmq_sys::RawFd, events: PollEvents) -> PollItem<'a> {
        PollItem {
            socket: ptr::null_mut(),
            fd,
            events: events.bits(),
            revents: 0,
            marker: PhantomData,
        }
    }

    /// Changes the events to wait for.
    pub fn set_events(&mut self, events: PollEvents) {
        self.events = events.bits();
    }

    /// The events that occurred in the last [`poll`].
    pub fn get_revents(&self) -> PollEvents {
        PollEvents::from_bits_truncate(self.revents)
    }

    /// Whether the last [`poll`] reported `POLLIN`.
    pub fn is_readable(&self) -> bool {
        self.get_revents().contains(PollEvents::POLLIN)
    }

    /// Whether the last [`poll`] reported `POLLOUT`.
    pub fn is_writable(&self) -> bool {
        self.get_revents().contains(PollEvents::POLLOUT)
    }

    /// Whether the last [`poll`] reported `POLLERR`.
    pub fn is_error(&self) -> bool {
        self.get_revents().contains(PollEvents::POLLERR)
    }

    /// The libzmq socket this item polls; null for a file descriptor.
    pub(crate) fn socket_ptr(&self) -> *mut c_void {
        self.socket
    }

    /// Whether this item polls the file descriptor `fd`.
    pub fn has_fd(&self, fd: zmq_sys::RawFd) -> bool {
        self.socket.is_null() && self.fd == fd
    }
}

impl std::fmt::Debug for PollItem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = f.debug_struct("PollItem");
        if self.socket.is_null() {
            s.field("fd", &self.fd);
        } else {
            s.field("socket", &self.socket);
        }
        s.field("events", &PollEvents::from_bits_truncate(self.events))
            .field("revents", &self.get_revents())
            .finish()
    }
}

/// Clamps a millisecond timeout to what `zmq_poll` takes (`long`; -1 means forever).
pub(crate) fn clamp_timeout(timeout_ms: i64) -> c_long {
    if timeout_ms < 0 {
        -1
    } else {
        c_long::try_from(timeout_ms).unwrap_or(c_long::MAX)
    }
}

/// Raw `zmq_poll` over libzmq poll items.
///
/// No items: libzmq would `usleep` for the timeout in a 32-bit count of microseconds
/// (4,295 s come out as 33 ms, "forever" as 71 minutes), so sleep here instead; with no
/// timeout that would never return, which is `EINVAL`.
pub(crate) fn poll_raw(items: &mut [zmq_sys::zmq_pollitem_t], timeout_ms: i64) -> Result<i32> {
    if items.is_empty() {
        return match u64::try_from(timeout_ms) {
            Ok(ms) => {
                std::thread::sleep(std::time::Duration::from_millis(ms));
                Ok(0)
            }
            Err(_) => Err(crate::Error::EINVAL),
        };
    }
    if crate::raw::open_files_limit().is_some_and(|limit| items.len() as u64 > limit) {
        // poll(2) refuses more entries than RLIMIT_NOFILE with EINVAL, and libzmq aborts
        // the process on that.
        return Err(crate::Error::EINVAL);
    }
    #[cfg(unix)]
    if items
        .iter()
        .any(|item| item.socket.is_null() && item.fd < 0)
    {
        return poll_skipping_negative_fds(items, timeout_ms);
    }
    // SAFETY: each socket pointer is a live socket (the items were built from sockets
    // borrowed for at least this call, and a socket is used by one thread at a time) or
    // NULL with an fd.
    Ok(unsafe { sys::poll(items, clamp_timeout(timeout_ms)) }?)
}

/// `poll(2)` ignores an entry whose fd is negative (a way to switch one off), and so does
/// libzmq's `zmq_poll`, except with a thread-safe draft socket among the items, where its
/// `zmq_poller` fails on it (`EBADF`). Polls the other entries; the negative ones report
/// no events.
#[cfg(unix)]
#[cold]
fn poll_skipping_negative_fds(
    items: &mut [zmq_sys::zmq_pollitem_t],
    timeout_ms: i64,
) -> Result<i32> {
    let (indices, mut watched): (Vec<usize>, Vec<zmq_sys::zmq_pollitem_t>) = items
        .iter()
        .enumerate()
        .filter(|(_, item)| !(item.socket.is_null() && item.fd < 0))
        .map(|(index, item)| (index, *item))
        .unzip();
    let ready = poll_raw(&mut watched, timeout_ms)?;
    for item in items.iter_mut() {
        item.revents = 0;
    }
    for (index, item) in indices.into_iter().zip(watched) {
        items[index].revents = item.revents;
    }
    Ok(ready)
}

/// Waits until one of the items has one of its events, or `timeout` milliseconds pass
/// (-1: forever, 0: don't wait). Returns the number of items with events; read each with
/// [`PollItem::get_revents`].
///
/// With no items it sleeps for the whole timeout (a signal does not cut it short) and
/// returns 0.
///
/// # Errors
/// `ETERM` when a socket's context is shut down; `EINTR` when a signal interrupted the
/// wait; `EINVAL` for no items (items with a negative fd, which `poll(2)` ignores, count
/// as none) and a negative timeout (a wait that could never end;
/// zmq 0.10 slept 71 minutes there), and for more items than the open-files limit
/// (`ulimit -n`; every item counts, duplicates too), which `poll(2)` refuses and on which
/// libzmq would abort the process.
///
/// ```
/// let ctx = zmq::Context::new();
/// let a = ctx.socket(zmq::PULL).unwrap();
/// a.bind("inproc://poll-doc").unwrap();
/// let b = ctx.socket(zmq::PUSH).unwrap();
/// b.connect("inproc://poll-doc").unwrap();
/// b.send("x", 0).unwrap();
/// let mut items = [a.as_poll_item(zmq::POLLIN)];
/// assert_eq!(zmq::poll(&mut items, 1000).unwrap(), 1);
/// assert!(items[0].is_readable());
/// ```
#[doc(alias = "zmq_poll")]
pub fn poll(items: &mut [PollItem], timeout: i64) -> Result<i32> {
    // SAFETY: PollItem is #[repr(C)] with the fields of zmq_pollitem_t in the same order
    // and types (the trailing PhantomData has no size), so the slice can be viewed as one.
    let raw = unsafe {
        std::slice::from_raw_parts_mut(
            items.as_mut_ptr().cast::<zmq_sys::zmq_pollitem_t>(),
            items.len(),
        )
    };
    poll_raw(raw, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_item_has_the_layout_of_zmq_pollitem_t() {
        use std::mem::{align_of, size_of};
        assert_eq!(size_of::<PollItem>(), size_of::<zmq_sys::zmq_pollitem_t>());
        assert_eq!(
            align_of::<PollItem>(),
            align_of::<zmq_sys::zmq_pollitem_t>()
        );
        let item = PollItem::from_fd(7, PollEvents::POLLIN);
        let raw = &item as *const PollItem as *const zmq_sys::zmq_pollitem_t;
        // SAFETY: same layout, checked above.
        let raw = unsafe { &*raw };
        assert_eq!((raw.fd, raw.events), (7, 1));
    }

    #[test]
    fn timeouts_are_clamped() {
        assert_eq!(clamp_timeout(-5), -1);
        assert_eq!(clamp_timeout(0), 0);
        assert_eq!(
            clamp_timeout(i64::MAX),
            c_long::try_from(i64::MAX).unwrap_or(c_long::MAX)
        );
    }
}
