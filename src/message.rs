//! [`Message`]: one frame, owning a libzmq `zmq_msg_t`.

use std::ffi::{CStr, CString, c_void};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::ptr;
use std::slice;

use crate::handover::{FreeFn, Handover, ReleaseOnUnwind, without_unwinding};
use crate::raw::sys::cvt;
use crate::tracker::Tracker;

/// Payloads up to this size are copied into the message itself (libzmq's "very small
/// message" storage, no allocation) rather than handed over: cheaper than the shared
/// content block and free callback that a zero-copy message needs.
const INLINE_MAX: usize = 33;

/// Shared owners ([`Message::from_owner`], [`Message::tracked`], `From<Bytes>`) with
/// payloads up to this size are copied too: a zero-copy message costs two small
/// allocations (the boxed owner and libzmq's block), a free callback and, for clones of
/// one buffer, a reference count that two threads write. Measured (docs/zero-copy.md,
/// "Costs and limits"): copying is ~10 % faster up to 80 bytes and zero copy ~60 % faster
/// from 96 bytes, where a copy's block outgrows glibc's fast bins. 64 rather than 80
/// leaves room for allocators whose small-block classes end sooner.
const SHARED_COPY_MAX: usize = 64;

/// One frame of a ZeroMQ message.
///
/// Converting an owned buffer ([`Vec<u8>`], [`Box<[u8]>`](Box), [`String`]) into a
/// `Message` hands the buffer to libzmq without copying the payload; it is freed when
/// libzmq is done with it. Borrowed data (`&[u8]`, `&str`, arrays) is copied.
///
/// `Message` dereferences to `[u8]`. Writing through [`DerefMut`] first makes the content
/// private if libzmq shares it with other messages (e.g. a PUB fan-out over inproc), so it
/// never changes what another message sees.
///
/// ```
/// let msg = zmq::Message::from(vec![1u8, 2, 3]); // no copy
/// assert_eq!(&msg[..], &[1, 2, 3]);
/// assert_eq!(format!("{:?}", zmq::Message::from("foo")), "[102, 111, 111]");
/// ```
pub struct Message {
    /// Send and receive through [`Message::for_io`], which keeps `more_after_copy` right.
    pub(crate) msg: zmq_sys::zmq_msg_t,
    /// The "more frames follow" flag of a received frame whose content [`DerefMut`] had
    /// to copy (libzmq's flags do not survive the copy and cannot be set); `None` while
    /// libzmq's own flag holds.
    more_after_copy: Option<bool>,
}

impl Message {
    #[inline]
    fn wrap(msg: zmq_sys::zmq_msg_t) -> Message {
        Message {
            msg,
            more_after_copy: None,
        }
    }

    /// The `zmq_msg_t` for a send or receive, which replaces the flags libzmq reports.
    #[inline]
    pub(crate) fn for_io(&mut self) -> &mut zmq_sys::zmq_msg_t {
        self.more_after_copy = None;
        &mut self.msg
    }

    /// An empty message (`zmq_msg_init`).
    #[inline]
    pub fn new() -> Message {
        let mut msg = zmq_sys::zmq_msg_t::default();
        // SAFETY: msg is writable storage for a zmq_msg_t; zmq_msg_init cannot fail.
        unsafe { zmq_sys::zmq_msg_init(&mut msg) };
        Message::wrap(msg)
    }

    /// A message of `len` bytes, all zero.
    ///
    /// # Panics
    /// When libzmq cannot allocate the memory (like any Rust allocation failure).
    pub fn with_size(len: usize) -> Message {
        // SAFETY: the uninitialised payload is zeroed before anyone can read it.
        let mut msg = unsafe { Message::alloc(len) };
        msg.as_mut_bytes_unshared().fill(0);
        msg
    }

