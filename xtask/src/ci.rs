//! `ci`: what CI runs (`.ci/run` calls it), step by step, with the seconds of each.
//!
//! The README's test command comes first, run exactly as the README gives it
//! (`cargo xtask test`: every test, with the 2-minute soak beside them); the other checks
//! follow; the loom models run from the start in a second process beside the rest, and the
//! scale smoke test, plain `cargo test` and the packaging check from the end of the test
//! step in three more (`SIDE`).
//!
//! Build sharing: every step but `loom` and `package` uses the one `target/` and the dev
//! profile, and the test build's cargo selection (`--workspace --features` [`FEATURES`])
//! where it can:
//! the plain step, the docs and the scale smoke test reuse its build-script runs, so
//! libzmq and libsodium are compiled once, for the tests. The two clippy builds (the
//! bindings check, zmq-sys with `bindgen`; and the workspace's, whose build scripts
//! clippy's driver compiles anew) link nothing, and take `zmq.h` from the test build
//! (`ZMQ_SYS_HEADERS_ONLY`, xtask/src/bindings.rs). The loom models (`--cfg loom`
//! for every crate: a build of their own) and the packaged crates' build (new packages to
//! cargo) link the system libzmq and libsodium (Debian's) instead of compiling them again:
//! what they check is Rust code.

use crate::tests::FEATURES;
use crate::util::{cargo, cmd, copy_of_self, have, root, run, system_libs, Result, SYSTEM};
use std::fs;
use std::path::Path;
use std::time::Instant;

/// The steps, in order: name and what it does.
const STEPS: &[(&str, &str)] = &[
    (
        "test",
        "the README's test command, as written: cargo xtask test (every suite, the soak beside them)",
    ),
    (
        "plain",
        "plain `cargo test`, as a fresh clone runs it: default features, no suite switched on",
    ),
    ("fmt", "cargo fmt --check"),
    (
        "bindings",
        "zmq-sys/src/bindings.rs is what bindgen makes (regen-bindings --check); clippy of that build",
    ),
    (
        "clippy",
        "clippy -D warnings: the workspace with the suites' features (bindgen's in `bindings`)",
    ),
    ("doc", "cargo doc without warnings, the suites' features"),
    (
        "msrv",
        "every package of the build graph fits the declared rust-version",
    ),
    (
        "compat-route",
        "zmq 0.10 + zmq-sys 0.12 from crates.io, patched, resolve to this repository",
    ),
    (
        "czmq",
        "certificates interoperate with czmq (Debian's libczmq-dev)",
    ),
    (
        "package",
        "cargo package --workspace; zmq and zmq-sys built from their tarballs (system libzmq)",
    ),
    (
        "loom",
        "loom models of the async readiness core (src/rt; preemption bound 3; `cargo xtask loom` runs 4)",
    ),
    (
        "scale",
        "scale harness smoke test: cargo xtask scale --quick",
    ),
];

/// Steps that a full run starts in a process of their own, beside the others, each group
/// once the step it names has passed ("" = at the start); their output goes to
/// `target/ci-side-<steps>.log` and is printed at the end.
/// - The loom models build in a target directory of their own (no wait on cargo's lock)
///   and fill the cores that the test step leaves idle while its suites and soak wait.
/// - The scale smoke test mostly waits on its peers' sockets; beside the checks that
///   follow the test step (compilers, mostly) it fills their idle time. Its build is the
///   test step's (its cargo waits on the lock while another step compiles, and cargo lets
///   the lock go while tests run).
/// - Plain `cargo test` compiles for ~13 s and then mostly waits on its suites' sockets,
///   which the checks' compilers fill.
/// - The packaged crates build in a target directory of their own, so they compile while
///   the plain step's suites and the scale test wait.
const SIDE: &[(&str, &[&str])] = &[
    ("", &["loom"]),
    ("test", &["scale"]),
    ("test", &["plain"]),
    ("test", &["package"]),
];

