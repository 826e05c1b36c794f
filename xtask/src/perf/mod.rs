//! `perf`: this crate side by side with libzmq's C perf tools and other Rust crates.
//!
//! One command does everything:
//!
//! 1. builds this crate's perf tools (`perf/`, package `zmq-perf`) in release mode;
//! 2. builds libzmq's own C perf tools (`perf/*.cpp` of the `zeromq-src` crate in cargo's
//!    registry, the very source zmq-sys compiles) against the `libzmq.a` zmq-sys built,
//!    into target/perf/c (nothing is copied into the repository);
//! 3. builds the same tools against rust-zmq 0.10 (our `perf/src` sources, unchanged: the
//!    API is the same) and against zmq.rs (`perf/others/zmqrs_perf.rs`), each in a Cargo
//!    project generated under target/perf; one that cannot build is reported and skipped;
//! 4. runs every implementation over tcp, ipc and inproc (where it supports it), for 64 B,
//!    1 KiB and 64 KiB messages, throughput and latency, for several rounds, interleaved
//!    (each round runs every case for every implementation, in a rotating order), after a
//!    warm-up;
//! 5. prints medians (msg/s, Mb/s, latency, peak RSS of the receiving/binding process) with
//!    each figure as a ratio to C from the same run, writes docs/perf.md and docs/perf.svg,
//!    and keeps the raw samples in target/perf/results.json.
//!
//! The parts: [`build`] makes the programs (and is shared with `scale`), `run` runs the
//! cases, `report` and `svg` write the report, `results` reads and writes the raw results.

pub mod build;
mod report;
mod results;
mod run;
mod svg;

use crate::util::{root, Result};
use build::log;
use results::{ImplInfo, LoadSummary, Meta, Results};
use std::path::PathBuf;
use std::time::Instant;

const USAGE: &str = "\
cargo xtask perf [options]

  --quick             tiny counts, one round (smoke test, seconds); writes
                      target/perf/quick/ and target/perf/quick-results.json
  --rounds N          rounds (default 3; 1 with --quick)
  --only NAME[,NAME]  implementations (c is always included): c, sync, tuned, copy,
                      bytes, bytes-tuned, async, rust-zmq, zmq.rs
  --transports LIST   default tcp,ipc,inproc
  --sizes LIST        message sizes in bytes, of 64,1024,65536 (the default)
  --no-build          use the binaries built before
  --report-only       re-render perf.md and perf.svg from the saved results
  --out DIR           where perf.md and perf.svg go (default docs/; target/perf/quick
                      with --quick); the results go there too (but with --quick)
  --note TEXT         a sentence on the conditions, copied into perf.md
";

/// Message sizes measured by default (and the only ones with counts).
pub const SIZES: [u64; 3] = [64, 1024, 65536];
/// The transports, in report order.
pub const TRANSPORTS: [&str; 3] = ["tcp", "ipc", "inproc"];
/// Throughput, then latency.
pub const KINDS: [&str; 2] = ["thr", "lat"];

/// Messages (throughput) and round trips (latency) per run, by kind, transport class
/// ("net" is tcp and ipc) and size: each run takes about half a second to a second with C
/// on the 2-core machine this was written on (round trips are slowest on an idle machine:
/// ~50 µs one way over tcp), long enough to dwarf start-up, short enough for three rounds
/// in about 5 minutes.
const COUNTS: [((&str, &str, u64), u64); 12] = [
    (("thr", "net", 64), 2_000_000),
    (("thr", "net", 1024), 500_000),
    (("thr", "net", 65536), 20_000),
    (("thr", "inproc", 64), 3_000_000),
    (("thr", "inproc", 1024), 1_500_000),
    (("thr", "inproc", 65536), 400_000),
    (("lat", "net", 64), 10_000),
    (("lat", "net", 1024), 10_000),
    (("lat", "net", 65536), 5_000),
    (("lat", "inproc", 64), 20_000),
    (("lat", "inproc", 1024), 20_000),
    (("lat", "inproc", 65536), 20_000),
];

/// `--quick`'s count for a full run's: a smoke test of every path, in seconds; its
/// figures mean little.
fn quick_count(full: u64) -> u64 {
    (full / 100).max(100)
}

/// The messages or round trips per run of a case (0 for a size without counts, which
/// the options reject).
pub fn count(quick: bool, kind: &str, class: &str, size: u64) -> u64 {
    COUNTS
        .iter()
        .find(|((k, c, s), _)| *k == kind && *c == class && *s == size)
        .map_or(0, |&(_, n)| if quick { quick_count(n) } else { n })
}

