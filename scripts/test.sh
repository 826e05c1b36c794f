#!/usr/bin/env bash
# The whole test suite: prepares the Python peers (target/pyenv with the pinned pyzmq),
# then runs every test of the workspace with every feature of the crate.
# Extra arguments go to `cargo test` (e.g. scripts/test.sh --test interop).
# Without arguments (the full suite, as CI runs it), a 2-minute endurance run follows
# (scripts/soak.sh; ZMQ_SOAK_MINUTES=N changes its length, 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/pyenv.sh
export ZMQ_TEST_PYTHON="$PWD/target/pyenv/bin/python"
if [ $# -gt 0 ] || [ "${ZMQ_SOAK_MINUTES:-2}" = 0 ]; then
  exec cargo test --workspace --features full "$@"
fi
cargo test --workspace --features full
scripts/soak.sh --minutes "${ZMQ_SOAK_MINUTES:-2}"
