//! [`Tracker`]: tells when libzmq has released the buffer of a zero-copy message
//! ([`Message::tracked`](crate::Message::tracked)).
//!
//! libzmq calls the message's free callback on whichever thread drops its last reference
//! to the content: the sending thread, the receiving thread (inproc), or one of its I/O
//! threads. That callback drops the owner, then marks the tracker done and wakes whoever
//! waits. It never unwinds into C (a panicking `Drop` of the owner is caught), never
//! blocks on anything but an internal lock that is only held for a few instructions, and
//! runs no user code under that lock (wakers are woken after it is released).

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::fmt;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use crate::handover::{FreeFn, Handover, ReleaseOnUnwind, without_unwinding};

/// The done flag and the waiters of one tracked message.
struct Signal {
    done: AtomicBool,
    /// Wakers of the futures and threads waiting, by waiter id. Taken whole when the
    /// message is released. No user code runs while it is locked.
    waiters: Mutex<Vec<(u64, Waker)>>,
    next_id: AtomicU64,
}

impl Signal {
    fn new(done: bool) -> Signal {
        Signal {
            done: AtomicBool::new(done),
            waiters: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(0),
        }
    }

    fn waiters(&self) -> MutexGuard<'_, Vec<(u64, Waker)>> {
        // Nothing panics while the lock is held; recover anyway rather than panic on
        // libzmq's thread.
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Marks the message released and wakes every waiter (outside the lock).
    fn finish(&self) {
        let waiters = {
            let mut waiters = self.waiters();
            // Set under the lock: a waiter that registers checks `done` under it too, so
            // it either sees `done` or is in the list taken here.
            self.done.store(true, Ordering::Release);
            std::mem::take(&mut *waiters)
        };
        for (_, waker) in waiters {
            without_unwinding(|| waker.wake());
        }
    }

    /// Registers `waker` for waiter `id` unless the message is released; returns whether it
    /// is released.
    fn register(&self, id: u64, waker: &Waker) -> bool {
        // Cloned before locking: a waker's clone is foreign code.
        let waker = waker.clone();
        let replaced = {
            let mut waiters = self.waiters();
            if self.is_done() {
                return true;
            }
            match waiters.iter_mut().find(|(slot, _)| *slot == id) {
                Some(slot) => Some(std::mem::replace(&mut slot.1, waker)),
                None => {
                    waiters.push((id, waker));
                    None
                }
            }
        };
        // The waker it replaces is dropped here, outside the lock (dropping one is foreign
        // code, which may drop a Tracker and so come back to this lock).
        drop(replaced);
        false
    }

    fn unregister(&self, id: u64) {
        let removed: Vec<(u64, Waker)> = {
            let mut waiters = self.waiters();
            let (gone, kept) = std::mem::take(&mut *waiters)
                .into_iter()
                .partition(|(slot, _)| *slot == id);
            *waiters = kept;
            gone
        };
        // The wakers are dropped here, outside the lock (dropping one is foreign code).
        drop(removed);
    }
}

/// What a [`Tracker`] points at: the signal, and for a zero-copy message, its owner.
trait Tracked: Send + Sync {
    fn signal(&self) -> &Signal;
}

impl Tracked for Signal {
    fn signal(&self) -> &Signal {
        self
    }
}

/// The shared block of a tracked zero-copy message: the signal and the owner of the
/// payload, in one allocation.
struct TrackedOwner<T> {
    signal: Signal,
    /// Dropped by [`free_tracked`] only, exactly once.
    owner: UnsafeCell<ManuallyDrop<T>>,
}

// SAFETY: `owner` is only ever touched twice: when the block is made (before it is
// shared) and by `free_tracked`, which libzmq calls exactly once; so it is never accessed
// from two threads at once and only needs `T: Send` to move to the thread that drops it.
// The payload slice borrowed from it is plain `[u8]`, which is `Sync`. `signal` is `Sync`.
unsafe impl<T: Send> Sync for TrackedOwner<T> {}

impl<T: Send> Tracked for TrackedOwner<T> {
    fn signal(&self) -> &Signal {
        &self.signal
    }
}

/// libzmq's free callback of a tracked message: drops the owner, then marks the tracker
/// done and wakes its waiters.
///
/// # Safety
/// `hint` must come from [`tracked_parts`] for the same `T`, and this is called once.
unsafe extern "C" fn free_tracked<T: Send>(_data: *mut c_void, hint: *mut c_void) {
    // SAFETY: the caller guarantees `hint` is the `Arc::into_raw` of tracked_parts, whose
    // strong count this call now takes back.
    let block = unsafe { Arc::from_raw(hint.cast::<TrackedOwner<T>>().cast_const()) };
    without_unwinding(|| {
        // SAFETY: nothing else touches `owner` (see the `Sync` impl), and this is the one
        // call that drops it.
        unsafe { ManuallyDrop::drop(&mut *block.owner.get()) }
    });
    block.signal.finish();
}

