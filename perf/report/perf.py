#!/usr/bin/env python3
"""Side-by-side performance of this crate against libzmq's C perf tools and other crates.

One command (`cargo xtask perf`, which runs this file) does everything:

1. builds this crate's perf tools (`perf/`, package `zmq-perf`) in release mode;
2. builds libzmq's own C perf tools (`perf/*.cpp` of the `zeromq-src` crate in cargo's
   registry, the very source zmq-sys compiles) against the `libzmq.a` that zmq-sys built,
   into target/perf/c (nothing is copied into the repository);
3. builds the same tools against rust-zmq 0.10 (our `perf/src` sources, unchanged: the
   API is the same) and against zmq.rs (`perf/others/zmqrs_perf.rs`), each in a Cargo
   project generated under target/perf; one that cannot build is reported and skipped;
4. runs every implementation over tcp, ipc and inproc (where it supports it), for 64 B,
   1 KiB and 64 KiB messages, throughput and latency, for several rounds, interleaved
   (each round runs every case for every implementation, in a rotating order), after a
   warm-up;
5. prints medians (msg/s, Mb/s, latency, peak RSS of the receiving/binding process) with
   each figure as a ratio to C from the same run, writes docs/perf.md and docs/perf.svg,
   and keeps the raw samples in target/perf/results.json.

Options: --quick (tiny counts, one round: a smoke test in seconds), --rounds N,
--only NAME[,NAME] (implementations), --transports, --sizes, --no-build,
--report-only (re-render docs from target/perf/results.json), --out DIR.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.path.join(ROOT, "target")
WORK = os.path.join(TARGET, "perf")
RELEASE = os.path.join(TARGET, "release")

SIZES = [64, 1024, 65536]
TRANSPORTS = ["tcp", "ipc", "inproc"]
KINDS = ["thr", "lat"]

# Messages (throughput) and round trips (latency) per run, by transport class ("net" is
# tcp and ipc): each run takes about half a second to a second with C on the 2-core machine
# this was written on (round trips are slowest on an idle machine: ~50 µs one way over
# tcp), long enough to dwarf start-up, short enough for three rounds in about 5 minutes.
COUNTS = {
    ("thr", "net", 64): 2_000_000,
    ("thr", "net", 1024): 500_000,
    ("thr", "net", 65536): 20_000,
    ("thr", "inproc", 64): 3_000_000,
    ("thr", "inproc", 1024): 1_500_000,
    ("thr", "inproc", 65536): 400_000,
    ("lat", "net", 64): 10_000,
    ("lat", "net", 1024): 10_000,
    ("lat", "net", 65536): 5_000,
    ("lat", "inproc", 64): 20_000,
    ("lat", "inproc", 1024): 20_000,
    ("lat", "inproc", 65536): 20_000,
}
# --quick: a smoke test of every path, in seconds; its figures mean little.
QUICK_COUNTS = {key: max(count // 100, 100) for key, count in COUNTS.items()}


def transport_class(transport):
    return "inproc" if transport == "inproc" else "net"


RUN_TIMEOUT = 60.0


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run_checked(argv, cwd=ROOT, env=None, capture=False):
    log("$ " + " ".join(argv))
    return subprocess.run(
        argv, cwd=cwd, env=env, check=True, text=True,
        stdout=subprocess.PIPE if capture else None,
    )


# ---------------------------------------------------------------- implementations


class Impl:
    """One implementation under test: how to run each tool."""

    def __init__(self, name, label, note, argv, transports, available=True, why=""):
        self.name = name
        self.label = label
        self.note = note
        self._argv = argv  # (tool, endpoint_or_None, size, count) -> argv
        self.transports = transports
        self.available = available
        self.why = why

    def argv(self, tool, endpoint, size, count):
        return self._argv(tool, endpoint, size, count)


def rust_tool_argv(bin_dir, extra=()):
    def argv(tool, endpoint, size, count):
        args = [os.path.join(bin_dir, tool)]
        if endpoint is not None:
            args.append(endpoint)
        return args + [str(size), str(count)] + list(extra)
    return argv


def c_tool_argv(bin_dir):
    return rust_tool_argv(bin_dir)


def zmqrs_argv(binary):
    def argv(tool, endpoint, size, count):
        return [binary, tool, endpoint, str(size), str(count)]
    return argv


# ---------------------------------------------------------------- building


def cargo_build_ours():
    """Builds the zmq-perf tools; returns zmq-sys's build-script facts (lib paths)."""
    out = run_checked(
        ["cargo", "build", "--release", "-p", "zmq-perf", "--message-format=json"],
        capture=True,
    ).stdout
    facts = None
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "build-script-executed" and "zmq-sys" in msg.get("package_id", ""):
            facts = msg
    if facts is None:
        raise SystemExit("could not find zmq-sys's build output in cargo's messages")
    return facts


