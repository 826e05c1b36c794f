//! The one place that owns libzmq's context and socket pointers.
//!
//! Every FFI call that returns `-1` and sets `errno` goes through [`cvt`], which gives an
//! [`Errno`] (`?` turns it into [`Error`]). The public modules (context, socket, sockopt,
//! poll, proxy, monitor) call the safe methods here instead of calling libzmq themselves;
//! the calls that need no pointer are in `raw/sys.rs`, the draft sockets' one-socket
//! `zmq_poller` in `raw/poller.rs`. Messages own their `zmq_msg_t` in
//! `message.rs`. `clippy.toml` forbids `zmq_sys` calls elsewhere.
#![allow(clippy::disallowed_methods)]

use std::ffi::{CStr, c_void};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

use libc::c_int;

use crate::Result;
use crate::error::Error;

// The async draft sockets' readiness source.
#[cfg(all(feature = "draft", any(feature = "tokio", feature = "async-io"), unix))]
mod poller;
pub(crate) mod sys;
mod thread_options;

#[cfg(all(feature = "draft", any(feature = "tokio", feature = "async-io"), unix))]
pub(crate) use self::poller::{RawPoller, drain_poller_fd};
pub(crate) use self::sys::{Errno, cvt};

/// A new datagram socket of `domain` (`AF_UNIX`, `AF_INET`), closed when dropped: a
/// descriptor to count, hold in reserve or try an option on. `Err` with the errno.
fn scratch_socket(domain: c_int) -> std::result::Result<OwnedFd, c_int> {
    // SAFETY: socket() has no memory-safety preconditions.
    let fd = unsafe { libc::socket(domain, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(Errno::last().0);
    }
    // SAFETY: a descriptor just opened, owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// `Ok` if the kernel lets this process give a socket the `SO_PRIORITY` `priority`,
/// tried on a scratch socket (`EACCES` when it may not; `Ok` when no socket can be made to
/// try, as the bind or connect will then fail for want of one too).
#[cfg(target_os = "linux")]
fn socket_priority_allowed(priority: c_int) -> Result<()> {
    let Ok(scratch) = scratch_socket(libc::AF_INET) else {
        return Ok(());
    };
    // SAFETY: the socket is open (owned above); the value is a c_int of the size given.
    let rc = unsafe {
        libc::setsockopt(
            scratch.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PRIORITY,
            (&priority as *const c_int).cast(),
            std::mem::size_of::<c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(Error::from(Errno::last()));
    }
    Ok(())
}

/// Whether libzmq resolves this bind endpoint through the interface list (getifaddrs).
fn binds_by_interface(endpoint: &CStr) -> bool {
    let bytes = endpoint.to_bytes();
    [&b"tcp://"[..], b"ws://", b"wss://", b"udp://"]
        .iter()
        .any(|scheme| bytes.starts_with(scheme))
}

/// The soft limit on open files (`RLIMIT_NOFILE`, `ulimit -n`), which also bounds the
/// entries of one `poll(2)`; `None` when it cannot be read.
pub(crate) fn open_files_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit into the valid, writable struct.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0;
    // rlim_t is 64 bits on most targets, 32 on some.
    #[allow(clippy::unnecessary_cast)]
    known.then_some(limit.rlim_cur as u64)
}

/// `Err(EMFILE or ENFILE)` when the process cannot open `count` more file descriptors now
/// (it opens them, then closes them).
pub(crate) fn fds_available(count: usize) -> std::result::Result<(), c_int> {
    // More than the limit can never be opened (an absurd ZMQ_IO_THREADS, say): say so
    // without trying, or reserving room for them.
    let wanted: u64 = count.try_into().unwrap_or(u64::MAX);
    if open_files_limit().is_some_and(|limit| wanted > limit) {
        return Err(libc::EMFILE);
    }
    // Held (open) until the count is reached or one fails, then closed on return.
    let mut opened = Vec::with_capacity(count);
    for _ in 0..count {
        match scratch_socket(libc::AF_UNIX) {
            Ok(fd) => opened.push(fd),
            Err(errno @ (libc::EMFILE | libc::ENFILE)) => return Err(errno),
            // Anything else is not about running out of fds; let libzmq try.
            Err(_) => break,
        }
    }
    Ok(())
}

/// Takes over the termination of a context whose last handle is being dropped, so that it
/// runs somewhere it cannot block what the current thread is running (an async runtime's
/// worker: rust-zmq #382). Returns `false` when it does not take it (the caller then
/// terminates inline).
///
/// # Safety
/// Called with a live context that the caller owns and gives up if the hook returns
/// `true`; the hook then owns it (it must terminate it).
pub(crate) type TerminateElsewhere = unsafe fn(NonNull<c_void>) -> bool;

/// The hooks installed by the async adapters (this layer never calls an optional adapter
/// by name). A handful at most: one per adapter.
static TERMINATE_ELSEWHERE: Mutex<Vec<TerminateElsewhere>> = Mutex::new(Vec::new());

/// Installs a [`TerminateElsewhere`] hook, once (a second call with the same hook does
/// nothing). Every later drop of an owned, live context's last handle offers it to the
/// hooks first.
#[cfg_attr(
    not(all(any(feature = "tokio", feature = "async-io"), unix)),
    allow(dead_code)
)]
pub(crate) fn install_terminate_elsewhere(hook: TerminateElsewhere) {
    let mut hooks = TERMINATE_ELSEWHERE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !hooks.iter().any(|&known| known as usize == hook as usize) {
        hooks.push(hook);
    }
}

