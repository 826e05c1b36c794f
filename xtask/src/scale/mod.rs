//! `scale`: how this crate's cost grows with the number of sockets and connections, beside
//! C and other implementations (issue 11's scale harness).
//!
//! It builds the peers ([`peers`]: this crate's `scale` binary in the perf crate,
//! `perf/c/scale.c` against the libzmq.a that zmq-sys built, pyzmq from target/pyenv,
//! zmq.rs in a project generated under target/perf) and measures ([`rows`]), for N = 1,
//! 10, 100, 1,000 and 10,000 (`--quick`: 1 and 100; storms of 100):
//!
//! 1. broker: one ROUTER echoing for N DEALER clients over tcp, the clients spread over up
//!    to 4 processes, each doing request/reply in a loop; the clients are the C peer
//!    (libzmq's zmq_poller) for every broker, so the figures compare brokers. Round
//!    trips/s, p50/p99 round trip, the broker's RSS and fds, memory per connection.
//! 2. pubsub: one PUB (the implementation) publishing as fast as it can to N SUBs (the C
//!    peer, up to 4 processes). Messages delivered/s, the slowest subscriber's rate, lag.
//! 3. sockets: N DEALERs in one process, each doing request/reply with a ROUTER (the C
//!    broker, in another process). Round trips/s, p99 reply-to-run latency (from the
//!    broker's send to the client code running with the reply), RSS and fds per socket,
//!    CPU while all N sockets wait with nothing to do.
//! 4. storm: N DEALERs connect at once to a ROUTER and make one round trip each (the
//!    implementation's own broker and clients), NULL and CURVE, with libzmq's default
//!    listen backlog (100) and with `set_backlog(4096)`. Handshakes/s.
//!
//! It writes docs/scale.md and docs/scale.svg ([`report`], [`svg`]; `--quick`:
//! target/perf/scale-quick/) and the raw results as JSON in target/perf/scale/, from
//! which `--report-only` renders again. The peers report on stdout, one line per phase
//! ([`process`] reads them with deadlines); the Python peers are pyzmq under test, not glue.

mod peers;
mod process;
mod report;
mod rows;
mod svg;

use crate::perf::build;
use crate::util::{cmd, Result};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The Ns of rows 1 to 3, and of row 4 (storms), in full and quick runs.
const FULL_NS: [i64; 5] = [1, 10, 100, 1000, 10_000];
const QUICK_NS: [i64; 2] = [1, 100];
const FULL_STORM_NS: [i64; 4] = [10, 100, 1000, 10_000];
const QUICK_STORM_NS: [i64; 1] = [100];
/// The implementations, as `--only` names them.
const NAMES: [&str; 8] = [
    "c",
    "sync",
    "async",
    "async-mt",
    "async-io",
    "py",
    "py-asyncio",
    "zmq.rs",
];
/// The listen backlog of the load runs' brokers, and row 4's largest.
const BIG_BACKLOG: i64 = 4096;

const USAGE: &str = "\
cargo xtask scale [options]: cost with 1 to 10,000 sockets, beside C, pyzmq and zmq.rs;
writes docs/scale.md and docs/scale.svg (--quick: target/perf/scale-quick/)

  --quick                  N up to 100, short runs, our peer and the C peer's libzmq
                           built in the dev profile, as the tests build them (CI smoke
                           test; pyzmq and zmq.rs only when --only names them)
  --only NAME[,NAME]       implementations: c sync async async-mt async-io py py-asyncio
                           zmq.rs
                           (c is always built and run)
  --rows 1,2,3,4,5,6       the rows to run
  --ns N[,N]               N for every row but 4
  --storm-ns N[,N]         N for row 4
  --backlogs B[,B]         row 4's listen backlogs ('default': set none);
                           default 100,default,4096
  --pace-ms MS             row 2's publisher's interval while subscribers join
                           (default max(20, N / 20))
  --broker-io-threads K    ZMQ_IO_THREADS of the C and this crate's brokers (rows 1 and 3;
                           the report's note says so)
  --perf                   perf record the broker of each load run, and row 3's client
                           process (target/perf/scale/logs/)
  --append                 add these results to the saved ones (replacing the same cases)
                           and re-render
  --report-only            re-render from the saved results
  --out DIR                where scale.md and scale.svg go
  --note TEXT              a sentence on the conditions, copied into scale.md
  --storm-note TEXT        a sentence under the storm table
