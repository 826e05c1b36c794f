"""The server half of the conversation (REP, ROUTER or PAIR): echoes data, counts and
sources streams, until --clients clients said STOP. Prints ENDPOINT lines (when it binds),
READY, then DONE with its counts and the routing ids it saw (ROUTER). STOP on stdin ends
it early (when no client is supposed to get in)."""

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--type", choices=["REP", "ROUTER", "PAIR"], default="REP")
p.add_argument("--clients", type=int, default=1)
args = p.parse_args()
peerlib.start(args)

ctx = zmq.Context()
auth = peerlib.start_authenticator(ctx, args)
options = {"router_mandatory": True} if args.type == "ROUTER" else {}
sock = peerlib.make_socket(ctx, getattr(zmq, args.type), args, **options)
peerlib.say("READY")
stats, ids = peerlib.serve(sock, args.clients, args.type == "ROUTER", args.timeout)
peerlib.say(
    "DONE",
    " ".join("%s=%d" % kv for kv in sorted(stats.items())),
    "ids=" + ",".join(sorted(i.hex() for i in ids)),
)
peerlib.close(sock)
if auth is not None:
    auth.stop()
ctx.term()
