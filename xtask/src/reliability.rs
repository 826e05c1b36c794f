//! `reliability-report [--quick | --from LOG]`: runs the reliability and security scenario
//! tests, collects their `FIGURE <id> ...` lines and writes docs/reliability.md, one row
//! per scenario of docs/design/reliability.md plus the several-host and pyzmq rows.
//!
//! No argument runs the whole suite (`cargo xtask test -- --nocapture`, so the async
//! adapter's row is found too); `--quick` only the test crates with scenarios; `--from LOG`
//! builds the table from a saved test log. The log of the run is kept in
//! target/reliability-report.log. The SOAK row comes from the last `cargo xtask soak`
//! (target/soak.figure). Figures are measurements of one run; the tests assert behaviour,
//! not times.

use crate::util::{cargo, cmd, output, root, Result};
use std::fmt::Write as _;
use std::fs;
use std::process::Stdio;

const OUT: &str = "docs/reliability.md";
const LOG: &str = "target/reliability-report.log";

/// id, what the scenario checks, the test that prints its figure.
const ROWS: &[(&str, &str, &str)] = &[
    (
        "S1",
        "CURVE with valid keys, 2-frame bounce, exactly one HANDSHAKE_SUCCEEDED each side; 255-byte routing id",
        "security::curve::s1_curve_valid_credentials",
    ),
    (
        "S2",
        "CURVE client with the wrong server key (and all-zero keys) refused by the cryptography, ZAP never asked",
        "security::curve::s2_curve_wrong_server_key",
    ),
    (
        "S3",
        "CURVE client key unknown to the authenticator: ZAP 400, one HANDSHAKE_FAILED_AUTH 400",
        "security::curve::s3_curve_unknown_client_key",
    ),
    (
        "S4",
        "Mechanism mismatch (NULL/PLAIN vs CURVE, PLAIN server vs PLAIN server) refused before ZAP",
        "security::curve::s4_mechanism_mismatch",
    ),
    (
        "S5",
        "Raw-TCP ZMTP/1.0 injection into CURVE, PLAIN and NULL+ZAP servers",
        "security::curve::s5_raw_tcp_injection",
    ),
    (
        "S6",
        "Malformed CURVE HELLO/INITIATE from a raw peer: exact protocol errors, server stays up",
        "security::curve::s6_malformed_curve_handshake",
    ),
    (
        "S7",
        "PLAIN: right/wrong credentials, no ZAP handler, unconfigured authenticator",
        "security::plain::s7_plain",
    ),
    (
        "S8",
        "ZAP allow/deny by address for NULL, PLAIN and CURVE; mixing is an error",
        "security::zap::s8_zap_address_rules",
    ),
    (
        "S9",
        "Our ZAP replies well-formed (property test); libzmq refuses 10 handler misbehaviours x 3 mechanisms; garbage gets 400",
        "security::zap::s9_zap_handler_correctness",
    ),
    (
        "S10",
        "User-Id and ZAP metadata reach messages",
        "security::zap::s10_identity_reaches_messages",
    ),
    (
        "S11",
        "ZAP domain semantics; CURVE without ZAP accepts anyone, our authenticator only with explicit allow_any",
        "security::zap::s11_domains_and_curve_default",
    ),
    (
        "S12",
        "Key hygiene: bad key lengths, Z85 property test, Debug hides secrets, zeroed on drop, 0600 secret files",
        "security::certs::s12_key_hygiene",
    ),
    (
        "R13",
        "Malformed ZMTP from raw peers (NULL PUB, CURVE DEALER, STREAM; and as client of a malicious server)",
        "core::robustness::r13_malformed_zmtp_from_raw_peers",
    ),
    (
        "R14",
        "Invalid endpoints: clear errors naming the endpoint; random endpoint strings",
        "core::robustness::r14_invalid_endpoints",
    ),
    (
        "R15",
        "Random raw option values; HEARTBEAT_TTL boundary; typed option round trip",
        "core::robustness::r15_option_values",
    ),
    (
        "R16",
        "MAXMSGSIZE=64: oversize multipart disconnects, nothing partial delivered, flows after reconnect",
        "core::robustness::r16_maxmsgsize",
    ),
    (
        "F17",
        "HWM with DONTWAIT gives EAGAIN, nothing lost (inproc both orders, tcp)",
        "core::flow_control::f17_hwm_dontwait",
    ),
    (
        "F18",
        "No peers and timeouts: DONTWAIT, SNDTIMEO, RCVTIMEO give EAGAIN",
        "core::flow_control::f18_no_peers_and_timeouts",
    ),
    (
        "F19",
        "Backpressure reported: ROUTER_MANDATORY (unknown peer, full peer), XPUB_NODROP",
        "core::flow_control::f19_backpressure_reported",
    ),
    (
        "F20",
        "Multipart atomicity across a receiver restart, HWM 1, 16 MiB frames",
        "core::flow_control::f20_multipart_atomicity",
    ),
    (
        "L21",
        "Reconnect after peer restart with the exact monitor sequence; RECONNECT_IVL=-1",
        "core::lifecycle::l21_reconnect_after_peer_restart",
    ),
    (
        "L22",
        "Heartbeats detect a dead raw peer; PING TTL honoured; healthy NULL and CURVE pairs stay up",
        "core::lifecycle::l22_heartbeats_detect_dead_peer",
    ),
    (
        "L23",
        "Typed monitor stream of connect/bounce/close; unknown codes are values",
        "core::lifecycle::l23_socket_monitor_sequence",
    ),
    (
        "T24",
        "ETERM during blocking recv, Poller::poll and zmq::poll at Context::shutdown",
        "core::shutdown::t24_eterm_during_blocking_recv",
    ),
    (
        "T25",
        "Drop orders of sockets and contexts never hang (1000 iterations)",
        "core::shutdown::t25_drop_order_never_hangs",
    ),
    (
        "T26",
        "Shutdown stress: 10 x 100 threads connecting and closing, 7 I/O threads",
        "core::shutdown::t26_shutdown_stress",
    ),
    (
        "T27",
        "Send/!Sync compile-fail checks, sockets across threads, socket limit EMFILE",
        "core::shutdown::t27_threads_and_limits",
    ),
    (
        "A28",
        "tokio adapter: edge-trigger correctness and cancellation safety (tokio workstream's test)",
        "(tokio adapter tests)",
    ),
    (
        "NETNS-HB",
        "Two hosts (netns + veth): heartbeats detect a cut link, reconnect when it returns",
        "netns::heartbeats_detect_cut_link_and_reconnect",
    ),
    (
        "NETNS-LP",
        "Two hosts: Lazy Pirate REQ client across a cut link, exactly-once execution",
        "netns::lazy_pirate_survives_a_cut_link",
    ),
    (
        "SEC-PYZMQ",
        "Our authenticator and certificates against pyzmq 27.3.0 clients and files",
        "security::certs::authenticator_against_pyzmq_clients",
    ),
    (
        "FAULT-LP",
        "Lazy Pirate REQ/REP through our fault proxy (50±20 ms latency, resets in flight): nothing lost, nothing executed twice",
        "core::faults::lazy_pirate_through_latency_and_resets_loses_nothing",
    ),
    (
        "FAULT-PUBSUB",
        "PUB/SUB through a 256 KiB/s link with a reset: losses counted and reported, order kept",
        "core::faults::pubsub_through_a_capped_link_with_a_reset_counts_its_losses",
    ),
    (
        "FAULT-HB",
        "DEALER/ROUTER heartbeats (100/500 ms) detect a black hole; reconnect after it",
        "core::faults::heartbeats_detect_a_black_hole_and_reconnect_after_it",
    ),
    (
        "FAULT-RESET",
        "Connections come back after 5 RST resets, a round trip after each",
        "core::faults::connections_come_back_after_resets",
    ),
    (
        "SOAK",
        "Endurance (cargo xtask soak): 200 Lazy Pirate clients in 20 processes (sync/async, NULL/CURVE), random reconnects, 2 SIGKILLs a minute; RSS, fds, threads, loss, double execution",
        "cargo xtask soak (target/soak.figure)",
    ),
    (
        "SEC-ASYNC",
        "The async authenticator (a tokio task): allowed/refused CURVE keys, garbage, stop (both runtime flavours)",
        "async_rt::security::async_authenticator_current_thread",
    ),
];

