//! `deadline <program> [args]`: runs one test program under a time limit, so that a test
//! or a documentation snippet that hangs fails the run with its name instead of stalling it.
//!
//! `cargo xtask test` makes it cargo's `runner` for the host target, so cargo runs every
//! test binary, and rustdoc every doctest (the README's and docs/'s snippets included:
//! `src/guides.rs`), through it. A doctest (a `rust_out` program in rustdoc's temporary
//! `rustdoctest*` directory) gets [`SNIPPET_SECS`], any other program [`BINARY_SECS`]
//! (a whole test crate); `ZMQ_TEST_SNIPPET_SECS` and `ZMQ_TEST_BINARY_SECS` override them
//! (e.g. for `ZMQ_STRESS=1`). The program's exit status is passed on unchanged.

use crate::util::Result;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

/// The limit for one doctest program: the snippets finish in well under a second each, and
/// rustdoc runs the crate's mergeable doctests (edition 2024) from one program, about
/// 4 s for all of them.
pub const SNIPPET_SECS: u64 = 120;
/// The limit for one test binary: the slowest suite (interop) takes about a minute.
pub const BINARY_SECS: u64 = 1200;

/// Runs `args[0]` with the rest of `args` and returns its exit code, or kills it at the
/// deadline and says so.
pub fn run(args: &[String]) -> std::result::Result<ExitCode, String> {
    let [program, rest @ ..] = args else {
        return Err("usage: cargo xtask deadline <program> [args]".into());
    };
    let snippet = Path::new(program)
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|dir| dir.to_string_lossy().starts_with("rustdoctest"));
    let (var, default) = if snippet {
        ("ZMQ_TEST_SNIPPET_SECS", SNIPPET_SECS)
    } else {
        ("ZMQ_TEST_BINARY_SECS", BINARY_SECS)
    };
    run_limited(program, rest, limit(var, default)?, snippet, var)
}

/// Runs `program` with `rest`, killing it after `secs`; `snippet` and `var` word the error.
fn run_limited(
    program: &str,
    rest: &[String],
    secs: u64,
    snippet: bool,
    var: &str,
) -> std::result::Result<ExitCode, String> {
    let mut child = Command::new(program)
        .args(rest)
        .spawn()
        .map_err(|e| format!("could not start {program}: {e}"))?;
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("{program}: {e}"))? {
            return Ok(exit_code(status));
        }
        if start.elapsed() >= Duration::from_secs(secs) {
            // What the program started (peer processes, example binaries), which its own
            // clean-up will not get to stop now, then the program. Found before the kill,
            // as orphans are adopted elsewhere.
            let _ = Command::new("kill")
                .arg("-KILL")
                .args(descendants(child.id()).iter().map(u32::to_string))
                .status();
            let _ = child.kill();
            let _ = child.wait();
            let what = if snippet {
                "a doctest program (the snippets of the README, docs/ or rustdoc; the \
                 test harness names a doctest running for over 60 s above)"
            } else {
                "a test binary"
            };
            return Err(format!(
                "{what} was still running after {secs} s and was killed: {program} {}\n\
                 something in it hangs; run it alone to see where (the limit is {var})",
                rest.join(" ")
            ));
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// `var` in seconds, or `default` when unset.
fn limit(var: &str, default: u64) -> Result<u64> {
    match std::env::var(var) {
        Ok(value) => value
            .parse()
            .map_err(|_| format!("{var}={value}: expected a number of seconds")),
        Err(_) => Ok(default),
    }
}

/// The child's exit code. A child killed by a signal is reported the same way: the runner
/// sends itself that signal, so cargo says "signal: 6, SIGABRT" as without a runner (exit
/// 128 + N if the signal does not end it).
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        (None, Some(signal)) => {
            let _ = Command::new("kill")
                .arg(format!("-{signal}"))
                .arg(std::process::id().to_string())
                .status();
            ExitCode::from(u8::try_from(128 + signal).unwrap_or(1))
        }
        (None, None) => ExitCode::FAILURE,
    }
}

/// Every process below `pid`, from /proc (children of each of its threads, recursively).
fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            found.push(child);
            found.extend(descendants(child));
        }
    }
    found
}

#[cfg(test)]
mod cases {
    use super::*;

    #[test]
    fn passes_the_exit_code_on() {
        let code = run(&["sh".into(), "-c".into(), "exit 3".into()]).unwrap();
        assert_eq!(code, ExitCode::from(3));
    }

    #[test]
    fn kills_at_the_deadline_and_names_the_program() {
        let err = run_limited("sleep", &["30".into()], 1, false, "LIMIT").unwrap_err();
        assert!(err.contains("still running after 1 s"), "{err}");
        assert!(err.contains("sleep 30"), "{err}");
        assert!(err.contains("a test binary"), "{err}");
    }

    #[test]
    fn kills_what_the_program_started_too() {
        // A shell that starts a grandchild sleeping 30 s, says its pid, and waits for it.
        let file = std::env::temp_dir().join(format!("xtask-deadline-{}", std::process::id()));
        let script = format!("sleep 30 & echo $! > {}; wait", file.display());
        let err = run_limited("sh", &["-c".into(), script], 1, false, "LIMIT").unwrap_err();
        assert!(err.contains("still running after 1 s"), "{err}");
        let pid = std::fs::read_to_string(&file).unwrap();
        let _ = std::fs::remove_file(&file);
        // Gone, or a zombie waiting for its new parent to reap it.
        let alive = || {
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()))
                .is_ok_and(|stat| !stat.contains(") Z "))
        };
        let start = Instant::now();
        while alive() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(), "the grandchild {} still runs", pid.trim());
    }

    #[test]
    fn limits_come_from_the_environment_or_the_default() {
        assert_eq!(limit("ZMQ_TEST_NO_SUCH_LIMIT", 7), Ok(7));
        assert!(limit("PATH", 7).is_err_and(|e| e.contains("a number of seconds")));
    }
}
