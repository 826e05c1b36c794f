#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). Side-by-side benchmarks (xtask/src/perf/); see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask perf "$@"
