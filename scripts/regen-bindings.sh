#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). Regenerates (or --check) zmq-sys/src/bindings.rs; see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask regen-bindings "$@"