/// "inproc", or "net" for tcp and ipc.
pub fn transport_class(transport: &str) -> &'static str {
    if transport == "inproc" {
        "inproc"
    } else {
        "net"
    }
}

/// The command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub quick: bool,
    pub rounds: u64,
    pub only: Option<Vec<String>>,
    pub transports: Vec<String>,
    pub sizes: Vec<u64>,
    pub no_build: bool,
    pub report_only: bool,
    pub out: Option<PathBuf>,
    pub note: String,
}

impl Options {
    /// Parses the arguments (`--name value` or `--name=value`); None for `--help`.
    pub fn parse(args: &[String]) -> Result<Option<Options>> {
        let mut quick = false;
        let mut rounds = None;
        let mut only = None;
        let mut transports = TRANSPORTS.join(",");
        let mut sizes = SIZES.map(|s| s.to_string()).join(",");
        let mut no_build = false;
        let mut report_only = false;
        let mut out = None;
        let mut note = String::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value.to_string())),
                _ => (arg.as_str(), None),
            };
            let flag = |set: &mut bool| match inline {
                Some(_) => Err(format!("{name} takes no value")),
                None => {
                    *set = true;
                    Ok(())
                }
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next().cloned())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match name {
                "-h" | "--help" => {
                    print!("{USAGE}");
                    return Ok(None);
                }
                "--quick" => flag(&mut quick)?,
                "--no-build" => flag(&mut no_build)?,
                "--report-only" => flag(&mut report_only)?,
                "--rounds" => {
                    let text = value()?;
                    rounds = Some(
                        text.parse::<u64>()
                            .ok()
                            .filter(|&n| n > 0)
                            .ok_or_else(|| format!("--rounds {text}: give a whole number ≥ 1"))?,
                    );
                }
                "--only" => only = Some(value()?),
                "--transports" => transports = value()?,
                "--sizes" => sizes = value()?,
                "--out" => out = Some(PathBuf::from(value()?)),
                "--note" => note = value()?,
                other => return Err(format!("unknown option `{other}`\n\n{USAGE}")),
            }
        }
        let list = |text: &str| -> Vec<String> {
            text.split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        };
        let transports = list(&transports);
        if let Some(bad) = transports
            .iter()
            .find(|t| !TRANSPORTS.contains(&t.as_str()))
        {
            return Err(format!(
                "--transports: unknown transport `{bad}` (tcp, ipc, inproc)"
            ));
        }
        let sizes = list(&sizes)
            .iter()
            .map(|s| {
                s.parse::<u64>()
                    .ok()
                    .filter(|size| SIZES.contains(size))
                    .ok_or_else(|| {
                        format!("--sizes: `{s}` is not one of the measured sizes (64, 1024, 65536)")
                    })
            })
            .collect::<Result<Vec<_>>>()?;
        let only = match only {
            None => None,
            Some(names) => {
                let mut names = list(&names);
                if let Some(bad) = names
                    .iter()
                    .find(|n| !build::IMPLEMENTATIONS.contains(&n.as_str()))
                {
                    return Err(format!(
                        "--only: unknown implementation `{bad}` ({})",
                        build::IMPLEMENTATIONS.join(", ")
                    ));
                }
                if !names.iter().any(|n| n == "c") {
                    names.push("c".into());
                }
                Some(names)
            }
        };
        Ok(Some(Options {
            quick,
            rounds: rounds.unwrap_or(if quick { 1 } else { 3 }),
            only,
            transports,
            sizes,
            no_build,
            report_only,
            out,
            note,
        }))
    }

    /// Where perf.md and perf.svg go: `--out`, else target/perf/quick with `--quick`,
    /// else docs/.
    pub fn out_dir(&self) -> PathBuf {
        match &self.out {
            Some(out) => out.clone(),
            None if self.quick => build::work_dir().join("quick"),
            None => root().join("docs"),
        }
    }

    /// Where the raw results go (and `--report-only` reads them): with `--quick`,
    /// target/perf/quick-results.json; else next to the report when `--out` is given,
    /// else target/perf/results.json.
    pub fn results_path(&self) -> PathBuf {
        if self.quick {
            build::work_dir().join("quick-results.json")
        } else if self.out.is_some() {
            self.out_dir().join("results.json")
        } else {
            build::work_dir().join("results.json")
        }
    }
}

