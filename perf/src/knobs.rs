//! `ZMQ_PERF_KNOBS`: libzmq settings to try one at a time, without rebuilding.

use crate::{fail, OrFail};

/// Settings read from `ZMQ_PERF_KNOBS`, a comma-separated list of `name=value`:
///
/// | name | what it sets |
/// |---|---|
/// | `io_threads` | `ZMQ_IO_THREADS` of the context |
/// | `io_cpu` | adds a CPU to the I/O threads' affinity (`ZMQ_THREAD_AFFINITY_CPU_ADD`); repeatable |
/// | `in_batch`, `out_batch` | `ZMQ_IN_BATCH_SIZE`, `ZMQ_OUT_BATCH_SIZE` (draft) |
/// | `sndhwm`, `rcvhwm` | the high-water marks |
/// | `sndbuf`, `rcvbuf` | the kernel socket buffers |
/// | `app_cpu` | pins the calling (application) thread to one CPU |
#[derive(Clone, Debug, Default)]
pub struct Knobs {
    settings: Vec<(String, i64)>,
}

impl Knobs {
    /// The knobs in `ZMQ_PERF_KNOBS` (none when it is unset); exits on a malformed list.
    pub fn from_env() -> Knobs {
        let text = std::env::var("ZMQ_PERF_KNOBS").unwrap_or_default();
        let mut settings = Vec::new();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let parsed = item
                .split_once('=')
                .and_then(|(name, value)| Some((name.to_string(), value.parse::<i64>().ok()?)));
            match parsed {
                Some(setting) => settings.push(setting),
                None => fail(
                    "ZMQ_PERF_KNOBS",
                    format!("expected name=number, got {item:?}"),
                ),
            }
        }
        Knobs { settings }
    }

    fn int(value: i64) -> i32 {
        i32::try_from(value).unwrap_or_else(|_| fail("ZMQ_PERF_KNOBS", "value out of range"))
    }

    /// Applies the context settings (before any socket is made).
    pub fn apply_to_context(&self, ctx: &zmq::Context) {
        for (name, value) in &self.settings {
            match name.as_str() {
                "io_threads" => ctx.set_io_threads(Self::int(*value)).or_fail(name),
                "io_cpu" => ctx.add_thread_affinity_cpu(Self::int(*value)).or_fail(name),
                "app_cpu" => pin_current_thread(Self::int(*value)),
                _ => {}
            }
        }
    }

    /// Applies the socket settings.
    pub fn apply_to_socket(&self, socket: &zmq::Socket) {
        for (name, value) in &self.settings {
            let value = *value;
            match name.as_str() {
                "in_batch" => socket.set_in_batch_size(Self::int(value)).or_fail(name),
                "out_batch" => socket.set_out_batch_size(Self::int(value)).or_fail(name),
                "sndhwm" => socket.set_sndhwm(Self::int(value)).or_fail(name),
                "rcvhwm" => socket.set_rcvhwm(Self::int(value)).or_fail(name),
                "sndbuf" => socket.set_sndbuf(Self::int(value)).or_fail(name),
                "rcvbuf" => socket.set_rcvbuf(Self::int(value)).or_fail(name),
                "io_threads" | "io_cpu" | "app_cpu" => {}
                other => fail("ZMQ_PERF_KNOBS", format!("unknown knob {other:?}")),
            }
        }
    }
}

/// Pins the calling thread to `cpu` (Linux only; elsewhere a no-op).
fn pin_current_thread(cpu: i32) {
    #[cfg(target_os = "linux")]
    {
        let cpu = usize::try_from(cpu).unwrap_or_else(|_| fail("app_cpu", "negative CPU"));
        // SAFETY: cpu_set_t is plain data, valid when zeroed; CPU_SET writes inside it
        // (it ignores CPUs past the set's size) and sched_setaffinity reads it.
        let rc = unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set)
        };
        if rc != 0 {
            fail("sched_setaffinity", std::io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cpu;
}