/// A libzmq context. Dropped (terminated) when the last [`crate::Context`] clone and the
/// last socket made from it are gone.
pub(crate) struct RawContext {
    ptr: NonNull<c_void>,
    /// `true` once `zmq_ctx_term` has returned: the pointer is dangling from then on.
    /// Readers hold the lock across any call that uses the pointer; termination holds it
    /// for writing.
    terminated: RwLock<bool>,
    /// Whether a socket was made through this handle, so the context's threads run (see
    /// [`RawContext::socket`]).
    started: AtomicBool,
    /// Whether dropping the last handle terminates the context (false for borrowed
    /// pointers given to `from_raw` with `owned == false`).
    owned: bool,
    /// Whether `shutdown` succeeded (through this handle).
    shut_down: AtomicBool,
    /// The process the handle was made in. A child forked from it inherits the pointer
    /// but none of libzmq's threads: `zmq_ctx_term` there fails with `EINTR` for ever.
    pid: u32,
    /// The threads' scheduling options set through this handle, tried before the first
    /// socket starts the threads.
    thread_options: Mutex<thread_options::ThreadOptions>,
}

// SAFETY: libzmq contexts are thread safe: every zmq_ctx_* call and zmq_socket may be made
// from any thread concurrently. Termination, the one call that frees the context, is
// serialised against all other uses by `terminated`.
unsafe impl Send for RawContext {}
// SAFETY: see `Send`; shared access only ever calls thread-safe libzmq functions.
unsafe impl Sync for RawContext {}

impl RawContext {
    /// Makes a context; `Err` (with errno, `EMFILE` when out of file descriptors) when
    /// libzmq cannot.
    pub(crate) fn try_new() -> Result<RawContext> {
        // SAFETY: zmq_ctx_new has no preconditions.
        let ptr = unsafe { zmq_sys::zmq_ctx_new() };
        match NonNull::new(ptr) {
            Some(ptr) => Ok(RawContext {
                ptr,
                terminated: RwLock::new(false),
                started: AtomicBool::new(false),
                owned: true,
                shut_down: AtomicBool::new(false),
                pid: std::process::id(),
                thread_options: Mutex::default(),
            }),
            // libzmq returns NULL when it cannot make the context's mailbox (an eventfd)
            // or allocate; errno says which. Report ENOMEM when errno is not set.
            None => Err(match Errno::last() {
                Errno(0) => Error::ENOMEM,
                errno => Error::from(errno),
            }),
        }
    }