/// Whether a full run leaves `step` to a side group.
fn on_the_side(step: &str) -> bool {
    SIDE.iter().any(|(_, steps)| steps.contains(&step))
}

fn step(name: &str) -> Result {
    match name {
        // Exactly the README's command, in a process of its own.
        "test" => run(cmd("cargo").args(["xtask", "test"])),
        // Without the test step's variables (pyzmq's Python, the test runner): what a user
        // who has neither Python nor root gets. With the test step's 8 test threads, not
        // one per core: the suites mostly wait, so on 2 cores this halves the step's
        // test time (core 26 s -> 14 s), and fewer threads only load the tests less.
        "plain" => run(cargo()
            .arg("test")
            .env("RUST_TEST_THREADS", "8")
            .env_remove("ZMQ_TEST_PYTHON")
            .env_remove("ZMQ_TEST_CARGO_SELECTION")),
        "fmt" => run(cargo().args(["fmt", "--all", "--", "--check"])),
        // The check runs on a clippy build (`-D warnings`) of zmq-sys with `bindgen`, which
        // lints that feature's code with the same build-script run. It stays out of the
        // workspace's clippy run: bindgen's build dependencies (syn with more features,
        // among others) would rebuild much of the graph there, libzmq included.
        "bindings" => crate::bindings::check_linted(),
        // The test build's selection, so its dependencies' features. clippy's driver
        // compiles the workspace's build scripts too, so zmq-sys's runs again: it takes
        // `zmq.h` from the test build (`ZMQ_SYS_HEADERS_ONLY`, as the bindings step does)
        // instead of compiling libzmq a second time (about 45 CPU-seconds); a clippy build
        // links nothing.
        "clippy" => {
            let mut command = cargo();
            crate::bindings::use_built_headers(&mut command, "clippy");
            run(command
                .args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--features",
                    FEATURES,
                ])
                .args(["--", "-D", "warnings"]))
        }
        "doc" => run(cargo()
            .args(["doc", "--workspace", "--no-deps", "--features", FEATURES])
            .env("RUSTDOCFLAGS", "-D warnings")),
        "msrv" => crate::msrv::check(),
        "compat-route" => crate::compat::route(),
        "czmq" => crate::czmq::certs(),
        "package" => {
            // cargo unpacks the packaged crates of its temporary registry under a directory
            // keyed by name and version only, and reuses it on the next run: drop what an
            // earlier run left so the current sources are verified.
            let home = std::env::var("CARGO_HOME").unwrap_or_else(|_| {
                format!("{}/.cargo", std::env::var("HOME").unwrap_or_default())
            });
            if let Ok(registries) = fs::read_dir(format!("{home}/registry/src")) {
                for registry in registries.flatten() {
                    if !registry.file_name().to_string_lossy().starts_with('-') {
                        continue;
                    }
                    for krate in fs::read_dir(registry.path())
                        .into_iter()
                        .flatten()
                        .flatten()
                    {
                        let name = krate.file_name().to_string_lossy().into_owned();
                        if name == "zmq-0.10.1" || name.starts_with("zmq-sys-0.12.1+") {
                            let _ = fs::remove_dir_all(krate.path());
                        }
                    }
                }
            }
            // Every package of the workspace packages; the two published ones are then
            // built from their tarballs. (Verifying the unpublished perf and compat crates
            // too checks nothing a user downloads.) The tarballs are built against the
            // system libzmq and libsodium: what a tarball must carry is Rust code and the
            // build script, every module of which compiles either way; the vendored C build
            // is the same build script and crates that the test step ran from the tree.
            // Built vendored, each packaged zmq-sys (one for itself, one from cargo's
            // temporary registry for zmq) compiled libzmq again: about 80 s of CI.
            run(cargo()
                .args(["package", "--workspace", "--exclude", "xtask", "--locked"])
                .arg("--no-verify"))?;
            // In a target directory of its own: with the system libraries' variables, the
            // build scripts of the shared target/debug would run again here, and once more
            // (compiling libsodium and libzmq) in the next build without them. And cargo
            // hashes a path package by its path relative to its workspace's root, so the
            // tarball's zmq (the root of its verify build) and the workspace's zmq (the
            // root here) would overwrite each other's build script.
            system_libs()?;
            run(cargo()
                .args(["package", "-p", "zmq-sys", "-p", "zmq", "--locked"])
                .env("CARGO_TARGET_DIR", root().join("target/package-check"))
                // Each tarball is verified as the root of a workspace of its own, whose
                // profiles are its manifest's: zmq's gives the dependencies line tables
                // only (a `package."*"` override, which cargo hashes into their metadata),
                // zmq-sys's has none. The same override for both builds lets the second
                // reuse the first's dependencies (54 crates compiled once, not twice).
                .args([
                    "--config",
                    "profile.dev.package.\"*\".debug=\"line-tables-only\"",
                ])
                .envs(SYSTEM.iter().copied()))
        }
        "loom" => crate::loom::run_models(Some(crate::loom::CI_PREEMPTIONS)),
        "scale" => crate::scale::scale(&["--quick".into()]),
        other => Err(format!("unknown step `{other}`")),
    }
}

