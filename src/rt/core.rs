//! The state one async socket owns, and the readiness algorithm of docs/design/async.md §3:
//! the reactor-independent core that every binding (tokio, ...) drives through its
//! [`Registration`].
//!
//! Every operation first tries libzmq with `DONTWAIT` (I4). Only on `EAGAIN` does it park
//! ([`Core::poll_wait`]): register the waiter, *then* read `ZMQ_EVENTS`, *then* ask the
//! reactor for an fd edge (I1). Whoever touches libzmq while the other direction is parked reads
//! `ZMQ_EVENTS` afterwards and wakes it if its bit is set (I2). A message is read or
//! written whole within one poll, and what is left of a started message lives here, never
//! in a future (I6).

use std::cell::Cell;
use std::mem;
use std::task::{Context, Poll, ready};

use crate::rt::Multipart;
use crate::rt::reactor::{Budget, Dir, Readiness, Registration};
use crate::{Error, Message, PollEvents, Result, Socket};

const DONTWAIT: i32 = zmq_sys::ZMQ_DONTWAIT as i32;
const SNDMORE: i32 = zmq_sys::ZMQ_SNDMORE as i32;

/// Completed operations per unit of the runtime's cooperative budget (tokio's). A socket that is always
/// ready still makes its task yield (after `128 * OPS_PER_BUDGET_UNIT` operations in one
/// poll of the task), while most operations skip the budget's bookkeeping, which would
/// otherwise be a large part of a libzmq operation's cost.
const OPS_PER_BUDGET_UNIT: u8 = 8;

/// One message waiting to be sent: its first frame and the others.
pub(crate) type Outgoing = (Message, Vec<Message>);

/// Splits a message into its first frame and the rest (`None` for no frames).
pub(crate) fn outgoing<I>(parts: I) -> Option<Outgoing>
where
    I: IntoIterator,
    I::Item: Into<Message>,
{
    let mut parts = parts.into_iter().map(Into::into);
    let first = parts.next()?;
    Some((first, parts.collect()))
}

pub(crate) struct Core<R: Registration> {
    /// Always `Some` until [`Core::into_socket`]; an `Option` so that the socket can be
    /// moved out of a type with an explicit `Drop`.
    socket: Option<Socket>,
    pub(crate) readiness: Readiness<R>,
    /// Frames of a message whose first frame was read but whose reading stopped on an
    /// error; the next receive continues it.
    recv_stash: Vec<Message>,
    /// The rest of a message whose first frame libzmq accepted, in reverse order (the next
    /// frame is last). Pushed before anything else is sent (F6).
    send_tail: Vec<Message>,
    /// The `Sink`'s one-item buffer.
    sink_item: Option<Outgoing>,
    /// The error of a buffered message that failed while a send of another message
    /// pushed it first: reported by the next `poll_flush` (so by the `Sink`'s
    /// `poll_ready`, `poll_flush` and `poll_close`), not by that other send.
    sink_error: Option<Error>,
    /// PUSH, DEALER and REQ: libzmq's load balancer drops the rest of a message whose pipe
    /// died mid-message, and swallows frames up to the last one (F6).
    load_balanced: bool,
    /// Why operations must take the slow path: the [`Slow`] bits. Zero while traffic
    /// flows, which is what lets an operation skip every other field ([`Core::poll_io`]).
    slow: u8,
    /// Waiters to wake once the caller has released the socket (never wake under a lock).
    to_wake: [bool; 2],
    /// Operations this socket may still complete before it takes the next unit of the
    /// runtime's budget (see [`OPS_PER_BUDGET_UNIT`]).
    budget_credit: u8,
    /// Per direction: the last `Pending` was the runtime's budget (the task must yield), not
    /// a park after an attempt, so the socket's timeout must not be taken as passed (a
    /// timeout of 0 would fail an operation that never ran). Read by [`Core::take_yielded`].
    yielded: [bool; 2],
    /// `RCVTIMEO` and `SNDTIMEO` as last read, so that a parking operation does not ask
    /// libzmq each time (two `zmq_getsockopt` calls, ~110 instructions each). `None` until
    /// read, and again whenever the user can reach the sync socket (and so change them):
    /// [`Core::user_socket`].
    timeouts: Cell<Option<[i32; 2]>>,
}

