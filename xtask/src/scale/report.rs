//! docs/scale.md from the saved results: the tables of the four rows, the rows an
//! implementation does not run, and the goals.
//!
//! The report reads the results as JSON values (the run writes them, `--report-only` reads
//! them back), so a fresh run and a re-render go through the same code. Numbers are
//! formatted as the first (Python) harness formatted them, so old results re-render to
//! the same bytes: `{:.N}` rounds as Python's `:.Nf` does (exactly, ties to even), and
//! [`py_str`] prints a value as Python's `str` did.

use super::BIG_BACKLOG;
use serde_json::Value;
use std::collections::BTreeSet;

/// The peers' output and the meta data the report reads.
pub struct Saved<'a> {
    pub meta: &'a Value,
    pub peers: &'a [Value],
    pub results: &'a [Value],
}

// ---------------------------------------------------------------- reading values

/// A number field, `None` when absent, null or not a number.
pub(super) fn num(r: &Value, key: &str) -> Option<f64> {
    r.get(key)?.as_f64()
}

/// A string field ("" when absent).
pub(super) fn text<'v>(r: &'v Value, key: &str) -> &'v str {
    r.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Whether a run failed (its entry has an `error`, as Python's `"error" in r`).
pub(super) fn failed(r: &Value) -> bool {
    r.get("error").is_some()
}

/// Whether `value` equals `want`, numbers compared as numbers (100 == 100.0).
fn same(value: Option<&Value>, want: &Value) -> bool {
    match (value, want) {
        (Some(Value::Number(a)), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Some(a), b) => a == b,
        (None, _) => false,
    }
}

/// Whether `r` is the run of this row, peer and N, and matches every `(key, value)`.
pub(super) fn is_case(r: &Value, row: u8, peer: &str, n: i64, matching: &[(&str, Value)]) -> bool {
    num(r, "row") == Some(f64::from(row))
        && text(r, "peer") == peer
        && num(r, "n") == Some(n as f64)
        && matching.iter().all(|(k, v)| same(r.get(*k), v))
}

/// A run's N (0 when missing).
pub(super) fn n_of(r: &Value) -> i64 {
    r.get("n").and_then(Value::as_i64).unwrap_or(0)
}

/// A run's row (0 when missing).
pub(super) fn row_of(r: &Value) -> u8 {
    r.get("row")
        .and_then(Value::as_u64)
        .and_then(|v| u8::try_from(v).ok())
        .unwrap_or(0)
}

/// Item `i` of a list field, as a number (`broker_base` and friends: RSS KiB, fds, threads).
fn item(r: &Value, key: &str, i: usize) -> Option<f64> {
    r.get(key)?.get(i)?.as_f64()
}

/// The label of the implementation `name` (the name itself when it has no entry).
pub(super) fn label_of(peers: &[Value], name: &str) -> String {
    peers
        .iter()
        .find(|p| text(p, "name") == name)
        .map_or(name, |p| text(p, "label"))
        .to_string()
}

// ---------------------------------------------------------------- formatting

/// A value as Python's `str` prints it: integers plain, floats in their shortest form with
/// at least one decimal (`1.0`), null as `None`.
pub(super) fn py_str(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "None".into(),
        Some(Value::Bool(b)) => if *b { "True" } else { "False" }.into(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_f64() => py_float(n.as_f64().unwrap_or(f64::NAN)),
        Some(other) => other.to_string(),
    }
}

/// A float as Python's `repr`: shortest digits that read back the same, `.0` on whole
/// numbers, an exponent below 1e-4 and from 1e16.
pub(super) fn py_float(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan"
        } else if v > 0.0 {
            "inf"
        } else {
            "-inf"
        }
        .into();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Rust's `1e16` / `1e-5`; Python's `1e+16` / `1e-05`.
        let s = format!("{v:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
        return format!("{mantissa}e{sign}{digits:0>2}");
    }
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

/// An integer with thousands separators: 10,000.
/// A detail-table row for a failed run: N, the implementation, the error (clipped) and
/// `empty` empty cells.
fn failed_row(n: i64, implementation: &str, r: &Value, empty: usize) -> String {
    format!(
        "| {} | {implementation} | failed: {} |{}",
        thousands(n),
        clip(text(r, "error"), 100),
        " |".repeat(empty)
    )
}

pub(super) fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A rate: 12.3 k, 1.23 M; "–" when missing.
pub(super) fn human(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 1e6 => format!("{:.2} M", v / 1e6),
        Some(v) if v >= 1e3 => format!("{:.1} k", v / 1e3),
        Some(v) => format!("{v:.0}"),
    }
}