/// `cargo xtask perf [options]`.
pub fn perf(args: &[String]) -> Result {
    let Some(options) = Options::parse(args)? else {
        return Ok(());
    };
    let out_dir = options.out_dir();
    let results_path = options.results_path();
    for dir in [build::work_dir(), out_dir.clone()] {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if options.report_only {
        let saved = Results::load(&results_path)?;
        println!("{}", report::render(&saved, &out_dir)?);
        return Ok(());
    }

    let started = Instant::now();
    let wanted = |name: &str| {
        options
            .only
            .as_ref()
            .is_none_or(|only| only.iter().any(|n| n == name))
    };
    let mut impls = build::implementations(options.no_build, wanted)?;
    impls.retain(|i| wanted(&i.name));
    for i in impls.iter().filter(|i| !i.available()) {
        log(format_args!("{}: not measured: {}", i.label, i.why));
    }
    let (samples, loads) = run::measure(&impls, &options)?;
    let one_minute: Vec<f64> = loads.iter().map(|l| l[0]).collect();
    let load = report::Stats::of(&one_minute).ok_or("no load average was sampled")?;
    let facts = build::machine_facts();
    let fact = |key: &str| facts[key].as_str().unwrap_or_default().to_string();
    let meta = Meta {
        cpus: facts["cpus"].as_u64(),
        cpu_model: fact("cpu_model"),
        kernel: fact("kernel"),
        commit: fact("commit"),
        date: build::utc_now_minutes(),
        mode: if options.quick { "quick" } else { "full" }.into(),
        rounds: options.rounds,
        transports: options.transports.clone(),
        sizes: options.sizes.clone(),
        counts: COUNTS
            .iter()
            .filter(|((_, _, size), _)| options.sizes.contains(size))
            .map(|&((kind, class, size), _)| {
                (
                    (kind.to_string(), class.to_string(), size),
                    count(options.quick, kind, class, size),
                )
            })
            .collect(),
        loadavg: LoadSummary {
            min: load.min,
            median: load.median,
            max: load.max,
            samples: loads.clone(),
        },
        wall_s: started.elapsed().as_secs_f64(),
        load_note: options.note.clone(),
    };
    let results = Results {
        meta,
        impls: impls
            .iter()
            .map(|i| ImplInfo {
                name: i.name.clone(),
                label: i.label.clone(),
                note: i.note.clone(),
                available: i.available(),
                why: i.why.clone(),
            })
            .collect(),
        samples,
        loads,
    };
    results.save(&results_path)?;
    println!("{}", report::render(&results, &out_dir)?);
    log(format_args!(
        "wrote {} and perf.svg; raw samples in {}",
        out_dir.join("perf.md").display(),
        results_path.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn defaults_and_quick() {
        let full = Options::parse(&[]).unwrap().unwrap();
        assert_eq!(full.rounds, 3);
        assert_eq!(full.transports, ["tcp", "ipc", "inproc"]);
        assert_eq!(full.sizes, SIZES);
        assert_eq!(full.out_dir(), root().join("docs"));
        assert_eq!(full.results_path(), build::work_dir().join("results.json"));
        let quick = Options::parse(&args(&["--quick", "--out=/tmp/q"]))
            .unwrap()
            .unwrap();
        assert_eq!(quick.rounds, 1);
        assert_eq!(quick.out_dir(), PathBuf::from("/tmp/q"));
        assert_eq!(
            quick.results_path(),
            build::work_dir().join("quick-results.json")
        );
        let out = Options::parse(&args(&["--out", "/tmp/o", "--report-only"]))
            .unwrap()
            .unwrap();
        assert!(out.report_only);
        assert_eq!(out.results_path(), PathBuf::from("/tmp/o/results.json"));
    }

    #[test]
    fn values_and_lists() {
        let o = Options::parse(&args(&[
            "--rounds",
            "5",
            "--only=sync,zmq.rs",
            "--transports",
            "inproc,",
            "--sizes",
            "64",
            "--note",
            "a quiet machine",
            "--no-build",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(o.rounds, 5);
        assert_eq!(o.only.unwrap(), ["sync", "zmq.rs", "c"]);
        assert_eq!(o.transports, ["inproc"]);
        assert_eq!(o.sizes, [64]);
        assert_eq!(o.note, "a quiet machine");
        assert!(o.no_build);
    }

    #[test]
    fn bad_input_is_a_clear_error() {
        for bad in [
            &["--rounds", "0"][..],
            &["--rounds", "x"],
            &["--rounds"],
            &["--sizes", "100"],
            &["--transports", "udp"],
            &["--only", "pyzmq"],
            &["--quick=yes"],
            &["--frobnicate"],
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn counts_by_case_and_quick() {
        assert_eq!(count(false, "thr", "net", 64), 2_000_000);
        assert_eq!(count(true, "thr", "net", 64), 20_000);
        assert_eq!(count(true, "lat", "net", 65536), 100);
        assert_eq!(count(false, "thr", "net", 100), 0);
        assert_eq!(transport_class("ipc"), "net");
        assert_eq!(transport_class("inproc"), "inproc");
    }
}