";

/// A progress line on stderr (stdout carries the report).
fn log(message: &str) {
    build::log(message);
}

/// The harness's scratch directory: target/perf/scale (results, the C peer, logs).
fn work_dir() -> PathBuf {
    build::work_dir().join("scale")
}

/// This crate's scale peer: the release build, or in `--quick` runs (a smoke test) the
/// dev build the test suite shares.
fn ours_bin(o: &Options) -> PathBuf {
    let dir = if o.quick {
        build::dev_dir()
    } else {
        build::release_dir()
    };
    dir.join("scale")
}

/// Row 4's listen backlog: libzmq's (or this crate's) default, or a size.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backlog {
    Default,
    Size(i64),
}

impl Backlog {
    fn parse(s: &str) -> Result<Self> {
        if s == "default" {
            return Ok(Backlog::Default);
        }
        s.parse()
            .map(Backlog::Size)
            .map_err(|_| format!("--backlogs: `{s}` is neither a number nor `default`"))
    }

    /// As the results keep it: the number, or "default".
    fn to_json(self) -> Value {
        match self {
            Backlog::Default => "default".into(),
            Backlog::Size(n) => n.into(),
        }
    }
}

impl fmt::Display for Backlog {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Backlog::Default => f.write_str("default"),
            Backlog::Size(n) => write!(f, "{n}"),
        }
    }
}

/// The command line, and the settings that follow from it.
#[derive(Debug)]
pub struct Options {
    quick: bool,
    /// The implementations asked for (`--only`), without the C peer.
    only: Option<BTreeSet<String>>,
    rows: BTreeSet<u8>,
    ns: Vec<i64>,
    storm_ns: Vec<i64>,
    backlogs: Vec<Backlog>,
    pace_ms: Option<i64>,
    append: bool,
    storm_note: String,
    broker_io_threads: u32,
    perf: bool,
    report_only: bool,
    out: Option<PathBuf>,
    note: String,
    /// Warm-up, measured window and idle window of a load run, in seconds: long beside
    /// the round trip at N = 10,000 (about a second).
    warmup: f64,
    seconds: f64,
    idle: f64,
    /// How long a load run waits for a peer's line beyond its window; a storm's deadline.
    timeout: f64,
    storm_timeout: f64,
    /// RLIMIT_NOFILE once raised.
    fd_limit: u64,
}

/// A comma-separated list of numbers.
fn numbers<T: std::str::FromStr>(option: &str, value: &str) -> Result<Vec<T>> {
    value
        .split(',')
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.trim()
                .parse()
                .map_err(|_| format!("{option}: `{v}` is not a number"))
        })
        .collect()
}

