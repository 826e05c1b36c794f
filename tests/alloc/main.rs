//! Allocation tests, with a counting global allocator (its own test binary, since a
//! `#[global_allocator]` is per binary).
//!
//! - A zero-copy send of a 1 MiB `Vec<u8>` copies no payload: no allocation of 1 MiB or
//!   more happens in Rust while it is sent and received over inproc, the receiver sees
//!   the sender's very buffer (pointer identity), libzmq's heap does not grow by a copy
//!   of it (glibc's `mallinfo2`), and the buffer is freed exactly once, by Rust.
//! - `recv(&mut Message)` does no allocation per message on the calling thread, and
//!   neither does the tokio adapter's `recv_msg` (queued or parked).
//!
//! - The zero-copy paths of issue 10 (`zerocopy` module): sending clones of a `Bytes`,
//!   receiving into `Bytes`, `Message::from_owner` and `Message::tracked`.
//! - `zmq::tuning::retain_heap` (`heap` module): tuned receive batches stop faulting
//!   their pages in again (glibc).
//!
//! The counting allocator sees Rust's allocations only; libzmq allocates with C's
//! `malloc`, which the pointer identity and `mallinfo2` checks cover instead.

#[path = "../common/mod.rs"]
mod common;

#[cfg(feature = "bytes")]
mod zerocopy;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod heap;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts allocations: globally (bytes, blocks, the largest one, and frees of large blocks)
/// and per thread (how many, how many bytes, the largest one).
struct Counting;

/// The largest allocation since the last [`reset`], any thread.
static LARGEST: AtomicUsize = AtomicUsize::new(0);
/// Frees of blocks of at least [`LARGE`] bytes since the last [`reset`], any thread.
static LARGE_FREES: AtomicUsize = AtomicUsize::new(0);
const LARGE: usize = 1 << 20;
/// Bytes and blocks allocated since the last reset, any thread.
static BYTES: AtomicUsize = AtomicUsize::new(0);
static BLOCKS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Allocations (alloc, alloc_zeroed, realloc) made by this thread.
    static THREAD_ALLOCS: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated by this thread.
    static THREAD_BYTES: Cell<usize> = const { Cell::new(0) };
    /// The largest block this thread allocated since it last called [`reset`]. The small-block
    /// bounds use it: other threads of the test process (libtest's, recording a finished
    /// test while the next one counts) may allocate a kilobyte or so meanwhile.
    static THREAD_LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn count(size: usize) {
    LARGEST.fetch_max(size, Ordering::Relaxed);
    BYTES.fetch_add(size, Ordering::Relaxed);
    BLOCKS.fetch_add(1, Ordering::Relaxed);
    // `try_with`: the slot may be gone while the thread is being torn down.
    let _ = THREAD_ALLOCS.try_with(|n| n.set(n.get() + 1));
    let _ = THREAD_BYTES.try_with(|n| n.set(n.get() + size));
    let _ = THREAD_LARGEST.try_with(|n| n.set(n.get().max(size)));
}

// SAFETY: every method forwards to `System` with the same arguments; the counting has no
// effect on the memory handed out.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= LARGE {
            LARGE_FREES.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded under the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests of this binary read global counters: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn reset() {
    LARGEST.store(0, Ordering::SeqCst);
    LARGE_FREES.store(0, Ordering::SeqCst);
    THREAD_LARGEST.with(|n| n.set(0));
}

fn thread_allocs() -> usize {
    THREAD_ALLOCS.with(Cell::get)
}

/// Bytes in use in C's heap (glibc): a copy of a large payload made by libzmq shows here.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn c_heap_in_use() -> usize {
    // SAFETY: mallinfo2 has no preconditions; it returns a struct by value.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn c_heap_in_use() -> usize {
    0
}

fn inproc_pair(
    ctx: &zmq::Context,
    kind: (zmq::SocketType, zmq::SocketType),
) -> (zmq::Socket, zmq::Socket) {
    let endpoint = common::Endpoints::new().inproc();
    let sender = common::socket(ctx, kind.0);
    sender.bind(&endpoint).unwrap();
    let receiver = common::socket(ctx, kind.1);
    receiver.connect(&endpoint).unwrap();
    (sender, receiver)
}

#[test]
fn zero_copy_send_of_a_1_mib_vec_copies_no_payload() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(std::time::Duration::from_secs(60));
    let ctx = common::ctx();
    let (push, pull) = inproc_pair(&ctx, (zmq::PUSH, zmq::PULL));

    let payload: Vec<u8> = (0..LARGE).map(|i| i as u8).collect();
    let sent_at = payload.as_ptr();
    let heap_before = c_heap_in_use();
    reset();

    push.send(payload, 0).unwrap();
    let mut received = zmq::Message::new();
    pull.recv(&mut received, 0).unwrap();

    let largest = LARGEST.load(Ordering::SeqCst);
    let heap_after = c_heap_in_use();
    assert!(
        largest < LARGE,
        "Rust allocated {largest} bytes at once during a zero-copy send and receive"
    );
    assert_eq!(
        received.as_ptr(),
        sent_at,
        "the receiver got a copy, not the sender's buffer"
    );
    assert!(
        heap_after < heap_before + LARGE / 2,
        "libzmq's heap grew by {} bytes: the payload was copied",
        heap_after.saturating_sub(heap_before)
    );
    assert_eq!(received.len(), LARGE);
    assert!(received.iter().enumerate().all(|(i, &b)| b == i as u8));

    assert_eq!(
        LARGE_FREES.load(Ordering::SeqCst),
        0,
        "freed before the receiver was done"
    );
    drop(received);
    assert_eq!(
        LARGE_FREES.load(Ordering::SeqCst),
        1,
        "the buffer was not handed back to Rust's allocator exactly once"
    );
}

