//! Built-in proxies (`zmq_proxy`, `zmq_proxy_steerable`): shuttle messages between a
//! frontend and a backend socket on the calling thread.
//!
//! A proxy runs until its context is shut down or terminated (it then returns
//! `Err(ETERM)`), or, for a steerable one, until its control socket receives `TERMINATE`
//! (then it returns `Ok`). The control socket also understands `PAUSE`, `RESUME` and
//! `STATISTICS` (eight `u64` frames: messages and bytes received and sent by the frontend,
//! then by the backend). With a REP control socket, every command gets a reply.
//!
//! **libzmq 4.3.5 has `PAUSE` and `RESUME` backwards**: `RESUME` pauses the proxy and
//! `PAUSE` resumes it (fixed upstream after 4.3.5, libzmq pull request #4600). The tests
//! pin this behaviour, so an upgrade that fixes it will be noticed.
//!
//! ```no_run
//! // A forwarder between publishers and subscribers.
//! let ctx = zmq::Context::new();
//! let xsub = ctx.socket(zmq::XSUB).unwrap();
//! xsub.bind("tcp://*:5559").unwrap();
//! let xpub = ctx.socket(zmq::XPUB).unwrap();
//! xpub.bind("tcp://*:5560").unwrap();
//! zmq::proxy(&xsub, &xpub).unwrap_err(); // runs until the context is shut down
//! ```

use std::ptr;

use crate::raw::check;
use crate::{Result, Socket};

fn run(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    control: Option<&Socket>,
) -> Result<()> {
    let capture = capture.map_or(ptr::null_mut(), Socket::as_ptr);
    let rc = match control {
        // SAFETY: the sockets are live and borrowed for the whole call, on this thread
        // (sockets are !Sync, so no other thread uses them meanwhile); capture is NULL or
        // a live socket.
        None => unsafe { zmq_sys::zmq_proxy(frontend.as_ptr(), backend.as_ptr(), capture) },
        // SAFETY: as above; control is a live socket.
        Some(control) => unsafe {
            zmq_sys::zmq_proxy_steerable(
                frontend.as_ptr(),
                backend.as_ptr(),
                capture,
                control.as_ptr(),
            )
        },
    };
    check(rc).map(drop)
}

/// Forwards messages both ways between `frontend` and `backend` until the context ends.
#[doc(alias = "zmq_proxy")]
pub fn proxy(frontend: &Socket, backend: &Socket) -> Result<()> {
    run(frontend, backend, None, None)
}

/// Like [`proxy`], also sending a copy of every message to `capture`.
pub fn proxy_with_capture(frontend: &Socket, backend: &Socket, capture: &Socket) -> Result<()> {
    run(frontend, backend, Some(capture), None)
}

/// Like [`proxy`], controlled through `control` (`PAUSE`, `RESUME`, `TERMINATE`,
/// `STATISTICS`).
#[doc(alias = "zmq_proxy_steerable")]
pub fn proxy_steerable(frontend: &Socket, backend: &Socket, control: &Socket) -> Result<()> {
    run(frontend, backend, None, Some(control))
}

/// A steerable proxy with a capture socket.
pub fn proxy_steerable_with_capture(
    frontend: &Socket,
    backend: &Socket,
    capture: &Socket,
    control: &Socket,
) -> Result<()> {
    run(frontend, backend, Some(capture), Some(control))
}
