//! Building the programs the harnesses measure, and the facts about the machine a report
//! states. Shared by `perf` and `scale`.
//!
//! - [`build_ours`]: this crate's perf and scale tools (package `zmq-perf`, release mode);
//!   it returns where zmq-sys's build script left the static libzmq it compiled;
//! - [`build_c_tools`]: libzmq's own perf tools (`perf/*.cpp` of the `zeromq-src` crate
//!   in cargo's registry, the very source zmq-sys compiles), linked against that
//!   `libzmq.a`, into `target/perf/c`;
//! - [`build_generated`]: a Cargo project written under `target/perf/<name>` (other
//!   crates' builds of the tools: rust-zmq, zmq.rs), with its own lock file and target.

use crate::util::{cargo, cargo_message, describe, output, root, run, Result};
use std::ffi::OsString;
use std::fmt::Display;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// The harnesses' scratch directory, `target/perf`: generated projects, the C tools, raw
/// results, quick reports.
pub fn work_dir() -> PathBuf {
    root().join("target").join("perf")
}

/// Where `cargo build --release` leaves this workspace's binaries.
pub fn release_dir() -> PathBuf {
    root().join("target").join("release")
}

/// A progress line on stderr (stdout carries the report).
pub fn log(message: impl Display) {
    eprintln!("{message}");
}

/// Runs a command with inherited stdio after logging it as `$ program args`.
pub fn run_logged(command: &mut Command) -> Result {
    log(format_args!("$ {}", describe(command)));
    run(command)
}

/// A compiler from the environment (`CC`, `CXX`), or the default name.
pub fn compiler(variable: &str, default: &str) -> String {
    std::env::var(variable)
        .ok()
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// What zmq-sys's build script reported: where it put libzmq (and libsodium).
#[derive(Debug, Clone)]
pub struct BuildFacts {
    /// The build script's `cargo:rustc-link-search` directories (kind prefix removed).
    pub linked_paths: Vec<PathBuf>,
    /// Its `OUT_DIR`, which holds the `platform.hpp` libzmq was compiled with.
    pub out_dir: PathBuf,
}

impl BuildFacts {
    /// The static libraries to link a C or C++ libzmq program with: `libzmq.a`, then
    /// `libsodium.a` when the build made one; an error when there is no `libzmq.a`.
    pub fn static_libs(&self) -> Result<Vec<PathBuf>> {
        let find = |name: &str| {
            self.linked_paths
                .iter()
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        };
        let zmq = find("libzmq.a").ok_or("zmq-sys's libzmq.a was not found in its link paths")?;
        Ok(std::iter::once(zmq).chain(find("libsodium.a")).collect())
    }
}

/// Builds this crate's tools (`cargo build --release -p zmq-perf`) and returns zmq-sys's
/// build-script facts, read from cargo's JSON messages.
pub fn build_ours() -> Result<BuildFacts> {
    let mut command = cargo();
    command.args(["build", "--release", "-p", "zmq-perf"]);
    build_with_facts(command)
}

/// Where the dev profile leaves this workspace's binaries.
pub fn dev_dir() -> PathBuf {
    root().join("target").join("debug")
}

/// Builds one binary of the perf crate in the dev profile, with the test suite's cargo
/// selection (`--workspace --features ...` of `cargo xtask test`), so that what the tests
/// built is reused; returns zmq-sys's build-script facts. For smoke tests, whose figures
/// mean nothing.
pub fn build_ours_dev(bin: &str) -> Result<BuildFacts> {
    let mut command = cargo();
    command
        .args(["build", "--workspace", "--features", crate::tests::FEATURES])
        .args(["--bin", bin]);
    build_with_facts(command)
}

fn build_with_facts(mut command: Command) -> Result<BuildFacts> {
    command.arg("--message-format=json");
    log(format_args!("$ {}", describe(&command)));
    let messages = output(&mut command)?;
    zmq_sys_facts(&messages)
        .ok_or_else(|| "could not find zmq-sys's build output in cargo's messages".to_string())
}

/// The last `build-script-executed` message of zmq-sys in cargo's JSON output.
fn zmq_sys_facts(messages: &str) -> Option<BuildFacts> {
    messages
        .lines()
        .filter_map(cargo_message)
        .rfind(|m| {
            m["reason"] == "build-script-executed"
                && m["package_id"]
                    .as_str()
                    .is_some_and(|id| id.contains("zmq-sys"))
        })
        .map(|m| BuildFacts {
            linked_paths: m["linked_paths"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str())
                .map(|p| PathBuf::from(p.split_once('=').map_or(p, |(_, path)| path)))
                .collect(),
            out_dir: PathBuf::from(m["out_dir"].as_str().unwrap_or_default()),
        })
}

/// The libzmq source tree zmq-sys compiles: the `zeromq-src` crate it pins, as unpacked
/// in cargo's registry.
#[derive(Debug, Clone)]
pub struct LibzmqSource {
    /// The pinned `zeromq-src` version (`0.3.6`).
    pub pinned: String,
    /// Its `vendor/` directory: libzmq's tree (`include/`, `src/`, `perf/`).
    pub vendor: PathBuf,
}

/// Finds the `zeromq-src` that zmq-sys/Cargo.toml pins (`zeromq-src = ... "=x.y.z"`) in
/// cargo's registry (`$CARGO_HOME`, else `~/.cargo`).
pub fn libzmq_source() -> Result<LibzmqSource> {
    let manifest_path = root().join("zmq-sys").join("Cargo.toml");
    let manifest = fs::read_to_string(&manifest_path)
        .map_err(|e| format!("cannot read {}: {e}", manifest_path.display()))?;
    let pinned = pinned_version(&manifest, "zeromq-src")
        .ok_or("zmq-sys/Cargo.toml does not pin zeromq-src with =x.y.z")?;
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let prefix = format!("zeromq-src-{pinned}+");
    let mut found: Vec<PathBuf> = fs::read_dir(home.join("registry").join("src"))
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|index| fs::read_dir(index.path()).into_iter().flatten().flatten())
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect();
    found.sort();
    let Some(unpacked) = found.pop() else {
        return Err(format!(
            "zeromq-src {pinned} is not in cargo's registry ({}); run cargo build first",
            home.display()
        ));
    };
    let vendor = unpacked.join("vendor");
    if !vendor.join("perf").is_dir() {
        return Err(format!("{} has no perf/ directory", vendor.display()));
    }
    Ok(LibzmqSource { pinned, vendor })
}

