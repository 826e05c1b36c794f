//! [`Poller`]: wait on several sockets and file descriptors at once, in the manner of
//! pyzmq's `zmq.Poller`.
//!
//! ```
//! use std::time::Duration;
//! use zmq::poller::Poller;
//!
//! let ctx = zmq::Context::new();
//! let tasks = ctx.socket(zmq::PULL).unwrap();
//! tasks.bind("inproc://tasks").unwrap();
//! let control = ctx.socket(zmq::SUB).unwrap();
//! control.bind("inproc://control").unwrap();
//! control.set_subscribe(b"").unwrap();
//!
//! let push = ctx.socket(zmq::PUSH).unwrap();
//! push.connect("inproc://tasks").unwrap();
//! push.send("task 1", 0).unwrap();
//!
//! let mut poller = Poller::new();
//! let tasks_token = poller.add(&tasks, zmq::POLLIN);
//! let control_token = poller.add(&control, zmq::POLLIN);
//! let ready = poller.poll(Some(Duration::from_secs(5))).unwrap();
//! assert_eq!(ready, 1);
//! assert!(poller.is_readable(tasks_token));
//! assert!(!poller.is_readable(control_token));
//! for (token, events) in poller.ready() {
//!     assert_eq!((token, events), (tasks_token, zmq::POLLIN));
//! }
//! assert_eq!(tasks.recv_string(0).unwrap().unwrap(), "task 1");
//! ```

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr;
use std::time::Duration;

use crate::poll::poll_raw;
use crate::sockopt::duration_to_ms;
use crate::{PollEvents, Result, Socket};

/// A socket a [`Poller`] can watch: a [`Socket`], and with the `draft` feature a
/// `zmq::draft::DraftSocket` (thread safe; libzmq polls it through its draft poller).
pub trait PollSocket: sealed::Sealed {
    /// The libzmq socket pointer.
    #[doc(hidden)]
    fn socket_ptr(&self) -> *mut c_void;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::Socket {}
    #[cfg(feature = "draft")]
    impl Sealed for crate::draft::DraftSocket {}
}

impl PollSocket for Socket {
    fn socket_ptr(&self) -> *mut c_void {
        self.as_ptr()
    }
}

#[cfg(feature = "draft")]
impl PollSocket for crate::draft::DraftSocket {
    fn socket_ptr(&self) -> *mut c_void {
        self.as_ptr()
    }
}

/// Identifies an entry of a [`Poller`]; stays valid until that entry is removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token(u64);

/// A set of sockets and file descriptors to wait on with `zmq_poll`.
///
/// The poller borrows the sockets (`'a`); they stay usable (sockets take `&self`) while
/// registered. Registration order is kept; tokens are stable across removals.
pub struct Poller<'a> {
    items: Vec<zmq_sys::zmq_pollitem_t>,
    tokens: Vec<Token>,
    next: u64,
    marker: PhantomData<&'a Socket>,
}

