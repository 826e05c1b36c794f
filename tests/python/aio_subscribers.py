"""--subscribers asyncio SUB sockets (zmq.asyncio) in one process, one task each, all
connected to --connect and subscribed to everything. Each checks that it gets the
sequence numbers 0..--messages-1 in order, then END. Prints READY, then DONE with the
count of each."""

import asyncio

import zmq
import zmq.asyncio

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--subscribers", type=int, default=1)
p.add_argument("--messages", type=int, default=1000)
args = p.parse_args()
peerlib.start(args)


async def subscriber(ctx, index):
    sock = ctx.socket(zmq.SUB)
    sock.linger = 0
    sock.rcvhwm = 0
    sock.rcvtimeo = args.timeout
    sock.subscribe(b"")
    peerlib.attach(sock, [], args.connect)
    expected = 0
    while True:
        frames = await sock.recv_multipart()
        if frames == [peerlib.END]:
            break
        peerlib.check(frames == [b"seq", b"%d" % expected],
                      "subscriber %d: expected %d, got %s" % (index, expected, peerlib.describe(frames)))
        expected += 1
    peerlib.check(expected == args.messages,
                  "subscriber %d: %d of %d" % (index, expected, args.messages))
    sock.close()
    return expected


async def main():
    ctx = zmq.asyncio.Context()
    tasks = [asyncio.create_task(subscriber(ctx, i)) for i in range(args.subscribers)]
    peerlib.say("READY")
    counts = await asyncio.gather(*tasks)
    peerlib.say("DONE " + " ".join("s%d=%d" % (i, n) for i, n in enumerate(counts)))
    ctx.term()


asyncio.run(main())
