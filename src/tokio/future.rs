//! The named futures of the async methods, and how they reach the socket's state.
//!
//! A future holds a way to reach the [`Core`] (owned through `&mut`, or shared by the
//! split halves through a mutex held only around FFI calls), its socket timeout timer,
//! and, for a send, the message it has not handed to libzmq yet. Nothing else: cancel
//! safety follows (I6).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use crate::tokio::core::{Core, Outgoing};
use crate::tokio::readiness::{Dir, FanOut};
use crate::tokio::Multipart;
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
    #[inline]
    pub(crate) fn with<R>(&mut self, f: impl FnOnce(&mut Core) -> R) -> R {
        match self {
            Owner::Owned(core) => {
                let res = f(core);
                let wakes = core.take_wakes();
                if wakes != [false; 2] {
                    core.readiness.fanout.wake_dirs(wakes);
                }
                res
            }
            Owner::Shared(shared) => {
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
        }
    }

    fn fanout(&self) -> &FanOut {
        match self {
            Owner::Owned(core) => &core.readiness.fanout,
            Owner::Shared(shared) => &shared.fanout,
        }
    }
}

/// `RCVTIMEO`/`SNDTIMEO` emulated with a tokio timer, armed at the first park.
enum Deadline {
    /// Not parked yet: the option has not been read.
    Unarmed,
    /// The option is -1 (wait forever).
    Never,
    Armed(Pin<Box<tokio::time::Sleep>>),
}

impl Deadline {
    /// After the operation returned `Pending`: whether the socket's timeout has passed.
    #[cold]
    fn poll_expired(
        &mut self,
        cx: &mut Context<'_>,
        owner: &mut Owner<'_>,
        dir: Dir,
    ) -> Result<bool> {
        if let Deadline::Unarmed = self {
            let ms = owner.with(|core| match dir {
                Dir::Recv => core.socket().get_rcvtimeo(),
                Dir::Send => core.socket().get_sndtimeo(),
            })?;
            *self = match u64::try_from(ms) {
                Err(_) => Deadline::Never,
                Ok(0) => return Ok(true),
                Ok(ms) => Deadline::Armed(Box::pin(tokio::time::sleep(Duration::from_millis(ms)))),
            };
        }
        match self {
            Deadline::Armed(sleep) => Ok(sleep.as_mut().poll(cx).is_ready()),
            _ => Ok(false),
        }
    }
}

/// Drives one operation in `dir`: the op, then the timeout; unparks on completion,
/// timeout and drop.
struct Op<'a> {
    owner: Owner<'a>,
    deadline: Deadline,
    dir: Dir,
    parked: bool,
}

impl<'a> Op<'a> {
    fn new(owner: Owner<'a>, dir: Dir) -> Op<'a> {
        Op {
            owner,
            deadline: Deadline::Unarmed,
            dir,
            parked: false,
        }
    }

    #[inline]
    fn poll<T>(
        &mut self,
        cx: &mut Context<'_>,
        op: impl FnOnce(&mut Core, &mut Context<'_>) -> Poll<Result<T>>,
    ) -> Poll<Result<T>> {
        if let Poll::Ready(res) = self.owner.with(|core| op(core, cx)) {
            self.parked = false;
            return Poll::Ready(res);
        }
        self.parked = true;
        match self.deadline.poll_expired(cx, &mut self.owner, self.dir) {
            Ok(false) => Poll::Pending,
            Ok(true) => {
                self.unpark();
                Poll::Ready(Err(Error::EAGAIN))
            }
            Err(err) => {
                self.unpark();
                Poll::Ready(Err(err))
            }
        }
    }

    #[inline]
    fn unpark(&mut self) {
        if self.parked {
            self.parked = false;
            self.owner.fanout().slot(self.dir).clear();
        }
    }
}

impl Drop for Op<'_> {
    fn drop(&mut self) {
        // A cancelled future leaves no waker behind (A28 d).
        self.unpark();
    }
}

/// The future of [`AsyncSocket::recv_msg`](crate::tokio::AsyncSocket::recv_msg): one
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
}

impl Future for RecvMsg<'_> {
    type Output = Result<Message>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().op.poll(cx, Core::poll_recv_frame)
    }
}

/// The future of [`AsyncSocket::recv_multipart_msgs`](crate::tokio::AsyncSocket::recv_multipart_msgs):
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

/// The future of [`AsyncSocket::send`](crate::tokio::AsyncSocket::send) and
/// [`send_multipart`](crate::tokio::AsyncSocket::send_multipart). All or nothing: dropped
/// before completion, it has sent nothing and drops its message.
#[must_use = "futures do nothing unless polled"]
pub struct SendMessage<'a> {
    op: Op<'a>,
    message: Option<Outgoing>,
}

impl<'a> SendMessage<'a> {
    pub(crate) fn new(owner: Owner<'a>, message: Option<Outgoing>) -> SendMessage<'a> {
        SendMessage {
            op: Op::new(owner, Dir::Send),
            message,
        }
    }
}

impl Future for SendMessage<'_> {
    type Output = Result<()>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some((first, rest)) = &mut this.message else {
            // An empty multipart sends nothing, like the sync send_multipart.
            return Poll::Ready(Ok(()));
        };
        let res = this.op.poll(cx, |core, cx| core.poll_send(cx, first, rest));
        if res.is_ready() {
            this.message = None;
        }
        res
    }
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
