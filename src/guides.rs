//! The README and every guide in `docs/`, as doctests: each Rust snippet in them is
//! compiled and run by `cargo test --features full`, so none can go stale. Lines starting
//! with `# ` are hidden setup (a context, a peer, the final `Ok`); code blocks tagged
//! `toml`, `sh`, `text` or `python` are not Rust and are not run. Compiled only for
//! doctests.

macro_rules! guides {
    ($($name:ident = $path:literal;)*) => {
        $(
            #[doc = include_str!($path)]
            #[allow(dead_code)]
            struct $name;
        )*
    };
}

guides! {
    Readme = "../README.md";
    Architecture = "../docs/architecture.md";
    Async = "../docs/async.md";
    Defaults = "../docs/defaults.md";
    DesignAsync = "../docs/design/async.md";
    DesignReliability = "../docs/design/reliability.md";
    Interop = "../docs/interop.md";
    Migrating = "../docs/migrating.md";
    Patterns = "../docs/patterns.md";
    Perf = "../docs/perf.md";
    PerfNotes = "../docs/perf-notes.md";
    Performance = "../docs/performance.md";
    Reliability = "../docs/reliability.md";
    Scale = "../docs/scale.md";
    ScaleLimits = "../docs/scale-limits.md";
    ScaleNotes = "../docs/scale-notes.md";
    Security = "../docs/security.md";
    ZeroCopy = "../docs/zero-copy.md";
}
