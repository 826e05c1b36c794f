"""A publisher (PUB, or XPUB): sends sync probes until GO on stdin, then --count messages
[topic + seq, b""] cycling over --topics, then END. Prints ENDPOINT lines, READY, DONE.

With --wait-subscriptions N (XPUB) it sends no probes: it waits until N distinct
subscriptions have arrived (printing SUBSCRIBED with them), then publishes."""

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--type", choices=["PUB", "XPUB"], default="PUB")
p.add_argument("--topics", default="alpha.,beta.,gamma.,alphabet.")
p.add_argument("--count", type=int, default=1000)
p.add_argument("--wait-subscriptions", type=int, default=0)
args = p.parse_args()
peerlib.start(args)

ctx = zmq.Context()
sock = peerlib.make_socket(ctx, getattr(zmq, args.type), args, sndhwm=0)
topics = [t.encode() for t in args.topics.split(",")]
peerlib.say("READY")
stdin = peerlib.StdinLines()
probes = 0
subscriptions = set()
while len(subscriptions) < args.wait_subscriptions:
    peerlib.check(args.type == "XPUB", "--wait-subscriptions needs an XPUB")
    message = sock.recv()
    if message[:1] == b"\x01":
        subscriptions.add(message[1:])
if subscriptions:
    peerlib.say("SUBSCRIBED", ",".join(sorted(s.decode(errors="replace") for s in subscriptions)))
while not subscriptions:
    sock.send_multipart([peerlib.CTL + b"sync", b""])
    probes += 1
    line = stdin.poll(0.02)
    if line is not None:
        peerlib.check(line == "GO", "expected GO, got %r" % line)
        break
for k in range(args.count):
    sock.send_multipart([topics[k % len(topics)] + b"%d" % (k // len(topics)), b""])
sock.send_multipart([peerlib.END, b""])
peerlib.say("DONE sent=%d probes=%d" % (args.count, probes))
sock.close()
ctx.term()
