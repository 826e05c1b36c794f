//! Running the cases: each implementation's tools over tcp, ipc and inproc, in rounds
//! that rotate the order of the implementations, with the peak RSS of the measured
//! process read from /proc while it runs.

use super::build::{log, Impl};
use super::results::Sample;
use super::{count, transport_class, Options, KINDS};
use crate::util::Result;
use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{self, File};
use std::net::TcpListener;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long one run may take before its processes are killed.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// How often the waits look at the processes.
const POLL: Duration = Duration::from_millis(2);

/// Starts a program with stdout and stderr both going to `output` (a file, so that a
/// chatty tool never blocks on a full pipe), without `ZMQ_PERF_KNOBS`.
pub fn spawn(argv: &[OsString], output: &Path) -> Result<Child> {
    let file =
        File::create(output).map_err(|e| format!("cannot create {}: {e}", output.display()))?;
    let err = file
        .try_clone()
        .map_err(|e| format!("cannot duplicate {}: {e}", output.display()))?;
    Command::new(&argv[0])
        .args(&argv[1..])
        .env_remove("ZMQ_PERF_KNOBS")
        .stdin(Stdio::null())
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("could not start {}: {e}", argv[0].to_string_lossy()))
}

/// The last `n` characters of a text.
fn tail(text: &str, n: usize) -> &str {
    let skip = text.chars().count().saturating_sub(n);
    text.char_indices()
        .nth(skip)
        .map_or("", |(at, _)| &text[at..])
}

/// What a process printed (stdout and stderr, interleaved), lossily decoded.
fn read_output(path: &Path) -> String {
    String::from_utf8_lossy(&fs::read(path).unwrap_or_default()).into_owned()
}

/// An exit status as a number: the exit code, or minus the signal that ended it.
fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| -s))
        .unwrap_or(-1)
}

/// How an error message names an exit: the code, or `timeout` when it was killed at the
/// deadline.
fn rc_text(rc: Option<i32>) -> String {
    rc.map_or_else(|| "timeout".into(), |rc| rc.to_string())
}

/// Whether some process listens on 127.0.0.1:port (read from /proc, no connection made).
fn tcp_listening(port: u16) -> bool {
    let want = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        fs::read_to_string(table).is_ok_and(|text| {
            text.lines().skip(1).any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                fields.len() > 3 && fields[1].ends_with(&want) && fields[3] == "0A"
            })
        })
    })
}

/// A TCP port free at the moment on 127.0.0.1 (the tools need a port on their command
/// line; one taken in between makes that run fail, not the harness).
fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free TCP port: {e}"))
}

/// Waits until the binding side listens (tcp) or its socket file exists (ipc); false if
/// it exits first or the deadline passes.
fn wait_ready(address: &Address, child: &mut Child, deadline: Instant) -> bool {
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return false;
        }
        let ready = match address {
            Address::Tcp(port) => tcp_listening(*port),
            Address::Ipc(path) => path.exists(),
        };
        if ready {
            return true;
        }
        sleep(POLL);
    }
    false
}

/// VmHWM of a live process (its peak RSS so far, KiB), or None once it is gone.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Waits for `child`; returns its exit code, or None after killing it at the deadline.
///
/// Meanwhile it records in `peaks` (by pid) the peak RSS of `child` and of `watch`: the
/// last VmHWM read from /proc while each ran, polled every few ms. (wait4's ru_maxrss
/// would be wrong here: Linux counts the RSS a forked child had before exec, the parent's.)
fn reap(
    child: &mut Child,
    deadline: Instant,
    peaks: &mut HashMap<u32, u64>,
    watch: &[u32],
) -> Option<i32> {
    loop {
        // Read VmHWM before reaping: once a process is reaped, /proc forgets it.
        for pid in std::iter::once(child.id()).chain(watch.iter().copied()) {
            if let Some(hwm) = peak_rss_kib(pid).filter(|&h| h > 0) {
                let peak = peaks.entry(pid).or_default();
                *peak = (*peak).max(hwm);
            }
        }
        match child.try_wait() {
            Ok(Some(status)) => return Some(exit_code(status)),
            Ok(None) => {}
            // Cannot wait for it (should not happen): end it rather than spin.
            Err(_) => return kill(child),
        }
        if Instant::now() > deadline {
            return kill(child);
        }
        sleep(POLL);
    }
}

/// Kills and reaps a child; None, as [`reap`] reports a run cut at its deadline.
fn kill(child: &mut Child) -> Option<i32> {
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// The figures a perf tool printed (libzmq's format): `mean throughput: N [msg/s]`,
/// `mean throughput: N [Mb/s]`, `average latency: N [us]`.
pub fn parse_output(text: &str) -> Figures {
    let number = |line: &str| {
        line.split_once(':')?
            .1
            .split('[')
            .next()?
            .trim()
            .parse::<f64>()
            .ok()
    };
    let mut figures = Figures::default();
    for line in text.lines() {
        if line.starts_with("mean throughput:") && line.contains("[msg/s]") {
            figures.msgs = number(line).or(figures.msgs);
        } else if line.starts_with("mean throughput:") && line.contains("[Mb/s]") {
            figures.mbps = number(line).or(figures.mbps);
        } else if line.starts_with("average latency:") {
            figures.lat_us = number(line).or(figures.lat_us);
        }
    }
    figures
}

/// What a tool's output says.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Figures {
    pub msgs: Option<f64>,
    pub mbps: Option<f64>,
    pub lat_us: Option<f64>,
}

