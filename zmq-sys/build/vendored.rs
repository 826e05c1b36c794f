//! Compile libzmq 4.3.5 from the source carried by the `zeromq-src` crate.
//!
//! `zeromq_src::Build` owns the list of sources and drives `cc`. It leaves the platform
//! header empty, so on Linux we pass the feature macros that libzmq's CMake build would put
//! there (eventfd signalers, TCP keepalive knobs, SO_BINDTODEVICE, CLOEXEC on every fd, …);
//! without them options such as `ZMQ_TCP_KEEPALIVE_IDLE` or `ZMQ_BINDTODEVICE` would be
//! silently ignored or fail with ENOTSUP, and libzmq's fds would leak into child processes.
//! The library is optimised even in dev and test builds, and carries line tables only when
//! cargo asks for debug info (see `line_tables_only`).

use std::env;
use std::path::PathBuf;

use crate::{env_var, Linked};

/// Feature macros of a glibc/musl Linux target, as libzmq's CMake checks find them.
/// Kept sorted.
const LINUX_DEFINES: &[&str] = &[
    "HAVE_ACCEPT4",
    "HAVE_CLOCK_GETTIME",
    "HAVE_FORK",
    "HAVE_IF_NAMETOINDEX",
    "HAVE_MKDTEMP",
    "HAVE_POSIX_MEMALIGN",
    "ZMQ_CACHELINE_SIZE=64",
    "ZMQ_HAVE_BUSY_POLL",
    "ZMQ_HAVE_EVENTFD",
    "ZMQ_HAVE_EVENTFD_CLOEXEC",
    "ZMQ_HAVE_IFADDRS",
    "ZMQ_HAVE_NOEXCEPT",
    "ZMQ_HAVE_O_CLOEXEC",
    "ZMQ_HAVE_PPOLL",
    "ZMQ_HAVE_PTHREAD_SETNAME_2",
    "ZMQ_HAVE_PTHREAD_SET_AFFINITY",
    "ZMQ_HAVE_SOCK_CLOEXEC",
    "ZMQ_HAVE_SO_BINDTODEVICE",
    "ZMQ_HAVE_SO_KEEPALIVE",
    "ZMQ_HAVE_SO_PEERCRED",
    "ZMQ_HAVE_SO_PRIORITY",
    "ZMQ_HAVE_TCP_KEEPCNT",
    "ZMQ_HAVE_TCP_KEEPIDLE",
    "ZMQ_HAVE_TCP_KEEPINTVL",
    "ZMQ_IOTHREAD_POLLER_USE_EPOLL_CLOEXEC",
];

pub fn build() -> Linked {
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();

    optimise_even_in_dev();
    let mut flags: Vec<String> = Vec::new();
    if target_os == "linux" || target_os == "android" {
        flags.extend(LINUX_DEFINES.iter().map(|define| format!("-D{define}")));
    }
    append_cxxflags(&target, flags, line_tables_only());

    let mut build = zeromq_src::Build::new();
    build.enable_draft(true);
    let sodium_include = with_libsodium(&mut build);
    let curve = sodium_include.is_some();
    build.build();

    // `zeromq_src` copies the public headers next to the library it compiled.
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let udp_mended =
        target_os == "linux" && crate::udp_fix::apply(&out_dir, sodium_include.as_deref());
    let include_dir = out_dir.join("source").join("include");
    assert!(
        include_dir.join("zmq.h").is_file(),
        "zeromq-src did not leave zmq.h in {}",
        include_dir.display()
    );
    Linked {
        version: crate::header_version(&include_dir.join("zmq.h")),
        draft: true,
        curve: Some(curve),
        vendored: true,
        udp_mended,
        include_dir,
    }
}

/// `cc` takes the optimisation level from cargo's `OPT_LEVEL`, which is 0 in dev builds.
/// Tests and benchmarks must not run against a -O0 libzmq, so raise it to 2 (keep `s`/`z`
/// and anything higher).
fn optimise_even_in_dev() {
    let level = env_var("OPT_LEVEL").unwrap_or_default();
    if level.is_empty() || level == "0" || level == "1" {
        // `cc` reads the variable when `zeromq_src` creates its `cc::Build` below.
        env::set_var("OPT_LEVEL", "2");
    }
}

/// Whether to ask for line tables only: cargo wants debug info (`DEBUG`, as for a dev
/// build), for which `cc` passes `-g`. Full DWARF makes libzmq.a 47 MB instead of 7.4, and
/// every test and example binary links it; line tables keep backtraces' files and lines,
/// as the workspace's `debug = "line-tables-only"` does for Rust dependencies. A `-g`
/// flag of the user's own in the C++ flags is kept as it is.
fn line_tables_only() -> bool {
    env_var("DEBUG").is_some_and(|debug| debug != "false" && debug != "0" && debug != "none")
}

/// Adds `flags` (and `-g1` when `line_tables` and the user set no `-g`) to the C++ flags
/// that `cc` will read, keeping the user's own, which come first. `cc` uses the first of
/// these variables that is set, so we extend that one.
fn append_cxxflags(target: &str, mut flags: Vec<String>, line_tables: bool) {
    let candidates = [
        format!("CXXFLAGS_{target}"),
        format!("CXXFLAGS_{}", target.replace('-', "_")),
        "TARGET_CXXFLAGS".to_string(),
        "CXXFLAGS".to_string(),
    ];
    let (name, existing) = candidates
        .iter()
        .find_map(|name| env_var(name).map(|value| (name.clone(), value)))
        .unwrap_or_else(|| ("CXXFLAGS".to_string(), String::new()));
    let users_debug_flag = existing
        .split_whitespace()
        .any(|flag| flag.starts_with("-g"));
    if line_tables && !users_debug_flag {
        // After `cc`'s own `-g`: the last level given wins.
        flags.push("-g1".to_string());
    }
    let mut value = existing;
    for flag in flags {
        value.push(' ');
        value.push_str(&flag);
    }
    env::set_var(name, value.trim_start());
}

/// With the `curve` feature, point libzmq at the libsodium that `libsodium-sys-stable`
/// built from source (its `links = "sodium"` metadata).
fn with_libsodium(build: &mut zeromq_src::Build) -> Option<PathBuf> {
    if !cfg!(feature = "curve") {
        return None;
    }
    let include = env::var("DEP_SODIUM_INCLUDE")
        .expect("libsodium-sys-stable publishes DEP_SODIUM_INCLUDE when built from source");
    let lib = env::var("DEP_SODIUM_LIB")
        .expect("libsodium-sys-stable publishes DEP_SODIUM_LIB when built from source");
    build.with_libsodium(Some(zeromq_src::LibLocation::new(lib, &include)));
    Some(PathBuf::from(include))
}
