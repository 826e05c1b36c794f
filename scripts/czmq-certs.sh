#!/usr/bin/env bash
# Kept for old habits: the tooling is `cargo xtask` (xtask/). Certificates interoperate with czmq; see `cargo xtask help`.
cd "$(dirname "$0")/.." && exec cargo xtask czmq-certs "$@"