def registry_libzmq_source():
    """The libzmq source tree that zmq-sys compiles (zeromq-src, pinned in zmq-sys)."""
    manifest = open(os.path.join(ROOT, "zmq-sys", "Cargo.toml")).read()
    pinned = None
    for line in manifest.splitlines():
        if line.startswith("zeromq-src"):
            pinned = line.split('"=', 1)[1].split('"', 1)[0]
    if not pinned:
        raise SystemExit("zmq-sys/Cargo.toml does not pin zeromq-src with =x.y.z")
    home = os.environ.get("CARGO_HOME", os.path.expanduser("~/.cargo"))
    found = sorted(glob.glob(os.path.join(home, "registry", "src", "*", f"zeromq-src-{pinned}+*")))
    if not found:
        raise SystemExit(f"zeromq-src {pinned} is not in cargo's registry ({home}); run cargo build first")
    vendor = os.path.join(found[-1], "vendor")
    if not os.path.isdir(os.path.join(vendor, "perf")):
        raise SystemExit(f"{vendor} has no perf/ directory")
    return pinned, vendor


def build_c_tools(facts):
    """Compiles libzmq's perf/*.cpp against the libzmq.a that zmq-sys built."""
    pinned, vendor = registry_libzmq_source()
    libs = []
    for name in ("libzmq.a", "libsodium.a"):
        for path in facts.get("linked_paths", []):
            path = path.split("=", 1)[-1]
            candidate = os.path.join(path, name)
            if os.path.isfile(candidate):
                libs.append(candidate)
                break
    if not any(lib.endswith("libzmq.a") for lib in libs):
        raise SystemExit("zmq-sys's libzmq.a was not found in its link paths")
    out_dir = facts["out_dir"]  # holds the platform.hpp that libzmq was compiled with
    dest = os.path.join(WORK, "c")
    os.makedirs(dest, exist_ok=True)
    cxx = os.environ.get("CXX", "c++")
    for tool in ("local_thr", "remote_thr", "local_lat", "remote_lat", "inproc_thr", "inproc_lat"):
        run_checked([
            cxx, "-O2", "-DZMQ_STATIC", "-I" + os.path.join(vendor, "include"), "-I" + out_dir,
            "-I" + os.path.join(vendor, "src"), os.path.join(vendor, "perf", tool + ".cpp"),
            "-o", os.path.join(dest, tool), *libs, "-lpthread",
        ])
    return dest, f"libzmq 4.3.5 from zeromq-src {pinned}"


RUST_ZMQ_MANIFEST = """\
# Generated by perf/report/perf.py: this repository's perf tools built against rust-zmq 0.10.
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
"""

ZMQRS_MANIFEST = """\
# Generated by perf/report/perf.py: libzmq's perf tools written against zmq.rs.
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
zeromq = {{ version = "=0.7.0", default-features = false, features = ["tokio-runtime", "all-transport"] }}
tokio = {{ version = "1", features = ["rt", "time"] }}
bytes = "1"

[profile.release]
debug = 1
"""


def build_generated(name, manifest):
    """Builds a generated project under target/perf/<name>; returns its release dir or raises."""
    project = os.path.join(WORK, name)
    os.makedirs(project, exist_ok=True)
    path = os.path.join(project, "Cargo.toml")
    if not os.path.exists(path) or open(path).read() != manifest:
        with open(path, "w") as f:
            f.write(manifest)
    run_checked(["cargo", "build", "--release", "--manifest-path", path])
    return os.path.join(project, "target", "release")


