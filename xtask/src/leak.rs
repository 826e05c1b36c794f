//! `leak-check [crate[:filter,filter] ...]`: test binaries under valgrind's memcheck.
//!
//! Without arguments: the lib's unit tests and the default selection below. Each test
//! binary runs under `valgrind --leak-check=full`; a "definitely lost" or "indirectly lost"
//! block is a failure, and the summary of every binary is printed. Blocks still reachable
//! at exit (libzmq's and std's process-wide state, thread-locals of the test harness) are
//! not leaks. Timeouts in the tests are hang detectors: ZMQ_TEST_SLOWDOWN (30 unless set)
//! stretches the watchdogs for valgrind's ~20-50x slowdown. Needs valgrind.

use crate::tests::{pyenv, python};
use crate::util::{cargo, cargo_message, cmd, have, output, Result};
use std::collections::HashMap;
use std::fs;
use std::process::Stdio;

/// Issue 6's modules (security, robustness, shutdown), issue 10's (zero copy, JSON,
/// Context::instance), contexts and the monitored queue.
const DEFAULT: &[&str] = &[
    "security",
    "core:robustness::,flow_control::,lifecycle::,shutdown::,zerocopy::,json::,context_instance::,context::,monitored_queue::",
    "async_rt:security::,zerocopy::,json::",
    "alloc:zerocopy::",
];

/// Tests whose verdict depends on timing that valgrind's slowdown breaks, and the fork
/// test (valgrind checks the forked child too, and counts as lost what only the parent's
/// other threads, absent in the child, point to). They still run in the normal suite.
const SKIPS: &[&str] = &[
    "l22_heartbeats_detect_dead_peer",
    "a_forked_child_gets_a_new_instance",
    "a_forked_child_leaves_an_inherited_context_alone",
];

pub fn leak_check(args: &[String]) -> Result {
    if !have("valgrind") {
        return Err("valgrind is not installed (Debian: apt-get install valgrind)".into());
    }
    let selection: Vec<&str> = if args.is_empty() {
        DEFAULT.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    pyenv()?;
    let slowdown = std::env::var("ZMQ_TEST_SLOWDOWN").unwrap_or_else(|_| "30".into());

    let mut build = cargo();
    build.args([
        "test",
        "--features",
        "full",
        "--no-run",
        "--message-format=json",
        "--lib",
    ]);
    // Crate name -> test-name filters (none: every test).
    let mut filters: HashMap<String, Vec<String>> = HashMap::from([("zmq".into(), Vec::new())]);
    for entry in selection {
        let (krate, only) = entry.split_once(':').unwrap_or((entry, ""));
        build.args(["--test", krate]);
        let only = only.split(',').filter(|f| !f.is_empty()).map(String::from);
        filters.insert(krate.to_owned(), only.collect());
    }
    let bins: Vec<(String, String)> = output(&mut build)?
        .lines()
        .filter_map(cargo_message)
        .filter(|m| m["reason"] == "compiler-artifact" && m["profile"]["test"] == true)
        .filter_map(|m| {
            let exe = m["executable"].as_str()?.to_owned();
            Some((m["target"]["name"].as_str()?.to_owned(), exe))
        })
        .collect();
    if bins.is_empty() {
        return Err("no test binaries were built".into());
    }
    println!("leak-check: not run under valgrind (heartbeat timing, fork): {SKIPS:?}");

    let logdir = "target/leak-check";
    fs::create_dir_all(logdir).map_err(|e| e.to_string())?;
    let mut failed = Vec::new();
    for (krate, bin) in &bins {
        let name = bin.rsplit('/').next().unwrap_or(bin);
        let log = format!("{logdir}/{name}.valgrind");
        let out = format!("{logdir}/{name}.out");
        let only = filters.get(krate).cloned().unwrap_or_default();
        if only.is_empty() {
            println!("=== {name}");
        } else {
            println!("=== {name} (only: {})", only.join(" "));
        }
        let stdout = fs::File::create(&out).map_err(|e| format!("{out}: {e}"))?;
        let stderr = stdout.try_clone().map_err(|e| e.to_string())?;
        // One test thread: valgrind serialises threads anyway, and the logs stay readable.
        let status = cmd("valgrind")
            .args([
                "--leak-check=full",
                "--show-leak-kinds=definite,indirect",
                "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=99",
                "--num-callers=30",
                "--suppressions=scripts/valgrind.supp",
            ])
            .arg(format!("--log-file={log}"))
            .args([bin.as_str(), "--test-threads=1", "-q"])
            .args(SKIPS.iter().flat_map(|s| ["--skip", s]))
            .args(&only)
            .env("ZMQ_TEST_PYTHON", python())
            .env("ZMQ_TEST_SLOWDOWN", &slowdown)
            .stdout(Stdio::from(stdout))
            .stderr(Stdio::from(stderr))
            .status()
            .map_err(|e| format!("could not start valgrind: {e}"))?;
        if !status.success() {
            println!("    FAILED (tests or leaks): see {log} and {out}");
            failed.push(name.to_owned());
        }
        let summary = fs::read_to_string(&log).unwrap_or_default();
        for line in summary.lines().filter(|line| {
            [
                "definitely lost",
                "indirectly lost",
                "possibly lost",
                "still reachable",
                "ERROR SUMMARY",
            ]
            .iter()
            .any(|key| line.contains(key))
        }) {
            // Drop valgrind's "==PID== " prefix.
            let text = line.split_once("== ").map_or(line, |(_, rest)| rest);
            println!("    {text}");
        }
    }
    if failed.is_empty() {
        println!(
            "leak-check: no definite or indirect leaks in {} test binaries",
            bins.len()
        );
        Ok(())
    } else {
        Err(format!("tests or leaks failed in {}", failed.join(", ")))
    }
}