/// The hand-written notes under the table.
const NOTES: &str = r#"## Where our figures differ from the anchors, and why

- **S2**: with an all-zero *server* key the failure (ZMTP_CRYPTOGRAPHIC) is reported by the
  client, which cannot build a HELLO box for that key; the other cases fail on the server.
  The figure counts events on both sides.
- **S4**: a PLAIN client that is itself a PLAIN server is not a mechanism *mismatch* to
  libzmq (both greetings say PLAIN): both ends wait for a HELLO that never comes, and the
  handshake ends at HANDSHAKE_IVL (500 ms in the test) with HANDSHAKE_FAILED_NO_DETAIL.
  Nothing is delivered and ZAP is not asked.
- **S9**: our ten handler misbehaviours are wrong version, wrong request id, invalid
  status, 300, 500, too many parts, too few parts, invalid metadata, never replying, and
  closing the handler; the last two end when the server's HANDSHAKE_IVL (500 ms) expires.
- **R13**: `rss_growth_kib` is the whole test process's growth while other tests run in
  parallel; with `ZMQ_STRESS=1` (10x the cases) it stays the same size.
- **R14**: `tcp://1.2.3.4.5:1234567` gives ENODEV on bind (libzmq reads `1.2.3.4.5` as an
  interface name), and connecting to it is accepted (tcp connects resolve lazily); the
  zmq 0.10 `monitor` method returns the bare error, so that case cannot name its endpoint.
