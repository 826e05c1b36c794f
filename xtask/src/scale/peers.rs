//! The implementations under test and how to start their programs: the C peer
//! (perf/c/scale.c, compiled here against the libzmq.a zmq-sys built), this crate's `scale`
//! binary (sync; tokio current-thread and multi-thread; async-io), pyzmq (perf/python/scale_peer.py
//! in target/pyenv) and zmq.rs (perf/others/zmqrs_scale.rs, in a generated project).

use super::{log, Options};
use crate::perf::build::{self, BuildFacts};
use crate::util::{output, root, Result};
use serde_json::{json, Map, Value};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How to start one of a peer's programs: its command line, to which the run's options
/// are appended unless the program takes none.
#[derive(Clone)]
pub struct Launch {
    argv: Vec<String>,
    takes_options: bool,
}

impl Launch {
    fn new(program: &Path, args: &[&str]) -> Self {
        let mut argv = vec![program.to_string_lossy().into_owned()];
        argv.extend(args.iter().map(|a| a.to_string()));
        Launch {
            argv,
            takes_options: true,
        }
    }

    /// A program that is given none of the run's options (zmq.rs's broker and publisher
    /// have no backlog, CURVE or pacing option).
    fn without_options(mut self) -> Self {
        self.takes_options = false;
        self
    }

    fn argv(&self, options: &[String]) -> Vec<String> {
        let mut argv = self.argv.clone();
        if self.takes_options {
            argv.extend_from_slice(options);
        }
        argv
    }
}

/// One implementation: how to start its broker, publisher and clients (`None`: it cannot),
/// and why it does not run a row.
pub struct Peer {
    pub name: String,
    pub label: String,
    pub note: String,
    broker: Option<Launch>,
    publisher: Option<Launch>,
    clients: Option<Launch>,
    /// The C peer's subscribers (row 2's SUBs).
    subs: Option<Launch>,
    /// Its broker can be a SERVER and its clients CLIENTs (rows 5 and 6, `--socket`).
    server: bool,
    why: Vec<(u8, String)>,
}

impl Peer {
    fn new(name: &str, label: &str, note: impl Into<String>) -> Self {
        Peer {
            name: name.into(),
            label: label.into(),
            note: note.into(),
            broker: None,
            publisher: None,
            clients: None,
            subs: None,
            server: false,
            why: Vec::new(),
        }
    }

    pub fn has_broker(&self) -> bool {
        self.broker.is_some()
    }

    pub fn has_publisher(&self) -> bool {
        self.publisher.is_some()
    }

    pub fn has_clients(&self) -> bool {
        self.clients.is_some()
    }

    /// Whether it runs rows 5 and 6 (SERVER broker, CLIENT clients).
    pub fn has_server(&self) -> bool {
        self.server
    }

    fn launch(
        &self,
        launch: &Option<Launch>,
        what: &str,
        options: &[String],
    ) -> Result<Vec<String>> {
        launch
            .as_ref()
            .map(|l| l.argv(options))
            .ok_or_else(|| format!("{} has no {what}", self.label))
    }

    pub fn broker_argv(&self, options: &[String]) -> Result<Vec<String>> {
        self.launch(&self.broker, "broker", options)
    }

    pub fn publisher_argv(&self, options: &[String]) -> Result<Vec<String>> {
        self.launch(&self.publisher, "publisher", options)
    }

    pub fn clients_argv(&self, options: &[String]) -> Result<Vec<String>> {
        self.launch(&self.clients, "clients", options)
    }

    pub fn subs_argv(&self, options: &[String]) -> Result<Vec<String>> {
        self.launch(&self.subs, "subscribers", options)
    }

    /// What the results keep of a peer: name, label, note and why (by row).
    pub fn info(&self) -> Value {
        let why: Map<String, Value> = self
            .why
            .iter()
            .map(|(row, reason)| (row.to_string(), reason.as_str().into()))
            .collect();
        json!({"name": self.name, "label": self.label, "note": self.note, "why": why})
    }
}

