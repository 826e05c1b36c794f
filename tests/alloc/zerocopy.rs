//! Allocation counts of the zero-copy paths (issue 10), with the counting allocator of
//! this test crate:
//!
//! - 10,000 sends of clones of one 1 MiB `Bytes` allocate less than 1 MiB in total;
//! - receiving 10,000 frames of 64 KiB into `Bytes` allocates no payload bytes;
//! - `Message::from_owner` and `Message::tracked` allocate at most one small block per
//!   message, and nothing for the payload.
//!
//! The allocator sees Rust's allocations only; libzmq's (C `malloc`) are not counted,
//! and pointer identity shows that the payload itself was not copied there either.
//! Each test prints its figures on a `FIGURE` line.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;

use super::{
    BLOCKS, BYTES, LARGE, LARGEST, SERIAL, THREAD_ALLOCS, THREAD_BYTES, THREAD_LARGEST, common,
};

/// [`super::reset`], and the totals of bytes and blocks.
fn reset() {
    super::reset();
    BYTES.store(0, Ordering::SeqCst);
    BLOCKS.store(0, Ordering::SeqCst);
}

/// Bytes and blocks allocated (any thread) since [`reset`], and the largest block: of this
/// thread (which sends and receives; libzmq's threads only free Rust's blocks), and of any.
fn totals() -> (usize, usize, Largest) {
    (
        BYTES.load(Ordering::SeqCst),
        BLOCKS.load(Ordering::SeqCst),
        largest(),
    )
}

/// The largest block since [`reset`]: allocated by this thread, and by any thread.
#[derive(Debug)]
struct Largest {
    here: usize,
    any: usize,
}

fn largest() -> Largest {
    Largest {
        here: THREAD_LARGEST.with(std::cell::Cell::get),
        any: LARGEST.load(Ordering::SeqCst),
    }
}

impl Largest {
    /// This thread's blocks are below `small`, and no thread allocated a payload-sized one.
    fn check(&self, small: usize, what: &str) {
        assert!(self.here < small, "{what}: a block of {} bytes", self.here);
        assert!(self.any < LARGE, "{what}: a block of {} bytes", self.any);
    }
}

/// Bytes and blocks allocated by this thread so far.
fn thread_totals() -> (usize, usize) {
    (
        THREAD_BYTES.with(std::cell::Cell::get),
        THREAD_ALLOCS.with(std::cell::Cell::get),
    )
}

const MESSAGES: usize = 10_000;
const MIB: usize = 1 << 20;

fn inproc_pair(ctx: &zmq::Context) -> (zmq::Socket, zmq::Socket) {
    let endpoint = common::Endpoints::inproc_name();
    let push = common::socket(ctx, zmq::PUSH);
    push.bind(&endpoint).unwrap();
    let pull = common::socket(ctx, zmq::PULL);
    pull.connect(&endpoint).unwrap();
    (push, pull)
}

#[test]
fn sending_10000_clones_of_a_1_mib_bytes_allocates_less_than_1_mib() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(Duration::from_secs(120));
    let ctx = common::ctx();
    let (push, pull) = inproc_pair(&ctx);
    let payload = Bytes::from(vec![3u8; MIB]);
    let mut received = zmq::Message::new();
    // Warm-up: the pipes' first chunks.
    push.send(payload.clone(), 0).unwrap();
    pull.recv(&mut received, 0).unwrap();
    reset();
    for _ in 0..MESSAGES {
        push.send(payload.clone(), 0).unwrap();
        pull.recv(&mut received, 0).unwrap();
        assert_eq!(received.as_ptr(), payload.as_ptr());
    }
    let (bytes, blocks, largest) = totals();
    println!(
        "FIGURE alloc bytes_clones messages={MESSAGES} size={MIB} bytes={bytes} blocks={blocks} largest={}",
        largest.here
    );
    assert!(
        bytes < MIB,
        "{bytes} bytes allocated in {blocks} blocks for {MESSAGES} sends of a shared 1 MiB Bytes"
    );
    assert!(
        blocks <= MESSAGES + 16,
        "{blocks} blocks for {MESSAGES} sends"
    );
    largest.check(1024, "inproc");

    // The same over tcp: the payload goes to the kernel from the Bytes itself.
    let pull_tcp = common::socket(&ctx, zmq::PULL);
    let endpoint = common::bind_tcp(&pull_tcp);
    let push_tcp = common::socket(&ctx, zmq::PUSH);
    push_tcp.connect(&endpoint).unwrap();
    push_tcp.send(payload.clone(), 0).unwrap();
    pull_tcp.recv(&mut received, 0).unwrap();
    reset();
    const TCP_MESSAGES: usize = 1_000;
    for _ in 0..TCP_MESSAGES {
        push_tcp.send(payload.clone(), 0).unwrap();
        pull_tcp.recv(&mut received, 0).unwrap();
        assert_eq!(received.len(), MIB);
    }
    let (bytes, blocks, largest) = totals();
    println!(
        "FIGURE alloc bytes_clones_tcp messages={TCP_MESSAGES} size={MIB} bytes={bytes} blocks={blocks} largest={}",
        largest.here
    );
    assert!(bytes < MIB / 10, "{bytes} bytes over tcp");
    largest.check(1024, "tcp");
}

