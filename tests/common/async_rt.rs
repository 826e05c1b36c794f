//! Helpers for the async adapters' tests: run a body on both runtime flavours under a
//! watchdog, the [`Harness`] that lets one scenario list run on several runtimes (tokio,
//! async-io under smol's executor), hang detectors, a counting waker, a deterministic
//! PRNG, sizes for CI and for `ZMQ_STRESS=1`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use zmq::rt::tokio::AsyncSocket;

/// The two runtime flavours every scenario runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// `current_thread`: one thread runs the tasks and the reactor.
    CurrentThread,
    /// `multi_thread` with 2 workers.
    MultiThread,
}

/// Generous hang detector for one whole scenario.
pub const SCENARIO_LIMIT: Duration = Duration::from_secs(120);

/// Hang detector for one step.
pub const STEP_LIMIT: Duration = Duration::from_secs(30);

/// Runs `body` on a fresh runtime of `flavor`, under a watchdog and a timeout (both hang
/// detectors, never verdicts).
pub fn run<F, Fut>(flavor: Flavor, body: F)
where
    F: FnOnce(Flavor) -> Fut,
    Fut: Future<Output = ()>,
{
    let _watchdog = super::watchdog(SCENARIO_LIMIT + Duration::from_secs(30));
    runtime(flavor).block_on(async {
        tokio::time::timeout(SCENARIO_LIMIT, body(flavor))
            .await
            .unwrap_or_else(|_| panic!("scenario hung for {SCENARIO_LIMIT:?} on {flavor:?}"))
    });
}

/// A fresh tokio runtime of `flavor` (2 workers for `MultiThread`), with I/O and time.
pub fn runtime(flavor: Flavor) -> tokio::runtime::Runtime {
    match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
    }
    .enable_all()
    .build()
    .expect("runtime")
}