#[test]
fn zero_copy_message_from_boxed_slice_and_string_keeps_the_buffer() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(std::time::Duration::from_secs(60));
    let ctx = common::ctx();
    let (a, b) = inproc_pair(&ctx, (zmq::PAIR, zmq::PAIR));

    let boxed: Box<[u8]> = vec![1u8; LARGE].into_boxed_slice();
    let text = "x".repeat(LARGE);
    let (boxed_at, text_at) = (boxed.as_ptr(), text.as_ptr());
    reset();
    a.send(zmq::Message::from(boxed), 0).unwrap();
    a.send(text, 0).unwrap();
    let (first, second) = (b.recv_msg(0).unwrap(), b.recv_msg(0).unwrap());
    assert!(LARGEST.load(Ordering::SeqCst) < LARGE);
    assert_eq!(first.as_ptr(), boxed_at);
    assert_eq!(second.as_ptr(), text_at);
    drop((first, second));
    assert_eq!(LARGE_FREES.load(Ordering::SeqCst), 2);
}

/// 2,000 messages per size here; the benches (`cargo bench -p zmq-perf --bench inproc`) run
/// millions.
#[test]
fn recv_into_a_reused_message_allocates_nothing_per_message() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(std::time::Duration::from_secs(60));
    let ctx = common::ctx();
    let (push, pull) = inproc_pair(&ctx, (zmq::PUSH, zmq::PULL));

    const MESSAGES: usize = 2_000;
    let mut msg = zmq::Message::new();
    for size in [0usize, 8, 64, 1024, 65536] {
        let payload = vec![5u8; size];
        let mut during_recv = 0;
        for _ in 0..MESSAGES {
            push.send(&payload[..], 0).unwrap();
            let before = thread_allocs();
            pull.recv(&mut msg, 0).unwrap();
            during_recv += thread_allocs() - before;
            assert_eq!(msg.len(), size);
        }
        assert_eq!(
            during_recv, 0,
            "{during_recv} allocations while receiving {MESSAGES} messages of {size} bytes"
        );
    }

    // The same with DONTWAIT after a burst, and with the multipart RCVMORE check.
    for _ in 0..100 {
        push.send_multipart([&b"a"[..], &b"bb"[..], &[7u8; 100][..]], 0)
            .unwrap();
    }
    let before = thread_allocs();
    let mut frames = 0;
    while frames < 300 {
        match pull.recv(&mut msg, zmq::DONTWAIT) {
            Ok(()) => {
                frames += 1;
                let _ = msg.get_more();
            }
            Err(zmq::Error::EAGAIN) => std::thread::yield_now(),
            Err(err) => panic!("recv: {err}"),
        }
    }
    assert_eq!(thread_allocs() - before, 0);
}

/// The async receive path: once the socket is registered with the reactor,
/// `AsyncSocket::recv_msg` allocates nothing per message, whether the message is already
/// queued or the future has to park until it arrives.
#[cfg(all(feature = "tokio", unix))]
#[test]
fn async_recv_msg_allocates_nothing_per_message() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let _watchdog = common::watchdog(std::time::Duration::from_secs(60));
    let ctx = common::ctx();
    let (push, pull) = inproc_pair(&ctx, (zmq::PUSH, zmq::PULL));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    const MESSAGES: usize = 2_000;
    // No RCVTIMEO: with one, each parked receive arms a timer (the watchdog guards the
    // test instead).
    pull.set_rcvtimeo(-1).unwrap();
    let (push, parked_allocs) = runtime.block_on(async move {
        let mut pull = zmq::rt::tokio::AsyncSocket::new(pull).unwrap();
        // Registration with the reactor allocates, once.
        push.send("warm-up", 0).unwrap();
        pull.recv_msg().await.unwrap();

        // Queued messages: every recv completes at once.
        for size in [8usize, 64, 1024, 65536] {
            let payload = vec![5u8; size];
            let mut during_recv = 0;
            for _ in 0..MESSAGES {
                push.send(&payload[..], 0).unwrap();
                let before = thread_allocs();
                let msg = pull.recv_msg().await.unwrap();
                during_recv += thread_allocs() - before;
                assert_eq!(msg.len(), size);
            }
            // At most a one-time allocation (e.g. the first wake-up), never one per message.
            assert!(
                during_recv <= 2,
                "{during_recv} allocations while receiving {MESSAGES} queued messages of {size} bytes"
            );
        }

        // Parked: a thread sends each message only after the receiver asked for it.
        let (ask, asked) = std::sync::mpsc::channel::<()>();
        let sender = std::thread::spawn(move || {
            for _ in 0..200 {
                asked.recv().unwrap();
                std::thread::sleep(std::time::Duration::from_micros(200));
                push.send(&[1u8; 64][..], 0).unwrap();
            }
            push
        });
        let mut parked_allocs = 0;
        for _ in 0..200 {
            ask.send(()).unwrap();
            let before = thread_allocs();
            let msg = pull.recv_msg().await.unwrap();
            parked_allocs += thread_allocs() - before;
            assert_eq!(msg.len(), 64);
        }
        (sender.join().unwrap(), parked_allocs)
    });
    drop(push);
    assert!(
        parked_allocs <= 2,
        "{parked_allocs} allocations over 200 parked receives"
    );
}
