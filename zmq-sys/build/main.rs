//! Build script of `zmq-sys`: a short dispatcher.
//!
//! - `vendored` feature (default), unless `ZMQ_SYS_NO_VENDOR` is set: compile libzmq 4.3.5
//!   statically from the source carried by the `zeromq-src` crate (see `vendored.rs`).
//! - otherwise: find a system libzmq through pkg-config (see `system.rs`).
//! - `bindgen` feature: regenerate the FFI from the `zmq.h` that was found (see `bindings.rs`);
//!   without it, `src/bindings.rs` (committed) is used and no libclang is needed.
//!
//! - `ZMQ_SYS_HEADERS_ONLY=<absolute dir>`: for check-only builds (`cargo check`, `clippy`,
//!   `doc`), which link nothing: take `zmq.h` from `<dir>` and compile and link no libzmq
//!   (libsodium, with `curve`, is still built by its own crate). CI's
//!   bindings check and clippy step use it with the headers of the test build's vendored
//!   libzmq, so that libzmq is not compiled again for the `bindgen` feature, nor for
//!   clippy's own build of this script (see `headers_only`).
//!
//! Whatever the source, the script publishes metadata for dependents' build scripts
//! (`DEP_ZMQ_VERSION`, `DEP_ZMQ_DRAFT`, `DEP_ZMQ_CURVE`, `DEP_ZMQ_VENDORED`,
//! `DEP_ZMQ_UDP_MENDED`, `DEP_ZMQ_INCLUDE`).

use std::env;
use std::path::PathBuf;

#[cfg(feature = "bindgen")]
mod bindings;
mod system;
#[cfg(feature = "vendored")]
mod udp_fix;
#[cfg(feature = "vendored")]
mod vendored;

/// What the build found or made, published as `links` metadata.
pub struct Linked {
    /// `(major, minor, patch)` of the libzmq that is linked.
    pub version: (u32, u32, u32),
    /// The draft API is compiled into the library.
    pub draft: bool,
    /// CURVE is available (`Some(false)` when known absent, `None` when unknown).
    pub curve: Option<bool>,
    /// Compiled from source here.
    pub vendored: bool,
    /// The udp engine was mended (see `udp_fix.rs`).
    pub udp_mended: bool,
    /// Directory holding `zmq.h`.
    pub include_dir: PathBuf,
}

/// Reads an environment variable and tells cargo to rerun when it changes.
pub fn env_var(name: &str) -> Option<String> {
    println!("cargo:rerun-if-env-changed={name}");
    env::var(name).ok()
}

fn main() {
    println!("cargo:rerun-if-changed=build");
    let force_system = env_var("ZMQ_SYS_NO_VENDOR").is_some_and(|v| !v.is_empty() && v != "0");

    let headers = env_var("ZMQ_SYS_HEADERS_ONLY").filter(|dir| !dir.is_empty());

    let vendored = cfg!(feature = "vendored") && !force_system;
    let linked = if let Some(dir) = headers {
        headers_only(PathBuf::from(dir), vendored)
    } else if vendored {
        #[cfg(feature = "vendored")]
        {
            vendored::build()
        }
        #[cfg(not(feature = "vendored"))]
        unreachable!()
    } else {
        system::probe()
    };

    // The version of the header the bindings and the library agree on; the tests compare
    // it with the committed constants and with `zmq_version()`.
    let (hmajor, hminor, hpatch) = header_version(&linked.include_dir.join("zmq.h"));
    println!("cargo:rustc-env=ZMQ_SYS_HEADER_VERSION={hmajor}.{hminor}.{hpatch}");

    let (major, minor, patch) = linked.version;
    println!("cargo:version={major}.{minor}.{patch}");
    println!("cargo:draft={}", u8::from(linked.draft));
    match linked.curve {
        Some(curve) => println!("cargo:curve={}", u8::from(curve)),
        None => println!("cargo:curve=unknown"),
    }
    println!("cargo:vendored={}", u8::from(linked.vendored));
    println!("cargo:udp_mended={}", u8::from(linked.udp_mended));
    println!("cargo:include={}", linked.include_dir.display());

    #[cfg(feature = "bindgen")]
    bindings::generate(&linked.include_dir);
}

/// `ZMQ_SYS_HEADERS_ONLY`: the metadata the configured build (`vendored`: the vendored one,
/// else a system libzmq's) would publish, from a `zmq.h` alone and without a library, so
/// the crate checks but cannot link; cargo prints a warning saying so.
fn headers_only(include_dir: PathBuf, vendored: bool) -> Linked {
    assert!(
        include_dir.is_absolute(),
        "zmq-sys: ZMQ_SYS_HEADERS_ONLY must be an absolute path (the build script runs in \
         zmq-sys's directory), not {}",
        include_dir.display()
    );
    let header = include_dir.join("zmq.h");
    println!("cargo:rerun-if-changed={}", header.display());
    assert!(
        header.is_file(),
        "zmq-sys: ZMQ_SYS_HEADERS_ONLY={} holds no zmq.h",
        include_dir.display()
    );
    println!(
        "cargo:warning=ZMQ_SYS_HEADERS_ONLY is set: libzmq is not compiled or linked (for \
         cargo check, clippy and doc only; a binary or test will not link)"
    );
    let (draft, curve) = if vendored {
        (true, Some(cfg!(feature = "curve")))
    } else {
        (system::has_draft(), None)
    };
    Linked {
        version: header_version(&header),
        draft,
        curve,
        vendored,
        // As the vendored build would (on Linux).
        udp_mended: vendored && env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux"),
        include_dir,
    }
}

/// Reads `ZMQ_VERSION_{MAJOR,MINOR,PATCH}` from a `zmq.h`.
pub fn header_version(header: &std::path::Path) -> (u32, u32, u32) {
    let text = std::fs::read_to_string(header)
        .unwrap_or_else(|err| panic!("zmq-sys: cannot read {}: {err}", header.display()));
    let define = |name: &str| -> u32 {
        text.lines()
            .find_map(|line| {
                let rest = line.trim().strip_prefix("#define")?.trim_start();
                let value = rest.strip_prefix(name)?;
                value.trim().parse().ok()
            })
            .unwrap_or_else(|| panic!("zmq-sys: no {name} in {}", header.display()))
    };
    (
        define("ZMQ_VERSION_MAJOR"),
        define("ZMQ_VERSION_MINOR"),
        define("ZMQ_VERSION_PATCH"),
    )
}