    /// A message of `len` bytes whose content is not initialised.
    ///
    /// # Safety
    /// The bytes must be written before they are read.
    #[deprecated(
        since = "0.9.1",
        note = "This method has an unintuitive name, and should not be needed."
    )]
    #[inline]
    pub unsafe fn with_capacity_unallocated(len: usize) -> Message {
        // SAFETY: forwarded to the caller.
        unsafe { Message::alloc(len) }
    }

    /// Same as [`Message::with_size`].
    #[deprecated(
        since = "0.9.1",
        note = "This method has a name which does not match its semantics. Use `with_size` instead"
    )]
    pub fn with_capacity(len: usize) -> Message {
        Message::with_size(len)
    }

    /// A copy of `data`.
    #[deprecated(since = "0.9.1", note = "Use the `From` trait instead.")]
    pub fn from_slice(data: &[u8]) -> Message {
        Message::from(data)
    }

    /// Allocates a message of `len` bytes with uninitialised content.
    ///
    /// # Safety
    /// The content must be written before it is read.
    #[inline]
    unsafe fn alloc(len: usize) -> Message {
        let mut msg = zmq_sys::zmq_msg_t::default();
        // SAFETY: msg is writable storage for a zmq_msg_t.
        if let Err(err) = cvt(unsafe { zmq_sys::zmq_msg_init_size(&mut msg, len) }) {
            panic!(
                "zmq_msg_init_size({len}) failed: {}",
                crate::Error::from(err)
            );
        }
        Message::wrap(msg)
    }

    /// Takes ownership of an initialised `zmq_msg_t`, e.g. one received through
    /// `zmq_sys` directly. It is closed when the `Message` is dropped.
    ///
    /// # Safety
    /// `msg` must be initialised and not closed, and nothing else may close it.
    pub unsafe fn from_msg(msg: zmq_sys::zmq_msg_t) -> Message {
        Message::wrap(msg)
    }

    /// The raw `zmq_msg_t`, for calling libzmq directly.
    pub fn as_raw(&self) -> &zmq_sys::zmq_msg_t {
        &self.msg
    }

    /// The raw `zmq_msg_t`, mutable, for calling libzmq directly. Closing it or leaving it
    /// uninitialised is undefined behaviour.
    pub fn as_raw_mut(&mut self) -> &mut zmq_sys::zmq_msg_t {
        self.for_io()
    }

    #[inline]
    fn len_raw(&self) -> usize {
        // SAFETY: self.msg is initialised; zmq_msg_size only reads it.
        unsafe { zmq_sys::zmq_msg_size(&self.msg) }
    }

    #[inline]
    fn data_ptr(&self) -> *mut u8 {
        // zmq_msg_data takes a mutable pointer but only reads the message to compute where
        // the payload lives.
        let msg = ptr::addr_of!(self.msg).cast_mut();
        // SAFETY: self.msg is initialised; zmq_msg_data does not modify it.
        unsafe { zmq_sys::zmq_msg_data(msg).cast() }
    }

    /// The payload, mutable, without the copy-on-write check (for fresh messages only).
    fn as_mut_bytes_unshared(&mut self) -> &mut [u8] {
        let len = self.len_raw();
        if len == 0 {
            return &mut [];
        }
        // SAFETY: the payload of an initialised message is valid for len bytes, and we
        // hold the message exclusively.
        unsafe { slice::from_raw_parts_mut(self.data_ptr(), len) }
    }

    /// The payload's size in bytes (`zmq_msg_size`). The same as the slice's `len()`
    /// through `Deref`, without computing where the payload lives.
    #[inline]
    #[doc(alias = "zmq_msg_size")]
    pub fn len(&self) -> usize {
        self.len_raw()
    }

    /// Whether the payload is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len_raw() == 0
    }

    /// Whether libzmq shares this message's content with other messages (`ZMQ_SHARED`).
    pub fn is_shared(&self) -> bool {
        // SAFETY: self.msg is initialised; zmq_msg_get only reads it.
        unsafe { zmq_sys::zmq_msg_get(&self.msg, zmq_sys::ZMQ_SHARED as i32) == 1 }
    }

    /// The payload as UTF-8, or `None` when it is not valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self).ok()
    }

    /// Whether more frames of the same message follow this one (`zmq_msg_more`).
    pub fn get_more(&self) -> bool {
        if let Some(more) = self.more_after_copy {
            return more;
        }
        // SAFETY: self.msg is initialised; zmq_msg_more only reads it.
        unsafe { zmq_sys::zmq_msg_more(&self.msg) != 0 }
    }

    /// A metadata property of a received message (`zmq_msg_gets`) as text: `None` when the
    /// property is missing, its value is not UTF-8, or `property` contains a NUL byte.
    ///
    /// Kept from zmq 0.10; [`Message::property`] does the same without `&mut`.
    pub fn gets<'a>(&'a mut self, property: &str) -> Option<&'a str> {
        self.property_str(property)
    }

    /// The raw value of a metadata property of a received message (`zmq_msg_gets`), or
    /// `None` when the message has no such property.
    ///
    /// libzmq sets `Socket-Type`, `Identity`/`Routing-Id` (when the peer has one),
    /// `Peer-Address` (tcp and ipc), `User-Id` (set by a ZAP handler) and any `X-...`
    /// property the peer declared with `ZMQ_METADATA`.
    ///
    /// ```
    /// let ctx = zmq::Context::new();
    /// let (a, b) = (ctx.socket(zmq::PAIR).unwrap(), ctx.socket(zmq::PAIR).unwrap());
    /// a.bind("tcp://127.0.0.1:*").unwrap();
    /// b.connect(&a.get_last_endpoint().unwrap().unwrap()).unwrap();
    /// b.send("hi", 0).unwrap();
    /// let msg = a.recv_msg(0).unwrap();
    /// assert_eq!(msg.property("Socket-Type"), Some(&b"PAIR"[..]));
    /// assert_eq!(msg.peer_address(), Some("127.0.0.1"));
    /// ```
    #[doc(alias = "zmq_msg_gets")]
    pub fn property(&self, property: &str) -> Option<&[u8]> {
        let name = CString::new(property).ok()?;
        // SAFETY: self.msg is initialised; zmq_msg_gets reads it and the NUL-terminated
        // name. The returned string is owned by the message's metadata, which lives as
        // long as the message content, so it may be borrowed for the lifetime of &self.
        let value = unsafe { zmq_sys::zmq_msg_gets(&self.msg, name.as_ptr()) };
        if value.is_null() {
            None
        } else {
            // SAFETY: libzmq returns a NUL-terminated string (see above).
            Some(unsafe { CStr::from_ptr(value) }.to_bytes())
        }
    }

    /// A metadata property as text; `None` when missing or not UTF-8.
    pub fn property_str(&self, property: &str) -> Option<&str> {
        self.property(property)
            .and_then(|value| std::str::from_utf8(value).ok())
    }

    /// The address of the peer the message came from (the `Peer-Address` property):
    /// the IP for tcp, and for ipc whatever the kernel reports.
    pub fn peer_address(&self) -> Option<&str> {
        self.property_str("Peer-Address")
    }

    /// The user id a ZAP handler assigned to the peer (the `User-Id` property), e.g. the
    /// PLAIN user name, or the Z85 public key of a CURVE client with pyzmq's and our
    /// authenticators.
    pub fn user_id(&self) -> Option<&[u8]> {
        self.property("User-Id")
    }

    /// The routing id of the peer (CLIENT/SERVER and PEER draft sockets).
    #[cfg(feature = "draft")]
    #[cfg_attr(docsrs, doc(cfg(feature = "draft")))]
    pub fn routing_id(&self) -> Option<u32> {
        let msg = ptr::addr_of!(self.msg).cast_mut();
        // SAFETY: self.msg is initialised; zmq_msg_routing_id only reads it.
        let id = unsafe { zmq_sys::zmq_msg_routing_id(msg) };
        (id != 0).then_some(id)
    }

    /// Sets the routing id a SERVER or PEER socket sends this message to.
    #[cfg(feature = "draft")]
    #[cfg_attr(docsrs, doc(cfg(feature = "draft")))]
    pub fn set_routing_id(&mut self, routing_id: u32) -> crate::Result<()> {
        // SAFETY: self.msg is initialised and held exclusively.
        Ok(cvt(unsafe { zmq_sys::zmq_msg_set_routing_id(&mut self.msg, routing_id) }).map(drop)?)
    }

    /// The group of a message received by a DISH socket.
    #[cfg(feature = "draft")]
    #[cfg_attr(docsrs, doc(cfg(feature = "draft")))]
    pub fn group(&self) -> Option<&str> {
        self.group_cstr()?.to_str().ok().filter(|g| !g.is_empty())
    }

    /// The message's group as libzmq holds it (NUL-terminated, UTF-8 or not).
    #[cfg(zmq_draft)]
    fn group_cstr(&self) -> Option<&CStr> {
        let msg = ptr::addr_of!(self.msg).cast_mut();
        // SAFETY: self.msg is initialised; zmq_msg_group returns a pointer into the
        // message itself (NUL-terminated), valid while the message is not modified.
        let group = unsafe { zmq_sys::zmq_msg_group(msg) };
        // SAFETY: see above; null when the message has no group.
        (!group.is_null()).then(|| unsafe { CStr::from_ptr(group) })
    }

    /// The length in bytes of the message's group (0 for none), UTF-8 or not. Without
    /// libzmq's draft API (which has groups) there is none.
    pub(crate) fn group_len(&self) -> usize {
        #[cfg(zmq_draft)]
        return self.group_cstr().map_or(0, |group| group.to_bytes().len());
        #[cfg(not(zmq_draft))]
        0
    }

    /// Sets the group a RADIO socket sends this message to.
    ///
    /// # Errors
    /// `EINVAL` for a group longer than 255 bytes (which libzmq would silently truncate)
    /// or containing a NUL byte.
    #[cfg(feature = "draft")]
    #[cfg_attr(docsrs, doc(cfg(feature = "draft")))]
    pub fn set_group(&mut self, group: &str) -> crate::Result<()> {
        if group.len() > zmq_sys::ZMQ_GROUP_MAX_LENGTH as usize {
            return Err(crate::Error::EINVAL);
        }
        let group = CString::new(group).map_err(|_| crate::Error::EINVAL)?;
        // SAFETY: self.msg is initialised and held exclusively; group is NUL-terminated.
        Ok(cvt(unsafe { zmq_sys::zmq_msg_set_group(&mut self.msg, group.as_ptr()) }).map(drop)?)
    }

    /// Copies `data` into a new message.
    fn copy_of(data: &[u8]) -> Message {
        // SAFETY: every byte is written by the copy before the message is used.
        let mut msg = unsafe { Message::alloc(data.len()) };
        msg.as_mut_bytes_unshared().copy_from_slice(data);
        msg
    }

    /// A message whose payload is `owner`'s bytes, without copying them: libzmq reads
    /// them in place, and drops `owner` when it is done with the message, on whatever
    /// thread drops the last reference (yours, or one of libzmq's I/O threads).
    ///
    /// Any owner will do: `Arc<[u8]>`, `Vec<u8>`, a memory map, `bytes::Bytes` (see
    /// also `From<Bytes>` with the `bytes` feature). The payload is `owner.as_ref()`,
    /// taken once. It costs one small allocation (the boxed owner) and libzmq's
    /// bookkeeping block; payloads of 64 bytes or less are copied into a new message
    /// instead (cheaper, and `owner` is dropped at once).
    ///
    /// The owner is dropped exactly once on every path: sent, received and dropped,
    /// dropped unsent (closed socket, terminated context, refused send), or never sent. A
    /// panic in its `Drop` is caught (and reported by the panic hook) so that it never
    /// unwinds into libzmq; keep that `Drop` short, it may run on libzmq's I/O thread.
    ///
    /// The payload is read-only: the message reports [`is_shared`](Self::is_shared), so
    /// writing through [`DerefMut`] first copies it, here and in an inproc receiver.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let ctx = zmq::Context::new();
    /// let (push, pull) = (ctx.socket(zmq::PUSH)?, ctx.socket(zmq::PULL)?);
    /// push.bind("inproc://from-owner")?;
    /// pull.connect("inproc://from-owner")?;
    ///
    /// let shared: Arc<[u8]> = vec![42u8; 4096].into();
    /// for _ in 0..3 {
    ///     push.send(zmq::Message::from_owner(shared.clone()), 0)?; // no copy
    /// }
    /// for _ in 0..3 {
    ///     let msg = pull.recv_msg(0)?;
    ///     assert_eq!(msg.as_ptr(), shared.as_ptr()); // inproc: the very same bytes
    /// }
    /// # Ok::<(), zmq::Error>(())
    /// ```
    #[doc(alias = "zmq_msg_init_data")]
    pub fn from_owner<T: AsRef<[u8]> + Send + 'static>(owner: T) -> Message {
        if owner.as_ref().len() <= SHARED_COPY_MAX {
            let msg = Message::copy_of(owner.as_ref());
            drop(owner);
            return msg;
        }
        // SAFETY: owner_parts gives a matching buffer, callback and hint, handed over once.
        unsafe { Message::adopt(owner_parts(owner)) }
    }

    /// Like [`from_owner`](Self::from_owner), with a [`Tracker`] that tells when libzmq
    /// has released the buffer (the owner has been dropped), like pyzmq's
    /// `send(..., copy=False, track=True)`.
    ///
    /// One small allocation per message (the owner and the tracker's state share it).
    /// Payloads of 64 bytes or less are copied, and their tracker is done at once.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let ctx = zmq::Context::new();
    /// let push = ctx.socket(zmq::PUSH)?;
    /// push.set_linger(0)?;
    /// push.connect("tcp://127.0.0.1:1")?; // nobody there: the message stays queued
    ///
    /// let (msg, tracker) = zmq::Message::tracked(vec![1u8; 1000]);
    /// push.send(msg, 0)?;
    /// assert!(!tracker.wait_timeout(Duration::from_millis(10)));
    /// drop(push); // linger 0: the queued message is dropped, the buffer released
    /// assert!(tracker.wait_timeout(Duration::from_secs(5)));
    /// # Ok::<(), zmq::Error>(())
    /// ```
    pub fn tracked<T: AsRef<[u8]> + Send + 'static>(owner: T) -> (Message, Tracker) {
        if owner.as_ref().len() <= SHARED_COPY_MAX {
            let msg = Message::copy_of(owner.as_ref());
            drop(owner);
            return (msg, Tracker::done());
        }
        let (parts, tracker) = crate::tracker::tracked_parts(owner);
        // SAFETY: tracked_parts gives a matching buffer, callback and hint, handed over once.
        (unsafe { Message::adopt(parts) }, tracker)
    }

    /// Hands a read-only buffer to libzmq and marks the message shared, so that
    /// [`DerefMut`] copies before writing (here, and in an inproc receiver, which gets the
    /// same content with the same flag).
    ///
    /// # Safety
    /// As [`Message::hand_over`], except that the buffer need only be valid for reads.
    unsafe fn adopt(parts: Handover) -> Message {
        // SAFETY: forwarded to the caller; the buffer is never written (see below).
        let mut msg =
            unsafe { Message::hand_over(parts.ptr.cast_mut(), parts.len, parts.free, parts.hint) };
        // libzmq has no call to set ZMQ_SHARED, but zmq_msg_copy sets it on its source
        // (and a reference count of 2); closing the copy leaves the flag, with a count
        // of 1, so the content is still released exactly once.
        let mut copy = zmq_sys::zmq_msg_t::default();
        // SAFETY: `copy` is writable storage; msg.msg is an initialised message held
        // exclusively. zmq_msg_copy fails only for an invalid source (EFAULT), which the
        // type rules out; `copy` is initialised either way and closed once.
        unsafe {
            zmq_sys::zmq_msg_init(&mut copy);
            zmq_sys::zmq_msg_copy(&mut copy, &mut msg.msg);
            zmq_sys::zmq_msg_close(&mut copy);
        }
        msg
    }

    /// A second message with the same content, shared with this one as libzmq's
    /// `zmq_msg_copy` shares it: a reference count for a large payload (no copy), a copy
    /// of a small one. Both are then marked shared, so a later [`DerefMut`] copies before
    /// writing. For a device that sends one message to two sockets.
    pub(crate) fn share(&mut self) -> Message {
        let mut copy = Message::new();
        // SAFETY: both are initialised messages held exclusively (`&mut`); zmq_msg_copy
        // closes the target's empty content first and fails only for an invalid source
        // (EFAULT), which the type rules out (the copy stays empty then).
        let rc = unsafe { zmq_sys::zmq_msg_copy(&mut copy.msg, &mut self.msg) };
        debug_assert_eq!(rc, 0);
        copy
    }

    /// Hands a heap buffer to libzmq without copying it.
    ///
    /// `ptr`/`len` is the payload; `hint` is what `free` needs to rebuild the owner.
    ///
    /// # Safety
    /// `ptr` must be valid for reads and writes of `len` bytes until `free(ptr, hint)` runs,
    /// and `free` must release exactly that buffer.
    unsafe fn hand_over(ptr: *mut u8, len: usize, free: FreeFn, hint: *mut c_void) -> Message {
        let mut msg = zmq_sys::zmq_msg_t::default();
        // SAFETY: the caller guarantees the buffer outlives libzmq's use of it and that
        // `free` releases it; libzmq calls `free` exactly once, possibly from its I/O
        // thread, which is fine because the owners we rebuild (Vec, Box) are Send.
        let rc = unsafe { zmq_sys::zmq_msg_init_data(&mut msg, ptr.cast(), len, Some(free), hint) };
        if let Err(err) = cvt(rc) {
            // libzmq could not allocate its bookkeeping block: release the buffer and fail
            // like any other allocation failure.
            // SAFETY: libzmq did not take the buffer, so it is still ours to free once.
            unsafe { free(ptr.cast(), hint) };
            panic!("zmq_msg_init_data failed: {}", crate::Error::from(err));
        }
        Message::wrap(msg)
    }
}

