"""Crash points for the recovery tests: ``RUGSBOT_CRASH_AT=<point>`` makes the process SIGKILL itself there.

The hardening suite kills the bot at each step of a bet's life and checks that the next process reconciles
it. A kill from outside cannot hit "right after the intent row was committed" reliably; a named point can.
Unset (always, outside those tests) it costs one attribute read per call.
"""

from __future__ import annotations

import os
import signal
from enum import StrEnum


class CrashPoint(StrEnum):
    AFTER_INTENT = "after_intent"  # intent row committed, nothing clicked
    AFTER_CLICK = "after_click"  # the page's requestSidebet left the browser (sniffed)
    BEFORE_CONFIRM = "before_confirm"  # the server's confirmation arrived, not yet applied
    BEFORE_SETTLE = "before_settle"  # the server's settlement arrived, not yet applied


_ARMED = os.environ.get("RUGSBOT_CRASH_AT") or None


def crash_point(point: CrashPoint) -> None:
    if _ARMED is not None and point.value == _ARMED:
        os.kill(os.getpid(), signal.SIGKILL)