/// The pieces for `zmq_msg_init_data` of a tracked message: the payload pointer and
/// length, the free callback and its hint, and the tracker.
///
/// # Safety (for the caller)
/// The hint must be handed to libzmq with this callback (or the callback called with it
/// directly, exactly once), and the slice must not be used after the callback ran.
pub(crate) fn tracked_parts<T: AsRef<[u8]> + Send + 'static>(owner: T) -> (Handover, Tracker) {
    let block = Arc::new(TrackedOwner {
        signal: Signal::new(false),
        owner: UnsafeCell::new(ManuallyDrop::new(owner)),
    });
    let tracker = Tracker::from_arc(block.clone());
    let hint = Arc::into_raw(block).cast_mut().cast::<c_void>();
    let free: FreeFn = free_tracked::<T>;
    // If `as_ref` panics, release the block (and the owner) as libzmq would have.
    let guard = ReleaseOnUnwind { free, hint };
    // SAFETY: the block is alive (the tracker holds it too) and `owner` is not being
    // dropped: only free_tracked drops it, and it has not been called.
    let data: &[u8] = unsafe { &*(*hint.cast::<TrackedOwner<T>>()).owner.get() }.as_ref();
    let (ptr, len) = (data.as_ptr(), data.len());
    std::mem::forget(guard);
    let parts = Handover {
        ptr,
        len,
        free,
        hint,
    };
    (parts, tracker)
}

/// Tells when libzmq has released the buffer of a message made by
/// [`Message::tracked`](crate::Message::tracked): then the owner has been dropped and the
/// memory may be reused. Like pyzmq's `MessageTracker`.
///
/// Release happens when the message has been sent (tcp, ipc: written to the kernel) or
/// received and dropped (inproc), when it is dropped unsent (a closed socket, a
/// terminated context, a send refused and not kept), or never sent at all.
///
/// A `Tracker` is a [`Future`] (with std wakers only: any runtime, or none), and can be
/// waited on from threads. Clones track the same message.
///
/// ```
/// let ctx = zmq::Context::new();
/// let push = ctx.socket(zmq::PUSH)?;
/// push.bind("inproc://tracker-doc")?;
/// let pull = ctx.socket(zmq::PULL)?;
/// pull.connect("inproc://tracker-doc")?;
///
/// let (msg, tracker) = zmq::Message::tracked(vec![7u8; 1 << 20]);
/// push.send(msg, 0)?;
/// assert!(!tracker.is_done()); // queued: libzmq holds the buffer
/// let received = pull.recv_msg(0)?; // inproc: the very same buffer
/// assert!(!tracker.is_done());
/// drop(received);
/// assert!(tracker.wait_timeout(std::time::Duration::from_secs(5)));
/// # Ok::<(), zmq::Error>(())
/// ```
pub struct Tracker {
    state: Arc<dyn Tracked>,
    /// This handle's waiter id, for the `Future`.
    id: u64,
    /// Whether the `Future` registered a waker under `id`.
    registered: bool,
}

impl Tracker {
    fn from_arc(state: Arc<dyn Tracked>) -> Tracker {
        let id = state.signal().new_id();
        Tracker {
            state,
            id,
            registered: false,
        }
    }

    /// A tracker that is done already (the message was copied, libzmq never held the
    /// caller's buffer).
    pub(crate) fn done() -> Tracker {
        Tracker::from_arc(Arc::new(Signal::new(true)))
    }

    fn signal(&self) -> &Signal {
        self.state.signal()
    }

    /// Whether libzmq has released the buffer (the owner has been dropped).
    pub fn is_done(&self) -> bool {
        self.signal().is_done()
    }

    /// Blocks the calling thread until libzmq has released the buffer.
    ///
    /// This can wait forever: a message queued for a peer that never comes is released
    /// only when its socket is closed (after the linger period) or the context is
    /// terminated. Prefer [`wait_timeout`](Self::wait_timeout).
    pub fn wait(&self) {
        self.wait_until(None);
    }

    /// Blocks the calling thread until libzmq has released the buffer, at most `timeout`;
    /// returns whether it has.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(Instant::now().checked_add(timeout))
    }

    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        if self.is_done() {
            return true;
        }
        let signal = self.signal();
        let id = signal.new_id();
        let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
        loop {
            if signal.register(id, &waker) {
                return true;
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        signal.unregister(id);
                        return self.is_done();
                    }
                    thread::park_timeout(deadline - now);
                }
            }
        }
    }
}

/// Wakes a thread parked in [`Tracker::wait`].
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

impl Future for Tracker {
    type Output = ();

    /// `Ready` once libzmq has released the buffer.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.is_done() {
            return Poll::Ready(());
        }
        this.registered = true;
        if this.state.signal().register(this.id, cx.waker()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Clone for Tracker {
    fn clone(&self) -> Tracker {
        Tracker::from_arc(self.state.clone())
    }
}

impl Drop for Tracker {
    fn drop(&mut self) {
        if self.registered && !self.is_done() {
            self.state.signal().unregister(self.id);
        }
    }
}

impl fmt::Debug for Tracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracker")
            .field("done", &self.is_done())
            .finish()
    }
}
