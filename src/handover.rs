//! What a zero-copy message hands to libzmq (`zmq_msg_init_data`): the payload, the free
//! callback that releases its owner, and the guards that keep a release exactly-once and
//! off the unwinding path. Shared by `Message`'s owners (message.rs) and the tracked ones
//! (tracker.rs), which both build on it.

use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::ptr;

/// libzmq's free callback (`zmq_free_fn`).
pub(crate) type FreeFn = unsafe extern "C" fn(*mut c_void, *mut c_void);

/// A payload to hand to libzmq with `Message::adopt`.
pub(crate) struct Handover {
    pub(crate) ptr: *const u8,
    pub(crate) len: usize,
    pub(crate) free: FreeFn,
    pub(crate) hint: *mut c_void,
}

/// Calls `free(NULL, hint)` if dropped, i.e. when a panic (in an owner's `as_ref`) comes
/// before the payload reached libzmq. Forgotten once it has.
pub(crate) struct ReleaseOnUnwind {
    pub(crate) free: FreeFn,
    pub(crate) hint: *mut c_void,
}

impl Drop for ReleaseOnUnwind {
    fn drop(&mut self) {
        // SAFETY: the guard is made with a matching callback and hint whose payload was not
        // handed to libzmq (the guard is forgotten once it is), so this is the one release.
        unsafe { (self.free)(ptr::null_mut(), self.hint) }
    }
}

/// Runs `f`, catching a panic so that it never unwinds into libzmq (the callers are
/// `extern "C"` callbacks). The panic hook has already reported the panic; its payload is
/// dropped, or forgotten if dropping it panics too.
pub(crate) fn without_unwinding(f: impl FnOnce()) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| crate::raw::as_callback(f)))
        && let Err(again) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload)))
    {
        std::mem::forget(again);
    }
}
