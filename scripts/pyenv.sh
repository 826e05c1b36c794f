#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). Makes target/pyenv with the pinned pyzmq; see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask pyenv "$@"
