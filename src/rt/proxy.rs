//! [`proxy`]: the async counterpart of [`zmq::proxy`](crate::proxy()), as a cancel-safe
//! future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::rt::core::outgoing;
use crate::rt::future::Owner;
use crate::rt::reactor::Dir;
use crate::rt::{AsyncSocket, CoreOf, Runtime};
use crate::{Error, Result};

/// Forwards messages both ways between `frontend` and `backend` until the future is
/// dropped (cancelled) or an operation fails, like [`zmq::proxy`](crate::proxy()) on a
/// task instead of a thread.
///
/// Cancel safe, and no message is ever half forwarded: a message is received only when
/// the other socket has room for it, and goes from the receiving socket into the other
/// socket's `Sink` buffer within one poll; that buffer lives in the socket, and its
/// next send (or the next `proxy` call) sends it first. A cancelled proxy therefore loses
/// nothing, and resumes where it stopped when it is called again.
///
/// Like the `Stream` and `Sink`, it ignores `RCVTIMEO`/`SNDTIMEO`. A socket that is
/// always ready still lets other tasks run (the runtime's cooperative budget).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> zmq::Result<()> {
/// use zmq::rt::tokio::{proxy, AsyncSocket};
///
/// let ctx = zmq::Context::new();
/// let mut frontend = AsyncSocket::new(ctx.socket(zmq::PULL)?)?;
/// frontend.get_ref().bind("inproc://async-proxy-front")?;
/// let mut backend = AsyncSocket::new(ctx.socket(zmq::PUSH)?)?;
/// backend.get_ref().bind("inproc://async-proxy-back")?;
/// let mut consumer = AsyncSocket::new(ctx.socket(zmq::PULL)?)?;
/// consumer.get_ref().connect("inproc://async-proxy-back")?;
/// let mut producer = AsyncSocket::new(ctx.socket(zmq::PUSH)?)?;
/// producer.get_ref().connect("inproc://async-proxy-front")?;
///
/// producer.send_multipart(["job", "1"]).await?;
/// tokio::select! {
///     res = proxy(&mut frontend, &mut backend) => res?,
///     job = consumer.recv_multipart() => assert_eq!(job?, [b"job".to_vec(), b"1".to_vec()]),
/// }
/// # Ok(())
/// # }
/// ```
///
/// A socket that cannot receive (PUSH, PUB, ...) makes it a one-way proxy.
///
/// # Errors
/// `ENOTSUP` when neither socket can receive, or when one that can faces one that cannot
/// send (a PULL or SUB): then before any message is received. The first error of a receive or a send (`ETERM` when the context is terminated,
/// `EHOSTUNREACH` from a ROUTER with `ROUTER_MANDATORY`, ...). A message whose send failed
/// is dropped, as with the `Sink`.
pub fn proxy<'a, R: Runtime>(
    frontend: &'a mut AsyncSocket<R>,
    backend: &'a mut AsyncSocket<R>,
) -> Proxy<'a, R> {
    Proxy {
        frontend: &mut frontend.core,
        backend: &mut backend.core,
        forwards: None,
    }
}

/// Whether a socket of raw type `kind` can never send (PULL, SUB).
fn cannot_send(kind: i32) -> bool {
    kind == zmq_sys::ZMQ_PULL as i32 || kind == zmq_sys::ZMQ_SUB as i32
}

/// Whether a socket of raw type `kind` can never receive (PUSH, PUB).
fn cannot_receive(kind: i32) -> bool {
    kind == zmq_sys::ZMQ_PUSH as i32 || kind == zmq_sys::ZMQ_PUB as i32
}

