"""argparse ``type=`` checks shared by every command: numbers that are finite and in range, ports, fault
schedules. A bad value is refused while the arguments are parsed, in one line naming the argument (exit 2),
before anything is opened, bound or written.

Why ``type=`` and not checks in ``run``: argparse puts the argument's name in front of the message, and the
check is written once next to the argument's definition instead of once per command that reads it.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

MAX_SPEED = 1000.0  # simulator clock multiplier: 0.25 ms ticks; beyond that the event loop only spins
MAX_LATENCY_S = 5.0  # the profile's timing.click_latency_s bound (bot/config/sections.py)
MAX_GAMES = 100_000_000  # Monte Carlo games per run/point: larger needs more memory than a run is worth
MAX_SOL = 1e9  # balances: 1e18 lamports still fits SQLite's signed 64-bit integers


def _number(text: str, kind: type[int] | type[float]) -> float:
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {'an integer' if kind is int else 'a number'}, got {text!r}"
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _ranged(
    kind: type[int] | type[float], *, low: float, high: float | None = None, low_open: bool = False
) -> Callable[[str], float]:
    def check(text: str) -> float:
        value = _number(text, kind)
        too_low = value <= low if low_open else value < low
        if too_low or (high is not None and value > high):
            rel = ">" if low_open else ">="
            upper = f" and <= {high:g}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be {rel} {low:g}{upper}, got {text!r}")
        return value

    return check


positive_float: Callable[[str], float] = _ranged(float, low=0, low_open=True)
"""Seconds and other quantities that must be > 0 (``--duration``, ``--timeout``)."""

non_negative_float: Callable[[str], float] = _ranged(float, low=0)
"""Quantities where 0 means "none" (``--misfire-grace``)."""

latency_s: Callable[[str], float] = _ranged(float, low=0, high=MAX_LATENCY_S)
"""Click latency in seconds: 0 (instant) to the profile's bound."""

speed: Callable[[str], float] = _ranged(float, low=0, high=MAX_SPEED, low_open=True)
"""The simulator's clock multiplier: > 0 (0 freezes it) and bounded (NaN or huge values run away)."""

sol_amount: Callable[[str], float] = _ranged(float, low=0, high=MAX_SOL)
"""A balance in SOL (or practice coin)."""


def positive_int(text: str) -> int:
    """A count ≥ 1 (``--games``, ``--jobs``, ``--points``)."""
    return int(_ranged(int, low=1)(text))


def games(text: str) -> int:
    """Monte Carlo games: 1 to :data:`MAX_GAMES`."""
    return int(_ranged(int, low=1, high=MAX_GAMES)(text))


def seed(text: str) -> int:
    """A random seed: an integer ≥ 0 (numpy's SeedSequence refuses negative ones)."""
    return int(_ranged(int, low=0)(text))


def port(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    return int(_ranged(int, low=0, high=65535)(text))


def faults(text: str) -> str:
    """A simulator fault schedule (``drop@30,stall:5@60``), checked by the simulator's own parser."""
    from bot.sim.faults import parse_faults

    try:
        parse_faults(text)
    except ValueError as exc:  # FaultError
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text