    /// Adopts a context pointer made elsewhere.
    ///
    /// # Safety
    /// `ptr` must be a live libzmq context. If `owned`, nobody else may terminate it.
    pub(crate) unsafe fn from_raw(ptr: NonNull<c_void>, owned: bool) -> RawContext {
        RawContext {
            ptr,
            terminated: RwLock::new(false),
            // Unknown (C code may have made sockets): check before the first one of ours.
            started: AtomicBool::new(false),
            owned,
            shut_down: AtomicBool::new(false),
            pid: std::process::id(),
            // Options C code set are unknown, and its sockets may have started the
            // threads already (then libzmq ignores new options): not tried.
            thread_options: Mutex::new(thread_options::ThreadOptions::untried()),
        }
    }

    pub(crate) fn as_ptr(&self) -> *mut c_void {
        self.ptr.as_ptr()
    }

    /// Runs `f` with the live context pointer, or fails with ETERM once it is terminated
    /// (or while termination is in progress, so that a caller that holds sockets never
    /// waits for a termination that waits for those sockets).
    fn with_live<T>(&self, f: impl FnOnce(*mut c_void) -> Result<T>) -> Result<T> {
        match self.terminated.try_read() {
            Ok(guard) if !*guard => f(self.ptr.as_ptr()),
            _ => Err(Error::ETERM),
        }
    }

    pub(crate) fn set(&self, option: c_int, value: c_int) -> Result<()> {
        self.with_live(|ctx| {
            // SAFETY: ctx is live (checked under the lock); zmq_ctx_set validates option
            // and value.
            cvt(unsafe { zmq_sys::zmq_ctx_set(ctx, option, value) })?;
            self.thread_options
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .record(option, value);
            Ok(())
        })
    }

    pub(crate) fn get(&self, option: c_int) -> Result<c_int> {
        self.with_live(|ctx| {
            // SAFETY: ctx is live (checked under the lock).
            Ok(cvt(unsafe { zmq_sys::zmq_ctx_get(ctx, option) })?)
        })
    }

    pub(crate) fn socket(&self, kind: c_int) -> Result<RawSocket> {
        if !self.started.load(Ordering::Acquire) {
            // The first socket starts the context's reaper and I/O threads, and libzmq
            // 4.3.5 aborts the process (errno_assert in epoll.cpp) when their epoll or
            // mailbox fds cannot be made. Each thread needs two; the socket one more.
            // Fail with EMFILE instead. (Another thread can still take the last fds
            // between this check and zmq_socket.)
            let io_threads = self.get(zmq_sys::ZMQ_IO_THREADS as c_int)?;
            let threads = 1 + usize::try_from(io_threads).unwrap_or(1);
            fds_available(2 * threads + 1).map_err(Errno)?;
            // And libzmq 4.3.5 aborts when the OS refuses the threads' scheduling options.
            // (A copy, so that the trial runs without the lock.)
            let options = self
                .thread_options
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            options.try_on_a_thread()?;
        }
        // Closed (dropped) again if the socket cannot be made.
        let reserve = if is_thread_safe_type(kind) {
            Some(reserve_fd()?)
        } else {
            None
        };
        self.with_live(|ctx| {
            // SAFETY: ctx is live (checked under the lock); zmq_socket validates the type.
            let sock = unsafe { zmq_sys::zmq_socket(ctx, kind) };
            match NonNull::new(sock) {
                Some(ptr) => {
                    self.started.store(true, Ordering::Release);
                    Ok(RawSocket {
                        ptr,
                        owned: true,
                        reserve,
                    })
                }
                None => {
                    let errno = Errno::last();
                    // libzmq refuses an unknown type only after it started the context's
                    // threads: options set from now on are ignored, not tried.
                    if errno.0 == libc::EINVAL {
                        self.started.store(true, Ordering::Release);
                    }
                    Err(Error::from(errno))
                }
            }
        })
    }