impl Options {
    /// Parses the arguments of `cargo xtask scale` (`--opt value` or `--opt=value`).
    pub fn parse(args: &[String]) -> Result<Self> {
        let mut o = Options {
            quick: false,
            only: None,
            rows: [1, 2, 3, 4, 5, 6].into(),
            ns: Vec::new(),
            storm_ns: Vec::new(),
            backlogs: vec![
                Backlog::Size(100),
                Backlog::Default,
                Backlog::Size(BIG_BACKLOG),
            ],
            pace_ms: None,
            append: false,
            storm_note: String::new(),
            broker_io_threads: 1,
            perf: false,
            report_only: false,
            out: None,
            note: String::new(),
            warmup: 1.0,
            seconds: 2.0,
            idle: 1.5,
            timeout: 60.0,
            storm_timeout: 15.0,
            fd_limit: 0,
        };
        let (mut ns, mut storm_ns) = (None, None);
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
                _ => (arg.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next().cloned())
                    .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
            };
            match name {
                "--quick" => o.quick = true,
                "--append" => o.append = true,
                "--perf" => o.perf = true,
                "--report-only" => o.report_only = true,
                "--only" => {
                    let names: BTreeSet<String> = value()?
                        .split(',')
                        .filter(|s| !s.is_empty() && *s != "c")
                        .map(String::from)
                        .collect();
                    if let Some(bad) = names.iter().find(|n| !NAMES.contains(&n.as_str())) {
                        return Err(format!(
                            "--only: no implementation `{bad}` (there are {})",
                            NAMES.join(", ")
                        ));
                    }
                    o.only = Some(names);
                }
                "--rows" => {
                    o.rows = numbers::<u8>(name, &value()?)?.into_iter().collect();
                    if let Some(bad) = o.rows.iter().find(|r| !(1..=6).contains(*r)) {
                        return Err(format!("--rows: there is no row {bad} (1 to 6)"));
                    }
                }
                "--ns" => ns = Some(numbers(name, &value()?)?),
                "--storm-ns" => storm_ns = Some(numbers(name, &value()?)?),
                "--backlogs" => {
                    o.backlogs = value()?
                        .split(',')
                        .filter(|b| !b.is_empty())
                        .map(Backlog::parse)
                        .collect::<Result<_>>()?;
                }
                "--pace-ms" => {
                    let v = value()?;
                    o.pace_ms = Some(
                        v.parse()
                            .ok()
                            .filter(|&ms| ms > 0)
                            .ok_or_else(|| format!("--pace-ms: `{v}` is not a positive number"))?,
                    );
                }
                "--storm-note" => o.storm_note = value()?,
                "--broker-io-threads" => {
                    let v = value()?;
                    o.broker_io_threads = v
                        .parse()
                        .map_err(|_| format!("--broker-io-threads: `{v}` is not a number"))?;
                }
                "--out" => o.out = Some(PathBuf::from(value()?)),
                "--note" => o.note = value()?,
                other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
            }
        }
        if o.broker_io_threads != 1 {
            if !o.note.is_empty() {
                o.note.push(' ');
            }
            o.note.push_str(&format!(
                "The C and this crate's brokers ran with ZMQ_IO_THREADS = {}.",
                o.broker_io_threads
            ));
        }
        o.ns = ns.unwrap_or_else(|| {
            if o.quick {
                QUICK_NS.into()
            } else {
                FULL_NS.into()
            }
        });
        o.storm_ns = storm_ns.unwrap_or_else(|| {
            if o.quick {
                QUICK_STORM_NS.into()
            } else {
                FULL_STORM_NS.into()
            }
        });
        if let Some(bad) = o.ns.iter().chain(&o.storm_ns).find(|&&n| n < 1) {
            return Err(format!("N must be at least 1 (got {bad})"));
        }
        if o.quick {
            (o.warmup, o.seconds, o.idle, o.storm_timeout) = (0.1, 0.3, 0.5, 10.0);
        }
        Ok(o)
    }

    /// Whether the implementation `name` is to run: named by `--only`, or (without it)
    /// any but pyzmq and zmq.rs in quick mode (CI: they need target/pyenv and a build of
    /// their own).
    fn wants(&self, name: &str) -> bool {
        match &self.only {
            Some(only) => name == "c" || only.contains(name),
            None => !(self.quick && (name.starts_with("py") || name == "zmq.rs")),
        }
    }

    /// Whether either pyzmq peer is to run.
    fn wants_python(&self) -> bool {
        self.wants("py") || self.wants("py-asyncio")
    }

    /// Where the peers' stderr and perf data go.
    fn logs(&self) -> PathBuf {
        work_dir().join("logs")
    }

    fn results_path(&self) -> PathBuf {
        work_dir().join(if self.quick {
            "quick-results.json"
        } else {
            "results.json"
        })
    }

    fn out_dir(&self) -> PathBuf {
        match &self.out {
            Some(out) => out.clone(),
            None if self.quick => build::work_dir().join("scale-quick"),
            None => crate::util::root().join("docs"),
        }
    }
}

