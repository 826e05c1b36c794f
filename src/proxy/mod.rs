//! Built-in proxies (`zmq_proxy`, `zmq_proxy_steerable`): shuttle messages between a
//! frontend and a backend socket, on the calling thread ([`proxy`](crate::proxy()) and
//! friends) or on a thread of their own ([`spawn`], with a [`ProxyHandle`] to pause,
//! resume, read the statistics and stop it); and [`monitored_queue`], pyzmq's device that
//! also tells a third socket what went which way.
//!
//! A proxy runs until its context is shut down or terminated (it then returns
//! `Err(ETERM)`), or, for a steerable one, until its control socket receives `TERMINATE`
//! (then it returns `Ok`). The control socket also understands `PAUSE`, `RESUME` and
//! `STATISTICS` (eight `u64` frames: frames and bytes received and sent by the frontend,
//! then by the backend).
//!
//! # Steering a proxy by hand
//! libzmq 4.3.5 **replies to every command**, whatever the control socket's type: an
//! empty frame, or the eight frames of `STATISTICS`.
//! - With a REP control socket, the controller is a REQ and reads each reply (REQ/REP
//!   needs it anyway).
//! - With a PAIR control socket, the controller must read each reply too: otherwise the
//!   replies pile up, and the next `STATISTICS` read returns a stale empty frame.
//!
//! To stop a steerable proxy, send `TERMINATE` (and read its empty reply); the call
//! returns `Ok(())` on its thread.
//!
//! ```
//! let ctx = zmq::Context::new();
//! let frontend = ctx.socket(zmq::PULL)?;
//! frontend.bind("inproc://steer-front")?;
//! let backend = ctx.socket(zmq::PUSH)?;
//! backend.bind("inproc://steer-back")?;
//! let control = ctx.socket(zmq::PAIR)?;
//! control.bind("inproc://steer-control")?;
//! let proxy = std::thread::spawn(move || zmq::proxy_steerable(&frontend, &backend, &control));
//!
//! let controller = ctx.socket(zmq::PAIR)?;
//! controller.connect("inproc://steer-control")?;
//! controller.send("TERMINATE", 0)?;
//! assert!(controller.recv_bytes(0)?.is_empty()); // the reply: read it, even on a PAIR
//! proxy.join().unwrap()?;
//! # Ok::<(), zmq::Error>(())
//! ```
//!
//! **libzmq 4.3.5 has `PAUSE` and `RESUME` backwards**: `RESUME` pauses the proxy and
//! `PAUSE` (in fact, any 5-byte command) resumes it (fixed upstream after 4.3.5, libzmq
//! pull request #4600). The tests pin this behaviour, so an upgrade that fixes it will be
//! noticed. [`ProxyHandle::pause`] and [`ProxyHandle::resume`] hide it.
//!
//! ```no_run
//! // A forwarder between publishers and subscribers.
//! let ctx = zmq::Context::new();
//! let xsub = ctx.socket(zmq::XSUB).unwrap();
//! xsub.bind("tcp://*:5559").unwrap();
//! let xpub = ctx.socket(zmq::XPUB).unwrap();
//! xpub.bind("tcp://*:5560").unwrap();
//! zmq::proxy(&xsub, &xpub).unwrap_err(); // runs until the context is shut down
//! ```

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::{Error, Message, PAIR, Result, Socket};

mod monitored;

pub use monitored::monitored_queue;

/// `ENOTSUP` when one of the sockets is a DGRAM socket or a RADIO with a udp endpoint:
/// libzmq's proxy would hand it messages without the datagram size check of this crate's
/// sends (libzmq 4.3.5 copies a datagram into an 8 KiB buffer unchecked, see
/// `zmq::draft::dgram_socket`). The sockets are borrowed or owned for the whole proxy, so
/// none can gain a udp endpoint meanwhile.
fn refuse_datagrams<'s>(sockets: impl IntoIterator<Item = Option<&'s Socket>>) -> Result<()> {
    if sockets.into_iter().flatten().any(Socket::sends_datagrams) {
        return Err(Error::ENOTSUP);
    }
    Ok(())
}

