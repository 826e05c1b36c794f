//! Source compatibility with the zmq 0.10 crate: a program written against its API
//! (`tests/compat/program.rs`) builds with `deny(warnings)` and passes, against this
//! crate directly (here) and through `[patch.crates-io]` (`tests/compat-patch`).

#[deny(warnings)]
#[path = "../compat/program.rs"]
mod program;

#[test]
fn a_zmq_010_program_builds_and_passes() {
    program::run_all();
}