def build_all(args):
    impls = []
    facts = cargo_build_ours()
    c_dir, c_source = build_c_tools(facts)
    all_transports = set(TRANSPORTS)
    impls.append(Impl("c", "C libzmq", f"libzmq's perf tools ({c_source}), same libzmq.a as ours",
                      c_tool_argv(c_dir), all_transports))
    impls.append(Impl("sync", "zmq sync", "this crate, blocking API, libzmq defaults",
                      rust_tool_argv(RELEASE), all_transports))
    impls.append(Impl("tuned", "zmq sync tuned", "this crate, blocking API, zmq::tuning::throughput (256 KiB batches)",
                      rust_tool_argv(RELEASE, ["--tuned"]), all_transports))
    impls.append(Impl("bytes", "zmq sync bytes",
                      "this crate, blocking API, the sender sends clones of one bytes::Bytes (zero copy), "
                      "libzmq defaults",
                      rust_tool_argv(RELEASE, ["--bytes"]), all_transports))
    impls.append(Impl("bytes-tuned", "zmq sync bytes tuned",
                      "this crate, blocking API, clones of one bytes::Bytes (zero copy) and "
                      "zmq::tuning::throughput on both sides",
                      rust_tool_argv(RELEASE, ["--bytes", "--tuned"]), all_transports))
    probe = subprocess.run([os.path.join(RELEASE, "inproc_thr"), "64", "10", "--async"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    impls.append(Impl("async", "zmq async", "this crate, tokio adapter (current-thread runtime)",
                      rust_tool_argv(RELEASE, ["--async"]), all_transports,
                      available=probe.returncode == 0,
                      why=probe.stdout.strip().splitlines()[-1] if probe.returncode else ""))

    bins = "".join(
        f'[[bin]]\nname = "{t}"\npath = "{ROOT}/perf/src/bin/{t}.rs"\n\n'
        for t in ("local_thr", "remote_thr", "local_lat", "remote_lat", "inproc_thr", "inproc_lat")
    )
    try:
        bin_dir = build_generated("rust-zmq", RUST_ZMQ_MANIFEST.format(root=ROOT, bins=bins))
        impls.append(Impl("rust-zmq", "rust-zmq 0.10",
                          "crates.io zmq 0.10.0 (libzmq 4.3.4 via zeromq-src 0.2), our tool sources",
                          rust_tool_argv(bin_dir), all_transports))
    except subprocess.CalledProcessError as err:
        impls.append(Impl("rust-zmq", "rust-zmq 0.10", "", None, set(), available=False,
                          why=f"build failed ({err})"))
    try:
        bin_dir = build_generated("zmqrs", ZMQRS_MANIFEST.format(root=ROOT))
        impls.append(Impl("zmq.rs", "zmq.rs 0.7",
                          "crates.io zeromq 0.7.0, pure Rust, tokio current-thread; no inproc",
                          zmqrs_argv(os.path.join(bin_dir, "zmqrs_perf")), {"tcp", "ipc"}))
    except subprocess.CalledProcessError as err:
        impls.append(Impl("zmq.rs", "zmq.rs 0.7", "", None, set(), available=False,
                          why=f"build failed ({err})"))
    return impls


# ---------------------------------------------------------------- running


def tcp_listening(port):
    """Whether some process listens on 127.0.0.1:port (read from /proc, no connection made)."""
    want = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[1].endswith(want) and fields[3] == "0A":
                        return True
        except OSError:
            continue
    return False


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(transport, address, proc, deadline):
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if transport == "tcp" and tcp_listening(address):
            return True
        if transport == "ipc" and os.path.exists(address):
            return True
        time.sleep(0.002)
    return False


def peak_rss_kib(pid):
    """VmHWM of a live process (its peak RSS so far), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def reap(proc, deadline, peaks, watch=()):
    """Waits for proc; returns its exit code, or None after killing it at the deadline.

    Meanwhile it records the peak RSS (KiB) of proc and of the `watch` processes in
    `peaks` (by pid): the last VmHWM read from /proc while each ran, polled every few ms.
    wait4's ru_maxrss would be wrong here: Linux counts the RSS that a forked child had
    before exec, i.e. this Python process's."""
    while True:
        # Read VmHWM before reaping: once a process is reaped, /proc forgets it.
        for p in (proc, *watch):
            hwm = peak_rss_kib(p.pid)
            if hwm:
                peaks[p.pid] = max(peaks.get(p.pid, 0), hwm)
        pid, status = os.waitpid(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode
        if time.monotonic() > deadline:
            proc.kill()
            os.waitpid(proc.pid, 0)
            proc.returncode = -9
            return None
        time.sleep(0.002)


def parse_output(text):
    values = {}
    for line in text.splitlines():
        if line.startswith("mean throughput:") and "[msg/s]" in line:
            values["msgs"] = float(line.split(":")[1].split("[")[0])
        elif line.startswith("mean throughput:") and "[Mb/s]" in line:
            values["mbps"] = float(line.split(":")[1].split("[")[0])
        elif line.startswith("average latency:"):
            values["lat_us"] = float(line.split(":")[1].split("[")[0])
    return values


def run_case(impl, kind, transport, size, count, ipc_dir, serial):
    """Runs one measurement; returns a dict of figures, or one with an 'error'."""
    deadline = time.monotonic() + RUN_TIMEOUT
    env = dict(os.environ)
    env.pop("ZMQ_PERF_KNOBS", None)
    if transport == "inproc":
        argv = impl.argv(f"inproc_{kind}", None, size, count)
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        peaks = {}
        rc = reap(proc, deadline, peaks)
        out = proc.stdout.read().decode(errors="replace")
        result = parse_output(out)
        result["rss_kib"] = peaks.get(proc.pid, 0)
        if rc != 0 or not result.keys() - {"rss_kib"}:
            result["error"] = f"rc={rc}: {out.strip()[-200:]}"
        return result

    if transport == "tcp":
        port = free_port()
        address, endpoint = port, f"tcp://127.0.0.1:{port}"
    else:
        address = os.path.join(ipc_dir, f"{serial}.ipc")
        endpoint = "ipc://" + address
    local = subprocess.Popen(impl.argv(f"local_{kind}", endpoint, size, count),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    if not wait_ready(transport, address, local, deadline):
        local.kill()
        reap(local, deadline + 5, {})
        return {"error": "the local side did not start listening: "
                + local.stdout.read().decode(errors="replace").strip()[-200:]}
    remote = subprocess.Popen(impl.argv(f"remote_{kind}", endpoint, size, count),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    # Wait for the side that prints first (the receiver for throughput, the requester for
    # latency), then give the other a few seconds to finish: C and this crate exit after
    # their linger, zmq.rs (which has no linger) waits to be ended.
    printer, other = (local, remote) if kind == "thr" else (remote, local)
    peaks = {}
    rc_printer = reap(printer, deadline, peaks, watch=(other,))
    lingerless = impl.name == "zmq.rs" and other is remote
    grace = 0.05 if lingerless else 5 if rc_printer == 0 else 1
    rc_other = reap(other, time.monotonic() + grace, peaks)
    if rc_other is None and rc_printer == 0 and lingerless:
        rc_other = 0  # ended on purpose, see above
    rc_local, rc_remote = (rc_printer, rc_other) if printer is local else (rc_other, rc_printer)
    rss = peaks.get(local.pid, 0)
    out_local = local.stdout.read().decode(errors="replace")
    out_remote = remote.stdout.read().decode(errors="replace")
    if transport == "ipc":
        try:
            os.unlink(address)
        except OSError:
            pass
    result = parse_output(out_local if kind == "thr" else out_remote)
    result["rss_kib"] = rss
    if rc_local != 0 or rc_remote != 0 or not result.keys() - {"rss_kib"}:
        result["error"] = (f"local rc={rc_local} remote rc={rc_remote}: "
                           f"{(out_local + out_remote).strip()[-200:]}")
    return result


def measure(impls, args):
    counts = QUICK_COUNTS if args.quick else COUNTS
    live = [i for i in impls if i.available]
    cases = [(kind, transport, size) for transport in args.transports for size in args.sizes
             for kind in KINDS]
    samples = []
    loads = []
    ipc_dir = tempfile.mkdtemp(prefix="zmq-perf-")
    serial = 0
    try:
        # Warm-up: page in every binary and let the CPU settle; the results are dropped.
        log("warm-up")
        for impl in live:
            for transport in ("tcp", "inproc"):
                if transport in impl.transports and transport in args.transports:
                    serial += 1
                    count = counts[("thr", transport_class(transport), 1024)] // 4
                    run_case(impl, "thr", transport, 1024, count, ipc_dir, serial)
        for round_no in range(args.rounds):
            loads.append(os.getloadavg())
            started = time.monotonic()
            for case_no, (kind, transport, size) in enumerate(cases):
                # Rotate the order so that no implementation always runs first or last.
                shift = (round_no + case_no) % len(live)
                order = live[shift:] + live[:shift]
                for impl in order:
                    if transport not in impl.transports:
                        continue
                    serial += 1
                    count = counts[(kind, transport_class(transport), size)]
                    result = run_case(impl, kind, transport, size, count, ipc_dir, serial)
                    result.update(impl=impl.name, kind=kind, transport=transport, size=size,
                                  count=count, round=round_no)
                    samples.append(result)
                    if "error" in result:
                        log(f"  {impl.name} {kind} {transport} {size}: ERROR {result['error']}")
            log(f"round {round_no + 1}/{args.rounds}: {time.monotonic() - started:.0f} s, "
                f"load {loads[-1][0]:.2f}")
        loads.append(os.getloadavg())
    finally:
        shutil.rmtree(ipc_dir, ignore_errors=True)
    return samples, loads


# ---------------------------------------------------------------- reporting


def medians(samples):
    """{(impl, kind, transport, size): {metric: median}} over the rounds without errors."""
    groups = {}
    for s in samples:
        if "error" in s:
            continue
        groups.setdefault((s["impl"], s["kind"], s["transport"], s["size"]), []).append(s)
    out = {}
    for key, group in groups.items():
        figures = {"n": len(group)}
        for metric in ("msgs", "mbps", "lat_us", "rss_kib"):
            values = [g[metric] for g in group if metric in g]
            if values:
                figures[metric] = statistics.median(values)
                figures[metric + "_best"] = min(values) if metric == "lat_us" else max(values)
                figures[metric + "_spread"] = (max(values) - min(values)) / max(statistics.median(values), 1e-9)
        out[key] = figures
    return out


def human(value, unit=""):
    for factor, suffix in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if value >= factor:
            return f"{value / factor:.2f}{suffix}{unit}"
    return f"{value:.0f} {unit}".rstrip()


def size_label(size):
    return f"{size // 1024} KiB" if size >= 1024 else f"{size} B"


def ratio(value, base):
    if value is None or base in (None, 0):
        return None
    return value / base


def fmt_ratio(r):
    return "–" if r is None else f"{r:.2f}×"


def render(meta, impls, samples, loads, out_dir):
    med = medians(samples)
    names = [i["name"] for i in impls if i["available"]]
    labels = {i["name"]: i["label"] for i in impls}
    transports = meta["transports"]
    sizes = meta["sizes"]

    def get(name, kind, transport, size, metric):
        return med.get((name, kind, transport, size), {}).get(metric)

    lines = []
    w = lines.append
    w("# Performance: this crate next to libzmq's C perf tools")
    w("")
    w("Generated by `cargo xtask perf` (perf/report/perf.py); do not edit by hand. "
      "Each figure is the median of the rounds; **×** is the ratio to C measured in the same run "
      "(throughput: higher is better; latency and memory: lower is better).")
    w("")
    w("## Run")
    w("")
    w(f"- date: {meta['date']}; commit `{meta['commit']}`; mode: {meta['mode']}; rounds: {meta['rounds']}")
    w(f"- machine: {meta['cpus']} CPUs ({meta['cpu_model']}), {meta['kernel']}")
    la = meta["loadavg"]
    w(f"- load average (1 min) during the run: min {la['min']:.2f}, median {la['median']:.2f}, "
      f"max {la['max']:.2f} (sampled before each round and at the end)")
    if meta.get("load_note"):
        w(f"- conditions: {meta['load_note']}")
    w(f"- wall time: {meta['wall_s']:.0f} s; messages (thr) or round trips (lat) per run: " + ", ".join(
        f"{k} {t} {size_label(s)}: {c}" for (k, t, s), c in sorted(meta["counts"].items())))
    w("")
    w("| implementation | what |")
    w("|---|---|")
    for i in impls:
        what = i["note"] if i["available"] else f"**not measured**: {i['why']}"
        w(f"| {i['label']} | {what} |")
    w("")
    w("How to read: throughput is `local_thr`/`remote_thr` (PUSH→PULL; inproc: `inproc_thr`), "
      "latency is half the mean round trip of `remote_lat`/`local_lat` (REQ↔REP; inproc: `inproc_lat`). "
      "RSS is the peak resident set of the receiving (binding) process; for inproc, of the one process.")
    w("")
    w("What each tool does per message, as libzmq's: the sender allocates a message of the "
      "given size and sends it without writing its payload (`zmq_msg_init_size` in C, "
      "`Message::with_capacity_unallocated` in Rust; zmq.rs sends clones of one `Bytes` "
      "payload, its cheapest way); the receiver reuses one message and checks each size. "
      "`zmq sync tuned` adds `zmq::tuning::throughput` (256 KiB batches) on every socket. "
      "`zmq sync bytes` sends clones of one `bytes::Bytes` as zmq.rs does (`From<Bytes> for "
      "Message`: zero copy, one small allocation per message), with libzmq's defaults; "
      "`zmq sync bytes tuned` does the same with `zmq::tuning::throughput` on both sides (with "
      "batches larger than the message, libzmq's receiver reads several messages per system "
      "call and hands them out without copying).")
    w("")
    w("![ratios to C](perf.svg)")
    w("")

    for kind, title, metric, better in (("thr", "Throughput (msg/s)", "msgs", "higher"),
                                         ("lat", "Latency (µs, one way)", "lat_us", "lower"),
                                         ("thr", "Throughput, best round", "msgs_best", "higher"),
                                         ("lat", "Latency, best round", "lat_us_best", "lower")):
        w(f"## {title}: ratio to C ({better} is better)")
        w("")
        if metric.endswith("_best"):
            w("The best round of each implementation (highest throughput, lowest latency): on a "
              "shared machine, the run least disturbed by other work. Medians above are the "
              "headline figures; where the two disagree, the machine was too noisy to tell.")
            w("")
        w("| transport | size | C | " + " | ".join(labels[n] for n in names if n != "c") + " |")
        w("|---|---|---:|" + "---:|" * (len(names) - 1))
        for transport in transports:
            for size in sizes:
                base = get("c", kind, transport, size, metric)
                if base is None:
                    continue
                c_cell = human(base) if kind == "thr" else f"{base:.1f} µs"
                cells = []
                for n in names:
                    if n == "c":
                        continue
                    cells.append(fmt_ratio(ratio(get(n, kind, transport, size, metric), base)))
                w(f"| {transport} | {size_label(size)} | {c_cell} | " + " | ".join(cells) + " |")
        w("")

    w("## All medians")
    w("")
    w("Spread is (max − min) / median over the rounds: a large one means a noisy machine.")
    w("")
    w("| test | transport | size | implementation | msg/s | Mb/s | latency µs | RSS MiB | spread |")
    w("|---|---|---|---|---:|---:|---:|---:|---:|")
    for kind in KINDS:
        metric = "msgs" if kind == "thr" else "lat_us"
        for transport in transports:
            for size in sizes:
                for n in names:
                    m = med.get((n, kind, transport, size))
                    if not m:
                        continue
                    c = med.get(("c", kind, transport, size), {})
                    if kind == "thr":
                        thr = f"{human(m['msgs'])} ({fmt_ratio(ratio(m.get('msgs'), c.get('msgs')))})"
                        mbps = f"{m['mbps']:.0f} ({fmt_ratio(ratio(m.get('mbps'), c.get('mbps')))})"
                        lat = ""
                    else:
                        thr = mbps = ""
                        lat = f"{m['lat_us']:.2f} ({fmt_ratio(ratio(m.get('lat_us'), c.get('lat_us')))})"
                    rss = f"{m['rss_kib'] / 1024:.1f} ({fmt_ratio(ratio(m.get('rss_kib'), c.get('rss_kib')))})"
                    spread = f"{m.get(metric + '_spread', 0) * 100:.0f}%"
                    w(f"| {kind} | {transport} | {size_label(size)} | {labels[n]} | {thr} | {mbps} | {lat} | {rss} | {spread} |")
    w("")
    errors = [s for s in samples if "error" in s]
    if errors:
        w(f"## Failed runs ({len(errors)})")
        w("")
        for s in errors[:30]:
            w(f"- {labels.get(s['impl'], s['impl'])} {s['kind']} {s['transport']} {size_label(s['size'])} "
              f"round {s['round'] + 1}: `{s['error'][:160]}`")
        w("")
    w("## Targets")
    w("")
    if la["median"] > (meta.get("cpus") or 1):
        w(f"**This run was taken under a load average of {la['median']:.1f} on {meta['cpus']} CPUs: "
          "other processes had the CPUs most of the time, single ratios swing by tens of percent "
          "between rounds (see the spread column), and these verdicts reflect that noise as much "
          "as the code. The instruction counts in the findings below do not depend on load.**")
        w("")
    w(targets_section(med, names, transports, sizes, labels))
    w("")
    notes = os.path.join(ROOT, "docs", "perf-notes.md")
    if os.path.exists(notes):
        w(open(notes).read().rstrip())
        w("")
    w("## Reproduce")
    w("")
    w("```sh\ncargo xtask perf            # this table: ~5 minutes on 2 cores\n"
      "cargo xtask perf --quick    # smoke test, seconds\n```")
    w("")
    text = "\n".join(lines)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "perf.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "perf.svg"), "w") as f:
        f.write(svg_chart(med, names, labels, transports, sizes))
    return text


def targets_section(med, names, transports, sizes, labels):
    rows = ["| target | result | worst case |", "|---|---|---|"]

    def check(name, kind, metric, bound, higher):
        worst = None
        for transport in transports:
            for size in sizes:
                base = med.get(("c", kind, transport, size), {}).get(metric)
                value = med.get((name, kind, transport, size), {}).get(metric)
                r = ratio(value, base)
                if r is None:
                    continue
                if worst is None or (r < worst[0] if higher else r > worst[0]):
                    worst = (r, transport, size)
        if worst is None:
            return "not measured", ""
        ok = worst[0] >= bound if higher else worst[0] <= bound
        return ("met" if ok else "**missed**"), f"{worst[0]:.2f}× ({worst[1]}, {size_label(worst[2])})"

    for name, kind, metric, bound, higher, text in (
        ("sync", "thr", "msgs", 1.00, True, "sync throughput ≥ 1.00 × C"),
        ("sync", "lat", "lat_us", 1.00, False, "sync latency ≤ 1.00 × C"),
        ("tuned", "thr", "msgs", 1.00, True, "sync tuned throughput ≥ 1.00 × C"),
        ("async", "thr", "msgs", 0.95, True, "async throughput ≥ 0.95 × C"),
        ("async", "lat", "lat_us", 1.10, False, "async latency ≤ 1.10 × C"),
    ):
        if name not in names:
            rows.append(f"| {text} | not measured | |")
            continue
        verdict, worst = check(name, kind, metric, bound, higher)
        rows.append(f"| {text} | {verdict} | {worst} |")

    others = [n for n in names if n in ("rust-zmq", "zmq.rs")]
    for kind, metric, higher in (("thr", "msgs", True), ("lat", "lat_us", False)):
        behind = []
        for transport in transports:
            for size in sizes:
                ours = [med.get((n, kind, transport, size), {}).get(metric)
                        for n in ("sync", "tuned", "bytes", "bytes-tuned")]
                ours = [v for v in ours if v is not None]
                if not ours:
                    continue
                best = max(ours) if higher else min(ours)
                for other in others:
                    v = med.get((other, kind, transport, size), {}).get(metric)
                    if v is not None and ((v > best) if higher else (v < best)):
                        behind.append(f"{labels[other]} {transport} {size_label(size)} ({ratio(best, v):.2f}×)")
        what = "throughput" if kind == "thr" else "latency"
        rows.append(f"| ahead of the other Rust crates in {what} (best of sync/tuned/bytes/bytes tuned) | "
                    f"{'met' if not behind else '**missed**'} | {'; '.join(behind)} |")
    # Issue 10: sending clones of one Bytes, against zmq.rs (which does the same) and our
    # own allocating row, at 64 KiB over tcp and ipc.
    for mine, other, text in (
            ("bytes", "zmq.rs", "sync bytes throughput ≥ zmq.rs at 64 KiB (tcp, ipc)"),
            ("bytes", "sync", "sync bytes throughput > zmq sync at 64 KiB (tcp, ipc)"),
            ("bytes-tuned", "zmq.rs", "sync bytes tuned throughput ≥ zmq.rs at 64 KiB (tcp, ipc)"),
            ("bytes-tuned", "tuned", "sync bytes tuned throughput > zmq sync tuned at 64 KiB (tcp, ipc)")):
        cells = []
        missed = False
        measured = False
        for transport in ("tcp", "ipc"):
            ours = med.get((mine, "thr", transport, 65536), {}).get("msgs")
            theirs = med.get((other, "thr", transport, 65536), {}).get("msgs")
            if ours is None or theirs is None:
                continue
            measured = True
            r = ours / theirs
            cells.append(f"{transport} {r:.2f}×")
            if (r < 1.0) if other == "zmq.rs" else (r <= 1.0):
                missed = True
        if not measured:
            rows.append(f"| {text} | not measured | |")
        else:
            rows.append(f"| {text} | {'**missed**' if missed else 'met'} | {'; '.join(cells)} |")
    return "\n".join(rows)


COLORS = {"sync": "#1f77b4", "tuned": "#2ca02c", "async": "#9467bd", "bytes": "#17becf",
          "bytes-tuned": "#8c564b",
          "rust-zmq": "#ff7f0e", "zmq.rs": "#d62728"}


def svg_chart(med, names, labels, transports, sizes):
    """A hand-written SVG: two grouped bar charts of ratios to C (throughput, latency)."""
    series = [n for n in names if n != "c"]
    cases = [(t, s) for t in transports for s in sizes]
    width, panel_h, top, left = 980, 260, 58, 50
    group_w = (width - left - 20) / max(len(cases), 1)
    bar_w = max((group_w - 10) / max(len(series), 1), 2)
    parts = []
    height = top + 2 * (panel_h + 70) - 20
    parts.append(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                 f'font-family="sans-serif" font-size="11">')
    parts.append(f'<rect width="{width}" height="{height}" fill="white"/>')
    # Legend
    x = left
    for n in series:
        parts.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{COLORS.get(n, "#777")}"/>')
        parts.append(f'<text x="{x + 16}" y="20">{labels[n]}</text>')
        x += 30 + 7 * len(labels[n])
    for p, (kind, metric, title) in enumerate((("thr", "msgs", "throughput ÷ C, medians (higher is better)"),
                                               ("lat", "lat_us", "latency ÷ C, medians (lower is better)"))):
        y0 = top + p * (panel_h + 70)
        values = []
        for t, s in cases:
            base = med.get(("c", kind, t, s), {}).get(metric)
            for n in series:
                r = ratio(med.get((n, kind, t, s), {}).get(metric), base)
                if r is not None:
                    values.append(r)
        vmax = max([1.2] + values) * 1.1
        def y_of(v):
            return y0 + panel_h - v / vmax * panel_h
        parts.append(f'<text x="{left}" y="{y0 - 6}" font-weight="bold">{title}</text>')
        parts.append(f'<line x1="{left}" y1="{y0 + panel_h}" x2="{width - 20}" y2="{y0 + panel_h}" stroke="#444"/>')
        step = 0.5 if vmax <= 3 else 1.0
        v = 0.0
        while v <= vmax:
            yy = y_of(v)
            parts.append(f'<line x1="{left - 4}" y1="{yy:.1f}" x2="{width - 20}" y2="{yy:.1f}" stroke="#eee"/>')
            parts.append(f'<text x="{left - 8}" y="{yy + 4:.1f}" text-anchor="end">{v:.1f}</text>')
            v += step
        yy = y_of(1.0)
        parts.append(f'<line x1="{left}" y1="{yy:.1f}" x2="{width - 20}" y2="{yy:.1f}" stroke="black" '
                     f'stroke-dasharray="4,3"/>')
        for g, (t, s) in enumerate(cases):
            gx = left + g * group_w + 5
            base = med.get(("c", kind, t, s), {}).get(metric)
            for b, n in enumerate(series):
                r = ratio(med.get((n, kind, t, s), {}).get(metric), base)
                if r is None:
                    continue
                bx = gx + b * bar_w
                parts.append(f'<rect x="{bx:.1f}" y="{y_of(r):.1f}" width="{bar_w - 1:.1f}" '
                             f'height="{y0 + panel_h - y_of(r):.1f}" fill="{COLORS.get(n, "#777")}">'
                             f'<title>{labels[n]} {t} {size_label(s)}: {r:.2f}× C</title></rect>')
            parts.append(f'<text x="{gx + (group_w - 10) / 2:.1f}" y="{y0 + panel_h + 14}" '
                         f'text-anchor="middle">{t}</text>')
            parts.append(f'<text x="{gx + (group_w - 10) / 2:.1f}" y="{y0 + panel_h + 27}" '
                         f'text-anchor="middle">{size_label(s)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- main


def machine_facts():
    model = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               text=True, stdout=subprocess.PIPE).stdout.strip()
        if dirty:
            commit += "+changes"
    except OSError:
        commit = "unknown"
    return {"cpus": os.cpu_count(), "cpu_model": model,
            "kernel": f"{platform.system()} {platform.release()}", "commit": commit}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts, one round (smoke test)")
    parser.add_argument("--rounds", type=int, help="rounds (default 3; 1 with --quick)")
    parser.add_argument("--only", help="comma-separated implementations (c is always included)")
    parser.add_argument("--transports", default=",".join(TRANSPORTS))
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--no-build", action="store_true", help="use the binaries built before")
    parser.add_argument("--report-only", action="store_true", help="re-render from target/perf/results.json")
    parser.add_argument("--out", default=None, help="where perf.md and perf.svg go (default docs/; "
                        "target/perf/quick with --quick)")
    parser.add_argument("--note", default="", help="a sentence on the conditions, copied into perf.md")
    args = parser.parse_args()
    args.transports = [t for t in args.transports.split(",") if t]
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.rounds = args.rounds or (1 if args.quick else 3)
    out_dir = args.out or (os.path.join(WORK, "quick") if args.quick else os.path.join(ROOT, "docs"))
    if args.quick:
        results_path = os.path.join(WORK, "quick-results.json")
    elif args.out:
        results_path = os.path.join(out_dir, "results.json")
    else:
        results_path = os.path.join(WORK, "results.json")
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(out_dir, exist_ok=True)

    if args.report_only:
        saved = json.load(open(results_path))
        saved["meta"]["counts"] = {tuple(json.loads(k)): v for k, v in saved["meta"]["counts"].items()}
        print(render(saved["meta"], saved["impls"], saved["samples"], saved["loads"], out_dir))
        return

    started = time.monotonic()
    if args.no_build:
        raise SystemExit("--no-build is not supported yet: the build is incremental and quick")
    impls = build_all(args)
    if args.only:
        wanted = set(args.only.split(",")) | {"c"}
        impls = [i for i in impls if i.name in wanted]
    for i in impls:
        if not i.available:
            log(f"{i.label}: not measured: {i.why}")
    samples, loads = measure(impls, args)
    one_minute = [l[0] for l in loads]
    meta = dict(machine_facts())
    meta.update(
        date=datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        mode="quick" if args.quick else "full",
        rounds=args.rounds, transports=args.transports, sizes=args.sizes,
        counts={key: c for key, c in (QUICK_COUNTS if args.quick else COUNTS).items()
                if key[2] in args.sizes},
        loadavg={"min": min(one_minute), "median": statistics.median(one_minute), "max": max(one_minute),
                 "samples": loads},
        wall_s=time.monotonic() - started,
        load_note=args.note,
    )
    impl_info = [{"name": i.name, "label": i.label, "note": i.note, "available": i.available,
                  "why": i.why} for i in impls]
    with open(results_path, "w") as f:
        saved_meta = dict(meta, counts={json.dumps(list(k)): v for k, v in meta["counts"].items()})
        json.dump({"meta": saved_meta, "impls": impl_info, "samples": samples, "loads": loads}, f, indent=1)
    print(render(meta, impl_info, samples, loads, out_dir))
    log(f"wrote {os.path.join(out_dir, 'perf.md')} and perf.svg; raw samples in {results_path}")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
