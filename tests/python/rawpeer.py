"""A raw stream peer (no ZeroMQ) for STREAM sockets: a TCP or Unix-domain socket that
either connects to --connect or listens on --listen (printing ENDPOINT and READY).
With --send N it sends N pattern bytes and expects them back; with --echo N it reads N
bytes and sends them back. Then it expects the other side to close (EOF). Prints DONE."""

import os
import socket

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--listen")
p.add_argument("--send", type=int, default=0)
p.add_argument("--echo", type=int, default=0)
args = p.parse_args()
peerlib.start(args)


def address(endpoint):
    if endpoint.startswith("tcp://"):
        host, port = endpoint[len("tcp://"):].rsplit(":", 1)
        return socket.AF_INET, (host, 0 if port == "*" else int(port))
    if endpoint.startswith("ipc://"):
        return socket.AF_UNIX, endpoint[len("ipc://"):]
    peerlib.fail("unsupported endpoint %r" % endpoint)


def read_exactly(conn, n):
    data = bytearray()
    while len(data) < n:
        chunk = conn.recv(min(1 << 16, n - len(data)))
        peerlib.check(chunk, "EOF after %d of %d bytes" % (len(data), n))
        data += chunk
    return bytes(data)


if args.listen:
    family, addr = address(args.listen)
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.bind(addr)
    listener.listen(1)
    if family == socket.AF_INET:
        peerlib.say("ENDPOINT tcp://%s:%d" % listener.getsockname())
    else:
        peerlib.say("ENDPOINT ipc://" + addr)
    peerlib.say("READY")
    listener.settimeout(args.timeout / 1000)
    conn, _ = listener.accept()
else:
    family, addr = address(args.connect[0])
    conn = socket.socket(family, socket.SOCK_STREAM)
    conn.settimeout(args.timeout / 1000)
    conn.connect(addr)
    peerlib.say("READY")
conn.settimeout(args.timeout / 1000)

if args.send:
    payload = peerlib.big_frame(args.send)
    conn.sendall(payload)
    peerlib.check(read_exactly(conn, args.send) == payload, "the echo differs")
if args.echo:
    conn.sendall(read_exactly(conn, args.echo))
peerlib.check(conn.recv(1) == b"", "expected EOF")
conn.close()
if args.listen and family == socket.AF_UNIX:
    os.unlink(addr)
peerlib.say("DONE bytes=%d" % (args.send or args.echo))
