#!/usr/bin/env python3
"""How this crate's cost grows with the number of sockets and connections, beside C and
other implementations (issue 11's scale harness).

`cargo xtask scale` runs this file. It builds the peers (this crate's `scale` binary in the
perf crate, `perf/c/scale.c` against the libzmq.a that zmq-sys built, pyzmq from
target/pyenv, zmq.rs in a project generated under target/perf) and measures, for N = 1,
10, 100, 1,000 and 10,000 (`--quick`: 1 and 100; storms of 100):

1. broker: one ROUTER echoing for N DEALER clients over tcp, the clients spread over up to
   4 processes, each doing request/reply in a loop; the clients are the C peer (libzmq's
   zmq_poller) for every broker, so the figures compare brokers. Round trips/s, p50/p99
   round trip, the broker's RSS and fds, memory per connection.
2. pubsub: one PUB (the implementation) publishing as fast as it can to N SUBs (the C
   peer, up to 4 processes). Messages delivered/s, the slowest subscriber's rate, lag.
3. sockets: N DEALERs in one process, each doing request/reply with a ROUTER (the C
   broker, in another process). Round trips/s, p99 reply-to-run latency (from the broker's
   send to the client code running with the reply), RSS and fds per socket, CPU while all
   N sockets wait with nothing to do.
4. storm: N DEALERs connect at once to a ROUTER and make one round trip each (the
   implementation's own broker and clients), NULL and CURVE, with libzmq's default listen
   backlog (100) and with `set_backlog(4096)`. Handshakes/s.

Writes docs/scale.md and docs/scale.svg (`--quick`: target/perf/scale-quick/) and the raw
results as JSON next to them. Options: --quick, --only NAME[,NAME], --rows 1,3,4, --ns,
--perf, --report-only, --out DIR, --note TEXT.
"""

import argparse
import datetime
import json
import os
import resource
import select
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perf as perftools  # noqa: E402  (the perf harness's build helpers)

ROOT = perftools.ROOT
WORK = os.path.join(perftools.WORK, "scale")
RELEASE = perftools.RELEASE
log = perftools.log

FULL_NS = [1, 10, 100, 1000, 10000]
QUICK_NS = [1, 100]
FULL_STORM_NS = [10, 100, 1000, 10000]
QUICK_STORM_NS = [100]
BIG_BACKLOG = 4096


# ---------------------------------------------------------------- peers


class Peer:
    """One implementation: how to start its broker and its clients (None: cannot)."""

    def __init__(self, name, label, note, broker=None, clients=None, why=None, publisher=None):
        self.name, self.label, self.note = name, label, note
        self.publisher = publisher  # (opts list) -> argv
        self.broker = broker    # (opts list) -> argv
        self.clients = clients  # (opts list) -> argv
        self.why = why or {}    # row -> why this peer does not run it


def build_c(facts):
    pinned, vendor = perftools.registry_libzmq_source()
    libs = []
    for name in ("libzmq.a", "libsodium.a"):
        for path in facts.get("linked_paths", []):
            candidate = os.path.join(path.split("=", 1)[-1], name)
            if os.path.isfile(candidate):
                libs.append(candidate)
                break
    os.makedirs(WORK, exist_ok=True)
    out = os.path.join(WORK, "scale_c")
    # Compiled as C, linked as C++ (libzmq is C++).
    perftools.run_checked([os.environ.get("CC", "cc"), "-O2", "-std=c11", "-D_GNU_SOURCE", "-DZMQ_STATIC",
                           "-I" + os.path.join(vendor, "include"), "-c",
                           os.path.join(ROOT, "perf", "c", "scale.c"), "-o", out + ".o"])
    perftools.run_checked([os.environ.get("CXX", "c++"), out + ".o", "-o", out, *libs, "-lpthread"])
    return out, pinned


def build_peers(args):
    want_python = not args.quick or (args.only and "py" in args.only)
    facts = perftools.cargo_build_ours()
    ours = os.path.join(RELEASE, "scale")
    c_bin, pinned = build_c(facts)
    peers = [
        Peer("c", "C libzmq", f"perf/c/scale.c on libzmq 4.3.5 (zeromq-src {pinned}), the same libzmq.a; "
             "clients wait with zmq_poller",
             broker=lambda o: [c_bin, "broker", *o], clients=lambda o: [c_bin, "clients", *o],
             publisher=lambda o: [c_bin, "pub", *o]),
        Peer("sync", "zmq sync", "this crate, blocking API; clients wait with zmq::poll",
             broker=lambda o: [ours, "broker", "--impl", "sync", *o],
             publisher=lambda o: [ours, "pub", "--impl", "sync", *o],
             clients=lambda o: [ours, "clients", "--impl", "sync", *o]),
        Peer("async", "zmq async", "this crate, tokio adapter, current-thread runtime",
             broker=lambda o: [ours, "broker", "--impl", "async", *o],
             publisher=lambda o: [ours, "pub", "--impl", "async", *o],
             clients=lambda o: [ours, "clients", "--impl", "async-ct", *o]),
        Peer("async-mt", "zmq async mt", "this crate, tokio adapter, multi-thread runtime (clients only)",
             clients=lambda o: [ours, "clients", "--impl", "async-mt", *o],
             why={1: "the async broker is one socket: the runtime flavour does not matter",
                  2: "the publisher is one socket: the runtime flavour does not matter",
                  4: "the async storm runs on the current-thread runtime"}),
    ]
    if want_python:
        peers += python_peers()
    if not args.quick or (args.only and "zmq.rs" in args.only):
        peers += zmqrs_peer()
    return peers


