//! Presets that raise throughput above libzmq's defaults, measured in `docs/perf.md`.
//!
//! libzmq's defaults suit many sockets on many cores. On a small machine (the 2-core one
//! `docs/perf.md` was measured on) a stream of small messages between two processes runs
//! four busy threads (an application thread and an I/O thread on each side) and spends
//! its time in system calls and wake-ups. Two settings help:
//!
//! - [`throughput`] (per socket; the `zmq sync tuned` row of `docs/perf.md`): read and
//!   write the network in batches of [`BATCH_SIZE`] (256 KiB) instead of 8 KiB
//!   (`ZMQ_IN_BATCH_SIZE`/`ZMQ_OUT_BATCH_SIZE`, draft options of libzmq 4.3.5, compiled
//!   into the vendored build): far fewer `send`/`recv` calls per message. About 1.5–2.3×
//!   the messages per second at 1 KiB over tcp and ipc there, and no loss elsewhere.
//!   Costs up to one batch of memory per connection and direction; latency is unchanged
//!   (a batch is whatever is queued, never waited for). 1 MiB batches did worse than
//!   256 KiB. Over ipc it makes a libzmq 4.3.5 bug likelier (libzmq issue #4660): a
//!   receiver held back by its high-water mark can lose the tail of a stream when the
//!   sender closes. End streams with an explicit last message (ZeroMQ never promised
//!   delivery across a close), or raise the receiver's `RCVHWM`.
//! - [`colocate`] (per context): run the context's I/O threads and the calling thread on
//!   one CPU, so that a message passes between them in that CPU's cache. With each
//!   process on its own CPU it added about a third on top of [`throughput`] for 1 KiB over
//!   tcp there, but it cut 64 KiB over ipc to a tenth and made round trips 3× slower
//!   (every hop then waits for a context switch). Measure before using it; it is not
//!   part of any preset.
//!
//! - [`retain_heap`] (per process, 64-bit Linux glibc only; `unsafe`, to call first thing
//!   in `main`): with [`throughput`]'s batches, libzmq's receiving I/O thread allocates a
//!   buffer of about 570 KiB for each batch it reads, and the application frees it once it
//!   has dropped the batch's messages. glibc often handed that memory back to the kernel
//!   (it trims a thread's heap when enough is free at its top), so the next batch faulted
//!   its pages in again: up to several page faults per 64 KiB message, and much of the
//!   receiver's time, there. [`retain_heap`] keeps freed memory for reuse instead. With
//!   [`throughput`] on both sides, 64 KiB messages over ipc went from 41–48 k to 58–77 k
//!   a second there (interleaved by hand) and from 1.50× to 2.26× libzmq's C tools (two
//!   5-round runs); over tcp the receiver's CPU time halved, but the throughput stayed
//!   where it was. It changes `malloc` for the whole process, so it is the application's
//!   call, never a library's.
//!
//! - [`reconnect_jitter`] (per socket): spreads out the reconnects of many clients after a
//!   server restart. libzmq 4.3.5 adds a random delay of up to `ZMQ_RECONNECT_IVL` only
//!   while `ZMQ_RECONNECT_IVL_MAX` is 0; with a back-off configured, every client retries
//!   on the same schedule (100, 200, 400, ... ms after the outage) and they all come back
//!   within a few milliseconds of each other. Figures in `docs/scale-limits.md`.
//!
//! The high-water marks and kernel buffer sizes were tried too: they made no difference
//! that stood out of the noise there, so the presets leave them alone.
//!
//! ```
//! let ctx = zmq::Context::new();
//! let pull = ctx.socket(zmq::PULL)?;
//! zmq::tuning::throughput(&pull)?;
//! pull.bind("tcp://127.0.0.1:*")?;
//! let mut value = [0u8; 4];
//! pull.get_option_raw(zmq_sys::ZMQ_IN_BATCH_SIZE as i32, &mut value)?;
//! assert_eq!(i32::from_ne_bytes(value), zmq::tuning::BATCH_SIZE);
//! # Ok::<(), zmq::Error>(())
//! ```

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use crate::{Context, Error, Result, Socket};

/// The batch size [`throughput`] sets, in bytes (libzmq's default is 8192).
pub const BATCH_SIZE: i32 = 256 * 1024;

