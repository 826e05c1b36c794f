"""The reference programs' zmq_server.py, as its readers run it
(see docs/architecture.md, "Reference programs"): a REP server that prints
each request, "processes" it for --work seconds (the document sleeps 1 s), replies
"Server received your message: '<msg>'", and shuts down cleanly on Ctrl+C (SIGINT).
The address is the document's tcp://localhost:5555 unless --bind says otherwise; the
line announcing it shows the bound endpoint (with the port picked for tcp://...:*)."""

import time

import zmq

import peerlib

p = peerlib.parser(__doc__)
p.add_argument("--work", type=float, default=1.0)
args = p.parse_args()
peerlib.start(args)

context = zmq.Context()
socket = context.socket(zmq.REP)
bind_address = args.bind[0] if args.bind else "tcp://localhost:5555"
socket.bind(bind_address)

print(f"ZeroMQ REP server started, bound to {socket.last_endpoint.decode()}", flush=True)
print("Waiting to receive requests...", flush=True)

try:
    while True:
        message = socket.recv_string()
        print(f"Received request: '{message}'", flush=True)
        time.sleep(args.work)
        reply_message = f"Server received your message: '{message}'"
        socket.send_string(reply_message)
        print(f"Sent reply: '{reply_message}'", flush=True)
except KeyboardInterrupt:
    print("\nDetected Ctrl+C, shutting down the server...", flush=True)
finally:
    socket.close(linger=0)
    context.term()
    print("Server has been safely shut down.", flush=True)