/// Compiles perf/c/scale.c against the libzmq.a zmq-sys built (as C, linked as C++:
/// libzmq is C++); returns the binary and the pinned zeromq-src version.
fn build_c(facts: &BuildFacts) -> Result<(PathBuf, String)> {
    let source = build::libzmq_source()?;
    let libs = facts.static_libs()?;
    let work = super::work_dir();
    fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let out = work.join("scale_c");
    let object = work.join("scale_c.o");
    let mut include = OsString::from("-I");
    include.push(source.vendor.join("include"));
    build::run_logged(
        Command::new(build::compiler("CC", "cc"))
            .current_dir(root())
            .args(["-O2", "-std=c11", "-D_GNU_SOURCE", "-DZMQ_STATIC"])
            .arg(include)
            .arg("-c")
            .arg(root().join("perf/c/scale.c"))
            .arg("-o")
            .arg(&object),
    )?;
    build::run_logged(
        Command::new(build::compiler("CXX", "c++"))
            .current_dir(root())
            .arg(&object)
            .arg("-o")
            .arg(&out)
            .args(&libs)
            .arg("-lpthread"),
    )?;
    Ok((out, source.pinned))
}

/// One of this crate's peers: the scale binary, its broker (a ROUTER, or a SERVER in row 5)
/// and publisher run with `--impl serving`, its clients with `--impl clients`.
fn ours_peer(
    ours: &Path,
    (name, label): (&str, &str),
    note: &str,
    (serving, clients): (&str, &str),
) -> Peer {
    let mut peer = Peer::new(name, label, note);
    peer.broker = Some(Launch::new(ours, &["broker", "--impl", serving]));
    peer.publisher = Some(Launch::new(ours, &["pub", "--impl", serving]));
    peer.clients = Some(Launch::new(ours, &["clients", "--impl", clients]));
    peer.server = true;
    peer
}

/// Builds every peer the options ask for (the C peer always: it is the other side of rows
/// 1 to 3) and returns them, C first.
pub fn build_peers(o: &Options) -> Result<Vec<Peer>> {
    let facts = if o.quick {
        build::build_ours_dev("scale")?
    } else {
        build::build_ours()?
    };
    let ours = super::ours_bin(o);
    let (c_bin, pinned) = build_c(&facts)?;
    let mut c = Peer::new(
        "c",
        "C libzmq",
        format!(
            "perf/c/scale.c on libzmq 4.3.5 (zeromq-src {pinned}), the same libzmq.a; clients \
             wait with zmq_poller"
        ),
    );
    c.broker = Some(Launch::new(&c_bin, &["broker"]));
    c.clients = Some(Launch::new(&c_bin, &["clients"]));
    c.publisher = Some(Launch::new(&c_bin, &["pub"]));
    c.subs = Some(Launch::new(&c_bin, &["subs"]));
    c.server = true;
    let sync = ours_peer(
        &ours,
        ("sync", "zmq sync"),
        "this crate, blocking API; clients wait with zmq::poll",
        ("sync", "sync"),
    );
    let asynch = ours_peer(
        &ours,
        ("async", "zmq async"),
        "this crate, tokio adapter, current-thread runtime",
        ("async", "async-ct"),
    );
    let mut mt = Peer::new(
        "async-mt",
        "zmq async mt",
        "this crate, tokio adapter, multi-thread runtime (clients only)",
    );
    mt.clients = Some(Launch::new(&ours, &["clients", "--impl", "async-mt"]));
    mt.why = vec![
        (
            1,
            "the async broker is one socket: the runtime flavour does not matter".into(),
        ),
        (
            2,
            "the publisher is one socket: the runtime flavour does not matter".into(),
        ),
        (
            4,
            "the async storm runs on the current-thread runtime".into(),
        ),
        (
            5,
            "the async SERVER broker is one socket: the runtime flavour does not matter".into(),
        ),
    ];
    mt.server = true;
    let async_io = ours_peer(
        &ours,
        ("async-io", "zmq async-io"),
        "this crate, async-io adapter (smol's reactor), tasks on one async-executor thread",
        ("async-io", "async-io"),
    );
    let mut peers = vec![c, sync, asynch, mt, async_io];
    if o.wants_python() {
        peers.extend(python_peers());
    }
    if o.wants("zmq.rs") {
        peers.extend(zmqrs_peer());
    }
    Ok(peers)
}