fn run(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    control: Option<&Socket>,
) -> Result<()> {
    refuse_datagrams([Some(frontend), Some(backend), capture])?;
    // Sockets are !Sync, so borrowing them here keeps every other thread off them for the
    // whole call.
    crate::raw::proxy(
        &frontend.raw,
        &backend.raw,
        capture.map(|s| &s.raw),
        control.map(|s| &s.raw),
    )
}

/// Forwards messages both ways between `frontend` and `backend` until the context ends.
///
/// # Errors
/// `ETERM` when the context ends; `ENOTSUP` for a DGRAM socket, in this and every other
/// proxy of this module (libzmq's proxy would send it messages without this crate's
/// datagram size check).
#[doc(alias = "zmq_proxy")]
pub fn proxy(frontend: &Socket, backend: &Socket) -> Result<()> {
    run(frontend, backend, None, None)
}

/// Like [`proxy`], also sending a copy of every message to `capture`.
pub fn proxy_with_capture(frontend: &Socket, backend: &Socket, capture: &Socket) -> Result<()> {
    run(frontend, backend, Some(capture), None)
}

/// Like [`proxy`], controlled through `control` (`PAUSE`, `RESUME`, `TERMINATE`,
/// `STATISTICS`).
#[doc(alias = "zmq_proxy_steerable")]
pub fn proxy_steerable(frontend: &Socket, backend: &Socket, control: &Socket) -> Result<()> {
    run(frontend, backend, None, Some(control))
}

/// A steerable proxy with a capture socket.
pub fn proxy_steerable_with_capture(
    frontend: &Socket,
    backend: &Socket,
    capture: &Socket,
    control: &Socket,
) -> Result<()> {
    run(frontend, backend, Some(capture), Some(control))
}

/// The first frame of the message the proxy thread sends on its control socket when
/// `zmq_proxy_steerable` has returned; the second frame is the errno (0 for `Ok`), as a
/// little-endian `i32`. libzmq's replies have one frame (empty) or eight, so a two-frame
/// message is never one of them.
const STOPPED: &[u8] = b"zmq-rs proxy stopped";

