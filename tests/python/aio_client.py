"""An asyncio client (zmq.asyncio; REQ or DEALER): --rounds messages [round, b"",
b"\\xff\\x00"] echoed by the server and checked, --window at a time (REQ: 1), then STOP.
Prints READY, then DONE rounds=N."""

import asyncio

import zmq
import zmq.asyncio

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--type", choices=["REQ", "DEALER"], default="REQ")
p.add_argument("--rounds", type=int, default=1000)
p.add_argument("--window", type=int, default=1)
args = p.parse_args()
peerlib.start(args)


def message(i):
    return [b"%d" % i, b"", b"\xff\x00"]


async def main():
    ctx = zmq.asyncio.Context()
    sock = ctx.socket(getattr(zmq, args.type))
    sock.linger = -1
    sock.rcvtimeo = args.timeout
    if args.identity_hex:
        sock.routing_id = bytes.fromhex(args.identity_hex)
    peerlib.attach(sock, args.bind, args.connect)
    peerlib.say("READY")
    done = 0
    while done < args.rounds:
        batch = range(done, min(done + args.window, args.rounds))
        for i in batch:
            await sock.send_multipart(message(i))
        for i in batch:
            reply = await sock.recv_multipart()
            peerlib.check(reply == message(i), "round %d: got %s" % (i, peerlib.describe(reply)))
        done = batch.stop
    await sock.send(peerlib.STOP)
    reply = await sock.recv_multipart()
    peerlib.check(reply[:1] == [peerlib.BYE], "stop: got %s" % peerlib.describe(reply))
    if args.identity_hex:
        peerlib.check(reply[1:] == [bytes.fromhex(args.identity_hex)],
                      "the server saw routing id %s" % peerlib.describe(reply[1:]))
    peerlib.say("DONE rounds=%d" % done)
    sock.close()
    ctx.term()


asyncio.run(main())
