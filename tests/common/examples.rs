//! Building and finding this package's example binaries from a test.

use std::path::PathBuf;
use std::process::Command;

/// Builds (if needed) and returns the path of an example binary, with the features and
/// profile this test was built with (so nothing else is rebuilt). `cargo test` builds the
/// examples anyway; this makes `cargo test --test <name>` work on its own too.
pub fn example_binary(name: &str) -> PathBuf {
    let mut features = Vec::new();
    if cfg!(feature = "draft") {
        features.push("draft");
    }
    if cfg!(feature = "tokio") {
        features.push("tokio");
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if !features.is_empty() {
        cmd.args(["--features", &features.join(",")]);
    }
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("run cargo build --example");
    assert!(status.success(), "cargo build --example {name} failed");
    // target/<profile>/deps/<test>-<hash> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("current test binary");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test binaries live in target/<profile>/deps");
    let path = profile_dir.join("examples").join(name);
    assert!(path.exists(), "{} was not built", path.display());
    path
}
