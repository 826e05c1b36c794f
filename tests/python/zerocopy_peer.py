"""The Python half of tests/interop/zerocopy.rs, on a PAIR socket (--bind or --connect):

1. receives a JSON message (recv_json) and checks it against FROM_RUST;
2. answers with send_json(FROM_PYTHON);
3. receives --big frames of 16 MiB without copying (copy=False), checks each against
   peerlib.big_frame(), and echoes it back without copying (copy=False, track=True),
   waiting for each tracker;
4. prints DONE with its counts.

The values must match the ones in tests/interop/zerocopy.rs."""

import zmq

import peerlib

FROM_RUST = {
    "text": "h\u00e9llo \u2603 \U0001F600",
    "ints": [0, -1, 9007199254740991],
    "float": 1.5,
    "nested": {"null": None, "bools": [True, False], "empty": {}},
}
FROM_PYTHON = {
    "from": "pyzmq",
    "unicode": "\u00fc\u20ac\U0001D11E",
    "list": [1, 2.25, None, "x"],
    "obj": {"a": {"b": []}},
}

p = peerlib.parser(__doc__)
p.add_argument("--big", type=int, default=2, help="16 MiB frames to echo")
args = p.parse_args()
peerlib.start(args)

ctx = zmq.Context()
sock = peerlib.make_socket(ctx, zmq.PAIR, args)
peerlib.say("READY")

got = sock.recv_json()
peerlib.check(got == FROM_RUST, "recv_json: got %r" % (got,))
sock.send_json(FROM_PYTHON)

expected = peerlib.big_frame()
for i in range(args.big):
    frame = sock.recv(copy=False)
    peerlib.check(not frame.more, "big frame %d has more frames" % i)
    peerlib.check(len(frame) == len(expected), "big frame %d: %d bytes" % (i, len(frame)))
    peerlib.check(frame.buffer == expected, "big frame %d: content differs" % i)
    tracker = sock.send(frame.buffer, copy=False, track=True)
    tracker.wait(args.timeout / 1000.0)

peerlib.say("DONE", "json=2", "big=%d" % args.big)
peerlib.close(sock)
ctx.term()
