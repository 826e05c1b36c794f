#!/usr/bin/env bash
# The declared MSRV (`rust-version` of the zmq and zmq-sys manifests) is true for the whole
# build graph: every package that `cargo build` compiles for them (normal and build
# dependencies, with the default features and with `full`) declares a rust-version no
# newer than ours. Reads `cargo tree` (which packages) and `cargo metadata` (their
# rust-version); needs jq. Prints the newest requirement found, and exits 1 if it is newer
# than what we declare.
#
# It does not compile with the old toolchain; clippy's `incompatible_msrv` lint (on in the
# CI's clippy run) catches std APIs newer than the declared version.
set -euo pipefail
cd "$(dirname "$0")/.."

metadata=$(cargo metadata --format-version 1 --locked)
declared() { jq -r --arg n "$1" '.packages[] | select(.name == $n and .source == null) | .rust_version' <<<"$metadata"; }
# "name version" -> rust_version ("" when the package declares none).
versions=$(jq -r '.packages[] | "\(.name) \(.version) \(.rust_version // "")"' <<<"$metadata")

newest() { sort -V | tail -n 1; }
failures=0
for krate in zmq zmq-sys; do
  ours=$(declared "$krate")
  for features in default full; do
    [ "$krate" = zmq-sys ] && [ "$features" = full ] && continue
    flag=()
    [ "$features" = full ] && flag=(--features full)
    graph=$(cargo tree --locked -p "$krate" "${flag[@]}" -e normal,build --prefix none \
      -f '{p}' | sed 's/ (.*//; s/ v/ /' | sort -u)
    worst=$(awk 'NR == FNR {want[$1 " " $2] = 1; next}
                 ($1 " " $2) in want && $3 != "" {print $3 " " $1 " " $2}' \
      <(cat <<<"$graph") <(cat <<<"$versions") | sort -V | tail -n 1)
    need=${worst%% *}
    echo "$krate ($features features): declares $ours; newest requirement in its build graph: ${worst:-none}"
    # 1.88 and 1.88.0 are the same requirement.
    if [ -n "$need" ] && [ "${need%.0}" != "${ours%.0}" ] \
      && [ "$(printf '%s\n%s\n' "$ours" "$need" | newest)" = "$need" ]; then
      echo "  FAILED: $krate declares rust-version $ours, but ${worst#* } needs $need" >&2
      failures=$((failures + 1))
    fi
  done
done
[ "$failures" = 0 ]
