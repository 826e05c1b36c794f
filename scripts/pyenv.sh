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
pip_args=(install --quiet --disable-pip-version-check -r "$req")
if python3 -m venv --clear "$venv" 2>target/pyenv-venv.log; then
  "$venv/bin/python" -m pip "${pip_args[@]}"
else
  # A Python without ensurepip (Debian without python3-venv): a virtualenv without pip,
  # filled by the system's pip (>= 22.3 for --python).
  python3 -m venv --clear --without-pip "$venv"
  python3 -m pip --python "$venv/bin/python" "${pip_args[@]}" || {
    echo "pyenv: could not install $(tr '\n' ' ' <"$req")into $venv." >&2
    echo "pyenv: install python3-venv (Debian) or pip >= 22.3, or point ZMQ_TEST_PYTHON at a python with pyzmq" >&2
    cat target/pyenv-venv.log >&2
    exit 1
  }
fi
"$venv/bin/python" -c 'import zmq; print("pyenv: pyzmq", zmq.__version__, "libzmq", zmq.zmq_version(), "curve", zmq.has("curve"))'
cp "$req" "$stamp"
