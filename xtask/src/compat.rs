//! `compat-route`: the migration route of docs/migrating.md, tried as a user would.
//!
//! A project depending on `zmq = "0.10"` and `zmq-sys = "0.12"` gets its Cargo.lock from
//! crates.io (rust-zmq 0.10.0 and its zmq-sys 0.12.0), then the two `[patch.crates-io]`
//! lines pointing at this repository. With the lock in place cargo ignores the patches
//! ("was not used"); `cargo update -p zmq --precise 0.10.1` moves both crates to this
//! repository. The task checks each of those three states with `cargo tree`. It resolves
//! only (crates.io's index is needed); building such a graph is what the workspace member
//! `tests/compat-patch` does in every test run.

use crate::util::{cargo, describe, root, Result};
use std::fs;
use std::path::Path;
use std::process::Command;

const DIR: &str = "target/compat-route";

/// `cargo tree` of the fixture: the zmq and zmq-sys lines, and the warnings.
fn tree(dir: &Path) -> Result<(Vec<String>, String)> {
    let mut command = cargo();
    command
        .current_dir(dir)
        .args(["tree", "-e", "normal,build", "--prefix", "none"]);
    let (stdout, stderr) = quiet(&mut command)?;
    let mut zmq: Vec<String> = stdout
        .lines()
        .filter(|line| line.starts_with("zmq ") || line.starts_with("zmq-sys "))
        .map(|line| line.trim_end_matches(" (*)").to_owned())
        .collect();
    zmq.sort();
    zmq.dedup();
    Ok((zmq, stderr))
}

/// Runs a command, capturing both streams; a failure shows them.
fn quiet(command: &mut Command) -> Result<(String, String)> {
    let out = command
        .output()
        .map_err(|e| format!("could not start `{}`: {e}", describe(command)))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.success() {
        Ok((stdout, stderr))
    } else {
        Err(format!(
            "`{}` failed ({}):\n{stdout}{stderr}",
            describe(command),
            out.status
        ))
    }
}

pub fn route() -> Result {
    let root = root();
    let dir = root.join(DIR);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    // Its own `[workspace]`, so that cargo does not take it for a member of ours.
    let manifest = "[package]\nname = \"compat-route\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
                    publish = false\n\n[dependencies]\nzmq = \"0.10\"\nzmq-sys = \"0.12\"\n\n\
                    [workspace]\n";
    let write = |name: &str, text: &str| {
        fs::write(dir.join(name), text).map_err(|e| format!("{DIR}/{name}: {e}"))
    };
    write("Cargo.toml", manifest)?;
    write(
        "src/main.rs",
        "fn main() {\n    let (major, minor, patch) = zmq::version();\n    \
         println!(\"libzmq {major}.{minor}.{patch}\");\n    \
         let _ = zmq_sys::zmq_version;\n}\n",
    )?;

    // 1. The user's existing lock: rust-zmq from crates.io.
    quiet(cargo().current_dir(&dir).arg("generate-lockfile"))?;
    let (before, _) = tree(&dir)?;
    println!("compat-route: the lock from crates.io holds {before:?}");
    if before.iter().any(|line| line.contains('(')) || before.len() != 2 {
        return Err(format!(
            "expected zmq 0.10 and zmq-sys 0.12 from crates.io, got {before:?}"
        ));
    }

    // 2. The two patch lines of docs/migrating.md: with that lock, cargo ignores them.
    let patch = format!(
        "\n[patch.crates-io]\nzmq = {{ path = {:?} }}\nzmq-sys = {{ path = {:?} }}\n",
        root.display().to_string(),
        root.join("zmq-sys").display().to_string()
    );
    write("Cargo.toml", &format!("{manifest}{patch}"))?;
    let (ignored, warnings) = tree(&dir)?;
    let unused = warnings.matches("was not used in the crate graph").count();
    println!("compat-route: patched, before `cargo update`: {ignored:?} ({unused} patches unused)");

    // 3. The `--precise` update moves both crates to this repository.
    quiet(
        cargo()
            .current_dir(&dir)
            .args(["update", "-p", "zmq", "--precise", "0.10.1"]),
    )?;
    let (after, warnings) = tree(&dir)?;
    println!("compat-route: after `cargo update -p zmq --precise 0.10.1`: {after:?}");
    let ours = |line: &String| {
        line.contains(&format!("({})", root.display()))
            || line.contains(&format!("({})", root.join("zmq-sys").display()))
    };
    if after.len() != 2 || !after.iter().all(ours) || warnings.contains("was not used") {
        return Err(format!(
            "after the update, zmq and zmq-sys should both come from {}: got {after:?}\n{warnings}",
            root.display()
        ));
    }
    println!("compat-route: both patches apply");
    Ok(())
}