/// Boxes `owner` for [`Message::from_owner`]; `free_owner::<T>` drops it.
fn owner_parts<T: AsRef<[u8]> + Send + 'static>(owner: T) -> Handover {
    // Boxed first, then borrowed: the payload may live inside the owner itself.
    let hint = Box::into_raw(Box::new(owner)).cast::<c_void>();
    let free: FreeFn = free_owner::<T>;
    let guard = ReleaseOnUnwind { free, hint };
    // SAFETY: `hint` is a live box that nothing else uses until free_owner drops it.
    let data: &[u8] = unsafe { &*hint.cast::<T>() }.as_ref();
    let (ptr, len) = (data.as_ptr(), data.len());
    std::mem::forget(guard);
    Handover {
        ptr,
        len,
        free,
        hint,
    }
}

/// Drops the boxed owner of a [`Message::from_owner`] message, never unwinding into C.
///
/// # Safety
/// `hint` must be the box made by `owner_parts::<T>`, and this is called once.
unsafe extern "C" fn free_owner<T>(_data: *mut c_void, hint: *mut c_void) {
    // SAFETY: the caller guarantees `hint` is our leaked Box<T>, released once.
    let owner = unsafe { Box::from_raw(hint.cast::<T>()) };
    without_unwinding(move || drop(owner));
}

