"""The client half of the conversation (REQ, DEALER or PAIR): the payload echoes
(multipart with empty frames, non-UTF-8 bytes, a 16 MiB frame), --echo counted echoes in
windows of --window, --stream messages each way, then STOP. Prints DONE with its counts.

With --expect-nothing it sends one request, waits for CHECK on stdin, and verifies that
no reply came (prints NOTHING): the server was not supposed to let it in. With
--wait-go it prints its CURVE key (CLIENTKEY) and connects only after GO on stdin."""

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--type", choices=["REQ", "DEALER", "PAIR"], default="REQ")
p.add_argument("--echo", type=int, default=100)
p.add_argument("--window", type=int, default=1)
p.add_argument("--stream", type=int, default=0)
p.add_argument("--skip-payloads", action="store_true")
p.add_argument("--expect-nothing", action="store_true")
p.add_argument("--wait-go", action="store_true",
               help="connect only after GO on stdin (once the server knows our key)")
args = p.parse_args()
peerlib.start(args)

ctx = zmq.Context()
options = {"linger": 0} if args.expect_nothing else {}
sock = peerlib.make_socket(ctx, getattr(zmq, args.type), args, attach_now=False, **options)
stdin = peerlib.StdinLines()
if args.wait_go:
    stdin.wait("GO")
peerlib.attach(sock, args.bind, args.connect)
if args.expect_nothing:
    sock.send(b"let me in")
    stdin.wait("CHECK")
    if sock.poll(100, zmq.POLLIN):
        peerlib.fail("a reply came through: %r" % sock.recv_multipart())
    peerlib.say("NOTHING")
else:
    peerlib.say("READY")
    counts = peerlib.run_client(sock, args)
    peerlib.say("DONE", " ".join("%s=%d" % kv for kv in sorted(counts.items())))
peerlib.close(sock)
ctx.term()
