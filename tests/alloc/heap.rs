//! `zmq::tuning::retain_heap` (glibc): with `zmq::tuning::throughput`'s 256 KiB batches,
//! libzmq's receiving I/O thread allocates a buffer per batch and the application frees
//! it; glibc trims the freed memory back to the kernel, so every batch faults its pages
//! in again. With `retain_heap` the buffers are reused: page faults while receiving stay
//! well under one per 64 KiB message (about three without it, on the machine this was
//! written on, where the figure is printed but not asserted: it is glibc's choice).

use std::sync::Arc;

use super::{SERIAL, common};

const SIZE: usize = 64 * 1024;
const WARM_UP: usize = 2_000;
const COUNT: usize = 5_000;
const HWM: i32 = 32;

/// Minor page faults of the whole process so far.
fn minor_faults() -> i64 {
    // SAFETY: rusage is plain data, valid when zeroed; getrusage fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer to an rusage.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage: {}", std::io::Error::last_os_error());
    usage.ru_minflt
}

/// Page faults of the process per message while a PULL socket receives `COUNT` messages
/// of 64 KiB over tcp, both sockets with `zmq::tuning::throughput` (after a warm-up, so
/// that the heaps have grown to their working size).
fn faults_per_message() -> f64 {
    let ctx = zmq::Context::new();
    let pull = common::socket(&ctx, zmq::PULL);
    zmq::tuning::throughput(&pull).unwrap();
    // Few messages in flight, so that the working set stays well inside what glibc keeps.
    pull.set_rcvhwm(HWM).unwrap();
    let endpoint = common::bind_tcp(&pull);
    // A context of its own, as in another process: its own I/O thread.
    let sender = std::thread::spawn(move || {
        let ctx = zmq::Context::new();
        let push = common::socket(&ctx, zmq::PUSH);
        zmq::tuning::throughput(&push).unwrap();
        push.set_sndhwm(HWM).unwrap();
        // Closing must not drop what is still queued (common::socket sets no linger).
        push.set_linger(common::TIMEOUT_MS).unwrap();
        push.connect(&endpoint).unwrap();
        // One payload, sent without copying (a small block per message).
        let payload: Arc<[u8]> = vec![7u8; SIZE].into();
        for _ in 0..WARM_UP + COUNT {
            push.send(zmq::Message::from_owner(payload.clone()), 0)
                .unwrap();
        }
    });
    let mut msg = zmq::Message::new();
    for _ in 0..WARM_UP {
        pull.recv(&mut msg, 0).unwrap();
    }
    let before = minor_faults();
    for _ in 0..COUNT {
        pull.recv(&mut msg, 0).unwrap();
        assert_eq!(msg.len(), SIZE);
    }
    let faults = minor_faults() - before;
    sender.join().unwrap();
    faults as f64 / COUNT as f64
}

#[test]
fn retain_heap_keeps_tuned_receive_batches_from_faulting_in_again() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let without = faults_per_message();
    zmq::tuning::retain_heap().expect("retain_heap on glibc");
    let with = faults_per_message();
    println!(
        "FIGURE page faults per 64 KiB message received with 256 KiB batches: \
         {without:.2} before retain_heap, {with:.2} after"
    );
    assert!(
        with < 0.5,
        "{with:.2} page faults per message with retain_heap ({without:.2} before): the \
         receive batches are not being reused"
    );
}
