#!/usr/bin/env bash
# Side-by-side performance: libzmq's C perf tools, this crate (sync, tuned, async),
# rust-zmq 0.10 and zmq.rs; writes docs/perf.md and docs/perf.svg. See scripts/perf.py.
#   scripts/perf.sh            # the full table (~5 minutes on 2 cores)
#   scripts/perf.sh --quick    # smoke test (seconds; writes target/perf/quick/)
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/perf.py "$@"
