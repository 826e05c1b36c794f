"""The client half of the conversation (REQ, DEALER or PAIR): the payload echoes
(multipart with empty frames, non-UTF-8 bytes, a 16 MiB frame), --echo counted echoes in
windows of --window, --stream messages each way, then STOP. Prints DONE with its counts.

With --expect-nothing it sends one request, waits for CHECK on stdin, and verifies that
no reply came (prints NOTHING): the server was not supposed to let it in. With
--wait-go it prints its CURVE key (CLIENTKEY) and connects only after GO on stdin.
With --interactive it echoes what ECHO commands on stdin say, until STOP."""

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--type", choices=["REQ", "DEALER", "PAIR"], default="REQ")
p.add_argument("--echo", type=int, default=100)
p.add_argument("--window", type=int, default=1)
p.add_argument("--stream", type=int, default=0)
p.add_argument("--skip-payloads", action="store_true")
p.add_argument("--expect-nothing", action="store_true")
p.add_argument("--interactive", action="store_true",
               help="take commands on stdin: ECHO <text> (prints ECHOED <text>), STOP")
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
elif args.interactive:
    peerlib.say("READY")
    while True:
        line = stdin.next(timeout=args.deadline)
        if line == "STOP":
            break
        command, _, text = line.partition(" ")
        peerlib.check(command == "ECHO", "unknown command %r" % line)
        sock.send(text.encode())
        reply = sock.recv_multipart()
        peerlib.check(reply == [text.encode()], "echo of %r: %s" % (text, peerlib.describe(reply)))
        peerlib.say("ECHOED", text)
    peerlib.say("DONE")
else:
    peerlib.say("READY")
    counts = peerlib.run_client(sock, args)
    peerlib.say("DONE", " ".join("%s=%d" % kv for kv in sorted(counts.items())))
peerlib.close(sock)
ctx.term()