    /// `zmq_ctx_shutdown`: blocking calls on this context's sockets return ETERM; new
    /// sockets cannot be made. Does not wait.
    pub(crate) fn shutdown(&self) -> Result<()> {
        match self.with_live(|ctx| {
            // SAFETY: ctx is live (checked under the lock).
            Ok(cvt(unsafe { zmq_sys::zmq_ctx_shutdown(ctx) }).map(drop)?)
        }) {
            Ok(()) => {
                self.shut_down.store(true, Ordering::Relaxed);
                Ok(())
            }
            // Shutting down a terminated context has nothing left to do.
            Err(Error::ETERM) => Ok(()),
            other => other,
        }
    }

    /// Whether `zmq_ctx_term` has returned or is running for this context (never waits).
    pub(crate) fn is_terminating(&self) -> bool {
        match self.terminated.try_read() {
            Ok(guard) => *guard,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => *poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => true,
        }
    }

    /// Whether [`shutdown`](Self::shutdown) was called on this context.
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Relaxed)
    }

    /// Whether `zmq_ctx_term` has returned for this context.
    fn is_terminated(&self) -> bool {
        *self
            .terminated
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `zmq_ctx_term`, at most once. Blocks until every socket of the context is closed
    /// (and its linger period has passed). Retries on EINTR.
    ///
    /// Returns `Ok(false)` if the context was already terminated.
    /// `ENOTSUP` in a process forked from the one that made the context (libzmq's
    /// threads are not there to finish it).
    pub(crate) fn terminate(&self) -> Result<bool> {
        if self.forked() {
            return Err(Error::ENOTSUP);
        }
        // zmq_ctx_term first makes blocking calls on the context's sockets return ETERM,
        // then waits for those sockets to be closed; closing needs no lock of ours.
        let mut terminated = self
            .terminated
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *terminated {
            return Ok(false);
        }
        loop {
            // SAFETY: the context is live (not terminated, checked under the write lock,
            // which no other use of the pointer can hold at the same time).
            match cvt(unsafe { zmq_sys::zmq_ctx_term(self.ptr.as_ptr()) }) {
                Ok(_) => break,
                Err(Errno(libc::EINTR)) => continue,
                Err(errno) => return Err(errno.into()),
            }
        }
        *terminated = true;
        Ok(true)
    }
}

impl Drop for RawContext {
    fn drop(&mut self) {
        if self.owned {
            // Inherited by fork: left as it is, as pyzmq does (the parent owns it).
            if self.forked() {
                return;
            }
            // Inside an async runtime, terminating here could block a worker for as long
            // as the linger lasts (forever by default): an adapter's hook runs it on a
            // blocking thread instead.
            if !self.is_terminated() && self.terminate_elsewhere() {
                return;
            }
            // Inside a callback from libzmq on one of its own threads (a message's owner
            // dropped there held the last handle): zmq_ctx_term would wait for this very
            // thread. (On the user's thread, inside zmq_msg_close, it terminates here.)
            if in_callback() && !self.is_terminated() && maybe_on_libzmq_thread() {
                terminate_on_a_thread(self.ptr);
                return;
            }
            // Nothing useful can be done with an error here; libzmq only fails
            // zmq_ctx_term for an invalid pointer, which ownership rules out.
            let _ = self.terminate();
        }
    }
}

/// A context pointer moved to the thread that terminates it.
struct ContextToTerminate(NonNull<c_void>);

// SAFETY: libzmq contexts may be terminated from any thread; the one handle that owned
// this pointer is gone, so the thread is its only user.
unsafe impl Send for ContextToTerminate {}

/// Terminates a live, owned context whose last handle is being dropped, on a new thread.
/// If no thread can be started, the context is left as it is (a leak, not a deadlock).
fn terminate_on_a_thread(ptr: NonNull<c_void>) {
    let context = ContextToTerminate(ptr);
    let _ = std::thread::Builder::new()
        .name("zmq-ctx-term".into())
        .spawn(move || {
            let context = context;
            loop {
                // SAFETY: the pointer is live and owned by this thread alone (see the
                // type); it is not used after zmq_ctx_term succeeds.
                let rc = unsafe { zmq_sys::zmq_ctx_term(context.0.as_ptr()) };
                if !matches!(cvt(rc), Err(Errno(libc::EINTR))) {
                    break;
                }
            }
        });
}

