//! Drop-counted buffers for the zero-copy tests (tests/core/zerocopy.rs and
//! tests/async_rt/zerocopy.rs): each buffer counts its drops, so a test can tell a
//! release (1), a leak (0) and a double release (2).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// Hang detector of one zero-copy test.
pub const WATCHDOG: Duration = Duration::from_secs(60);
/// Large enough to be handed over, not copied (payloads of up to 64 bytes are copied).
pub const LEN: usize = 1000;

/// A buffer that counts its drops.
pub struct Counted {
    /// The payload.
    pub data: Vec<u8>,
    /// Incremented by `Drop`.
    pub drops: Arc<AtomicUsize>,
}

impl AsRef<[u8]> for Counted {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// A counted buffer of `len` bytes of `fill`, and its counter.
pub fn counted(len: usize, fill: u8) -> (Counted, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let buffer = Counted {
        data: vec![fill; len],
        drops: drops.clone(),
    };
    (buffer, drops)
}

/// Waits until every counter is 1 (bounded), then checks that none moves past 1.
pub fn released_once(counters: &[Arc<AtomicUsize>], what: &str) {
    let deadline = Instant::now() + super::POSITIVE_WAIT;
    while counters.iter().any(|c| c.load(Ordering::SeqCst) == 0) {
        assert!(
            Instant::now() < deadline,
            "{what}: {} of {} buffers not released within {:?}",
            counters
                .iter()
                .filter(|c| c.load(Ordering::SeqCst) == 0)
                .count(),
            counters.len(),
            super::POSITIVE_WAIT
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(super::NEGATIVE_WAIT);
    for (i, c) in counters.iter().enumerate() {
        assert_eq!(
            c.load(Ordering::SeqCst),
            1,
            "{what}: buffer {i} released twice"
        );
    }
}

/// Checks that no counter moved: the buffers are still held.
pub fn still_held(counters: &[Arc<AtomicUsize>], what: &str) {
    std::thread::sleep(super::NEGATIVE_WAIT);
    for (i, c) in counters.iter().enumerate() {
        assert_eq!(
            c.load(Ordering::SeqCst),
            0,
            "{what}: buffer {i} released too early"
        );
    }
}

/// The three ways to make a zero-copy message of a counted buffer.
#[derive(Clone, Copy, Debug)]
pub enum Via {
    /// `Message::from_owner`
    Owner,
    /// `Message::tracked`
    Tracked,
    /// `From<Bytes>`, of a `Bytes` that owns the buffer
    Bytes,
}

pub const VIAS: [Via; 3] = [Via::Owner, Via::Tracked, Via::Bytes];

pub fn message(via: Via, buffer: Counted) -> (zmq::Message, Option<zmq::Tracker>) {
    match via {
        Via::Owner => (zmq::Message::from_owner(buffer), None),
        Via::Tracked => {
            let (msg, tracker) = zmq::Message::tracked(buffer);
            (msg, Some(tracker))
        }
        // The Bytes holds the owner; the message holds a clone of the Bytes.
        Via::Bytes => {
            let bytes = Bytes::from_owner(buffer);
            let msg = zmq::Message::from(bytes.clone());
            drop(bytes);
            (msg, None)
        }
    }
}

pub fn check_tracker(tracker: &Option<zmq::Tracker>, done: bool) {
    if let Some(tracker) = tracker {
        if done {
            assert!(
                tracker.wait_timeout(super::POSITIVE_WAIT),
                "tracker not done"
            );
        } else {
            assert!(!tracker.is_done(), "tracker done too early");
        }
    }
}

/// A PUSH socket connected to a TCP port nobody listens on: what it sends stays queued.
pub fn push_to_nowhere(ctx: &zmq::Context) -> zmq::Socket {
    let push = super::socket(ctx, zmq::PUSH);
    push.connect(&format!("tcp://127.0.0.1:{}", super::free_tcp_port()))
        .unwrap();
    push
}