/// Frees a `Vec<u8>` handed to libzmq: `hint` carries its capacity.
unsafe extern "C" fn free_vec(data: *mut c_void, hint: *mut c_void) {
    let capacity = hint as usize;
    // SAFETY: `data`/`capacity` come from a Vec<u8> we leaked in `From<Vec<u8>>`; the
    // length does not matter for deallocation of u8s, and libzmq calls this once.
    drop(unsafe { Vec::from_raw_parts(data.cast::<u8>(), 0, capacity) });
}

/// Frees a `Box<[u8]>` handed to libzmq: `hint` carries its length.
unsafe extern "C" fn free_boxed_slice(data: *mut c_void, hint: *mut c_void) {
    let len = hint as usize;
    let slice = ptr::slice_from_raw_parts_mut(data.cast::<u8>(), len);
    // SAFETY: `data`/`len` come from a Box<[u8]> we leaked in `From<Box<[u8]>>`, so the
    // layout matches the allocation; libzmq calls this once.
    drop(unsafe { Box::from_raw(slice) });
}

impl Drop for Message {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: self.msg is initialised and closed only here. zmq_msg_close fails only
        // for an invalid message, which the type rules out.
        let _ = unsafe { zmq_sys::zmq_msg_close(&mut self.msg) };
    }
}