/// A time in µs: 83 µs, 1.2 ms; "–" when missing.
fn us(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(v) if v >= 1000.0 => format!("{:.1} ms", v / 1000.0),
        Some(v) => format!("{v:.0} µs"),
    }
}

/// The first `max` characters of a string.
fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// CPU µs a process spent per unit of work (round trip, message): unlike rates, this
/// hardly depends on how much of the shared CPUs the run got. `None` without a rate.
fn cpu_us_per(r: &Value, cpu_key: &str, rate_key: &str) -> Option<f64> {
    let rate = num(r, rate_key).filter(|&v| v != 0.0)?;
    Some(num(r, cpu_key)? / 100.0 / rate * 1e6)
}

// ---------------------------------------------------------------- the report

/// The report's Markdown; `notes` (docs/scale-notes.md) goes in after the goals.
pub fn render(saved: &Saved, notes: Option<&str>) -> String {
    let Saved {
        meta,
        peers,
        results,
    } = *saved;
    let names: Vec<&str> = peers.iter().map(|p| text(p, "name")).collect();
    let label = |name: &str| label_of(peers, name);
    let get = |row: u8, peer: &str, n: i64, matching: &[(&str, Value)]| {
        results.iter().find(|r| is_case(r, row, peer, n, matching))
    };
    let ran = |row: u8| -> Vec<&str> {
        names
            .iter()
            .copied()
            .filter(|n| {
                results
                    .iter()
                    .any(|r| row_of(r) == row && text(r, "peer") == *n)
            })
            .collect()
    };
    let ns: Vec<i64> = results
        .iter()
        .filter(|r| row_of(r) != 4)
        .map(n_of)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let storm_ns: Vec<i64> = results
        .iter()
        .filter(|r| row_of(r) == 4)
        .map(n_of)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let m = |key: &str| num(meta, key).unwrap_or(0.0);
    let ms = |key: &str| py_str(meta.get(key));

    let mut out = String::new();
    let mut w = |line: &str| {
        out.push_str(line);
        out.push('\n');
    };
    w("# Scale: cost as the number of sockets and connections grows");
    w("");
    w(&format!(
        "Generated by `cargo xtask scale` (xtask/src/scale/); do not edit by hand. {}\
         Run {} UTC at commit {} on {} × {}, {}; load average {:.1} before and {:.1} after; \
         {:.1} minutes.",
        if text(meta, "mode") == "quick" {
            "**Quick mode: a smoke test, its figures mean little.** "
        } else {
            ""
        },
        ms("date"),
        ms("commit"),
        ms("cpus"),
        ms("cpu_model"),
        ms("kernel"),
        m("load_before"),
        m("load_after"),
        m("wall_s") / 60.0
    ));
    w("");
    w(if m("load_before").max(m("load_after")) > 2.5 {
        "**The machine was shared**: other builds ran on its 2 cores during the run, so single \
         figures swing by tens of percent; read trends over N and large ratios, not small \
         differences."
    } else {
        "The machine was otherwise idle (load average below 2.5 on 2 cores before and after), \
         but the harness's own processes share its 2 cores: at N ≥ 1,000 the broker and its \
         clients together use both (see the CPU columns), so rates there are bounded by the \
         machine as much as by the implementation."
    });
    let note = text(meta, "note");
    if !note.is_empty() {
        w("");
        w(note);
    }
    w("");
    w("![round trips/s and handshakes/s against N](scale.svg)");
    w("");
    w("Implementations:");
    w("");
    for p in peers {
        w(&format!("- **{}**: {}", text(p, "label"), text(p, "note")));
    }
    w("");
    w(&format!(
        "Every load run: {} s warm-up, then {} s measured; one request of 16 bytes in flight \
         per DEALER; all traffic over tcp on 127.0.0.1. Brokers of rows 1 and 3 listen with \
         `set_backlog({BIG_BACKLOG})` so that connecting the clients is not a storm (row 4 \
         measures that); load-run clients connect in batches of 500. `RLIMIT_NOFILE` is raised \
         to its hard limit ({} here) and every context gets `set_max_sockets(N + 64)`. Each \
         socket costs 2 fds in its process (libzmq's mailbox eventfd and the tcp connection), \
         so rows 3 and 4, which hold all N sockets in one process, run at the largest multiple \
         of 1,000 that fits the fd limit when 10,000 does not.",
        ms("warmup"),
        ms("seconds"),
        ms("fd_limit")
    ));
    w("");

    // Row 1
    w("## 1. A ROUTER broker with N DEALER clients");
    w("");
    w(
        "The broker is the implementation named; the clients are the C peer in 1 (N = 1), 2 \
       (N = 10) or 4 processes, the same for every broker. Memory per connection is the \
       broker's RSS with the clients connected minus before, over N.",
    );
    w("");
    load_tables(
        &mut w,
        results,
        1,
        &ran(1),
        &ns,
        &label,
        BROKER_HEAD,
        broker_line,
    );
    w("");

    // Row 2
    w("## 2. A PUB with N SUBs");
    w("");
    w(
        "The publisher is the implementation named, sending 16-byte stamped messages as fast as \
       it can (PUB drops at the high-water mark of 1,000 per subscriber rather than block) once \
       every subscriber has joined; while they join it sends one message per max(20 ms, N × \
       50 µs), because libzmq's io thread accepts new connections only when it has no pipe \
       commands queued, and a flood to the subscribers already joined keeps it from ever \
       getting there; the subscribers are the C peer in 1, 2 or 4 processes (as the clients of \
       row 1). Delivered/s counts messages received by all subscribers; the slowest subscriber \
       is the socket that received the fewest; lag is from the publisher's stamp to the \
       subscriber reading the message.",
    );
    w("");
    let row2 = ran(2);
    w("| N | implementation | delivered/s | slowest subscriber msg/s | p50 lag | p99 lag | max lag | publisher CPU % | publisher CPU ns per delivery |");
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &ns {
        for p in &row2 {
            let Some(r) = get(2, p, n, &[]) else { continue };
            if failed(r) {
                w(&failed_row(n, &label(p), r, 6));
                continue;
            }
            w(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} |",
                thousands(n),
                label(p),
                human(num(r, "delivered_s")),
                human(num(r, "slowest_s")),
                us(num(r, "lag_p50_us")),
                us(num(r, "lag_p99_us")),
                us(num(r, "lag_max_us")),
                num(r, "pub_cpu_pct").unwrap_or(0.0),
                cpu_us_per(r, "pub_cpu_pct", "delivered_s").unwrap_or(0.0) * 1000.0
            ));
        }
    }
    w("");

    // Row 3
    w("## 3. N sockets in one process");
    w("");
    w(&format!(
        "N DEALERs of the implementation named in one process, each doing request/reply with a \
         ROUTER (the C broker, in another process). Reply-to-run is the time from the broker's \
         send (a CLOCK_MONOTONIC stamp in the reply) to the client's code running with the \
         reply: libzmq's delivery plus the wake-up. RSS and fds per socket: the process's \
         growth from before the first socket to all N connected, over N. Idle CPU: the \
         process's CPU time over {} s while every socket waits with nothing in flight, in % of \
         one core.",
        ms("idle")
    ));
    w("");
    load_tables(
        &mut w,
        results,
        3,
        &ran(3),
        &ns,
        &label,
        SOCKETS_HEAD,
        sockets_line,
    );
    w("");

    // Row 4
    w("## 4. Connection storms");
    w("");
    w(&format!(
        "N DEALERs (one process) connect at once to a ROUTER and make one round trip each; the \
         broker and the clients are both the implementation named. Handshakes/s is N over the \
         time from the first connect to the last reply. The backlog columns: libzmq's default \
         `ZMQ_BACKLOG` of 100 (the only default of C and pyzmq), this crate's default when no \
         backlog is set (`net.core.somaxconn`, {} here, since issue 11's change), and \
         `set_backlog({BIG_BACKLOG})` (the kernel caps it at somaxconn). A run stops after {} \
         s: `k/N` then says how many completed. zmq.rs has no backlog option: its cells are in \
         the first column but use tokio's default listen backlog (1,024).",
        ms("somaxconn"),
        ms("storm_timeout")
    ));
    let storm_note = text(meta, "storm_note");
    if !storm_note.is_empty() {
        w("");
        w(storm_note);
    }
    w("");
    let row4 = ran(4);
    w(&format!(
        "| N | security | implementation | backlog 100 | this crate's default | backlog {BIG_BACKLOG} |"
    ));
    w("|---:|---|---|---:|---:|---:|");
    for &n in &storm_ns {
        for security in ["null", "curve"] {
            for p in &row4 {
                let cells: Vec<String> = [Value::from(100), "default".into(), BIG_BACKLOG.into()]
                    .into_iter()
                    .map(|backlog| {
                        storm_cell(get(
                            4,
                            p,
                            n,
                            &[("security", security.into()), ("backlog", backlog)],
                        ))
                    })
                    .collect();
                if cells.iter().any(|c| !c.is_empty()) {
                    w(&format!(
                        "| {} | {} | {} | {} |",
                        thousands(n),
                        security.to_uppercase(),
                        label(p),
                        cells.join(" | ")
                    ));
                }
            }
        }
    }
    w("");

    // Row 5
    w("## 5. A SERVER broker with N CLIENTs (draft sockets)");
    w("");
    w(
        "Row 1 with the thread-safe draft sockets: the broker is the implementation's SERVER \
         (the async ones: `AsyncDraftSocket`, one task), which answers each request with the \
         request itself, its routing id addressing the reply; the clients are the C peer's \
         CLIENTs, in the processes of row 1. The columns are row 1's.",
    );
    w("");
    load_tables(
        &mut w,
        results,
        5,
        &ran(5),
        &ns,
        &label,
        BROKER_HEAD,
        broker_line,
    );
    w("");

    // Row 6
    w("## 6. N CLIENT sockets in one process (draft sockets)");
    w("");
    w(
        "Row 3 with the thread-safe draft sockets: N CLIENTs of the implementation named in \
         one process (the async ones: an `AsyncDraftSocket` per task), against the C peer's \
         SERVER. A CLIENT has no mailbox fd of its own; an `AsyncDraftSocket` waits through \
         a one-socket `zmq_poller`, which has one. The columns are row 3's.",
    );
    w("");
    load_tables(
        &mut w,
        results,
        6,
        &ran(6),
        &ns,
        &label,
        SOCKETS_HEAD,
        sockets_line,
    );
    w("");

    w("## Rows an implementation does not run");
    w("");
    for p in peers {
        // JSON object keys come back sorted ("1" < "2" < "4"): the rows in order.
        if let Some(why) = p.get("why").and_then(Value::as_object) {
            for (row, reason) in why {
                w(&format!(
                    "- {}, row {row}: {}.",
                    text(p, "label"),
                    py_str(Some(reason))
                ));
            }
        }
    }
    for missing in meta
        .get("missing")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        w(&format!("- {}", py_str(Some(missing))));
    }
    w("");

    w("## Goals");
    w("");
    w(&goals(results, &label));
    w("");
    if let Some(notes) = notes {
        w(notes.trim_end());
        w("");
    }
    let failures: Vec<&Value> = results.iter().filter(|r| failed(r)).collect();
    if !failures.is_empty() {
        w(&format!("## Failed runs ({})", failures.len()));
        w("");
        for r in failures.iter().take(30) {
            w(&format!(
                "- row {} {} N={}: `{}`",
                row_of(r),
                label(text(r, "peer")),
                py_str(r.get("n")),
                clip(&py_str(r.get("error")), 200)
            ));
        }
        w("");
    }
    w("## Reproduce");
    w("");
    w(
        "```sh\ncargo xtask scale            # this report (about 16 minutes on 2 cores)\n\
       cargo xtask scale --quick    # smoke test, under a minute after the build\n```",
    );
    w("");
    // The Python harness joined the lines with "\n" and wrote no newline after the last
    // (empty) one: the same bytes.
    out.pop();
    out
}