/// The bits of [`Core::slow`]. Each is a reason for an operation to do more than the op:
/// a bit may be set while its reason is gone (the slow path then finds nothing to do and
/// clears it), never the other way round.
struct Slow;

impl Slow {
    /// A waiter may be parked in a slot. Set before any waiter registers (only
    /// [`Core::poll_wait`] registers, and it runs with exclusive access to the core), and
    /// cleared when an operation finds both slots empty (the reactor only ever empties
    /// them), so that an operation skips the slots' atomics while nobody has parked.
    const MAYBE_PARKED: u8 = 1;
    /// The last send attempt failed with `EAGAIN` (for `poll_send_ready`).
    const SEND_BLOCKED: u8 = 2;
    /// `recv_stash`, `send_tail` or `sink_item` may hold something.
    const BACKLOG: u8 = 4;

    /// The last wait in `dir` ended on a `ZMQ_EVENTS` bit, not on a completed op.
    const fn hint_pending(dir: Dir) -> u8 {
        8 << dir as u8
    }

    /// A `ZMQ_EVENTS` bit of `dir` promised progress and the op still failed; do not trust
    /// the bit again before a real fd edge (I5, F7).
    const fn hint_failed(dir: Dir) -> u8 {
        32 << dir as u8
    }

    const HINTS_FAILED: u8 = Slow::hint_failed(Dir::Recv) | Slow::hint_failed(Dir::Send);
}

impl<R: Registration> Core<R> {
    pub(crate) fn new(socket: Socket) -> Result<Core<R>> {
        // EINVAL for the thread-safe draft sockets, which have no ZMQ_FD (F9).
        let fd = socket.get_fd()?;
        let kind = socket.get_socket_type_raw()?;
        let load_balanced = [crate::PUSH, crate::DEALER, crate::REQ]
            .iter()
            .any(|t| t.to_raw() == kind);
        Ok(Core {
            // SAFETY: `fd` is the ZMQ_FD of `socket`. libzmq keeps it open, as the same
            // eventfd, for as long as the socket is open, and this core deregisters it
            // before it closes the socket (in its `Drop` and in `into_socket`).
            readiness: unsafe { Readiness::new(fd) },
            socket: Some(socket),
            recv_stash: Vec::new(),
            send_tail: Vec::new(),
            sink_item: None,
            sink_error: None,
            load_balanced,
            slow: 0,
            to_wake: [false; 2],
            budget_credit: 0,
            yielded: [false; 2],
            timeouts: Cell::new(None),
        })
    }

    #[inline]
    pub(crate) fn socket(&self) -> &Socket {
        match &self.socket {
            Some(socket) => socket,
            None => unreachable!("the socket is only taken by into_socket, which consumes"),
        }
    }

    /// The sync socket, for the user (options, bind, connect): whatever they change, the
    /// timeouts are read again.
    #[inline]
    pub(crate) fn user_socket(&self) -> &Socket {
        self.timeouts.set(None);
        self.socket()
    }

    /// Whether the last `Pending` in `dir` was a yield to the runtime (no attempt was made);
    /// clears it.
    pub(crate) fn take_yielded(&mut self, dir: Dir) -> bool {
        std::mem::take(&mut self.yielded[dir.index()])
    }

    /// The socket's timeout in `dir` (`RCVTIMEO` or `SNDTIMEO`, in ms; -1 for none), read
    /// from libzmq once and again after [`Core::user_socket`].
    pub(crate) fn timeout(&self, dir: Dir) -> Result<i32> {
        if let Some(timeouts) = self.timeouts.get() {
            return Ok(timeouts[dir.index()]);
        }
        let socket = self.socket();
        let timeouts = [socket.get_rcvtimeo()?, socket.get_sndtimeo()?];
        self.timeouts.set(Some(timeouts));
        Ok(timeouts[dir.index()])
    }

    /// Deregisters the fd, pushes what is left of a started message (so the sync socket
    /// is not left mid-message) and returns the socket.
    pub(crate) fn into_socket(mut self) -> Socket {
        self.readiness.deregister();
        let _ = self.push_tail();
        self.readiness.fanout.wake_all();
        match self.socket.take() {
            Some(socket) => socket,
            None => unreachable!("the socket is only taken here"),
        }
    }

