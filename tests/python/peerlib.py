"""What every interop peer shares: its command line, its time bound, the lines it prints
for the Rust test to read, the payloads, and the conversation the Rust side mirrors in
tests/common/interop.rs.

Lines on stdout are the handshake with the Rust test ("ENDPOINT tcp://127.0.0.1:40123",
"READY", "RESULT ..."): one per event, flushed at once. Diagnostics go to stderr, which
the Rust test shows when something fails.
"""

import argparse
import os
import select
import signal
import sys
import threading
import time

import zmq

# Control frames start with a zero byte, which no data frame of the suite starts with.
CTL = b"\x00ctl:"
STOP, BYE = CTL + b"stop", CTL + b"bye"
SINK, SUNK_QUERY, SUNK = CTL + b"sink", CTL + b"sunk?", CTL + b"sunk"
SOURCE, SOURCED = CTL + b"source", CTL + b"src"
END = CTL + b"end"

# Payloads: a multipart message with empty frames, every byte value (not UTF-8), and a
# large frame whose content both sides can regenerate.
MULTIPART_WITH_EMPTY = [b"", b"head", b"", b"\xff\x00\xfe\x80", b""]
NON_UTF8 = bytes(range(256))
BIG_SIZE = 16 * 1024 * 1024
_BLOCK = bytes((i * 7 + 3) % 251 for i in range(251))


