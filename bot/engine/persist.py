"""Checks for engine state read back from the database: a saved document is untrusted input.

Each engine part that remembers across restarts (drift, adaptation, timing, posterior) has ``STATE_KIND``,
``STATE_VERSION``, ``export_state() -> dict`` and ``restore_state(dict) -> str``; ``restore_state`` validates
everything before it changes anything and raises ``ValueError`` on the first bad field, so a corrupt state is
ignored whole (bot/store/engine_state.py logs the warning).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def finite(data: Mapping[str, Any], key: str, *, low: float | None = None) -> float:
    """``data[key]`` as a finite float (``>= low`` if given); ``ValueError`` naming the key otherwise."""
    v = data.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(f"{key} is not a finite number")
    if low is not None and v < low:
        raise ValueError(f"{key} is below {low:g}")
    return float(v)


def whole(data: Mapping[str, Any], key: str) -> int:
    """``data[key]`` as a non-negative int."""
    v = data.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"{key} is not a non-negative integer")
    return v


def listed(data: Mapping[str, Any], key: str) -> list[Any]:
    v = data.get(key)
    if not isinstance(v, list):
        raise ValueError(f"{key} is not a list")
    return v
