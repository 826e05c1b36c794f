//! `cargo xtask`: the repository's tooling in one place. `cargo xtask help` lists the tasks.
//!
//! Each task runs from the workspace root whatever the current directory. Python appears
//! only as the peer under test (pyzmq, in `target/pyenv`); the harnesses that build, run
//! and report (`perf`, `scale`) are Rust.

mod bindings;
mod ci;
mod compat;
mod czmq;
mod deadline;
mod leak;
mod loom;
mod msrv;
mod perf;
mod reliability;
mod scale;
mod tests;
mod util;

use std::process::ExitCode;

const HELP: &str = "\
cargo xtask <task> [args]

  test [cargo test args]   the whole test suite: every feature and every suite switch
                           (pyzmq interop, network namespaces), 8 tests at a time, with a
                           2-minute soak (10 client processes) running beside them when
                           no argument is given (ZMQ_SOAK_MINUTES=N sets its length, 0
                           skips it); with arguments, only `cargo test` with them
  ci                       what CI runs: `test`, then formatting, bindings freshness,
                           clippy, docs, MSRV, the compat route and czmq certificates,
                           with the loom models, plain `cargo test`, packaging and the
                           scale smoke test beside them, printing the wall and CPU
                           seconds of each step (.ci/run runs it with
                           CARGO_INCREMENTAL=0 and CARGO_PROFILE_DEV_DEBUG=0);
                           `ci --list` names the steps, `ci --only a,b` runs some of them
  pyenv                    make target/pyenv, the virtualenv with the pinned pyzmq
  perf [--quick ...]       side-by-side benchmarks (xtask/src/perf/): docs/perf.md
  scale [--quick ...]      cost with 1 to 10,000 sockets (xtask/src/scale/): docs/scale.md
  soak [--minutes N ...]   the endurance run (perf/src/bin/soak.rs)
  leak-check [crate[:filters] ...]
                           the test binaries under valgrind; a definite or indirect leak
                           fails (e.g. `leak-check security core:zerocopy::,json::`)
  loom [--preemptions N | --unbounded]
                           the loom models of the async readiness core with a preemption
                           bound of 4 (CI: 3), N, or none (about 8 minutes)
  regen-bindings [--check] regenerate zmq-sys/src/bindings.rs with bindgen (needs libclang);
                           --check fails when the committed file is stale
  msrv                     every package of the build graph fits the declared rust-version
  compat-route             a zmq 0.10 + zmq-sys 0.12 project from crates.io, patched to this
                           repository, resolves both to it (`cargo update --precise` route)
  czmq-certs               our CURVE certificate files and czmq's load in each other
  reliability-report [--quick | --from LOG]
                           run the scenario tests and write docs/reliability.md from their
                           FIGURE lines (--quick: only the crates with scenarios)
  deadline <program> [args]
                           run a test program under a time limit (`test` makes it cargo's
                           runner: a doctest 120 s, a test binary 20 min; the variables
                           ZMQ_TEST_SNIPPET_SECS and ZMQ_TEST_BINARY_SECS set them)
  help                     this text
";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(task) = args.next() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    let rest: Vec<String> = args.collect();
    if task == "deadline" {
        // As cargo's runner: in the directory cargo chose, with the program's exit code.
        return deadline::run(&rest).unwrap_or_else(|e| {
            eprintln!("xtask deadline: {e}");
            ExitCode::FAILURE
        });
    }
    if let Err(e) = std::env::set_current_dir(util::root()) {
        eprintln!("xtask: cannot enter the workspace root: {e}");
        return ExitCode::FAILURE;
    }
    let result = match task.as_str() {
        "help" | "--help" | "-h" => {
            print!("{HELP}");
            Ok(())
        }
        "test" => tests::test(&rest),
        "ci" => ci::ci(&rest),
        "pyenv" => tests::pyenv(),
        "perf" => perf::perf(&rest),
        "scale" => scale::scale(&rest),
        "soak" => tests::soak(&rest),
        "leak-check" => leak::leak_check(&rest),
        "loom" => loom::loom(&rest),
        "regen-bindings" => bindings::regen(&rest),
        "msrv" => msrv::check(),
        "compat-route" => compat::route(),
        "czmq-certs" => czmq::certs(),
        "reliability-report" => reliability::report(&rest),
        other => Err(format!(
            "unknown task `{other}`; `cargo xtask help` lists them"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}