/// `cargo xtask ci [--list | --only a,b]`.
pub fn ci(args: &[String]) -> Result {
    let only: Option<Vec<String>> = match args {
        [] => None,
        [flag] if flag == "--list" => {
            for (name, what) in STEPS {
                println!("{name:13} {what}");
            }
            return Ok(());
        }
        [flag, names] if flag == "--only" => Some(names.split(',').map(String::from).collect()),
        _ => return Err("usage: cargo xtask ci [--list | --only step,step]".into()),
    };
    if let Some(unknown) = only
        .iter()
        .flatten()
        .find(|name| !STEPS.iter().any(|(step, _)| step == name))
    {
        return Err(format!(
            "unknown step `{unknown}`; `cargo xtask ci --list` names them"
        ));
    }
    let start = Instant::now();
    let mut times = Vec::new();
    let mut failure = None;
    // The side groups run a copy of this binary: the test step's build may relink it.
    let side_exe = match only {
        Some(_) => None,
        None => Some(copy_of_self("xtask-ci")?),
    };
    // Side groups started, with when they started.
    let mut side = Vec::new();
    let start_side_after = |after: &str, side: &mut Vec<_>| -> Result {
        let Some(exe) = &side_exe else {
            return Ok(());
        };
        for (_, steps) in SIDE.iter().filter(|(a, _)| *a == after) {
            side.push((
                steps,
                start_side(exe, steps, after.is_empty())?,
                Instant::now(),
            ));
        }
        Ok(())
    };
    if let Err(e) = start_side_after("", &mut side) {
        failure = Some(e);
    }
    for (name, what) in STEPS.iter().filter(|_| failure.is_none()) {
        if only.as_ref().is_some_and(|o| !o.iter().any(|n| n == name)) {
            continue;
        }
        if only.is_none() && on_the_side(name) {
            continue;
        }
        println!("\n=== {name}: {what} (at {} s)", start.elapsed().as_secs());
        let began = Instant::now();
        let cpu = children_cpu();
        let result = step(name);
        times.push((
            name.to_string(),
            began.elapsed().as_secs_f64(),
            cpu_since(cpu),
            result.is_ok(),
        ));
        if let Err(e) = result {
            failure = Some(format!("step `{name}`: {e}"));
            break;
        }
        if let Err(e) = start_side_after(name, &mut side) {
            failure = Some(e);
            break;
        }
    }
    if only.is_none() {
        for (after, steps) in SIDE {
            if !side.iter().any(|(started, _, _)| *started == steps) {
                println!(
                    "\n=== {}: not run (it starts once `{after}` has passed)",
                    steps.join(", ")
                );
            }
        }
    }
    for (steps, child, began) in side {
        println!(
            "\n=== {} (beside the others, from {} s): {}",
            steps.join(", "),
            (began - start).as_secs(),
            side_log(steps)
        );
        let cpu = children_cpu();
        let result = finish_side(steps, child);
        let name = format!("{} (beside; joined at the end)", steps.join(","));
        times.push((
            name,
            began.elapsed().as_secs_f64(),
            cpu_since(cpu),
            result.is_ok(),
        ));
        if let Err(e) = result {
            failure.get_or_insert(e);
        }
    }
    println!("\n=== CI steps (seconds: wall, and CPU of the step's processes, user + system)");
    let show = |cpu: Option<f64>| cpu.map_or_else(|| "-".into(), |cpu| format!("{cpu:.1}"));
    for (name, seconds, cpu, ok) in &times {
        println!(
            "{name:13} {seconds:7.1} {:>7}{}",
            show(*cpu),
            if *ok { "" } else { "  FAILED" }
        );
    }
    println!(
        "{:13} {:7.1} {:>7}",
        "total",
        start.elapsed().as_secs_f64(),
        show(children_cpu())
    );
    failure.map_or(Ok(()), Err)
}

