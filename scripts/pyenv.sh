#!/usr/bin/env bash
# Creates target/pyenv, a virtualenv with the pinned pyzmq the interop tests talk to.
# Idempotent: does nothing when the pinned versions are already installed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/pyenv
req=tests/python/requirements.txt
stamp=$venv/.requirements

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && cmp -s "$req" "$stamp"; then
  exit 0
fi
command -v python3 >/dev/null || { echo "pyenv: python3 is needed for the interop tests" >&2; exit 1; }
mkdir -p target
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
"$venv/bin/python" -c 'import zmq; print("pyenv: pyzmq", zmq.__version__, "libzmq", zmq.zmq_version(), "curve", zmq.has("curve"))'
cp "$req" "$stamp"