    /// The waiters to wake now that the caller is done with the socket.
    #[inline]
    pub(crate) fn take_wakes(&mut self) -> [bool; 2] {
        mem::take(&mut self.to_wake)
    }

    /// Whether an operation marked waiters to wake.
    #[inline]
    pub(crate) fn has_wakes(&self) -> bool {
        self.to_wake != [false; 2]
    }

    // ---- readiness -------------------------------------------------------------------

    /// Reads `ZMQ_EVENTS` (which processes libzmq's commands and drains `ZMQ_FD`) and
    /// marks for waking every parked waiter, except `except`, whose bit is set (I2).
    pub(crate) fn read_events(&mut self, except: Option<Dir>) -> Result<PollEvents> {
        let events = self.socket().get_events();
        for dir in Dir::BOTH {
            if Some(dir) != except && self.readiness.slot(dir).is_registered() {
                // On an error, wake the waiter: it will see the error itself.
                if events.map_or(true, |ev| ev.contains(dir.event())) {
                    self.to_wake[dir.index()] = true;
                }
            }
        }
        events
    }

    #[inline]
    fn is(&self, bits: u8) -> bool {
        self.slow & bits != 0
    }

    /// The hot path of an operation: `op` alone, when nothing is (maybe) parked, no hint
    /// is in play and nothing is left of an earlier message (no [`Slow`] bit). Takes a
    /// unit of the runtime's budget when the credit is spent (out of line). `Err(None)`
    /// when the path is closed (or the task must yield), `Err(Some(err))` when the op
    /// failed: the caller gives that to the slow path ([`Core::poll_io`]), which does the
    /// bookkeeping this skipped.
    #[inline(always)]
    fn fast_op(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(&mut Self) -> Result<()>,
    ) -> std::result::Result<(), Option<Error>> {
        if self.slow != 0 {
            return Err(None);
        }
        if self.budget_credit == 0 {
            return self.fast_op_budgeted(cx, op);
        }
        match op(self) {
            Ok(()) => {
                self.budget_credit -= 1;
                Ok(())
            }
            Err(err) => Err(Some(err)),
        }
    }

    /// [`Core::fast_op`] when the credit is spent: as [`Core::poll_io_budgeted`].
    #[inline(never)]
    fn fast_op_budgeted(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(&mut Self) -> Result<()>,
    ) -> std::result::Result<(), Option<Error>> {
        // Pending: the slow path asks again, and returns Pending (the runtime wakes us).
        let Poll::Ready(coop) = R::poll_budget(cx) else {
            return Err(None);
        };
        match op(self) {
            Ok(()) => {
                coop.made_progress();
                self.budget_credit = OPS_PER_BUDGET_UNIT - 1;
                Ok(())
            }
            // The unit is restored (the op may park).
            Err(err) => Err(Some(err)),
        }
    }

    /// After an operation in `dir` completed (or failed other than with `EAGAIN`). I2: that
    /// call may have drained the fd edge the other direction is parked on. Unparks `dir`.
    /// Nothing to do while nobody has parked.
    #[inline]
    fn after_op(&mut self, dir: Dir) {
        if self.slow != 0 {
            self.after_op_slow(dir);
        }
    }

    fn after_op_slow(&mut self, dir: Dir) {
        if self.is(Slow::MAYBE_PARKED) {
            self.after_op_parked(dir);
        }
        if self.is(Slow::BACKLOG)
            && self.recv_stash.is_empty()
            && self.send_tail.is_empty()
            && self.sink_item.is_none()
        {
            self.slow &= !Slow::BACKLOG;
        }
    }

    fn after_op_parked(&mut self, dir: Dir) {
        self.readiness.slot(dir).clear();
        if self.readiness.slot(dir.other()).is_registered() {
            self.dispatch_after(dir);
        } else if !self.readiness.slot(dir).is_registered() {
            // Both slots are empty, and only poll_wait (which needs this core) fills them.
            self.slow &= !Slow::MAYBE_PARKED;
        }
    }

    #[cold]
    fn dispatch_after(&mut self, dir: Dir) {
        let _ = self.read_events(Some(dir));
    }