/// Which directions (frontend to backend, back) forward, from the socket types: those
/// whose receiving socket can receive. `ENOTSUP` when none does, or when a socket that
/// receives faces one that can never send (a PULL or SUB), so that no message is taken
/// that could not be delivered.
fn directions<R: Runtime>(frontend: &CoreOf<R>, backend: &CoreOf<R>) -> Result<[bool; 2]> {
    let front = frontend.socket().get_socket_type_raw()?;
    let back = backend.socket().get_socket_type_raw()?;
    let mut forwards = [false; 2];
    for (forward, (from, to)) in forwards.iter_mut().zip([(front, back), (back, front)]) {
        if cannot_receive(from) {
            continue;
        }
        if cannot_send(to) {
            return Err(Error::ENOTSUP);
        }
        *forward = true;
    }
    if forwards == [false; 2] {
        return Err(Error::ENOTSUP);
    }
    Ok(forwards)
}

/// The future of [`proxy`]. Cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct Proxy<'a, R: Runtime> {
    frontend: &'a mut CoreOf<R>,
    backend: &'a mut CoreOf<R>,
    /// Per direction (frontend to backend, back): whether it forwards ([`directions`],
    /// read at the first poll). Not message state.
    forwards: Option<[bool; 2]>,
}

/// What one direction did in one poll.
enum Step {
    /// A message moved into the other socket's buffer, or the buffer was flushed.
    Progress,
    /// Nothing to do now: parked (or out of budget); a waiter will wake the task.
    Idle,
}

/// One direction: flush what `to` holds, then move one message from `from` into `to`'s
/// buffer.
fn step<R: Runtime>(
    from: &mut CoreOf<R>,
    to: &mut CoreOf<R>,
    cx: &mut Context<'_>,
) -> Result<Step> {
    let had_backlog = to.has_sink_item();
    match Owner::<R>::Owned(to).with(|core| core.poll_flush(cx)) {
        Poll::Ready(Ok(())) => {}
        Poll::Ready(Err(err)) => return Err(err),
        Poll::Pending => return Ok(Step::Idle),
    }
    match Owner::<R>::Owned(from).with(|core| core.poll_recv_multipart(cx, false)) {
        Poll::Ready(Ok(message)) => {
            // Into the other socket's buffer in the same poll: nothing lives in this
            // future, so cancelling it loses nothing. (The buffer is empty: flushed above.)
            to.start_send(outgoing(message))?;
            Ok(Step::Progress)
        }
        Poll::Ready(Err(err)) => Err(err),
        Poll::Pending if had_backlog => Ok(Step::Progress),
        Poll::Pending => Ok(Step::Idle),
    }
}

impl<R: Runtime> Future for Proxy<'_, R> {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        let forwards = match this.forwards {
            Some(forwards) => forwards,
            None => match directions::<R>(this.frontend, this.backend) {
                Ok(forwards) => *this.forwards.insert(forwards),
                Err(err) => return Poll::Ready(Err(err)),
            },
        };
        loop {
            let mut progress = false;
            for (forward, dir) in forwards.into_iter().zip([Forward, Back]) {
                if !forward {
                    continue;
                }
                let (from, to) = match dir {
                    Forward => (&mut *this.frontend, &mut *this.backend),
                    Back => (&mut *this.backend, &mut *this.frontend),
                };
                match step::<R>(from, to, cx) {
                    Ok(Step::Progress) => progress = true,
                    Ok(Step::Idle) => {}
                    Err(err) => return Poll::Ready(Err(err)),
                }
            }
            // Each direction is parked (or out of budget) when it made no progress; the
            // sockets' waiters wake this task.
            if !progress {
                return Poll::Pending;
            }
        }
    }
}

/// The two directions of a proxy.
#[derive(Clone, Copy)]
enum Direction {
    Forward,
    Back,
}
use Direction::{Back, Forward};

impl<R: Runtime> Drop for Proxy<'_, R> {
    fn drop(&mut self) {
        // A cancelled proxy leaves no waker behind in either socket.
        for core in [&*self.frontend, &*self.backend] {
            for dir in Dir::BOTH {
                core.readiness.slot(dir).clear();
            }
        }
    }
}
