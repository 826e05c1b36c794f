//! `Message`: zero-copy conversions from owned buffers (shown by pointer identity over
//! inproc, and by watching the allocator free the very buffer), the zmq 0.10 conversions,
//! metadata properties through `&self`, copy-on-write of shared content.

use crate::common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use common::inproc::connected;
use common::{POSITIVE_WAIT, bind_tcp, socket, watchdog};

/// The system allocator, reporting when the block at `WATCHED` is freed.
struct WatchingAllocator;

static WATCHED: AtomicUsize = AtomicUsize::new(0);
static WATCHED_FREED: AtomicBool = AtomicBool::new(false);

// SAFETY: forwards every call to the system allocator unchanged; the extra work is two
// atomic operations.
unsafe impl GlobalAlloc for WatchingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr as usize == WATCHED.load(Ordering::SeqCst) {
            WATCHED_FREED.store(true, Ordering::SeqCst);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: WatchingAllocator = WatchingAllocator;

/// Tests that watch the allocator run one at a time.
static WATCH_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Sends `msg` (made from a buffer whose payload starts at `payload`) over inproc and
/// checks the receiver sees the same bytes at the same address, and that dropping the
/// received message frees exactly that buffer.
fn check_zero_copy(msg: zmq::Message, payload: *const u8, fill: u8, name: &str) {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (push, pull) = connected(&ctx, zmq::PUSH, zmq::PULL);
    assert_eq!(
        msg.as_ptr(),
        payload,
        "{name}: the message wraps the buffer"
    );
    WATCHED_FREED.store(false, Ordering::SeqCst);
    WATCHED.store(payload as usize, Ordering::SeqCst);

    push.send(msg, 0).unwrap();
    let received = pull.recv_msg(0).unwrap();
    assert_eq!(
        received.as_ptr(),
        payload,
        "{name}: the receiver reads the sender's buffer, no copy"
    );
    assert!(received.iter().all(|&b| b == fill));
    assert!(
        !WATCHED_FREED.load(Ordering::SeqCst),
        "{name}: still in use"
    );
    drop(received);
    assert!(
        WATCHED_FREED.load(Ordering::SeqCst),
        "{name}: libzmq released the buffer through our free function"
    );
    WATCHED.store(0, Ordering::SeqCst);
}

#[test]
fn vec_box_and_string_are_sent_without_copying() {
    let _lock = WATCH_LOCK.lock().unwrap();
    let vec = vec![0xABu8; 4096];
    let ptr = vec.as_ptr();
    check_zero_copy(zmq::Message::from(vec), ptr, 0xAB, "zero-copy-vec");

    // A Vec with spare capacity is freed with its real capacity.
    let mut vec = Vec::with_capacity(10_000);
    vec.resize(5000, 0xABu8);
    let ptr = vec.as_ptr();
    check_zero_copy(zmq::Message::from(vec), ptr, 0xAB, "zero-copy-vec-capacity");

    let boxed: Box<[u8]> = vec![0xABu8; 1000].into_boxed_slice();
    let ptr = boxed.as_ptr();
    check_zero_copy(zmq::Message::from(boxed), ptr, 0xAB, "zero-copy-box");

    let text = "z".repeat(100);
    let ptr = text.as_ptr();
    check_zero_copy(zmq::Message::from(text), ptr, b'z', "zero-copy-string");
}

#[test]
fn send_takes_owned_buffers_without_copying() {
    let _lock = WATCH_LOCK.lock().unwrap();
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let (push, pull) = connected(&ctx, zmq::PUSH, zmq::PULL);
    let payload = "x".repeat(1000);
    let ptr = payload.as_ptr();
    push.send(payload, 0).unwrap();
    assert_eq!(pull.recv_msg(0).unwrap().as_ptr(), ptr);

    let payload = vec![1u8; 1000];
    let ptr = payload.as_ptr();
    push.send_multipart([payload], 0).unwrap();
    assert_eq!(pull.recv_msg(0).unwrap().as_ptr(), ptr);
}

#[test]
fn small_payloads_are_copied_into_the_message() {
    let _lock = WATCH_LOCK.lock().unwrap();
    let vec = vec![7u8; 8];
    let msg = zmq::Message::from(vec);
    assert_eq!(&msg[..], &[7u8; 8]);
    let empty = zmq::Message::from(Vec::new());
    assert!(empty.is_empty());
    let empty = zmq::Message::from(Box::<[u8]>::default());
    assert!(empty.is_empty());
}

#[test]
#[allow(deprecated)]
fn zmq_010_conversions() {
    // Every form zmq 0.10 accepted, and the ones it lacked (String, arrays).
    let bytes: &[u8] = b"abc";
    let vec = b"abc".to_vec();
    let text = "abc";
    let string = String::from("abc");
    let boxed: Box<[u8]> = b"abc".to_vec().into_boxed_slice();
    let all = [
        zmq::Message::from(bytes),
        zmq::Message::from(text),
        zmq::Message::from(&string),
        zmq::Message::from(string.clone()),
        zmq::Message::from(vec.clone()),
        zmq::Message::from(&vec),
        zmq::Message::from(&text),
        zmq::Message::from(&bytes),
        zmq::Message::from(boxed.clone()),
        zmq::Message::from(&boxed),
        zmq::Message::from(*b"abc"),
        zmq::Message::from(b"abc"),
        zmq::Message::from_slice(b"abc"),
    ];
    for msg in &all {
        assert_eq!(&msg[..], b"abc");
        assert_eq!(msg.as_str(), Some("abc"));
        assert_eq!(format!("{msg:?}"), "[97, 98, 99]");
        assert_eq!(msg, &all[0]);
    }

    assert_eq!(&zmq::Message::with_size(4)[..], &[0, 0, 0, 0]);
    assert_eq!(&zmq::Message::with_capacity(2)[..], &[0, 0]);
    assert!(zmq::Message::new().is_empty());
    assert!(zmq::Message::default().is_empty());
    assert!(!zmq::Message::new().get_more());

    // A copy made from the bytes; DerefMut writes only to this message. (No `Clone`, as
    // in zmq 0.10, where `msg.to_owned()` is the payload as a `Vec<u8>`.)
    let original = zmq::Message::from(&b"hello"[..]);
    let owned: Vec<u8> = original.to_owned();
    assert_eq!(owned, b"hello");
    let mut copy = zmq::Message::from(&original[..]);
    copy[0] = b'j';
    assert_eq!((&original[..], &copy[..]), (&b"hello"[..], &b"jello"[..]));
    let mut hashes = std::collections::HashSet::new();
    hashes.insert(original);
    assert!(hashes.contains(&zmq::Message::from("hello")));
    let as_ref: &[u8] = copy.as_ref();
    assert_eq!(as_ref, b"jello");
}

#[test]
fn writing_to_shared_content_copies_it_first() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let publisher = socket(&ctx, zmq::PUB);
    publisher.bind("inproc://shared-content").unwrap();
    let subscribers: Vec<_> = (0..2)
        .map(|_| {
            let sub = socket(&ctx, zmq::SUB);
            sub.set_subscribe(b"").unwrap();
            sub.connect("inproc://shared-content").unwrap();
            sub
        })
        .collect();
    // inproc subscriptions are in place once connect returns and the PUB processes them.
    let big = vec![b'a'; 1000];
    let mut received = Vec::new();
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    while received.len() < 2 {
        publisher.send(&big, 0).unwrap();
        received.clear();
        for sub in &subscribers {
            if sub.poll(zmq::POLLIN, 100).unwrap() == 1 {
                received.push(sub.recv_msg(0).unwrap());
            }
        }
        while subscribers
            .iter()
            .any(|s| s.poll(zmq::POLLIN, 0).unwrap() == 1)
        {
            for sub in &subscribers {
                let _ = sub.recv_msg(zmq::DONTWAIT);
            }
        }
        assert!(std::time::Instant::now() < deadline);
    }
    let (mut first, second) = (received.remove(0), received.remove(0));
    assert!(!first.get_more());
    assert!(
        first.is_shared() && second.is_shared(),
        "fan-out shares the content"
    );
    assert_eq!(first.as_ptr(), second.as_ptr());
    first[0] = b'z';
    assert_eq!(first[0], b'z');
    assert_eq!(
        second[0], b'a',
        "the other subscriber's message is unchanged"
    );
    assert!(!first.is_shared());
}

