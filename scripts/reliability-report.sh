#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). The reliability figures; see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask reliability-report "$@"
