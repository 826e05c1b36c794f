//! [`Context`]: the libzmq context that owns the I/O threads and creates sockets.

use std::ffi::c_void;
use std::fmt;
use std::ptr::NonNull;
use std::sync::{Arc, Mutex, PoisonError};

use libc::c_int;

use crate::raw::RawContext;
use crate::{Error, Result};

/// The largest [`Context::set_max_sockets`] accepts: 2^24 (16,777,216) sockets, for
/// which libzmq reserves about 200 MB at the first socket.
pub const MAX_SOCKETS_CEILING: i32 = 1 << 24;

/// A ZeroMQ context: it runs the I/O threads and creates [`Socket`](crate::Socket)s.
///
/// Usually one per process. Cloning is cheap (a shared handle) and a `Context` can be used
/// from any thread. Every socket keeps its context alive, so dropping the `Context` handle
/// before the sockets is fine: libzmq's `zmq_ctx_term` runs when the last handle *and*
/// the last socket are gone.
///
/// # Shutdown behaviour that bites
/// Terminating a context (dropping the last handle and socket, or [`Context::destroy`])
/// blocks until every socket is closed **and** its pending outgoing messages are sent or
/// its linger period has passed. (One exception: when the last handle is dropped inside
/// a zero-copy message's release running on one of libzmq's own threads, where waiting
/// would deadlock, the termination runs on a thread of its own.) The default linger is **infinite**, so a socket with
/// unsent messages to a peer that never comes makes termination hang. Set
/// [`Socket::set_linger`](crate::Socket::set_linger) (e.g. to 0), or [`Context::set_blocky(false)`](Context::set_blocky)
/// so that new sockets default to a linger of 0. [`Context::shutdown`] makes blocking
/// calls in other threads return [`Error::ETERM`](crate::Error::ETERM) at once.
///
/// ```
/// let ctx = zmq::Context::new();
/// let server = ctx.socket(zmq::REP).unwrap();
/// server.bind("inproc://example").unwrap();
/// let client = ctx.socket(zmq::REQ).unwrap();
/// client.connect("inproc://example").unwrap();
/// client.send("ping", 0).unwrap();
/// assert_eq!(server.recv_string(0).unwrap().unwrap(), "ping");
/// ```
#[derive(Clone)]
pub struct Context {
    raw: Arc<RawContext>,
}

impl Context {
    /// Creates a context (`zmq_ctx_new`).
    ///
    /// # Panics
    /// If libzmq cannot create one, which happens only when the process is out of file
    /// descriptors (a context needs one) or memory. [`Context::try_new`] returns that
    /// as an error instead.
    #[doc(alias = "zmq_ctx_new")]
    pub fn new() -> Context {
        match Context::try_new() {
            Ok(ctx) => ctx,
            Err(e) => panic!("zmq::Context::new: {e} (use Context::try_new to handle this)"),
        }
    }

    /// Creates a context, or says why libzmq could not: [`Error::EMFILE`](crate::Error::EMFILE) when the
    /// process is out of file descriptors (its message names `ulimit -n`), `ENOMEM` when
    /// out of memory.
    ///
    /// ```
    /// let ctx = zmq::Context::try_new()?;
    /// let socket = ctx.socket(zmq::PAIR)?;
    /// # drop(socket);
    /// # Ok::<(), zmq::Error>(())
    /// ```
    #[doc(alias = "zmq_ctx_new")]
    pub fn try_new() -> Result<Context> {
        Ok(Context {
            raw: Arc::new(RawContext::try_new()?),
        })
    }

    /// The process-wide context: made on first use, then the same one for every call
    /// (like pyzmq's `Context.instance()`), so `inproc://` endpoints bound through one call
    /// are reachable through another.
    ///
    /// ```
    /// let server = zmq::Context::instance().socket(zmq::REP)?;
    /// server.bind("inproc://instance-doc")?;
    /// // Elsewhere in the program, without passing the context around:
    /// let client = zmq::Context::instance().socket(zmq::REQ)?;
    /// client.connect("inproc://instance-doc")?;
    /// client.send("ping", 0)?;
    /// assert_eq!(server.recv_bytes(0)?, b"ping");
    /// assert!(zmq::Context::instance().same_as(&zmq::Context::instance()));
    /// # Ok::<(), zmq::Error>(())
    /// ```
    ///
    /// It lives until the process exits and is never terminated by dropping handles
    /// (so a socket of it with unsent messages does not make anything wait at exit). If
    /// it is shut down or terminated on purpose ([`shutdown`](Self::shutdown),
    /// [`destroy`](Self::destroy)), the next call makes a new one (a shut-down one is
    /// terminated in the background once its sockets are closed).
    ///
    /// # After `fork`
    /// A libzmq context does not survive `fork`: the child has none of the parent's I/O
    /// threads, and using the parent's context or sockets there can hang or abort. A
    /// child must not use sockets made before the fork; it should make its own
    /// [`Context::new`]. `instance()` itself notices a fork (the process id changed) and
    /// gives the child a new context; the parent's is left untouched (never terminated
    /// in the child; the same holds for every context: dropping one inherited by fork
    /// leaves it alone, and [`destroy`](Self::destroy) says `ENOTSUP`).
    ///
    /// # In tests
    /// Tests of one binary run in parallel threads of one process, so they share the
    /// instance. Give each test its own `Context::new()` where it can; where code under
    /// test uses `instance()`, use endpoint names unique to the test, set linger on its
    /// sockets, and never `destroy` it (that would end the other tests' sockets too).
    ///
    /// # Panics
    /// When a new context must be made and libzmq cannot make one (see
    /// [`Context::new`]); [`Context::try_instance`] returns the error instead.
    pub fn instance() -> Context {
        match Context::try_instance() {
            Ok(ctx) => ctx,
            Err(e) => {
                panic!("zmq::Context::instance: {e} (use Context::try_instance to handle this)")
            }
        }
    }

