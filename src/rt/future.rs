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
use crate::rt::{CoreOf, Runtime};
use crate::rt::{Multipart, TrySendError};
use crate::{Error, Message, Result};

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
        self.core
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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
    #[inline]
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
struct Op<'a, R: Runtime> {
    owner: Owner<'a, R>,
    /// The timer, once armed. Dropped by hand in `Drop`, so that a future that never
    /// parked has no drop glue to call for it.
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

    #[inline]
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
            let ms = self.owner.with(|core| match dir {
                Dir::Recv => core.socket().get_rcvtimeo(),
                Dir::Send => core.socket().get_sndtimeo(),
            })?;
            self.flags |= flag::TIMEOUT_READ;
            match u64::try_from(ms) {
                Err(_) => {}
                Ok(0) => return Ok(true),
                Ok(ms) => {
                    let sleep = Box::pin(R::sleep(Duration::from_millis(ms)));
                    *self.timer = Some(sleep);
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
}

impl<R: Runtime> Drop for Op<'_, R> {
    #[inline]
    fn drop(&mut self) {
        if self.is(flag::PARKED) || self.timer.is_some() {
            self.drop_slow();
        }
    }
}

impl<R: Runtime> Op<'_, R> {
    #[cold]
    fn drop_slow(&mut self) {
        // A cancelled future leaves no waker behind (A28 d).
        self.unpark();
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
}

impl<R: Runtime> Future for RecvMsg<'_, R> {
    type Output = Result<Message>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut msg = Message::new();
        match self
            .get_mut()
            .op
            .poll(cx, |core, cx| core.poll_recv_frame(cx, &mut msg))
        {
            Poll::Ready(Ok(())) => Poll::Ready(Ok(msg)),
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => Poll::Pending,
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
        self.get_mut().op.poll(cx, CoreOf::<R>::poll_recv_multipart)
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
    /// The other frames, in order. Dropped by hand (out of line, when there are any), so
    /// that dropping a single-frame send is a few checks.
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
                future.op.flags = flag::DONE;
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
        SendMessage {
            op: Op::new(owner, Dir::Send),
            first: ManuallyDrop::new(first),
            rest: ManuallyDrop::new(rest),
        }
    }
}

impl<R: Runtime> Future for SendMessage<'_, R> {
    type Output = Result<()>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.op.is(flag::DONE) {
            // Sent already, or an empty multipart (which sends nothing, like the sync
            // send_multipart).
            return Poll::Ready(Ok(()));
        }
        let (first, rest) = (&mut *this.first, &mut *this.rest);
        let res = ready!(this.op.poll(cx, |core, cx| core.poll_send(cx, first, rest)));
        this.op.flags |= if res.is_ok() {
            flag::DONE | flag::SUCCEEDED
        } else {
            flag::DONE
        };
        Poll::Ready(res)
    }
}

impl<R: Runtime> Drop for SendMessage<'_, R> {
    #[inline]
    fn drop(&mut self) {
        if !self.op.is(flag::SUCCEEDED) || self.rest.capacity() != 0 {
            self.drop_frames();
        }
    }
}

impl<R: Runtime> SendMessage<'_, R> {
    #[cold]
    fn drop_frames(&mut self) {
        if !self.op.is(flag::SUCCEEDED) {
            // SAFETY: `first` is dropped here only (the caller is `Drop`, which runs once),
            // and never used again.
            unsafe { ManuallyDrop::drop(&mut self.first) };
        }
        drop(ManuallyDrop::into_inner(std::mem::take(&mut self.rest)));
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
    bytes(frame)
        .await
        .map(|bytes| String::from_utf8(bytes).map_err(|err| err.into_bytes()))
}

/// A whole message as byte vectors (the `recv_multipart` methods).
pub(crate) async fn multipart<R: Runtime>(message: RecvMultipart<'_, R>) -> Result<Vec<Vec<u8>>> {
    let parts = message.await?;
    Ok(parts.iter().map(|part| part.to_vec()).collect())
}