/// Starts a steerable proxy (`zmq_proxy_steerable`) between `frontend` and `backend` on a
/// thread of its own, with a copy of every message to `capture` if given, like pyzmq's
/// `ThreadProxySteerable`. The returned handle pauses, resumes, reads the statistics and
/// stops it; dropping the handle stops it too.
///
/// The proxy is steered through an inproc PAIR pair made in the sockets' context. The
/// sockets move to the proxy thread and are closed when it ends. Their options still
/// apply: a `SNDTIMEO` that expires ends the proxy with `EAGAIN`.
///
/// ```
/// let ctx = zmq::Context::new();
/// let frontend = ctx.socket(zmq::PULL)?;
/// frontend.bind("inproc://spawn-front")?;
/// let backend = ctx.socket(zmq::PUSH)?;
/// backend.bind("inproc://spawn-back")?;
/// let proxy = zmq::proxy::spawn(frontend, backend, None)?;
///
/// let producer = ctx.socket(zmq::PUSH)?;
/// producer.connect("inproc://spawn-front")?;
/// let consumer = ctx.socket(zmq::PULL)?;
/// consumer.connect("inproc://spawn-back")?;
/// producer.send("job", 0)?;
/// assert_eq!(consumer.recv_bytes(0)?, b"job");
/// assert_eq!(proxy.statistics()?.frontend_received_frames, 1);
/// proxy.terminate()?;
/// # Ok::<(), zmq::Error>(())
/// ```
///
/// # Errors
/// `EINVAL` when none of the sockets knows its context (all made by
/// [`Socket::from_raw`]); `ENOTSUP` for a DGRAM socket (as for every proxy here: libzmq's
/// proxy would skip the datagram size check); `ETERM` when the context is shut down; the
/// errors of making, binding and connecting the control pair, and of starting a thread.
pub fn spawn(frontend: Socket, backend: Socket, capture: Option<Socket>) -> Result<ProxyHandle> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    refuse_datagrams([Some(&frontend), Some(&backend), capture.as_ref()])?;
    let ctx = [Some(&frontend), Some(&backend), capture.as_ref()]
        .into_iter()
        .flatten()
        .find_map(Socket::context)
        .ok_or(Error::EINVAL)?
        .clone();
    let endpoint = format!(
        "inproc://zmq-rs-proxy-control-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let control = ctx.socket(PAIR)?;
    control.set_linger(0)?;
    control.bind(&endpoint)?;
    let controller = ctx.socket(PAIR)?;
    controller.set_linger(0)?;
    controller.connect(&endpoint)?;
    let thread = thread::Builder::new()
        .name("zmq-proxy".into())
        .spawn(move || {
            let res = run(&frontend, &backend, capture.as_ref(), Some(&control));
            let errno = match res {
                Ok(()) => 0,
                Err(err) => err.to_raw(),
            };
            // Tells a waiting handle that no reply will come. Without waiting: a handle
            // that gave up on this thread (see `ProxyHandle`'s `Drop`) has closed its end.
            let _ = control.send_multipart([STOPPED, &errno.to_le_bytes()[..]], crate::DONTWAIT);
            res
        })
        .map_err(|err| err.raw_os_error().map_or(Error::ENOMEM, Error::from_raw))?;
    Ok(ProxyHandle {
        controller: Some(controller),
        thread: Some(thread),
        stopped: Cell::new(None),
        owed: Cell::new(0),
        reply_timeout: Cell::new(None),
    })
}

/// A proxy running on its own thread (see [`spawn`]).
///
/// Every method sends one command to the proxy and waits for its answer. The proxy reads
/// commands between forwarded messages, never in the middle of a multipart message; it
/// answers once it has forwarded the burst it is in (up to 1000 messages), which waits
/// for room at the receiving side if that side is full. A consumer that stops reading can
/// so hold every command up: [`set_reply_timeout`](Self::set_reply_timeout) bounds the
/// wait, and dropping the handle waits for the thread for at most that long (one second
/// by default).
///
/// ```
/// let ctx = zmq::Context::new();
/// let frontend = ctx.socket(zmq::PULL)?;
/// frontend.bind("inproc://handle-front")?;
/// let backend = ctx.socket(zmq::PUSH)?;
/// backend.bind("inproc://handle-back")?;
/// let proxy = zmq::proxy::spawn(frontend, backend, None)?;
/// let producer = ctx.socket(zmq::PUSH)?;
/// producer.connect("inproc://handle-front")?;
/// let consumer = ctx.socket(zmq::PULL)?;
/// consumer.connect("inproc://handle-back")?;
/// consumer.set_rcvtimeo(100)?;
///
/// proxy.pause()?; // nothing is forwarded while paused
/// producer.send("held", 0)?;
/// assert_eq!(consumer.recv_bytes(0), Err(zmq::Error::EAGAIN));
/// proxy.resume()?;
/// consumer.set_rcvtimeo(5000)?;
/// assert_eq!(consumer.recv_bytes(0)?, b"held");
/// drop(proxy); // stops the proxy and waits for its thread
/// # Ok::<(), zmq::Error>(())
/// ```
pub struct ProxyHandle {
    /// Taken only by a drop that leaves the thread to stop by itself.
    controller: Option<Socket>,
    thread: Option<JoinHandle<Result<()>>>,
    /// Set once the proxy is known to have stopped: its error.
    stopped: Cell<Option<Error>>,
    /// Answers still to come for commands whose wait timed out (skipped when they come).
    owed: Cell<usize>,
    /// How long a command waits for its answer (`None`: as long as it takes).
    reply_timeout: Cell<Option<Duration>>,
}

