#!/usr/bin/env bash
# Endurance run (docs/scale-limits.md): one broker, a few hundred Lazy Pirate clients in
# separate processes (half sync, half async; half over CURVE) connecting, sending,
# disconnecting and reconnecting at random, two random client processes SIGKILLed and
# restarted every minute. Samples RSS, fds, threads and request counts every 10 s and
# ends with one `FIGURE SOAK ...` line and PASS/FAIL (the exit status).
#
#   scripts/soak.sh                 # 30 minutes
#   scripts/soak.sh --minutes 2     # what CI runs
#   scripts/soak.sh --minutes 5 --processes 40 --clients-per-process 10
#
# Everything after the script name goes to `soak run` (perf/src/bin/soak.rs). The log,
# the samples (samples.csv) and the stats files land in target/soak/.
set -euo pipefail
cd "$(dirname "$0")/.."
# The client processes each hold ~3 fds per client; the broker one per connection.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
cargo build -q -p zmq-perf --bin soak
dir=target/soak
mkdir -p "$dir"
# Run a copy: a rebuild during the run must not pull the binary from under the
# processes it restarts.
bin=target/soak-bin
cp target/debug/soak "$bin"
log=target/soak.log
set +e
"$bin" run --dir "$dir" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
grep '^FIGURE SOAK ' "$log" > target/soak.figure || true
exit "$status"
