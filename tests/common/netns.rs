//! Two network namespaces joined by a veth link, for tests that need separate hosts and
//! a network that can be cut (needs root and `ip` from iproute2, as CI has).
//!
//! A libzmq context lives in a namespace when it is created, and its first socket made,
//! on a thread inside that namespace: its I/O threads (which make the TCP connections)
//! inherit the namespace. Binds happen on the calling thread, so bind there too.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One end of the link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Namespace A, address `10.77.0.1`.
    A,
    /// Namespace B, address `10.77.0.2`.
    B,
}

/// Two namespaces, `10.77.0.1/24` (A) and `10.77.0.2/24` (B), joined by veth. Deleted on
/// drop.
pub struct NetPair {
    ns: [String; 2],
    veth: [String; 2],
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run `ip` ({e}); install iproute2"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl NetPair {
    /// Creates the namespaces and the link, or says why this machine does not allow it.
    pub fn new() -> Result<NetPair, String> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{}{n}", std::process::id() % 100_000);
        let pair = NetPair {
            ns: [format!("zmqt{tag}a"), format!("zmqt{tag}b")],
            veth: [format!("zv{tag}a"), format!("zv{tag}b")],
        };
        ip(&["netns", "add", &pair.ns[0]])?;
        ip(&["netns", "add", &pair.ns[1]])?;
        ip(&[
            "link",
            "add",
            &pair.veth[0],
            "type",
            "veth",
            "peer",
            "name",
            &pair.veth[1],
        ])?;
        for i in 0..2 {
            ip(&["link", "set", &pair.veth[i], "netns", &pair.ns[i]])?;
            let addr = format!(
                "{}/24",
                Self::addr_of(if i == 0 { Side::A } else { Side::B })
            );
            ip(&[
                "-n",
                &pair.ns[i],
                "addr",
                "add",
                &addr,
                "dev",
                &pair.veth[i],
            ])?;
            ip(&["-n", &pair.ns[i], "link", "set", "lo", "up"])?;
            ip(&["-n", &pair.ns[i], "link", "set", &pair.veth[i], "up"])?;
        }
        Ok(pair)
    }

    /// The IP address of a side.
    pub fn addr_of(side: Side) -> &'static str {
        match side {
            Side::A => "10.77.0.1",
            Side::B => "10.77.0.2",
        }
    }

    fn index(side: Side) -> usize {
        usize::from(side == Side::B)
    }

    /// Takes the link down at both ends: packets are dropped, nobody is told.
    pub fn cut(&self) {
        for i in 0..2 {
            ip(&["-n", &self.ns[i], "link", "set", &self.veth[i], "down"]).expect("cut link");
        }
    }

    /// Brings the link back up.
    pub fn restore(&self) {
        for i in 0..2 {
            ip(&["-n", &self.ns[i], "link", "set", &self.veth[i], "up"]).expect("restore link");
        }
    }

    /// Runs `f` on a new thread inside `side`'s namespace and returns its result.
    pub fn run_in<T: Send + 'static>(
        &self,
        side: Side,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> T {
        let path = format!("/run/netns/{}", self.ns[Self::index(side)]);
        std::thread::spawn(move || {
            let file = std::fs::File::open(&path).expect("open the namespace");
            use std::os::unix::io::AsRawFd;
            // SAFETY: setns on an fd we own, for this thread only; CLONE_NEWNET may be
            // entered by one thread of a multi-threaded process.
            let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            f()
        })
        .join()
        .expect("namespace thread")
    }
}

impl Drop for NetPair {
    fn drop(&mut self) {
        for ns in &self.ns {
            let _ = ip(&["netns", "del", ns]);
        }
    }
}

/// The namespaces for a test, or — when the machine does not allow them — a failure
/// that says why, unless `ZMQ_TEST_NETNS=skip` asks to skip loudly instead (the figure
/// line then says SKIPPED). `None` means skipped.
pub fn net_pair_or_fail(figure_id: &str) -> Option<NetPair> {
    match NetPair::new() {
        Ok(pair) => Some(pair),
        Err(reason) => {
            if std::env::var("ZMQ_TEST_NETNS").as_deref() == Ok("skip") {
                eprintln!(
                    "\n!!!!!!!! NETWORK-NAMESPACE TEST {figure_id} NOT RUN: {reason} \
                     (ZMQ_TEST_NETNS=skip) !!!!!!!!\n"
                );
                super::scenario::figure(figure_id, format!("status=SKIPPED reason={reason:?}"));
                None
            } else {
                panic!(
                    "{figure_id} needs network namespaces (root, iproute2) and this machine \
                     refused: {reason}. Run the tests as root (CI does), or build without \
                     the `test-netns` feature (plain `cargo test` does not build them), or \
                     set ZMQ_TEST_NETNS=skip to skip them with a loud notice."
                )
            }
        }
    }
}
