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

use crate::raw::{self, RawContext};

/// Installs the hook (once per process).
pub(crate) fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| raw::install_terminate_elsewhere(terminate_off_runtime));
}

/// Terminates the context when dropped. `here`: on the dropping thread: the blocking
/// thread when the job ran, or a multi-thread runtime's worker when tokio dropped the job
/// unrun (the runtime is shutting down; its drop joins that worker, so the messages are
/// still flushed, and `shutdown_background` does not wait for it). On a current-thread
/// runtime tokio drops an unrun job only when its blocking pool is gone before the tasks
/// are dropped (`shutdown_background`, `shutdown_timeout`, which promise not to wait) and
/// on the very thread shutting the runtime down; there the termination goes to a plain
/// thread of its own, where an unsent message and an infinite linger cannot block that
/// thread for good.
struct TerminateOnDrop {
    context: Option<RawContext>,
    here: bool,
}

impl Drop for TerminateOnDrop {
    fn drop(&mut self) {
        let Some(context) = self.context.take() else {
            return;
        };
        if self.here {
            // After this, the RawContext's own drop finds it terminated and does nothing.
            let _ = context.terminate();
            return;
        }
        let job = TerminateOnDrop {
            context: Some(context),
            here: true,
        };
        // When the thread cannot be started, `spawn` drops the job here, which terminates
        // the context on this thread after all.
        let _ = std::thread::Builder::new()
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
    let context = TerminateOnDrop {
        context: Some(owned),
        here: handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::CurrentThread,
    };
    // spawn_blocking only panics when the OS cannot start a thread; then the job (and the
    // context in it) is dropped while unwinding, which hands it to a thread of its own.
    let _ = panic::catch_unwind(AssertUnwindSafe(move || {
        drop(handle.spawn_blocking(move || {
            let mut context = context;
            context.here = true;
        }));
    }));
    true
}
