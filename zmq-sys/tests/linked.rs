//! The committed bindings agree with the libzmq that was linked.

use std::ffi::CStr;
use std::mem::{align_of, size_of};

#[test]
fn version_constants_match_the_linked_library() {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    // SAFETY: zmq_version writes three ints through valid pointers.
    unsafe { zmq_sys::zmq_version(&mut major, &mut minor, &mut patch) };
    assert_eq!(
        (major, minor, patch),
        (
            zmq_sys::ZMQ_VERSION_MAJOR as i32,
            zmq_sys::ZMQ_VERSION_MINOR as i32,
            zmq_sys::ZMQ_VERSION_PATCH as i32
        )
    );
}

#[test]
fn version_constants_match_the_compiled_header() {
    let version = env!("ZMQ_SYS_HEADER_VERSION");
    let consts = format!(
        "{}.{}.{}",
        zmq_sys::ZMQ_VERSION_MAJOR,
        zmq_sys::ZMQ_VERSION_MINOR,
        zmq_sys::ZMQ_VERSION_PATCH
    );
    assert_eq!(version, consts);
}

#[test]
fn message_and_pollitem_layouts() {
    assert_eq!(size_of::<zmq_sys::zmq_msg_t>(), 64);
    assert_eq!(align_of::<zmq_sys::zmq_msg_t>(), 8);
    assert_eq!(
        size_of::<zmq_sys::zmq_pollitem_t>(),
        size_of::<*mut u8>() + size_of::<zmq_sys::RawFd>() + 2 * size_of::<i16>()
    );
    // The size libzmq itself was compiled with.
    // SAFETY: a fresh context is created, asked a read-only option, and terminated once.
    let size = unsafe {
        let ctx = zmq_sys::zmq_ctx_new();
        let size = zmq_sys::zmq_ctx_get(ctx, zmq_sys::ZMQ_MSG_T_SIZE as i32);
        zmq_sys::zmq_ctx_term(ctx);
        size
    };
    assert_eq!(size as usize, size_of::<zmq_sys::zmq_msg_t>());
}

#[test]
fn errno_values_round_trip_through_strerror() {
    for (code, text) in [
        (
            zmq_sys::errno::EFSM,
            "Operation cannot be accomplished in current state",
        ),
        (zmq_sys::errno::ETERM, "Context was terminated"),
        (zmq_sys::errno::EAGAIN, "Resource temporarily unavailable"),
    ] {
        // SAFETY: zmq_strerror returns a static NUL-terminated string for any code.
        let message = unsafe { CStr::from_ptr(zmq_sys::zmq_strerror(code)) };
        assert_eq!(message.to_str().unwrap(), text);
    }
}

#[cfg(feature = "curve")]
#[test]
fn vendored_build_has_curve_and_draft() {
    for capability in [c"curve", c"draft", c"ipc", c"WS"] {
        // SAFETY: zmq_has reads a NUL-terminated string.
        let has = unsafe { zmq_sys::zmq_has(capability.as_ptr()) };
        assert_eq!(has, 1, "{capability:?}");
    }
}