/// The generated project of the zmq.rs peer.
fn zmqrs_manifest() -> String {
    format!(
        r#"# Generated by `cargo xtask scale` (xtask/src/scale/peers.rs): the scale harness's zmq.rs peer.
[package]
name = "scale-zmqrs"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[[bin]]
name = "zmqrs_scale"
path = "{root}/perf/others/zmqrs_scale.rs"

[dependencies]
zeromq = {{ version = "=0.7.0", default-features = false, features = ["tokio-runtime", "all-transport"] }}
tokio = {{ version = "1", features = ["rt", "time", "sync"] }}
bytes = "1"
libc = "0.2"
"#,
        root = root().display()
    )
}

/// zmq.rs, or nothing (with a message) when it does not build.
fn zmqrs_peer() -> Option<Peer> {
    let bin_dir = build::build_generated("scale-zmqrs", &zmqrs_manifest())
        .map_err(|e| log(&format!("zmq.rs: not measured: build failed ({e})")))
        .ok()?;
    let binary = bin_dir.join("zmqrs_scale");
    let mut peer = Peer::new(
        "zmq.rs",
        "zmq.rs 0.7",
        "crates.io zeromq 0.7.0, pure Rust, tokio current-thread",
    );
    peer.broker = Some(Launch::new(&binary, &["broker"]).without_options());
    peer.publisher = Some(Launch::new(&binary, &["pub"]).without_options());
    peer.clients = Some(Launch::new(&binary, &["clients"]));
    peer.why = vec![
        (
            4,
            "runs NULL only (zmq.rs has no CURVE) and with its own listen backlog (tokio's \
             default, 1024; zmq.rs has no option for it)"
                .into(),
        ),
        (5, "zmq.rs 0.7 has no SERVER or CLIENT socket".into()),
        (6, "zmq.rs 0.7 has no SERVER or CLIENT socket".into()),
    ];
    Some(peer)
}

/// pyzmq's sync and asyncio peers (perf/python/scale_peer.py in target/pyenv), or none
/// (with a message) when target/pyenv cannot be made.
fn python_peers() -> Vec<Peer> {
    let script = root().join("perf/python/scale_peer.py");
    if !script.exists() {
        return Vec::new();
    }
    let py = root().join("target/pyenv/bin/python");
    let version = crate::tests::pyenv().and_then(|()| {
        output(Command::new(&py).args([
            "-c",
            "import zmq; print(zmq.__version__, zmq.zmq_version())",
        ]))
    });
    let version = match version {
        Ok(v) => v,
        Err(e) => {
            log(&format!("pyzmq: not measured: {e}"));
            return Vec::new();
        }
    };
    let mut words = version.split_whitespace();
    let (pyzmq, libzmq) = (words.next().unwrap_or("?"), words.next().unwrap_or("?"));
    let note = format!("pyzmq {pyzmq} (its own libzmq {libzmq})");
    let script = script.to_string_lossy().into_owned();
    let mut sync = Peer::new(
        "py",
        "pyzmq sync",
        format!("{note}, blocking API; clients wait with zmq.Poller"),
    );
    sync.broker = Some(Launch::new(&py, &[&script, "broker", "--impl", "sync"]));
    sync.publisher = Some(Launch::new(&py, &[&script, "pub"]));
    sync.clients = Some(Launch::new(&py, &[&script, "clients", "--impl", "sync"]));
    sync.why = [5, 6]
        .map(|row| {
            (
                row,
                "pyzmq's wheels bundle a libzmq built without the draft API (no SERVER or \
                 CLIENT)"
                    .into(),
            )
        })
        .into();
    let mut asyncio = Peer::new(
        "py-asyncio",
        "pyzmq asyncio",
        format!("{note}, zmq.asyncio on the default asyncio loop"),
    );
    asyncio.clients = Some(Launch::new(&py, &[&script, "clients", "--impl", "asyncio"]));
    asyncio.why = [1, 2, 4, 5, 6]
        .map(|row| {
            (
                row,
                "pyzmq's asyncio peer runs row 3 only (the sync peer runs the rest)".into(),
            )
        })
        .into();
    vec![sync, asyncio]
}
