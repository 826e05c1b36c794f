//! The scheduling options of a context's threads (`ZMQ_THREAD_SCHED_POLICY`,
//! `ZMQ_THREAD_PRIORITY`, `ZMQ_THREAD_AFFINITY_CPU_*`), as set through this crate, and a
//! trial of them before the first socket starts the threads.
//!
//! libzmq accepts any non-negative value when the option is set, and applies them in each
//! thread it starts, asserting that the OS took them: a policy the OS does not know, a
//! priority out of the policy's range or beyond the process's rights, or a CPU set with no
//! CPU the process may use aborted the process at the first socket. The trial applies the
//! same calls, in libzmq's order, on a short-lived thread of ours first, so that
//! `Context::socket` fails with the error instead.

use std::collections::BTreeSet;

use libc::c_int;

use crate::error::Error;

/// What was set, `None` for libzmq's default (leave the thread as it was made).
#[derive(Clone, Debug, Default)]
pub(crate) struct ThreadOptions {
    policy: Option<c_int>,
    priority: Option<c_int>,
    cpus: BTreeSet<c_int>,
    /// Never tried (a context adopted from C code: what it set is unknown).
    untried: bool,
}

impl ThreadOptions {
    /// Options that are never tried.
    pub(crate) fn untried() -> ThreadOptions {
        ThreadOptions {
            untried: true,
            ..ThreadOptions::default()
        }
    }

    /// Records `option = value`, which libzmq has just accepted (other options are
    /// ignored).
    pub(crate) fn record(&mut self, option: c_int, value: c_int) {
        match u32::try_from(option) {
            Ok(zmq_sys::ZMQ_THREAD_SCHED_POLICY) => self.policy = Some(value),
            Ok(zmq_sys::ZMQ_THREAD_PRIORITY) => self.priority = Some(value),
            Ok(zmq_sys::ZMQ_THREAD_AFFINITY_CPU_ADD) => {
                self.cpus.insert(value);
            }
            Ok(zmq_sys::ZMQ_THREAD_AFFINITY_CPU_REMOVE) => {
                self.cpus.remove(&value);
            }
            _ => {}
        }
    }

    fn is_default(&self) -> bool {
        self.policy.is_none() && self.priority.is_none() && self.cpus.is_empty()
    }

    /// Applies the options as libzmq will in each of the context's threads, on a thread
    /// of our own that then ends: `Err` with what the OS said (`EINVAL` for a policy,
    /// priority or CPU set it refuses, `EACCES` for a priority the process may not take,
    /// `EAGAIN` when no thread can be started).
    pub(crate) fn try_on_a_thread(self) -> Result<(), Error> {
        if self.untried || self.is_default() {
            return Ok(());
        }
        let trial = std::thread::Builder::new()
            .name("zmq-sched-check".into())
            .spawn(move || self.apply_to_this_thread());
        match trial.map(std::thread::JoinHandle::join) {
            Ok(Ok(result)) => result.map_err(Error::from_raw),
            // Never panics.
            Ok(Err(_)) => Ok(()),
            // No thread can be started now: libzmq, which starts its own next, would
            // abort on that.
            Err(err) => Err(err.raw_os_error().map_or(Error::EAGAIN, Error::from_raw)),
        }
    }

    /// libzmq 4.3.5's `thread_t::applySchedulingParameters` on Linux, step by step, with
    /// the errno of the first failing step.
    #[cfg(target_os = "linux")]
    fn apply_to_this_thread(&self) -> Result<(), c_int> {
        let mut policy: c_int = 0;
        // SAFETY: sched_param is plain data; all-zero is a valid value.
        let mut param: libc::sched_param = unsafe { std::mem::zeroed() };
        // SAFETY: pthread_self is this live thread; both out-pointers are valid for writes.
        let rc =
            unsafe { libc::pthread_getschedparam(libc::pthread_self(), &mut policy, &mut param) };
        if rc != 0 {
            return Err(rc);
        }
        if let Some(chosen) = self.policy {
            policy = chosen;
        }
        let uses_nice = policy != libc::SCHED_FIFO && policy != libc::SCHED_RR;
        if uses_nice {
            param.sched_priority = 0;
        } else if let Some(priority) = self.priority {
            param.sched_priority = priority;
        }
        // SAFETY: pthread_self is this live thread; param is a valid sched_param.
        let rc = unsafe { libc::pthread_setschedparam(libc::pthread_self(), policy, &param) };
        if rc != 0 {
            return Err(rc);
        }
        if uses_nice && self.priority.is_some_and(|priority| priority > 0) {
            // On Linux `nice` changes the calling thread only: this one, which then ends.
            // libzmq asserts that it did not return -1, which is also a valid new nice
            // value (errno then stays 0: reported as EINVAL).
            // SAFETY: __errno_location points to this thread's errno.
            unsafe { *libc::__errno_location() = 0 };
            // SAFETY: no memory involved.
            if unsafe { libc::nice(-20) } == -1 {
                let errno = std::io::Error::last_os_error().raw_os_error();
                return Err(errno.filter(|&code| code != 0).unwrap_or(libc::EINVAL));
            }
        }
        if !self.cpus.is_empty() {
            // SAFETY: cpu_set_t is plain data; all-zero is the empty set.
            let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
            for &cpu in &self.cpus {
                // libzmq's CPU_SET ignores numbers past the set's size, as glibc's does.
                if let Ok(cpu) = usize::try_from(cpu)
                    && cpu < libc::CPU_SETSIZE as usize
                {
                    // SAFETY: cpu is within the set (checked above).
                    unsafe { libc::CPU_SET(cpu, &mut set) };
                }
            }
            // SAFETY: pthread_self is this live thread; set is a valid cpu_set_t of the
            // size given.
            let rc = unsafe {
                libc::pthread_setaffinity_np(
                    libc::pthread_self(),
                    std::mem::size_of::<libc::cpu_set_t>(),
                    &set,
                )
            };
            if rc != 0 {
                return Err(rc);
            }
        }
        Ok(())
    }

    /// Elsewhere libzmq's calls differ; nothing is tried.
    #[cfg(not(target_os = "linux"))]
    fn apply_to_this_thread(&self) -> Result<(), c_int> {
        Ok(())
    }
}