/// The `x.y.z` of a `name = ... "=x.y.z"` line of a manifest.
fn pinned_version(manifest: &str, name: &str) -> Option<String> {
    manifest
        .lines()
        .filter(|line| line.starts_with(name))
        .filter_map(|line| line.split_once("\"=")?.1.split_once('"'))
        .map(|(version, _)| version.to_string())
        .rfind(|version| !version.is_empty())
}

/// libzmq's C++ perf tools, in the order the harness knows them.
pub const C_TOOLS: [&str; 6] = [
    "local_thr",
    "remote_thr",
    "local_lat",
    "remote_lat",
    "inproc_thr",
    "inproc_lat",
];

/// Where [`build_c_tools`] puts libzmq's perf tools: `target/perf/c`.
pub fn c_tools_dir() -> PathBuf {
    work_dir().join("c")
}

/// How a report names the C tools' libzmq (`libzmq 4.3.5 from zeromq-src 0.3.6`).
pub fn c_source_label(source: &LibzmqSource) -> String {
    format!("libzmq 4.3.5 from zeromq-src {}", source.pinned)
}

/// Compiles libzmq's `perf/*.cpp` against the `libzmq.a` zmq-sys built, into
/// [`c_tools_dir`]; returns that directory and how to name the source. A tool is compiled
/// again only when its command line changed or one of its inputs (source, libraries,
/// zmq-sys's `platform.hpp`) is newer than it.
pub fn build_c_tools(facts: &BuildFacts) -> Result<(PathBuf, String)> {
    let source = libzmq_source()?;
    let libs = facts.static_libs()?;
    let dest = c_tools_dir();
    fs::create_dir_all(&dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let cxx = compiler("CXX", "c++");
    let include = |dir: &Path| {
        let mut flag = OsString::from("-I");
        flag.push(dir);
        flag
    };
    for tool in C_TOOLS {
        let cpp = source.vendor.join("perf").join(format!("{tool}.cpp"));
        let binary = dest.join(tool);
        let mut command = Command::new(&cxx);
        command
            .current_dir(root())
            .args(["-O2", "-DZMQ_STATIC"])
            .arg(include(&source.vendor.join("include")))
            .arg(include(&facts.out_dir))
            .arg(include(&source.vendor.join("src")))
            .arg(&cpp)
            .arg("-o")
            .arg(&binary)
            .args(&libs)
            .arg("-lpthread");
        let mut inputs = vec![cpp, facts.out_dir.join("platform.hpp")];
        inputs.extend(libs.iter().cloned());
        let stamp = dest.join(format!("{tool}.command"));
        let line = describe(&command);
        if fresh(&binary, &inputs) && fs::read_to_string(&stamp).ok().as_deref() == Some(&line) {
            continue;
        }
        run_logged(&mut command)?;
        fs::write(&stamp, &line).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    }
    Ok((dest, c_source_label(&source)))
}

/// Whether `output` exists and is newer than every input that exists.
fn fresh(output: &Path, inputs: &[PathBuf]) -> bool {
    let modified = |path: &Path| fs::metadata(path).and_then(|m| m.modified()).ok();
    let Some(built) = modified(output) else {
        return false;
    };
    inputs
        .iter()
        .filter_map(|input| modified(input))
        .all(|changed| changed <= built)
}

/// Where [`build_generated`] builds the project `name`: its release directory.
pub fn generated_release_dir(name: &str) -> PathBuf {
    work_dir().join(name).join("target").join("release")
}

/// Writes `manifest` to `target/perf/<name>/Cargo.toml` (only when it changed, so cargo
/// keeps its fingerprints), builds it in release mode and returns its release directory.
pub fn build_generated(name: &str, manifest: &str) -> Result<PathBuf> {
    let project = work_dir().join(name);
    fs::create_dir_all(&project)
        .map_err(|e| format!("cannot create {}: {e}", project.display()))?;
    let path = project.join("Cargo.toml");
    if fs::read_to_string(&path).ok().as_deref() != Some(manifest) {
        fs::write(&path, manifest).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    run_logged(
        cargo()
            .args(["build", "--release", "--manifest-path"])
            .arg(&path),
    )?;
    Ok(generated_release_dir(name))
}

// ------------------------------------------------------------------ perf's implementations

/// How an implementation's tools are started.
#[derive(Debug, Clone)]
pub enum Tools {
    /// One binary per tool in `dir` (`local_thr`, ...), as libzmq's perf tools and ours:
    /// `<dir>/<tool> [endpoint] <size> <count> <extra...>`.
    PerTool { dir: PathBuf, extra: Vec<String> },
    /// One binary taking the tool's name first: `<binary> <tool> <endpoint> <size>
    /// <count>` (zmq.rs's).
    OneBinary(PathBuf),
}

impl Tools {
    /// The command line of one tool.
    pub fn argv(&self, tool: &str, endpoint: Option<&str>, size: u64, count: u64) -> Vec<OsString> {
        let mut argv: Vec<OsString> = match self {
            Tools::PerTool { dir, .. } => vec![dir.join(tool).into()],
            Tools::OneBinary(binary) => vec![binary.into(), tool.into()],
        };
        argv.extend(endpoint.map(OsString::from));
        argv.push(size.to_string().into());
        argv.push(count.to_string().into());
        if let Tools::PerTool { extra, .. } = self {
            argv.extend(extra.iter().map(OsString::from));
        }
        argv
    }
}

/// One implementation under test.
#[derive(Debug, Clone)]
pub struct Impl {
    pub name: String,
    pub label: String,
    pub note: String,
    /// None when it is not available.
    pub tools: Option<Tools>,
    pub transports: Vec<&'static str>,
    /// Why it is not measured (empty when it is).
    pub why: String,
}

impl Impl {
    pub fn available(&self) -> bool {
        self.tools.is_some()
    }

    /// One that cannot be measured, and why.
    pub fn unavailable(name: &str, label: &str, why: String) -> Impl {
        Impl {
            name: name.into(),
            label: label.into(),
            note: String::new(),
            tools: None,
            transports: Vec::new(),
            why,
        }
    }
}

/// This repository's perf tools built against rust-zmq 0.10 (the sources are the same:
/// so is the API). `{root}` and `{bins}` are filled in.
const RUST_ZMQ_MANIFEST: &str = r#"# Generated by `cargo xtask perf` (xtask/src/perf/build.rs): this repository's perf tools built against rust-zmq 0.10.
[package]
name = "perf-rust-zmq"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[features]
ours = []
full = []

[lib]
name = "zmq_perf"
path = "{root}/perf/src/lib.rs"

{bins}
[dependencies]
zmq = "=0.10.0"
libc = "0.2"

[profile.release]
debug = 1
"#;

/// libzmq's perf tools written against zmq.rs (`perf/others/zmqrs_perf.rs`).
const ZMQRS_MANIFEST: &str = r#"# Generated by `cargo xtask perf` (xtask/src/perf/build.rs): libzmq's perf tools written against zmq.rs.
[package]
name = "perf-zmqrs"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[[bin]]
name = "zmqrs_perf"
path = "{root}/perf/others/zmqrs_perf.rs"

[dependencies]
zeromq = { version = "=0.7.0", default-features = false, features = ["tokio-runtime", "all-transport"] }
tokio = { version = "1", features = ["rt", "time"] }
bytes = "1"

[profile.release]
debug = 1
"#;

/// The rust-zmq project's manifest: a `[[bin]]` per tool, from `perf/src/bin`.
fn rust_zmq_manifest() -> String {
    let root = root();
    let bins: String = C_TOOLS
        .iter()
        .map(|tool| {
            format!(
                "[[bin]]\nname = \"{tool}\"\npath = \"{}/perf/src/bin/{tool}.rs\"\n\n",
                root.display()
            )
        })
        .collect();
    RUST_ZMQ_MANIFEST
        .replace("{root}", &root.display().to_string())
        .replace("{bins}", &bins)
}

fn zmqrs_manifest() -> String {
    ZMQRS_MANIFEST.replace("{root}", &root().display().to_string())
}

/// Every transport (zmq.rs has no inproc).
const ALL_TRANSPORTS: [&str; 3] = ["tcp", "ipc", "inproc"];

/// The implementations `perf` knows, by name (`--only` takes these).
pub const IMPLEMENTATIONS: [&str; 9] = [
    "c",
    "sync",
    "tuned",
    "copy",
    "bytes",
    "bytes-tuned",
    "async",
    "rust-zmq",
    "zmq.rs",
];

/// An error when one of `tools` is missing from `dir` (for `--no-build`).
fn require_built(dir: &Path, tools: &[&str], what: &str) -> Result {
    match tools.iter().find(|tool| !dir.join(tool).is_file()) {
        Some(tool) => Err(format!(
            "{what} not built ({} is missing); run without --no-build",
            dir.join(tool).display()
        )),
        None => Ok(()),
    }
}

/// Builds the implementations `wanted` selects (unless `no_build`: then the binaries
/// built before are used) and says how to run each. C and this crate's tools are always
/// built (C is the baseline); rust-zmq and zmq.rs that do not build are reported as not
/// measured.
pub fn implementations(no_build: bool, wanted: impl Fn(&str) -> bool) -> Result<Vec<Impl>> {
    let (c_dir, c_source) = if no_build {
        let source = libzmq_source()?;
        require_built(&c_tools_dir(), &C_TOOLS, "libzmq's C perf tools")?;
        require_built(&release_dir(), &C_TOOLS, "this crate's perf tools")?;
        (c_tools_dir(), c_source_label(&source))
    } else {
        let facts = build_ours()?;
        build_c_tools(&facts)?
    };
    let release = release_dir();
    let ours = |extra: &[&str]| {
        Some(Tools::PerTool {
            dir: release.clone(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        })
    };
    let with = |name: &str, label: &str, note: String, tools: Option<Tools>| Impl {
        name: name.into(),
        label: label.into(),
        note,
        tools,
        transports: ALL_TRANSPORTS.to_vec(),
        why: String::new(),
    };
    let mut impls = vec![
        with(
            "c",
            "C libzmq",
            format!("libzmq's perf tools ({c_source}), same libzmq.a as ours"),
            Some(Tools::PerTool {
                dir: c_dir,
                extra: Vec::new(),
            }),
        ),
        with(
            "sync",
            "zmq sync",
            "this crate, blocking API, libzmq defaults".into(),
            ours(&[]),
        ),
        with(
            "tuned",
            "zmq sync tuned",
            "this crate, blocking API, zmq::tuning::throughput (256 KiB batches) and \
             zmq::tuning::retain_heap"
                .into(),
            ours(&["--tuned"]),
        ),
        with(
            "copy",
            "zmq sync copy",
            "this crate, blocking API, the sender copies one payload it holds into each \
             message (&[u8]), libzmq defaults"
                .into(),
            ours(&["--copy"]),
        ),
        with(
            "bytes",
            "zmq sync bytes",
            "this crate, blocking API, the sender sends clones of one bytes::Bytes (zero copy), \
             libzmq defaults"
                .into(),
            ours(&["--bytes"]),
        ),
        with(
            "bytes-tuned",
            "zmq sync bytes tuned",
            "this crate, blocking API, clones of one bytes::Bytes (zero copy), \
             zmq::tuning::throughput and zmq::tuning::retain_heap on both sides"
                .into(),
            ours(&["--bytes", "--tuned"]),
        ),
    ];
    // The async tools need the perf crate's tokio adapter: ask one whether it has it.
    if wanted("async") {
        let (label, note) = (
            "zmq async",
            "this crate, tokio adapter (current-thread runtime)",
        );
        impls.push(match probe_async()? {
            None => with("async", label, note.into(), ours(&["--async"])),
            Some(why) => Impl {
                note: note.into(),
                ..Impl::unavailable("async", label, why)
            },
        });
    }

    // The other crates' projects: built only when measured.
    let generated = |project: &str, manifest: String| {
        if no_build {
            let dir = generated_release_dir(project);
            let tool = if project == "zmqrs" {
                "zmqrs_perf"
            } else {
                "local_thr"
            };
            require_built(&dir, &[tool], project).map(|()| dir)
        } else {
            build_generated(project, &manifest).map_err(|e| format!("build failed ({e})"))
        }
    };
    if wanted("rust-zmq") {
        let label = "rust-zmq 0.10";
        impls.push(match generated("rust-zmq", rust_zmq_manifest()) {
            Ok(dir) => with(
                "rust-zmq",
                label,
                "crates.io zmq 0.10.0 (libzmq 4.3.4 via zeromq-src 0.2), our tool sources".into(),
                Some(Tools::PerTool {
                    dir,
                    extra: Vec::new(),
                }),
            ),
            Err(why) => Impl::unavailable("rust-zmq", label, why),
        });
    }
    if wanted("zmq.rs") {
        let label = "zmq.rs 0.7";
        impls.push(match generated("zmqrs", zmqrs_manifest()) {
            Ok(dir) => Impl {
                transports: vec!["tcp", "ipc"],
                ..with(
                    "zmq.rs",
                    label,
                    "crates.io zeromq 0.7.0, pure Rust, tokio current-thread; no inproc".into(),
                    Some(Tools::OneBinary(dir.join("zmqrs_perf"))),
                )
            },
            Err(why) => Impl::unavailable("zmq.rs", label, why),
        });
    }
    Ok(impls)
}

/// Runs `inproc_thr 64 10 --async` from the release tools: None when it works, else why
/// not (the last line it printed).
fn probe_async() -> Result<Option<String>> {
    let mut probe = Command::new(release_dir().join("inproc_thr"));
    probe.args(["64", "10", "--async"]);
    let out = probe
        .output()
        .map_err(|e| format!("could not start `{}`: {e}", describe(&probe)))?;
    if out.status.success() {
        return Ok(None);
    }
    // The tools print their errors on stdout, as libzmq's do; a panic goes to stderr.
    let printed = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    Ok(Some(match printed.trim().lines().last() {
        Some(last) => last.to_string(),
        None => format!("`{}` failed ({})", describe(&probe), out.status),
    }))
}

// ------------------------------------------------------------------ the machine

/// What a report says about the machine and the code: `cpus`, `cpu_model`, `kernel`
/// (`Linux 6.1.0`) and `commit` (short hash, `+changes` when tracked files differ).
pub fn machine_facts() -> serde_json::Map<String, serde_json::Value> {
    let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map_or("unknown CPU".to_string(), |(_, model)| {
            model.trim().to_string()
        });
    let processors = cpuinfo
        .lines()
        .filter(|line| line.starts_with("processor"))
        .count();
    let cpus = if processors > 0 {
        processors
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
    let read = |path: &str| fs::read_to_string(path).map(|s| s.trim().to_string());
    let kernel = format!(
        "{} {}",
        read("/proc/sys/kernel/ostype").unwrap_or_else(|_| std::env::consts::OS.into()),
        read("/proc/sys/kernel/osrelease").unwrap_or_default()
    );
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(root())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    let commit = match git(&["rev-parse", "--short", "HEAD"]) {
        Some(hash) => {
            let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|changes| !changes.is_empty());
            if dirty {
                format!("{hash}+changes")
            } else {
                hash
            }
        }
        None => "unknown".to_string(),
    };
    let mut facts = serde_json::Map::new();
    facts.insert("cpus".into(), cpus.into());
    facts.insert("cpu_model".into(), model.into());
    facts.insert("kernel".into(), kernel.into());
    facts.insert("commit".into(), commit.into());
    facts
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`; zeros where unreadable).
pub fn load_average() -> [f64; 3] {
    let text = fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut fields = text.split_whitespace().map(|f| f.parse().unwrap_or(0.0));
    [(); 3].map(|()| fields.next().unwrap_or(0.0))
}

/// The current time in UTC as `YYYY-MM-DD HH:MM`.
pub fn utc_now_minutes() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_minutes(seconds)
}

/// `YYYY-MM-DD HH:MM` (UTC) of a Unix time.
fn utc_minutes(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let minute_of_day = unix_seconds % 86_400 / 60;
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), by 400-year eras
    // counted from 0000-03-01 so that the leap day ends each year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        minute_of_day / 60,
        minute_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    #[test]
    fn pinned_version_reads_the_exact_requirement() {
        let manifest = "[dependencies]\nzeromq-src = { version = \"=0.3.6\", optional = true }\n";
        assert_eq!(
            pinned_version(manifest, "zeromq-src").as_deref(),
            Some("0.3.6")
        );
        assert_eq!(pinned_version("zeromq-src = \"0.3\"\n", "zeromq-src"), None);
    }

    #[test]
    fn zmq_sys_facts_come_from_its_last_build_script_message() {
        let messages = concat!(
            "{\"reason\":\"compiler-artifact\",\"package_id\":\"path+file:///r/zmq-sys#0.12.1\"}\n",
            "{\"reason\":\"build-script-executed\",\"package_id\":\"registry+x#libc@0.2\",",
            "\"linked_paths\":[],\"out_dir\":\"/o/libc\"}\n",
            "{\"reason\":\"build-script-executed\",\"package_id\":\"path+file:///r/zmq-sys#0.12.1\",",
            "\"linked_paths\":[\"native=/o/lib\",\"/o/lib64\"],\"out_dir\":\"/o/zmq\"}\n",
            "not json\n",
        );
        let facts = zmq_sys_facts(messages).unwrap();
        assert_eq!(
            facts.linked_paths,
            [PathBuf::from("/o/lib"), PathBuf::from("/o/lib64")]
        );
        assert_eq!(facts.out_dir, PathBuf::from("/o/zmq"));
        assert!(zmq_sys_facts("").is_none());
    }

    #[test]
    fn tool_command_lines() {
        let ours = Tools::PerTool {
            dir: "/r".into(),
            extra: vec!["--bytes".into(), "--tuned".into()],
        };
        assert_eq!(
            ours.argv("local_thr", Some("tcp://127.0.0.1:5555"), 64, 100),
            [
                "/r/local_thr",
                "tcp://127.0.0.1:5555",
                "64",
                "100",
                "--bytes",
                "--tuned"
            ]
        );
        assert_eq!(
            ours.argv("inproc_lat", None, 1024, 7),
            ["/r/inproc_lat", "1024", "7", "--bytes", "--tuned"]
        );
        let zmqrs = Tools::OneBinary("/z/zmqrs_perf".into());
        assert_eq!(
            zmqrs.argv("remote_lat", Some("ipc:///t/1.ipc"), 64, 5),
            ["/z/zmqrs_perf", "remote_lat", "ipc:///t/1.ipc", "64", "5"]
        );
    }

    #[test]
    fn fresh_compares_modification_times() {
        let dir = std::env::temp_dir().join(format!("xtask-fresh-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let (input, output) = (dir.join("in"), dir.join("out"));
        fs::write(&input, "source").unwrap();
        assert!(
            !fresh(&output, std::slice::from_ref(&input)),
            "no output yet"
        );
        fs::write(&output, "binary").unwrap();
        let old = SystemTime::now() - std::time::Duration::from_secs(60);
        File::options()
            .write(true)
            .open(&input)
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(fresh(&output, std::slice::from_ref(&input)));
        assert!(
            fresh(&output, &[dir.join("missing")]),
            "missing inputs are ignored"
        );
        File::options()
            .write(true)
            .open(&output)
            .unwrap()
            .set_modified(old - std::time::Duration::from_secs(60))
            .unwrap();
        assert!(!fresh(&output, &[input]));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn utc_minutes_formats_civil_time() {
        assert_eq!(utc_minutes(0), "1970-01-01 00:00");
        assert_eq!(utc_minutes(951_782_400), "2000-02-29 00:00");
        assert_eq!(utc_minutes(1_796_339_520), "2026-12-03 23:12");
    }
}
