//! Running commands and small file helpers shared by the tasks.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a task returns: a message for the user on failure.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ has a parent")
        .to_path_buf()
}

/// A command, run from the workspace root.
pub fn cmd(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root());
    command
}

/// `cargo` as the one running xtask (`$CARGO`), so that `+toolchain` carries over.
pub fn cargo() -> Command {
    cmd(&std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// How a command reads in messages: program and arguments.
pub fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs a command with inherited stdio; a non-zero exit is an error naming it.
pub fn run(command: &mut Command) -> Result {
    let status = command
        .status()
        .map_err(|e| format!("could not start `{}`: {e}", describe(command)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(command)))
    }
}

/// Runs a command and returns its stdout (stderr inherited); a non-zero exit is an error.
pub fn output(command: &mut Command) -> Result<String> {
    let out = command
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("could not start `{}`: {e}", describe(command)))?;
    if !out.status.success() {
        return Err(format!("`{}` failed ({})", describe(command), out.status));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("`{}` printed non-UTF-8", describe(command)))
}

/// Whether `program` is on the PATH.
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

/// Installs Debian packages when running as root with apt-get (as CI does); otherwise an
/// error saying what to install.
pub fn apt_install(packages: &[&str], why: &str) -> Result {
    let root_user = output(cmd("id").arg("-u")).is_ok_and(|uid| uid.trim() == "0");
    if !root_user || !have("apt-get") {
        return Err(format!(
            "{why}: install {} (Debian) and rerun",
            packages.join(" ")
        ));
    }
    let install = || {
        cmd("apt-get")
            // Wait for another install (a side step's) instead of failing on dpkg's lock.
            .args(["-o", "DPkg::Lock::Timeout=300", "install", "-y", "-q"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if install() {
        return Ok(());
    }
    let _ = cmd("apt-get")
        .args(["-o", "DPkg::Lock::Timeout=300", "update", "-q"])
        .stdout(Stdio::null())
        .status();
    if install() {
        Ok(())
    } else {
        Err(format!(
            "{why}: `apt-get install {}` failed",
            packages.join(" ")
        ))
    }
}

/// Parses one line of cargo's `--message-format=json` output (None for other lines).
pub fn cargo_message(line: &str) -> Option<serde_json::Value> {
    line.starts_with('{')
        .then(|| serde_json::from_str(line).ok())
        .flatten()
}

/// bindgen needs libclang: installed when missing (as root with apt-get), else an error.
pub fn apt_libclang() -> Result {
    let cache = output(cmd("ldconfig").arg("-p")).unwrap_or_default();
    let found = cache.lines().any(|line| {
        let name = line.trim_start();
        name.starts_with("libclang.so")
            || name
                .strip_prefix("libclang-")
                .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    });
    if found {
        Ok(())
    } else {
        apt_install(&["libclang-dev"], "bindgen needs libclang")
    }
}

/// The system libzmq and libsodium, for the builds that need not compile them again.
pub fn system_libs() -> Result {
    let have = |lib: &str| {
        cmd("pkg-config")
            .args(["--exists", lib])
            .status()
            .is_ok_and(|s| s.success())
    };
    if have("libzmq") && have("libsodium") {
        return Ok(());
    }
    apt_install(
        &["libzmq3-dev", "libsodium-dev", "pkgconf"],
        "the loom models and the packaged crates' build link the system libzmq and libsodium",
    )
}

/// Env for a build against the system libzmq and libsodium (zmq-sys, libsodium-sys-stable).
pub const SYSTEM: &[(&str, &str)] = &[("ZMQ_SYS_NO_VENDOR", "1"), ("SODIUM_USE_PKG_CONFIG", "1")];

/// A copy of this xtask binary as `target/<name>`, for the programs that run it later:
/// cargo may relink `target/debug/xtask` meanwhile (a test build does), and the running
/// binary's path then names a deleted file.
pub fn copy_of_self(name: &str) -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| format!("the xtask binary: {e}"))?;
    let copy = root().join("target").join(name);
    // Copied under a name of its own, then renamed over the old copy, which another run
    // may be executing (a running file cannot be overwritten, but it can be replaced).
    let fresh = root().join(format!("target/{name}.{}", std::process::id()));
    std::fs::copy(&exe, &fresh).map_err(|e| format!("copying {}: {e}", exe.display()))?;
    std::fs::rename(&fresh, &copy).map_err(|e| format!("{}: {e}", copy.display()))?;
    Ok(copy)
}
