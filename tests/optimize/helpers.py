"""Shared builders for the Monte Carlo tests: the profiles in tests/optimize/profiles and plans over them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bot.config import Profile, load_profile
from bot.optimize.betlog import BetLog
from bot.optimize.montecarlo import Runner, SimPlan, plan_for, simulate

PROFILES = Path(__file__).parent / "profiles"
MIDNIGHT = 1_765_065_600.0  # 2025-12-07 00:00 UTC: feeds that start before it cross a UTC day
LOSS_LIMIT_LAMPORTS = 2_500_000


def profile(name: str) -> Profile:
    return load_profile(str(PROFILES / f"{name}.toml"))


def plan(
    prof: Profile,
    *,
    games: int,
    seed: int,
    runner: Runner = Runner.AUTO,
    strategy: str | None = None,
    params: dict[str, Any] | None = None,
    session_games: int | None = None,
    latency_s: float | None = None,
    feed_t0: float | None = None,
) -> SimPlan:
    """The profile's first strategy (or ``strategy``), its params updated with ``params``; built-in strategies."""
    spec = prof.engine.strategies[0]
    name = strategy or spec.name
    merged = dict(spec.params) if strategy is None else {}
    merged.update(params or {})
    p = plan_for(
        prof,
        name,
        merged,
        games=games,
        seed=seed,
        latency_s=prof.timing.click_latency_s if latency_s is None else latency_s,
        session_games=session_games or games,
        runner=runner,
    )
    return p if feed_t0 is None else dataclasses.replace(p, feed_t0=feed_t0)


def run(p: SimPlan, runner: Runner | None = None) -> BetLog:
    return simulate(p if runner is None else dataclasses.replace(p, runner=runner))
