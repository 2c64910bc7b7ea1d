"""Monte Carlo orchestration: which runner a strategy takes, chunking, seeding and process shards.

Reproducibility: games are generated in fixed-size chunks, each with its own ``SeedSequence.spawn`` child,
so the bets of a run depend on ``(seed, games)`` only — ``--jobs 1`` and ``--jobs 8`` give identical
results; jobs only decide which process works on which chunk.

Runner choice: rules whose decision depends on the tick alone (``fixed``, ``late_game``) take the
vectorised :func:`~bot.optimize.fastsim.run_entry_rule`; anything else (or ``exact=True``) is loaded through
the engine's ``load_strategy`` and called at every decision point by :func:`~bot.optimize.fastsim.run_strategy`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.config.sections import GuardsConfig, StrategyParam
from bot.engine.types import LedgerView
from bot.money import sol_to_lamports
from bot.optimize import fastsim
from bot.optimize.fastsim import BetLog, EntryRule, SimGuards

CHUNK_GAMES = 20_000
# Tick-only rules and their parameters (strategies/fixed.py, strategies/late_game.py). Defaults come from
# the strategies' own Param declarations when the engine is importable; these are only the fallback.
VECTOR_RULES: dict[str, dict[str, StrategyParam]] = {
    "fixed": {"stake_sol": 0.001, "start_tick": 0, "every": 40, "max_bets_per_game": 1},
    "late_game": {"min_tick": 200, "stake_sol": 0.001, "max_bets_per_game": 1},
}


class StrategyUnavailable(Exception):
    """The strategy needs the engine's loader and it is not importable (or does not know the name)."""


@dataclass(frozen=True, slots=True)
class SimPlan:
    strategy: str
    params: Mapping[str, StrategyParam] = field(default_factory=dict)
    games: int = 10_000
    seed: int | None = 0
    jobs: int = 1
    lag_ticks: int = 1
    starting_bankroll: int = 10**9
    stake_cap: int | None = None  # guards.max_stake_per_bet
    game_cap: int | None = None  # guards.max_stake_per_game
    guards: SimGuards = field(default_factory=SimGuards)
    exact: bool = False
    strategies_dir: Path = Path("strategies")
    chunk_games: int = CHUNK_GAMES


def declared_params(
    name: str, params: Mapping[str, StrategyParam], strategies_dir: Path | None = None
) -> dict[str, StrategyParam]:
    """Params validated and completed with defaults by the strategy's own declarations (engine loader)."""
    try:
        mod = importlib.import_module("bot.engine.strategy")
    except ModuleNotFoundError:
        merged = dict(VECTOR_RULES.get(name, {}))
        merged.update(params)
        return merged
    try:
        cls = mod.strategy_class(name, strategies_dir)
        return dict(mod.validate_params(cls.params, params, name))
    except Exception as exc:
        raise StrategyUnavailable(f"strategy {name!r}: {exc}") from exc