    /// [`Context::instance`], with an error instead of a panic when the context must be
    /// made and libzmq cannot (out of file descriptors or memory).
    pub fn try_instance() -> Result<Context> {
        static INSTANCE: Mutex<Option<(u32, Context)>> = Mutex::new(None);
        let pid = std::process::id();
        let mut slot = INSTANCE.lock().unwrap_or_else(PoisonError::into_inner);
        match &*slot {
            Some((owner, ctx))
                if *owner == pid && !ctx.raw.is_terminating() && !ctx.raw.is_shut_down() =>
            {
                Ok(ctx.clone())
            }
            _ => {
                match slot.take() {
                    // Terminated already: nothing to wait for.
                    Some((owner, old)) if owner == pid && old.raw.is_terminating() => {}
                    // Shut down on purpose: terminated by a thread of its own, which holds
                    // a handle, so that it ends (and frees libzmq's threads) once the
                    // caller's sockets are closed, and no socket's drop is the one that
                    // terminates it (and waits for its linger). If no thread can be
                    // started, the closure's handle is dropped here, which terminates it
                    // only if nothing else holds it (no socket is open).
                    Some((owner, old)) if owner == pid => {
                        let _ = std::thread::Builder::new()
                            .name("zmq-instance-term".into())
                            .spawn(move || {
                                let mut old = old;
                                let _ = old.destroy();
                            });
                    }
                    // The parent's context, inherited by fork: kept, untouched (and
                    // reachable, for leak checkers), until the process exits.
                    Some((_, old)) => {
                        static INHERITED: Mutex<Vec<Context>> = Mutex::new(Vec::new());
                        INHERITED
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(old);
                    }
                    None => {}
                }
                let ctx = Context::try_new()?;
                *slot = Some((pid, ctx.clone()));
                Ok(ctx)
            }
        }
    }

    /// Takes ownership of a context made by C code (`zmq_ctx_new`). It is terminated when
    /// the last clone and socket are dropped.
    ///
    /// # Safety
    /// `ptr` must be a live libzmq context that nothing else terminates, and stays valid
    /// until this `Context` terminates it.
    pub unsafe fn from_raw(ptr: *mut c_void) -> Context {
        let ptr = NonNull::new(ptr).expect("Context::from_raw: null context pointer");
        Context {
            // SAFETY: the caller guarantees the pointer is a live context we may own.
            raw: Arc::new(unsafe { RawContext::from_raw(ptr, true) }),
        }
    }

    /// The shared libzmq context (for sockets made outside this module).
    #[cfg_attr(not(feature = "draft"), allow(dead_code))]
    pub(crate) fn raw_context(&self) -> &RawContext {
        &self.raw
    }

    /// The raw `void *` of the context, e.g. to hand to C code. It stays valid while this
    /// `Context` (or any clone or socket of it) is alive and the context is not terminated.
    pub fn as_raw(&self) -> *mut c_void {
        self.raw.as_ptr()
    }

    /// Terminates the context now (`zmq_ctx_term`), blocking until all its sockets are
    /// closed. Calling it again does nothing; afterwards new sockets fail with `ETERM`.
    ///
    /// Sockets hold a clone of their context, so call it only after dropping them, or from
    /// another thread than the one that will close them (there it first makes their
    /// blocking calls return `ETERM`). Unlike zmq 0.10, this is safe: the context is
    /// terminated once, and never again on drop.
    ///
    /// # Errors
    /// `ENOTSUP` in a child process forked after the context was made: libzmq's threads
    /// are not there to finish it (zmq 0.10 waited for ever). Dropping it there leaves it
    /// alone, as pyzmq does; the parent's context is not affected.
    #[doc(alias = "zmq_ctx_term")]
    pub fn destroy(&mut self) -> Result<()> {
        self.raw.terminate().map(drop)
    }

