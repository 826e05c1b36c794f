//! The named futures of the async methods, and how they reach the socket's state.
//!
//! A future holds a way to reach the [`Core`] (owned through `&mut`, or shared by the
//! split halves through a mutex held only around FFI calls), its socket timeout timer,
//! and, for a send, the message it has not handed to libzmq yet. Nothing else: cancel
//! safety follows (I6).

use std::cell::Cell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use crate::rt::core::{Outgoing, outgoing};
use crate::rt::reactor::{Dir, FanOut};
use crate::rt::{CoreOf, Runtime};
use crate::rt::{Multipart, TrySendError};
use crate::{Error, Message, Result};

thread_local! {
    /// The split socket whose `with_socket` closure this thread is running (its
    /// [`Shared::id`]), 0 for none.
    static IN_WITH_SOCKET: Cell<usize> = const { Cell::new(0) };
}

/// The state of a split socket, shared by its two halves.
pub(crate) struct Shared<R: Runtime> {
    core: Mutex<CoreOf<R>>,
    pub(crate) fanout: Arc<FanOut>,
}

impl<R: Runtime> Shared<R> {
    pub(crate) fn new(core: CoreOf<R>) -> Shared<R> {
        let fanout = core.readiness.fanout.clone();
        Shared {
            core: Mutex::new(core),
            fanout,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, CoreOf<R>> {
        // Nothing of ours panics under this lock; a user closure given to `with_socket`
        // might, and leaves the state consistent (it only sees the sync socket).
        match self.core.try_lock() {
            Ok(core) => core,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(TryLockError::WouldBlock) => {
                // Taken: by the other half on another thread (wait for it), or by a
                // `with_socket` of this thread, whose closure uses the other half: that
                // would wait for ever.
                if IN_WITH_SOCKET.with(Cell::get) == self.id() {
                    panic!(
                        "the other half of a split socket was used inside `with_socket`, \
                         which holds the socket's lock: use the `&Socket` the closure is \
                         given, or call the other half after `with_socket` returns"
                    );
                }
                self.core
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
            }
        }
    }

    /// Runs `f` under the lock on the sync socket's state, marking this thread as inside
    /// it (see [`Shared::lock`]).
    pub(crate) fn with_socket_locked<T>(&self, f: impl FnOnce(&mut CoreOf<R>) -> T) -> T {
        struct Restore(usize);
        impl Drop for Restore {
            fn drop(&mut self) {
                IN_WITH_SOCKET.with(|cell| cell.set(self.0));
            }
        }
        Owner::Shared(self).with(|core| {
            // Marked once the lock is ours (a wait for it is not a re-entry).
            let _restore = Restore(IN_WITH_SOCKET.with(|cell| cell.replace(self.id())));
            f(core)
        })
    }

    /// The address of this state, to tell it from another socket's.
    fn id(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    pub(crate) fn into_core(self) -> CoreOf<R> {
        self.core
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How a future reaches the socket's state.
pub(crate) enum Owner<'a, R: Runtime> {
    Owned(&'a mut CoreOf<R>),
    Shared(&'a Shared<R>),
}

impl<R: Runtime> Owner<'_, R> {
    /// Runs `f` on the state, then wakes the waiters it marked, outside any lock.
    #[inline(always)]
    pub(crate) fn with<T>(&mut self, f: impl FnOnce(&mut CoreOf<R>) -> T) -> T {
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
    fn with_shared<T>(shared: &Shared<R>, f: impl FnOnce(&mut CoreOf<R>) -> T) -> T {
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
/// `SNDTIMEO`, emulated with the runtime's timer armed at the first park); unparks on
/// completion, timeout and drop. Kept small: every future holds one, and a future larger
/// than 128 bytes is moved with a `memcpy` call at each `.await`.
///
/// No `Drop` of its own: the futures that hold one release it ([`Op::release`]) when
/// their flags say there is something to release, with one test of the flags for
/// everything a future may have to drop.
struct Op<'a, R: Runtime> {
    owner: Owner<'a, R>,
    /// The timer, once armed ([`flag::TIMER`]). Dropped by hand in [`Op::release`], so that
    /// a future that never parked has no drop glue to call for it.
    timer: ManuallyDrop<Option<Pin<Box<R::Sleep>>>>,
    dir: Dir,
    /// [`flag::PARKED`], ...: one byte, so that moving a future moves it in one go.
    flags: u8,
}

/// The bits of [`Op`]'s `flags`.
mod flag {
    /// Our waker is (or may be) in the direction's slot.
    pub(crate) const PARKED: u8 = 1;
    /// The timeout option was read (at the first park).
    pub(crate) const TIMEOUT_READ: u8 = 2;
    /// The operation completed (set by the send future, which must never send twice).
    pub(crate) const DONE: u8 = 4;
    /// ... and succeeded (set by the send future).
    pub(crate) const SUCCEEDED: u8 = 8;
    /// The timer is armed.
    pub(crate) const TIMER: u8 = 16;
    /// The send future's other frames have an allocation to free.
    pub(crate) const REST: u8 = 32;
    /// The send future's message was empty (no frames): done, with nothing to send.
    pub(crate) const EMPTY: u8 = 64;
    /// What [`release`] has to undo.
    pub(crate) const TO_RELEASE: u8 = PARKED | TIMER;
}

impl<'a, R: Runtime> Op<'a, R> {
    #[inline]
    fn new(owner: Owner<'a, R>, dir: Dir) -> Op<'a, R> {
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
    fn owned_core(&mut self) -> Option<&mut CoreOf<R>> {
        match &mut self.owner {
            Owner::Owned(core) => Some(core),
            Owner::Shared(_) => None,
        }
    }

    #[inline(always)]
    fn poll<T>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(&mut CoreOf<R>, &mut Context<'_>) -> Poll<Result<T>>,
    ) -> Poll<Result<T>> {
        if let Poll::Ready(res) = self.owner.with(|core| op(core, cx)) {
            // Not parked any more: the core cleared the slot.
            self.flags &= !flag::PARKED;
            return Poll::Ready(res);
        }
        self.poll_timeout(cx)
    }

    /// After the operation returned `Pending`: `Pending` until the socket's timeout has
    /// passed, then `EAGAIN`.
    #[cold]
    fn poll_timeout<T>(&mut self, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.flags |= flag::PARKED;
        let dir = self.dir;
        // A yield to the runtime made no attempt: the timeout is not for it to end.
        if self.owner.with(|core| core.take_yielded(dir)) {
            return Poll::Pending;
        }
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
        if !self.is(flag::TIMEOUT_READ) {
            let dir = self.dir;
            let ms = self.owner.with(|core| core.timeout(dir))?;
            self.flags |= flag::TIMEOUT_READ;
            match u64::try_from(ms) {
                Err(_) => {}
                Ok(0) => return Ok(true),
                Ok(ms) => {
                    let sleep = Box::pin(R::sleep(Duration::from_millis(ms)));
                    *self.timer = Some(sleep);
                    self.flags |= flag::TIMER;
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
        if self.is(flag::PARKED) {
            self.flags &= !flag::PARKED;
            self.owner.fanout().slot(self.dir).clear();
        }
    }

    /// What a dropped future must undo: a cancelled future leaves no waker behind (A28 d),
    /// and its timer is dropped.
    #[cold]
    fn release(&mut self) {
        self.unpark();
        self.flags &= !flag::TIMER;
        drop(ManuallyDrop::into_inner(std::mem::take(&mut self.timer)));
    }
}

/// The future of [`AsyncSocket::recv_msg`](crate::rt::AsyncSocket::recv_msg): one
/// frame. Cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct RecvMsg<'a, R: Runtime> {
    op: Op<'a, R>,
}

impl<'a, R: Runtime> RecvMsg<'a, R> {
    pub(crate) fn new(owner: Owner<'a, R>) -> RecvMsg<'a, R> {
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
        let woken = self.op.is(flag::PARKED);
        self.op
            .poll(cx, |core, cx| core.poll_recv_frame(cx, msg, tried, woken))
    }
}

impl<R: Runtime> Future for RecvMsg<'_, R> {
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

impl<R: Runtime> Drop for RecvMsg<'_, R> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.op.is(flag::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// The future of [`AsyncSocket::recv`](crate::rt::AsyncSocket::recv): one frame,
/// into a message the caller keeps. Cancel safe: dropped before completion, it has
/// received nothing (the message may have been emptied, as by a failed sync `recv`).
#[must_use = "futures do nothing unless polled"]
pub struct Recv<'a, R: Runtime> {
    op: Op<'a, R>,
    msg: &'a mut Message,
}

impl<'a, R: Runtime> Recv<'a, R> {
    pub(crate) fn new(owner: Owner<'a, R>, msg: &'a mut Message) -> Recv<'a, R> {
        Recv {
            op: Op::new(owner, Dir::Recv),
            msg,
        }
    }

    /// Everything but the hot path; `tried` as [`Core::poll_recv_frame`] takes it.
    #[inline(never)]
    fn poll_slow(&mut self, cx: &mut Context<'_>, tried: Option<Error>) -> Poll<Result<()>> {
        let msg = &mut *self.msg;
        let woken = self.op.is(flag::PARKED);
        self.op
            .poll(cx, |core, cx| core.poll_recv_frame(cx, msg, tried, woken))
    }
}

impl<R: Runtime> Future for Recv<'_, R> {
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

impl<R: Runtime> Drop for Recv<'_, R> {
    #[inline(always)]
    fn drop(&mut self) {
        if self.op.is(flag::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// The future of [`AsyncSocket::recv_multipart_msgs`](crate::rt::AsyncSocket::recv_multipart_msgs):
/// every frame of one message. Cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct RecvMultipart<'a, R: Runtime> {
    op: Op<'a, R>,
}

impl<'a, R: Runtime> RecvMultipart<'a, R> {
    pub(crate) fn new(owner: Owner<'a, R>) -> RecvMultipart<'a, R> {
        RecvMultipart {
            op: Op::new(owner, Dir::Recv),
        }
    }
}

impl<R: Runtime> Future for RecvMultipart<'_, R> {
    type Output = Result<Multipart>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let op = &mut self.get_mut().op;
        let woken = op.is(flag::PARKED);
        op.poll(cx, |core, cx| core.poll_recv_multipart(cx, woken))
    }
}

impl<R: Runtime> Drop for RecvMultipart<'_, R> {
    #[inline]
    fn drop(&mut self) {
        if self.op.is(flag::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// The future of [`AsyncSocket::send`](crate::rt::AsyncSocket::send) and
/// [`send_multipart`](crate::rt::AsyncSocket::send_multipart). All or nothing: dropped
/// before completion, it has sent nothing and drops its message.
#[must_use = "futures do nothing unless polled"]
pub struct SendMessage<'a, R: Runtime> {
    op: Op<'a, R>,
    /// The first frame: untouched until libzmq accepts it. Once libzmq has (the send
    /// succeeded), it is an empty message that needs no `zmq_msg_close` (zmq_msg_close(3):
    /// "NOT necessary after a successful zmq_msg_send()"), so `Drop` closes it only if the
    /// send did not succeed: that saves a call into libzmq per message.
    first: ManuallyDrop<Message>,
    /// The other frames, in order. Dropped by hand (out of line, when it has an
    /// allocation: [`flag::REST`]), so that dropping a sent one-frame message is one test.
    rest: ManuallyDrop<Vec<Message>>,
}

impl<'a, R: Runtime> SendMessage<'a, R> {
    /// A future that sends `first` and then `rest`, or nothing for `None`.
    #[inline]
    pub(crate) fn new(owner: Owner<'a, R>, message: Option<Outgoing>) -> SendMessage<'a, R> {
        match message {
            Some((first, rest)) => SendMessage::frames(owner, first, rest),
            None => {
                let mut future = SendMessage::frames(owner, Message::new(), Vec::new());
                future.op.flags = flag::DONE | flag::EMPTY;
                future
            }
        }
    }

    #[inline]
    pub(crate) fn frames(
        owner: Owner<'a, R>,
        first: Message,
        rest: Vec<Message>,
    ) -> SendMessage<'a, R> {
        let mut op = Op::new(owner, Dir::Send);
        if rest.capacity() != 0 {
            op.flags = flag::REST;
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
        if self.op.is(flag::DONE) {
            // An empty multipart sends nothing, like the sync send_multipart. Polled again
            // after it completed: what it said then (a failed send is not retried, nor
            // reported as sent).
            return Poll::Ready(if self.op.flags & (flag::SUCCEEDED | flag::EMPTY) != 0 {
                Ok(())
            } else {
                Err(Error::EFSM)
            });
        }
        let (first, rest) = (&mut *self.first, &mut *self.rest);
        let res = ready!(
            self.op
                .poll(cx, |core, cx| core.poll_send(cx, first, rest, tried))
        );
        self.op.flags |= if res.is_ok() {
            flag::DONE | flag::SUCCEEDED
        } else {
            flag::DONE
        };
        Poll::Ready(res)
    }
}

impl<R: Runtime> Future for SendMessage<'_, R> {
    type Output = Result<()>;

    /// Inlined into the caller with the hot path (a one-frame message on its first poll,
    /// and libzmq takes it), the rest out of line.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut tried = None;
        // No flag: first poll, one frame, nothing sent yet, not parked.
        if this.op.flags == 0
            && let Some(core) = this.op.owned_core()
        {
            match core.send_frame_fast(cx, &mut this.first) {
                Ok(()) => {
                    this.op.flags = flag::DONE | flag::SUCCEEDED;
                    return Poll::Ready(Ok(()));
                }
                Err(err) => tried = err,
            }
        }
        this.poll_slow(cx, tried)
    }
}

impl<R: Runtime> Drop for SendMessage<'_, R> {
    #[inline(always)]
    fn drop(&mut self) {
        // The common case: sent, never parked, one frame: nothing to do.
        if self.op.flags & (flag::TO_RELEASE | flag::REST | flag::SUCCEEDED) != flag::SUCCEEDED {
            self.drop_slow();
        }
    }
}

impl<R: Runtime> SendMessage<'_, R> {
    #[cold]
    fn drop_slow(&mut self) {
        if !self.op.is(flag::SUCCEEDED) {
            // SAFETY: `first` is dropped here only (the caller is `Drop`, which runs once),
            // and never used again.
            unsafe { ManuallyDrop::drop(&mut self.first) };
        }
        drop(ManuallyDrop::into_inner(std::mem::take(&mut self.rest)));
        if self.op.is(flag::TO_RELEASE) {
            self.op.release();
        }
    }
}

/// Sends one message if libzmq accepts it now, else hands it back (the `try_send`
/// methods).
pub(crate) fn try_send<R: Runtime, I, T>(
    mut owner: Owner<'_, R>,
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
pub(crate) async fn bytes<R: Runtime>(frame: RecvMsg<'_, R>) -> Result<Vec<u8>> {
    frame.await.map(|msg| msg.to_vec())
}

/// A frame as text, or its bytes when it is not UTF-8 (the `recv_string` methods).
pub(crate) async fn string<R: Runtime>(
    frame: RecvMsg<'_, R>,
) -> Result<std::result::Result<String, Vec<u8>>> {
    bytes(frame).await.map(crate::socket::text_or_bytes)
}

/// A whole message as byte vectors (the `recv_multipart` methods).
pub(crate) async fn multipart<R: Runtime>(message: RecvMultipart<'_, R>) -> Result<Vec<Vec<u8>>> {
    let parts = message.await?;
    Ok(parts.iter().map(|part| part.to_vec()).collect())
}