#[test]
fn receiving_10000_frames_of_64_kib_into_bytes_allocates_no_payload() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(Duration::from_secs(120));
    const SIZE: usize = 64 * 1024;
    let ctx = common::ctx();
    for transport in [common::Transport::Inproc, common::Transport::Tcp] {
        let endpoints = common::Endpoints::new();
        let pull = common::socket(&ctx, zmq::PULL);
        let endpoint = endpoints.bind(&pull, transport);
        let push = common::socket(&ctx, zmq::PUSH);
        push.connect(&endpoint).unwrap();
        let payload = Bytes::from(vec![4u8; SIZE]);
        let (mut recv_bytes, mut recv_blocks) = (0, 0);
        let mut kept = Vec::with_capacity(16);
        for i in 0..MESSAGES {
            push.send(payload.clone(), 0).unwrap();
            let before = thread_totals();
            let frame = Bytes::from(pull.recv_msg(0).unwrap());
            let after = thread_totals();
            recv_bytes += after.0 - before.0;
            recv_blocks += after.1 - before.1;
            assert_eq!(frame.len(), SIZE);
            if transport == common::Transport::Inproc {
                assert_eq!(frame.as_ptr(), payload.as_ptr());
            }
            // Keep a few alive at a time, as a consumer would.
            if kept.len() == 16 {
                kept.clear();
            }
            if i % 7 == 0 {
                kept.push(frame);
            }
        }
        println!(
            "FIGURE alloc recv_into_bytes transport={transport:?} messages={MESSAGES} size={SIZE} bytes={recv_bytes} blocks={recv_blocks}"
        );
        assert!(
            recv_bytes <= MESSAGES * 128,
            "{transport:?}: {recv_bytes} bytes allocated receiving {MESSAGES} frames of 64 KiB into Bytes"
        );
        assert!(
            recv_blocks <= MESSAGES,
            "{transport:?}: {recv_blocks} blocks"
        );
    }
}

#[test]
fn from_owner_and_tracked_allocate_one_small_block_per_message() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(Duration::from_secs(120));
    let ctx = common::ctx();
    let (push, pull) = inproc_pair(&ctx);
    let shared: Arc<[u8]> = vec![5u8; 64 * 1024].into();
    let owned: Vec<Vec<u8>> = (0..MESSAGES).map(|_| vec![6u8; 4096]).collect();
    let mut received = zmq::Message::new();
    let mut owned = owned.into_iter();

    for kind in [
        "from_owner(Arc<[u8]>)",
        "from_owner(Vec<u8>)",
        "tracked(Arc<[u8]>)",
    ] {
        let (mut bytes, mut blocks) = (0, 0);
        // Only this thread allocates in the loop (receiving into a reused message does not).
        reset();
        for _ in 0..MESSAGES / 3 {
            let before = thread_totals();
            let tracker = match kind {
                "from_owner(Arc<[u8]>)" => {
                    push.send(zmq::Message::from_owner(shared.clone()), 0)
                        .unwrap();
                    None
                }
                "from_owner(Vec<u8>)" => {
                    let vec = owned.next().unwrap();
                    push.send(zmq::Message::from_owner(vec), 0).unwrap();
                    None
                }
                _ => {
                    let (msg, tracker) = zmq::Message::tracked(shared.clone());
                    push.send(msg, 0).unwrap();
                    Some(tracker)
                }
            };
            let after = thread_totals();
            bytes += after.0 - before.0;
            blocks += after.1 - before.1;
            pull.recv(&mut received, 0).unwrap();
            drop(tracker);
        }
        let largest = largest();
        println!(
            "FIGURE alloc {kind} messages={} bytes={bytes} blocks={blocks} largest={}",
            MESSAGES / 3,
            largest.here
        );
        assert!(blocks <= MESSAGES / 3, "{kind}: {blocks} blocks");
        largest.check(257, kind);
    }
}