    /// Shuts the context down without waiting (`zmq_ctx_shutdown`): blocking operations on
    /// its sockets, in any thread, return [`ETERM`](crate::Error::ETERM), and creating
    /// sockets fails. Each socket must still be dropped for termination to finish.
    ///
    /// ```
    /// let ctx = zmq::Context::new();
    /// let socket = ctx.socket(zmq::PULL).unwrap();
    /// let waiter = std::thread::spawn(move || socket.recv_bytes(0));
    /// ctx.shutdown().unwrap();
    /// assert_eq!(waiter.join().unwrap(), Err(zmq::Error::ETERM));
    /// ```
    #[doc(alias = "zmq_ctx_shutdown")]
    pub fn shutdown(&self) -> Result<()> {
        self.raw.shutdown()
    }

    fn get(&self, option: u32) -> Result<i32> {
        self.raw.get(option as c_int)
    }

    fn set(&self, option: u32, value: i32) -> Result<()> {
        self.raw.set(option as c_int, value)
    }

    /// Number of I/O threads (`ZMQ_IO_THREADS`, default 1).
    pub fn get_io_threads(&self) -> Result<i32> {
        self.get(zmq_sys::ZMQ_IO_THREADS)
    }

    /// Sets the number of I/O threads (`ZMQ_IO_THREADS`). Takes effect only before the
    /// first socket is created.
    pub fn set_io_threads(&self, value: i32) -> Result<()> {
        self.set(zmq_sys::ZMQ_IO_THREADS, value)
    }

    /// Maximum number of sockets (`ZMQ_MAX_SOCKETS`, default 1023).
    pub fn get_max_sockets(&self) -> Result<i32> {
        self.get(zmq_sys::ZMQ_MAX_SOCKETS)
    }

    /// Sets the maximum number of sockets (`ZMQ_MAX_SOCKETS`), from 1 to
    /// [`MAX_SOCKETS_CEILING`]; `EINVAL` outside that range. Takes effect before the first
    /// socket, which reserves room for that many (12 bytes each). Each socket also needs a
    /// file descriptor: `ulimit -n` bounds how many can be open.
    ///
    /// (libzmq 4.3.5 itself took any positive value, and at the first socket hung
    /// reserving room near `i32::MAX`, or aborted the process at it.)
    ///
    /// ```
    /// let ctx = zmq::Context::new();
    /// ctx.set_max_sockets(100_000).unwrap();
    /// assert_eq!(ctx.set_max_sockets(i32::MAX), Err(zmq::Error::EINVAL));
    /// assert_eq!(ctx.get_max_sockets(), Ok(100_000));
    /// ```
    pub fn set_max_sockets(&self, value: i32) -> Result<()> {
        if value > MAX_SOCKETS_CEILING {
            return Err(Error::EINVAL);
        }
        self.set(zmq_sys::ZMQ_MAX_SOCKETS, value)
    }

    /// libzmq's `ZMQ_SOCKET_LIMIT`: 65,535, or less where its poller is `select`. With
    /// epoll (Linux) libzmq runs more sockets than that;
    /// [`set_max_sockets`](Self::set_max_sockets) takes up to [`MAX_SOCKETS_CEILING`].
    pub fn get_socket_limit(&self) -> Result<i32> {
        self.get(zmq_sys::ZMQ_SOCKET_LIMIT)
    }

    /// Whether new sockets use IPv6 (`ZMQ_IPV6`).
    pub fn is_ipv6(&self) -> Result<bool> {
        self.get(zmq_sys::ZMQ_IPV6).map(|v| v != 0)
    }

    /// Makes new sockets use IPv6 (`ZMQ_IPV6`, default off).
    pub fn set_ipv6(&self, value: bool) -> Result<()> {
        self.set(zmq_sys::ZMQ_IPV6, value.into())
    }

    /// Whether termination blocks on sockets' linger (`ZMQ_BLOCKY`, default true).
    pub fn is_blocky(&self) -> Result<bool> {
        self.get(zmq_sys::ZMQ_BLOCKY).map(|v| v != 0)
    }

    /// With `false`, sockets created afterwards default to a linger of 0, so that
    /// terminating the context never waits for unsent messages (`ZMQ_BLOCKY`).
    pub fn set_blocky(&self, value: bool) -> Result<()> {
        self.set(zmq_sys::ZMQ_BLOCKY, value.into())
    }

    /// Largest message size the context accepts (`ZMQ_MAX_MSGSZ`).
    pub fn get_max_msgsz(&self) -> Result<i32> {
        self.get(zmq_sys::ZMQ_MAX_MSGSZ)
    }

