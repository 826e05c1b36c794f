#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). The endurance run; see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask soak "$@"
