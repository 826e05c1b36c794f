//! `test`, `pyenv` and `soak`.

use crate::util::{cargo, cmd, copy_of_self, have, output, root, run, Result};
use std::fs;
use std::io::Write;

/// The features of the full test run: every feature of the crate and both suite switches.
pub const FEATURES: &str = "full,test-pyzmq,test-netns";

const VENV: &str = "target/pyenv";
const REQUIREMENTS: &str = "tests/python/requirements.txt";

/// The python of `target/pyenv`, as the tests find it in `ZMQ_TEST_PYTHON`.
pub fn python() -> String {
    root().join(VENV).join("bin/python").display().to_string()
}

/// `cargo xtask test [args]`: with no argument, every suite and, at the same time, the
/// 2-minute soak (10 client processes); with arguments, only `cargo test` with them.
///
/// The soak starts first and the suites build and run beside it: the soak spends most
/// of its time waiting (it uses about a fifth of one core), so the build and the suites
/// fill the time it takes, and each must pass under the other's load.
pub fn test(args: &[String]) -> Result {
    let minutes = std::env::var("ZMQ_SOAK_MINUTES").unwrap_or_else(|_| "2".into());
    if !args.is_empty() || minutes == "0" {
        return suite(args);
    }
    // The venv (pip, mostly network and Python) while cargo builds the soak binary.
    let venv = std::thread::spawn(pyenv);
    let built = build_soak();
    let venv = venv
        .join()
        .unwrap_or_else(|_| Err("the pyenv thread panicked".into()));
    both(venv, built)?;
    println!("test: the {minutes}-minute soak runs beside the suites; its log is target/soak.log");
    // 10 client processes (100 clients), half the endurance run's: beside the suites, the
    // soak is a load and a smoke test, and each process costs the 2 cores ~1.7 CPU-s a
    // minute that the suites wait for.
    let args = [
        "--minutes".into(),
        minutes,
        "--processes".into(),
        "10".into(),
    ];
    let soak = std::thread::spawn(move || soak_prebuilt(&args, false));
    let suites = suite_command(&[]).and_then(|mut command| run(&mut command));
    let soak = soak
        .join()
        .unwrap_or_else(|_| Err("the soak thread panicked".into()));
    both(suites, soak)
}

/// Two results of work done side by side: both errors when both failed.
fn both(a: Result, b: Result) -> Result {
    match (a, b) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
        (Err(a), Err(b)) => Err(format!("{a}; and {b}")),
    }
}

/// The `cargo test` part of `test`: the pyzmq venv, then every test of the workspace.
pub fn suite(args: &[String]) -> Result {
    pyenv()?;
    run(&mut suite_command(args)?)
}

/// `cargo test` of the whole workspace with every suite switched on, each test binary and
/// doctest run under a deadline (xtask/src/deadline.rs).
fn suite_command(args: &[String]) -> Result<std::process::Command> {
    // Most tests spend their time waiting on sockets, timers and peer processes, not on
    // the CPU: 8 at a time take about a third of the wall time of the default (one per
    // core) on 2 cores. RUST_TEST_THREADS set by the caller wins.
    let threads = std::env::var("RUST_TEST_THREADS").unwrap_or_else(|_| "8".into());
    let mut command = cargo();
    command
        .args(["test", "--workspace", "--features", FEATURES])
        .args(args)
        .env("RUST_TEST_THREADS", threads)
        // The tests that run example binaries build them with this selection, so that
        // cargo finds them fresh (tests/common/examples.rs).
        .env(
            "ZMQ_TEST_CARGO_SELECTION",
            format!("--workspace --features {FEATURES}"),
        )
        .env("ZMQ_TEST_PYTHON", python())
        .env(runner_var()?, deadline_runner()?);
    Ok(command)
}

/// `CARGO_TARGET_<HOST>_RUNNER`: cargo's runner for the host target, which it also hands
/// to rustdoc for the doctests.
fn runner_var() -> Result<String> {
    let version = output(cmd("rustc").arg("-vV"))?;
    let host = version
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .ok_or("`rustc -vV` named no host")?;
    Ok(format!(
        "CARGO_TARGET_{}_RUNNER",
        host.to_uppercase().replace(['-', '.'], "_")
    ))
}

/// `<copy of this xtask> deadline`: a copy, because the test build may relink the xtask
/// binary while the runner is in use.
fn deadline_runner() -> Result<String> {
    // Cargo splits the runner variable at whitespace.
    if root().to_string_lossy().contains(char::is_whitespace) {
        return Err(format!(
            "the checkout's path has a space ({}): cargo cannot run tests through \
             `cargo xtask deadline` from there; move the checkout or run `cargo test`",
            root().display()
        ));
    }
    Ok(format!(
        "{} deadline",
        copy_of_self("xtask-deadline")?.display()
    ))
}

