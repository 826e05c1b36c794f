//! The four rows: the runs that measure them, and the figures drawn from the peers' output.
//!
//! 1. broker: the implementation's ROUTER echoing for N C DEALER clients (1 to 4 processes);
//! 2. pubsub: the implementation's PUB publishing to N C SUBs;
//! 3. sockets: N DEALERs of the implementation in one process, against the C broker;
//! 4. storm: N DEALERs connecting at once to a ROUTER, both the implementation's;
//! 5. server: row 1 with the draft sockets: the implementation's SERVER for N C CLIENTs;
//! 6. clients: row 3 with the draft sockets: N CLIENTs of the implementation against the C
//!    SERVER.

use super::peers::Peer;
use super::process::{cpu_ns, usage, Proc, Procs};
use super::report::py_float;
use super::{log, Backlog, Options, BIG_BACKLOG};
use crate::util::{output, Result};
use serde_json::{json, Map, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

/// The figures of one run, as they go into the results.
type Figures = Map<String, Value>;

/// `n` split as evenly as it goes over at most `parts` parts (at least one).
pub(super) fn spread(n: i64, parts: i64) -> Vec<i64> {
    let parts = parts.min(n).max(1);
    (0..parts)
        .map(|i| n / parts + i64::from(i < n % parts))
        .collect()
}

/// How many client processes share N sockets in rows 1 and 2.
pub(super) fn client_processes(n: i64) -> i64 {
    match n {
        ..=1 => 1,
        2..=10 => 2,
        _ => 4,
    }
}

/// Row 2's publisher's interval between messages while N subscribers join: about 20 k
/// deliveries/s in all. Faster, libzmq's io thread spends all its time writing to the
/// subscribers already joined (one command and one send per message per pipe) and stops
/// accepting new ones (it accepts only when its command mailbox runs empty).
pub(super) fn pace_ms(n: i64) -> i64 {
    (n / 20).max(20)
}

/// The q-quantile of samples summarised by `(count, points)` sketches: each process sends
/// up to 200 evenly spaced points of its sorted samples, and each point stands for
/// count / points samples. `None` without points.
pub(super) fn quantile(sketches: &[(f64, Vec<f64>)], q: f64) -> Option<f64> {
    let mut weighted: Vec<(f64, f64)> = sketches
        .iter()
        .filter(|(_, points)| !points.is_empty())
        .flat_map(|(count, points)| {
            let w = count / points.len() as f64;
            points.iter().map(move |&p| (p, w))
        })
        .collect();
    weighted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let total: f64 = weighted.iter().map(|(_, w)| w).sum();
    let mut acc = 0.0;
    for &(value, w) in &weighted {
        acc += w;
        if acc >= q * total {
            return Some(value);
        }
    }
    weighted.last().map(|&(value, _)| value)
}

/// The sketches of one figure from the clients' results: `(count_key, points_key)`.
fn sketches(results: &[Value], count: &str, points: &str) -> Vec<(f64, Vec<f64>)> {
    results
        .iter()
        .map(|r| {
            let values = r
                .get(points)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            (number(r, count), values)
        })
        .collect()
}

/// A number of a peer's result (0 when missing).
fn number(r: &Value, key: &str) -> f64 {
    r.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

/// A peer's JSON line.
fn parse(line: &str, what: &str) -> Result<Value> {
    serde_json::from_str(line).map_err(|e| format!("{what}: not JSON ({e}): {line}"))
}

/// /proc's usage of a process as JSON: [RSS KiB, fds, threads] or null.
fn usage_json(pid: u32) -> Value {
    usage(pid).map_or(Value::Null, |u| json!(u))
}

/// The CPU time of each process now, for [`cpu_pct`].
fn cpu_now(pids: &[u32]) -> Result<Vec<u64>> {
    pids.iter().map(|&p| cpu_ns(p)).collect()
}

/// The CPU % (of one core) of each process since `before` was read at `since`.
fn cpu_pct(pids: &[u32], before: &[u64], since: Instant) -> Result<Vec<f64>> {
    pids.iter()
        .zip(before)
        .map(|(&pid, &a)| {
            let used = cpu_ns(pid)?.saturating_sub(a) as f64;
            Ok(used / 1e9 / since.elapsed().as_secs_f64() * 100.0)
        })
        .collect()
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

fn after(s: f64) -> Instant {
    Instant::now() + secs(s)
}

/// Starts a broker and reads the endpoint it listens on.
fn start_broker(
    procs: &mut Procs,
    peer: &Peer,
    tag: &str,
    opts: &[String],
    logs: &Path,
) -> Result<(usize, String)> {
    let argv = peer.broker_argv(opts)?;
    let broker = procs.push(Proc::start(&argv, &format!("{tag}-broker"), logs, true)?);
    let endpoint = procs.get(broker).line("READY ", after(10.0))?;
    Ok((broker, endpoint))
}

/// The sockets of a load run: a ROUTER broker and DEALER clients (rows 1 and 3), or a
/// SERVER and CLIENTs (rows 5 and 6).
#[derive(Clone, Copy, PartialEq)]
enum Pair {
    RouterDealer,
    ServerClient,
}

/// Rows 1, 3, 5 and 6: a broker, and `parts` client processes sharing N sockets in load
/// mode.
fn load_run(
    o: &Options,
    (broker_peer, client_peer): (&Peer, &Peer),
    pair: Pair,
    n: i64,
    parts: i64,
    tag: &str,
) -> Result<Figures> {
    let mut procs = Procs::default();
    let t = o.timeout;
    let logs = o.logs();
    let mut broker_opts = vec!["--backlog".to_string(), BIG_BACKLOG.to_string()];
    let mut client_opts = Vec::new();
    if pair == Pair::ServerClient {
        broker_opts.extend(["--socket".into(), "server".into()]);
        client_opts.extend(["--socket".to_string(), "client".to_string()]);
    }
    if o.broker_io_threads != 1 {
        broker_opts.extend(["--io-threads".into(), o.broker_io_threads.to_string()]);
    }
    let (broker, endpoint) = start_broker(&mut procs, broker_peer, tag, &broker_opts, &logs)?;
    let broker_pid = procs.get(broker).pid();
    sleep(secs(0.1));
    let base = usage_json(broker_pid);
    let mut clients = Vec::new();
    for (i, k) in spread(n, parts).into_iter().enumerate() {
        let mut opts = vec![
            "--endpoint".into(),
            endpoint.clone(),
            "--n".into(),
            k.to_string(),
            "--mode".into(),
            "load".into(),
            "--warmup".into(),
            py_float(o.warmup),
            "--seconds".into(),
            py_float(o.seconds),
            "--timeout".into(),
            py_float(t),
        ];
        opts.extend_from_slice(&client_opts);
        let argv = client_peer.clients_argv(&opts)?;
        clients.push(procs.push(Proc::start(
            &argv,
            &format!("{tag}-clients{i}"),
            &logs,
            true,
        )?));
    }
    let mut connected = Vec::new();
    for &c in &clients {
        let line = procs.get(c).line("CONNECTED ", after(t + 10.0))?;
        connected.push(parse(&line, "CONNECTED")?);
    }
    let loaded_idle = usage_json(broker_pid);
    for &c in &clients {
        procs.get(c).say("go")?;
    }
    sleep(secs(o.warmup));
    // CPU of the broker and of the clients over (most of) the measured window.
    let pids = procs.pids();
    let cpu0 = cpu_now(&pids)?;
    let t0 = Instant::now();
    let window = o.seconds * 0.8;
    if o.perf {
        // The broker, and the client process too when it is the subject (row 3).
        let mut targets = vec![("broker", broker_pid)];
        if parts == 1 {
            targets.push(("clients", procs.get(clients[0]).pid()));
        }
        let mut recorders = Vec::new();
        for (what, pid) in targets {
            let data = logs.join(format!("{tag}-{what}.perf.data"));
            let recorder = Command::new("perf")
                .args(["record", "-g", "-o"])
                .arg(&data)
                .args(["-p", &pid.to_string(), "--", "sleep", &py_float(window)])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start perf record: {e}"))?;
            recorders.push(recorder);
        }
        for mut r in recorders {
            let _ = r.wait();
        }
    } else {
        sleep(secs(window));
    }
    let cpu = cpu_pct(&pids, &cpu0, t0)?;
    let loaded = usage_json(broker_pid);
    let mut results = Vec::new();
    for &c in &clients {
        let line = procs
            .get(c)
            .line("RESULT ", after(o.warmup + o.seconds + t))?;
        results.push(parse(&line, "RESULT")?);
    }
    let roundtrips: f64 = results.iter().map(|r| number(r, "roundtrips")).sum();
    let rtt = sketches(&results, "roundtrips", "rtt_us");
    let wake = sketches(&results, "roundtrips", "wake_us");
    let mut out = json!({
        "n": n,
        "processes": clients.len(),
        "rt_s": roundtrips / o.seconds,
        "rtt_p50_us": quantile(&rtt, 0.50),
        "rtt_p99_us": quantile(&rtt, 0.99),
        "wake_p99_us": quantile(&wake, 0.99),
        "broker_base": base,
        "broker_connected": loaded_idle,
        "broker_loaded": loaded,
        "clients_connected": connected,
        "broker_cpu_pct": cpu[0],
        "clients_cpu_pct": cpu[1..].iter().sum::<f64>(),
    });
    if let [c] = clients[..] {
        // Idle CPU of the client process: every socket waits, nothing is in flight.
        let pid = procs.get(c).pid();
        sleep(secs(0.2));
        let (a, ta) = (cpu_ns(pid)?, Instant::now());
        sleep(secs(o.idle));
        let (b, tb) = (cpu_ns(pid)?, Instant::now());
        out["idle_cpu_pct"] =
            json!(b.saturating_sub(a) as f64 / 1e9 / (tb - ta).as_secs_f64() * 100.0);
        out["client_idle"] = usage_json(pid);
    }
    Ok(into_map(out))
}

fn into_map(v: Value) -> Figures {
    match v {
        Value::Object(m) => m,
        _ => Figures::new(),
    }
}

/// Row 2: a PUB publishing as fast as it can to N SUBs (the C peer) in `parts` processes;
/// it sends one message per [`pace_ms`] while they join.
fn pubsub_run(
    o: &Options,
    pub_peer: &Peer,
    c: &Peer,
    n: i64,
    parts: i64,
    tag: &str,
) -> Result<Figures> {
    let mut procs = Procs::default();
    let t = o.timeout;
    let logs = o.logs();
    let pace = o.pace_ms.unwrap_or_else(|| pace_ms(n));
    let argv = pub_peer.publisher_argv(&[
        "--backlog".into(),
        BIG_BACKLOG.to_string(),
        "--pace-ms".into(),
        pace.to_string(),
    ])?;
    let publisher = procs.push(Proc::start(&argv, &format!("{tag}-pub"), &logs, true)?);
    let endpoint = procs.get(publisher).line("READY ", after(10.0))?;
    let mut subs = Vec::new();
    for (i, k) in spread(n, parts).into_iter().enumerate() {
        let argv = c.subs_argv(&[
            "--endpoint".into(),
            endpoint.clone(),
            "--n".into(),
            k.to_string(),
            "--warmup".into(),
            py_float(o.warmup),
            "--seconds".into(),
            py_float(o.seconds),
            "--timeout".into(),
            py_float(t),
        ])?;
        subs.push(procs.push(Proc::start(&argv, &format!("{tag}-subs{i}"), &logs, true)?));
    }
    for &s in &subs {
        procs.get(s).line("CONNECTED ", after(t + 10.0))?;
    }
    // From paced (see pace_ms) to as fast as it can.
    procs.get(publisher).say("go")?;
    for &s in &subs {
        procs.get(s).say("go")?;
    }
    sleep(secs(o.warmup));
    let pids = procs.pids();
    let cpu0 = cpu_now(&pids)?;
    let t0 = Instant::now();
    sleep(secs(o.seconds * 0.8));
    let cpu = cpu_pct(&pids, &cpu0, t0)?;
    let pub_usage = usage_json(pids[publisher]);
    let mut results = Vec::new();
    for &s in &subs {
        let line = procs.get(s).line("RESULT ", after(o.seconds + t))?;
        results.push(parse(&line, "RESULT")?);
    }
    let delivered: f64 = results.iter().map(|r| number(r, "delivered")).sum();
    let slowest = results
        .iter()
        .map(|r| number(r, "min_per_socket"))
        .fold(f64::INFINITY, f64::min);
    let lag_max = results
        .iter()
        .map(|r| number(r, "max_lag_us"))
        .fold(f64::NEG_INFINITY, f64::max);
    let lag = sketches(&results, "delivered", "lag_us");
    Ok(into_map(json!({
        "n": n,
        "processes": subs.len(),
        "delivered_s": delivered / o.seconds,
        "slowest_s": slowest / o.seconds,
        "lag_p50_us": quantile(&lag, 0.50),
        "lag_p99_us": quantile(&lag, 0.99),
        "lag_max_us": lag_max,
        "pub_usage": pub_usage,
        "pub_cpu_pct": cpu[0],
        "subs_cpu_pct": cpu[1..].iter().sum::<f64>(),
    })))
}

/// Row 4: N DEALERs connect at once to a ROUTER and make one round trip each.
fn storm_run(
    o: &Options,
    peer: &Peer,
    n: i64,
    curve: bool,
    backlog: Backlog,
    keys: &Keys,
    tag: &str,
) -> Result<Figures> {
    let mut procs = Procs::default();
    let logs = o.logs();
    let mut opts = Vec::new();
    if let Backlog::Size(b) = backlog {
        opts.extend(["--backlog".into(), b.to_string()]);
    }
    if curve {
        opts.extend(["--curve-secret".into(), keys.secret.clone()]);
    }
    let (_, endpoint) = start_broker(&mut procs, peer, tag, &opts, &logs)?;
    let mut copts = vec![
        "--endpoint".into(),
        endpoint,
        "--n".into(),
        n.to_string(),
        "--mode".into(),
        "storm".into(),
        "--timeout".into(),
        py_float(o.storm_timeout),
    ];
    if curve {
        copts.extend(["--curve-server".into(), keys.public.clone()]);
    }
    let argv = peer.clients_argv(&copts)?;
    let clients = procs.push(Proc::start(&argv, &format!("{tag}-clients"), &logs, false)?);
    let line = procs
        .get(clients)
        .line("RESULT ", after(o.storm_timeout + 30.0))?;
    let mut r = into_map(parse(&line, "RESULT")?);
    let seconds = r.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
    let done = r.get("done").and_then(Value::as_f64).unwrap_or(0.0);
    r.insert(
        "hs_s".into(),
        if seconds > 0.0 {
            json!(done / seconds)
        } else {
            Value::Null
        },
    );
    Ok(r)
}

/// A CURVE key pair (Z85) for the storm's CURVE runs.
struct Keys {
    public: String,
    secret: String,
}

/// Every run the options ask for, in the order the Python harness ran them: for each N,
/// rows 1, 2 and 3 for every implementation; then the storms.
pub fn measure(peers: &[Peer], o: &Options) -> Result<Vec<Value>> {
    let c = peers
        .iter()
        .find(|p| p.name == "c")
        .ok_or("the C peer is missing")?;
    let keypair = output(Command::new(super::ours_bin(o)).arg("keypair"))?;
    let mut words = keypair.split_whitespace().map(String::from);
    let (Some(public), Some(secret)) = (words.next(), words.next()) else {
        return Err(format!("`scale keypair` printed no key pair: {keypair}"));
    };
    let keys = Keys { public, secret };
    let mut results = Vec::new();
    let mut record = |row: u8,
                      peer: &Peer,
                      n: i64,
                      storm: Option<(&str, Backlog)>,
                      run: &dyn Fn(&str) -> Result<Figures>| {
        let mut tag = format!("r{row}-{}-{n}", peer.name);
        if let Some((security, backlog)) = storm {
            tag.push_str(&format!("-{security}-{backlog}"));
            log(&format!(
                "row {row} {} N={n} security={security} backlog={backlog}",
                peer.label
            ));
        } else {
            log(&format!("row {row} {} N={n}", peer.label));
        }
        let started = Instant::now();
        let figures = run(&tag).unwrap_or_else(|e| {
            let e: String = e.chars().take(400).collect();
            log(&format!("  failed: {e}"));
            into_map(json!({ "error": e }))
        });
        let mut entry = into_map(json!({
            "row": row,
            "peer": peer.name,
            "n": n,
            "wall_s": started.elapsed().as_secs_f64(),
        }));
        if let Some((security, backlog)) = storm {
            entry.insert("security".into(), security.into());
            entry.insert("backlog".into(), backlog.to_json());
        }
        entry.extend(figures);
        results.push(Value::Object(entry));
    };
    // A socket in one process costs 2 fds (libzmq's mailbox eventfd and the tcp
    // connection); RLIMIT_NOFILE may not rise far enough for 10,000 of them.
    let one_process = |n: i64| {
        let fit = ((o.fd_limit as i64 - 200) / 2 / 1000 * 1000).max(1);
        if n > fit {
            log(&format!(
                "N={n} sockets need {} fds in one process, RLIMIT_NOFILE is {}: running N={fit}",
                2 * n + 200,
                o.fd_limit
            ));
            return fit;
        }
        n
    };
    for &n in &o.ns {
        let parts = client_processes(n);
        if o.rows.contains(&1) {
            for p in peers.iter().filter(|p| p.has_broker()) {
                record(1, p, n, None, &|tag| {
                    load_run(o, (p, c), Pair::RouterDealer, n, parts, tag)
                });
            }
        }
        if o.rows.contains(&2) {
            for p in peers.iter().filter(|p| p.has_publisher()) {
                record(2, p, n, None, &|tag| pubsub_run(o, p, c, n, parts, tag));
            }
        }
        if o.rows.contains(&3) {
            for p in peers.iter().filter(|p| p.has_clients()) {
                let m = one_process(n);
                record(3, p, m, None, &|tag| {
                    load_run(o, (c, p), Pair::RouterDealer, m, 1, tag)
                });
            }
        }
        if o.rows.contains(&5) {
            for p in peers.iter().filter(|p| p.has_server() && p.has_broker()) {
                record(5, p, n, None, &|tag| {
                    load_run(o, (p, c), Pair::ServerClient, n, parts, tag)
                });
            }
        }
        if o.rows.contains(&6) {
            for p in peers.iter().filter(|p| p.has_server() && p.has_clients()) {
                let m = one_process(n);
                record(6, p, m, None, &|tag| {
                    load_run(o, (c, p), Pair::ServerClient, m, 1, tag)
                });
            }
        }
    }
    if o.rows.contains(&4) {
        for n in o.storm_ns.iter().map(|&n| one_process(n)) {
            for curve in [false, true] {
                let security = if curve { "curve" } else { "null" };
                for &backlog in &o.backlogs {
                    for p in peers {
                        if backlog == Backlog::Default
                            && !matches!(p.name.as_str(), "sync" | "async" | "async-io")
                        {
                            continue; // only this crate has a default of its own
                        }
                        if p.name == "zmq.rs" && (curve || backlog != Backlog::Size(100)) {
                            continue; // no CURVE; one backlog (its own), shown in the first column
                        }
                        if p.has_broker() && p.has_clients() {
                            record(4, p, n, Some((security, backlog)), &|tag| {
                                storm_run(o, p, n, curve, backlog, &keys, tag)
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_over_processes() {
        assert_eq!(spread(10, 4), [3, 3, 2, 2]);
        assert_eq!(spread(1, 4), [1]);
        assert_eq!(spread(100, 4), [25; 4]);
        assert_eq!(spread(0, 4), [0]);
        assert_eq!([1, 10, 11, 10_000].map(client_processes), [1, 2, 4, 4]);
    }

    #[test]
    fn pace_grows_past_1000_subscribers() {
        assert_eq!(
            [1, 100, 400, 1000, 10_000].map(pace_ms),
            [20, 20, 20, 50, 500]
        );
    }

    #[test]
    fn quantiles_of_weighted_sketches() {
        // One process of 100 round trips sketched by 4 points, one of 300 by 2.
        let sketches = [(100.0, vec![1.0, 2.0, 3.0, 4.0]), (300.0, vec![10.0, 20.0])];
        // Weights: 25 each for 1..4, 150 each for 10 and 20; total 400.
        assert_eq!(quantile(&sketches, 0.0), Some(1.0));
        assert_eq!(quantile(&sketches, 0.25), Some(4.0));
        assert_eq!(quantile(&sketches, 0.5), Some(10.0));
        assert_eq!(quantile(&sketches, 0.99), Some(20.0));
        assert_eq!(quantile(&[(5.0, vec![])], 0.5), None);
        assert_eq!(quantile(&[], 0.5), None);
    }
}