/// Raises RLIMIT_NOFILE (this process's, which the peers inherit) to 65,536, or to the
/// hard limit when that is lower and this process may not raise it, with util-linux's
/// `prlimit` (xtask stays std-only); returns the soft limit then in force.
fn raise_fd_limit() -> u64 {
    const WANT: u64 = 65_536;
    let pid = std::process::id().to_string();
    let set = |soft: u64, hard: u64| {
        cmd("prlimit")
            .args(["--pid", &pid, &format!("--nofile={soft}:{hard}")])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if let Some((soft, hard)) = fd_limits() {
        // Not root: the soft limit can still rise to the hard one.
        if !set(soft.max(WANT), hard.max(WANT)) && soft < hard && !set(hard, hard) {
            log("warning: could not raise RLIMIT_NOFILE with prlimit (util-linux)");
        }
    }
    fd_limits().map_or(0, |(soft, _)| soft)
}

/// This process's soft and hard RLIMIT_NOFILE, from /proc/self/limits.
fn fd_limits() -> Option<(u64, u64)> {
    parse_fd_limits(&fs::read_to_string("/proc/self/limits").ok()?)
}

fn parse_fd_limits(limits: &str) -> Option<(u64, u64)> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut fields = line["Max open files".len()..].split_whitespace();
    let mut limit = || {
        fields.next().map(|f| match f {
            "unlimited" => u64::MAX,
            n => n.parse().unwrap_or(0),
        })
    };
    Some((limit()?, limit()?))
}

fn read_json(path: &Path) -> Result<Value> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}

