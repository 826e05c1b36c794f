"""A pipeline worker: PULLs tasks [seq] from --tasks, PUSHes [id, seq] to --results; on
END it pushes [id, END, count] and exits. Prints ENDPOINT lines (tasks first, when it
binds), READY, then DONE count=N."""

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--id", required=True)
p.add_argument("--tasks-bind")
p.add_argument("--tasks-connect")
p.add_argument("--results-bind")
p.add_argument("--results-connect")
args = p.parse_args()
peerlib.start(args)

ctx = zmq.Context()
tasks = ctx.socket(zmq.PULL)
results = ctx.socket(zmq.PUSH)
for sock in (tasks, results):
    sock.rcvtimeo = args.timeout
    sock.sndtimeo = args.timeout
    sock.linger = -1
peerlib.attach(tasks, [args.tasks_bind] if args.tasks_bind else [], [args.tasks_connect] if args.tasks_connect else [])
peerlib.attach(results, [args.results_bind] if args.results_bind else [], [args.results_connect] if args.results_connect else [])
peerlib.say("READY")
me = args.id.encode()
count = 0
while True:
    frames = tasks.recv_multipart()
    if frames[0] == peerlib.END:
        results.send_multipart([me, peerlib.END, b"%d" % count])
        break
    peerlib.check(len(frames) == 1, "bad task %s" % peerlib.describe(frames))
    results.send_multipart([me, frames[0]])
    count += 1
peerlib.say("DONE count=%d" % count)
tasks.close()
results.close()
ctx.term()
