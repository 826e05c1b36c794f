//! `czmq-certs`: certificates made by this crate load in czmq, and czmq's load here: keys and
//! metadata compared both ways, public and secret files. czmq's side is
//! tests/czmq/cert_tool.c against Debian's libczmq-dev (installed here when run as root, as
//! CI is); ours is examples/curve_cert.rs. pyzmq's side is tests/security/certs.rs, in the
//! test suite.

use crate::util::{apt_install, cargo, cmd, output, run, Result};
use std::fs;
use std::os::unix::fs::PermissionsExt;

pub fn certs() -> Result {
    let pkg_config = |args: &[&str]| output(cmd("pkg-config").args(args));
    if pkg_config(&["--exists", "libczmq"]).is_err() {
        apt_install(&["libczmq-dev", "pkgconf"], "czmq is missing")?;
    }
    fs::create_dir_all("target/czmq").map_err(|e| e.to_string())?;
    let czmq = "target/czmq/cert_tool";
    let flags = pkg_config(&["--cflags", "--libs", "libczmq", "libzmq"])?;
    run(cmd("cc")
        .args(["-O1", "-Wall", "-Wextra", "-Werror", "-o", czmq])
        .arg("tests/czmq/cert_tool.c")
        .args(flags.split_whitespace()))?;
    run(cargo().args([
        "build",
        "-q",
        "--example",
        "curve_cert",
        "--features",
        "full",
    ]))?;
    let ours = "target/debug/examples/curve_cert";

    let dir = std::env::temp_dir().join(format!("xtask-czmq-{}", std::process::id()));
    fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = compare(ours, czmq, &dir.display().to_string());
    let _ = fs::remove_dir_all(&dir);
    let failures = result?;
    let version = pkg_config(&["--modversion", "libczmq"])?;
    println!(
        "FIGURE czmq-certs czmq={} checks=5 failures={failures}",
        version.trim()
    );
    if failures == 0 {
        Ok(())
    } else {
        Err(format!("{failures} of 5 checks failed"))
    }
}

/// Runs the five checks; returns how many failed.
fn compare(ours: &str, czmq: &str, dir: &str) -> Result<u32> {
    let mut failures = 0;
    let mut same = |what: &str, expected: &str, actual: &str| {
        // Compared as a shell's `$(...)` would: without trailing newlines.
        let (expected, actual) = (expected.trim_end(), actual.trim_end());
        if expected == actual {
            println!("ok: {what}");
        } else {
            println!("FAILED: {what}\n--- expected\n{expected}\n--- actual\n{actual}");
            failures += 1;
        }
    };
    let public_part = |text: &str| -> String {
        text.lines()
            .filter(|line| !line.starts_with("secret-key:"))
            .map(|line| format!("{line}\n"))
            .collect()
    };
    let tool = |program: &str, args: &[&str]| output(cmd(program).args(args));

    let key = format!("{dir}/rust.key");
    let secret = format!("{key}_secret");
    let meta = [
        "name=interop",
        "email=ops team@example.org",
        "said=he said \"hi\"",
    ];
    let made = tool(ours, &[&["new", key.as_str()][..], &meta[..]].concat())?;
    same(
        "czmq loads our secret file",
        &made,
        &tool(czmq, &["show", "--secret", &secret])?,
    );
    same(
        "czmq loads our public file",
        &public_part(&made),
        &tool(czmq, &["show", &key])?,
    );
    let mode = fs::metadata(&secret)
        .map_err(|e| format!("{secret}: {e}"))?
        .permissions()
        .mode()
        & 0o777;
    same("our secret file is private", "600", &format!("{mode:o}"));

    // czmq 4.2 writes a value holding `"` unreadably (see src/auth/cert.rs), so none here.
    let key = format!("{dir}/czmq.key");
    let secret = format!("{key}_secret");
    let made = tool(
        czmq,
        &[
            "new",
            &key,
            "name=interop",
            "email=ops team@example.org",
            "said=it's",
        ],
    )?;
    same(
        "we load czmq's secret file",
        &made,
        &tool(ours, &["show", "--secret", &secret])?,
    );
    same(
        "we load czmq's public file",
        &public_part(&made),
        &tool(ours, &["show", &key])?,
    );
    Ok(failures)
}