ZMQRS_MANIFEST = """\
# Generated by perf/report/scale.py: the scale harness's zmq.rs peer.
[package]
name = "scale-zmqrs"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[[bin]]
name = "zmqrs_scale"
path = "{root}/perf/others/zmqrs_scale.rs"

[dependencies]
zeromq = {{ version = "=0.7.0", default-features = false, features = ["tokio-runtime", "all-transport"] }}
tokio = {{ version = "1", features = ["rt", "time", "sync"] }}
bytes = "1"
libc = "0.2"
"""


def zmqrs_peer():
    try:
        bin_dir = perftools.build_generated("scale-zmqrs", ZMQRS_MANIFEST.format(root=ROOT))
    except subprocess.CalledProcessError as err:
        log(f"zmq.rs: not measured: build failed ({err})")
        return []
    binary = os.path.join(bin_dir, "zmqrs_scale")
    return [Peer("zmq.rs", "zmq.rs 0.7", "crates.io zeromq 0.7.0, pure Rust, tokio current-thread",
                 broker=lambda o: [binary, "broker"], publisher=lambda o: [binary, "pub"],
                 clients=lambda o: [binary, "clients", *o],
                 why={4: "runs NULL only (zmq.rs has no CURVE) and with its own listen backlog "
                         "(tokio's default, 1024; zmq.rs has no option for it)"})]


def python_peers():
    py = os.path.join(ROOT, "target", "pyenv", "bin", "python")
    script = os.path.join(ROOT, "perf", "python", "scale_peer.py")
    if not os.path.exists(script):
        return []
    try:
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "pyenv.sh")], check=True,
                       stdout=subprocess.DEVNULL)
        version = subprocess.run([py, "-c", "import zmq; print(zmq.__version__, zmq.zmq_version())"],
                                 check=True, text=True, stdout=subprocess.PIPE).stdout.split()
    except (subprocess.CalledProcessError, OSError) as err:
        log(f"pyzmq: not measured: {err}")
        return []
    note = f"pyzmq {version[0]} (its own libzmq {version[1]})"
    return [
        Peer("py", "pyzmq sync", note + ", blocking API; clients wait with zmq.Poller",
             broker=lambda o: [py, script, "broker", "--impl", "sync", *o],
             publisher=lambda o: [py, script, "pub", *o],
             clients=lambda o: [py, script, "clients", "--impl", "sync", *o]),
        Peer("py-asyncio", "pyzmq asyncio", note + ", zmq.asyncio on the default asyncio loop",
             clients=lambda o: [py, script, "clients", "--impl", "asyncio", *o],
             why={r: "pyzmq's asyncio peer runs row 3 only (the sync peer runs the rest)" for r in (1, 2, 4)}),
    ]


# ---------------------------------------------------------------- processes


class Proc:
    """A peer process whose stdout lines are read with a deadline; killed by PID."""

    def __init__(self, argv, name, stdin=True):
        self.name = name
        self.err_path = os.path.join(WORK, "logs", f"{name}.err")
        os.makedirs(os.path.dirname(self.err_path), exist_ok=True)
        self.err = open(self.err_path, "w")
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.err,
                                  stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)
        self.buf = b""

    @property
    def pid(self):
        return self.p.pid

    def line(self, prefix, deadline):
        """The next stdout line starting with `prefix` (without it), or raises on timeout/exit."""
        fd = self.p.stdout.fileno()
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                text = line.decode(errors="replace")
                if text.startswith(prefix):
                    return text[len(prefix):].strip()
            left = deadline - time.monotonic()
            if left <= 0:
                raise RuntimeError(f"{self.name}: no {prefix.strip()} line in time{self.tail()}")
            ready, _, _ = select.select([fd], [], [], min(left, 0.5))
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    self.p.wait(timeout=5)
                    raise RuntimeError(f"{self.name}: exited ({self.p.returncode}) "
                                       f"before {prefix.strip()}{self.tail()}")
                self.buf += chunk

    def say(self, text):
        self.p.stdin.write(text.encode() + b"\n")
        self.p.stdin.flush()

    def tail(self):
        self.err.flush()
        try:
            text = open(self.err_path).read().strip()
        except OSError:
            text = ""
        # The Rust peers report a failure on stdout (as libzmq's perf tools do).
        text = (self.buf.decode(errors="replace").strip() + " " + text).strip()
        return f": {text[-300:]}" if text else ""

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.err.close()


def proc_usage(pid):
    """(RSS KiB, fds, threads) of a live process."""
    rss = threads = 0
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None
    return rss, fds, threads


