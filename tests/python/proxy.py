"""An XSUB/XPUB forwarder: binds --frontend (XSUB, where publishers connect) and
--backend (XPUB, where subscribers connect), prints their ENDPOINT lines and READY, and
runs zmq.proxy_steerable until STOP on stdin. Prints DONE."""

import threading

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--frontend", required=True)
p.add_argument("--backend", required=True)
args = p.parse_args()
peerlib.start(args)

ctx = zmq.Context()
xsub = ctx.socket(zmq.XSUB)
xpub = ctx.socket(zmq.XPUB)
for sock in (xsub, xpub):
    sock.sndhwm = 0
    sock.rcvhwm = 0
    sock.linger = -1
peerlib.attach(xsub, [args.frontend], [])
peerlib.attach(xpub, [args.backend], [])
control = ctx.socket(zmq.PAIR)
control.bind("inproc://proxy-control")


def stop_on_command():
    peerlib.StdinLines().wait("STOP", timeout=args.deadline)
    stopper = ctx.socket(zmq.PAIR)
    stopper.connect("inproc://proxy-control")
    stopper.send(b"TERMINATE")
    # libzmq 4.3.5 answers every command; closing before the answer came would leave the
    # proxy blocked sending it to a PAIR with no peer.
    stopper.recv()
    stopper.close()


threading.Thread(target=stop_on_command, daemon=True).start()
peerlib.say("READY")
zmq.proxy_steerable(xsub, xpub, None, control)
peerlib.say("DONE")
for sock in (xsub, xpub, control):
    sock.close()
ctx.term()