/// CPU seconds (user + system) of this process's children that have been waited for, from
/// `/proc/self/stat` (`None` where there is none): around a step, the CPU its processes
/// took.
fn children_cpu() -> Option<f64> {
    let ticks = |stat: &str| -> Option<f64> {
        // The fields after the command name, which is in parentheses and may hold spaces:
        // cutime and cstime are the 16th and 17th fields of the line, so the 14th and 15th
        // after the name.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let user: f64 = fields.get(13)?.parse().ok()?;
        let system: f64 = fields.get(14)?.parse().ok()?;
        Some(user + system)
    };
    // Clock ticks per second: USER_HZ, 100 on x86 and the other common architectures.
    fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| ticks(&stat))
        .map(|t| t / 100.0)
}

/// The CPU seconds of the children waited for since `before` was read.
fn cpu_since(before: Option<f64>) -> Option<f64> {
    Some(children_cpu()? - before?)
}

/// Where a side group's output goes.
fn side_log(steps: &[&str]) -> String {
    format!("target/ci-side-{}.log", steps.join("-"))
}

/// Starts `<exe> ci --only <steps>` with its output in its [`side_log`] (`at_start`: the
/// group starts with the run). `exe` is a copy of the xtask binary, not `cargo xtask`,
/// which would wait on the lock of the build in progress.
fn start_side(exe: &Path, steps: &[&str], at_start: bool) -> Result<std::process::Child> {
    let path = side_log(steps);
    let log = fs::File::create(root().join(&path)).map_err(|e| format!("{path}: {e}"))?;
    let err = log.try_clone().map_err(|e| format!("{path}: {e}"))?;
    // The groups that start with the run yield the CPU to the test step's build, which is
    // the run's critical path (libsodium, then libzmq, then the soak binary), and take
    // what it leaves idle (`nice`, where there is one).
    let mut command = if at_start && have("nice") {
        let mut nice = cmd("nice");
        nice.args(["-n", "19"]).arg(exe);
        nice
    } else {
        cmd(&exe.to_string_lossy())
    };
    command
        .args(["ci", "--only", &steps.join(",")])
        .stdout(log)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("could not start the side steps: {e}"))
}

/// Waits for a side group and prints its log.
fn finish_side(steps: &[&str], mut child: std::process::Child) -> Result {
    let status = child.wait().map_err(|e| format!("the side steps: {e}"))?;
    let path = side_log(steps);
    print!(
        "{}",
        fs::read_to_string(root().join(&path)).unwrap_or_default()
    );
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "side steps {} failed ({status}): see {path}",
            steps.join(",")
        ))
    }
}