impl Figures {
    fn any(&self) -> bool {
        self.msgs.is_some() || self.mbps.is_some() || self.lat_us.is_some()
    }

    fn into_sample(self, rss_kib: u64, error: Option<String>) -> Sample {
        Sample {
            msgs: self.msgs,
            mbps: self.mbps,
            lat_us: self.lat_us,
            rss_kib: rss_kib as f64,
            error,
            ..Sample::default()
        }
    }
}

/// Where the binding side listens.
enum Address {
    Tcp(u16),
    Ipc(PathBuf),
}

/// A scratch directory for ipc sockets and the tools' output, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Result<Scratch> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("zmq-perf-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(Scratch(dir))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Runs one measurement; returns its figures, or a sample with an error (its
/// implementation and case are for the caller to fill in).
pub fn run_case(
    implementation: &Impl,
    kind: &str,
    transport: &str,
    size: u64,
    count: u64,
    scratch: &Path,
    serial: u64,
) -> Result<Sample> {
    let deadline = Instant::now() + RUN_TIMEOUT;
    let tools = implementation
        .tools
        .as_ref()
        .ok_or_else(|| format!("{} is not available", implementation.name))?;
    if transport == "inproc" {
        let out = scratch.join(format!("{serial}.out"));
        let mut child = spawn(
            &tools.argv(&format!("inproc_{kind}"), None, size, count),
            &out,
        )?;
        let mut peaks = HashMap::new();
        let rc = reap(&mut child, deadline, &mut peaks, &[]);
        let text = read_output(&out);
        let figures = parse_output(&text);
        let error = (rc != Some(0) || !figures.any())
            .then(|| format!("rc={}: {}", rc_text(rc), tail(text.trim(), 200)));
        let rss = peaks.get(&child.id()).copied().unwrap_or(0);
        return Ok(figures.into_sample(rss, error));
    }

    let (address, endpoint) = if transport == "tcp" {
        let port = free_port()?;
        (Address::Tcp(port), format!("tcp://127.0.0.1:{port}"))
    } else {
        let path = scratch.join(format!("{serial}.ipc"));
        let endpoint = format!("ipc://{}", path.display());
        (Address::Ipc(path), endpoint)
    };
    let local_out = scratch.join(format!("{serial}-local.out"));
    let remote_out = scratch.join(format!("{serial}-remote.out"));
    let mut local = spawn(
        &tools.argv(&format!("local_{kind}"), Some(&endpoint), size, count),
        &local_out,
    )?;
    if !wait_ready(&address, &mut local, deadline) {
        kill(&mut local);
        let text = read_output(&local_out);
        return Ok(Figures::default().into_sample(
            0,
            Some(format!(
                "the local side did not start listening: {}",
                tail(text.trim(), 200)
            )),
        ));
    }
    let mut remote = match spawn(
        &tools.argv(&format!("remote_{kind}"), Some(&endpoint), size, count),
        &remote_out,
    ) {
        Ok(remote) => remote,
        Err(e) => {
            kill(&mut local);
            return Err(e);
        }
    };
    // Wait for the side that prints first (the receiver for throughput, the requester for
    // latency), then give the other a few seconds to finish: C and this crate exit after
    // their linger, zmq.rs (which has no linger) waits to be ended.
    let local_pid = local.id();
    let thr = kind == "thr";
    let (printer, other) = if thr {
        (&mut local, &mut remote)
    } else {
        (&mut remote, &mut local)
    };
    let mut peaks = HashMap::new();
    let rc_printer = reap(printer, deadline, &mut peaks, &[other.id()]);
    let lingerless = implementation.name == "zmq.rs" && thr;
    let grace = if lingerless {
        Duration::from_millis(50)
    } else if rc_printer == Some(0) {
        Duration::from_secs(5)
    } else {
        Duration::from_secs(1)
    };
    let mut rc_other = reap(other, Instant::now() + grace, &mut peaks, &[]);
    if rc_other.is_none() && rc_printer == Some(0) && lingerless {
        rc_other = Some(0); // ended on purpose, see above
    }
    let (rc_local, rc_remote) = if thr {
        (rc_printer, rc_other)
    } else {
        (rc_other, rc_printer)
    };
    let rss = peaks.get(&local_pid).copied().unwrap_or(0);
    let out_local = read_output(&local_out);
    let out_remote = read_output(&remote_out);
    if let Address::Ipc(path) = &address {
        let _ = fs::remove_file(path);
    }
    let figures = parse_output(if thr { &out_local } else { &out_remote });
    let error = (rc_local != Some(0) || rc_remote != Some(0) || !figures.any()).then(|| {
        format!(
            "local rc={} remote rc={}: {}",
            rc_text(rc_local),
            rc_text(rc_remote),
            tail((out_local + &out_remote).trim(), 200)
        )
    });
    Ok(figures.into_sample(rss, error))
}

