//! File descriptors for the limit tests: count them, lower the limit, take every one left,
//! and re-run one test of the current binary in a child process (a lowered limit must
//! not reach the other tests).

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The process's `RLIMIT_NOFILE`.
pub fn fd_limit() -> libc::rlimit {
    // SAFETY: rlimit is plain data.
    let mut limit: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: limit is valid for writes.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    limit
}

pub fn set_fd_limit(limit: &libc::rlimit) {
    // SAFETY: limit points to a valid rlimit.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, limit) };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

/// Sets the soft fd limit to `soft`.
pub fn lower_fd_limit(soft: u64) {
    let mut limit = fd_limit();
    limit.rlim_cur = soft as libc::rlim_t;
    set_fd_limit(&limit);
}

/// How many fds the process has open now.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |dir| dir.count())
}

/// Lowers the fd limit to what is open now plus a little (so that taking the rest is
/// quick), then takes every fd left: the process is out of them until the returned files
/// are dropped.
pub fn take_every_fd() -> Vec<File> {
    lower_fd_limit(open_fds() as u64 + 32);
    exhaust_fds()
}

/// Opens files until the process has no fd left; returns them (drop to free).
pub fn exhaust_fds() -> Vec<File> {
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

/// Runs the test `name` (its full path, e.g. `limits::x_in_child`) of this binary alone
/// in a child process, with `env_var` set so that it does its work, and checks that it
/// passed and printed `passed`; kills the child by its PID after 60 s. Returns the
/// child's stderr.
pub fn run_test_in_child(name: &str, env_var: &str, passed: &str) -> String {
    let _dog = super::watchdog(Duration::from_secs(90));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(env_var, "1")
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
            panic!("{name} hung (child killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success() && stdout.contains(passed),
        "{name} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    stderr
}
