"""Epoch seconds (receive/feed time) as text for people: UTC ISO 8601 with milliseconds, never a raw epoch."""

from __future__ import annotations

import math
from datetime import UTC, datetime


def iso(t: float) -> str:
    """``1764500000.5`` → ``2025-11-30T10:53:20.500Z``. A non-finite or out-of-range ``t`` is returned as
    ``t=<value>`` (a log line must never raise)."""
    if not math.isfinite(t):
        return f"t={t}"
    try:
        return datetime.fromtimestamp(t, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return f"t={t}"
