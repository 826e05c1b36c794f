//! Mends libzmq 4.3.5's udp engine, which any host that can send the process a datagram
//! can crash, before the library is linked (Linux targets).
//!
//! `udp_engine_t::in_event` reads a RADIO/DISH datagram's first byte, the group's length,
//! as a *signed* `char`: a byte of 0x80 or more becomes a negative length, `msg.init_size`
//! fails and `errno_assert` aborts the process. It also allocates the group before it
//! checks that the datagram holds it (a short datagram leaked that block), and a DGRAM
//! socket asserts that every datagram is IPv4 (an IPv6 one aborted the process). And
//! `out_event` copies each outgoing datagram into its 8 KiB buffer unchecked (the `zmq`
//! crate refuses larger messages before libzmq sees them; this drops any that still get
//! there). `in_event` reads each datagram into an 8 KiB buffer too, and delivered a longer
//! one cut, as if whole; now it is dropped. libzmq fixed the first upstream after 4.3.5.
//!
//! How: `zeromq-src` leaves a copy of libzmq's sources in `OUT_DIR/source/src`. This takes
//! `udp_engine.cpp` from there, rewrites six lines (each must be found exactly once, or
//! nothing changes), compiles it with the flags `zeromq-src` used, and puts the object in
//! `libzmq.a` in place of the original. The flags are checked rather than trusted: the
//! unmended file is compiled the same way first, and its code (`objdump -d`) must be the
//! original object's, instruction for instruction. When any step is not possible (no
//! `objdump` or `ar`, another libzmq version, a difference in the code), the build goes on
//! with the library as `zeromq-src` made it, and says so in a cargo warning.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The mends: a line of libzmq 4.3.5's `udp_engine.cpp` to find (exactly once), and
/// what replaces it. Only the lines are named here; the code around them stays libzmq's.
const REWRITES: [(&str, &str); 6] = [
    // in_event: a datagram longer than the 8 KiB buffer was read cut and delivered as if
    // whole. MSG_TRUNC makes Linux's recvfrom return the datagram's real length...
    (
        "recvfrom (_fd, _in_buffer, MAX_UDP_MSG, 0,",
        "recvfrom (_fd, _in_buffer, MAX_UDP_MSG, MSG_TRUNC,",
    ),
    // ...so that such a datagram is dropped once the read succeeded.
    (
        "int body_offset;",
        "int body_offset;
    /* zmq-sys: a datagram longer than the buffer arrived cut; it is dropped. */
    if (nbytes > MAX_UDP_MSG)
        return;",
    ),
    // in_event, DGRAM: an IPv6 datagram failed an assertion (the process aborted).
    (
        "zmq_assert (in_address.ss_family == AF_INET);",
        "/* zmq-sys: a datagram from anything but IPv4 is dropped. */
        if (in_address.ss_family != AF_INET)
            return;",
    ),
    // in_event: the group's length byte, read as signed.
    (
        "const int group_size = _in_buffer[0];",
        "/* zmq-sys: the length byte is unsigned, and a datagram too short for its group
           is dropped before anything is allocated for it. */
        const int group_size = static_cast<unsigned char> (_in_buffer[0]);
        if (nbytes < 1 || nbytes - 1 < group_size)
            return;",
    ),
    // out_event, DGRAM: the body alone is copied into the 8 KiB buffer.
    (
        "size = body_size;",
        "size = body_size;
            /* zmq-sys: a datagram larger than the buffer is dropped. */
            if (size > MAX_UDP_MSG) {
                group_msg.close ();
                body_msg.close ();
                return;
            }",
    ),
    // out_event, RADIO: a length byte, the group and the body.
    (
        "size = group_size + body_size + 1;",
        "size = group_size + body_size + 1;
            /* zmq-sys: a datagram larger than the buffer is dropped. */
            if (size > MAX_UDP_MSG) {
                group_msg.close ();
                body_msg.close ();
                return;
            }",
    ),
];

/// Mends `udp_engine.cpp` in the `libzmq.a` that `zeromq-src` built in `out_dir`;
/// whether it did. `libsodium`: the include directory libzmq was compiled with, when
/// CURVE is on.
pub fn apply(out_dir: &Path, libsodium: Option<&Path>) -> bool {
    match try_apply(out_dir, libsodium) {
        Ok(()) => true,
        Err(why) => {
            println!(
                "cargo:warning=zmq-sys: libzmq's udp engine is left as libzmq 4.3.5 has it \
                 (a DISH bound to udp aborts on a datagram whose first byte is 0x80 or \
                 more): {why}. Once that is mended, `cargo clean -p zmq-sys` rebuilds it"
            );
            false
        }
    }
}

