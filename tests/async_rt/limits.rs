//! async-io with no descriptor left when its reactor would start: async-io starts its
//! reactor on first use and panics if it cannot open its descriptors; an async socket's
//! first wait says `EMFILE` instead, and works once descriptors are free again.
//!
//! The scenario lowers `RLIMIT_NOFILE` and needs async-io's reactor not yet started, so
//! it runs in a fresh child process: the test binary re-runs itself with
//! `ZMQ_ASYNC_LIMITS_CHILD=1`, filtered to that one test.

use crate::common;

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::watchdog;
use futures_lite::future::block_on;
use zmq::rt::async_io::AsyncSocket;

#[test]
fn async_io_with_no_fd_left_for_its_reactor_gives_emfile_not_a_panic() {
    let _dog = watchdog(Duration::from_secs(90));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "limits::reactor_start_without_fds_in_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ZMQ_ASYNC_LIMITS_CHILD", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("re-run the test binary");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            // SIGKILL to this child's PID.
            let _ = child.kill();
            let _ = child.wait();
            panic!("the child hung (killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("REACTOR START SCENARIO PASSED"),
        "child failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(
        !stderr.contains("panicked"),
        "a panic was printed:\n{stderr}"
    );
}

/// The body of the test above; does nothing unless run as its child.
#[test]
fn reactor_start_without_fds_in_child() {
    if std::env::var_os("ZMQ_ASYNC_LIMITS_CHILD").is_none() {
        return;
    }
    let ctx = common::ctx();
    let sender = common::socket(&ctx, zmq::PAIR);
    sender.bind("inproc://reactor-start").unwrap();
    let receiver = common::socket(&ctx, zmq::PAIR);
    receiver.connect("inproc://reactor-start").unwrap();
    let mut receiver = AsyncSocket::new(receiver).unwrap();

    lower_fd_limit(open_fds() as u64 + 32);
    let hogs = exhaust_fds();
    println!("holding {} fds; the process is out of them", hogs.len());

    // Nothing queued: the receive parks, and parking registers with async-io, whose
    // reactor cannot start. (futures-lite's block_on, unlike async-io's, never starts
    // the reactor itself.)
    for _ in 0..3 {
        let err = block_on(receiver.recv_msg()).expect_err("a receive with no fd left");
        assert_eq!(err, zmq::Error::EMFILE);
        assert!(err.to_string().contains("ulimit -n"), "{err}");
    }

    // Descriptors free again: the same socket waits and receives.
    drop(hogs);
    let late_sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        sender.send("after", 0).unwrap();
        sender
    });
    let msg = block_on(receiver.recv_msg()).expect("a receive once fds are free");
    assert_eq!(&msg[..], b"after");
    drop(late_sender.join().unwrap());
    println!("REACTOR START SCENARIO PASSED");
}

/// How many fds the process has open now.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count())
}

/// Opens files until the process has no fd left; returns them (drop to free).
fn exhaust_fds() -> Vec<File> {
    let mut hogs = Vec::new();
    loop {
        match File::open("/dev/null") {
            Ok(file) => hogs.push(file),
            Err(err) if err.raw_os_error() == Some(libc::EMFILE) => return hogs,
            Err(err) => panic!("opening /dev/null: {err}"),
        }
        assert!(hogs.len() < 100_000, "no fd limit in force");
    }
}

fn lower_fd_limit(soft: u64) {
    // SAFETY: rlimit is plain data.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: limit is valid for writes.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    limit.rlim_cur = soft as libc::rlim_t;
    // SAFETY: limit points to a valid rlimit.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}