/// Rows 1, 3, 5 and 6: round trips/s by implementation and N, then one line per run
/// (`head`: that table's two header lines; `line`: a run's line from the run, N and the
/// implementation's label).
#[allow(clippy::too_many_arguments)]
fn load_tables(
    w: &mut impl FnMut(&str),
    results: &[Value],
    row: u8,
    names: &[&str],
    ns: &[i64],
    label: &dyn Fn(&str) -> String,
    head: [&str; 2],
    line: fn(&Value, i64, &str) -> String,
) {
    let get = |p: &str, n: i64| results.iter().find(|r| is_case(r, row, p, n, &[]));
    rate_table(w, names, label, "rt/s", ns, &|p, n| rt_cell(get(p, n)));
    w("");
    w(head[0]);
    w(head[1]);
    for &n in ns {
        for p in names {
            let Some(r) = get(p, n) else { continue };
            if failed(r) {
                w(&failed_row(n, &label(p), r, 7));
                continue;
            }
            w(&line(r, n, &label(p)));
        }
    }
}

/// Rows 1 and 5: the header of the table of runs.
const BROKER_HEAD: [&str; 2] = [
    "| N | implementation | rt/s | p50 round trip | p99 round trip | broker RSS MiB | broker fds | KiB per connection | CPU % broker / clients | broker CPU µs per rt |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
];

