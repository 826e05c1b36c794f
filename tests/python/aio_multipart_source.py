"""An asyncio PUSH (zmq.asyncio) that sends --messages 3-part messages, frame k of message
i being b"i:k:3", then END. Prints ENDPOINT lines, READY, DONE sent=N. With --wait-close it
then keeps the connection until CLOSE arrives on stdin (so that the receiver has everything
before the connection ends: libzmq #4660 drops an ipc stream's tail otherwise)."""

import asyncio
import sys

import zmq
import zmq.asyncio

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--messages", type=int, default=1000)
p.add_argument("--wait-close", action="store_true")
args = p.parse_args()
peerlib.start(args)


async def main():
    ctx = zmq.asyncio.Context()
    sock = ctx.socket(zmq.PUSH)
    sock.linger = -1
    sock.sndtimeo = args.timeout
    peerlib.attach(sock, args.bind, args.connect)
    peerlib.say("READY")
    for i in range(args.messages):
        await sock.send_multipart([b"%d:%d:3" % (i, k) for k in range(3)])
        if i % 100 == 99:
            # Progress, for the diagnostics of a test that waits in vain.
            print("sent %d" % (i + 1), file=sys.stderr, flush=True)
    await sock.send_multipart([peerlib.END])
    peerlib.say("DONE sent=%d" % args.messages)
    if args.wait_close:
        peerlib.StdinLines().wait("CLOSE", timeout=60.0)
    sock.close()
    ctx.term()


asyncio.run(main())