- **R15**: the round trip covers the options with a getter and a setter that this build
  of libzmq accepts; GSSAPI and NORM are not compiled in, and libzmq cannot read back
  PROBE_ROUTER, ROUTER_MANDATORY and ROUTER_HANDOVER (listed in the figure).
- **F17**: "one more send after draining" is a blocking send bounded by SNDTIMEO: the
  receiver's "room again" notice reaches the sender asynchronously, so a DONTWAIT retry
  at once can still see the pipe full.
- **F20**: the async-sink half of the scenario belongs to the tokio adapter's tests.
- **L21**: the pyzmq kill-and-restart variant is in the interop workstream's tests.
- **FAULT-PUBSUB**: the loss is the figure, not a failure: PUB drops at its high-water
  mark what the capped link cannot carry, and what is sent while the SUB reconnects after
  the reset. The test checks that the count adds up and that what arrives is in order.
- **SOAK**: from a separate `cargo xtask soak` run (its `target/soak.figure`; `minutes` says
  how long), not from the test suite. Its processes call glibc's `malloc_trim(0)` once a second:
  without it, RSS creeps up while the heap in use stays flat (docs/scale-limits.md).
- **T24**: `shutdown_to_eterm_ms` is reported, not asserted (no test asserts a time);
  the watchdog is the hang detector.
- **T25**: case (b) uses `Context::set_blocky(false)`, the documented recommendation:
  under libzmq's default infinite linger a message queued for a peer that never comes
  keeps `zmq_ctx_term` waiting by design.
- **T27**: the compile-fail cases are the synchronous `compile_fail` doctests of
  `src/compile_fail.rs` (run by rustdoc), type-checked again here with rustc against the
  built library, each checked for its expected error code; the threads figure is 8 threads x 2000 over
  inproc, plus upstream's 2 x 15000 on one shared draft CLIENT (without its 2 extra
  messages).
"#;

/// `cargo xtask reliability-report [--quick | --from LOG]`.
pub fn report(args: &[String]) -> Result {
    let log_path = root().join(LOG);
    fs::create_dir_all(root().join("target")).map_err(|e| e.to_string())?;
    let mut log = match args {
        [flag, from] if flag == "--from" => {
            fs::read_to_string(from).map_err(|e| format!("{from}: {e}"))?
        }
        [flag] if flag == "--quick" => {
            crate::tests::pyenv()?;
            run_keeping_output(
                cargo()
                    .args(["test", "--features", crate::tests::FEATURES])
                    .args(["--test", "security", "--test", "async_rt"])
                    .args(["--test", "core", "--test", "netns"])
                    .args(["--", "--nocapture"])
                    .env("ZMQ_TEST_PYTHON", crate::tests::python()),
            )
        }
        [] => run_keeping_output(
            cmd(&std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())).args([
                "xtask",
                "test",
                "--",
                "--nocapture",
            ]),
        ),
        _ => return Err("usage: cargo xtask reliability-report [--quick | --from LOG]".into()),
    };
    // The endurance run is not part of the test suite: its figure comes from the last
    // `cargo xtask soak` run, when there is one.
    if !log.lines().any(|l| l.starts_with("FIGURE SOAK ")) {
        if let Ok(soak) = fs::read_to_string(root().join("target/soak.figure")) {
            log.push_str(&soak);
        }
    }
    fs::write(&log_path, &log).map_err(|e| format!("{LOG}: {e}"))?;
    if log.lines().any(|l| l.starts_with("test result: FAILED")) {
        return Err("some tests failed; the table would not be from a green run".into());
    }
    fs::write(root().join(OUT), render(&log, &facts())).map_err(|e| format!("{OUT}: {e}"))?;
    let figures = log.lines().filter(|l| l.starts_with("FIGURE ")).count();
    println!("reliability-report: wrote {OUT} ({figures} figure lines)");
    Ok(())
}