/// Sets the socket's read and write batch sizes to [`BATCH_SIZE`]
/// (`ZMQ_IN_BATCH_SIZE`, `ZMQ_OUT_BATCH_SIZE`). Call it before `bind`/`connect`: the
/// sizes apply to connections made afterwards.
///
/// # Errors
/// `EINVAL` when the linked libzmq was built without the draft API (a system libzmq,
/// usually); the vendored one has it.
pub fn throughput(socket: &Socket) -> Result<()> {
    let batch = BATCH_SIZE.to_ne_bytes();
    socket.set_option_raw(zmq_sys::ZMQ_IN_BATCH_SIZE as i32, &batch)?;
    socket.set_option_raw(zmq_sys::ZMQ_OUT_BATCH_SIZE as i32, &batch)
}

/// The freed memory [`retain_heap`] lets glibc keep at the top of each heap, in bytes
/// (glibc's `M_TOP_PAD`; its default is 128 KiB).
pub const HEAP_RETAIN: usize = 16 * 1024 * 1024;

/// The mmap threshold [`retain_heap`] fixes, in bytes (glibc's `M_MMAP_THRESHOLD`): a
/// larger block that the heap cannot serve from memory it holds gets pages of its own
/// from the kernel, returned when it is freed. glibc's own threshold starts at 128 KiB
/// and rises as large blocks are freed, up to this value (32 MiB on 64-bit systems);
/// fixing it at the top keeps that behaviour for blocks of every size up to it.
pub const HEAP_MMAP_THRESHOLD: usize = 32 * 1024 * 1024;

/// Process-wide: makes glibc's `malloc` keep up to [`HEAP_RETAIN`] of freed memory at the
/// top of each heap for reuse, and serve blocks below [`HEAP_MMAP_THRESHOLD`] from the
/// heap (`mallopt` of `M_TOP_PAD` and `M_MMAP_THRESHOLD`). This lets [`throughput`]'s
/// large receive batches be reused instead of being faulted in again for every batch; see
/// the [module docs](self) for the figures.
///
/// The cost is memory: each `malloc` arena (glibc makes up to 8 per CPU, for the threads
/// that allocate) may keep up to [`HEAP_RETAIN`] of freed memory that other processes
/// cannot use. It affects every allocation of the process that goes through the C
/// `malloc` (libzmq's, and Rust's under the default global allocator), and it replaces
/// any `MALLOC_TOP_PAD_`/`MALLOC_MMAP_THRESHOLD_` or `GLIBC_TUNABLES` settings of these
/// two values. Calling it again changes nothing. Linking a different `malloc` (jemalloc,
/// mimalloc) for the whole process is the other way out.
///
/// ```no_run
/// fn main() -> Result<(), zmq::Error> {
///     // SAFETY: first thing in main, before any other thread exists.
///     match unsafe { zmq::tuning::retain_heap() } {
///         Ok(()) => {}
///         Err(zmq::Error::ENOTSUP) => {} // not 64-bit Linux glibc: nothing changed
///         Err(e) => return Err(e),
///     }
///     // ... then make the context and sockets.
///     Ok(())
/// }
/// ```
///
/// # Safety
/// No other thread may be running, or at least allocating, while it runs: glibc's
/// `mallopt` is not thread safe (its manual marks it MT-Unsafe; other threads read these
/// parameters without a lock). Call it first thing in `main`, before spawning threads,
/// starting an async runtime or making a [`Context`]'s first socket (libzmq starts its
/// I/O threads then).
///
/// # Errors
/// `ENOTSUP` anywhere but 64-bit Linux with glibc (musl, macOS, Windows, 32-bit systems:
/// nothing is changed); `EINVAL` if glibc refuses a setting.
pub unsafe fn retain_heap() -> Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64"))]
    {
        let retain = libc::c_int::try_from(HEAP_RETAIN).map_err(|_| Error::EINVAL)?;
        let threshold = libc::c_int::try_from(HEAP_MMAP_THRESHOLD).map_err(|_| Error::EINVAL)?;
        for (param, value) in [
            (libc::M_MMAP_THRESHOLD, threshold),
            (libc::M_TOP_PAD, retain),
        ] {
            // SAFETY: mallopt only sets two of glibc's allocator parameters, to values it
            // accepts on 64-bit systems (up to 32 MiB for the threshold); the caller
            // guarantees that no other thread reads them meanwhile (glibc locks only the
            // main arena while setting them).
            if unsafe { libc::mallopt(param, value) } != 1 {
                return Err(Error::EINVAL);
            }
        }
        Ok(())
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu", target_pointer_width = "64")))]
    Err(Error::ENOTSUP)
}

