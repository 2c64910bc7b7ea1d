#!/usr/bin/env bash
# Installs what rugsbot needs on a fresh Debian/Ubuntu machine: Chromium + Xvfb + tmux (system packages; Playwright's own
# browser download is never needed), a virtualenv in .venv, and the package with its [dev] extras.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v xvfb-run >/dev/null 2>&1 || need_apt+=(xvfb xauth)
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)  # the live view's screen test runs in a real tmux pane
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing ${need_apt[*]} (apt)" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
if ! .venv/bin/python -c "import bot, pytest, socketio" >/dev/null 2>&1 || [ pyproject.toml -nt .venv/.installed ]; then
  echo "setup: installing rugsbot into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch .venv/.installed
fi