/// Runs a test command, printing only its FIGURE and result lines; returns all it printed.
fn run_keeping_output(command: &mut std::process::Command) -> String {
    let out = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output();
    let text = match out {
        Ok(out) => {
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            if !out.status.success() {
                text.push_str("\ntest result: FAILED (the test command failed)\n");
            }
            text
        }
        Err(e) => format!("test result: FAILED (could not start the tests: {e})\n"),
    };
    for line in text.lines() {
        if line.starts_with("FIGURE") || line.starts_with("test result") {
            println!("{line}");
        }
    }
    text
}

/// The run's facts for the header: commit, date, machine.
struct Facts {
    commit: String,
    dirty: bool,
    date: String,
    machine: String,
}

fn facts() -> Facts {
    let text = |command: &mut std::process::Command| {
        output(command.stderr(Stdio::null()))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let commit = text(cmd("git").args(["rev-parse", "--short", "HEAD"]));
    // Whether the tree differs from the commit (the table itself aside).
    let dirty = !cmd("git")
        .args(["diff", "--quiet", "HEAD", "--", "."])
        .arg(format!(":(exclude){OUT}"))
        .status()
        .is_ok_and(|s| s.success());
    Facts {
        commit: if commit.is_empty() {
            "unknown".into()
        } else {
            commit
        },
        dirty,
        date: text(cmd("date").args(["-u", "+%Y-%m-%d %H:%M"])),
        machine: format!(
            "{} cores, {}, {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            text(cmd("uname").arg("-sr")),
            text(cmd("rustc").arg("--version"))
        ),
    }
}

/// The figure of one id without its `FIGURE <id> ` prefix, pipes escaped; a dash if none.
fn figure(log: &str, id: &str) -> String {
    let prefix = format!("FIGURE {id} ");
    log.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map_or_else(|| "—".to_string(), |f| f.replace('|', "\\|"))
}

fn render(log: &str, facts: &Facts) -> String {
    let mut md = String::new();
    md.push_str(
        "# Reliability and security scenarios: figures\n\n\
         Generated by `cargo xtask reliability-report` from one run of the test suite; do not\n\
         edit by hand. Each test asserts the behaviour and prints one `FIGURE <id> key=value ...`\n\
         line; times are measurements of that run, never verdicts. The scenarios are those of\n\
         [the scenario catalogue](design/reliability.md) (S1-S12, R13-R16, F17-F20, L21-L23, \
         T24-T27, A28), plus\nseveral-host and pyzmq rows.\n\n",
    );
    let dirty = if facts.dirty {
        " (with uncommitted changes)"
    } else {
        ""
    };
    let _ = writeln!(md, "- commit: `{}`{dirty}", facts.commit);
    let _ = writeln!(md, "- date (UTC): {}", facts.date);
    let _ = writeln!(md, "- machine: {}", facts.machine);
    md.push_str("- build: debug (`cargo test --features full`), libzmq 4.3.5 vendored\n\n");
    md.push_str("| id | scenario | test | figure |\n|---|---|---|---|\n");
    for (id, what, test) in ROWS {
        let _ = writeln!(md, "| {id} | {what} | `{test}` | {} |", figure(log, id));
    }
    md.push_str(
        "\nA dash means the run printed no figure for that id (for A28: the tokio adapter's\n\
         test was not part of this run).\n\n",
    );
    md.push_str(NOTES);
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_takes_the_first_figure_of_its_id_with_pipes_escaped() {
        let log = "noise\nFIGURE S1 a=1 b|c\nFIGURE S1 later\nFIGURE S10 other\n";
        assert_eq!(figure(log, "S1"), "a=1 b\\|c");
        assert_eq!(figure(log, "S10"), "other");
        assert_eq!(figure(log, "S2"), "—");
    }

    #[test]
    fn every_row_is_in_the_table_once() {
        let facts = Facts {
            commit: "abc".into(),
            dirty: true,
            date: "d".into(),
            machine: "m".into(),
        };
        let md = render("FIGURE S3 x=1\n", &facts);
        assert!(md.contains("- commit: `abc` (with uncommitted changes)\n"));
        assert!(md.contains("| S3 | "));
        assert!(md.contains("| `security::curve::s3_curve_unknown_client_key` | x=1 |\n"));
        assert_eq!(md.matches("\n| ").count(), ROWS.len() + 1);
        assert!(md.ends_with("messages).\n"));
    }
}
