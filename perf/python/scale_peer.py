#!/usr/bin/env python3
"""The scale harness's pyzmq peer (run by `cargo xtask scale` with target/pyenv's python).

Same commands, options, wire protocol and output lines as perf/src/bin/scale.rs:

    scale_peer.py broker  --impl sync|asyncio [--backlog N] [--curve-secret Z85]
    scale_peer.py pub     --impl sync|asyncio [--backlog N]
    scale_peer.py clients --impl sync|asyncio --endpoint E --n K --mode load|storm
                          [--curve-server Z85] [--warmup S] [--seconds S] [--timeout S]
"""

import asyncio
import json
import os
import struct
import sys
import threading
import time

import zmq
import zmq.asyncio


def opts(argv):
    out = {}
    for key, value in zip(argv[::2], argv[1::2]):
        if not key.startswith("--"):
            raise SystemExit(f"scale_peer: unexpected argument {key!r}")
        out[key[2:]] = value
    return out


def now_ns():
    return time.monotonic_ns()  # CLOCK_MONOTONIC, as the other peers stamp


def request():
    return struct.pack("<QQ", now_ns(), 0)


def stamped(body):
    return body[:8] + struct.pack("<Q", now_ns()) + body[16:]


def elapsed(reply, samples):
    now = now_ns()
    a, b = struct.unpack_from("<QQ", reply)
    samples[0].append(now - a)
    samples[1].append(now - b)