impl Default for Message {
    fn default() -> Message {
        Message::new()
    }
}

impl Deref for Message {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        let len = self.len_raw();
        if len == 0 {
            return &[];
        }
        // SAFETY: the payload of an initialised message is valid for len bytes and is not
        // written while &self is held (writes go through DerefMut, which needs &mut).
        unsafe { slice::from_raw_parts(self.data_ptr(), len) }
    }
}

impl DerefMut for Message {
    /// The payload, writable. If libzmq shares the content with another message, it is
    /// first copied so that writes stay private. The copy keeps [`get_more`](Message::get_more)
    /// and, with the `draft` feature, the routing id and group; metadata properties
    /// (`Peer-Address`, ...) are not kept, so read them before writing.
    fn deref_mut(&mut self) -> &mut [u8] {
        if self.is_shared() {
            let mut private = Message::copy_of(self);
            private.more_after_copy = Some(self.get_more());
            #[cfg(feature = "draft")]
            {
                if let Some(id) = self.routing_id() {
                    // Cannot fail: the id is non-zero.
                    let _ = private.set_routing_id(id);
                }
                if let Some(group) = self.group() {
                    // Cannot fail: it was a valid group.
                    let _ = private.set_group(group);
                }
            }
            *self = private;
        }
        self.as_mut_bytes_unshared()
    }
}

