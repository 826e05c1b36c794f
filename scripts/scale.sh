#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). The scale harness (xtask/src/scale/); see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask scale "$@"
