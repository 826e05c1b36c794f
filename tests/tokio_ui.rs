//! Compile-fail tests of the tokio adapter's ownership rules (scenario 16): an
//! `AsyncSocket` is `Send` but not `Sync`, operations need `&mut`, and two operations on
//! one socket cannot be in flight at once (split it instead). The sync crate's cases live
//! elsewhere; these are in `tests/ui-async/`.
#![cfg(all(feature = "tokio", unix))]

#[test]
fn ui_async() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui-async/*.rs");
}