/// `cargo xtask soak [args]`: the endurance run (docs/scale-limits.md), `soak run [args]`
/// of perf/src/bin/soak.rs: one broker, a few hundred Lazy Pirate clients in separate
/// processes (sync, tokio and async-io in turn; about half over CURVE) connecting, sending, disconnecting
/// and reconnecting at random, two client processes SIGKILLed and restarted every minute;
/// samples every 10 s and one `FIGURE SOAK ...` line; PASS/FAIL is the exit status.
///
/// `--minutes N` (default 30; CI: 2), `--processes P`, `--clients-per-process K`, ... go to
/// `soak run`. The samples and stats land in target/soak/, the log in target/soak.log, the
/// FIGURE line in target/soak.figure.
pub fn soak(args: &[String]) -> Result {
    build_soak()?;
    soak_prebuilt(args, true)
}

/// The soak binary, built with the suites' cargo selection, so that it and the tests share
/// one build of the zmq crate.
fn build_soak() -> Result {
    run(cargo()
        .args(["build", "-q", "--workspace", "--features", FEATURES])
        .args(["--bin", "soak"]))
}

/// The soak with the binary built; `echo`: its output on the terminal as well as in
/// target/soak.log (otherwise only the FIGURE line and the result are printed, at the end).
fn soak_prebuilt(args: &[String], echo: bool) -> Result {
    let target = root().join("target");
    let dir = target.join("soak");
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Run a copy: a rebuild during the run must not pull the binary from under the
    // processes it restarts.
    let bin = target.join("soak-bin");
    fs::copy(target.join("debug/soak"), &bin)
        .map_err(|e| format!("copying the soak binary: {e}"))?;
    let mut child = cmd(&bin.to_string_lossy())
        .arg("run")
        .arg("--dir")
        .arg(&dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", bin.display()))?;
    // Like `tee`: the output on the terminal and in target/soak.log.
    let mut log =
        fs::File::create(target.join("soak.log")).map_err(|e| format!("target/soak.log: {e}"))?;
    let mut figure = String::new();
    let stdout = child.stdout.take().expect("piped stdout");
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let line = line.map_err(|e| format!("reading the soak's output: {e}"))?;
        if echo {
            println!("{line}");
        }
        let _ = writeln!(log, "{line}");
        if line.starts_with("FIGURE SOAK ") {
            figure.push_str(&line);
            figure.push('\n');
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    fs::write(target.join("soak.figure"), &figure)
        .map_err(|e| format!("target/soak.figure: {e}"))?;
    if !echo {
        print!("{figure}");
    }
    if status.success() {
        if !echo {
            println!("soak: PASS");
        }
        Ok(())
    } else {
        Err(format!("the soak failed ({status}): see target/soak.log"))
    }
}

/// `cargo xtask pyenv`: makes `target/pyenv`, a virtualenv with the pinned pyzmq the
/// interop tests talk to. Does nothing when the pinned versions are already installed.
pub fn pyenv() -> Result {
    let venv = root().join(VENV);
    let stamp = venv.join(".requirements");
    let wanted = fs::read(root().join(REQUIREMENTS)).map_err(|e| format!("{REQUIREMENTS}: {e}"))?;
    if venv.join("bin/python").is_file() && fs::read(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(());
    }
    if !have("python3") {
        return Err("python3 is needed for the interop tests (Debian: python3-venv)".into());
    }
    fs::create_dir_all(root().join("target")).map_err(|e| e.to_string())?;
    let pip = [
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-r",
        REQUIREMENTS,
    ];
    let with_pip = cmd("python3")
        .args(["-m", "venv", "--clear", VENV])
        .output()
        .map_err(|e| format!("python3 -m venv: {e}"))?;
    if with_pip.status.success() {
        run(cmd(&python()).args(["-m", "pip"]).args(pip))?;
    } else {
        // A Python without ensurepip (Debian without python3-venv): a virtualenv without
        // pip, filled by the system's pip (>= 22.3 for --python).
        run(cmd("python3").args(["-m", "venv", "--clear", "--without-pip", VENV]))?;
        run(cmd("python3")
            .args(["-m", "pip", "--python", &python()])
            .args(pip))
        .map_err(|e| {
            format!(
                "{e}\ncould not install {REQUIREMENTS} into {VENV}: install python3-venv \
                 (Debian) or pip >= 22.3, or point ZMQ_TEST_PYTHON at a python with pyzmq\n\
                 python3 -m venv said: {}",
                String::from_utf8_lossy(&with_pip.stderr).trim()
            )
        })?;
    }
    let version = output(cmd(&python()).args([
        "-c",
        "import zmq; print('pyzmq', zmq.__version__, 'libzmq', zmq.zmq_version(), \
         'curve', zmq.has('curve'))",
    ]))?;
    println!("pyenv: {}", version.trim());
    fs::write(stamp, wanted).map_err(|e| e.to_string())
}
