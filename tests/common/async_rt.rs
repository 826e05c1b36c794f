//! Helpers for the tokio adapter's tests: run a body on both runtime flavours under a
//! watchdog, hang detectors, a counting waker, a deterministic PRNG, sizes for CI and
//! for `ZMQ_STRESS=1`.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Wake, Waker};
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
    let rt = match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Flavor::MultiThread => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(2);
            b
        }
    }
    .enable_all()
    .build()
    .expect("runtime");
    rt.block_on(async {
        tokio::time::timeout(SCENARIO_LIMIT, body(flavor))
            .await
            .unwrap_or_else(|_| panic!("scenario hung for {SCENARIO_LIMIT:?} on {flavor:?}"))
    });
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

/// Awaits `fut`, panicking with `what` if it takes longer than [`STEP_LIMIT`].
pub async fn within<T>(what: impl std::fmt::Display, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(STEP_LIMIT, fut).await {
        Ok(value) => value,
        Err(_) => panic!("hang: {what} did not finish within {STEP_LIMIT:?}"),
    }
}

/// Whether the full-size versions run (`ZMQ_STRESS=1`).
pub fn stress() -> bool {
    std::env::var_os("ZMQ_STRESS").is_some_and(|v| v == "1")
}

/// `ci` normally, `full` with `ZMQ_STRESS=1`.
pub fn size(ci: usize, full: usize) -> usize {
    if stress() {
        full
    } else {
        ci
    }
}

/// An async socket with linger 0 (no RCVTIMEO/SNDTIMEO: the tests use tokio timeouts).
pub fn socket(ctx: &zmq::Context, kind: zmq::SocketType) -> AsyncSocket {
    let socket = ctx.socket(kind).expect("socket");
    socket.set_linger(0).unwrap();
    AsyncSocket::new(socket).expect("async socket")
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
pub fn bind(
    endpoints: &super::Endpoints,
    socket: &AsyncSocket,
    transport: super::Transport,
) -> String {
    endpoints.bind(socket.get_ref(), transport)
}