    /// Sets the largest message size (`ZMQ_MAX_MSGSZ`, default `i32::MAX`).
    pub fn set_max_msgsz(&self, value: i32) -> Result<()> {
        self.set(zmq_sys::ZMQ_MAX_MSGSZ, value)
    }

    /// Size in bytes of libzmq's `zmq_msg_t` (`ZMQ_MSG_T_SIZE`).
    pub fn get_msg_t_size(&self) -> Result<i32> {
        self.get(zmq_sys::ZMQ_MSG_T_SIZE)
    }

    /// Scheduling priority of the I/O threads (`ZMQ_THREAD_PRIORITY`); OS-specific, and
    /// takes effect before the first socket. On Linux: 1–99 with `SCHED_FIFO` or
    /// `SCHED_RR`; with the other policies any value above 0 asks for nice −20 (which
    /// needs `CAP_SYS_NICE` or `RLIMIT_NICE`).
    ///
    /// The thread options are tried when the first socket starts the threads: a value
    /// the OS refuses makes [`socket`](Self::socket) fail with `EINVAL`, or `EACCES`
    /// when the process may not take it (libzmq 4.3.5 aborted the process there).
    pub fn set_thread_priority(&self, value: i32) -> Result<()> {
        self.set(zmq_sys::ZMQ_THREAD_PRIORITY, value)
    }

    /// Scheduling policy of the I/O threads (`ZMQ_THREAD_SCHED_POLICY`, e.g.
    /// `libc::SCHED_FIFO`); takes effect before the first socket, which fails if the OS
    /// refuses it (see [`set_thread_priority`](Self::set_thread_priority)).
    pub fn set_thread_sched_policy(&self, value: i32) -> Result<()> {
        self.set(zmq_sys::ZMQ_THREAD_SCHED_POLICY, value)
    }

    /// Pins the I/O threads to one more CPU (`ZMQ_THREAD_AFFINITY_CPU_ADD`); takes effect
    /// before the first socket, which fails with `EINVAL` if none of the CPUs added is
    /// one the process may run on (see [`set_thread_priority`](Self::set_thread_priority)).
    pub fn add_thread_affinity_cpu(&self, cpu: i32) -> Result<()> {
        self.set(zmq_sys::ZMQ_THREAD_AFFINITY_CPU_ADD, cpu)
    }

    /// Removes a CPU from the I/O threads' affinity (`ZMQ_THREAD_AFFINITY_CPU_REMOVE`).
    pub fn remove_thread_affinity_cpu(&self, cpu: i32) -> Result<()> {
        self.set(zmq_sys::ZMQ_THREAD_AFFINITY_CPU_REMOVE, cpu)
    }

    /// Numeric prefix of the I/O threads' names, as shown by `top -H`
    /// (`ZMQ_THREAD_NAME_PREFIX`); takes effect before the first socket.
    pub fn set_thread_name_prefix(&self, prefix: i32) -> Result<()> {
        self.set(zmq_sys::ZMQ_THREAD_NAME_PREFIX, prefix)
    }

    /// The numeric I/O thread name prefix (`ZMQ_THREAD_NAME_PREFIX`).
    pub fn get_thread_name_prefix(&self) -> Result<i32> {
        self.get(zmq_sys::ZMQ_THREAD_NAME_PREFIX)
    }

    /// Reads any context option by its raw `ZMQ_*` number (`zmq_ctx_get`).
    pub fn get_raw_option(&self, option: i32) -> Result<i32> {
        self.raw.get(option)
    }

    /// Sets any context option by its raw `ZMQ_*` number (`zmq_ctx_set`).
    pub fn set_raw_option(&self, option: i32, value: i32) -> Result<()> {
        self.raw.set(option, value)
    }

    /// Whether two handles refer to the same libzmq context.
    pub fn same_as(&self, other: &Context) -> bool {
        Arc::ptr_eq(&self.raw, &other.raw)
    }
}

/// The listen backlog new sockets get: the kernel's cap on accept queues
/// (`net.core.somaxconn`, read once), or 511 (nginx's and Node's choice) where it cannot
/// be read. The kernel truncates a larger backlog to `somaxconn` anyway, so asking for
/// exactly that is the most a listener can have without root; the queue costs nothing
/// until connections wait in it.
pub(crate) fn storm_backlog() -> i32 {
    static BACKLOG: std::sync::OnceLock<i32> = std::sync::OnceLock::new();
    *BACKLOG.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .ok()
            .and_then(|text| text.trim().parse::<i32>().ok())
            .filter(|&value| value > 0)
            .map_or(FALLBACK_BACKLOG, |value| value.min(65535))
    })
}

/// The backlog used where the OS's limit cannot be read.
const FALLBACK_BACKLOG: i32 = 511;

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("ptr", &self.raw.as_ptr())
            .finish()
    }
}