def big_frame(size=BIG_SIZE):
    """`size` bytes of a fixed pattern (tests/common/interop.rs makes the same)."""
    return (_BLOCK * (size // len(_BLOCK) + 1))[:size]


def small(i):
    """The i-th small message of a counted run."""
    return b"m%d" % i


def parser(description):
    """An argument parser with the options every peer has."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--bind", action="append", default=[],
                   help="endpoint to bind; tcp://127.0.0.1:* picks a port (printed as ENDPOINT)")
    p.add_argument("--connect", action="append", default=[], help="endpoint to connect to")
    p.add_argument("--deadline", type=float, default=60.0,
                   help="seconds after which the process kills itself, whatever it is doing")
    p.add_argument("--timeout", type=int, default=15000,
                   help="RCVTIMEO/SNDTIMEO of the peer's sockets in ms (a hang detector)")
    p.add_argument("--opt", action="append", default=[], metavar="NAME=INT",
                   help="an integer socket option, e.g. HEARTBEAT_IVL=100")
    p.add_argument("--identity-hex", help="routing id of the socket, in hex")
    p.add_argument("--monitor", action="store_true",
                   help="print the socket's monitor events as EVENT lines")
    # Security, client side.
    p.add_argument("--curve-serverkey", help="be a CURVE client of this server (Z85 public key)")
    p.add_argument("--plain-user", help="be a PLAIN client: USER:PASSWORD")
    # Security, server side.
    p.add_argument("--curve-server", action="store_true",
                   help="be a CURVE server with a new key pair (printed as SERVERKEY)")
    p.add_argument("--plain-server", action="store_true", help="be a PLAIN server")
    p.add_argument("--auth", action="store_true",
                   help="run a zmq.auth ThreadAuthenticator in front of the server")
    p.add_argument("--auth-allow-key", action="append", default=[],
                   help="CURVE client public key (Z85) the authenticator accepts")
    p.add_argument("--auth-any-key", action="store_true",
                   help="the authenticator accepts any CURVE client key")
    p.add_argument("--auth-password", action="append", default=[],
                   help="USER:PASSWORD the authenticator accepts for PLAIN")
    p.add_argument("--auth-deny-ip", action="append", default=[], help="address to deny")
    p.add_argument("--auth-allow-ip", action="append", default=[], help="address to allow")
    return p


def start(args):
    """Bounds the life of this process: SIGALRM (default action: terminate) fires after the
    deadline even if Python is blocked in C, and a watcher ends the process when its parent
    (the Rust test) goes away."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(max(1, int(args.deadline + 0.999)))
    # Ctrl+C raises KeyboardInterrupt, as at a terminal, even when the test suite was
    # started from a background job (`cmd &` in a script), whose children inherit SIGINT
    # ignored: Python then leaves it ignored, and a peer the test stops with SIGINT would
    # never stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parent = os.getppid()

    def watch_parent():
        while True:
            if os.getppid() != parent:
                os._exit(125)
            time.sleep(0.2)

    threading.Thread(target=watch_parent, daemon=True).start()


_say_lock = threading.Lock()


def say(*words):
    """Prints one handshake line for the Rust test, whole even when threads (the monitor
    printer) print at the same time."""
    line = " ".join(str(w) for w in words) + "\n"
    with _say_lock:
        sys.stdout.write(line)
        sys.stdout.flush()


def fail(message):
    """Reports a failed check and exits with status 1."""
    print("peer check failed: " + message, file=sys.stderr, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def describe(frames):
    """A short description of frames for error messages."""
    return "[" + ", ".join(
        repr(f) if len(f) <= 32 else "<%d bytes %r...>" % (len(f), f[:16]) for f in frames
    ) + "]"


_EVENT_NAMES = {
    getattr(zmq, name): name[len("EVENT_"):]
    for name in dir(zmq)
    if name.startswith("EVENT_") and not name.startswith("EVENT_ALL")
}


def _print_events(monitor):
    from zmq.utils.monitor import recv_monitor_message

    while True:
        try:
            event = recv_monitor_message(monitor)
        except zmq.ZMQError:
            return
        name = _EVENT_NAMES.get(event["event"], "UNKNOWN")
        say("EVENT", name, event["value"], event["endpoint"].decode(errors="replace"))
        if event["event"] == zmq.EVENT_MONITOR_STOPPED:
            monitor.close()
            return


def start_authenticator(ctx, args):
    """A pyzmq ThreadAuthenticator configured from the command line (None without --auth)."""
    if not args.auth:
        return None
    from zmq.auth.thread import ThreadAuthenticator

    auth = ThreadAuthenticator(ctx)
    auth.start()
    if args.auth_deny_ip:
        auth.deny(*args.auth_deny_ip)
    if args.auth_allow_ip:
        auth.allow(*args.auth_allow_ip)
    if args.auth_password:
        auth.configure_plain(domain="*", passwords=dict(p.split(":", 1) for p in args.auth_password))
    if args.auth_any_key:
        auth.configure_curve(domain="*", location=zmq.auth.CURVE_ALLOW_ANY)
    elif args.auth_allow_key:
        allowed = {k.encode() for k in args.auth_allow_key}

        class Allowed:
            def callback(self, domain, key):
                return key in allowed

        auth.configure_curve_callback(domain="*", credentials_provider=Allowed())
    return auth


def make_socket(ctx, kind, args, attach_now=True, **options):
    """A socket of `kind` set up from the command line and `options` (attribute names of
    pyzmq sockets: sndhwm=0, linger=0, ...): options, security, monitor, then bound
    (printing ENDPOINT lines) and connected. Options go first because libzmq copies them
    into each binding or connection when it is made.

    Linger is infinite unless set: the peer delivers everything before it exits, and its
    deadline bounds the wait."""
    sock = ctx.socket(kind)
    sock.linger = -1
    sock.rcvtimeo = args.timeout
    sock.sndtimeo = args.timeout
    for opt in args.opt:
        name, value = opt.split("=", 1)
        sock.setsockopt(getattr(zmq, name), int(value))
    if args.identity_hex:
        sock.setsockopt(zmq.ROUTING_ID, bytes.fromhex(args.identity_hex))
    if args.curve_server:
        public, secret = zmq.curve_keypair()
        sock.curve_secretkey = secret
        sock.curve_publickey = public
        sock.curve_server = True
        say("SERVERKEY", public.decode())
    if args.curve_serverkey:
        public, secret = zmq.curve_keypair()
        sock.curve_publickey = public
        sock.curve_secretkey = secret
        sock.curve_serverkey = args.curve_serverkey.encode()
        say("CLIENTKEY", public.decode())
    if args.plain_server:
        sock.plain_server = True
    if args.plain_user:
        user, password = args.plain_user.split(":", 1)
        sock.plain_username = user.encode()
        sock.plain_password = password.encode()
    for name, value in options.items():
        setattr(sock, name, value)
    if args.monitor:
        monitor = sock.get_monitor_socket()
        _monitors[sock] = threading.Thread(target=_print_events, args=(monitor,), daemon=True)
        _monitors[sock].start()
    if attach_now:
        attach(sock, args.bind, args.connect)
    return sock


_monitors = {}


def close(sock):
    """Closes a socket made by make_socket, after stopping its monitor (a live monitor
    socket would keep the context from terminating)."""
    thread = _monitors.pop(sock, None)
    if thread is not None:
        sock.disable_monitor()
        thread.join()
    sock.close()


def attach(sock, binds, connects):
    for endpoint in binds:
        sock.bind(endpoint)
        say("ENDPOINT", sock.last_endpoint.decode())
    for endpoint in connects:
        sock.connect(endpoint)


class StdinLines:
    """Non-blocking reads of command lines the Rust test writes on our stdin."""

    def __init__(self):
        self.buffer = b""

    def poll(self, timeout):
        """The next line if one arrives within `timeout` seconds, else None."""
        if b"\n" not in self.buffer:
            ready, _, _ = select.select([0], [], [], timeout)
            if ready:
                chunk = os.read(0, 4096)
                if not chunk:
                    fail("stdin closed while waiting for a command")
                self.buffer += chunk
        if b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            return line.decode().strip()
        return None

    def next(self, timeout=30.0):
        """The next line; fails if none comes within `timeout` seconds."""
        limit = time.monotonic() + timeout
        while time.monotonic() < limit:
            line = self.poll(0.1)
            if line is not None:
                return line
        fail("no command on stdin within %ss" % timeout)

    def wait(self, expected, timeout=30.0):
        limit = time.monotonic() + timeout
        while time.monotonic() < limit:
            line = self.poll(0.1)
            if line is not None:
                check(line == expected, "expected %r on stdin, got %r" % (expected, line))
                return
        fail("no %r on stdin within %ss" % (expected, timeout))


# ---- The conversation (client side) -------------------------------------------------


def echo_check(sock, frames):
    sock.send_multipart(frames)
    got = sock.recv_multipart()
    check(got == frames, "echo mismatch: sent %s, got %s" % (describe(frames), describe(got)))


def run_client(sock, args):
    """The client half of the suite: payload echoes, a counted echo run, a counted stream
    each way, then STOP. Returns a dict of counts."""
    counts = {"sent": 0, "received": 0}
    if not args.skip_payloads:
        for frames in (MULTIPART_WITH_EMPTY, [NON_UTF8], [big_frame()]):
            echo_check(sock, frames)
            counts["sent"] += 1
            counts["received"] += 1
    window = max(1, args.window)
    i = 0
    while i < args.echo:
        batch = range(i, min(i + window, args.echo))
        for j in batch:
            sock.send(small(j))
        for j in batch:
            got = sock.recv_multipart()
            check(got == [small(j)], "echo %d: got %s" % (j, describe(got)))
        i += len(batch)
    counts["sent"] += args.echo
    counts["received"] += args.echo
    if args.stream:
        for j in range(args.stream):
            sock.send_multipart([SINK, b"%d" % j])
        sock.send(SUNK_QUERY)
        got = sock.recv_multipart()
        check(got == [SUNK, b"%d" % args.stream], "sink report: %s" % describe(got))
        sock.send_multipart([SOURCE, b"%d" % args.stream])
        for j in range(args.stream):
            got = sock.recv_multipart()
            check(got == [SOURCED, b"%d" % j], "source %d: got %s" % (j, describe(got)))
        counts["sent"] += args.stream
        counts["received"] += args.stream
    sock.send(STOP)
    got = sock.recv_multipart()
    check(got[:1] == [BYE], "stop: got %s" % describe(got))
    if args.identity_hex:
        seen = got[1] if len(got) > 1 else b""
        check(seen == bytes.fromhex(args.identity_hex),
              "the server saw routing id %r, not ours" % seen)
    return counts


# ---- The conversation (server side) -------------------------------------------------


def recv_or_stop(sock, stdin, timeout_ms):
    """The next message, or None when STOP arrives on stdin first. Fails after
    `timeout_ms` without either."""
    limit = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            return sock.recv_multipart(zmq.NOBLOCK)
        except zmq.Again:
            pass
        line = stdin.poll(0)
        if line is not None:
            check(line == "STOP", "expected STOP on stdin, got %r" % line)
            return None
        check(time.monotonic() < limit, "nothing received for %d ms" % timeout_ms)
        sock.poll(50, zmq.POLLIN)


def serve(sock, clients, router, timeout_ms=15000):
    """The server half: echo data, count SINK streams per client, answer SOURCE and
    SUNK?, until `clients` clients said STOP (or STOP comes on stdin, for tests where no
    client gets in). Returns the stats and the routing ids seen."""
    stats = {"echoed": 0, "sunk": 0, "sourced": 0, "stopped": 0}
    sunk = {}
    ids = set()
    stdin = StdinLines()
    while stats["stopped"] < clients:
        frames = recv_or_stop(sock, stdin, timeout_ms)
        if frames is None:
            break
        if router:
            check(len(frames) >= 2, "ROUTER got %s" % describe(frames))
            envelope, body = frames[:1], frames[1:]
            ids.add(frames[0])
        else:
            envelope, body = [], frames
        key = envelope[0] if envelope else b""
        head = body[0]
        if head == SINK:
            expected = sunk.get(key, 0)
            check(body[1] == b"%d" % expected,
                  "sink from %r: expected %d, got %s" % (key, expected, describe(body)))
            sunk[key] = expected + 1
            stats["sunk"] += 1
        elif head == SUNK_QUERY:
            sock.send_multipart(envelope + [SUNK, b"%d" % sunk.get(key, 0)])
        elif head == SOURCE:
            for j in range(int(body[1])):
                sock.send_multipart(envelope + [SOURCED, b"%d" % j])
            stats["sourced"] += int(body[1])
        elif head == STOP:
            sock.send_multipart(envelope + [BYE] + envelope)
            stats["stopped"] += 1
        else:
            sock.send_multipart(frames)
            stats["echoed"] += 1
    return stats, ids
