"""Small builders shared by the engine tests: real game lengths and views/snapshots for table-driven cases."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

from bot.config.sections import EngineConfig
from bot.engine.probability import ProbabilityModel
from bot.engine.types import Estimate, LedgerView, Snapshot
from bot.game.state import AccountView, FinishedGame, GameView, OwnSidebet, Phase, TickTiming
from bot.money import SOL_MINT

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"
GAME_LENGTHS = REAL / "games" / "game_lengths.csv"


def real_final_ticks() -> list[tuple[str, int]]:
    """Distinct games (first source wins for a key that several sources hold) with their final wire tick."""
    seen: dict[str, int] = {}
    with GAME_LENGTHS.open(newline="") as fh:
        for row in csv.DictReader(fh):
            seen.setdefault(row["game_key"], int(row["final_tick"]))
    return list(seen.items())


def finished(game_id: str, rug_tick: int, *, first: int = 0, version: str | None = "v3") -> FinishedGame:
    return FinishedGame(
        game_id=game_id,
        rug_tick=rug_tick,
        peak=1.0,
        rug_t=0.0,
        first_tick_seen=first,
        complete=first == 0,
        version=version,
    )


def view(
    tick: int = 100,
    *,
    phase: Phase = Phase.ACTIVE,
    t: float = 1000.0,
    last_tick_t: float | None = None,
    rug_tick: int | None = None,
    version: str | None = "v3",
    timing: TickTiming | None = None,
    game_id: str = "20251207-aaaa",
) -> GameView:
    return GameView(
        game_id=game_id,
        phase=phase,
        tick=tick,
        price=1.2,
        t=t,
        last_tick_t=t if last_tick_t is None else last_tick_t,
        version=version,
        rug_tick=rug_tick,
        timing=timing or TickTiming(samples=500, ewma_s=0.25, jitter_s=0.02, p50_s=0.25, p99_s=0.53),
    )


def estimate(tick: int = 100, config: EngineConfig | None = None, **kw: object) -> Estimate:
    model = ProbabilityModel(config or EngineConfig())
    return model.estimate(view(tick, **kw))  # type: ignore[arg-type]


def snapshot(
    tick: int = 100,
    *,
    est: Estimate | None = None,
    bankroll_sol: float = 1.0,
    staked_game_sol: float = 0.0,
    open_bet: OwnSidebet | None = None,
    phase: Phase = Phase.ACTIVE,
    **est_changes: object,
) -> Snapshot:
    g = view(tick, phase=phase)
    e = est or ProbabilityModel(EngineConfig()).estimate(g)
    if est_changes:
        e = replace(e, **est_changes)  # type: ignore[arg-type]
    ledger = LedgerView(
        bankroll_lamports=int(bankroll_sol * 1e9),
        staked_this_game_lamports=int(staked_game_sol * 1e9),
        open_bet=open_bet,
    )
    return Snapshot(
        game=g, estimate=e, ledger=ledger, account=AccountView(active_bet=open_bet), t=g.t, coin=SOL_MINT
    )
