//! Building and finding this package's example binaries from a test.

use std::path::PathBuf;
use std::process::Command;

/// Builds (if needed) and returns the path of an example binary, with the features and
/// profile this test was built with (so nothing is rebuilt). `cargo test` builds the
/// examples anyway; this makes `cargo test --test <name>` work on its own too.
///
/// `cargo xtask test` builds the whole workspace, where the other packages add features to
/// this crate's dependencies: it names its selection in `ZMQ_TEST_CARGO_SELECTION`
/// (`--workspace --features ...`), and the example is built with exactly that, or cargo
/// would build the crate a second time with another feature set.
pub fn example_binary(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--quiet", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    match std::env::var("ZMQ_TEST_CARGO_SELECTION") {
        Ok(selection) => {
            cmd.args(selection.split_whitespace());
        }
        Err(_) => {
            let features: Vec<&str> = [
                ("draft", cfg!(feature = "draft")),
                ("tokio", cfg!(feature = "tokio")),
                ("async-io", cfg!(feature = "async-io")),
                ("bytes", cfg!(feature = "bytes")),
                ("serde", cfg!(feature = "serde")),
                ("test-pyzmq", cfg!(feature = "test-pyzmq")),
                ("test-netns", cfg!(feature = "test-netns")),
            ]
            .into_iter()
            .filter_map(|(feature, on)| on.then_some(feature))
            .collect();
            if !features.is_empty() {
                cmd.args(["--features", &features.join(",")]);
            }
        }
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