/// Runs every case for every available implementation: a warm-up, then `options.rounds`
/// rounds, each running every case for every implementation in a rotating order. Returns
/// the samples and the load averages sampled before each round and at the end.
pub fn measure(impls: &[Impl], options: &Options) -> Result<(Vec<Sample>, Vec<[f64; 3]>)> {
    let live: Vec<&Impl> = impls.iter().filter(|i| i.available()).collect();
    if live.is_empty() {
        return Err("no implementation could be built".into());
    }
    let cases: Vec<(&str, &str, u64)> = options
        .transports
        .iter()
        .flat_map(|t| {
            options
                .sizes
                .iter()
                .flat_map(move |&s| KINDS.iter().map(move |&k| (k, t.as_str(), s)))
        })
        .collect();
    let mut samples = Vec::new();
    let mut loads = Vec::new();
    let scratch = Scratch::new()?;
    let mut serial = 0;
    // Warm-up: page in every binary and let the CPU settle; the results are dropped.
    log("warm-up");
    for implementation in &live {
        for transport in ["tcp", "inproc"] {
            if implementation.transports.contains(&transport)
                && options.transports.iter().any(|t| t == transport)
            {
                serial += 1;
                let n = count(options.quick, "thr", transport_class(transport), 1024) / 4;
                // A failed warm-up shows again in the rounds.
                let _ = run_case(
                    implementation,
                    "thr",
                    transport,
                    1024,
                    n,
                    scratch.path(),
                    serial,
                );
            }
        }
    }
    for round in 0..options.rounds {
        loads.push(super::build::load_average());
        let started = Instant::now();
        for (case_no, &(kind, transport, size)) in cases.iter().enumerate() {
            // Rotate the order so that no implementation always runs first or last.
            let shift = (round as usize + case_no) % live.len();
            for implementation in live[shift..].iter().chain(&live[..shift]) {
                if !implementation.transports.contains(&transport) {
                    continue;
                }
                serial += 1;
                let n = count(options.quick, kind, transport_class(transport), size);
                let mut sample = run_case(
                    implementation,
                    kind,
                    transport,
                    size,
                    n,
                    scratch.path(),
                    serial,
                )
                .unwrap_or_else(|e| Figures::default().into_sample(0, Some(e)));
                if let Some(error) = &sample.error {
                    log(format_args!(
                        "  {} {kind} {transport} {size}: ERROR {error}",
                        implementation.name
                    ));
                }
                sample.implementation = implementation.name.clone();
                sample.kind = kind.into();
                sample.transport = transport.into();
                sample.size = size;
                sample.count = n;
                sample.round = round;
                samples.push(sample);
            }
        }
        log(format_args!(
            "round {}/{}: {:.0} s, load {:.2}",
            round + 1,
            options.rounds,
            started.elapsed().as_secs_f64(),
            loads[loads.len() - 1][0]
        ));
    }
    loads.push(super::build::load_average());
    Ok((samples, loads))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_libzmq_perf_tool_output() {
        let thr = "message size: 64 [B]\nmessage count: 30000\n\
                   mean throughput: 2753809 [msg/s]\nmean throughput: 1409.950 [Mb/s]\n";
        assert_eq!(
            parse_output(thr),
            Figures {
                msgs: Some(2_753_809.0),
                mbps: Some(1409.95),
                lat_us: None
            }
        );
        let lat = "message size: 64 [B]\nroundtrip count: 200\naverage latency: 44.796 [us]\n";
        assert_eq!(parse_output(lat).lat_us, Some(44.796));
        assert!(parse_output(lat).any());
        // Errors and garbage give no figures.
        assert!(!parse_output("error in bind: Address already in use\n").any());
        assert!(!parse_output("mean throughput: fast [msg/s]\n").any());
    }

    #[test]
    fn reads_the_peak_rss_line() {
        let status =
            "Name:\tlocal_thr\nVmPeak:\t  10000 kB\nVmHWM:\t    5116 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(5116));
        assert_eq!(parse_vm_hwm("Name:\tzombie\n"), None);
        // This process is alive: it has a peak.
        assert!(peak_rss_kib(std::process::id()).is_some_and(|kib| kib > 0));
    }

    #[test]
    fn tail_counts_characters() {
        assert_eq!(tail("abcdef", 2), "ef");
        assert_eq!(tail("ab", 5), "ab");
        assert_eq!(tail("µµµ", 2), "µµ");
    }

    #[test]
    fn exit_codes_and_listening_sockets() {
        assert_eq!(rc_text(Some(0)), "0");
        assert_eq!(rc_text(None), "timeout");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        assert!(tcp_listening(listener.local_addr().unwrap().port()));
    }
}