impl AsRef<[u8]> for Message {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl AsMut<[u8]> for Message {
    fn as_mut(&mut self) -> &mut [u8] {
        self
    }
}

impl PartialEq for Message {
    fn eq(&self, other: &Message) -> bool {
        self[..] == other[..]
    }
}

impl Eq for Message {}

impl Hash for Message {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self[..].hash(state)
    }
}

impl fmt::Debug for Message {
    /// Formats like the payload slice: `[102, 111, 111]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self[..], f)
    }
}

impl<'a> From<&'a [u8]> for Message {
    /// Copies the bytes.
    fn from(data: &'a [u8]) -> Message {
        Message::copy_of(data)
    }
}

impl<'a> From<&'a str> for Message {
    /// Copies the text.
    fn from(text: &'a str) -> Message {
        Message::copy_of(text.as_bytes())
    }
}

impl<const N: usize> From<[u8; N]> for Message {
    /// Copies the array.
    fn from(data: [u8; N]) -> Message {
        Message::copy_of(&data)
    }
}

impl From<Vec<u8>> for Message {
    /// Hands the vector's buffer to libzmq without copying the payload (small payloads
    /// are copied into the message instead, which is cheaper).
    fn from(data: Vec<u8>) -> Message {
        if data.len() <= INLINE_MAX {
            return Message::copy_of(&data);
        }
        let mut data = std::mem::ManuallyDrop::new(data);
        let (ptr, len, capacity) = (data.as_mut_ptr(), data.len(), data.capacity());
        // SAFETY: the vector is leaked (ManuallyDrop) and rebuilt exactly once by
        // free_vec from the same pointer and capacity.
        unsafe { Message::hand_over(ptr, len, free_vec, capacity as *mut c_void) }
    }
}