/// The cells a run's line starts with: N, the implementation, round trips/s.
fn line_start(r: &Value, n: i64, implementation: &str) -> String {
    format!(
        "| {} | {} | {} |",
        thousands(n),
        implementation,
        human(num(r, "rt_s"))
    )
}

/// Rows 1 and 5: a run's line: the broker's latency, memory, fds and CPU.
fn broker_line(r: &Value, n: i64, implementation: &str) -> String {
    // The broker's usage under load; with the clients connected when /proc could
    // not be read then.
    let loaded = if r
        .get("broker_loaded")
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()))
    {
        "broker_loaded"
    } else {
        "broker_connected"
    };
    let per_connection = match (item(r, "broker_connected", 0), item(r, "broker_base", 0)) {
        (Some(conn), Some(base)) => format!("{:.1}", (conn - base) / n as f64),
        _ => "–".into(),
    };
    format!(
        "{} {} | {} | {} | {} | {} | {:.0} / {:.0} | {:.1} |",
        line_start(r, n, implementation),
        us(num(r, "rtt_p50_us")),
        us(num(r, "rtt_p99_us")),
        item(r, loaded, 0).map_or("–".into(), |v| format!("{:.1}", v / 1024.0)),
        r.get(loaded)
            .and_then(|v| v.get(1))
            .map_or("–".into(), |v| py_str(Some(v))),
        per_connection,
        num(r, "broker_cpu_pct").unwrap_or(0.0),
        num(r, "clients_cpu_pct").unwrap_or(0.0),
        cpu_us_per(r, "broker_cpu_pct", "rt_s").unwrap_or(0.0)
    )
}