/// The list `key` of a saved results file.
fn list(saved: &Value, key: &str) -> Vec<Value> {
    saved
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Writes scale.md (and prints it) and scale.svg into `out_dir`.
fn write_report(meta: &Value, peers: &[Value], results: &[Value], out_dir: &Path) -> Result {
    let notes = fs::read_to_string(crate::util::root().join("docs/scale-notes.md")).ok();
    let saved = report::Saved {
        meta,
        peers,
        results,
    };
    let markdown = report::render(&saved, notes.as_deref());
    let names: Vec<&str> = peers.iter().map(|p| report::text(p, "name")).collect();
    let label = |name: &str| report::label_of(peers, name);
    let chart = svg::render(results, &names, &label);
    fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    for (file, text) in [("scale.md", &markdown), ("scale.svg", &chart)] {
        let path = out_dir.join(file);
        fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    println!("{markdown}");
    Ok(())
}

/// `cargo xtask scale [options]`.
pub fn scale(args: &[String]) -> Result {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return Ok(());
    }
    let mut o = Options::parse(args)?;
    let results_path = o.results_path();
    let out_dir = o.out_dir();
    fs::create_dir_all(work_dir())
        .map_err(|e| format!("cannot create {}: {e}", work_dir().display()))?;
    if o.report_only {
        let saved = read_json(&results_path)?;
        return write_report(
            saved.get("meta").unwrap_or(&Value::Null),
            &list(&saved, "peers"),
            &list(&saved, "results"),
            &out_dir,
        );
    }
    o.fd_limit = raise_fd_limit();
    let largest = o.ns.iter().chain(&o.storm_ns).max().copied().unwrap_or(0);
    if (o.fd_limit as i64) < 2 * largest + 256 {
        log(&format!(
            "warning: RLIMIT_NOFILE is {}: the largest N will fail (run as root, or raise `ulimit -Hn`)",
            o.fd_limit
        ));
    }
    let started = Instant::now();
    let peers: Vec<peers::Peer> = peers::build_peers(&o)?
        .into_iter()
        .filter(|p| o.wants(&p.name))
        .collect();
    let load_before = build::load_average()[0];
    let mut results = rows::measure(&peers, &o)?;
    let mut meta = build::machine_facts();
    let somaxconn = fs::read_to_string("/proc/sys/net/core/somaxconn")
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    let missing: Vec<&str> = if peers.iter().any(|p| p.name == "py") {
        Vec::new()
    } else {
        vec!["pyzmq: not measured in this run (left out of --quick, or no target/pyenv)."]
    };
    let extra = json!({
        "date": build::utc_now_minutes(),
        "mode": if o.quick { "quick" } else { "full" },
        "wall_s": started.elapsed().as_secs_f64(),
        "load_before": load_before,
        "load_after": build::load_average()[0],
        "note": o.note,
        "warmup": o.warmup,
        "seconds": o.seconds,
        "idle": o.idle,
        "storm_timeout": o.storm_timeout,
        "fd_limit": o.fd_limit,
        "storm_note": o.storm_note,
        "somaxconn": somaxconn,
        "missing": missing,
    });
    if let Value::Object(extra) = extra {
        meta.extend(extra);
    }
    let mut meta = Value::Object(meta);
    let mut peer_info: Vec<Value> = peers.iter().map(peers::Peer::info).collect();
    if o.append && results_path.exists() {
        let saved = read_json(&results_path)?;
        (meta, peer_info, results) = append(&saved, peer_info, results, &o.storm_note);
    }
    let saved = json!({"meta": meta, "peers": peer_info, "results": results});
    write_json(&results_path, &saved)?;
    write_report(&meta, &peer_info, &results, &out_dir)?;
    log(&format!(
        "wrote {} and scale.svg; raw results in {}",
        out_dir.join("scale.md").display(),
        results_path.display()
    ));
    Ok(())
}

/// `--append`: the saved results with this run's replacing the same cases (row, peer, N,
/// security, backlog), the saved peers plus new ones, and the saved meta data (with this
/// run's storm note if it has one).
fn append(
    saved: &Value,
    peers: Vec<Value>,
    results: Vec<Value>,
    storm_note: &str,
) -> (Value, Vec<Value>, Vec<Value>) {
    let case = |r: &Value| {
        ["row", "peer", "n", "security", "backlog"]
            .map(|k| r.get(k).cloned().unwrap_or(Value::Null))
    };
    let new: Vec<_> = results.iter().map(case).collect();
    let mut merged: Vec<Value> = list(saved, "results")
        .into_iter()
        .filter(|r| !new.contains(&case(r)))
        .collect();
    merged.extend(results);
    let mut peer_info = list(saved, "peers");
    let known: BTreeSet<String> = peer_info
        .iter()
        .map(|p| report::text(p, "name").to_string())
        .collect();
    peer_info.extend(
        peers
            .into_iter()
            .filter(|p| !known.contains(report::text(p, "name"))),
    );
    let mut meta = saved.get("meta").cloned().unwrap_or_else(|| json!({}));
    if !storm_note.is_empty() {
        meta["storm_note"] = storm_note.into();
    }
    (meta, peer_info, merged)
}

/// Writes the results indented by one space per level, as the Python harness did.
fn write_json(path: &Path, value: &Value) -> Result {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    fs::write(path, one_space_indent(&text) + "\n")
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// serde_json's two-space indentation halved. Only indentation starts a line: strings
/// keep their newlines escaped.
fn one_space_indent(pretty: &str) -> String {
    pretty
        .lines()
        .map(|line| {
            let body = line.trim_start_matches(' ');
            let depth = (line.len() - body.len()) / 2;
            format!("{:depth$}{body}", "")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        Options::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_full_and_quick() {
        let full = parse(&[]).unwrap();
        assert_eq!(full.ns, FULL_NS);
        assert_eq!(full.storm_ns, FULL_STORM_NS);
        assert_eq!(
            (full.warmup, full.seconds, full.idle, full.storm_timeout),
            (1.0, 2.0, 1.5, 15.0)
        );
        assert_eq!(full.rows, [1, 2, 3, 4, 5, 6].into());
        assert_eq!(
            full.backlogs,
            [Backlog::Size(100), Backlog::Default, Backlog::Size(4096)]
        );
        assert!(full.wants("py") && full.wants("zmq.rs"));
        assert!(full.results_path().ends_with("scale/results.json"));
        assert!(full.out_dir().ends_with("docs"));
        let quick = parse(&["--quick"]).unwrap();
        assert_eq!(quick.ns, QUICK_NS);
        assert_eq!(quick.storm_ns, QUICK_STORM_NS);
        assert_eq!(
            (quick.warmup, quick.seconds, quick.idle, quick.storm_timeout),
            (0.1, 0.3, 0.5, 10.0)
        );
        assert!(quick.wants("c") && quick.wants("async-mt"));
        assert!(!quick.wants("py") && !quick.wants_python() && !quick.wants("zmq.rs"));
        assert!(quick.results_path().ends_with("scale/quick-results.json"));
        assert!(quick.out_dir().ends_with("perf/scale-quick"));
    }

    #[test]
    fn every_option() {
        let o = parse(&[
            "--quick",
            "--only",
            "py-asyncio,zmq.rs",
            "--rows=1,3",
            "--ns",
            "1,10",
            "--storm-ns",
            "50",
            "--backlogs",
            "default,128",
            "--pace-ms",
            "40",
            "--append",
            "--storm-note",
            "S.",
            "--broker-io-threads",
            "2",
            "--perf",
            "--report-only",
            "--out",
            "/tmp/x",
            "--note",
            "Quiet.",
        ])
        .unwrap();
        assert!(o.quick && o.append && o.perf && o.report_only);
        assert!(o.wants("c") && o.wants("py-asyncio") && o.wants("zmq.rs") && !o.wants("sync"));
        assert!(o.wants_python());
        assert_eq!(o.rows, [1, 3].into());
        assert_eq!(
            (o.ns.as_slice(), o.storm_ns.as_slice()),
            (&[1, 10][..], &[50][..])
        );
        assert_eq!(o.backlogs, [Backlog::Default, Backlog::Size(128)]);
        assert_eq!(o.pace_ms, Some(40));
        assert_eq!(o.storm_note, "S.");
        assert_eq!(
            o.note,
            "Quiet. The C and this crate's brokers ran with ZMQ_IO_THREADS = 2."
        );
        assert_eq!(o.out_dir(), PathBuf::from("/tmp/x"));
    }

    #[test]
    fn bad_options_are_refused_clearly() {
        let err = |args: &[&str]| parse(args).unwrap_err();
        assert!(err(&["--fast"]).starts_with("unknown option `--fast`"));
        assert!(err(&["--ns"]).starts_with("--ns needs a value"));
        assert_eq!(err(&["--ns", "1,x"]), "--ns: `x` is not a number");
        assert_eq!(err(&["--ns", "0"]), "N must be at least 1 (got 0)");
        assert_eq!(err(&["--rows", "7"]), "--rows: there is no row 7 (1 to 6)");
        assert!(err(&["--only", "pyzmq"]).starts_with("--only: no implementation `pyzmq`"));
        assert_eq!(
            err(&["--backlogs", "big"]),
            "--backlogs: `big` is neither a number nor `default`"
        );
        assert_eq!(
            err(&["--pace-ms", "0"]),
            "--pace-ms: `0` is not a positive number"
        );
    }

    #[test]
    fn fd_limits_from_proc() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63457                63457                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_fd_limits(limits), Some((1024, 524_288)));
        let unlimited =
            "Max open files            unlimited            unlimited            files\n";
        assert_eq!(parse_fd_limits(unlimited), Some((u64::MAX, u64::MAX)));
        assert_eq!(parse_fd_limits(""), None);
    }

    #[test]
    fn results_json_is_indented_by_one_space() {
        let v = json!({"meta": {"note": "a\nb", "missing": []}, "results": [{"n": 1}]});
        let text = one_space_indent(&serde_json::to_string_pretty(&v).unwrap());
        assert_eq!(
            text,
            "{\n \"meta\": {\n  \"missing\": [],\n  \"note\": \"a\\nb\"\n },\n \"results\": [\n  {\n   \"n\": 1\n  }\n ]\n}"
        );
    }

    #[test]
    fn append_replaces_the_same_cases() {
        let saved = json!({
            "meta": {"storm_note": "old", "date": "then"},
            "peers": [{"name": "c"}, {"name": "sync"}],
            "results": [
                {"row": 1, "peer": "c", "n": 1, "rt_s": 1.0},
                {"row": 4, "peer": "c", "n": 100, "security": "null", "backlog": 100, "hs_s": 1.0},
                {"row": 4, "peer": "c", "n": 100, "security": "curve", "backlog": 100, "hs_s": 2.0},
            ],
        });
        let new_results = vec![
            json!({"row": 4, "peer": "c", "n": 100, "security": "null", "backlog": 100, "hs_s": 3.0}),
            json!({"row": 1, "peer": "py", "n": 1, "rt_s": 4.0}),
        ];
        let new_peers = vec![json!({"name": "c"}), json!({"name": "py"})];
        let (meta, peers, results) = append(&saved, new_peers, new_results, "");
        assert_eq!(meta, json!({"storm_note": "old", "date": "then"}));
        let names: Vec<&str> = peers.iter().map(|p| report::text(p, "name")).collect();
        assert_eq!(names, ["c", "sync", "py"]);
        let hs: Vec<f64> = results
            .iter()
            .filter_map(|r| report::num(r, "hs_s"))
            .collect();
        assert_eq!(hs, [2.0, 3.0]);
        assert_eq!(results.len(), 4);
        let (meta, ..) = append(&saved, vec![], vec![], "new");
        assert_eq!(meta["storm_note"], "new");
    }
}