    /// Parks `dir` until `ZMQ_EVENTS` says it can make progress (I1). Only called after the
    /// operation returned `EAGAIN`. `drained`: that operation was a receive attempted in
    /// this same exclusive use of the socket (nothing touched libzmq since), which
    /// processed every pending command before it said `EAGAIN` (F5); then, unless the other
    /// direction is parked, the wait can skip `ZMQ_EVENTS` (I1a).
    #[inline(never)]
    pub(crate) fn poll_wait(
        &mut self,
        dir: Dir,
        cx: &mut Context<'_>,
        drained: bool,
    ) -> Poll<Result<()>> {
        // 1. Register the waiter first: from now on, anyone who drains the fd wakes us.
        self.slow |= Slow::MAYBE_PARKED;
        self.readiness.slot(dir).register(cx.waker());
        // I1a: the attempt left no command unprocessed, and every command since has
        // signalled the fd, which nothing has drained: the reactor holds the edge or will
        // report it. So park on the reactor without reading ZMQ_EVENTS, unless it already
        // holds an edge and the fd is still readable (a command came after the attempt:
        // read it below). Not while the other direction is parked: the attempt may have
        // processed the command it waits for, and the ZMQ_EVENTS read below wakes it (I2).
        if drained && !self.readiness.slot(dir.other()).is_registered() {
            loop {
                ready!(self.take_reported_edge(dir))?;
                // Usually an edge the reactor reported before the attempt processed its
                // commands (the one that woke us last time).
                if self.readiness.has_pending_commands() {
                    break;
                }
            }
        }
        // Consume an edge seen earlier: the ZMQ_EVENTS read below covers its commands.
        if let Poll::Ready(res) = self.take_reported_edge(dir) {
            res?;
        }
        loop {
            // I5: while this direction's hint is distrusted, a ZMQ_EVENTS read of ours could
            // process the very command we wait for and drain its fd edge before the reactor
            // reports it, leaving us parked with nothing to wake us. So read only when libzmq
            // has commands pending, and count that read as an edge (trust the bit again).
            // With none pending, every later command signals the fd and nothing of ours
            // drains it first: park on the reactor.
            let read = !self.is(Slow::hint_failed(dir)) || self.readiness.has_pending_commands();
            if read {
                self.slow &= !Slow::hint_failed(dir);
                // 2. Then read ZMQ_EVENTS (and wake the other direction if it can go on).
                let events = match self.read_events(Some(dir)) {
                    Ok(events) => events,
                    Err(err) => {
                        self.readiness.slot(dir).clear();
                        return Poll::Ready(Err(err));
                    }
                };
                if events.contains(dir.event()) {
                    self.readiness.slot(dir).clear();
                    self.slow |= Slow::hint_pending(dir);
                    return Poll::Ready(Ok(()));
                }
            }
            // 3. Park only if the reactor has seen no edge since; an edge clears the hints.
            ready!(self.take_reported_edge(dir))?;
        }
    }

    /// Before a receive that follows a park: takes the edge the reactor may hold (usually
    /// the one that woke us). The receive processes its commands (or succeeds), so the
    /// edge says nothing more, and the next park after an `EAGAIN` (I1a) finds the
    /// reactor without a stale edge: it parks at once, with no `poll` of the fd.
    #[inline(never)]
    fn take_edge(&mut self) {
        // An error is the wait's to report, if the receive has to wait again.
        let _ = self.take_reported_edge(Dir::Recv);
    }

    /// Takes the edge the reactor reported, if any (`Pending`: none; parked on it). An
    /// edge clears the hints; a reactor error clears `dir`'s waiter and is returned.
    fn take_reported_edge(&mut self, dir: Dir) -> Poll<Result<()>> {
        let edge = ready!(self.readiness.poll_edge());
        Poll::Ready(match edge {
            Ok(()) => {
                self.slow &= !Slow::HINTS_FAILED;
                Ok(())
            }
            Err(err) => {
                self.readiness.slot(dir).clear();
                Err(err)
            }
        })
    }

    /// Bookkeeping of a successful op in `dir` (I5).
    #[inline]
    fn op_succeeded(&mut self, dir: Dir) {
        let mut done = Slow::hint_pending(dir) | Slow::hint_failed(dir);
        if dir == Dir::Send {
            done |= Slow::SEND_BLOCKED;
        }
        self.slow &= !done;
    }