def entry_rule_for(
    name: str,
    params: Mapping[str, StrategyParam],
    *,
    lag_ticks: int = 1,
    stake_cap: int | None = None,
    game_cap: int | None = None,
    strategies_dir: Path | None = None,
) -> EntryRule | None:
    """The vectorised equivalent of a tick-only rule, or ``None`` if it is not one.

    Mirrors the strategies' ``propose``: ``fixed`` bets when the *landing* tick reaches its slot
    ``start_tick + k·every`` (so it decides ``lag`` ticks earlier); ``late_game`` when the decision tick
    reaches ``min_tick``. A stake above the per-bet cap is refused (no bet), as the governor does, and the
    per-game cap becomes a number of bets per game.
    """
    if name not in VECTOR_RULES:
        return None
    full = declared_params(name, params, strategies_dir)
    if set(full) != set(VECTOR_RULES[name]):
        return None  # a strategy file of that name with other parameters: not the rule we know
    stake = sol_to_lamports(full["stake_sol"])
    per_game = int(full["max_bets_per_game"])
    if stake_cap is not None and stake > stake_cap:
        per_game = 0
    if game_cap is not None:
        per_game = min(per_game, game_cap // stake if stake > 0 else 0)
    if name == "fixed":
        return EntryRule(
            stake_lamports=stake,
            first_tick=int(full["start_tick"]) - lag_ticks,
            every=int(full["every"]),
            max_bets_per_game=per_game,
        )
    return EntryRule(stake_lamports=stake, first_tick=int(full["min_tick"]), max_bets_per_game=per_game)


def load_engine_strategy(name: str, params: Mapping[str, StrategyParam], strategies_dir: Path) -> Any:
    try:
        mod = importlib.import_module("bot.engine.strategy")
    except ModuleNotFoundError as exc:
        raise StrategyUnavailable(
            f"strategy {name!r} needs bot.engine.strategy, not available: {exc}"
        ) from None
    try:
        return mod.load_strategy(name, dict(params), strategies_dir)
    except Exception as exc:  # the loader's own errors (unknown name, bad params) are usage errors here
        raise StrategyUnavailable(f"cannot load strategy {name!r}: {exc}") from exc


def stake_filter(stake_cap: int | None, game_cap: int | None) -> Callable[[int, LedgerView], int]:
    """The per-bet and per-game stake limits, as the governor applies them before a click."""

    def allowed(stake: int, ledger: LedgerView) -> int:
        if stake_cap is not None and stake > stake_cap:
            return 0
        if game_cap is not None and ledger.staked_this_game_lamports + stake > game_cap:
            return 0
        return stake

    return allowed


def is_vectorised(plan: SimPlan) -> bool:
    """True when the plan runs on the numpy fast path (millions of games/s) rather than strategy objects."""
    return _rule(plan) is not None


def _rule(plan: SimPlan) -> EntryRule | None:
    if plan.exact:
        return None
    return entry_rule_for(
        plan.strategy,
        plan.params,
        lag_ticks=plan.lag_ticks,
        stake_cap=plan.stake_cap,
        game_cap=plan.game_cap,
        strategies_dir=plan.strategies_dir,
    )


def run_chunk(plan: SimPlan, seed: np.random.SeedSequence, games: int) -> BetLog:
    """One chunk of games; runs in a worker process with ``--jobs``."""
    rng = np.random.default_rng(seed)
    rule = _rule(plan)
    if rule is not None:
        final = fastsim.rug_final_ticks(rng, games)
        return fastsim.run_entry_rule(
            rule, final, lag_ticks=plan.lag_ticks, starting_bankroll=plan.starting_bankroll
        )
    strategy = load_engine_strategy(plan.strategy, plan.params, plan.strategies_dir)
    priced = fastsim.priced_games(rng, games)
    return fastsim.run_strategy(
        strategy,
        priced,
        lag_ticks=plan.lag_ticks,
        starting_bankroll=plan.starting_bankroll,
        stake_filter=stake_filter(plan.stake_cap, plan.game_cap),
    )


def chunks(plan: SimPlan) -> list[tuple[np.random.SeedSequence, int]]:
    n_chunks = max(1, -(-plan.games // plan.chunk_games))
    sizes = fastsim.split_games(plan.games, n_chunks)
    return list(zip(fastsim.spawn_seeds(plan.seed, n_chunks), sizes, strict=True))


def simulate(plan: SimPlan, on_progress: Callable[[int], None] | None = None) -> BetLog:
    """Run every chunk (in ``plan.jobs`` processes), join in chunk order, then apply the guards.

    The object runner keeps one ledger per chunk; bankroll-dependent strategies therefore restart their
    bankroll every ``chunk_games`` games (documented in docs/BACKTESTING.md).
    """
    work = chunks(plan)
    if _rule(plan) is None:
        load_engine_strategy(plan.strategy, plan.params, plan.strategies_dir)  # fail fast, before forking
    parts: list[BetLog] = []
    if plan.jobs <= 1 or len(work) == 1:
        for seed, n in work:
            parts.append(run_chunk(plan, seed, n))
            if on_progress:
                on_progress(n)
    else:
        with ProcessPoolExecutor(max_workers=plan.jobs) as pool:
            futures = [pool.submit(run_chunk, plan, seed, n) for seed, n in work]
            for fut, (_, n) in zip(futures, work, strict=True):
                parts.append(fut.result())
                if on_progress:
                    on_progress(n)
    return fastsim.apply_guards(BetLog.concat(parts), plan.guards)


def sim_guards(guards: GuardsConfig, enforce: bool) -> SimGuards:
    def lam(v: float | None) -> int | None:
        return None if v is None else sol_to_lamports(v)

    return SimGuards(
        session_loss_limit=lam(guards.session_loss_limit_sol),
        take_profit=lam(guards.take_profit_sol),
        max_consecutive_losses=guards.max_consecutive_losses,
        max_drawdown_pct=guards.max_drawdown_pct,
        enforce=enforce,
    )


def records_from_log(log: BetLog) -> Any:
    """A simulation's bets as report input; the predicted P(win) is the theoretical one it was run with."""
    from bot.optimize.metrics import BetRecords

    return BetRecords(
        stake=log.stake,
        won=log.won,
        starting_bankroll=log.starting_bankroll,
        games=log.games,
        p_pred=np.full(log.stake.size, fastsim.P_WIN_THEORY),
        final_pool=log.game_rug_ticks,
        guard_trips=log.guard_trips,
    )
