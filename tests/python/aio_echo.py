"""An asyncio server (zmq.asyncio; REP or ROUTER): echoes every message until --clients
clients sent STOP (answered with [BYE] + the routing id a ROUTER saw). Prints ENDPOINT
lines, READY, then DONE echoed=N ids=<hex,...>."""

import asyncio

import zmq
import zmq.asyncio

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--type", choices=["REP", "ROUTER"], default="REP")
p.add_argument("--clients", type=int, default=1)
args = p.parse_args()
peerlib.start(args)


async def main():
    ctx = zmq.asyncio.Context()
    sock = ctx.socket(getattr(zmq, args.type))
    sock.linger = -1
    sock.rcvtimeo = args.timeout
    if args.type == "ROUTER":
        sock.router_mandatory = True
    peerlib.attach(sock, args.bind, args.connect)
    peerlib.say("READY")
    router = args.type == "ROUTER"
    echoed = stopped = 0
    ids = set()
    while stopped < args.clients:
        frames = await sock.recv_multipart()
        envelope, body = (frames[:1], frames[1:]) if router else ([], frames)
        if router:
            ids.add(frames[0])
        if body == [peerlib.STOP]:
            await sock.send_multipart(envelope + [peerlib.BYE] + envelope)
            stopped += 1
        else:
            await sock.send_multipart(frames)
            echoed += 1
    peerlib.say("DONE echoed=%d ids=%s" % (echoed, ",".join(sorted(i.hex() for i in ids))))
    sock.close()
    ctx.term()


asyncio.run(main())
