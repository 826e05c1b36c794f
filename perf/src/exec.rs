//! The executors the async perf programs (`scale`, `soak`) run on, behind one trait, so that
//! each program is written once for every runtime: tokio (current-thread or multi-thread)
//! with `zmq::rt::tokio`, and async-io with `zmq::rt::async_io`, its tasks on an
//! async-executor `Executor` that the calling thread runs under `async_io::block_on` (smol's
//! usual setup).

use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use crate::OrFail;

/// What the async peers need of an executor: run a future on this thread, spawn tasks
/// beside it, sleep.
pub trait Exec {
    /// The adapter's runtime marker (`zmq::rt::AsyncSocket<Rt>`).
    type Rt: zmq::rt::Runtime;
    /// Runs `fut` to completion on this thread, and the spawned tasks beside it.
    fn block_on<F: Future>(&self, fut: F) -> F::Output;
    /// Starts a task that runs beside [`block_on`](Exec::block_on)'s future (detached).
    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static);
    /// Waits `duration` on the runtime's timer.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;
}

/// The tokio adapter on a tokio runtime.
pub struct TokioExec(tokio::runtime::Runtime);

impl TokioExec {
    /// A current-thread runtime.
    pub fn current_thread() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .or_fail("tokio runtime");
        TokioExec(rt)
    }

    /// A multi-thread runtime (one worker per core).
    pub fn multi_thread() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .or_fail("tokio runtime");
        TokioExec(rt)
    }
}

impl Exec for TokioExec {
    type Rt = zmq::rt::tokio::Tokio;

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.0.block_on(fut)
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        drop(self.0.spawn(task));
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }
}

/// The async-io adapter: tasks on an async-executor `Executor` that the calling thread
/// runs under `async_io::block_on` (which also drives async-io's reactor while it waits).
pub struct AsyncIoExec(async_executor::Executor<'static>);

impl AsyncIoExec {
    /// An executor with no task yet.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        AsyncIoExec(async_executor::Executor::new())
    }
}

impl Exec for AsyncIoExec {
    type Rt = zmq::rt::async_io::AsyncIo;

    fn block_on<F: Future>(&self, fut: F) -> F::Output {
        async_io::block_on(self.0.run(fut))
    }

    fn spawn(&self, task: impl Future<Output = ()> + Send + 'static) {
        self.0.spawn(task).detach();
    }

    async fn sleep(duration: Duration) {
        async_io::Timer::after(duration).await;
    }
}

/// `fut`'s output, or `None` if `limit` passes first (on `E`'s timer).
pub async fn timeout<E: Exec, F: Future>(limit: Duration, fut: F) -> Option<F::Output> {
    let (mut fut, mut timer) = (pin!(fut), pin!(E::sleep(limit)));
    std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}