    /// Bookkeeping of a failed op in `dir`: a hint that did not deliver is not trusted
    /// again before a real fd edge (I5).
    #[cold]
    fn op_failed(&mut self, dir: Dir, err: Error) {
        let pending = self.is(Slow::hint_pending(dir));
        self.slow &= !Slow::hint_pending(dir);
        if err == Error::EAGAIN {
            if pending {
                self.slow |= Slow::hint_failed(dir);
            }
            if dir == Dir::Send {
                self.slow |= Slow::SEND_BLOCKED;
            }
        }
    }

    /// Runs `op` once with the bookkeeping of hints.
    #[inline]
    fn attempt<T>(&mut self, dir: Dir, op: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let res = op(self);
        match &res {
            Ok(_) => self.op_succeeded(dir),
            Err(err) => self.op_failed(dir, *err),
        }
        res
    }

    /// The op first (I4); on `EAGAIN`, park and retry. Every [`OPS_PER_BUDGET_UNIT`]
    /// completed ops take one unit of the runtime's cooperative budget, so that an always-ready
    /// socket cannot starve the runtime; the unit is taken before the op, which does not
    /// run when the task must yield.
    ///
    /// `tried` is the result of an attempt the caller already made on the fast path (the
    /// op alone, [`Core::fast_op`]), which failed: its bookkeeping is done here.
    /// The caller runs [`Core::after_op`] once the whole operation is done.
    #[inline]
    fn poll_io<T>(
        &mut self,
        dir: Dir,
        cx: &mut Context<'_>,
        tried: Option<Error>,
        mut op: impl FnMut(&mut Self) -> Result<T>,
    ) -> Poll<Result<T>> {
        if let Some(err) = tried {
            // The fast path took no credit (it may have had none: then this op takes none).
            self.op_failed(dir, err);
            let res = if err != Error::EAGAIN {
                Poll::Ready(Err(err))
            } else {
                self.poll_io_parked(dir, cx, op)
            };
            if res.is_ready() {
                self.budget_credit = self.budget_credit.saturating_sub(1);
            }
            return res;
        }
        if self.budget_credit == 0 {
            return self.poll_io_budgeted(dir, cx, op);
        }
        let res = self.attempt_or_park(dir, cx, &mut op);
        if res.is_ready() {
            self.budget_credit -= 1;
        }
        res
    }