thread_local! {
    /// Set while this thread runs a callback from libzmq (see [`as_callback`]).
    static IN_CALLBACK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` marked as a callback from libzmq (a message's free function, which may run on
/// libzmq's I/O thread): a context whose last handle it drops is then terminated on a
/// thread of its own.
pub(crate) fn as_callback(f: impl FnOnce()) {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_CALLBACK.with(|flag| flag.set(self.0));
        }
    }
    let _restore = Restore(IN_CALLBACK.with(|flag| flag.replace(true)));
    f();
}

fn in_callback() -> bool {
    IN_CALLBACK.with(std::cell::Cell::get)
}

/// Whether this thread may be one of libzmq's (asked only inside a callback). libzmq names
/// its threads `ZMQbg/…`, or `<prefix>/ZMQbg/…` with a thread name prefix, cut at 15
/// bytes; when this one is not so named but a libzmq reaper thread is (so the names can be
/// trusted), it is the user's. When in doubt (no names, another OS), yes.
fn maybe_on_libzmq_thread() -> bool {
    #[cfg(target_os = "linux")]
    {
        if let Ok(this) = std::fs::read_to_string("/proc/thread-self/comm")
            && !is_libzmq_thread_name(&this)
        {
            let names_trusted =
                any_thread_named(|comm| is_libzmq_thread_name(comm) && comm.contains("/Rea"));
            return !names_trusted;
        }
    }
    true
}

/// Whether a thread of this process has a name (`comm`, without its newline) for which
/// `matches` says yes (Linux; `false` elsewhere, or when the list cannot be read). Reads
/// the list first and then one name at a time, so it needs one free descriptor at most.
pub(crate) fn any_thread_named(matches: impl Fn(&str) -> bool) -> bool {
    #[cfg(target_os = "linux")]
    {
        let tasks: Vec<_> = match std::fs::read_dir("/proc/self/task") {
            Ok(tasks) => tasks.flatten().map(|task| task.path()).collect(),
            Err(_) => return false,
        };
        tasks.iter().any(|task| {
            std::fs::read_to_string(task.join("comm"))
                .is_ok_and(|comm| matches(comm.trim_end_matches('\n')))
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = matches;
        false
    }
}

/// Whether a thread name (`comm`) is one libzmq gives: `ZMQbg/…`, `<prefix>/ZMQbg/…`, or
/// such a name cut at 15 bytes after its prefix (`-2147483648/ZMQ`).
#[cfg(target_os = "linux")]
fn is_libzmq_thread_name(comm: &str) -> bool {
    let comm = comm.trim_end_matches('\n');
    const MARK: &str = "ZMQbg/";
    comm.contains(MARK)
        || (comm.len() == 15
            && comm
                .rsplit_once('/')
                .is_some_and(|(_, tail)| !tail.is_empty() && MARK.starts_with(tail)))
}

impl RawContext {
    /// Whether this process is a child forked after the context was made.
    fn forked(&self) -> bool {
        self.pid != std::process::id()
    }

    /// Offers this (owned, live) context to the installed hooks; `true` when one took it.
    fn terminate_elsewhere(&self) -> bool {
        let hooks = TERMINATE_ELSEWHERE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        hooks.into_iter().any(|hook| {
            // SAFETY: only called from `drop` of an owned context that is not terminated;
            // `drop` returns without touching the pointer when a hook takes it.
            unsafe { hook(self.ptr) }
        })
    }
}

/// `zmq_proxy_steerable` (`zmq_proxy` without a control socket): forwards until the
/// context ends or the control socket says `TERMINATE`. Blocks the calling thread.
pub(crate) fn proxy(
    frontend: &RawSocket,
    backend: &RawSocket,
    capture: Option<&RawSocket>,
    control: Option<&RawSocket>,
) -> Result<()> {
    let capture = capture.map_or(std::ptr::null_mut(), RawSocket::as_ptr);
    let rc = match control {
        // SAFETY: the sockets are live and borrowed for the whole call; the callers hold
        // them through !Sync owners, so no other thread uses them meanwhile. capture is
        // NULL or a live socket.
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
    Ok(cvt(rc).map(drop)?)
}

/// A libzmq socket pointer, closed on drop when owned.
pub(crate) struct RawSocket {
    ptr: NonNull<c_void>,
    owned: bool,
    /// For a thread-safe socket (SERVER, CLIENT, RADIO, ...): a descriptor kept open for
    /// the socket's life and closed just before `zmq_close`, so that one is free when
    /// libzmq's reaper opens an eventfd for the socket it closes (`start_reaping`; libzmq
    /// 4.3.5 aborts the process when it cannot). Making such a socket needs one free
    /// descriptor beyond its reserve, so that a socket made right after one was dropped
    /// does not take the reaper's. Narrow races remain (a descriptor opened by any thread
    /// at the instant the reaper needs one).
    reserve: Option<OwnedFd>,
}

/// Whether libzmq makes sockets of type `kind` thread safe (the draft types that are).
fn is_thread_safe_type(kind: c_int) -> bool {
    // SERVER, CLIENT, RADIO, DISH, GATHER, SCATTER, PEER, CHANNEL (DGRAM, 18, is not).
    matches!(kind, 12..=17 | 19 | 20)
}

/// Opens a descriptor to hold in reserve (see `RawSocket::reserve`), when one more than
/// that is free: the last free one may be the reserve a socket just closed for libzmq's
/// reaper, which opens its eventfd a moment later on its own thread. `EMFILE`/`ENFILE`
/// otherwise.
fn reserve_fd() -> Result<OwnedFd> {
    let open = || scratch_socket(libc::AF_UNIX).map_err(Error::from_raw);
    let kept = open()?;
    drop(open()?);
    Ok(kept)
}

impl RawSocket {
    /// Adopts a socket pointer.
    ///
    /// # Safety
    /// `ptr` must be a live libzmq socket that nothing else uses concurrently; if `owned`,
    /// nothing else may close it.
    pub(crate) unsafe fn from_raw(ptr: NonNull<c_void>, owned: bool) -> RawSocket {
        RawSocket {
            ptr,
            owned,
            reserve: None,
        }
    }

    pub(crate) fn as_ptr(&self) -> *mut c_void {
        self.ptr.as_ptr()
    }

    /// Gives up ownership: the pointer is no longer closed on drop.
    pub(crate) fn into_raw(mut self) -> *mut c_void {
        self.owned = false;
        self.ptr.as_ptr()
    }

    pub(crate) fn bind(&self, endpoint: &CStr) -> std::result::Result<(), Errno> {
        // libzmq 4.3.5 first looks an ip bind address up as an interface name with
        // getifaddrs(), and aborts the process (errno_assert, ip_resolver.cpp) when that
        // fails because no fd is left. Fail with the errno instead. (Another thread can
        // still take the last fd between this check and the bind.)
        if binds_by_interface(endpoint) {
            fds_available(1).map_err(Errno)?;
        }
        // SAFETY: the socket is live (owned by self); endpoint is NUL-terminated.
        cvt(unsafe { zmq_sys::zmq_bind(self.as_ptr(), endpoint.as_ptr()) }).map(drop)
    }

    pub(crate) fn connect(&self, endpoint: &CStr) -> std::result::Result<(), Errno> {
        // SAFETY: as for bind.
        cvt(unsafe { zmq_sys::zmq_connect(self.as_ptr(), endpoint.as_ptr()) }).map(drop)
    }

    pub(crate) fn unbind(&self, endpoint: &CStr) -> std::result::Result<(), Errno> {
        // SAFETY: as for bind.
        cvt(unsafe { zmq_sys::zmq_unbind(self.as_ptr(), endpoint.as_ptr()) }).map(drop)
    }

    pub(crate) fn disconnect(&self, endpoint: &CStr) -> std::result::Result<(), Errno> {
        // SAFETY: as for bind.
        cvt(unsafe { zmq_sys::zmq_disconnect(self.as_ptr(), endpoint.as_ptr()) }).map(drop)
    }

    /// `zmq_join`: a DISH socket starts receiving a group.
    #[cfg(feature = "draft")]
    pub(crate) fn join(&self, group: &CStr) -> Result<()> {
        // SAFETY: the socket is live; group is NUL-terminated. libzmq rejects socket types
        // without groups with ENOTSUP and groups over 255 bytes with EINVAL.
        Ok(cvt(unsafe { zmq_sys::zmq_join(self.as_ptr(), group.as_ptr()) }).map(drop)?)
    }

    /// `zmq_leave`: a DISH socket stops receiving a group.
    #[cfg(feature = "draft")]
    pub(crate) fn leave(&self, group: &CStr) -> Result<()> {
        // SAFETY: as for join.
        Ok(cvt(unsafe { zmq_sys::zmq_leave(self.as_ptr(), group.as_ptr()) }).map(drop)?)
    }

    /// `zmq_connect_peer`: connects a PEER socket and returns the new peer's routing id.
    /// libzmq reports failure as routing id 0 with errno set.
    #[cfg(feature = "draft")]
    pub(crate) fn connect_peer(&self, endpoint: &CStr) -> std::result::Result<u32, Errno> {
        // SAFETY: the socket is live; endpoint is NUL-terminated. libzmq checks the socket
        // type itself (ENOTSUP for anything but PEER).
        match unsafe { zmq_sys::zmq_connect_peer(self.as_ptr(), endpoint.as_ptr()) } {
            0 => Err(Errno::last()),
            routing_id => Ok(routing_id),
        }
    }

    /// `zmq_socket_monitor`; `endpoint == None` stops monitoring.
    pub(crate) fn monitor(
        &self,
        endpoint: Option<&CStr>,
        events: c_int,
    ) -> std::result::Result<(), Errno> {
        let endpoint = endpoint.map_or(std::ptr::null(), CStr::as_ptr);
        // SAFETY: the socket is live; endpoint is NULL or NUL-terminated.
        cvt(unsafe { zmq_sys::zmq_socket_monitor(self.as_ptr(), endpoint, events) }).map(drop)
    }

    /// `zmq_socket_monitor_versioned` (draft API): like [`monitor`](Self::monitor), with
    /// the event format version and the type of libzmq's end of the monitor channel
    /// (`ZMQ_PAIR`, `ZMQ_PUB` or `ZMQ_PUSH`).
    #[cfg(zmq_draft)]
    pub(crate) fn monitor_versioned(
        &self,
        endpoint: &CStr,
        events: u64,
        version: c_int,
        kind: c_int,
    ) -> std::result::Result<(), Errno> {
        // SAFETY: the socket is live; endpoint is NUL-terminated; libzmq validates the
        // events, version and type.
        cvt(unsafe {
            zmq_sys::zmq_socket_monitor_versioned(
                self.as_ptr(),
                endpoint.as_ptr(),
                events,
                version,
                kind,
            )
        })
        .map(drop)
    }

    /// `zmq_msg_send`. On success libzmq takes the content and leaves `msg` empty; on
    /// failure `msg` is untouched.
    #[inline]
    pub(crate) fn msg_send(&self, msg: &mut zmq_sys::zmq_msg_t, flags: c_int) -> Result<()> {
        // SAFETY: the socket is live; msg is an initialised zmq_msg_t we hold exclusively.
        Ok(cvt(unsafe { zmq_sys::zmq_msg_send(msg, self.as_ptr(), flags) }).map(drop)?)
    }

    /// `zmq_msg_recv` into an initialised message (its old content is released).
    #[inline]
    pub(crate) fn msg_recv(&self, msg: &mut zmq_sys::zmq_msg_t, flags: c_int) -> Result<()> {
        // SAFETY: the socket is live; msg is an initialised zmq_msg_t we hold exclusively.
        Ok(cvt(unsafe { zmq_sys::zmq_msg_recv(msg, self.as_ptr(), flags) }).map(drop)?)
    }

    /// `zmq_recv`: copies at most `buf.len()` bytes, returns the frame's full size.
    pub(crate) fn recv_bytes(&self, buf: &mut [u8], flags: c_int) -> Result<usize> {
        // SAFETY: the socket is live; buf is valid for writes of buf.len() bytes.
        let rc = cvt(unsafe {
            zmq_sys::zmq_recv(self.as_ptr(), buf.as_mut_ptr().cast(), buf.len(), flags)
        })?;
        Ok(rc as usize)
    }

    pub(crate) fn setsockopt(&self, option: c_int, value: &[u8]) -> Result<()> {
        // libzmq 4.3.5 reads an int for ZMQ_XSUB_VERBOSE_UNSUBSCRIBE on XSUB sockets
        // without checking the length (found by fuzz/socket_option): a shorter value
        // would be read past its end. Check it here.
        if option == zmq_sys::ZMQ_XSUB_VERBOSE_UNSUBSCRIBE as c_int
            && value.len() != std::mem::size_of::<c_int>()
        {
            return Err(Error::EINVAL);
        }
        // libzmq 4.3.5 applies ZMQ_PRIORITY (SO_PRIORITY) to each connection's fd and
        // aborts the process if the kernel refuses it (values outside 0–6 need
        // CAP_NET_ADMIN): try it on a scratch socket first.
        #[cfg(target_os = "linux")]
        if option == zmq_sys::ZMQ_PRIORITY as c_int
            && let Ok(priority) = <[u8; 4]>::try_from(value)
        {
            socket_priority_allowed(c_int::from_ne_bytes(priority))?;
        }
        // SAFETY: the socket is live; value is valid for value.len() bytes, and libzmq
        // checks the length against the option's type (except in the cases above).
        cvt(unsafe {
            zmq_sys::zmq_setsockopt(self.as_ptr(), option, value.as_ptr().cast(), value.len())
        })?;
        Ok(())
    }

    /// Sets an option to a NULL value of length 0 (how libzmq clears string options).
    pub(crate) fn setsockopt_null(&self, option: c_int) -> Result<()> {
        // SAFETY: the socket is live; libzmq accepts NULL with length 0 for string options
        // and rejects it with EINVAL for the others.
        cvt(unsafe { zmq_sys::zmq_setsockopt(self.as_ptr(), option, std::ptr::null(), 0) })?;
        Ok(())
    }

    /// Reads an option into `buf`; returns how many bytes libzmq wrote.
    pub(crate) fn getsockopt(&self, option: c_int, buf: &mut [u8]) -> Result<usize> {
        let mut len = buf.len();
        // SAFETY: the socket is live; buf is valid for writes of len bytes and libzmq
        // writes at most len bytes, then stores the real length in len.
        cvt(unsafe {
            zmq_sys::zmq_getsockopt(self.as_ptr(), option, buf.as_mut_ptr().cast(), &mut len)
        })?;
        Ok(len)
    }
}

impl Drop for RawSocket {
    fn drop(&mut self) {
        if self.owned {
            // Frees a descriptor for the reaper's eventfd (thread-safe sockets).
            drop(self.reserve.take());
            // zmq_close only fails (ENOTSOCK) for a pointer that is not a live socket, which
            // ownership rules out; there is nothing to recover either way. It never blocks:
            // pending messages are handed to the I/O thread for the linger period.
            // SAFETY: we own the live socket and never use the pointer again.
            let _ = unsafe { zmq_sys::zmq_close(self.as_ptr()) };
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::is_libzmq_thread_name;

    #[test]
    fn libzmq_thread_names_with_and_without_a_prefix() {
        for name in [
            "ZMQbg/Reaper\n",
            "ZMQbg/IO/0",
            "7/ZMQbg/Reaper",
            "12345/ZMQbg/Rea",
            "-2147483648/ZMQ",
        ] {
            assert!(is_libzmq_thread_name(name), "{name}");
        }
        for name in ["main\n", "tokio-runtime-w", "worker/3", "-2147483648/abc"] {
            assert!(!is_libzmq_thread_name(name), "{name}");
        }
    }
}
