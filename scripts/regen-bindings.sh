#!/usr/bin/env bash
# Regenerates zmq-sys/src/bindings.rs with bindgen from the zmq.h of the vendored libzmq.
#   scripts/regen-bindings.sh          rewrite the committed file
#   scripts/regen-bindings.sh --check  fail (exit 1) when the committed file is stale
# Needs libclang (Debian: apt-get install libclang-dev).
set -euo pipefail
cd "$(dirname "$0")/.."

committed=zmq-sys/src/bindings.rs
out_dir=$(cargo build -p zmq-sys --features bindgen --message-format=json 2>/dev/null \
  | python3 -c '
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "build-script-executed" and "zmq-sys" in msg["package_id"]:
        print(msg["out_dir"])
')
if [ -z "$out_dir" ] || [ ! -f "$out_dir/bindings.rs" ]; then
  echo "regen-bindings: the bindgen build did not produce bindings.rs; rerun:" >&2
  echo "  cargo build -p zmq-sys --features bindgen" >&2
  exit 2
fi
generated="$out_dir/bindings.rs"

if [ "${1:-}" = "--check" ]; then
  if diff -u "$committed" "$generated"; then
    echo "regen-bindings: $committed is up to date"
  else
    echo "regen-bindings: $committed is stale; run scripts/regen-bindings.sh and commit" >&2
    exit 1
  fi
else
  cp "$generated" "$committed"
  echo "regen-bindings: wrote $committed"
fi
