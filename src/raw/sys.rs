//! The raw layer's stateless libzmq calls (no context or socket pointer involved), and the
//! one conversion of libzmq's `-1 + errno` convention: [`cvt`] and [`Errno`].
//!
//! A leaf module: it depends on nothing else in the crate, so that `error.rs` can ask
//! libzmq for its error texts without depending on the rest of the raw layer (`raw/mod.rs`,
//! which owns the context and socket pointers and depends on `error.rs`). Together with
//! `raw/mod.rs` (and `message.rs` for `zmq_msg_t`) it is the only code allowed to call
//! `zmq_sys` functions; `clippy.toml` enforces that.
#![allow(clippy::disallowed_methods)]

use std::ffi::{CStr, c_char, c_int};

/// An `errno` value reported by libzmq.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Errno(pub(crate) c_int);

impl Errno {
    /// The `errno` of the last failed libzmq call on this thread.
    pub(crate) fn last() -> Errno {
        // SAFETY: zmq_errno has no preconditions; it reads the calling thread's errno.
        Errno(unsafe { zmq_sys::zmq_errno() })
    }
}

/// Turns libzmq's `-1 + errno` convention into a `Result` carrying the non-negative value.
/// Every libzmq call that reports failure that way goes through here; `?` turns the
/// [`Errno`] into [`crate::Error`] (or keep it, to build a richer error).
#[inline]
pub(crate) fn cvt(rc: c_int) -> Result<c_int, Errno> {
    if rc == -1 { Err(Errno::last()) } else { Ok(rc) }
}

/// `zmq_version`: the linked libzmq's `(major, minor, patch)`.
pub(crate) fn version() -> (c_int, c_int, c_int) {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    // SAFETY: zmq_version writes three ints through valid pointers.
    unsafe { zmq_sys::zmq_version(&mut major, &mut minor, &mut patch) };
    (major, minor, patch)
}

/// `zmq_has`: whether libzmq was built with a capability.
pub(crate) fn has(capability: &CStr) -> bool {
    // SAFETY: zmq_has reads a NUL-terminated string.
    unsafe { zmq_sys::zmq_has(capability.as_ptr()) == 1 }
}

/// `zmq_strerror`: libzmq's text for an `errno` value.
pub(crate) fn strerror(code: c_int) -> &'static str {
    // SAFETY: zmq_strerror returns a pointer to a static, NUL-terminated string (libzmq's
    // own table, or the C library's strerror table, which lives for the whole program).
    let text = unsafe { CStr::from_ptr(zmq_sys::zmq_strerror(code)) };
    text.to_str().unwrap_or("unknown error")
}

/// `zmq_curve_keypair`: writes two NUL-terminated Z85 keys.
pub(crate) fn curve_keypair(public: &mut [u8; 41], secret: &mut [u8; 41]) -> Result<(), Errno> {
    // SAFETY: both buffers have the 41 bytes (40 Z85 characters and a NUL) that
    // zmq_curve_keypair writes.
    cvt(unsafe {
        zmq_sys::zmq_curve_keypair(
            public.as_mut_ptr().cast::<c_char>(),
            secret.as_mut_ptr().cast::<c_char>(),
        )
    })
    .map(drop)
}

/// `zmq_curve_public`: the Z85 public key of a NUL-terminated Z85 secret key.
pub(crate) fn curve_public(public: &mut [u8; 41], secret: &[u8; 41]) -> Result<(), Errno> {
    if secret[40] != 0 {
        return Err(Errno(zmq_sys::errno::EINVAL));
    }
    // SAFETY: public has room for 40 characters and a NUL; secret is NUL-terminated
    // (checked above).
    cvt(unsafe {
        zmq_sys::zmq_curve_public(
            public.as_mut_ptr().cast::<c_char>(),
            secret.as_ptr().cast::<c_char>(),
        )
    })
    .map(drop)
}

/// `zmq_z85_encode` (libzmq's encoder; used to cross-check ours). `None` when `data` is not
/// a multiple of 4 bytes.
#[cfg(test)]
pub(crate) fn z85_encode(data: &[u8]) -> Option<Vec<u8>> {
    if !data.len().is_multiple_of(4) {
        return None;
    }
    let mut buf = vec![0u8; data.len() / 4 * 5 + 1];
    // SAFETY: buf has room for the encoding and its NUL; data is a multiple of 4 bytes.
    let ptr =
        unsafe { zmq_sys::zmq_z85_encode(buf.as_mut_ptr().cast(), data.as_ptr(), data.len()) };
    if ptr.is_null() {
        return None;
    }
    buf.pop();
    Some(buf)
}

/// `zmq_poll` over libzmq poll items; returns how many have events.
///
/// # Safety
/// Each item's `socket` is NULL (then `fd` is used) or a live libzmq socket that no other
/// thread uses during the call.
pub(crate) unsafe fn poll(
    items: &mut [zmq_sys::zmq_pollitem_t],
    timeout: std::ffi::c_long,
) -> Result<c_int, Errno> {
    let len = c_int::try_from(items.len()).map_err(|_| Errno(zmq_sys::errno::EINVAL))?;
    // SAFETY: items is a valid array of len zmq_pollitem_t that libzmq may write the
    // revents of; the caller guarantees each socket pointer is live or NULL.
    cvt(unsafe { zmq_sys::zmq_poll(items.as_mut_ptr(), len, timeout) })
}

/// C's `inet_addr`, as libzmq's DGRAM socket reads a datagram's address: the IPv4 address
/// in network order, `None` for text it cannot read (or holding a NUL), and for
/// 255.255.255.255, which `inet_addr` cannot tell from an error.
#[cfg(unix)]
pub(crate) fn inet_addr(text: &str) -> Option<u32> {
    // POSIX's, in every unix libc (the `libc` crate does not declare it).
    // SAFETY: the signature is POSIX's: `in_addr_t inet_addr(const char *cp)`, where
    // `in_addr_t` is a 32-bit unsigned integer.
    unsafe extern "C" {
        fn inet_addr(cp: *const c_char) -> u32;
    }
    let text = std::ffi::CString::new(text).ok()?;
    // SAFETY: text is a valid NUL-terminated string for the whole call; inet_addr only
    // reads it.
    let address = unsafe { inet_addr(text.as_ptr()) };
    (address != u32::MAX).then_some(address)
}

/// Elsewhere: dotted-quad text only.
#[cfg(not(unix))]
pub(crate) fn inet_addr(text: &str) -> Option<u32> {
    let address: std::net::Ipv4Addr = text.parse().ok()?;
    (!address.is_broadcast()).then(|| u32::from(address).to_be())
}
