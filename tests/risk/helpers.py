"""Builders for governor tests: views, snapshots and a governor on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from bot.config.sections import GuardsConfig
from bot.engine.types import Estimate, SideBet, Snapshot, Zone
from bot.game.state import AccountView, GameView, Phase, TickTiming
from bot.money import PRACTICE_COIN, SOL_MINT
from bot.risk.governor import Governor
from bot.store.db import Store

MILLI = 1_000_000  # 0.001 SOL in lamports
T0 = 1_765_000_000.0  # a Dec 2025 feed time, well inside a UTC day (00:26:40)
ESTIMATE = Estimate(
    p_win=0.1817,
    p_low=0.17,
    p_high=0.19,
    ev=-0.09,
    ev_low=-0.15,
    ev_high=-0.05,
    break_even=0.2,
    zone=Zone.BELOW,
    kelly=0.0,
    landing_tick=11,
    window_s_mean=10.0,
    window_s_low=9.5,
    window_s_high=11.0,
    hazard=0.005,
)

# Guards off unless a test turns them on: each scenario sees the one guard it is about.
QUIET = GuardsConfig(
    max_stake_per_bet_sol=1.0,
    max_stake_per_game_sol=None,
    session_loss_limit_sol=None,
    daily_loss_limit_sol=None,
    take_profit_sol=None,
    max_consecutive_losses=None,
    max_drawdown_pct=None,
    max_bets_per_hour=None,
    min_reserve_sol=0.0,
    loss_streak_cooldown=None,
    feed_silent_s=5.0,
    max_tick_interval_s=2.0,
    unconfirmed_bet_s=3.0,
)


def view(
    t: float,
    *,
    game: str = "20251228-aaaaaaaaaaaaaaaa",
    tick: int = 10,
    phase: Phase = Phase.ACTIVE,
    last_tick_t: float | None = None,
    last_gap_s: float = 0.25,
    maintenance: bool = False,
    paused: bool = False,
) -> GameView:
    return GameView(
        game_id=game,
        phase=phase,
        tick=tick,
        price=1.0,
        t=t,
        last_tick_t=t if last_tick_t is None else last_tick_t,
        maintenance=maintenance,
        paused=paused,
        timing=TickTiming(samples=10, last_gap_s=last_gap_s),
    )


def snapshot(
    gov: Governor, v: GameView, coin: str = SOL_MINT, account: AccountView | None = None
) -> Snapshot:
    return Snapshot(
        game=v,
        estimate=ESTIMATE,
        ledger=gov.ledger_view(),
        account=account or AccountView(),
        t=v.t,
        coin=coin,
    )


def bet(amount_lamports: int, strategy: str = "test") -> SideBet:
    return SideBet(amount_lamports=amount_lamports, reason="scenario", strategy=strategy)


def make_governor(
    db: Path,
    cfg: GuardsConfig = QUIET,
    *,
    t: float = T0,
    logged_in: bool = False,
    bankroll_sol: float = 1.0,
    mode: str = "DRY-RUN",
    coin: str | None = None,
    durable: bool = False,
) -> Governor:
    # durable=False by default: these tests are about decisions, not fsync (tests/store checks FULL sync on the
    # money rows, and test_restart runs durable); skipping fsync keeps the suite fast on a shared disk.
    store = Store.open(db, durable=durable)
    c = coin or (PRACTICE_COIN if logged_in else SOL_MINT)
    return Governor.start(
        cfg,
        store,
        mode=mode,
        profile="test",
        coin=c,
        logged_in=logged_in,
        starting_bankroll_lamports=int(bankroll_sol * 1_000_000_000),
        t=t,
    )


def guards(**changes: object) -> GuardsConfig:
    return GuardsConfig(**{**QUIET.model_dump(), **changes})


__all__ = ["MILLI", "QUIET", "T0", "bet", "guards", "make_governor", "snapshot", "view"]
