//! A zmq 0.10 program, built against `zmq = "0.10"` and `zmq-sys = "0.12"` patched to this
//! repository (see `Cargo.toml`). The program itself is `tests/compat/program.rs`; `src/program.rs` is a
//! symlink to it, so that `cargo package` (which follows symlinks) packs the program
//! inside this package.
#![deny(warnings)]

mod program;

/// Code that names `zmq-sys` directly (as bitcoincore-zmq does) reaches the same libzmq as
/// `zmq`: with both patch lines, the graph holds one zmq-sys (one `links = "zmq"`).
/// (clippy.toml keeps libzmq calls inside the raw layer of our crate; this is a user's
/// program, which may call zmq-sys.)
#[allow(clippy::disallowed_methods)]
fn zmq_sys_is_the_same_library() {
    let (mut major, mut minor, mut patch) = (0, 0, 0);
    // SAFETY: zmq_version only writes the three ints it is given valid pointers to.
    unsafe { zmq_sys::zmq_version(&mut major, &mut minor, &mut patch) };
    assert_eq!((major, minor, patch), zmq::version());
}

fn main() {
    zmq_sys_is_the_same_library();
    program::run_all();
    println!("the zmq 0.10 program passed");
}

#[test]
fn the_zmq_010_program_passes_through_patch_crates_io() {
    zmq_sys_is_the_same_library();
    program::run_all();
}
