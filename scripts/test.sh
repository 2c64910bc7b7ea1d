#!/usr/bin/env bash
# The README's test command: installs what is missing (scripts/setup.sh), then runs the default suite
# (unit, property, real-data, simulator and headless browser tests; soak/bench/slowfuzz are opt-in markers).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