fn try_apply(out_dir: &Path, libsodium: Option<&Path>) -> Result<(), String> {
    let src = out_dir.join("source").join("src");
    let original = fs::read_to_string(src.join("udp_engine.cpp"))
        .map_err(|e| format!("reading udp_engine.cpp: {e}"))?;
    let mut mended = original.clone();
    for (from, to) in REWRITES {
        if mended.matches(from).count() != 1 {
            return Err("udp_engine.cpp is not the one this mends".into());
        }
        mended = mended.replace(from, to);
    }
    // Next to the original, so that its `#include "..."` resolve the same way.
    let same = src.join("zmq_sys_udp_engine_check.cpp");
    let fixed = src.join("zmq_sys_udp_engine_mended.cpp");
    write(&same, &original)?;
    write(&fixed, &mended)?;

    let lib = out_dir.join("lib").join("libzmq.a");
    let member = archive_member(&lib)?;
    let work = out_dir.join("udp-fix");
    fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    run(archiver()
        .arg("x")
        .arg(&lib)
        .arg(&member)
        .current_dir(&work))?;
    let compiled_same = compile(out_dir, libsodium, &same)?;
    let (ours, original) = disassemble_both(&compiled_same, &work.join(&member))?;
    if ours != original || symbols(&compiled_same)? != symbols(&work.join(&member))? {
        return Err("its flags could not be matched (the code differs)".into());
    }
    // Something to compare: not the intermediate code of -flto, say, which objdump
    // shows as nothing at all.
    if !ours.contains("<_ZN3zmq12udp_engine_t8in_eventEv>:") {
        return Err("the object holds no machine code to compare (LTO?)".into());
    }
    let compiled_fixed = compile(out_dir, libsodium, &fixed)?;
    // Same member name, so that `ar r` replaces the original in place.
    let replacement = work.join("mended").join(&member);
    fs::create_dir_all(replacement.parent().unwrap()).map_err(|e| e.to_string())?;
    fs::copy(&compiled_fixed, &replacement).map_err(|e| e.to_string())?;
    // `D`: deterministic (no timestamps), as `cc` made the archive.
    run(archiver().arg("rsD").arg(&lib).arg(&replacement))?;
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The archive member that holds `udp_engine.o` (`cc` prefixes a hash).
fn archive_member(lib: &Path) -> Result<String, String> {
    let listing = output(archiver().arg("t").arg(lib))?;
    let mut members = listing
        .lines()
        .filter(|name| name.ends_with("-udp_engine.o") || *name == "udp_engine.o");
    match (members.next(), members.next()) {
        (Some(name), None) => Ok(name.to_string()),
        _ => Err("no single udp_engine.o in libzmq.a".into()),
    }
}

/// Compiles `file` as `zeromq-src` compiles libzmq on Linux (its defines, includes and
/// C++ standard; `cc` adds the same flags from the environment, ours included).
fn compile(out_dir: &Path, libsodium: Option<&Path>, file: &Path) -> Result<PathBuf, String> {
    let source = out_dir.join("source");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .cargo_metadata(false)
        .out_dir(out_dir.join("udp-fix"))
        .define("ZMQ_BUILD_TESTS", "OFF")
        .include(source.join("include"))
        .include(source.join("src"))
        .define("ZMQ_BUILD_DRAFT_API", "1")
        .define("ZMQ_USE_CV_IMPL_STL11", "1")
        .define("ZMQ_STATIC", "1")
        .define("ZMQ_USE_BUILTIN_SHA1", "1")
        .define("ZMQ_HAVE_WS", "1");
    if let Some(include) = libsodium {
        build
            .define("ZMQ_USE_LIBSODIUM", "1")
            .define("ZMQ_HAVE_CURVE", "1")
            .include(include);
    }
    // The empty platform.hpp zeromq-src wrote, and its Linux defines.
    build
        .include(out_dir)
        .define("ZMQ_HAVE_LINUX", "1")
        .define("ZMQ_IOTHREAD_POLLER_USE_EPOLL", "1")
        .define("ZMQ_POLL_BASED_ON_POLL", "1")
        .define("ZMQ_HAVE_IPC", "1")
        .define("HAVE_STRNLEN", "1")
        .define("ZMQ_HAVE_UIO", "1")
        .define("ZMQ_HAVE_STRUCT_SOCKADDR_UN", "1")
        .std("c++11")
        .file(file);
    let objects = build
        .try_compile_intermediates()
        .map_err(|e| format!("compiling {}: {e}", file.display()))?;
    match objects.as_slice() {
        [object] => Ok(object.clone()),
        _ => Err("expected one object".into()),
    }
}

/// The object's instructions and relocations, without the header that names the file.
/// A field offset, a different code path or another callee would show.
fn disassembly(objdump: &Path, object: &Path) -> Result<String, String> {
    let text = output(Command::new(objdump).arg("-d").arg("-r").arg(object))?;
    Ok(text
        .lines()
        .filter(|line| !line.contains("file format"))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The object's symbols (`nm`), for the same comparison.
fn symbols(object: &Path) -> Result<String, String> {
    output(Command::new("nm").arg(object))
}

/// Both objects disassembled by the same tool: `OBJDUMP` if set, else the first of
/// `objdump` and `llvm-objdump` that reads them (the host's `objdump` may not know a cross
/// target's machine; `llvm-objdump` reads most).
fn disassemble_both(a: &Path, b: &Path) -> Result<(String, String), String> {
    println!("cargo:rerun-if-env-changed=OBJDUMP");
    let candidates: Vec<PathBuf> = match env::var_os("OBJDUMP") {
        Some(chosen) => vec![chosen.into()],
        None => vec!["objdump".into(), "llvm-objdump".into()],
    };
    let mut failures = Vec::new();
    for tool in candidates {
        match (disassembly(&tool, a), disassembly(&tool, b)) {
            (Ok(first), Ok(second)) => return Ok((first, second)),
            (Err(why), _) | (_, Err(why)) => failures.push(why),
        }
    }
    Err(format!(
        "no objdump could read the objects (set OBJDUMP): {}",
        failures.join("; ")
    ))
}

/// The archiver `cc` used for libzmq.a.
fn archiver() -> Command {
    cc::Build::new().get_archiver()
}

fn run(command: &mut Command) -> Result<(), String> {
    output(command).map(drop)
}

fn output(command: &mut Command) -> Result<String, String> {
    let out = command
        .output()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{command:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