/// Reads properties through a shared reference only.
fn properties(msg: &zmq::Message) -> (Option<&str>, Option<&[u8]>, Option<&str>) {
    (
        msg.peer_address(),
        msg.property("Socket-Type"),
        msg.property_str("No-Such-Property"),
    )
}

#[test]
fn message_properties_through_shared_references() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let pull = socket(&ctx, zmq::PULL);
    let endpoint = bind_tcp(&pull);
    let push = socket(&ctx, zmq::PUSH);
    push.connect(&endpoint).unwrap();
    push.send("hi", 0).unwrap();
    let mut msg = pull.recv_msg(0).unwrap();

    let (peer, socket_type, missing) = properties(&msg);
    assert_eq!(peer, Some("127.0.0.1"));
    assert_eq!(socket_type, Some(&b"PUSH"[..]));
    assert_eq!(missing, None);
    assert_eq!(msg.property("bad\0name"), None, "a NUL byte is not a panic");
    assert_eq!(msg.user_id(), None, "no ZAP handler, no User-Id");

    // zmq 0.10's `gets` still works (it needs `&mut`).
    assert_eq!(msg.gets("Socket-Type"), Some("PUSH"));
    assert_eq!(msg.gets("Peer-Address"), Some("127.0.0.1"));
    assert_eq!(msg.gets("nul\0"), None);

    // A message made locally has no properties.
    assert_eq!(zmq::Message::from("local").property("Socket-Type"), None);
}

