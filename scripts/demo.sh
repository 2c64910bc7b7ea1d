#!/usr/bin/env bash
# The README's main command: installs what is missing, starts the built-in simulator, and runs the bot against it
# in practice mode in headless Chromium with the stand-in wallet; plays a few games and prints the session summary.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/rugsbot run --sim --profile sim --games "${GAMES:-3}" --sim-speed "${SPEED:-4}" --headless "$@"
