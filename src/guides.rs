//! The README and the guides in `docs/`, as doctests: every Rust snippet in them is
//! compiled and run by `cargo test --features full`, so none can go stale. Lines starting
//! with `# ` are hidden setup (a context, a peer, the final `Ok`). Compiled only for
//! doctests.

#[doc = include_str!("../docs/patterns.md")]
struct Patterns;