#[test]
fn copy_on_write_keeps_the_more_flag() {
    let _dog = watchdog(POSITIVE_WAIT);
    let ctx = zmq::Context::new();
    let publisher = socket(&ctx, zmq::PUB);
    publisher.bind("inproc://cow-more").unwrap();
    let subscribers: Vec<_> = (0..2)
        .map(|_| {
            let sub = socket(&ctx, zmq::SUB);
            sub.set_subscribe(b"").unwrap();
            sub.connect("inproc://cow-more").unwrap();
            sub
        })
        .collect();
    // Subscriptions reach the PUB asynchronously: probe until both subscribers hear it.
    let deadline = std::time::Instant::now() + POSITIVE_WAIT;
    while subscribers
        .iter()
        .any(|sub| sub.poll(zmq::POLLIN, 0).unwrap() == 0)
    {
        publisher.send("probe", 0).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(
            std::time::Instant::now() < deadline,
            "subscriptions never arrived"
        );
    }
    for sub in &subscribers {
        while sub.recv_bytes(zmq::DONTWAIT).is_ok() {}
    }
    let big = vec![b'a'; 1000];
    publisher.send_multipart([big.clone(), big], 0).unwrap();
    let mut first = subscribers[0].recv_msg(0).unwrap();
    assert!(first.is_shared() && first.get_more());
    first[0] = b'z'; // copies the shared content
    assert!(!first.is_shared());
    assert!(first.get_more(), "still followed by another frame");
    // Receiving into it again reports the new frame's flag.
    subscribers[0].recv(&mut first, 0).unwrap();
    assert!(!first.get_more());
    assert_eq!(subscribers[1].recv_multipart(0).unwrap().len(), 2);
}