/// Rows 3 and 6: the header of the table of runs.
const SOCKETS_HEAD: [&str; 2] = [
    "| N | implementation | rt/s | p99 round trip | p99 reply-to-run | KiB per socket | fds per socket | CPU % clients / broker | client CPU µs per rt | idle CPU % |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
];

/// Rows 3 and 6: a run's line: the client process's latency and wake-up, memory and fds
/// per socket, CPU and idle CPU.
fn sockets_line(r: &Value, n: i64, implementation: &str) -> String {
    let c = r.get("clients_connected").and_then(|c| c.get(0));
    let growth = |after: &str, before: &str, digits: usize| {
        c.and_then(|c| Some((num(c, after)? - num(c, before)?) / n as f64))
            .map_or("–".into(), |v| format!("{v:.digits$}"))
    };
    format!(
        "{} {} | {} | {} | {} | {:.0} / {:.0} | {:.1} | {:.2} |",
        line_start(r, n, implementation),
        us(num(r, "rtt_p99_us")),
        us(num(r, "wake_p99_us")),
        growth("rss_kib", "rss_before_kib", 1),
        growth("fds", "fds_before", 2),
        num(r, "clients_cpu_pct").unwrap_or(0.0),
        num(r, "broker_cpu_pct").unwrap_or(0.0),
        cpu_us_per(r, "clients_cpu_pct", "rt_s").unwrap_or(0.0),
        num(r, "idle_cpu_pct").unwrap_or(0.0)
    )
}

/// A run's round trips/s: "" without the run, "failed" when it failed.
fn rt_cell(r: Option<&Value>) -> String {
    match r {
        None => String::new(),
        Some(r) if failed(r) => "failed".into(),
        Some(r) => human(num(r, "rt_s")),
    }
}

/// The header of a table of one rate per implementation, by N.
fn rate_table(
    w: &mut impl FnMut(&str),
    names: &[&str],
    label: &dyn Fn(&str) -> String,
    what: &str,
    ns: &[i64],
    rate: &dyn Fn(&str, i64) -> String,
) {
    let heads: Vec<String> = names
        .iter()
        .map(|n| format!("{} {what}", label(n)))
        .collect();
    w(&format!("| N | {} |", heads.join(" | ")));
    w(&format!("|---:|{}", "---:|".repeat(names.len())));
    for &n in ns {
        let cells: Vec<String> = names.iter().map(|p| rate(p, n)).collect();
        w(&format!("| {} | {} |", thousands(n), cells.join(" | ")));
    }
}

/// A storm cell: handshakes/s and the time, or how many completed before the deadline.
fn storm_cell(r: Option<&Value>) -> String {
    let Some(r) = r else { return String::new() };
    if failed(r) {
        return "failed".into();
    }
    let seconds = num(r, "seconds").unwrap_or(0.0);
    match (num(r, "done"), num(r, "n")) {
        (Some(done), Some(n)) if done < n => format!(
            "{}/{} in {seconds:.0} s",
            thousands(done as i64),
            thousands(n as i64)
        ),
        _ => format!("{}/s ({seconds:.2} s)", human(num(r, "hs_s"))),
    }
}