def usage():
    rss = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir("/proc/self/fd"))


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def sketch(values):
    values = sorted(values)
    points = min(200, len(values))
    return [round(values[(i * 2 + 1) * len(values) // (points * 2)] / 1000, 2) for i in range(points)]


def result(samples, seconds):
    return "RESULT " + json.dumps({"roundtrips": len(samples[0]), "seconds": seconds,
                                   "rtt_us": sketch(samples[0]), "wake_us": sketch(samples[1])})


def connected(n, before):
    after = usage()
    return "CONNECTED " + json.dumps({"n": n, "rss_before_kib": before[0], "fds_before": before[1],
                                      "rss_kib": after[0], "fds": after[1]})


def broker_socket(ctx, o):
    s = ctx.socket(zmq.ROUTER)
    s.linger = 0
    if "backlog" in o:
        s.setsockopt(zmq.BACKLOG, int(o["backlog"]))
    if "curve-secret" in o:
        s.curve_server = True
        s.curve_secretkey = o["curve-secret"].encode()
    s.bind("tcp://127.0.0.1:*")
    return s, s.last_endpoint.decode()


def broker(o):
    if o.get("impl", "sync") == "sync":
        ctx = zmq.Context()
        s, endpoint = broker_socket(ctx, o)
        say("READY " + endpoint)
        while True:
            ident, body = s.recv_multipart()
            s.send_multipart([ident, stamped(body)])
    else:
        async def run():
            ctx = zmq.asyncio.Context()
            s, endpoint = broker_socket(ctx, o)
            say("READY " + endpoint)
            while True:
                ident, body = await s.recv_multipart()
                await s.send_multipart([ident, stamped(body)])
        asyncio.run(run())


def publisher(o):
    """Row 2: a PUB sending 16-byte stamped messages, one per --pace-ms while the
    subscribers join, then (on "go" from the harness, on stdin) as fast as it can until
    killed."""
    go = threading.Event()
    pace = int(o.get("pace-ms", 20)) / 1000

    def wait_for_go():
        sys.stdin.readline()
        go.set()

    threading.Thread(target=wait_for_go, daemon=True).start()
    # Only the sync publisher runs row 2 (pyzmq's asyncio peer runs row 3 only).
    ctx = zmq.Context()
    s = ctx.socket(zmq.PUB)
    s.linger = 0
    s.setsockopt(zmq.BACKLOG, int(o.get("backlog", 100)))
    s.bind("tcp://127.0.0.1:*")
    say("READY " + s.last_endpoint.decode())
    while not go.is_set():
        s.send(request())
        time.sleep(pace)
    while True:
        s.send(request())


def client_sockets(ctx, o, n):
    keys = zmq.curve_keypair() if "curve-server" in o else None
    sockets = []
    for _ in range(n):
        s = ctx.socket(zmq.DEALER)
        s.linger = 0
        if keys:
            s.curve_serverkey = o["curve-server"].encode()
            s.curve_publickey, s.curve_secretkey = keys
        sockets.append(s)
    return sockets


def sync_clients(o, n, before):
    ctx = zmq.Context()
    ctx.max_sockets = n + 64
    timeout = float(o.get("timeout", 60))
    sockets = client_sockets(ctx, o, n)
    poller = zmq.Poller()
    # A storm connects everything at once; a load run connects in batches of 500, each
    # finishing a round trip before the next (as the Rust peer does).
    batch = n if o.get("mode") == "storm" else 500
    start = time.monotonic()
    done = 0
    for first in range(0, n, batch):
        for s in sockets[first:first + batch]:
            s.connect(o["endpoint"])
            s.send(request())
            poller.register(s, zmq.POLLIN)
        while done < min(n, first + batch) and time.monotonic() - start < timeout:
            for s, _ in poller.poll(100):
                while True:
                    try:
                        s.recv(zmq.DONTWAIT)
                        done += 1
                    except zmq.Again:
                        break
    if o.get("mode") == "storm":
        say("RESULT " + json.dumps({"n": n, "done": done, "seconds": time.monotonic() - start}))
        os._exit(0)
    if done < n:
        raise SystemExit(f"scale_peer: {n - done} of {n} sockets got no reply in time")
    say(connected(n, before))
    sys.stdin.readline()
    warmup, seconds = float(o.get("warmup", 0.5)), float(o.get("seconds", 2))
    for s in sockets:
        s.send(request())
    t0 = time.monotonic()
    since, until = t0 + warmup, t0 + warmup + seconds
    samples = ([], [])
    outstanding = n
    while True:
        now = time.monotonic()
        sending = now < until
        if not sending and outstanding == 0:
            break
        if now > until + timeout:
            raise SystemExit("scale_peer: replies stopped coming")
        ready = poller.poll(100)
        now = time.monotonic()
        measuring = since <= now < until
        for s, _ in ready:
            while True:
                try:
                    reply = s.recv(zmq.DONTWAIT)
                except zmq.Again:
                    break
                if measuring:
                    elapsed(reply, samples)
                outstanding -= 1
                if sending:
                    s.send(request())
                    outstanding += 1
    say(result(samples, seconds))
    while True:
        poller.poll()


async def asyncio_clients(o, n, before):
    ctx = zmq.asyncio.Context()
    ctx.max_sockets = n + 64
    timeout = float(o.get("timeout", 60))
    sockets = client_sockets(ctx, o, n)
    endpoint = o["endpoint"]
    if o.get("mode") == "storm":
        done = 0

        async def one(s):
            nonlocal done
            s.connect(endpoint)
            await s.send(request())
            await s.recv()
            done += 1

        start = time.monotonic()
        tasks = [asyncio.ensure_future(one(s)) for s in sockets]
        await asyncio.wait(tasks, timeout=timeout)
        say("RESULT " + json.dumps({"n": n, "done": done, "seconds": time.monotonic() - start}))
        os._exit(0)
    state = {"phase": "warmup", "finished": 0}
    samples = ([], [])
    go = asyncio.Event()
    ready = [0]

    async def client(s):
        s.connect(endpoint)
        await s.send(request())
        await s.recv()
        ready[0] += 1
        await go.wait()
        while state["phase"] != "stop":
            await s.send(request())
            reply = await s.recv()
            if state["phase"] == "measure":  # counted when the reply arrives
                elapsed(reply, samples)
        state["finished"] += 1
        await s.recv()  # idle until killed

    deadline = time.monotonic() + timeout
    tasks = []
    for i, s in enumerate(sockets):
        if i and i % 500 == 0:  # connect in batches of 500, as the Rust peer does
            while ready[0] < i:
                if time.monotonic() > deadline:
                    raise SystemExit("scale_peer: a batch of sockets got no reply in time")
                await asyncio.sleep(0.002)
        tasks.append(asyncio.ensure_future(client(s)))
    while ready[0] < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"scale_peer: {ready[0]} of {n} sockets connected in time")
        await asyncio.sleep(0.005)
    say(connected(n, before))
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    warmup, seconds = float(o.get("warmup", 0.5)), float(o.get("seconds", 2))
    go.set()
    await asyncio.sleep(warmup)
    state["phase"] = "measure"
    await asyncio.sleep(seconds)
    state["phase"] = "stop"
    deadline = time.monotonic() + timeout
    while state["finished"] < n:
        if time.monotonic() > deadline:
            raise SystemExit("scale_peer: replies stopped coming")
        await asyncio.sleep(0.005)
    say(result(samples, seconds))
    await asyncio.gather(*tasks)


def main():
    command, o = sys.argv[1], opts(sys.argv[2:])
    if command == "broker":
        broker(o)
    elif command == "pub":
        publisher(o)
    elif command == "clients":
        before = usage()
        n = int(o.get("n", 1))
        if o.get("impl", "sync") == "sync":
            sync_clients(o, n, before)
        else:
            asyncio.run(asyncio_clients(o, n, before))
    else:
        raise SystemExit(f"scale_peer: unknown command {command}")


if __name__ == "__main__":
    main()