/// Gives the socket a reconnect interval of its own, drawn at random from
/// `base ..= base + spread`, so that clients that lost their server together do not all
/// reconnect together (`ZMQ_RECONNECT_IVL`). When the socket has a back-off bound
/// (`ZMQ_RECONNECT_IVL_MAX` > 0, set it first), the bound gets the same random offset
/// added, so each socket walks its own back-off ladder. Returns the interval chosen.
///
/// libzmq already adds up to one interval of random delay to each retry when there is no
/// back-off bound, so this matters most with a bound set, where libzmq 4.3.5 retries in
/// lockstep. Call it before `connect`.
///
/// ```
/// use std::time::Duration;
/// let ctx = zmq::Context::new();
/// let client = ctx.socket(zmq::DEALER)?;
/// client.set_reconnect_ivl_max(5_000)?;
/// let ivl = zmq::tuning::reconnect_jitter(&client, Duration::from_millis(100),
///     Duration::from_millis(900))?;
/// assert!((100..=1000).contains(&ivl.as_millis()));
/// assert_eq!(client.get_reconnect_ivl_max()?, 5_000 + client.get_reconnect_ivl()? - 100);
/// # Ok::<(), zmq::Error>(())
/// ```
///
/// # Errors
/// `EINVAL` when `base` is zero (libzmq reads 0 as "reconnect at once", -1 as "never") or
/// `base + spread` (or the raised bound) does not fit in an `i32` of milliseconds.
pub fn reconnect_jitter(socket: &Socket, base: Duration, spread: Duration) -> Result<Duration> {
    let base_ms = i32::try_from(base.as_millis()).map_err(|_| Error::EINVAL)?;
    let spread_ms = i32::try_from(spread.as_millis()).map_err(|_| Error::EINVAL)?;
    if base_ms <= 0 || base_ms.checked_add(spread_ms).is_none() {
        return Err(Error::EINVAL);
    }
    let offset = (random_u64() % (spread_ms as u64 + 1)) as i32;
    let max = socket.get_reconnect_ivl_max()?;
    if max > 0 {
        let raised = max.checked_add(offset).ok_or(Error::EINVAL)?;
        socket.set_reconnect_ivl_max(raised)?;
    }
    socket.set_reconnect_ivl(base_ms + offset)?;
    Ok(Duration::from_millis((base_ms + offset) as u64))
}

/// A random number that differs between calls and processes (std's randomly keyed
/// SipHash over a counter and the clock). Not for cryptography.
fn random_u64() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    hasher.write_u64(now);
    hasher.write_u32(std::process::id());
    hasher.finish()
}

/// Pins the context's I/O threads and the calling thread to `cpu`
/// (`ZMQ_THREAD_AFFINITY_CPU_ADD`, then `sched_setaffinity`). Call it before the
/// context's first socket: libzmq starts its I/O threads then.
///
/// # Errors
/// `EINVAL` for a CPU the process may not use; `ENOTSUP` on systems other than Linux;
/// `ETERM` for a terminated context.
pub fn colocate(ctx: &Context, cpu: usize) -> Result<()> {
    let cpu_number = i32::try_from(cpu).map_err(|_| Error::EINVAL)?;
    pin_current_thread(cpu)?;
    ctx.add_thread_affinity_cpu(cpu_number)
}