def cpu_ns(pid):
    """CPU time of every thread of a process, in ns (from schedstat: ns resolution)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def spread(n, parts):
    parts = max(1, min(parts, n))
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def client_processes(n):
    return 1 if n <= 1 else 2 if n <= 10 else 4


# ---------------------------------------------------------------- merging quantile sketches


def quantile(sketches, q):
    """The q-quantile of samples summarised by (count, points) sketches."""
    weighted = []
    for count, points in sketches:
        if points:
            w = count / len(points)
            weighted += [(p, w) for p in points]
    if not weighted:
        return None
    weighted.sort()
    total = sum(w for _, w in weighted)
    acc = 0.0
    for value, w in weighted:
        acc += w
        if acc >= q * total:
            return value
    return weighted[-1][0]


# ---------------------------------------------------------------- rows


def start_broker(peer, name, opts, timeout):
    broker = Proc(peer.broker(opts), name)
    endpoint = broker.line("READY ", time.monotonic() + timeout)
    return broker, endpoint


def load_run(args, broker_peer, client_peer, n, parts, tag):
    """A broker, `parts` client processes sharing n sockets: the load figures."""
    procs = []
    t = args.timeout
    try:
        broker_opts = ["--backlog", str(BIG_BACKLOG)]
        if args.broker_io_threads != 1:
            broker_opts += ["--io-threads", str(args.broker_io_threads)]
        broker, endpoint = start_broker(broker_peer, f"{tag}-broker", broker_opts, 10)
        procs.append(broker)
        time.sleep(0.1)
        base = proc_usage(broker.pid)
        clients = []
        for i, k in enumerate(spread(n, parts)):
            c = Proc(client_peer.clients(["--endpoint", endpoint, "--n", str(k), "--mode", "load",
                                          "--warmup", str(args.warmup), "--seconds", str(args.seconds),
                                          "--timeout", str(t)]), f"{tag}-clients{i}")
            procs.append(c)
            clients.append(c)
        connected = [json.loads(c.line("CONNECTED ", time.monotonic() + t + 10)) for c in clients]
        loaded_idle = proc_usage(broker.pid)
        for c in clients:
            c.say("go")
        time.sleep(args.warmup)
        # CPU of the broker and of the clients over (most of) the measured window.
        cpu0 = [cpu_ns(p.pid) for p in procs]
        t0 = time.monotonic()
        if args.perf:
            # The broker, and the client process too when it is the subject (row 3).
            targets = [("broker", broker.pid)] + ([("clients", clients[0].pid)] if parts == 1 else [])
            recorders = [subprocess.Popen(
                ["perf", "record", "-g", "-o", os.path.join(WORK, "logs", f"{tag}-{what}.perf.data"),
                 "-p", str(pid), "--", "sleep", str(args.seconds * 0.8)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for what, pid in targets]
            for r in recorders:
                r.wait()
        else:
            time.sleep(args.seconds * 0.8)
        cpu = [(cpu_ns(p.pid) - a) / 1e9 / (time.monotonic() - t0) * 100 for p, a in zip(procs, cpu0)]
        loaded = proc_usage(broker.pid)
        results = [json.loads(c.line("RESULT ", time.monotonic() + args.warmup + args.seconds + t))
                   for c in clients]
        out = {
            "n": n, "processes": len(clients),
            "rt_s": sum(r["roundtrips"] for r in results) / args.seconds,
            "rtt_p50_us": quantile([(r["roundtrips"], r["rtt_us"]) for r in results], 0.50),
            "rtt_p99_us": quantile([(r["roundtrips"], r["rtt_us"]) for r in results], 0.99),
            "wake_p99_us": quantile([(r["roundtrips"], r["wake_us"]) for r in results], 0.99),
            "broker_base": base, "broker_connected": loaded_idle, "broker_loaded": loaded,
            "clients_connected": connected,
            "broker_cpu_pct": cpu[0], "clients_cpu_pct": sum(cpu[1:]),
        }
        if len(clients) == 1:
            # Idle CPU of the client process: every socket waits, nothing is in flight.
            c = clients[0]
            time.sleep(0.2)
            a, ta = cpu_ns(c.pid), time.monotonic()
            time.sleep(args.idle)
            b, tb = cpu_ns(c.pid), time.monotonic()
            out["idle_cpu_pct"] = (b - a) / 1e9 / (tb - ta) * 100
            out["client_idle"] = proc_usage(c.pid)
        return out
    finally:
        for p in reversed(procs):
            p.kill()


def pace_ms(n):
    """Row 2's publisher's interval between messages while N subscribers join: about 20 k
    deliveries/s in all. Faster, libzmq's io thread spends all its time writing to the
    subscribers already joined (one command and one send per message per pipe) and stops
    accepting new ones (it accepts only when its command mailbox runs empty)."""
    return max(20, n // 20)


def pubsub_run(args, pub_peer, subs_argv, n, parts, tag):
    """A PUB publishing as fast as it can to N SUBs (the C peer) in `parts` processes; it
    sends one message per pace_ms(n) while they join."""
    procs = []
    t = args.timeout
    try:
        pub = Proc(pub_peer.publisher(["--backlog", str(BIG_BACKLOG), "--pace-ms", str(pace_ms(n))]),
                   f"{tag}-pub")
        procs.append(pub)
        endpoint = pub.line("READY ", time.monotonic() + 10)
        subs = []
        for i, k in enumerate(spread(n, parts)):
            c = Proc(subs_argv(["--endpoint", endpoint, "--n", str(k), "--warmup", str(args.warmup),
                                "--seconds", str(args.seconds), "--timeout", str(t)]), f"{tag}-subs{i}")
            procs.append(c)
            subs.append(c)
        for c in subs:
            c.line("CONNECTED ", time.monotonic() + t + 10)
        pub.say("go")  # from paced (see pace_ms) to as fast as it can
        for c in subs:
            c.say("go")
        time.sleep(args.warmup)
        cpu0, t0 = [cpu_ns(p.pid) for p in procs], time.monotonic()
        time.sleep(args.seconds * 0.8)
        cpu = [(cpu_ns(p.pid) - a) / 1e9 / (time.monotonic() - t0) * 100 for p, a in zip(procs, cpu0)]
        usage = proc_usage(pub.pid)
        results = [json.loads(c.line("RESULT ", time.monotonic() + args.seconds + t)) for c in subs]
        return {
            "n": n, "processes": len(subs),
            "delivered_s": sum(r["delivered"] for r in results) / args.seconds,
            "slowest_s": min(r["min_per_socket"] for r in results) / args.seconds,
            "lag_p50_us": quantile([(r["delivered"], r["lag_us"]) for r in results], 0.50),
            "lag_p99_us": quantile([(r["delivered"], r["lag_us"]) for r in results], 0.99),
            "lag_max_us": max(r["max_lag_us"] for r in results),
            "pub_usage": usage, "pub_cpu_pct": cpu[0], "subs_cpu_pct": sum(cpu[1:]),
        }
    finally:
        for p in reversed(procs):
            p.kill()


def storm_run(args, peer, n, curve, backlog, keys, tag):
    procs = []
    try:
        opts = []
        if backlog != "default":
            opts += ["--backlog", str(backlog)]
        if curve:
            opts += ["--curve-secret", keys[1]]
        broker, endpoint = start_broker(peer, f"{tag}-broker", opts, 10)
        procs.append(broker)
        copts = ["--endpoint", endpoint, "--n", str(n), "--mode", "storm", "--timeout", str(args.storm_timeout)]
        if curve:
            copts += ["--curve-server", keys[0]]
        c = Proc(peer.clients(copts), f"{tag}-clients", stdin=False)
        procs.append(c)
        r = json.loads(c.line("RESULT ", time.monotonic() + args.storm_timeout + 30))
        r["hs_s"] = r["done"] / r["seconds"] if r["seconds"] > 0 else None
        return r
    finally:
        for p in reversed(procs):
            p.kill()


def c_bin_of(c_peer):
    return c_peer.clients([])[0]


def measure(peers, args):
    results = []  # dicts with row, peer, n, and figures or error
    by_name = {p.name: p for p in peers}
    c = by_name["c"]
    keys = subprocess.run([os.path.join(RELEASE, "scale"), "keypair"], check=True, text=True,
                          stdout=subprocess.PIPE).stdout.split()

    def record(row, peer, n, fn, **extra):
        tag = f"r{row}-{peer.name}-{n}" + "".join(f"-{v}" for v in extra.values())
        log(f"row {row} {peer.label} N={n} {extra or ''}")
        started = time.monotonic()
        try:
            figures = fn(tag)
        except (RuntimeError, ValueError, OSError) as err:
            figures = {"error": str(err)[:400]}
            log(f"  failed: {figures['error']}")
        entry = {"row": row, "peer": peer.name, "n": n, "wall_s": time.monotonic() - started}
        entry.update(extra)
        entry.update(figures)
        results.append(entry)

    def one_process(n):
        # A socket in one process costs 2 fds (libzmq's mailbox eventfd and the tcp
        # connection); RLIMIT_NOFILE may not rise far enough for 10,000 of them.
        fit = (args.fd_limit - 200) // 2 // 1000 * 1000
        if n > fit:
            log(f"N={n} sockets need {2 * n + 200} fds in one process, RLIMIT_NOFILE is "
                f"{args.fd_limit}: running N={fit}")
            return fit
        return n

    for n in args.ns:
        if 1 in args.rows:
            for p in peers:
                if p.broker and p.name in args.only:
                    record(1, p, n, lambda tag, p=p: load_run(args, p, c, n, client_processes(n), tag))
        if 2 in args.rows:
            for p in peers:
                if p.publisher and p.name in args.only:
                    record(2, p, n, lambda tag, p=p: pubsub_run(args, p, lambda o: [c_bin_of(c), "subs", *o],
                                                                  n, client_processes(n), tag))
        if 3 in args.rows:
            for p in peers:
                if p.clients and p.name in args.only:
                    m = one_process(n)
                    record(3, p, m, lambda tag, p=p, m=m: load_run(args, c, p, m, 1, tag))
    if 4 in args.rows:
        for n in map(one_process, args.storm_ns):
            for curve in (False, True):
                for backlog in args.backlogs:
                    for p in peers:
                        if backlog == "default" and p.name not in ("sync", "async"):
                            continue  # only this crate has a default of its own
                        if p.name == "zmq.rs" and (curve or backlog != 100):
                            continue  # no CURVE; one backlog (its own), shown in the first column
                        if p.broker and p.clients and p.name in args.only:
                            record(4, p, n, lambda tag, p=p: storm_run(args, p, n, curve, backlog, keys, tag),
                                   security="curve" if curve else "null", backlog=backlog)
    return results


# ---------------------------------------------------------------- report


def human(v):
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k"
    return f"{v:.0f}"


def us(v):
    if v is None:
        return "–"
    return f"{v / 1000:.1f} ms" if v >= 1000 else f"{v:.0f} µs"


def cpu_us_per(r, cpu_key, rate_key):
    """CPU µs a process spent per unit of work (round trip, message): unlike rates, this
    hardly depends on how much of the shared CPUs the run got."""
    if not r.get(rate_key) or r.get(cpu_key) is None:
        return None
    return r[cpu_key] / 100 / r[rate_key] * 1e6


def render(meta, peers, results, out_dir):
    labels = {p["name"]: p["label"] for p in peers}
    names = [p["name"] for p in peers]
    lines = []
    w = lines.append

    def get(row, peer, n, **match):
        for r in results:
            if r["row"] == row and r["peer"] == peer and r["n"] == n and \
                    all(r.get(k) == v for k, v in match.items()):
                return r
        return None

    def cell(r, fn):
        if r is None:
            return ""
        if "error" in r:
            return "failed"
        try:
            return fn(r)
        except (KeyError, TypeError, ZeroDivisionError):
            return "–"

    ns = sorted({r["n"] for r in results if r["row"] in (1, 2, 3)})
    storm_ns = sorted({r["n"] for r in results if r["row"] == 4})
    w("# Scale: cost as the number of sockets and connections grows")
    w("")
    w("Generated by `cargo xtask scale` (perf/report/scale.py); do not edit by hand. "
      f"{'**Quick mode: a smoke test, its figures mean little.** ' if meta['mode'] == 'quick' else ''}"
      f"Run {meta['date']} UTC at commit {meta['commit']} on {meta['cpus']} × {meta['cpu_model']}, "
      f"{meta['kernel']}; load average {meta['load_before']:.1f} before and {meta['load_after']:.1f} "
      f"after; {meta['wall_s'] / 60:.1f} minutes.")
    w("")
    w("**The machine was shared**: other builds ran on its 2 cores during the run, so single "
      "figures swing by tens of percent; read trends over N and large ratios, not small "
      "differences." if max(meta["load_before"], meta["load_after"]) > 2.5 else
      "The machine was otherwise idle (load average below 2.5 on 2 cores before and after), "
      "but the harness's own processes share its 2 cores: at N ≥ 1,000 the broker and its "
      "clients together use both (see the CPU columns), so rates there are bounded by the "
      "machine as much as by the implementation.")
    if meta.get("note"):
        w("")
        w(meta["note"])
    w("")
    w("![round trips/s and handshakes/s against N](scale.svg)")
    w("")
    w("Implementations:")
    w("")
    for p in peers:
        w(f"- **{p['label']}**: {p['note']}")
    w("")
    w(f"Every load run: {meta['warmup']} s warm-up, then {meta['seconds']} s measured; one request "
      "of 16 bytes in flight per DEALER; all traffic over tcp on 127.0.0.1. Brokers of rows 1 and "
      f"3 listen with `set_backlog({BIG_BACKLOG})` so that connecting the clients is not a storm "
      "(row 4 measures that); load-run clients connect in batches of 500. `RLIMIT_NOFILE` is "
      f"raised to its hard limit ({meta.get('fd_limit')} here) and every context gets "
      "`set_max_sockets(N + 64)`. Each socket costs 2 fds in its process (libzmq's mailbox "
      "eventfd and the tcp connection), so rows 3 and 4, which hold all N sockets in one "
      "process, run at the largest multiple of 1,000 that fits the fd limit when 10,000 "
      "does not.")
    w("")

    # Row 1
    w("## 1. A ROUTER broker with N DEALER clients")
    w("")
    w("The broker is the implementation named; the clients are the C peer in "
      "1 (N = 1), 2 (N = 10) or 4 processes, the same for every broker. Memory per connection "
      "is the broker's RSS with the clients connected minus before, over N.")
    w("")
    row1 = [n for n in names if any(r["row"] == 1 and r["peer"] == n for r in results)]
    w("| N | " + " | ".join(f"{labels[n]} rt/s" for n in row1) + " |")
    w("|---:|" + "---:|" * len(row1))
    for n in ns:
        w(f"| {n:,} | " + " | ".join(cell(get(1, p, n), lambda r: human(r["rt_s"])) for p in row1) + " |")
    w("")
    w("| N | implementation | rt/s | p50 round trip | p99 round trip | broker RSS MiB | broker fds | KiB per connection | CPU % broker / clients | broker CPU µs per rt |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in ns:
        for p in row1:
            r = get(1, p, n)
            if not r:
                continue
            if "error" in r:
                w(f"| {n:,} | {labels[p]} | failed: {r['error'][:100]} | | | | | | | |")
                continue
            base, conn = r["broker_base"], r["broker_connected"]
            loaded = r["broker_loaded"] or conn
            w(f"| {n:,} | {labels[p]} | {human(r['rt_s'])} | {us(r['rtt_p50_us'])} | {us(r['rtt_p99_us'])} | "
              f"{loaded[0] / 1024:.1f} | {loaded[1]} | {(conn[0] - base[0]) / n:.1f} | "
              f"{r.get('broker_cpu_pct', 0):.0f} / {r.get('clients_cpu_pct', 0):.0f} | "
              f"{cpu_us_per(r, 'broker_cpu_pct', 'rt_s') or 0:.1f} |")
    w("")

    # Row 2
    w("## 2. A PUB with N SUBs")
    w("")
    w("The publisher is the implementation named, sending 16-byte stamped messages as fast as "
      "it can (PUB drops at the high-water mark of 1,000 per subscriber rather than block) once "
      "every subscriber has joined; while they join it sends one message per max(20 ms, N × 50 µs), "
      "because libzmq's io thread accepts new connections only when it has no pipe commands "
      "queued, and a flood to the subscribers already joined keeps it from ever getting there; "
      "the subscribers are the C peer in 1, 2 or 4 processes (as the clients of row 1). "
      "Delivered/s counts messages received by all subscribers; the slowest subscriber is the "
      "socket that received the fewest; lag is from the publisher's stamp to the subscriber "
      "reading the message.")
    w("")
    row2 = [n for n in names if any(r["row"] == 2 and r["peer"] == n for r in results)]
    w("| N | implementation | delivered/s | slowest subscriber msg/s | p50 lag | p99 lag | max lag | publisher CPU % | publisher CPU ns per delivery |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in ns:
        for p in row2:
            r = get(2, p, n)
            if not r:
                continue
            if "error" in r:
                w(f"| {n:,} | {labels[p]} | failed: {r['error'][:100]} | | | | | | |")
                continue
            w(f"| {n:,} | {labels[p]} | {human(r['delivered_s'])} | {human(r['slowest_s'])} | "
              f"{us(r['lag_p50_us'])} | {us(r['lag_p99_us'])} | {us(r['lag_max_us'])} | {r['pub_cpu_pct']:.0f} | "
              f"{(cpu_us_per(r, 'pub_cpu_pct', 'delivered_s') or 0) * 1000:.0f} |")
    w("")

    # Row 3
    w("## 3. N sockets in one process")
    w("")
    w("N DEALERs of the implementation named in one process, each doing request/reply with a "
      "ROUTER (the C broker, in another process). Reply-to-run is the time from the broker's "
      "send (a CLOCK_MONOTONIC stamp in the reply) to the client's code running with the "
      "reply: libzmq's delivery plus the wake-up. RSS and fds per socket: the process's growth "
      "from before the first socket to all N connected, over N. Idle CPU: the process's CPU "
      f"time over {meta['idle']} s while every socket waits with nothing in flight, in % of one core.")
    w("")
    row3 = [n for n in names if any(r["row"] == 3 and r["peer"] == n for r in results)]
    w("| N | " + " | ".join(f"{labels[n]} rt/s" for n in row3) + " |")
    w("|---:|" + "---:|" * len(row3))
    for n in ns:
        w(f"| {n:,} | " + " | ".join(cell(get(3, p, n), lambda r: human(r["rt_s"])) for p in row3) + " |")
    w("")
    w("| N | implementation | rt/s | p99 round trip | p99 reply-to-run | KiB per socket | fds per socket | CPU % clients / broker | client CPU µs per rt | idle CPU % |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in ns:
        for p in row3:
            r = get(3, p, n)
            if not r:
                continue
            if "error" in r:
                w(f"| {n:,} | {labels[p]} | failed: {r['error'][:100]} | | | | | | | |")
                continue
            c = r["clients_connected"][0]
            w(f"| {n:,} | {labels[p]} | {human(r['rt_s'])} | {us(r['rtt_p99_us'])} | {us(r['wake_p99_us'])} | "
              f"{(c['rss_kib'] - c['rss_before_kib']) / n:.1f} | {(c['fds'] - c['fds_before']) / n:.2f} | "
              f"{r.get('clients_cpu_pct', 0):.0f} / {r.get('broker_cpu_pct', 0):.0f} | "
              f"{cpu_us_per(r, 'clients_cpu_pct', 'rt_s') or 0:.1f} | "
              f"{r.get('idle_cpu_pct', 0):.2f} |")
    w("")

    # Row 4
    w("## 4. Connection storms")
    w("")
    w("N DEALERs (one process) connect at once to a ROUTER and make one round trip each; the "
      "broker and the clients are both the implementation named. Handshakes/s is N over the "
      "time from the first connect to the last reply. The backlog columns: libzmq's default "
      "`ZMQ_BACKLOG` of 100 (the only default of C and pyzmq), this crate's default when no "
      f"backlog is set (`net.core.somaxconn`, {meta.get('somaxconn')} here, since issue 11's "
      f"change), and `set_backlog({BIG_BACKLOG})` "
      f"(the kernel caps it at somaxconn). A run stops after {meta['storm_timeout']} s: "
      "`k/N` then says how many completed. zmq.rs has no backlog option: its cells are in the "
      "first column but use tokio's default listen backlog (1,024).")
    if meta.get("storm_note"):
        w("")
        w(meta["storm_note"])
    w("")
    row4 = [n for n in names if any(r["row"] == 4 and r["peer"] == n for r in results)]
    w(f"| N | security | implementation | backlog 100 | this crate's default | backlog {BIG_BACKLOG} |")
    w("|---:|---|---|---:|---:|---:|")

    def storm_cell(r):
        if r is None:
            return ""
        if "error" in r:
            return "failed"
        if r["done"] < r["n"]:
            return f"{r['done']:,}/{r['n']:,} in {r['seconds']:.0f} s"
        return f"{human(r['hs_s'])}/s ({r['seconds']:.2f} s)"

    for n in storm_ns:
        for sec in ("null", "curve"):
            for p in row4:
                cells = [storm_cell(get(4, p, n, security=sec, backlog=b)) for b in (100, "default", BIG_BACKLOG)]
                if any(cells):
                    w(f"| {n:,} | {sec.upper()} | {labels[p]} | " + " | ".join(cells) + " |")
    w("")

    # What cannot run
    w("## Rows an implementation does not run")
    w("")
    for p in peers:
        for row, why in sorted(p.get("why", {}).items()):
            w(f"- {p['label']}, row {row}: {why}.")
    for p in meta.get("missing", []):
        w(f"- {p}")
    w("")

    w("## Goals")
    w("")
    w(goals(results, names, labels, ns))
    w("")
    notes = os.path.join(ROOT, "docs", "scale-notes.md")
    if os.path.exists(notes):
        w(open(notes).read().rstrip())
        w("")
    failed = [r for r in results if "error" in r]
    if failed:
        w(f"## Failed runs ({len(failed)})")
        w("")
        for r in failed[:30]:
            w(f"- row {r['row']} {labels.get(r['peer'], r['peer'])} N={r['n']}: `{r['error'][:200]}`")
        w("")
    w("## Reproduce")
    w("")
    w("```sh\ncargo xtask scale            # this report (about 15 minutes on 2 cores)\n"
      "cargo xtask scale --quick    # smoke test, under a minute after the build\n```")
    w("")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "scale.md"), "w") as f:
        f.write("\n".join(lines))
    with open(os.path.join(out_dir, "scale.svg"), "w") as f:
        f.write(svg(results, names, labels))
    return "\n".join(lines)


def goals(results, names, labels, ns):
    rows = ["| goal | result | figures |", "|---|---|---|"]

    def fig(row, peer, n, key="rt_s", **m):
        for r in results:
            if r["row"] == row and r["peer"] == peer and r["n"] == n and "error" not in r and \
                    all(r.get(k) == v for k, v in m.items()):
                return r.get(key) if key else r
        return None

    mid = 100
    for row, peer, what in ((1, "sync", "sync broker"), (1, "async", "async broker"),
                            (3, "async", "async sockets, current-thread"),
                            (3, "async-mt", "async sockets, multi-thread"), (3, "sync", "sync sockets"),
                            # The same ratio for C libzmq: what libzmq and the kernel give.
                            (1, "c", "reference, not a goal: C broker"),
                            (3, "c", "reference, not a goal: C sockets")):
        big = max([r["n"] for r in results if r["row"] == row and r["peer"] == peer] or [0])
        a, b = fig(row, peer, big), fig(row, peer, mid)
        if a is None or b is None or big <= mid:
            rows.append(f"| {what}: rt/s at N = 10,000 ≥ 0.8 × N = 100 | not measured | |")
            continue
        r = a / b
        key = "broker_cpu_pct" if row == 1 else "clients_cpu_pct"
        ca, cb = cpu_us_per(fig(row, peer, big, key=None), key, "rt_s"), cpu_us_per(fig(row, peer, mid, key=None), key, "rt_s")
        per_cpu = f"; per CPU-second of the {'broker' if row == 1 else 'clients'}: {cb / ca:.2f}" if ca and cb else ""
        verdict = ("met" if r >= 0.8 else "**missed**") if peer != "c" else f"{'≥' if r >= 0.8 else '<'} 0.8"
        rows.append(f"| {what}: rt/s at N = {big:,} ≥ 0.8 × N = 100 | {verdict} | "
                    f"{human(a)} / {human(b)} = {r:.2f}{per_cpu} |")
    big = max([r["n"] for r in results if r["row"] == 3] or [0])
    s, a = fig(3, "sync", big, key=None), fig(3, "async", big, key=None)
    if s and a:
        cs, ca = s["clients_connected"][0], a["clients_connected"][0]
        kib = ((ca["rss_kib"] - ca["rss_before_kib"]) - (cs["rss_kib"] - cs["rss_before_kib"])) / big
        fds = ((ca["fds"] - ca["fds_before"]) - (cs["fds"] - cs["fds_before"])) / big
        task = ca.get("task_bytes", 0) / 1024
        ok = kib - task <= 1.25 and fds <= 1.0
        rows.append(f"| AsyncSocket ≤ ~1 KiB and 1 fd more than a sync Socket (N = {big:,}) | "
                    f"{'met' if ok else '**missed**'} | {kib:+.2f} KiB per socket, of which the harness's "
                    f"task future is {task:.2f} KiB (the task's allocation adds more); {fds:+.2f} fds per socket |")
    behind = []
    for r in results:
        if "error" in r or r["peer"] not in ("py", "py-asyncio", "zmq.rs"):
            continue
        key = {2: "delivered_s", 4: "hs_s"}.get(r["row"], "rt_s")
        extra = {k: r[k] for k in ("security", "backlog") if k in r}
        ours = [fig(r["row"], p, r["n"], key=key, **extra) for p in ("sync", "async", "async-mt")]
        ours = [v for v in ours if v is not None]
        if ours and r.get(key) and max(ours) < r[key]:
            behind.append(f"row {r['row']} N={r['n']:,} {labels[r['peer']]} ({r[key] / max(ours):.2f}×)")
    others = any(r["peer"] in ("py", "py-asyncio", "zmq.rs") for r in results)
    rows.append(f"| ahead of pyzmq and zmq.rs where they run | "
                f"{'not measured' if not others else 'met' if not behind else '**missed**'} | "
                f"{'; '.join(behind[:12])} |")
    return "\n".join(rows)


COLORS = {"c": "#000000", "sync": "#1f77b4", "async": "#9467bd", "async-mt": "#2ca02c",
          "py": "#ff7f0e", "py-asyncio": "#e377c2", "zmq.rs": "#d62728"}


def svg(results, names, labels):
    """Three log-log panels: row 1 and row 3 round trips/s, row 4 handshakes/s (NULL), against N."""
    import math
    panels = [(1, "rt_s", {}, "1. broker: round trips/s"),
              (3, "rt_s", {}, "3. N sockets in one process: round trips/s"),
              (4, "hs_s", {"security": "null", "backlog": BIG_BACKLOG},
               f"4. storm, NULL, backlog {BIG_BACKLOG}: handshakes/s")]
    pw, ph, top, left, gap = 300, 220, 60, 60, 40
    width = left + len(panels) * (pw + gap)
    height = top + ph + 50
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">', f'<rect width="{width}" height="{height}" fill="white"/>']
    x = left
    for n in names:
        out.append(f'<rect x="{x}" y="10" width="12" height="12" fill="{COLORS.get(n, "#777")}"/>')
        out.append(f'<text x="{x + 16}" y="20">{labels[n]}</text>')
        x += 30 + 7 * len(labels[n])
    for i, (row, key, match, title) in enumerate(panels):
        x0 = left + i * (pw + gap)
        pts = [r for r in results if r["row"] == row and "error" not in r and r.get(key)
               and all(r.get(k) == v for k, v in match.items())]
        out.append(f'<text x="{x0}" y="{top - 10}" font-weight="bold">{title}</text>')
        out.append(f'<rect x="{x0}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
        if not pts:
            continue
        nmin, nmax = min(r["n"] for r in pts), max(r["n"] for r in pts)
        vmin, vmax = min(r[key] for r in pts), max(r[key] for r in pts)
        lo, hi = math.floor(math.log10(vmin)), math.ceil(math.log10(vmax))
        hi = hi if hi > lo else lo + 1
        lx0, lx1 = math.log10(nmin), math.log10(nmax) if nmax > nmin else math.log10(nmin) + 1

        def px(n):
            return x0 + 10 + (math.log10(n) - lx0) / (lx1 - lx0) * (pw - 20)

        def py(v):
            return top + ph - (math.log10(v) - lo) / (hi - lo) * ph

        for d in range(lo, hi + 1):
            out.append(f'<line x1="{x0}" y1="{py(10 ** d):.1f}" x2="{x0 + pw}" y2="{py(10 ** d):.1f}" stroke="#eee"/>')
            out.append(f'<text x="{x0 - 4}" y="{py(10 ** d) + 4:.1f}" text-anchor="end">{human(10 ** d)}</text>')
        for n in sorted({r["n"] for r in pts}):
            out.append(f'<text x="{px(n):.1f}" y="{top + ph + 14}" text-anchor="middle">{n:,}</text>')
        out.append(f'<text x="{x0 + pw / 2}" y="{top + ph + 30}" text-anchor="middle">N</text>')
        for name in names:
            series = sorted((r["n"], r[key]) for r in pts if r["peer"] == name)
            if not series:
                continue
            color = COLORS.get(name, "#777")
            path = " ".join(f"{'M' if j == 0 else 'L'}{px(n):.1f},{py(v):.1f}" for j, (n, v) in enumerate(series))
            out.append(f'<path d="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            for n, v in series:
                out.append(f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3" fill="{color}">'
                           f'<title>{labels[name]} N={n:,}: {human(v)}</title></circle>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- main


def raise_fd_limit():
    want = 65536
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(want, hard)))
    except (ValueError, OSError):
        # Not root: the soft limit can still rise to the hard one.
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="N up to 100, short runs (CI smoke test)")
    parser.add_argument("--only", help="comma-separated implementations (c is always built)")
    parser.add_argument("--rows", default="1,2,3,4")
    parser.add_argument("--ns", help="comma-separated N for rows 1 and 3")
    parser.add_argument("--storm-ns", help="comma-separated N for row 4")
    parser.add_argument("--backlogs", default=f"100,default,{BIG_BACKLOG}",
                        help="row 4's listen backlogs ('default': set none)")
    parser.add_argument("--append", action="store_true",
                        help="add these results to the saved ones (replacing the same cases) and re-render")
    parser.add_argument("--storm-note", default="", help="a sentence under the storm table")
    parser.add_argument("--broker-io-threads", type=int, default=1,
                        help="ZMQ_IO_THREADS of the C and this crate's brokers (rows 1 and 3; the report's "
                             "note says so)")
    parser.add_argument("--perf", action="store_true",
                        help="perf record the broker of each load run, and row 3's client process (target/perf/scale/logs/)")
    parser.add_argument("--report-only", action="store_true", help="re-render from the saved results")
    parser.add_argument("--out", help="where scale.md and scale.svg go")
    parser.add_argument("--note", default="", help="a sentence on the conditions, copied into scale.md")
    args = parser.parse_args()
    if args.broker_io_threads != 1:
        args.note = (args.note + " " if args.note else "") + \
            f"The C and this crate's brokers ran with ZMQ_IO_THREADS = {args.broker_io_threads}."
    args.rows = {int(r) for r in args.rows.split(",") if r}
    args.ns = [int(n) for n in args.ns.split(",")] if args.ns else (QUICK_NS if args.quick else FULL_NS)
    args.storm_ns = ([int(n) for n in args.storm_ns.split(",")] if args.storm_ns
                     else QUICK_STORM_NS if args.quick else FULL_STORM_NS)
    # Warm-up and window are long beside the round trip at N = 10,000 (about a second).
    args.warmup, args.seconds, args.idle = (0.1, 0.3, 0.5) if args.quick else (1.0, 2.0, 1.5)
    args.timeout = 60.0
    args.storm_timeout = 10.0 if args.quick else 15.0
    out_dir = args.out or (os.path.join(perftools.WORK, "scale-quick") if args.quick else os.path.join(ROOT, "docs"))
    results_path = os.path.join(WORK, "quick-results.json" if args.quick else "results.json")
    os.makedirs(WORK, exist_ok=True)
    if args.report_only:
        saved = json.load(open(results_path))
        print(render(saved["meta"], saved["peers"], saved["results"], out_dir))
        return
    args.backlogs = [b if b == "default" else int(b) for b in args.backlogs.split(",") if b]
    limit = args.fd_limit = raise_fd_limit()
    if limit < 2 * max(args.ns + args.storm_ns) + 256:
        log(f"warning: RLIMIT_NOFILE is {limit}: the largest N will fail (run as root, or raise `ulimit -Hn`)")
    started = time.monotonic()
    peers = build_peers(args)
    # --quick (CI) leaves pyzmq out unless asked for: it needs target/pyenv.
    args.only = (set(args.only.split(",")) | {"c"} if args.only else
                 {p.name for p in peers if not (args.quick and p.name.startswith("py"))})
    peers = [p for p in peers if p.name in args.only]
    load_before = os.getloadavg()[0]
    results = measure(peers, args)
    meta = dict(perftools.machine_facts())
    meta.update(date=datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
                mode="quick" if args.quick else "full", wall_s=time.monotonic() - started,
                load_before=load_before, load_after=os.getloadavg()[0], note=args.note,
                warmup=args.warmup, seconds=args.seconds, idle=args.idle,
                storm_timeout=args.storm_timeout, fd_limit=limit, storm_note=args.storm_note,
                somaxconn=open("/proc/sys/net/core/somaxconn").read().strip(),
                missing=[] if any(p.name == "py" for p in peers) else
                ["pyzmq: not measured in this run (left out of --quick, or no target/pyenv)."])
    peer_info = [{"name": p.name, "label": p.label, "note": p.note, "why": p.why} for p in peers]
    if args.append and os.path.exists(results_path):
        saved = json.load(open(results_path))
        case = lambda r: (r["row"], r["peer"], r["n"], r.get("security"), r.get("backlog"))  # noqa: E731
        new = {case(r) for r in results}
        results = [r for r in saved["results"] if case(r) not in new] + results
        known = {p["name"] for p in saved["peers"]}
        peer_info = saved["peers"] + [p for p in peer_info if p["name"] not in known]
        meta = dict(saved["meta"], storm_note=args.storm_note or saved["meta"].get("storm_note", ""))
    with open(results_path, "w") as f:
        json.dump({"meta": meta, "peers": peer_info, "results": results}, f, indent=1)
    print(render(meta, peer_info, results, out_dir))
    log(f"wrote {os.path.join(out_dir, 'scale.md')} and scale.svg; raw results in {results_path}")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
