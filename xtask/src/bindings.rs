//! `regen-bindings [--check]`: zmq-sys/src/bindings.rs from bindgen.

use crate::util::{cargo, cargo_message, output, root, Result};
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
    crate::util::apt_libclang()?;
    let messages = output(cargo().args([
        "build",
        "-p",
        "zmq-sys",
        "--features",
        "bindgen",
        "--message-format=json",
    ]))?;
    let out_dir = messages
        .lines()
        .filter_map(cargo_message)
        .filter(|m| m["reason"] == "build-script-executed")
        .filter(|m| {
            m["package_id"]
                .as_str()
                .is_some_and(|id| id.contains("zmq-sys"))
        })
        .find_map(|m| m["out_dir"].as_str().map(PathBuf::from))
        .ok_or("cargo reported no build-script run of zmq-sys")?;
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
