#!/usr/bin/env bash
# The whole test suite: prepares the Python peers (target/pyenv with the pinned pyzmq),
# then runs every test of the workspace with every feature of the crate and every
# test-suite switch on: `test-pyzmq` (tests/interop, the pyzmq cases of tests/security)
# and `test-netns` (tests/netns: needs root and iproute2). Plain `cargo test` runs
# neither. Extra arguments go to `cargo test` (e.g. scripts/test.sh --test interop pubsub::).
# Without arguments (the full suite, as CI runs it), a 2-minute endurance run follows
# (scripts/soak.sh; ZMQ_SOAK_MINUTES=N changes its length, 0 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/pyenv.sh
export ZMQ_TEST_PYTHON="$PWD/target/pyenv/bin/python"
if [ $# -gt 0 ] || [ "${ZMQ_SOAK_MINUTES:-2}" = 0 ]; then
  exec cargo test --workspace --features full,test-pyzmq,test-netns "$@"
fi
cargo test --workspace --features full,test-pyzmq,test-netns
scripts/soak.sh --minutes "${ZMQ_SOAK_MINUTES:-2}"
