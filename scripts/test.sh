#!/usr/bin/env bash
# The README's test command: installs what is missing (scripts/setup.sh), then runs the default suite
# (unit, property, real-data, simulator and headless browser tests; soak/bench/slowfuzz/crash/model are opt-in
# markers) on 4 pytest-xdist workers (pyproject's addopts). Extra arguments go to pytest.
#   ./scripts/test.sh           the default suite (docs/CONTRIBUTING.md: "Running the tests" has measured times)
#   ./scripts/test.sh --fast    the fast lane: no browser and no `slow` test (tests/slow_tests.txt)
# RUGSBOT_TEST_WORKERS=N sets the number of pytest-xdist workers (default 4; 0 = one process): fewer on a
# machine already busy with other work, where the timing-sensitive browser tests starve.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
workers=(-n "${RUGSBOT_TEST_WORKERS:-4}")
if [ "${1:-}" = "--fast" ]; then
  shift
  # -m replaces addopts' -m, so the opt-in markers are repeated here
  exec .venv/bin/python -m pytest "${workers[@]}" \
    -m "not soak and not bench and not slowfuzz and not crash and not model and not browser and not slow" "$@"
fi
exec .venv/bin/python -m pytest "${workers[@]}" "$@"