/// How long dropping a [`ProxyHandle`] without a reply timeout waits for its thread.
const DROP_WAIT: Duration = Duration::from_secs(1);

/// The counters of a running proxy ([`ProxyHandle::statistics`]), from libzmq's
/// `STATISTICS` reply. libzmq counts frames (the parts of multipart messages), not whole
/// messages, although its manual says "messages".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProxyStatistics {
    /// Frames the frontend received.
    pub frontend_received_frames: u64,
    /// Bytes the frontend received.
    pub frontend_received_bytes: u64,
    /// Frames the frontend sent.
    pub frontend_sent_frames: u64,
    /// Bytes the frontend sent.
    pub frontend_sent_bytes: u64,
    /// Frames the backend received.
    pub backend_received_frames: u64,
    /// Bytes the backend received.
    pub backend_received_bytes: u64,
    /// Frames the backend sent.
    pub backend_sent_frames: u64,
    /// Bytes the backend sent.
    pub backend_sent_bytes: u64,
}

/// Whether the linked libzmq is older than 4.3.5: `PAUSE` and `RESUME` mean what they say,
/// and only `STATISTICS` gets a reply.
fn legacy_control() -> bool {
    crate::version() < (4, 3, 5)
}

impl ProxyHandle {
    /// Bounds how long each command ([`pause`](Self::pause), [`resume`](Self::resume),
    /// [`statistics`](Self::statistics), [`terminate`](Self::terminate)) waits for the
    /// proxy's answer, and how long dropping the handle waits for its thread. `None` (the
    /// default) waits for commands as long as the proxy takes.
    ///
    /// A command that times out returns `EAGAIN` and still takes effect when the proxy
    /// reads it; its late answer is skipped by the next command.
    ///
    /// # Errors
    /// `EINVAL` for a timeout of zero or beyond `i32::MAX` milliseconds.
    pub fn set_reply_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        let ms = match timeout {
            None => -1,
            Some(t) if t.is_zero() => return Err(Error::EINVAL),
            Some(t) => i32::try_from(t.as_millis().max(1)).map_err(|_| Error::EINVAL)?,
        };
        self.controller().set_rcvtimeo(ms)?;
        self.reply_timeout.set(timeout);
        Ok(())
    }

    /// Stops forwarding: once this returns, the proxy forwards nothing until
    /// [`resume`](Self::resume). Messages wait in the sockets' queues meanwhile.
    ///
    /// libzmq 4.3.5's proxy keeps polling while paused: with a message waiting at the
    /// frontend, its thread used about 10 % of a core in our test (`proxy_spawn`).
    ///
    /// # Errors
    /// The proxy's error if it has stopped; `ETERM` when the context is shut down;
    /// `EAGAIN` when the [reply timeout](Self::set_reply_timeout) passed first.
    pub fn pause(&self) -> Result<()> {
        if legacy_control() {
            self.command_with_barrier(b"PAUSE")
        } else {
            // libzmq 4.3.5: RESUME pauses.
            self.command(b"RESUME").map(drop)
        }
    }

    /// Starts forwarding again after [`pause`](Self::pause).
    ///
    /// # Errors
    /// As for [`pause`](Self::pause).
    pub fn resume(&self) -> Result<()> {
        if legacy_control() {
            self.command_with_barrier(b"RESUME")
        } else {
            // libzmq 4.3.5: PAUSE (any 5-byte command) resumes.
            self.command(b"PAUSE").map(drop)
        }
    }

    /// The proxy's counters so far.
    ///
    /// # Errors
    /// As for [`pause`](Self::pause); `EPROTO` for a reply that is not eight 8-byte frames.
    pub fn statistics(&self) -> Result<ProxyStatistics> {
        let reply = self.command(b"STATISTICS")?;
        let mut values = [0u64; 8];
        if reply.len() != values.len() {
            return Err(Error::EPROTO);
        }
        for (value, frame) in values.iter_mut().zip(&reply) {
            let bytes: [u8; 8] = (**frame).try_into().map_err(|_| Error::EPROTO)?;
            *value = u64::from_ne_bytes(bytes);
        }
        let [a, b, c, d, e, f, g, h] = values;
        Ok(ProxyStatistics {
            frontend_received_frames: a,
            frontend_received_bytes: b,
            frontend_sent_frames: c,
            frontend_sent_bytes: d,
            backend_received_frames: e,
            backend_received_bytes: f,
            backend_sent_frames: g,
            backend_sent_bytes: h,
        })
    }

    /// Stops the proxy and joins its thread, which closes the sockets. A message the proxy
    /// has started to forward is forwarded whole first.
    ///
    /// # Errors
    /// The error that stopped the proxy earlier, if one did (e.g. `ENOTSUP` from a capture
    /// socket that cannot send, `ETERM` when the context was shut down). `EAGAIN` when the
    /// [reply timeout](Self::set_reply_timeout) passed before the proxy answered: the
    /// thread then stops by itself once it has forwarded its burst (or when the context is
    /// shut down with `Context::shutdown` or `destroy`: the proxy's sockets hold the
    /// context, so it cannot end otherwise), and closes the sockets then.
    pub fn terminate(mut self) -> Result<()> {
        self.stop(false)
    }

    /// Sends `TERMINATE` and joins the thread. `dropping`: do not wait for the answer,
    /// and give up on the thread after the reply timeout (or [`DROP_WAIT`]).
    fn stop(&mut self, dropping: bool) -> Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let (sent, queued) = if self.stopped.get().is_some() {
            (Ok(()), true)
        } else if legacy_control() || dropping {
            let sent = self.controller().send("TERMINATE", crate::DONTWAIT);
            let queued = sent.is_ok();
            (sent, queued)
        } else {
            // Queued once sent, whether or not its answer comes in time.
            match self.send_command(b"TERMINATE") {
                Ok(()) => (self.await_reply().map(drop), true),
                Err(err) => (Err(err), false),
            }
        };
        let bound = match (sent, dropping) {
            (Err(Error::EAGAIN), false) => Some(Duration::ZERO),
            (_, true) => Some(self.reply_timeout.get().unwrap_or(DROP_WAIT)),
            _ => self.reply_timeout.get().filter(|_| legacy_control()),
        };
        if let Some(bound) = bound {
            let deadline = Instant::now() + bound;
            while !thread.is_finished() {
                if Instant::now() >= deadline {
                    self.leave(thread, queued);
                    return Err(Error::EAGAIN);
                }
                thread::sleep(Duration::from_millis(1));
            }
        }
        let res = match thread.join() {
            Ok(res) => res,
            // The thread runs no code of ours that panics; report it as a fault.
            Err(_) => Err(Error::EFAULT),
        };
        match (res, sent) {
            (Err(err), _) => Err(err),
            // The proxy ended cleanly, but on a TERMINATE of someone else's (or the
            // command failed because the context is shut down).
            (Ok(()), Err(Error::ETERM)) => Err(Error::ETERM),
            (Ok(()), _) => Ok(()),
        }
    }

    /// Leaves the proxy thread to stop by itself once it reads `TERMINATE` (`queued`: the
    /// command is in its queue already). A thread of its own keeps the controller open
    /// until then (closing it would drop the command unread), sends the command when
    /// there is room for it, reads and drops the proxy's answers (so that the proxy never
    /// waits for room to give one), then joins the proxy thread and closes the controller.
    fn leave(&mut self, proxy: JoinHandle<Result<()>>, queued: bool) {
        let Some(controller) = self.controller.take() else {
            return;
        };
        let reaper = thread::Builder::new()
            .name("zmq-proxy-reaper".into())
            .spawn(move || {
                let mut queued = queued;
                while !proxy.is_finished() {
                    if !queued {
                        queued = controller.send("TERMINATE", crate::DONTWAIT).is_ok();
                    }
                    while controller.recv_multipart_msgs(crate::DONTWAIT).is_ok() {}
                    let events = if queued {
                        crate::POLLIN
                    } else {
                        crate::POLLIN | crate::POLLOUT
                    };
                    // Woken by an answer or by room, and every 100 ms to look at the
                    // thread; after the context is shut down the poll fails at once.
                    if controller.poll(events, 100).is_err() {
                        thread::sleep(Duration::from_millis(10));
                    }
                }
                let _ = proxy.join();
                drop(controller);
            });
        // Without a thread for it, the controller goes with this handle (the command may
        // then be lost; the proxy still stops when the context is shut down).
        drop(reaper);
    }

    fn controller(&self) -> &Socket {
        match &self.controller {
            Some(controller) => controller,
            None => unreachable!("the controller is taken only as the handle gives up its thread"),
        }
    }

    /// On libzmq < 4.3.5, where only STATISTICS gets a reply: the command, then a
    /// STATISTICS round trip, so that the command has taken effect on return.
    fn command_with_barrier(&self, command: &[u8]) -> Result<()> {
        self.send_command(command)?;
        self.command(b"STATISTICS").map(drop)
    }

    /// Sends one command and returns libzmq's reply, first skipping the late answers to
    /// commands that timed out (libzmq answers every command, in order).
    fn command(&self, command: &[u8]) -> Result<Vec<Message>> {
        self.send_command(command)?;
        self.await_reply()
    }

    /// The answer to the command just sent, after the late answers still owed.
    fn await_reply(&self) -> Result<Vec<Message>> {
        self.owed.set(self.owed.get() + 1);
        loop {
            // EAGAIN after the reply timeout: the answer stays owed.
            let reply = self.controller().recv_multipart_msgs(0)?;
            let reply = self.check_stopped(reply)?;
            let owed = self.owed.get() - 1;
            self.owed.set(owed);
            if owed == 0 {
                return Ok(reply);
            }
        }
    }

    fn send_command(&self, command: &[u8]) -> Result<()> {
        if let Some(err) = self.stopped.get() {
            return Err(err);
        }
        match self.controller().send(command, crate::DONTWAIT) {
            Ok(()) => Ok(()),
            // The proxy's end is gone (it stopped, and said so): read why.
            Err(Error::EAGAIN) if self.thread.as_ref().is_some_and(JoinHandle::is_finished) => {
                let reply = self.controller().recv_multipart_msgs(crate::DONTWAIT)?;
                self.check_stopped(reply).map(drop)
            }
            Err(err) => Err(err),
        }
    }

    /// The reply, or the proxy's error if the message says it stopped.
    fn check_stopped(&self, reply: Vec<Message>) -> Result<Vec<Message>> {
        match reply.as_slice() {
            [first, errno] if &**first == STOPPED => {
                let errno = <[u8; 4]>::try_from(&**errno).map_or(0, i32::from_le_bytes);
                // An Ok end (someone else's TERMINATE) still means no more replies.
                let err = if errno == 0 {
                    Error::ETERM
                } else {
                    Error::from_raw(errno)
                };
                self.stopped.set(Some(err));
                Err(err)
            }
            _ => Ok(reply),
        }
    }
}

impl Drop for ProxyHandle {
    /// Stops the proxy and joins its thread (see [`ProxyHandle::terminate`]), waiting for
    /// it at most the reply timeout (one second without one): a proxy still forwarding its
    /// burst then (a slow or stopped consumer) is left to stop by itself once it has, or
    /// when the context is shut down; its sockets stay open (and bound) until then. Call
    /// [`terminate`](ProxyHandle::terminate) to wait for it.
    fn drop(&mut self) {
        let _ = self.stop(true);
    }
}

impl fmt::Debug for ProxyHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyHandle")
            .field(
                "running",
                &self.thread.as_ref().is_some_and(|t| !t.is_finished()),
            )
            .finish_non_exhaustive()
    }
}