/// Defines `$name::current_thread` and `$name::multi_thread` tests running `$body` (a
/// closure `|flavor| async move { ... }`).
#[allow(unused_macros)] // not every test file that includes `common` uses it
macro_rules! rt_test {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            $(#[$meta])*
            #[test]
            fn current_thread() {
                common::async_rt::run(common::async_rt::Flavor::CurrentThread, $body);
            }
            $(#[$meta])*
            #[test]
            fn multi_thread() {
                common::async_rt::run(common::async_rt::Flavor::MultiThread, $body);
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use rt_test;

/// Defines `$name::on_tokio::{current_thread, multi_thread}` and (feature `async-io`)
/// `$name::on_async_io::{current_thread, multi_thread}`, each running `$body` (a closure
/// `|flavor| ...` that names the runtime harness `H`): one scenario list, every runtime.
#[allow(unused_macros)] // not every test file that includes `common` uses it
macro_rules! every_rt_test {
    ($(#[$meta:meta])* $name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            mod on_tokio {
                #[allow(unused_imports)]
                use super::*;
                type H = $crate::common::async_rt::TokioRt;
                $(#[$meta])*
                #[test]
                fn current_thread() {
                    H::run(Flavor::CurrentThread, $body);
                }
                $(#[$meta])*
                #[test]
                fn multi_thread() {
                    H::run(Flavor::MultiThread, $body);
                }
            }
            #[cfg(feature = "async-io")]
            mod on_async_io {
                #[allow(unused_imports)]
                use super::*;
                type H = $crate::common::async_rt::AsyncIoRt;
                $(#[$meta])*
                #[test]
                fn current_thread() {
                    H::run(Flavor::CurrentThread, $body);
                }
                $(#[$meta])*
                #[test]
                fn multi_thread() {
                    H::run(Flavor::MultiThread, $body);
                }
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use every_rt_test;

/// Awaits `fut`, panicking with `what` if it takes longer than [`STEP_LIMIT`]. Works on
/// every runtime (the timer is async-io's, whose reactor runs on its own thread).
pub async fn within<T>(what: impl std::fmt::Display, fut: impl Future<Output = T>) -> T {
    match any_timeout(STEP_LIMIT, fut).await {
        Some(value) => value,
        None => panic!("hang: {what} did not finish within {STEP_LIMIT:?}"),
    }
}

/// One receive of a drain of messages numbered "0", "1", ...: counts a message (checking
/// its number) and returns `true`, or returns `false` at `EAGAIN`; panics on other errors.
pub fn next_numbered(received: zmq::Result<zmq::Message>, count: &mut usize) -> bool {
    match received {
        Ok(msg) => {
            assert_eq!(msg.as_str(), Some(count.to_string().as_str()));
            *count += 1;
            true
        }
        Err(zmq::Error::EAGAIN) => false,
        Err(err) => panic!("drain: {err}"),
    }
}

/// `fut`'s output, or `None` after `limit`, on any executor.
pub async fn any_timeout<T>(limit: Duration, fut: impl Future<Output = T>) -> Option<T> {
    smol::future::or(async { Some(fut.await) }, async {
        smol::Timer::after(limit).await;
        None
    })
    .await
}

/// A spawned task: its output when awaited (a panic in it is resumed in the awaiter).
/// Dropping it detaches the task, as with tokio's `JoinHandle`.
pub struct Task<T>(Pin<Box<dyn Future<Output = T> + Send>>);

impl<T> Future for Task<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        self.0.as_mut().poll(cx)
    }
}

/// One async runtime as the scenarios see it: the `zmq::rt` runtime its sockets use, and
/// how to run, spawn, sleep and yield on it.
pub trait Harness: Send + Sync + 'static {
    /// The adapter's runtime marker.
    type Rt: zmq::rt::Runtime;
    /// Its name in messages.
    const NAME: &'static str;

    /// Runs `body` on a fresh runtime of `flavor`, under a watchdog and a timeout.
    fn run<F, Fut>(flavor: Flavor, body: F)
    where
        F: FnOnce(Flavor) -> Fut,
        Fut: Future<Output = ()>;

    /// Runs `fut` to completion on a fresh runtime of `flavor` (no watchdog, no timeout).
    fn block_on<Fut: Future>(flavor: Flavor, fut: Fut) -> Fut::Output;

    /// Spawns `fut` on the runtime the caller runs on.
    fn spawn<F>(fut: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// Sleeps on the runtime's timer.
    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send;

    /// Lets the other tasks run.
    fn yield_now() -> impl Future<Output = ()> + Send;
}

/// tokio: `current_thread`, or `multi_thread` with 2 workers.
pub struct TokioRt;

impl Harness for TokioRt {
    type Rt = zmq::rt::tokio::Tokio;
    const NAME: &'static str = "tokio";

    fn run<F, Fut>(flavor: Flavor, body: F)
    where
        F: FnOnce(Flavor) -> Fut,
        Fut: Future<Output = ()>,
    {
        run(flavor, body);
    }

    fn block_on<Fut: Future>(flavor: Flavor, fut: Fut) -> Fut::Output {
        runtime(flavor).block_on(fut)
    }

    fn spawn<F>(fut: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let handle = tokio::spawn(fut);
        Task(Box::pin(async move {
            match handle.await {
                Ok(value) => value,
                Err(err) => std::panic::resume_unwind(err.into_panic()),
            }
        }))
    }

    fn sleep(duration: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(duration)
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        tokio::task::yield_now()
    }
}

/// async-io's reactor under smol's executor (`async_executor`): `CurrentThread` runs every
/// task on the test's thread (`smol::block_on`); `MultiThread` adds 2 threads that run
/// the same executor.
pub struct AsyncIoRt;

thread_local! {
    /// The executor of the scenario this thread runs tasks for.
    static EXECUTOR: std::cell::RefCell<Option<Arc<smol::Executor<'static>>>> =
        const { std::cell::RefCell::new(None) };
}

fn with_executor<T>(executor: &Arc<smol::Executor<'static>>, f: impl FnOnce() -> T) -> T {
    EXECUTOR.with(|slot| *slot.borrow_mut() = Some(executor.clone()));
    let res = f();
    EXECUTOR.with(|slot| *slot.borrow_mut() = None);
    res
}

/// Detaches the smol task when dropped (smol cancels a dropped task).
struct Detached<T>(Option<smol::Task<T>>);

impl<T> Future for Detached<T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let task = self.0.as_mut().expect("polled after completion");
        let res = Pin::new(task).poll(cx);
        if res.is_ready() {
            self.0 = None;
        }
        res
    }
}

impl<T> Drop for Detached<T> {
    fn drop(&mut self) {
        if let Some(task) = self.0.take() {
            task.detach();
        }
    }
}

#[cfg(feature = "async-io")]
impl Harness for AsyncIoRt {
    type Rt = zmq::rt::async_io::AsyncIo;
    const NAME: &'static str = "async-io";

    fn run<F, Fut>(flavor: Flavor, body: F)
    where
        F: FnOnce(Flavor) -> Fut,
        Fut: Future<Output = ()>,
    {
        let _watchdog = super::watchdog(SCENARIO_LIMIT + Duration::from_secs(30));
        Self::block_on(flavor, async {
            any_timeout(SCENARIO_LIMIT, body(flavor))
                .await
                .unwrap_or_else(|| {
                    panic!("scenario hung for {SCENARIO_LIMIT:?} on async-io {flavor:?}")
                })
        });
    }

    fn block_on<Fut: Future>(flavor: Flavor, fut: Fut) -> Fut::Output {
        let executor = Arc::new(smol::Executor::new());
        let (stop, stopped) = smol::channel::bounded::<()>(1);
        let workers: Vec<_> = match flavor {
            Flavor::CurrentThread => Vec::new(),
            Flavor::MultiThread => (0..2)
                .map(|i| {
                    let (executor, stopped) = (executor.clone(), stopped.clone());
                    std::thread::Builder::new()
                        .name(format!("smol-worker-{i}"))
                        .spawn(move || {
                            with_executor(&executor.clone(), || {
                                smol::block_on(executor.run(async {
                                    let _ = stopped.recv().await;
                                }))
                            })
                        })
                        .expect("worker thread")
                })
                .collect(),
        };
        let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            with_executor(&executor.clone(), || smol::block_on(executor.run(fut)))
        }));
        drop(stop);
        for worker in workers {
            let _ = worker.join();
        }
        match res {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    fn spawn<F>(fut: F) -> Task<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = EXECUTOR.with(|slot| {
            slot.borrow()
                .as_ref()
                .expect("AsyncIoRt::spawn outside AsyncIoRt::run")
                .spawn(fut)
        });
        Task(Box::pin(Detached(Some(task))))
    }

    async fn sleep(duration: Duration) {
        smol::Timer::after(duration).await;
    }

    fn yield_now() -> impl Future<Output = ()> + Send {
        smol::future::yield_now()
    }
}

/// Whether the full-size versions run (`ZMQ_STRESS=1`).
pub fn stress() -> bool {
    std::env::var_os("ZMQ_STRESS").is_some_and(|v| v == "1")
}

/// `ci` normally, `full` with `ZMQ_STRESS=1`.
pub fn size(ci: usize, full: usize) -> usize {
    if stress() { full } else { ci }
}

/// An async socket with linger 0 (no RCVTIMEO/SNDTIMEO: the tests use tokio timeouts).
pub fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> AsyncSocket {
    socket_on(ctx, kind)
}

/// [`socket`] on any runtime.
pub fn socket_on<R: zmq::rt::Runtime>(
    ctx: &zmq::Context,
    kind: zmq::SocketType,
) -> zmq::rt::AsyncSocket<R> {
    let socket = ctx.socket(kind).expect("socket");
    socket.set_linger(0).unwrap();
    zmq::rt::AsyncSocket::new(socket).expect("async socket")
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct CountingWaker {
    wakes: AtomicUsize,
}

impl CountingWaker {
    /// How many times it was woken.
    pub fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }
}

/// Polls an operation until it parks: `Pending` without waking its task. Under async-io,
/// whichever poll finds the thread's stand-in for a cooperative budget spent gives the
/// thread back first (`Pending` and an immediate wake) without trying the operation, so a
/// test that counts the wakes or checks the registration of a parked operation starts
/// from this. Panics if the operation completes, or never parks in 3 polls. Returns the
/// wake count the parking poll left unchanged: a later count means the task was woken.
pub fn poll_until_parked<T>(counter: &CountingWaker, mut poll: impl FnMut() -> Poll<T>) -> usize {
    for _ in 0..3 {
        let before = counter.wakes();
        assert!(
            poll().is_pending(),
            "the operation completed instead of parking"
        );
        if counter.wakes() == before {
            return before;
        }
    }
    panic!("the operation woke its task on every poll instead of parking");
}

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// A counting waker and its `Waker`. `Arc::strong_count(&counter) - 1` is how many
/// clones of the waker exist besides the one returned.
pub fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker::default());
    let waker = Waker::from(counter.clone());
    (counter, waker)
}

/// A small deterministic PRNG (xorshift64*), so random schedules are reproducible.
pub struct Rng(u64);

impl Rng {
    /// Seeded generator (a zero seed is replaced).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Binds `socket` on a transport and returns the endpoint.
pub fn bind<R: zmq::rt::Runtime>(
    endpoints: &super::Endpoints,
    socket: &zmq::rt::AsyncSocket<R>,
    transport: super::Transport,
) -> String {
    endpoints.bind(socket.get_ref(), transport)
}
