#!/usr/bin/env bash
# Certificates made by this crate load in czmq, and czmq's load here: keys and metadata
# compared both ways, public and secret files. czmq's side is tests/czmq/cert_tool.c
# against Debian's libczmq-dev (installed here when run as root, as CI is); ours is
# examples/curve_cert.rs. pyzmq's side is tests/security/certs.rs, in the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pkg-config --exists libczmq 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q libczmq-dev pkgconf >/dev/null \
      || { apt-get update -q >/dev/null && apt-get install -y -q libczmq-dev pkgconf >/dev/null; }
  else
    echo "czmq-certs: czmq is missing: install libczmq-dev (Debian) or czmq's pkg-config files" >&2
    exit 1
  fi
fi

mkdir -p target/czmq
czmq=target/czmq/cert_tool
# shellcheck disable=SC2046 # pkg-config prints several flags
cc -O1 -Wall -Wextra -Werror -o "$czmq" tests/czmq/cert_tool.c $(pkg-config --cflags --libs libczmq libzmq)
cargo build -q --example curve_cert --features full
ours=target/debug/examples/curve_cert

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
same() { # what, expected output, actual output
  if [ "$2" = "$3" ]; then
    echo "ok: $1"
  else
    echo "FAILED: $1"; diff <(echo "$2") <(echo "$3") || true
    failures=$((failures + 1))
  fi
}
public_part() { grep -v '^secret-key:' <<<"$1"; }

meta=(name=interop "email=ops team@example.org" "said=he said \"hi\"")
made=$("$ours" new "$dir/rust.key" "${meta[@]}")
same "czmq loads our secret file" "$made" "$("$czmq" show --secret "$dir/rust.key_secret")"
same "czmq loads our public file" "$(public_part "$made")" "$("$czmq" show "$dir/rust.key")"
mode=$(stat -c %a "$dir/rust.key_secret")
same "our secret file is private" 600 "$mode"

# czmq 4.2 writes a value holding `"` unreadably (see src/auth/cert.rs), so none here.
made=$("$czmq" new "$dir/czmq.key" name=interop "email=ops team@example.org" "said=it's")
same "we load czmq's secret file" "$made" "$("$ours" show --secret "$dir/czmq.key_secret")"
same "we load czmq's public file" "$(public_part "$made")" "$("$ours" show "$dir/czmq.key")"

echo "FIGURE czmq-certs czmq=$(pkg-config --modversion libczmq) checks=5 failures=$failures"
[ "$failures" = 0 ]
