//! `loom`: the loom models of the async readiness core (src/rt/waiters.rs,
//! src/rt/shared.rs; what they cover: docs/design/async.md §4).

use crate::util::{cargo, root, run, system_libs, Result, SYSTEM};

/// CI's preemption bound. Every bug seeded into the models so far (docs/design/async.md
/// §4) fails at 3; two of the three pass at 2. 3 costs about 7 CPU-seconds, 4 about 50.
pub const CI_PREEMPTIONS: u32 = 3;

/// `cargo xtask loom [--preemptions N | --unbounded]`: the models with a preemption bound
/// of 4 (the default), N, or none (about 8 minutes, measured with a release build; the
/// `loom` profile runs the models as fast: 48 s against 49 at bound 4).
pub fn loom(args: &[String]) -> Result {
    let bound = match args {
        [] => Some(4),
        [flag] if flag == "--unbounded" => None,
        [flag, n] if flag == "--preemptions" => Some(
            n.parse()
                .map_err(|_| format!("--preemptions takes a number, not `{n}`"))?,
        ),
        _ => return Err("usage: cargo xtask loom [--preemptions N | --unbounded]".into()),
    };
    run_models(bound)
}

/// Builds the models (`--cfg loom`, the `loom` profile of Cargo.toml, in target/loom,
/// against the system libzmq and libsodium: the models call no libzmq) and runs them with
/// the given preemption bound (`None`: unbounded).
pub fn run_models(preemptions: Option<u32>) -> Result {
    system_libs()?;
    let mut command = cargo();
    command
        .args([
            "test",
            "--profile",
            "loom",
            "--features",
            "tokio",
            "--lib",
            "loom",
        ])
        // One model at a time: loom maps a stack for every thread of every execution, and
        // two models unmapping at once on two cores cost more system time than they save
        // (bound 4, release build, alone on this machine: 83 s wall and 120 CPU-s with
        // two, 60 s and 60 CPU-s with one; with the `loom` profile, one: 48 s, 48 CPU-s).
        .args(["--", "--test-threads", "1"])
        .env("RUSTFLAGS", "--cfg loom")
        .env("CARGO_TARGET_DIR", root().join("target/loom"))
        .envs(SYSTEM.iter().copied());
    match preemptions {
        Some(bound) => {
            println!("loom: preemption bound {bound}");
            command.env("LOOM_MAX_PREEMPTIONS", bound.to_string());
        }
        None => {
            println!("loom: no preemption bound");
            command.env_remove("LOOM_MAX_PREEMPTIONS");
        }
    }
    run(&mut command)
}
