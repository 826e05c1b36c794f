//! Context termination off the runtime's workers (docs/design/async.md F10, rust-zmq #382).
//!
//! `zmq_ctx_term` blocks until every socket is closed and its unsent messages are
//! delivered or its linger has passed (infinite by default). When the last handle of a
//! [`Context`](crate::Context) is released on a thread that runs a tokio runtime (a
//! worker, or the thread inside `block_on`), the raw layer offers the termination to the
//! hook this module installs (when the first async socket is made), which runs it on
//! tokio's blocking pool instead. The runtime's shutdown waits
//! for its blocking threads, so a program that ends still flushes its messages, as with
//! the sync API; on a current-thread runtime, `shutdown_background` and
//! `shutdown_timeout`, which do not wait, leave it to a thread of its own.

use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::Once;
use std::thread::{self, ThreadId};

use crate::raw::{self, RawContext};

/// Installs the hook (once per process).
pub(crate) fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| raw::install_terminate_elsewhere(terminate_off_runtime));
}

/// Terminates the context when dropped: on the dropping thread, except in one case.
///
/// That thread is the blocking thread when the job ran. When tokio drops the job unrun
/// (the runtime is shutting down), it is a thread that the runtime's drop joins (a worker
/// of a multi-thread runtime, or a blocking thread that found the pool shut down), so the
/// messages are still flushed, and `shutdown_background` does not wait for it; or, on a
/// current-thread runtime whose blocking pool is gone before its tasks are dropped
/// (`shutdown_background`, `shutdown_timeout`, which promise not to wait), the very thread
/// that made the job while shutting the runtime down. Only there (`hand_off_on`: that
/// thread) the termination goes to a plain thread of its own, where an unsent message and
/// an infinite linger cannot block the shutdown for good.
struct TerminateOnDrop {
    context: Option<RawContext>,
    hand_off_on: Option<ThreadId>,
}

impl Drop for TerminateOnDrop {
    fn drop(&mut self) {
        let Some(context) = self.context.take() else {
            return;
        };
        if self.hand_off_on != Some(thread::current().id()) {
            // After this, the RawContext's own drop finds it terminated and does nothing.
            let _ = context.terminate();
            return;
        }
        let job = TerminateOnDrop {
            context: Some(context),
            hand_off_on: None,
        };
        // When the thread cannot be started, `spawn` drops the job here, which terminates
        // the context on this thread after all.
        let _ = thread::Builder::new()
            .name("zmq-ctx-term".into())
            .spawn(move || drop(job));
    }
}

/// Called by `RawContext::drop` for an owned, live context. Returns `false` when not on a
/// runtime thread (the caller terminates inline); `true` when the termination was handed
/// over (the caller must not use `ptr` again).
///
/// # Safety
/// As for [`raw::TerminateElsewhere`]: `ptr` is a live context the caller owns, given up
/// when this returns `true`.
unsafe fn terminate_off_runtime(ptr: NonNull<c_void>) -> bool {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return false;
    };
    // SAFETY: the caller, the RawContext being dropped, owned this live context and gives
    // up the pointer: it returns right after without using it. The new RawContext is its
    // only owner.
    let owned = unsafe { RawContext::from_raw(ptr, true) };
    let current_thread = handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread;
    let context = TerminateOnDrop {
        context: Some(owned),
        hand_off_on: current_thread.then(|| thread::current().id()),
    };
    // spawn_blocking panics only when the OS cannot start a thread, after queueing the job
    // (which then runs or is dropped like any other).
    let _ = panic::catch_unwind(AssertUnwindSafe(move || {
        drop(handle.spawn_blocking(move || {
            let mut context = context;
            context.hand_off_on = None;
        }));
    }));
    true
}
