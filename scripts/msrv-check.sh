#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). The declared MSRV holds for the build graph; see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask msrv "$@"
