//! `regen-bindings [--check]`: zmq-sys/src/bindings.rs from bindgen.

use crate::util::{cargo, cargo_message, describe, root, Result};
use std::fs;
use std::path::PathBuf;

const COMMITTED: &str = "zmq-sys/src/bindings.rs";

/// Builds zmq-sys with its `bindgen` feature, then copies the generated file over the
/// committed one, or (`--check`) fails when they differ.
pub fn regen(args: &[String]) -> Result {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask regen-bindings [--check]".into()),
    };
    finish(generate(cargo(), "build", &[])?, check)
}

/// CI's bindings step: `--check`, on a clippy run of zmq-sys with `bindgen` (`-D
/// warnings`, every target), so that the `bindgen` feature's code is linted by the same
/// build. (A separate `cargo build` and `cargo clippy` each ran the build script, and so
/// compiled libzmq, once.)
///
/// A clippy build links nothing, so when an earlier build of the workspace (the test step)
/// left the vendored libzmq's headers under target/debug, zmq-sys takes `zmq.h` from there
/// (`ZMQ_SYS_HEADERS_ONLY`) instead of compiling libzmq again for this feature set: the
/// same zeromq-src source, pinned, so the same header.
pub fn check_linted() -> Result {
    let mut command = cargo();
    use_built_headers(&mut command, "bindings");
    finish(
        generate(
            command,
            "clippy",
            &["--all-targets", "--", "-D", "warnings"],
        )?,
        true,
    )
}

/// Points a check-only build (`command`, which links nothing) at the test build's
/// headers ([`built_headers`]) through `ZMQ_SYS_HEADERS_ONLY`, so that zmq-sys's build
/// script does not compile libzmq again; `step` names the caller in the line it prints.
/// Without such headers the build compiles libzmq.
pub fn use_built_headers(command: &mut std::process::Command, step: &str) {
    if let Some(include) = built_headers() {
        println!("{step}: zmq.h from {}", include.display());
        command.env("ZMQ_SYS_HEADERS_ONLY", include);
    }
}

/// For the check-only builds of CI (the bindings check, clippy): the include directory of
/// the vendored build of zmq-sys whose build script ran last
/// under the target directory's `debug/build`: one whose last run compiled and linked
/// libzmq (not a headers-only run) and whose `zmq.h` is the libzmq release zmq-sys's version
/// names (`+4.3.5`). `None` when there is none: the bindings build then compiles libzmq.
fn built_headers() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let manifest = fs::read_to_string(root().join("zmq-sys/Cargo.toml")).ok()?;
    let release = manifest
        .lines()
        .find_map(|line| line.strip_prefix("version = \""))
        .and_then(|version| version.trim_end_matches('"').split_once('+'))
        .map(|(_, release)| release.to_owned())?;
    fs::read_dir(target.join("debug/build"))
        .ok()?
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("zmq-sys-"))
        .filter_map(|entry| {
            let output = entry.path().join("output");
            let ran = fs::metadata(&output).ok()?.modified().ok()?;
            let linked = fs::read_to_string(&output)
                .ok()?
                .lines()
                .any(|line| line == "cargo:rustc-link-lib=static=zmq");
            let include = entry.path().join("out/source/include");
            let header = fs::read_to_string(include.join("zmq.h")).ok()?;
            (linked && header_release(&header).as_deref() == Some(release.as_str()))
                .then_some((ran, include))
        })
        .max()
        .map(|(_, include)| include)
}

/// `major.minor.patch` from a `zmq.h`'s `ZMQ_VERSION_*` defines.
fn header_release(header: &str) -> Option<String> {
    let define = |name: &str| {
        header.lines().find_map(|line| {
            let rest = line.trim().strip_prefix("#define")?.trim_start();
            rest.strip_prefix(name)?.trim().parse::<u32>().ok()
        })
    };
    Some(format!(
        "{}.{}.{}",
        define("ZMQ_VERSION_MAJOR")?,
        define("ZMQ_VERSION_MINOR")?,
        define("ZMQ_VERSION_PATCH")?
    ))
}

/// Runs `command` as `cargo <subcommand>` on zmq-sys with its `bindgen` feature (then
/// `args`) and returns where its build script wrote the generated bindings.
fn generate(
    mut command: std::process::Command,
    subcommand: &str,
    args: &[&str],
) -> Result<PathBuf> {
    crate::util::apt_libclang()?;
    command
        .arg(subcommand)
        .args(["-p", "zmq-sys", "--features", "bindgen"])
        .arg("--message-format=json")
        .args(args)
        .stderr(std::process::Stdio::inherit());
    let run = command
        .output()
        .map_err(|e| format!("could not start `{}`: {e}", describe(&command)))?;
    let messages: Vec<_> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .filter_map(cargo_message)
        .collect();
    // The diagnostics (clippy's lints among them) as the compiler rendered them.
    for message in &messages {
        if let Some(text) = message["message"]["rendered"].as_str() {
            eprint!("{text}");
        }
    }
    if !run.status.success() {
        return Err(format!("`{}` failed ({})", describe(&command), run.status));
    }
    let out_dir = messages
        .iter()
        .filter(|m| m["reason"] == "build-script-executed")
        .filter(|m| {
            m["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("zmq-sys"))
        })
        .find_map(|m| m["out_dir"].as_str().map(PathBuf::from))
        .ok_or("cargo reported no build-script run of zmq-sys")?;
    Ok(out_dir)
}

/// Compares the bindings generated in `out_dir` with the committed file (`check`), or
/// writes them over it.
fn finish(out_dir: PathBuf, check: bool) -> Result {
    let generated = out_dir.join("bindings.rs");
    let new = fs::read_to_string(&generated).map_err(|e| {
        format!(
            "{}: {e}; the bindgen build did not produce it",
            generated.display()
        )
    })?;
    let committed = root().join(COMMITTED);
    let old = fs::read_to_string(&committed).unwrap_or_default();
    if check {
        if old == new {
            println!("regen-bindings: {COMMITTED} is up to date");
            return Ok(());
        }
        let first = old
            .lines()
            .zip(new.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(old.lines().count().min(new.lines().count()));
        return Err(format!(
            "{COMMITTED} is stale (first difference at line {}): run \
             `cargo xtask regen-bindings` and commit; the generated file is {}",
            first + 1,
            generated.display()
        ));
    }
    fs::write(&committed, new).map_err(|e| format!("{COMMITTED}: {e}"))?;
    println!("regen-bindings: wrote {COMMITTED}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_release_reads_the_defines() {
        let header = "#define ZMQ_VERSION_MAJOR 4\n#define ZMQ_VERSION_MINOR 3\n\
                      #define ZMQ_VERSION_PATCH 5\n#define ZMQ_MAKE_VERSION(a, b, c) x\n";
        assert_eq!(header_release(header).as_deref(), Some("4.3.5"));
        assert_eq!(header_release("#define ZMQ_VERSION_MAJOR 4\n"), None);
    }
}
