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
    if let Some(include) = built_headers() {
        println!("bindings: zmq.h from {}", include.display());
        command.env("ZMQ_SYS_HEADERS_ONLY", include);
    }
    finish(
        generate(
            command,
            "clippy",
            &["--all-targets", "--", "-D", "warnings"],
        )?,
        true,
    )
}

/// The include directory of the newest vendored build of zmq-sys under target/debug.
fn built_headers() -> Option<PathBuf> {
    let build = root().join("target/debug/build");
    fs::read_dir(build)
        .ok()?
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("zmq-sys-"))
        .map(|entry| entry.path().join("out/source/include"))
        .filter_map(|include| {
            let modified = fs::metadata(include.join("zmq.h")).ok()?.modified().ok()?;
            Some((modified, include))
        })
        .max()
        .map(|(_, include)| include)
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