impl From<Box<[u8]>> for Message {
    /// Hands the buffer to libzmq without copying the payload (small payloads are copied
    /// into the message instead, which is cheaper).
    fn from(data: Box<[u8]>) -> Message {
        if data.len() <= INLINE_MAX {
            return Message::copy_of(&data);
        }
        let len = data.len();
        let ptr = Box::into_raw(data).cast::<u8>();
        // SAFETY: the box is leaked and rebuilt exactly once by free_boxed_slice from the
        // same pointer and length.
        unsafe { Message::hand_over(ptr, len, free_boxed_slice, len as *mut c_void) }
    }
}

impl From<String> for Message {
    /// Hands the string's buffer to libzmq without copying it.
    fn from(text: String) -> Message {
        Message::from(text.into_bytes())
    }
}

impl<'a, T> From<&'a T> for Message
where
    T: Into<Message> + Clone,
{
    /// Clones the value, then converts it.
    fn from(value: &'a T) -> Message {
        value.clone().into()
    }
}

#[cfg(feature = "bytes")]
#[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
impl From<bytes::Bytes> for Message {
    /// Hands the `Bytes` to libzmq without copying the payload (payloads of 64 bytes or
    /// less are copied): the message holds one reference, released by libzmq when it is
    /// done, on every path. Sending clones of one `Bytes` costs a reference count and one
    /// small allocation per message. See [`Message::from_owner`].
    ///
    /// ```
    /// let payload = bytes::Bytes::from(vec![9u8; 65536]);
    /// let msg = zmq::Message::from(payload.clone());
    /// assert_eq!(msg.as_ptr(), payload.as_ptr()); // the same bytes
    /// ```
    fn from(data: bytes::Bytes) -> Message {
        Message::from_owner(data)
    }
}

