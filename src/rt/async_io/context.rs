//! Context termination off the executor's threads, without a runtime to ask (F10).
//!
//! `zmq_ctx_term` blocks until every socket is closed and its unsent messages are
//! delivered or its linger has passed (infinite by default). async-io has no notion of "the
//! current runtime", so a thread counts as an executor thread once it has made an async-io
//! socket or parked a task on one (marked by [`mark_executor_thread`]). When the last handle of a
//! [`Context`](crate::Context) is released on such a thread, the termination runs on a
//! plain thread of its own instead; at process exit, those threads are joined, so a
//! program that ends still flushes its messages, as with the sync API.

use std::cell::Cell;
use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::{Mutex, Once};
use std::thread::JoinHandle;

use crate::raw::{self, RawContext};

thread_local! {
    /// This thread has parked a task on an async-io socket.
    static EXECUTOR_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// Terminations handed to their own threads, joined at exit.
static PENDING: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

/// Installs the hook (once per process).
pub(crate) fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| raw::install_terminate_elsewhere(terminate_off_executor));
}

/// Marks the current thread as one that runs async-io tasks.
#[inline]
pub(crate) fn mark_executor_thread() {
    EXECUTOR_THREAD.with(|flag| flag.set(true));
}

fn is_executor_thread() -> bool {
    EXECUTOR_THREAD.try_with(Cell::get).unwrap_or(false)
}

fn pending() -> std::sync::MutexGuard<'static, Vec<JoinHandle<()>>> {
    PENDING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Called by `RawContext::drop` for an owned, live context. Returns `false` when not on an
/// executor thread (the caller terminates inline); `true` when the termination was handed
/// over (the caller must not use `ptr` again).
///
/// # Safety
/// As for [`raw::TerminateElsewhere`]: `ptr` is a live context the caller owns, given up
/// when this returns `true`.
unsafe fn terminate_off_executor(ptr: NonNull<c_void>) -> bool {
    if !is_executor_thread() {
        return false;
    }
    static AT_EXIT: Once = Once::new();
    AT_EXIT.call_once(|| {
        // SAFETY: `join_pending` is an `extern "C"` function with no arguments that never
        // unwinds; registering it has no other precondition. If registration fails, the
        // terminations still run, they are just not waited for at exit.
        let _ = unsafe { libc::atexit(join_pending) };
    });
    // SAFETY: the caller, the RawContext being dropped, owned this live context and gives
    // up the pointer: it returns right after without using it. The new RawContext is its
    // only owner.
    let context = TerminateOnDrop(Some(unsafe { RawContext::from_raw(ptr, true) }));
    // When the thread cannot be started, the job (and the context in it) is dropped by
    // `spawn`, which terminates it here.
    let spawned = std::thread::Builder::new()
        .name("zmq-ctx-term".into())
        .spawn(move || drop(context));
    if let Ok(handle) = spawned {
        let mut pending = pending();
        pending.retain(|handle| !handle.is_finished());
        pending.push(handle);
    }
    true
}

/// Terminates the context when dropped, on whatever thread that happens (explicitly, so
/// that the RawContext's own drop finds it terminated and does not offer it to the hook
/// again).
struct TerminateOnDrop(Option<RawContext>);

impl Drop for TerminateOnDrop {
    fn drop(&mut self) {
        if let Some(context) = self.0.take() {
            let _ = context.terminate();
        }
    }
}

/// Waits, at process exit, for the terminations still running (their unsent messages).
extern "C" fn join_pending() {
    let _ = std::panic::catch_unwind(|| {
        let handles = std::mem::take(&mut *pending());
        for handle in handles {
            let _ = handle.join();
        }
    });
}