impl<'a> Poller<'a> {
    /// An empty poller.
    pub fn new() -> Poller<'a> {
        Poller {
            items: Vec::new(),
            tokens: Vec::new(),
            next: 0,
            marker: PhantomData,
        }
    }

    fn push(&mut self, item: zmq_sys::zmq_pollitem_t) -> Token {
        let token = Token(self.next);
        self.next += 1;
        self.items.push(item);
        self.tokens.push(token);
        token
    }

    /// Watches `socket` (a [`Socket`] or a draft socket) for `events` (e.g.
    /// `zmq::POLLIN`).
    pub fn add<S: PollSocket + ?Sized>(&mut self, socket: &'a S, events: PollEvents) -> Token {
        self.push(zmq_sys::zmq_pollitem_t {
            socket: socket.socket_ptr(),
            fd: Default::default(),
            events: events.bits(),
            revents: 0,
        })
    }

    /// Watches a plain file descriptor (a pipe, a TCP socket, stdin, ...) for `events`.
    /// `POLLERR` is always reported, as `poll(2)` does (it is added to `events`: with a
    /// thread-safe draft socket in the poller, libzmq reports only the events asked for).
    pub fn add_fd(&mut self, fd: zmq_sys::RawFd, events: PollEvents) -> Token {
        self.push(zmq_sys::zmq_pollitem_t {
            socket: ptr::null_mut(),
            fd,
            events: fd_events(events),
            revents: 0,
        })
    }

    fn index(&self, token: Token) -> Option<usize> {
        self.tokens.iter().position(|t| *t == token)
    }

    /// Changes the events watched for an entry; returns `false` for an unknown token.
    pub fn modify(&mut self, token: Token, events: PollEvents) -> bool {
        match self.index(token) {
            Some(i) => {
                let item = &mut self.items[i];
                item.events = if item.socket.is_null() {
                    fd_events(events)
                } else {
                    events.bits()
                };
                true
            }
            None => false,
        }
    }

    /// Stops watching an entry; returns `false` for an unknown token.
    pub fn remove(&mut self, token: Token) -> bool {
        match self.index(token) {
            Some(i) => {
                self.items.remove(i);
                self.tokens.remove(i);
                true
            }
            None => false,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Waits until an entry has one of its events, or `timeout` passes (`None`: forever;
    /// zero: just check). Returns how many entries are ready. An empty poller sleeps for
    /// the whole timeout (a signal does not cut it short) and returns 0.
    ///
    /// # Errors
    /// `ETERM` when the context of a socket is shut down; `EINTR` when a signal
    /// interrupted the wait; `EINVAL` when the poller is empty and there is no timeout (a
    /// wait that could never end).
    pub fn poll(&mut self, timeout: Option<Duration>) -> Result<usize> {
        let ms = timeout.map_or(-1, |t| i64::from(duration_to_ms(t)));
        self.poll_ms(ms)
    }

    /// [`poll`](Self::poll) with a timeout in milliseconds (-1: forever).
    pub fn poll_ms(&mut self, timeout_ms: i64) -> Result<usize> {
        for item in &mut self.items {
            item.revents = 0;
        }
        poll_raw(&mut self.items, timeout_ms)?;
        // Counted here: with a thread-safe draft socket among the entries, libzmq's count
        // is of ready sockets and fds, and one socket added twice counts once there.
        Ok(self.items.iter().filter(|item| item.revents != 0).count())
    }

    /// The events that occurred on an entry in the last poll (empty for an unknown token).
    pub fn events(&self, token: Token) -> PollEvents {
        self.index(token)
            .map(|i| PollEvents::from_bits_truncate(self.items[i].revents))
            .unwrap_or_else(PollEvents::empty)
    }

    /// Whether the entry had `POLLIN` in the last poll.
    pub fn is_readable(&self, token: Token) -> bool {
        self.events(token).contains(PollEvents::POLLIN)
    }

    /// Whether the entry had `POLLOUT` in the last poll.
    pub fn is_writable(&self, token: Token) -> bool {
        self.events(token).contains(PollEvents::POLLOUT)
    }

    /// The entries that had events in the last poll, in registration order.
    pub fn ready(&self) -> impl Iterator<Item = (Token, PollEvents)> + '_ {
        self.tokens
            .iter()
            .zip(&self.items)
            .filter(|(_, item)| item.revents != 0)
            .map(|(token, item)| (*token, PollEvents::from_bits_truncate(item.revents)))
    }
}

impl Default for Poller<'_> {
    fn default() -> Self {
        Poller::new()
    }
}

impl std::fmt::Debug for Poller<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.tokens.iter().zip(&self.items).map(|(token, item)| {
                (
                    token,
                    PollEvents::from_bits_truncate(item.events),
                    PollEvents::from_bits_truncate(item.revents),
                )
            }))
            .finish()
    }
}

/// The events to ask for on a plain fd: `events` and `POLLERR`.
fn fd_events(events: PollEvents) -> i16 {
    (events | PollEvents::POLLERR).bits()
}
