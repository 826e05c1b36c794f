//! `zmq::tuning::retain_heap` (glibc): with `zmq::tuning::throughput`'s 256 KiB batches,
//! libzmq's receiving I/O thread allocates a buffer per batch and the application frees
//! it; glibc trims the freed memory back to the kernel, so every batch faults its pages
//! in again. With `retain_heap` the buffers are reused: page faults while receiving stay
//! well under one per 64 KiB message (0 to 7 without it, on the machine this was written
//! on, where the figure is printed but not asserted: it is glibc's choice). The
//! measurement with it runs in a process of its own, since `retain_heap` must not run
//! while other threads allocate.

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

/// Marks the process [`with_retain_heap_in_a_process_of_its_own`] starts.
const CHILD: &str = "ZMQ_TEST_HEAP_CHILD";

/// `retain_heap` must run before any other thread allocates, so the measurement with it
/// runs in a process of its own: this test binary, running only the ignored test below,
/// on one test thread. Without it, the figure is measured here and printed (glibc decides
/// whether to trim, so it is not asserted).
#[test]
fn retain_heap_keeps_tuned_receive_batches_from_faulting_in_again() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let without = faults_per_message();
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = std::process::Command::new(exe)
        .args([
            "--exact",
            "heap::with_retain_heap_in_a_process_of_its_own",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the test binary again");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child measuring with retain_heap did not finish within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut output = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut output).unwrap();
    let with = output
        .lines()
        // libtest prints the test's name on the same line, before the figure.
        .find_map(|line| {
            line.split_once("WITH_RETAIN_HEAP ")
                .map(|(_, figure)| figure)
        })
        .and_then(|figure| figure.trim().parse::<f64>().ok());
    println!(
        "FIGURE page faults per 64 KiB message received with 256 KiB batches: \
         {without:.2} without retain_heap, {} with it (in a process of its own)",
        with.map_or("none".to_string(), |with| format!("{with:.2}"))
    );
    assert!(status.success(), "the child failed:\n{output}");
    let with = with.unwrap_or_else(|| panic!("no figure from the child:\n{output}"));
    assert!(
        with < 0.5,
        "{with:.2} page faults per message with retain_heap ({without:.2} without): the \
         receive batches are not being reused"
    );
}

/// The half of the test above that runs in a process of its own.
#[test]
#[ignore = "run by retain_heap_keeps_tuned_receive_batches_from_faulting_in_again, in a process of its own"]
fn with_retain_heap_in_a_process_of_its_own() {
    assert!(
        std::env::var_os(CHILD).is_some(),
        "run by retain_heap_keeps_tuned_receive_batches_from_faulting_in_again only: \
         retain_heap must not run while other tests allocate"
    );
    // SAFETY: the only test of this process, on one test thread: libtest's main thread
    // waits for it, and nothing else has started a thread.
    unsafe { zmq::tuning::retain_heap() }.expect("retain_heap on 64-bit glibc");
    println!("WITH_RETAIN_HEAP {}", faults_per_message());
}
