#!/usr/bin/env bash
# The whole test suite: prepares the Python peers (target/pyenv with the pinned pyzmq),
# then runs every test of the workspace with every feature of the crate.
# Extra arguments go to `cargo test` (e.g. scripts/test.sh --test interop).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/pyenv.sh
export ZMQ_TEST_PYTHON="$PWD/target/pyenv/bin/python"
exec cargo test --workspace --features full "$@"
