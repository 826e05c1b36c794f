"""An asyncio XPUB publisher (zmq.asyncio): waits until --subscribers subscriptions have
arrived (XPUB_VERBOSE, so each subscriber counts), then sends --messages sequence
numbers [b"seq", b"<n>"] and END, with no high-water mark. Prints ENDPOINT lines, READY,
SUBSCRIBED n, DONE sent=N."""

import asyncio

import zmq
import zmq.asyncio

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--subscribers", type=int, default=1)
p.add_argument("--messages", type=int, default=1000)
args = p.parse_args()
peerlib.start(args)


async def main():
    ctx = zmq.asyncio.Context()
    sock = ctx.socket(zmq.XPUB)
    sock.linger = -1
    sock.sndhwm = 0
    sock.rcvtimeo = args.timeout
    sock.xpub_verbose = True
    peerlib.attach(sock, args.bind, args.connect)
    peerlib.say("READY")
    subscribed = 0
    while subscribed < args.subscribers:
        frame = await sock.recv()
        if frame[:1] == b"\x01":
            subscribed += 1
    peerlib.say("SUBSCRIBED %d" % subscribed)
    for n in range(args.messages):
        await sock.send_multipart([b"seq", b"%d" % n])
    await sock.send_multipart([peerlib.END])
    peerlib.say("DONE sent=%d" % args.messages)
    sock.close()
    ctx.term()


asyncio.run(main())
