//! A zmq 0.10 program, built against `zmq = "0.10"` patched to this repository (see
//! `Cargo.toml`). The program itself is `tests/compat/program.rs`; `src/program.rs` is a
//! symlink to it, so that `cargo package` (which follows symlinks) packs the program
//! inside this package.
#![deny(warnings)]

mod program;

fn main() {
    program::run_all();
    println!("the zmq 0.10 program passed");
}

#[test]
fn the_zmq_010_program_passes_through_patch_crates_io() {
    program::run_all();
}
