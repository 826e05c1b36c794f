//! The named futures of the async methods, and how they reach the socket's state.
//!
//! A future holds a way to reach the [`Core`] (owned through `&mut`, or shared by the
//! split halves through a mutex held only around FFI calls), its socket timeout timer,
//! and, for a send, the message it has not handed to libzmq yet. Nothing else: cancel
//! safety follows (I6).

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{ready, Context, Poll};
use std::time::Duration;

use crate::rt::core::{outgoing, Outgoing};
use crate::rt::reactor::{Dir, FanOut};
use crate::rt::tokio::Core;
use crate::rt::{Multipart, TrySendError};
use crate::{Error, Message, Result};

/// The state of a split socket, shared by its two halves.
pub(crate) struct Shared {
    core: Mutex<Core>,
    pub(crate) fanout: Arc<FanOut>,
}

impl Shared {
    pub(crate) fn new(core: Core) -> Shared {
        let fanout = core.readiness.fanout.clone();
        Shared {
            core: Mutex::new(core),
            fanout,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        // Nothing of ours panics under this lock; a user closure given to `with_socket`
        // might, and leaves the state consistent (it only sees the sync socket).
        self.core
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn into_core(self) -> Core {
        self.core
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How a future reaches the socket's state.
pub(crate) enum Owner<'a> {
    Owned(&'a mut Core),
    Shared(&'a Shared),
}

impl Owner<'_> {
    /// Runs `f` on the state, then wakes the waiters it marked, outside any lock.
    #[inline(always)]
    pub(crate) fn with<R>(&mut self, f: impl FnOnce(&mut Core) -> R) -> R {
        match self {
            Owner::Owned(core) => {
                let res = f(core);
                if core.has_wakes() {
                    let wakes = core.take_wakes();
                    core.readiness.fanout.wake_dirs(wakes);
                }
                res
            }
            Owner::Shared(shared) => Owner::with_shared(shared, f),
        }
    }

    /// [`Owner::with`] for a split socket: under the lock. Out of line, so that `f` is
    /// inlined into the owned case.
    #[inline(never)]
    fn with_shared<R>(shared: &Shared, f: impl FnOnce(&mut Core) -> R) -> R {
        let (res, wakes) = {
            let mut core = shared.lock();
            let res = f(&mut core);
            (res, core.take_wakes())
        };
        if wakes != [false; 2] {
            shared.fanout.wake_dirs(wakes);
        }
        res
    }

    fn fanout(&self) -> &FanOut {
        match self {
            Owner::Owned(core) => &core.readiness.fanout,
            Owner::Shared(shared) => &shared.fanout,
        }
    }
}

/// Drives one operation in `dir`: the op, then the socket's timeout (`RCVTIMEO` or
/// `SNDTIMEO`, emulated with a tokio timer armed at the first park); unparks on
/// completion, timeout and drop. Kept small: every future holds one, and a future larger
/// than 128 bytes is moved with a `memcpy` call at each `.await`.
///
/// No `Drop` of its own: the futures that hold one release it ([`Op::release`]) when
/// their flags say there is something to release, with one test of the flags for
/// everything a future may have to drop.
struct Op<'a> {
    owner: Owner<'a>,
    /// The timer, once armed ([`Op::TIMER`]). Dropped by hand in [`Op::release`], so that
    /// a future that never parked has no drop glue to call for it.
    timer: ManuallyDrop<Option<Pin<Box<tokio::time::Sleep>>>>,
    dir: Dir,
    /// [`Op::PARKED`], ...: one byte, so that moving a future moves it in one go.
    flags: u8,
}

impl<'a> Op<'a> {
    /// Our waker is (or may be) in the direction's slot.
    const PARKED: u8 = 1;
    /// The timeout option was read (at the first park).
    const TIMEOUT_READ: u8 = 2;
    /// The operation completed (set by the send future, which must never send twice).
    const DONE: u8 = 4;
    /// ... and succeeded (set by the send future).
    const SUCCEEDED: u8 = 8;
    /// The timer is armed.
    const TIMER: u8 = 16;
    /// The send future's other frames have an allocation to free.
    const REST: u8 = 32;
    /// What [`Op::release`] has to undo.
    const TO_RELEASE: u8 = Op::PARKED | Op::TIMER;

    #[inline]
    fn new(owner: Owner<'a>, dir: Dir) -> Op<'a> {
        Op {
            owner,
            timer: ManuallyDrop::new(None),
            dir,
            flags: 0,
        }
    }

    #[inline]
    fn is(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The core when the future owns it (not through the split halves' lock).
    #[inline(always)]
    fn owned_core(&mut self) -> Option<&mut Core> {
        match &mut self.owner {
            Owner::Owned(core) => Some(core),
            Owner::Shared(_) => None,
        }
    }

    #[inline(always)]
    fn poll<T>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(&mut Core, &mut Context<'_>) -> Poll<Result<T>>,
    ) -> Poll<Result<T>> {
        if let Poll::Ready(res) = self.owner.with(|core| op(core, cx)) {
            // Not parked any more: the core cleared the slot.
            self.flags &= !Op::PARKED;
            return Poll::Ready(res);
        }
        self.poll_timeout(cx)
    }

    /// After the operation returned `Pending`: `Pending` until the socket's timeout has
    /// passed, then `EAGAIN`.
    #[cold]
    fn poll_timeout<T>(&mut self, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.flags |= Op::PARKED;
        let res = match self.poll_expired(cx) {
            Ok(false) => return Poll::Pending,
            Ok(true) => Err(Error::EAGAIN),
            Err(err) => Err(err),
        };
        self.unpark();
        Poll::Ready(res)
    }

    /// Whether the socket's timeout has passed (-1, the default, never passes).
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Result<bool> {
        if !self.is(Op::TIMEOUT_READ) {
            let dir = self.dir;
            let ms = self.owner.with(|core| match dir {
                Dir::Recv => core.socket().get_rcvtimeo(),
                Dir::Send => core.socket().get_sndtimeo(),
            })?;
            self.flags |= Op::TIMEOUT_READ;
            match u64::try_from(ms) {
                Err(_) => {}
                Ok(0) => return Ok(true),
                Ok(ms) => {
                    let sleep = Box::pin(tokio::time::sleep(Duration::from_millis(ms)));
                    *self.timer = Some(sleep);
                    self.flags |= Op::TIMER;
                }
            }
        }
        match &mut *self.timer {
            Some(sleep) => Ok(sleep.as_mut().poll(cx).is_ready()),
            None => Ok(false),
        }
    }

    #[inline]
    fn unpark(&mut self) {
        if self.is(Op::PARKED) {
            self.flags &= !Op::PARKED;
            self.owner.fanout().slot(self.dir).clear();
        }
    }

    /// What a dropped future must undo: a cancelled future leaves no waker behind (A28 d),
    /// and its timer is dropped.
    #[cold]
    fn release(&mut self) {
        self.unpark();
        self.flags &= !Op::TIMER;
        drop(ManuallyDrop::into_inner(std::mem::take(&mut self.timer)));
    }
}

/// The future of [`AsyncSocket::recv_msg`](crate::rt::tokio::AsyncSocket::recv_msg): one
/// frame. Cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct RecvMsg<'a> {
    op: Op<'a>,
}

impl<'a> RecvMsg<'a> {
    pub(crate) fn new(owner: Owner<'a>) -> RecvMsg<'a> {
        RecvMsg {
            op: Op::new(owner, Dir::Recv),
        }
    }

    /// Everything but the hot path; `tried` as [`Core::poll_recv_frame`] takes it.
    #[inline(never)]
    fn poll_slow(
        &mut self,
        cx: &mut Context<'_>,
        msg: &mut Message,
        tried: Option<Error>,
    ) -> Poll<Result<()>> {
        self.op
            .poll(cx, |core, cx| core.poll_recv_frame(cx, msg, tried))
    }
}

impl Future for RecvMsg<'_> {
    type Output = Result<Message>;

    /// Inlined into the caller with the hot path (the frame is there: receive it, done),
    /// the rest out of line.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut msg = Message::new();
        let mut tried = None;
        if let Some(core) = this.op.owned_core() {
            // Not parked (the path is closed while anything may be parked, so PARKED is
            // clear), so there is nothing to unpark on success.
            match core.recv_frame_fast(cx, &mut msg) {
                Ok(()) => return Poll::Ready(Ok(msg)),
                Err(err) => tried = err,
            }
        }
        match this.poll_slow(cx, &mut msg, tried) {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(msg)),
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for RecvMsg<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.op.is(Op::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// The future of [`AsyncSocket::recv`](crate::rt::tokio::AsyncSocket::recv): one frame,
/// into a message the caller keeps. Cancel safe: dropped before completion, it has
/// received nothing (the message may have been emptied, as by a failed sync `recv`).
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a> {
    op: Op<'a>,
    msg: &'a mut Message,
}

impl<'a> Recv<'a> {
    pub(crate) fn new(owner: Owner<'a>, msg: &'a mut Message) -> Recv<'a> {
        Recv {
            op: Op::new(owner, Dir::Recv),
            msg,
        }
    }

    /// Everything but the hot path; `tried` as [`Core::poll_recv_frame`] takes it.
    #[inline(never)]
    fn poll_slow(&mut self, cx: &mut Context<'_>, tried: Option<Error>) -> Poll<Result<()>> {
        let msg = &mut *self.msg;
        self.op
            .poll(cx, |core, cx| core.poll_recv_frame(cx, msg, tried))
    }
}

impl Future for Recv<'_> {
    type Output = Result<()>;

    /// As [`RecvMsg`]'s.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut tried = None;
        if let Some(core) = this.op.owned_core() {
            match core.recv_frame_fast(cx, this.msg) {
                Ok(()) => return Poll::Ready(Ok(())),
                Err(err) => tried = err,
            }
        }
        this.poll_slow(cx, tried)
    }
}

impl Drop for Recv<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.op.is(Op::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// The future of [`AsyncSocket::recv_multipart_msgs`](crate::rt::tokio::AsyncSocket::recv_multipart_msgs):
/// every frame of one message. Cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct RecvMultipart<'a> {
    op: Op<'a>,
}

impl<'a> RecvMultipart<'a> {
    pub(crate) fn new(owner: Owner<'a>) -> RecvMultipart<'a> {
        RecvMultipart {
            op: Op::new(owner, Dir::Recv),
        }
    }
}

impl Future for RecvMultipart<'_> {
    type Output = Result<Multipart>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().op.poll(cx, Core::poll_recv_multipart)
    }
}

impl Drop for RecvMultipart<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.op.is(Op::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// The future of [`AsyncSocket::send`](crate::rt::tokio::AsyncSocket::send) and
/// [`send_multipart`](crate::rt::tokio::AsyncSocket::send_multipart). All or nothing: dropped
/// before completion, it has sent nothing and drops its message.
#[must_use = "futures do nothing unless polled"]
pub struct SendMessage<'a> {
    op: Op<'a>,
    /// The first frame: untouched until libzmq accepts it. Once libzmq has (the send
    /// succeeded), it is an empty message that needs no `zmq_msg_close` (zmq_msg_close(3):
    /// "NOT necessary after a successful zmq_msg_send()"), so `Drop` closes it only if the
    /// send did not succeed: that saves a call into libzmq per message.
    first: ManuallyDrop<Message>,
    /// The other frames, in order. Dropped by hand (out of line, when it has an
    /// allocation: [`Op::REST`]), so that dropping a sent one-frame message is one test.
    rest: ManuallyDrop<Vec<Message>>,
}

impl<'a> SendMessage<'a> {
    /// A future that sends `first` and then `rest`, or nothing for `None`.
    #[inline]
    pub(crate) fn new(owner: Owner<'a>, message: Option<Outgoing>) -> SendMessage<'a> {
        match message {
            Some((first, rest)) => SendMessage::frames(owner, first, rest),
            None => {
                let mut future = SendMessage::frames(owner, Message::new(), Vec::new());
                future.op.flags = Op::DONE;
                future
            }
        }
    }

    #[inline]
    pub(crate) fn frames(owner: Owner<'a>, first: Message, rest: Vec<Message>) -> SendMessage<'a> {
        let mut op = Op::new(owner, Dir::Send);
        if rest.capacity() != 0 {
            op.flags = Op::REST;
        }
        SendMessage {
            op,
            first: ManuallyDrop::new(first),
            rest: ManuallyDrop::new(rest),
        }
    }

    /// Everything but the hot path; `tried` as [`Core::poll_send`] takes it.
    #[inline(never)]
    fn poll_slow(&mut self, cx: &mut Context<'_>, tried: Option<Error>) -> Poll<Result<()>> {
        if self.op.is(Op::DONE) {
            // Sent already, or an empty multipart (which sends nothing, like the sync
            // send_multipart).
            return Poll::Ready(Ok(()));
        }
        let (first, rest) = (&mut *self.first, &mut *self.rest);
        let res = ready!(self
            .op
            .poll(cx, |core, cx| core.poll_send(cx, first, rest, tried)));
        self.op.flags |= if res.is_ok() {
            Op::DONE | Op::SUCCEEDED
        } else {
            Op::DONE
        };
        Poll::Ready(res)
    }
}

impl Future for SendMessage<'_> {
    type Output = Result<()>;

    /// Inlined into the caller with the hot path (a one-frame message on its first poll,
    /// and libzmq takes it), the rest out of line.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut tried = None;
        // No flag: first poll, one frame, nothing sent yet, not parked.
        if this.op.flags == 0 {
            if let Some(core) = this.op.owned_core() {
                match core.send_frame_fast(cx, &mut this.first) {
                    Ok(()) => {
                        this.op.flags = Op::DONE | Op::SUCCEEDED;
                        return Poll::Ready(Ok(()));
                    }
                    Err(err) => tried = err,
                }
            }
        }
        this.poll_slow(cx, tried)
    }
}

impl Drop for SendMessage<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // The common case: sent, never parked, one frame: nothing to do.
        if self.op.flags & (Op::TO_RELEASE | Op::REST | Op::SUCCEEDED) != Op::SUCCEEDED {
            self.drop_slow();
        }
    }
}

impl SendMessage<'_> {
    #[cold]
    fn drop_slow(&mut self) {
        if !self.op.is(Op::SUCCEEDED) {
            // SAFETY: `first` is dropped here only (the caller is `Drop`, which runs once),
            // and never used again.
            unsafe { ManuallyDrop::drop(&mut self.first) };
        }
        drop(ManuallyDrop::into_inner(std::mem::take(&mut self.rest)));
        if self.op.is(Op::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// Sends one message if libzmq accepts it now, else hands it back (the `try_send`
/// methods).
pub(crate) fn try_send<I, T>(
    mut owner: Owner<'_>,
    parts: I,
) -> std::result::Result<(), TrySendError>
where
    I: IntoIterator<Item = T>,
    T: Into<Message>,
{
    let Some(message) = outgoing(parts) else {
        return Ok(());
    };
    owner
        .with(|core| core.try_send(message))
        .map_err(TrySendError::new)
}

/// A frame as bytes (the `recv_bytes` methods).
pub(crate) async fn bytes(frame: RecvMsg<'_>) -> Result<Vec<u8>> {
    frame.await.map(|msg| msg.to_vec())
}

/// A frame as text, or its bytes when it is not UTF-8 (the `recv_string` methods).
pub(crate) async fn string(frame: RecvMsg<'_>) -> Result<std::result::Result<String, Vec<u8>>> {
    bytes(frame)
        .await
        .map(|bytes| String::from_utf8(bytes).map_err(|err| err.into_bytes()))
}

/// A whole message as byte vectors (the `recv_multipart` methods).
pub(crate) async fn multipart(message: RecvMultipart<'_>) -> Result<Vec<Vec<u8>>> {
    let parts = message.await?;
    Ok(parts.iter().map(|part| part.to_vec()).collect())
}
