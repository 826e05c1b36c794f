//! A queue that forwards like [`proxy`](crate::proxy()) and tells a third socket what it
//! forwarded, each message after a frame naming its direction: pyzmq's
//! `zmq.devices.monitored_queue`, on the same wire format.

use crate::{DONTWAIT, Error, Message, POLLIN, Result, SNDMORE, Socket, SocketType};

/// How many messages one side forwards before the other side gets its turn.
const BURST: usize = 1000;

/// Forwards messages both ways between `frontend` and `backend`, as
/// [`proxy`](crate::proxy()) does, and sends each one to `monitor` as well, after a first
/// frame: `in_prefix` for what came in at the frontend, `out_prefix` for what came back
/// from the backend. This is pyzmq's `monitored_queue` (its defaults are `b"in"` and
/// `b"out"`), so a pyzmq subscriber reads the same frames.
///
/// When both `frontend` and `backend` are ROUTERs, the first two frames of every message
/// (the routing id of the peer it came from, and the one it goes to) are swapped, so that
/// a peer on either side addresses a peer on the other by its routing id, and the answer
/// finds its way back; `monitor` gets the message as it was sent on.
///
/// Messages go whole or not at all; the payloads sent to `monitor` are shared with the
/// forwarded ones (libzmq's reference count), not copied, beyond 33 bytes. A `monitor`
/// that cannot take a message holds the queue up, as a full `backend` does: make it a
/// PUB (which drops what a slow subscriber cannot take) unless every copy must arrive.
///
/// Runs until the context is shut down or terminated (`Err(ETERM)`), or until a send or
/// receive fails (that error; e.g. `EHOSTUNREACH` from a ROUTER with
/// `set_router_mandatory` for a routing id it does not know). A signal handler that
/// interrupts its wait or a blocking send does not end it.
///
/// ```
/// let ctx = zmq::Context::new();
/// let frontend = ctx.socket(zmq::ROUTER)?;
/// frontend.bind("inproc://mq-front")?;
/// let backend = ctx.socket(zmq::DEALER)?;
/// backend.bind("inproc://mq-back")?;
/// // Here every copy must arrive (a PUB would drop what its subscriber cannot take).
/// let monitor = ctx.socket(zmq::PUSH)?;
/// monitor.bind("inproc://mq-mon")?;
/// let tap = ctx.socket(zmq::PULL)?;
/// tap.connect("inproc://mq-mon")?;
/// let queue = std::thread::spawn(move || {
///     zmq::proxy::monitored_queue(&frontend, &backend, &monitor, b"in", b"out")
/// });
///
/// let client = ctx.socket(zmq::REQ)?;
/// client.connect("inproc://mq-front")?;
/// let worker = ctx.socket(zmq::REP)?;
/// worker.connect("inproc://mq-back")?;
/// client.send("ping", 0)?;
/// assert_eq!(worker.recv_bytes(0)?, b"ping");
/// worker.send("pong", 0)?;
/// assert_eq!(client.recv_bytes(0)?, b"pong");
///
/// // The request, with the frontend's envelope (routing id, empty delimiter), then the reply.
/// let request = tap.recv_multipart(0)?;
/// assert_eq!((&request[0][..], request.last().unwrap().as_slice()), (&b"in"[..], &b"ping"[..]));
/// let reply = tap.recv_multipart(0)?;
/// assert_eq!((&reply[0][..], reply.last().unwrap().as_slice()), (&b"out"[..], &b"pong"[..]));
///
/// // The queue ends with its context.
/// ctx.shutdown()?;
/// assert_eq!(queue.join().unwrap(), Err(zmq::Error::ETERM));
/// # Ok::<(), zmq::Error>(())
/// ```
///
/// # Errors
/// `ENOTSUP`, before anything is forwarded, when `monitor` is not a socket that sends
/// whole messages on its own (PUB, XPUB, PUSH, PAIR or DEALER), and for a DGRAM socket
/// anywhere (as for every proxy here); `ETERM` when the context ends; otherwise the first
/// error of a send or receive.
pub fn monitored_queue(
    frontend: &Socket,
    backend: &Socket,
    monitor: &Socket,
    in_prefix: &[u8],
    out_prefix: &[u8],
) -> Result<()> {
    super::refuse_datagrams([Some(frontend), Some(backend), Some(monitor)])?;
    use SocketType::{DEALER, PAIR, PUB, PUSH, ROUTER, XPUB};
    if !matches!(
        monitor.get_socket_type(),
        Ok(PUB | XPUB | PUSH | PAIR | DEALER)
    ) {
        return Err(Error::ENOTSUP);
    }
    let router_pair =
        frontend.get_socket_type() == Ok(ROUTER) && backend.get_socket_type() == Ok(ROUTER);
    let inward = Route {
        from: frontend,
        to: backend,
        monitor,
        prefix: in_prefix,
        router_pair,
    };
    let outward = Route {
        from: backend,
        to: frontend,
        monitor,
        prefix: out_prefix,
        router_pair,
    };
    loop {
        let mut items = [frontend.as_poll_item(POLLIN), backend.as_poll_item(POLLIN)];
        match crate::poll(&mut items, -1) {
            // A signal handler ran (poll(2) is never restarted): poll again.
            Err(Error::EINTR) => continue,
            res => res?,
        };
        let (front_ready, back_ready) = (items[0].is_readable(), items[1].is_readable());
        if front_ready {
            inward.forward()?;
        }
        if back_ready {
            outward.forward()?;
        }
    }
}

/// Sends `parts` as one message, blocking as the socket's options say. A signal handler
/// that interrupts a blocking send (`EINTR`) does not lose the frame: it is sent again.
fn send_whole(socket: &Socket, parts: &mut [Message]) -> Result<()> {
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter_mut().enumerate() {
        let flags = if i < last { SNDMORE } else { 0 };
        // `&mut Message`: a refused frame stays here.
        while let Err(err) = socket.send(&mut *part, flags) {
            if err != Error::EINTR {
                return Err(err);
            }
        }
    }
    Ok(())
}

/// One direction of a monitored queue.
struct Route<'a> {
    from: &'a Socket,
    to: &'a Socket,
    monitor: &'a Socket,
    prefix: &'a [u8],
    /// ROUTER to ROUTER: swap the first two frames.
    router_pair: bool,
}

impl Route<'_> {
    /// Forwards what `from` holds, up to [`BURST`] messages.
    fn forward(&self) -> Result<()> {
        for _ in 0..BURST {
            // A multipart message is there whole once its first frame is. A signal
            // handler may still interrupt a receive (libzmq's command check): the frames
            // received so far stay in `parts`, and the receive goes on after them.
            let mut parts = Vec::new();
            loop {
                match self.from.recv_multipart_into(&mut parts, DONTWAIT) {
                    Ok(_) => break,
                    Err(Error::EAGAIN) if parts.is_empty() => return Ok(()),
                    Err(Error::EINTR) => continue,
                    Err(err) => return Err(err),
                }
            }
            if self.router_pair && parts.len() >= 2 {
                parts.swap(0, 1);
            }
            let mut copies = Vec::with_capacity(parts.len() + 1);
            copies.push(Message::from(self.prefix));
            copies.extend(parts.iter_mut().map(Message::share));
            send_whole(self.to, &mut parts)?;
            send_whole(self.monitor, &mut copies)?;
        }
        Ok(())
    }
}