/// Pins the calling thread to one CPU.
#[cfg(target_os = "linux")]
fn pin_current_thread(cpu: usize) -> Result<()> {
    // SAFETY: cpu_set_t is plain data for which all-zero is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    if cpu >= 8 * std::mem::size_of::<libc::cpu_set_t>() {
        return Err(Error::EINVAL);
    }
    // SAFETY: `cpu` is within the set (checked above); CPU_SET writes one bit of it.
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // SAFETY: pid 0 is the calling thread; `set` is a valid cpu_set_t of the given size.
    let rc = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::from_raw(
            std::io::Error::last_os_error()
                .raw_os_error()
                .unwrap_or(libc::EINVAL),
        ))
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_current_thread(_cpu: usize) -> Result<()> {
    Err(Error::ENOTSUP)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch_sizes(socket: &Socket) -> (i32, i32) {
        let read = |option: u32| {
            let mut buf = [0u8; 4];
            socket.get_option_raw(option as i32, &mut buf).unwrap();
            i32::from_ne_bytes(buf)
        };
        (
            read(zmq_sys::ZMQ_IN_BATCH_SIZE),
            read(zmq_sys::ZMQ_OUT_BATCH_SIZE),
        )
    }

    #[test]
    fn throughput_sets_both_batch_sizes() {
        let ctx = Context::new();
        let socket = ctx.socket(crate::PUSH).unwrap();
        assert_eq!(batch_sizes(&socket), (8192, 8192));
        throughput(&socket).unwrap();
        assert_eq!(batch_sizes(&socket), (BATCH_SIZE, BATCH_SIZE));
    }

    #[test]
    fn reconnect_jitter_draws_a_spread_of_intervals_and_moves_the_bound() {
        let ctx = Context::new();
        let base = Duration::from_millis(100);
        let spread = Duration::from_millis(900);
        let mut chosen = std::collections::HashSet::new();
        for _ in 0..50 {
            let socket = ctx.socket(crate::DEALER).unwrap();
            let ivl = reconnect_jitter(&socket, base, spread).unwrap();
            assert!(ivl >= base && ivl <= base + spread, "{ivl:?}");
            assert_eq!(socket.get_reconnect_ivl().unwrap() as u128, ivl.as_millis());
            // Without a back-off bound, none is added.
            assert_eq!(socket.get_reconnect_ivl_max().unwrap(), 0);
            chosen.insert(ivl);
        }
        // 50 draws from 901 values: all equal would mean no randomness at all.
        assert!(chosen.len() > 10, "{chosen:?}");

        let socket = ctx.socket(crate::DEALER).unwrap();
        socket.set_reconnect_ivl_max(5_000).unwrap();
        let ivl = reconnect_jitter(&socket, base, spread).unwrap();
        let offset = ivl.as_millis() as i32 - 100;
        assert_eq!(socket.get_reconnect_ivl_max().unwrap(), 5_000 + offset);

        // A zero spread is a plain setter.
        let ivl = reconnect_jitter(&socket, base, Duration::ZERO).unwrap();
        assert_eq!(ivl, base);
    }

    #[test]
    fn reconnect_jitter_rejects_what_libzmq_would_misread() {
        let ctx = Context::new();
        let socket = ctx.socket(crate::DEALER).unwrap();
        let ms = Duration::from_millis;
        assert_eq!(reconnect_jitter(&socket, ms(0), ms(10)), Err(Error::EINVAL));
        assert_eq!(
            reconnect_jitter(&socket, ms(i32::MAX as u64), ms(1)),
            Err(Error::EINVAL)
        );
        assert_eq!(
            reconnect_jitter(&socket, Duration::from_secs(u64::MAX), ms(1)),
            Err(Error::EINVAL)
        );
        // Nothing was changed by the failures.
        assert_eq!(socket.get_reconnect_ivl().unwrap(), 100);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn colocate_pins_a_thread_and_rejects_impossible_cpus() {
        std::thread::spawn(|| {
            // SAFETY: sched_getcpu has no preconditions.
            let cpu = usize::try_from(unsafe { libc::sched_getcpu() }).unwrap_or(0);
            let ctx = Context::new();
            colocate(&ctx, cpu).unwrap();
            assert_eq!(colocate(&ctx, 1 << 20), Err(Error::EINVAL));
            // The pinned context still works.
            let (a, b) = (
                ctx.socket(crate::PAIR).unwrap(),
                ctx.socket(crate::PAIR).unwrap(),
            );
            a.bind("inproc://colocated").unwrap();
            b.connect("inproc://colocated").unwrap();
            a.send("x", 0).unwrap();
            assert_eq!(b.recv_bytes(0).unwrap(), b"x");
        })
        .join()
        .unwrap();
    }
}
