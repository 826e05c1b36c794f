//! Replays inputs through a fuzz target without libFuzzer (works on stable):
//! `cargo run --bin replay -- TARGET FILE...` (e.g. a crash file from `artifacts/`).

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(name) = args.next() else {
        eprintln!("usage: replay TARGET FILE...   (targets: {})", names());
        std::process::exit(2);
    };
    let Some((_, target)) = zmq_fuzz::TARGETS.iter().find(|(n, _)| *n == name) else {
        eprintln!("unknown target {name:?}; targets: {}", names());
        std::process::exit(2);
    };
    for file in args {
        let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        target(&data);
        println!("{file}: ok");
    }
}

fn names() -> String {
    zmq_fuzz::TARGETS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}