#[cfg(feature = "bytes")]
#[cfg_attr(docsrs, doc(cfg(feature = "bytes")))]
impl From<Message> for bytes::Bytes {
    /// A `Bytes` that owns the message (`Bytes::from_owner`): no copy of the payload; the
    /// message is closed when the last clone is dropped. Frames of 33 bytes or less, which
    /// libzmq stores inside the message itself, are copied.
    ///
    /// ```
    /// let ctx = zmq::Context::new();
    /// let (a, b) = (ctx.socket(zmq::PAIR)?, ctx.socket(zmq::PAIR)?);
    /// a.bind("inproc://into-bytes")?;
    /// b.connect("inproc://into-bytes")?;
    /// a.send(vec![5u8; 100_000], 0)?;
    /// let msg = b.recv_msg(0)?;
    /// let at = msg.as_ptr();
    /// let frame = bytes::Bytes::from(msg);
    /// assert_eq!(frame.as_ptr(), at); // no copy
    /// assert_eq!(frame.len(), 100_000);
    /// # Ok::<(), zmq::Error>(())
    /// ```
    fn from(msg: Message) -> bytes::Bytes {
        if msg.len() <= INLINE_MAX {
            bytes::Bytes::copy_from_slice(&msg)
        } else {
            bytes::Bytes::from_owner(msg)
        }
    }
}
