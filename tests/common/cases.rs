//! A small deterministic input generator for the randomized tests (R13–R15, S9, S12).
//!
//! Every case draws its input from its own [`Gen`], a SplitMix64 stream seeded from the
//! test's 32-byte seed (printed in its FIGURE line) and the case's index. So the same seed
//! gives the same cases on every run and machine, and one case can be regenerated alone
//! with [`Gen::for_case`]. [`Cases`] hands out consecutive case indexes and runs checks; a
//! failure names the seed, the case index and, when it is short, the input.
//!
//! There is no shrinking: a failure reports the case as it was generated, not a minimal
//! one. Length ranges are half-open (`0..n` gives 0 to n - 1 items).

use std::fmt;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// SplitMix64's increment (the golden ratio in 64 bits).
const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function: a bijective mix of all 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seeded SplitMix64 generator with helpers for the shapes the tests need.
#[derive(Clone, Debug)]
pub struct Gen {
    state: u64,
}

impl Gen {
    /// The generator of case `index` under `seed` (all 32 bytes and the index count).
    pub fn for_case(seed: &[u8; 32], index: u64) -> Gen {
        let mut state = 0u64;
        for chunk in seed.chunks_exact(8) {
            let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
            state = mix(state ^ word).wrapping_add(GOLDEN);
        }
        Gen {
            state: mix(state ^ index),
        }
    }

    /// 64 random bits (uniform).
    pub fn u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// A random byte (uniform).
    pub fn u8(&mut self) -> u8 {
        (self.u64() >> 56) as u8
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift: uniform up to a bias of about
    /// n / 2^64.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "Gen::below(0)");
        ((u128::from(self.u64()) * n as u128) >> 64) as usize
    }

    /// A number in `range` (not empty).
    pub fn in_range(&mut self, range: Range<usize>) -> usize {
        assert!(!range.is_empty(), "Gen::in_range({range:?})");
        range.start + self.below(range.end - range.start)
    }

    /// Random bytes, their count in `len`.
    pub fn bytes(&mut self, len: Range<usize>) -> Vec<u8> {
        self.vec_of(len, Gen::u8)
    }

    /// One of `items` (not empty), each equally likely.
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    /// Items made by `item`, their count in `len`.
    pub fn vec_of<T>(&mut self, len: Range<usize>, mut item: impl FnMut(&mut Gen) -> T) -> Vec<T> {
        let n = self.in_range(len);
        (0..n).map(|_| item(self)).collect()
    }

    /// The result of one of `branches` (not empty), each equally likely.
    pub fn one_of<T>(&mut self, branches: &[&dyn Fn(&mut Gen) -> T]) -> T {
        let branch = self.pick(branches);
        branch(self)
    }

    /// A string of chars made by `char`, their count in `len`.
    pub fn string_of(&mut self, len: Range<usize>, char: impl FnMut(&mut Gen) -> char) -> String {
        self.vec_of(len, char).into_iter().collect()
    }

    /// Any char but `'\n'` (what the regex `.` matches): half of them ASCII (controls
    /// included), half any Unicode scalar value.
    pub fn line_char(&mut self) -> char {
        loop {
            let c = if self.below(2) == 0 {
                char::from(self.below(0x80) as u8)
            } else {
                match char::from_u32(self.below(0x11_0000) as u32) {
                    Some(c) => c,
                    None => continue, // a surrogate
                }
            };
            if c != '\n' {
                return c;
            }
        }
    }
}

/// Names one generated case: its seed and index ([`CaseId::generator`] regenerates it).
#[derive(Clone, Copy, Debug)]
pub struct CaseId {
    /// The test's seed.
    pub seed: [u8; 32],
    /// The case's index under the seed.
    pub index: u64,
}

impl CaseId {
    /// The generator this case's input came from.
    pub fn generator(&self) -> Gen {
        Gen::for_case(&self.seed, self.index)
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "seed={:?} case={}",
            String::from_utf8_lossy(&self.seed),
            self.index
        )
    }
}

/// The `Debug` form of a case's input for a failure message, or a note when it is too
/// long to be useful there.
pub fn show<T: fmt::Debug>(input: &T) -> String {
    const LIMIT: usize = 400;
    let text = format!("{input:?}");
    if text.len() <= LIMIT {
        text
    } else {
        format!(
            "<{} chars of Debug output; regenerate it with Gen::for_case(seed, case)>",
            text.len()
        )
    }
}

/// Consecutive cases under one seed: [`Cases::run`] checks `cases` of them,
/// [`Cases::draw`] hands out inputs. Indexes continue across calls, so each draw gets
/// fresh cases.
pub struct Cases {
    seed: [u8; 32],
    cases: u32,
    next: u64,
}

impl Cases {
    /// Cases under `seed`; [`Cases::run`] checks `cases` of them.
    pub fn new(seed: &[u8; 32], cases: u32) -> Cases {
        Cases {
            seed: *seed,
            cases,
            next: 0,
        }
    }

    /// The next case's id and generator.
    pub fn next_case(&mut self) -> (CaseId, Gen) {
        let id = CaseId {
            seed: self.seed,
            index: self.next,
        };
        self.next += 1;
        (id, id.generator())
    }

    /// `n` inputs from `generate`, each with its case id.
    pub fn draw<T>(
        &mut self,
        n: usize,
        mut generate: impl FnMut(&mut Gen) -> T,
    ) -> Vec<(CaseId, T)> {
        (0..n)
            .map(|_| {
                let (id, mut g) = self.next_case();
                (id, generate(&mut g))
            })
            .collect()
    }

    /// Checks `cases` inputs from `generate` with `check`, which asserts (panics) on a bad
    /// one; the failure is re-raised with the seed, the case index and the input.
    pub fn run<T: fmt::Debug>(
        &mut self,
        mut generate: impl FnMut(&mut Gen) -> T,
        mut check: impl FnMut(&T),
    ) {
        for _ in 0..self.cases {
            let (id, mut g) = self.next_case();
            let input = generate(&mut g);
            if let Err(panic) = catch_unwind(AssertUnwindSafe(|| check(&input))) {
                let why = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(a non-text panic)");
                panic!(
                    "{id} failed (no shrinking; this is the case as generated): {why}\ninput: {}",
                    show(&input)
                );
            }
        }
    }
}
