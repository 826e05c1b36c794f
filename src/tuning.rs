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
