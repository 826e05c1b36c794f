#!/usr/bin/env bash
# How cost grows with N sockets and connections: this crate (sync, async) beside a C libzmq
# peer, pyzmq and zmq.rs; writes docs/scale.md and docs/scale.svg. See scripts/scale.py.
#   scripts/scale.sh            # the full table, N = 1 .. 10,000 (about 15 minutes on 2 cores)
#   scripts/scale.sh --quick    # smoke test, N <= 100 (under a minute after the build;
#                               # writes target/perf/scale-quick/)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/scale.py "$@"