    /// The op once; on `EAGAIN`, park and retry.
    #[inline]
    fn attempt_or_park<T>(
        &mut self,
        dir: Dir,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut Self) -> Result<T>,
    ) -> Poll<Result<T>> {
        match self.attempt(dir, &mut op) {
            Err(Error::EAGAIN) => self.poll_io_parked(dir, cx, op),
            res => Poll::Ready(res),
        }
    }

    /// [`Core::poll_io`] when the credit is spent: takes a unit of the task's budget first
    /// (`Pending` when the task must yield; the runtime wakes it), restored if the op parks.
    #[inline(never)]
    fn poll_io_budgeted<T>(
        &mut self,
        dir: Dir,
        cx: &mut Context<'_>,
        op: impl FnMut(&mut Self) -> Result<T>,
    ) -> Poll<Result<T>> {
        let Poll::Ready(coop) = R::poll_budget(cx) else {
            self.yielded[dir.index()] = true;
            return Poll::Pending;
        };
        let res = self.attempt_or_park(dir, cx, op);
        if res.is_ready() {
            coop.made_progress();
            self.budget_credit = OPS_PER_BUDGET_UNIT - 1;
        }
        res
    }

    /// The op said `EAGAIN`: park until `ZMQ_EVENTS` says it can go on, retry, repeat.
    #[inline(never)]
    fn poll_io_parked<T>(
        &mut self,
        dir: Dir,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut Self) -> Result<T>,
    ) -> Poll<Result<T>> {
        loop {
            if let Err(err) = ready!(self.poll_wait(dir, cx, dir == Dir::Recv)) {
                return Poll::Ready(Err(err));
            }
            match self.attempt(dir, &mut op) {
                Err(Error::EAGAIN) => continue,
                res => return Poll::Ready(res),
            }
        }
    }

    // ---- receiving -------------------------------------------------------------------

    #[inline]
    fn recv_frame_now(&mut self, msg: &mut Message) -> Result<()> {
        if !self.recv_stash.is_empty() {
            *msg = self.recv_stash.remove(0);
            return Ok(());
        }
        self.socket().raw.msg_recv(msg.for_io(), DONTWAIT)
    }

    fn recv_multipart_now(&mut self) -> Result<Multipart> {
        let mut parts = mem::take(&mut self.recv_stash);
        loop {
            if parts.last().is_some_and(|last| !last.get_more()) {
                return Ok(parts);
            }
            let mut msg = Message::new();
            match self.socket().raw.msg_recv(msg.for_io(), DONTWAIT) {
                Ok(()) => parts.push(msg),
                Err(err) => {
                    // Only reachable on an error mid-message: libzmq delivers whole
                    // messages, so later frames never give EAGAIN. Keep what we have.
                    if !parts.is_empty() {
                        self.slow |= Slow::BACKLOG;
                    }
                    self.recv_stash = parts;
                    return Err(err);
                }
            }
        }
    }

    /// The hot path of a receive into `msg`: the op alone, when [`Core::fast_op`]
    /// (then nothing is stashed). `Err(None)` when the path is closed, `Err(Some(err))`
    /// when the op failed: give that to [`Core::poll_recv_frame`], which does the rest.
    #[inline(always)]
    pub(crate) fn recv_frame_fast(
        &mut self,
        cx: &mut Context<'_>,
        msg: &mut Message,
    ) -> std::result::Result<(), Option<Error>> {
        self.fast_op(cx, |core| {
            core.socket().raw.msg_recv(msg.for_io(), DONTWAIT)
        })
    }

    /// Receives one frame into `msg` (the sync `recv_msg`). Into a message the caller
    /// holds, so that a received frame is not moved through every layer of the poll.
    /// `tried`: what [`Core::recv_frame_fast`] said, if the caller tried it. `woken`: the
    /// caller's future parked before, and is polled again (see [`Core::take_edge`]).
    #[inline(never)]
    pub(crate) fn poll_recv_frame(
        &mut self,
        cx: &mut Context<'_>,
        msg: &mut Message,
        tried: Option<Error>,
        woken: bool,
    ) -> Poll<Result<()>> {
        if woken && tried.is_none() {
            self.take_edge();
        }
        let tried = match tried {
            Some(err) => Some(err),
            None => match self.recv_frame_fast(cx, msg) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(tried) => tried,
            },
        };
        let res = ready!(self.poll_io(Dir::Recv, cx, tried, |core| core.recv_frame_now(msg)));
        self.after_op(Dir::Recv);
        Poll::Ready(res)
    }

    /// Receives every frame of one message in this poll. `woken` as for
    /// [`Core::poll_recv_frame`].
    pub(crate) fn poll_recv_multipart(
        &mut self,
        cx: &mut Context<'_>,
        woken: bool,
    ) -> Poll<Result<Multipart>> {
        if woken {
            self.take_edge();
        }
        let res = ready!(self.poll_io(Dir::Recv, cx, None, Self::recv_multipart_now));
        self.after_op(Dir::Recv);
        Poll::Ready(res)
    }

    // ---- sending ---------------------------------------------------------------------

    #[inline]
    fn send_frame_now(&self, frame: &mut Message, more: bool) -> Result<()> {
        let flags = if more { DONTWAIT | SNDMORE } else { DONTWAIT };
        self.socket().raw.msg_send(frame.for_io(), flags)
    }

    /// Sends the first frame of a message of `1 + rest` frames. A DGRAM message is exactly
    /// two frames: libzmq would take the address of a longer one and then refuse the
    /// second frame, leaving the socket half-way through a datagram, so refuse it whole.
    #[inline]
    fn send_first_now(&self, first: &mut Message, rest: usize) -> Result<()> {
        if rest > 1 && self.socket().is_datagram() {
            return Err(Error::EINVAL);
        }
        self.send_frame_now(first, rest > 0)
    }

    /// `EMSGSIZE` for a DGRAM message with a frame larger than one datagram holds
    /// ([`crate::socket::UDP_DATAGRAM_MAX`]), checked before any frame goes, so that the
    /// socket is never left half-way through a datagram.
    #[inline]
    fn check_datagram(&self, first: &Message, rest: &[Message]) -> Result<()> {
        let socket = self.socket();
        socket.check_frame(first, !rest.is_empty())?;
        let last = rest.len().saturating_sub(1);
        rest.iter()
            .enumerate()
            .try_for_each(|(i, frame)| socket.check_frame(frame, i < last))
    }

    /// Pushes the tail of a started message. `Ok` when the tail is empty; `EAGAIN` when a
    /// non-load-balanced socket stalls (the frame stays for a retry).
    fn push_tail(&mut self) -> Result<()> {
        while let Some(mut frame) = self.send_tail.pop() {
            let more = !self.send_tail.is_empty();
            match self.send_frame_now(&mut frame, more) {
                Ok(()) => {}
                // F6: the peer's pipe died mid-message. libzmq rolled the message back; if
                // this frame had MORE it now swallows frames up to the last one, so push
                // them (they vanish), or it would swallow the next message's frames.
                Err(Error::EAGAIN) if self.load_balanced => {}
                Err(err) => {
                    self.send_tail.push(frame);
                    self.slow |= Slow::BACKLOG;
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    /// After the first frame of a message was accepted: pushes the others in the same
    /// poll. What cannot be pushed now stays in the socket and goes before the next send.
    #[inline]
    fn finish_message(&mut self, rest: &mut Vec<Message>) -> Result<()> {
        if rest.is_empty() {
            return Ok(());
        }
        self.finish_multipart(mem::take(rest))
    }

    fn finish_multipart(&mut self, mut rest: Vec<Message>) -> Result<()> {
        rest.reverse();
        self.send_tail = rest;
        self.slow |= Slow::BACKLOG;
        match self.push_tail() {
            Err(Error::EAGAIN) => Ok(()),
            other => other,
        }
    }

    /// Sends what an earlier message left behind (its tail, then the Sink's buffered
    /// item), without waiting. `EAGAIN` when that cannot be finished now.
    fn backlog_now(&mut self) -> Result<()> {
        if !self.send_tail.is_empty() {
            self.push_tail()?;
        }
        if let Some((first, rest)) = &mut self.sink_item {
            let rest = rest.len();
            let mut frame = mem::take(first);
            let sent = self.send_first_now(&mut frame, rest);
            match sent {
                Err(Error::EAGAIN) => {
                    if let Some((first, _)) = &mut self.sink_item {
                        *first = frame;
                    }
                    return Err(Error::EAGAIN);
                }
                Err(err) => {
                    self.sink_item = None;
                    return Err(err);
                }
                Ok(()) => {
                    let mut rest = self
                        .sink_item
                        .take()
                        .map(|(_, rest)| rest)
                        .unwrap_or_default();
                    self.finish_message(&mut rest)?;
                }
            }
        }
        Ok(())
    }

    /// Whether the `Sink` holds a message not handed to libzmq yet.
    pub(crate) fn has_sink_item(&self) -> bool {
        self.sink_item.is_some()
    }

    #[inline]
    fn has_backlog(&self) -> bool {
        !self.send_tail.is_empty() || self.sink_item.is_some()
    }

    /// Before a send of the caller's own message: pushes the backlog. `EAGAIN` holds the
    /// message back, as does any error while an earlier message's tail is still to go
    /// (libzmq would take the new frames as more of that message). Another error belongs
    /// to the buffered message (dropped by `backlog_now`) and waits in `sink_error` for
    /// the next `poll_flush`.
    fn backlog_before_send(&mut self) -> Result<()> {
        if self.has_backlog() {
            match self.backlog_now() {
                Err(Error::EAGAIN) => return Err(Error::EAGAIN),
                Err(err) if !self.send_tail.is_empty() => return Err(err),
                Err(err) => self.sink_error = Some(err),
                Ok(()) => {}
            }
        }
        Ok(())
    }

    /// Sends the backlog, waiting for room as needed (the Sink's `poll_flush`). First
    /// reports the error of a buffered message that failed during another send.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if let Some(err) = self.sink_error.take() {
            return Poll::Ready(Err(err));
        }
        if !self.has_backlog() {
            return Poll::Ready(Ok(()));
        }
        let res = ready!(self.poll_io(Dir::Send, cx, None, Self::backlog_now));
        self.after_op(Dir::Send);
        Poll::Ready(res)
    }

    /// The hot path of a send of a one-frame message: the op alone, when
    /// [`Core::fast_op`] (then nothing is left of an earlier message).
    /// `Err(None)` when the path is closed, `Err(Some(err))` when the op failed: give that
    /// to [`Core::poll_send`], which does the rest.
    #[inline(always)]
    pub(crate) fn send_frame_fast(
        &mut self,
        cx: &mut Context<'_>,
        frame: &mut Message,
    ) -> std::result::Result<(), Option<Error>> {
        // The other send paths check the whole message first (`check_datagram`).
        self.socket().check_frame(frame, false).map_err(Some)?;
        self.fast_op(cx, |core| core.send_frame_now(frame, false))
    }

    /// Sends one message: its first frame waits for room; once libzmq accepts it, the
    /// other frames go in the same poll. `first` is untouched until it is accepted.
    /// `tried`: what [`Core::send_frame_fast`] said, if the caller tried it (only for a
    /// message of one frame).
    #[inline(never)]
    pub(crate) fn poll_send(
        &mut self,
        cx: &mut Context<'_>,
        first: &mut Message,
        rest: &mut Vec<Message>,
        mut tried: Option<Error>,
    ) -> Poll<Result<()>> {
        let frames = rest.len();
        if let Err(err) = self.check_datagram(first, rest) {
            return Poll::Ready(Err(err));
        }
        if tried.is_none() {
            // The op alone (no backlog to push first: no BACKLOG bit).
            match self.fast_op(cx, |core| core.send_first_now(first, frames)) {
                Ok(()) => {
                    let res = self.finish_message(rest);
                    self.after_op(Dir::Send);
                    return Poll::Ready(res);
                }
                Err(err) => tried = err,
            }
        }
        let res = ready!(self.poll_io(Dir::Send, cx, tried, |core| {
            core.backlog_before_send()?;
            core.send_first_now(first, frames)
        }));
        let res = res.and_then(|()| self.finish_message(rest));
        self.after_op(Dir::Send);
        Poll::Ready(res)
    }

    /// Buffers one message for the Sink (call after `poll_flush` returned `Ready(Ok)`).
    /// `EFSM` when a message is buffered still (`start_send` without `poll_ready`, which
    /// the `Sink` contract forbids): the buffered one is kept, the new one is dropped.
    pub(crate) fn start_send(&mut self, item: Option<Outgoing>) -> Result<()> {
        if let Some((first, rest)) = &item {
            if self.sink_item.is_some() {
                return Err(Error::EFSM);
            }
            self.check_datagram(first, rest)?;
            self.sink_item = item;
            self.slow |= Slow::BACKLOG;
        }
        Ok(())
    }

    /// `Ready` when a send will probably not block: at once unless the last attempt
    /// failed with `EAGAIN`, else when `ZMQ_EVENTS` says `POLLOUT` (a hint, I5).
    pub(crate) fn poll_send_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        ready!(self.poll_flush(cx))?;
        if self.is(Slow::SEND_BLOCKED) {
            let res = ready!(self.poll_wait(Dir::Send, cx, false));
            self.slow &= !Slow::SEND_BLOCKED;
            return Poll::Ready(res);
        }
        Poll::Ready(Ok(()))
    }

    /// Sends one message if libzmq takes it now; hands it back otherwise.
    pub(crate) fn try_send(
        &mut self,
        mut item: Outgoing,
    ) -> std::result::Result<(), (Error, Outgoing)> {
        let (first, rest) = &mut item;
        let frames = rest.len();
        if let Err(err) = self.check_datagram(first, rest) {
            return Err((err, item));
        }
        let res = self.attempt(Dir::Send, |core| {
            core.backlog_before_send()?;
            core.send_first_now(first, frames)
        });
        let res = match res {
            Ok(()) => self.finish_message(rest),
            Err(err) => {
                self.after_op(Dir::Send);
                return Err((err, item));
            }
        };
        self.after_op(Dir::Send);
        res.map_err(|err| (err, (Message::new(), Vec::new())))
    }
}

impl<R: Registration> Drop for Core<R> {
    fn drop(&mut self) {
        // Deregister before the socket is closed (F10): after zmq_close, libzmq's reaper
        // closes the fd and the number can be reused by another registration.
        self.readiness.deregister();
        self.readiness.fanout.wake_all();
        drop(self.socket.take());
    }
}