/// The goals table: rates at N = 10,000 against N = 100, the AsyncSocket's cost over a
/// sync Socket, and whether pyzmq and zmq.rs are ever ahead.
fn goals(results: &[Value], label: &dyn Fn(&str) -> String) -> String {
    let mut rows = vec![
        "| goal | result | figures |".to_string(),
        "|---|---|---|".to_string(),
    ];
    // The first run of this case that did not fail.
    let run = |row: u8, peer: &str, n: i64, matching: &[(&str, Value)]| {
        results
            .iter()
            .find(|r| is_case(r, row, peer, n, matching) && !failed(r))
    };
    let largest = |row: u8, peer: Option<&str>| {
        results
            .iter()
            .filter(|r| row_of(r) == row && peer.is_none_or(|p| text(r, "peer") == p))
            .map(n_of)
            .max()
            .unwrap_or(0)
    };
    let mid = 100;
    for (row, peer, what) in [
        (1, "sync", "sync broker"),
        (1, "async", "async broker"),
        (3, "async", "async sockets, current-thread"),
        (3, "async-mt", "async sockets, multi-thread"),
        (1, "async-io", "async-io broker"),
        (3, "async-io", "async-io sockets"),
        (5, "sync", "sync SERVER broker"),
        (5, "async", "async SERVER broker (tokio)"),
        (5, "async-io", "async SERVER broker (async-io)"),
        (3, "sync", "sync sockets"),
        // The same ratio for C libzmq: what libzmq and the kernel give.
        (1, "c", "reference, not a goal: C broker"),
        (3, "c", "reference, not a goal: C sockets"),
        (5, "c", "reference, not a goal: C SERVER broker"),
        (6, "sync", "sync CLIENT sockets"),
        (6, "async", "async CLIENT sockets (tokio, current-thread)"),
        (6, "async-mt", "async CLIENT sockets (tokio, multi-thread)"),
        (6, "async-io", "async CLIENT sockets (async-io)"),
        (6, "c", "reference, not a goal: C CLIENT sockets"),
    ] {
        let big = largest(row, Some(peer));
        let (at_big, at_mid) = (run(row, peer, big, &[]), run(row, peer, mid, &[]));
        let rates = at_big
            .and_then(|r| num(r, "rt_s"))
            .zip(at_mid.and_then(|r| num(r, "rt_s")));
        let (Some((a, b)), Some(ra), Some(rb)) = (rates, at_big, at_mid) else {
            rows.push(format!(
                "| {what}: rt/s at N = 10,000 ≥ 0.8 × N = 100 | not measured | |"
            ));
            continue;
        };
        // (The Python harness divided by zero here when N = 100 made no round trip.)
        if big <= mid || b == 0.0 {
            rows.push(format!(
                "| {what}: rt/s at N = 10,000 ≥ 0.8 × N = 100 | not measured | |"
            ));
            continue;
        }
        let ratio = a / b;
        let (key, whose) = if !matches!(row, 3 | 6) {
            ("broker_cpu_pct", "broker")
        } else {
            ("clients_cpu_pct", "clients")
        };
        let per_cpu = match (cpu_us_per(ra, key, "rt_s"), cpu_us_per(rb, key, "rt_s")) {
            (Some(ca), Some(cb)) if ca != 0.0 && cb != 0.0 => {
                format!("; per CPU-second of the {whose}: {:.2}", cb / ca)
            }
            _ => String::new(),
        };
        let verdict = if peer != "c" {
            if ratio >= 0.8 { "met" } else { "**missed**" }.to_string()
        } else {
            format!("{} 0.8", if ratio >= 0.8 { "≥" } else { "<" })
        };
        rows.push(format!(
            "| {what}: rt/s at N = {} ≥ 0.8 × N = 100 | {verdict} | {} / {} = {ratio:.2}{per_cpu} |",
            thousands(big),
            human(Some(a)),
            human(Some(b))
        ));
    }
    let big = largest(3, None);
    for (peer, runtime) in [("async", "tokio"), ("async-io", "async-io")] {
        let (Some(s), Some(a)) = (run(3, "sync", big, &[]), run(3, peer, big, &[])) else {
            continue;
        };
        let connected = |r: &Value, key: &str| {
            r.get("clients_connected")
                .and_then(|c| c.get(0))
                .and_then(|c| num(c, key))
        };
        let growth = |after: &str, before: &str| -> Option<f64> {
            Some(
                ((connected(a, after)? - connected(a, before)?)
                    - (connected(s, after)? - connected(s, before)?))
                    / big as f64,
            )
        };
        if let (Some(kib), Some(fds)) = (
            growth("rss_kib", "rss_before_kib"),
            growth("fds", "fds_before"),
        ) {
            let task = connected(a, "task_bytes").unwrap_or(0.0) / 1024.0;
            let ok = kib - task <= 1.25 && fds <= 1.0;
            rows.push(format!(
                "| AsyncSocket ({runtime}) ≤ ~1 KiB and 1 fd more than a sync Socket (N = {}) \
                 | {} | {kib:+.2} KiB per socket, of which the harness's task future is \
                 {task:.2} KiB (the task's allocation adds more); {fds:+.2} fds per socket |",
                thousands(big),
                if ok { "met" } else { "**missed**" }
            ));
        }
    }
    let others = ["py", "py-asyncio", "zmq.rs"];
    let mut behind = Vec::new();
    for r in results {
        if failed(r) || !others.contains(&text(r, "peer")) {
            continue;
        }
        let row = row_of(r);
        let key = match row {
            2 => "delivered_s",
            4 => "hs_s",
            _ => "rt_s",
        };
        let matching: Vec<(&str, Value)> = ["security", "backlog"]
            .into_iter()
            .filter_map(|k| Some((k, r.get(k)?.clone())))
            .collect();
        let best = ["sync", "async", "async-mt", "async-io"]
            .into_iter()
            .filter_map(|p| run(row, p, n_of(r), &matching).and_then(|o| num(o, key)))
            .reduce(f64::max);
        if let (Some(best), Some(theirs)) = (best, num(r, key).filter(|&v| v != 0.0)) {
            if best < theirs {
                behind.push(format!(
                    "row {row} N={} {} ({:.2}×)",
                    thousands(n_of(r)),
                    label(text(r, "peer")),
                    theirs / best
                ));
            }
        }
    }
    let measured = results.iter().any(|r| others.contains(&text(r, "peer")));
    behind.truncate(12);
    rows.push(format!(
        "| ahead of pyzmq and zmq.rs where they run | {} | {} |",
        if !measured {
            "not measured"
        } else if behind.is_empty() {
            "met"
        } else {
            "**missed**"
        },
        behind.join("; ")
    ));
    rows.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_read_as_the_python_harness_printed_them() {
        assert_eq!(human(None), "–");
        assert_eq!(human(Some(999.4)), "999");
        assert_eq!(human(Some(11_709.5)), "11.7 k");
        assert_eq!(human(Some(862_750.0)), "862.8 k");
        assert_eq!(human(Some(1_234_567.0)), "1.23 M");
        assert_eq!(us(Some(83.47)), "83 µs");
        assert_eq!(us(Some(3693.68)), "3.7 ms");
        assert_eq!(us(None), "–");
        assert_eq!(thousands(1), "1");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
        assert_eq!(py_float(1.0), "1.0");
        assert_eq!(py_float(0.1), "0.1");
        assert_eq!(py_float(15.0), "15.0");
        assert_eq!(py_float(1e16), "1e+16");
        assert_eq!(py_float(1.5e-5), "1.5e-05");
        assert_eq!(py_str(Some(&json!(20000))), "20000");
        assert_eq!(py_str(Some(&json!(2.0))), "2.0");
        assert_eq!(py_str(Some(&json!("4096"))), "4096");
        assert_eq!(py_str(None), "None");
        // Ties round to even, as Python's format does.
        assert_eq!(format!("{:.0}", 2.5), "2");
        assert_eq!(format!("{:.2}", 0.125), "0.12");
    }

    #[test]
    fn cpu_per_unit_of_work() {
        let r = json!({"broker_cpu_pct": 50.0, "rt_s": 10_000.0, "zero": 0.0});
        assert_eq!(cpu_us_per(&r, "broker_cpu_pct", "rt_s"), Some(50.0));
        assert_eq!(cpu_us_per(&r, "broker_cpu_pct", "zero"), None);
        assert_eq!(cpu_us_per(&r, "missing", "rt_s"), None);
    }

    #[test]
    fn storm_cells() {
        assert_eq!(storm_cell(None), "");
        assert_eq!(storm_cell(Some(&json!({"error": "x"}))), "failed");
        let done = json!({"n": 100, "done": 100, "seconds": 0.0513, "hs_s": 1949.3});
        assert_eq!(storm_cell(Some(&done)), "1.9 k/s (0.05 s)");
        let cut = json!({"n": 10000, "done": 9876, "seconds": 15.02, "hs_s": 657.5});
        assert_eq!(storm_cell(Some(&cut)), "9,876/10,000 in 15 s");
        let instant = json!({"n": 1, "done": 1, "seconds": 0.0, "hs_s": null});
        assert_eq!(storm_cell(Some(&instant)), "–/s (0.00 s)");
    }

    fn load(row: u8, peer: &str, n: i64, rt_s: f64) -> Value {
        json!({
            "row": row, "peer": peer, "n": n, "rt_s": rt_s,
            "rtt_p50_us": 80.0, "rtt_p99_us": 1500.0, "wake_p99_us": 40.0,
            "broker_base": [4000, 10, 3], "broker_connected": [5024, 110, 3],
            "broker_loaded": null,
            "clients_connected": [{"n": n, "rss_before_kib": 2000, "fds_before": 4,
                                   "rss_kib": 2000 + 4 * n, "fds": 4 + 2 * n, "task_bytes": 512}],
            "broker_cpu_pct": 50.0, "clients_cpu_pct": 100.0, "idle_cpu_pct": 0.25,
        })
    }

    #[test]
    fn a_small_report() {
        let meta = json!({
            "mode": "quick", "date": "2026-12-03 22:00", "commit": "abc", "cpus": 2,
            "cpu_model": "CPU", "kernel": "Linux 6", "load_before": 0.5, "load_after": 3.0,
            "wall_s": 90.0, "note": "", "warmup": 0.1, "seconds": 0.3, "idle": 0.5,
            "storm_timeout": 10.0, "fd_limit": 20000, "storm_note": "", "somaxconn": "4096",
            "missing": ["pyzmq: not measured."],
        });
        let peers = [
            json!({"name": "c", "label": "C libzmq", "note": "C", "why": {}}),
            json!({"name": "sync", "label": "zmq sync", "note": "ours", "why": {"4": "no"}}),
            json!({"name": "zmq.rs", "label": "zmq.rs 0.7", "note": "theirs", "why": {}}),
        ];
        let results = [
            load(1, "c", 100, 60_000.0),
            load(1, "sync", 100, 50_000.0),
            load(1, "sync", 1000, 45_000.0),
            json!({"row": 1, "peer": "c", "n": 1000, "error": "c: no READY line in time"}),
            load(1, "zmq.rs", 100, 55_000.0),
            load(3, "sync", 100, 40_000.0),
            load(3, "c", 100, 40_000.0),
            load(3, "async", 100, 30_000.0),
        ];
        let saved = Saved {
            meta: &meta,
            peers: &peers,
            results: &results,
        };
        let text = render(&saved, Some("## Notes\n\nBy hand.\n\n"));
        let has = |line: &str| {
            assert!(
                text.lines().any(|l| l == line),
                "no line {line:?} in\n{text}"
            )
        };
        has("| N | C libzmq rt/s | zmq sync rt/s | zmq.rs 0.7 rt/s |");
        has("|---:|---:|---:|---:|");
        has("| 100 | 60.0 k | 50.0 k | 55.0 k |");
        has("| 1,000 | failed | 45.0 k |  |");
        has("| 100 | zmq sync | 50.0 k | 80 µs | 1.5 ms | 4.9 | 110 | 10.2 | 50 / 100 | 10.0 |");
        has("| 1,000 | C libzmq | failed: c: no READY line in time | | | | | | | |");
        has("| 100 | zmq sync | 40.0 k | 1.5 ms | 40 µs | 4.0 | 2.00 | 100 / 50 | 25.0 | 0.25 |");
        has("| sync broker: rt/s at N = 1,000 ≥ 0.8 × N = 100 | met | 45.0 k / 50.0 k = 0.90; per CPU-second of the broker: 0.90 |");
        has("| async broker: rt/s at N = 10,000 ≥ 0.8 × N = 100 | not measured | |");
        has("| AsyncSocket (tokio) ≤ ~1 KiB and 1 fd more than a sync Socket (N = 100) | met | +0.00 KiB per socket, of which the harness's task future is 0.50 KiB (the task's allocation adds more); +0.00 fds per socket |");
        has("| ahead of pyzmq and zmq.rs where they run | **missed** | row 1 N=100 zmq.rs 0.7 (1.10×) |");
        has("- zmq sync, row 4: no.");
        has("- pyzmq: not measured.");
        has("## Failed runs (1)");
        has("- row 1 C libzmq N=1000: `c: no READY line in time`");
        assert!(text.contains("**Quick mode"));
        assert!(text.contains("**The machine was shared**"));
        assert!(text.contains("\n## Notes\n\nBy hand.\n\n## Failed runs"));
        assert!(text.ends_with("```\n"));
    }
}
