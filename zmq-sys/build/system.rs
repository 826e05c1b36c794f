//! Link a libzmq installed on the system, found through pkg-config.

use std::path::PathBuf;

use crate::{env_var, Linked};

/// Oldest libzmq whose stable API covers everything the safe crate calls.
const MIN_VERSION: &str = "4.3.2";
/// First release we do not claim to support.
const MAX_VERSION_EXCLUSIVE: &str = "5.0.0";

pub fn probe() -> Linked {
    let library = pkg_config::Config::new()
        .range_version(MIN_VERSION..MAX_VERSION_EXCLUSIVE)
        .probe("libzmq")
        .unwrap_or_else(|err| {
            panic!(
                "\n\nzmq-sys: no usable system libzmq was found.\n\
                 It needs libzmq >= {MIN_VERSION} and < {MAX_VERSION_EXCLUSIVE} known to \
                 pkg-config (package `libzmq3-dev` on Debian/Ubuntu, `zeromq-devel` on Fedora, \
                 `zeromq` on Homebrew), or PKG_CONFIG_PATH pointing at its `libzmq.pc`.\n\
                 Alternatively build libzmq 4.3.5 from source: enable the `vendored` feature of \
                 zmq-sys (the default) and unset ZMQ_SYS_NO_VENDOR.\n\n\
                 pkg-config said: {err}\n"
            )
        });

    let version = parse_version(&library.version).unwrap_or_else(|| {
        panic!(
            "zmq-sys: pkg-config reported an unreadable libzmq version {:?}",
            library.version
        )
    });
    let include_dir = library
        .include_paths
        .iter()
        .find(|dir| dir.join("zmq.h").is_file())
        .cloned()
        .unwrap_or_else(|| PathBuf::from("/usr/include"));

    Linked {
        version,
        draft: has_draft(),
        // Known only at run time: `zmq::has("curve")`.
        curve: None,
        vendored: false,
        udp_mended: false,
        include_dir,
    }
}

/// A system library may or may not carry the draft API; nothing in pkg-config says so.
/// Whoever built it with `--enable-drafts` can tell us (`ZMQ_SYS_SYSTEM_HAS_DRAFT=1`).
pub fn has_draft() -> bool {
    env_var("ZMQ_SYS_SYSTEM_HAS_DRAFT").is_some_and(|v| v == "1")
}

fn parse_version(text: &str) -> Option<(u32, u32, u32)> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}
