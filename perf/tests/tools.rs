//! The perf tools run in every mode and print libzmq's output format (small counts: a
//! smoke test of each loop, not a measurement).
#![cfg(feature = "ours")]

use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `binary` with `args`, killing it after 60 s; returns its stdout.
fn run(binary: &str, args: &[&str]) -> String {
    let mut child = Command::new(binary)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn a perf tool");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait for a perf tool").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{binary} {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let output = child.wait_with_output().expect("read a perf tool's output");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{binary} {args:?} failed: {stdout}"
    );
    stdout
}

/// Every mode the tools take (the sync loops, the held payloads, both async runtimes).
const MODES: [&[&str]; 6] = [
    &[],
    &["--tuned"],
    &["--copy"],
    &["--bytes"],
    &["--async"],
    &["--async-io"],
];

#[test]
fn inproc_throughput_in_every_mode() {
    for mode in MODES {
        for size in ["16", "100", "70000"] {
            let mut args = vec![size, "500"];
            args.extend_from_slice(mode);
            let out = run(env!("CARGO_BIN_EXE_inproc_thr"), &args);
            assert!(out.contains(&format!("message size: {size} [B]")), "{out}");
            assert!(out.contains("message count: 500"), "{out}");
            assert!(out.contains("[msg/s]"), "{mode:?}: {out}");
        }
    }
}

#[test]
fn inproc_latency_in_every_mode() {
    for mode in MODES {
        let mut args = vec!["100", "50"];
        args.extend_from_slice(mode);
        let out = run(env!("CARGO_BIN_EXE_inproc_lat"), &args);
        assert!(out.contains("roundtrip count: 50"), "{mode:?}: {out}");
        assert!(out.contains("average latency:"), "{mode:?}: {out}");
    }
}

#[test]
fn a_bad_command_line_prints_the_usage() {
    let output = Command::new(env!("CARGO_BIN_EXE_inproc_thr"))
        .args(["not-a-size", "10"])
        .output()
        .expect("run inproc_thr");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("usage: inproc_thr"));
}
