"""The reference programs' zmq_client.py, as its readers run it
(see docs/architecture.md, "Reference programs"): a REQ client that sends
each line typed on stdin and prints the reply, until 'quit'. The address is the
document's tcp://localhost:5555 unless --connect says otherwise."""

import zmq

import peerlib

p = peerlib.parser(__doc__)
args = p.parse_args()
peerlib.start(args)

context = zmq.Context()
socket = context.socket(zmq.REQ)
connect_address = args.connect[0] if args.connect else "tcp://localhost:5555"
socket.connect(connect_address)

print(f"ZeroMQ REQ client started, connected to {connect_address}", flush=True)
print("You can enter messages to send to the server, type 'quit' to exit.", flush=True)

try:
    while True:
        user_input = input("Enter message: ")
        if user_input.lower() == 'quit':
            break
        print(f"Sending request: '{user_input}'", flush=True)
        socket.send_string(user_input)
        reply_message = socket.recv_string()
        print(f"Received reply: '{reply_message}'", flush=True)
        print("-" * 20, flush=True)
except KeyboardInterrupt:
    print("\nDetected Ctrl+C, shutting down the client...", flush=True)
finally:
    socket.close(linger=0)
    context.term()
    print("Client has been safely shut down.", flush=True)
