//! What was built and linked: libzmq 4.3.5, with CURVE, statically (example binaries have
//! no `libzmq.so` among their ELF `NEEDED` entries).

use crate::common;

use std::path::Path;

use common::examples::example_binary;

#[test]
fn libzmq_version_and_capabilities() {
    assert_eq!(zmq::version(), (4, 3, 5));
    assert_eq!(zmq::has("curve"), Some(true));
    assert_eq!(zmq::has("ipc"), Some(true));
    assert_eq!(zmq::has("no-such-capability"), Some(false));
    assert_eq!(
        zmq::has("draft"),
        Some(true),
        "the vendored libzmq has the draft API"
    );
    assert!(zmq::has_capability("curve"));
}

/// The `DT_NEEDED` entries of a 64-bit little-endian ELF file (enough for Linux x86_64
/// and aarch64), read from its section headers.
fn elf_needed(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).unwrap();
    assert_eq!(
        &data[..4],
        b"\x7fELF",
        "{} is not an ELF file",
        path.display()
    );
    assert_eq!(
        (data[4], data[5]),
        (2, 1),
        "only ELF64 little-endian is handled"
    );
    let u16_at = |at: usize| u16::from_le_bytes(data[at..at + 2].try_into().unwrap()) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(data[at..at + 4].try_into().unwrap()) as usize;
    let u64_at = |at: usize| u64::from_le_bytes(data[at..at + 8].try_into().unwrap()) as usize;
    let (shoff, shentsize, shnum) = (u64_at(0x28), u16_at(0x3A), u16_at(0x3C));
    let section = |i: usize| {
        let at = shoff + i * shentsize;
        // (type, offset, size, link)
        (
            u32_at(at + 4),
            u64_at(at + 0x18),
            u64_at(at + 0x20),
            u32_at(at + 0x28),
        )
    };
    const SHT_DYNAMIC: usize = 6;
    const DT_NEEDED: usize = 1;
    let mut needed = Vec::new();
    for i in 0..shnum {
        let (kind, offset, size, link) = section(i);
        if kind != SHT_DYNAMIC {
            continue;
        }
        let (_, strtab, _, _) = section(link);
        for entry in (offset..offset + size).step_by(16) {
            if u64_at(entry) == DT_NEEDED {
                let start = strtab + u64_at(entry + 8);
                let end = start + data[start..].iter().position(|&b| b == 0).unwrap();
                needed.push(String::from_utf8_lossy(&data[start..end]).into_owned());
            }
        }
    }
    needed
}

#[test]
#[cfg(all(
    target_os = "linux",
    target_endian = "little",
    target_pointer_width = "64"
))]
fn examples_link_libzmq_statically() {
    let tour = example_binary("tour");
    let needed = elf_needed(&tour);
    assert!(
        needed.iter().any(|lib| lib.starts_with("libc.so")),
        "the reader found the dynamic section: {needed:?}"
    );
    for lib in &needed {
        assert!(
            !lib.contains("zmq"),
            "{} needs {lib}: {needed:?}",
            tour.display()
        );
        assert!(
            !lib.contains("sodium"),
            "{} needs {lib}: {needed:?}",
            tour.display()
        );
    }
}
