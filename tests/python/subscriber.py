"""A subscriber (SUB): subscribes to --subscribe prefixes (and the sync/END control
topics), prints SYNCED on the first probe, then checks every message: its topic must be
subscribed and its sequence number the next one of that topic. At END it checks the count
of each topic against what a publisher of --count messages over --topics sends, and prints
RESULT topic=count ... and DONE."""

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--subscribe", action="append", default=[])
p.add_argument("--topics", default="alpha.,beta.,gamma.,alphabet.")
p.add_argument("--count", type=int, default=1000)
args = p.parse_args()
peerlib.start(args)

ctx = zmq.Context()
sock = ctx.socket(zmq.SUB)
sock.rcvhwm = 0
for prefix in [peerlib.CTL + b"sync", peerlib.END] + [s.encode() for s in args.subscribe]:
    sock.setsockopt(zmq.SUBSCRIBE, prefix)
sock.rcvtimeo = args.timeout
sock.linger = 0
peerlib.attach(sock, args.bind, args.connect)
peerlib.say("READY")

topics = [t.encode() for t in args.topics.split(",")]
subscribed = [s.encode() for s in args.subscribe]
expected = {
    t: sum(1 for k in range(args.count) if k % len(topics) == i)
    for i, t in enumerate(topics)
    if any(t.startswith(s) for s in subscribed)
}
seen = {t: 0 for t in expected}
synced = False
while True:
    frames = sock.recv_multipart()
    if frames[0] == peerlib.CTL + b"sync":
        if not synced:
            synced = True
            peerlib.say("SYNCED")
        continue
    peerlib.check(synced, "data before the first probe: %s" % peerlib.describe(frames))
    if frames[0] == peerlib.END:
        break
    peerlib.check(len(frames) == 2 and frames[1] == b"", "bad message %s" % peerlib.describe(frames))
    topic = frames[0].rstrip(b"0123456789")
    peerlib.check(topic in expected, "got a topic we did not subscribe to: %r" % frames[0])
    seq = int(frames[0][len(topic):])
    peerlib.check(seq == seen[topic], "%r: expected seq %d, got %d" % (topic, seen[topic], seq))
    seen[topic] += 1
peerlib.check(seen == expected, "counts %r, expected %r" % (seen, expected))
peerlib.say("RESULT", " ".join("%s=%d" % (t.decode(), n) for t, n in sorted(seen.items())))
peerlib.say("DONE received=%d" % sum(seen.values()))
sock.close()
ctx.term()
