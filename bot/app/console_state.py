"""The run's values as the console's plain types (bot/console/state.py), and the operator pause.

The console depends on no part of the bot being rewritten: these converters are the one place where the
tracker, engine, governor, store and broker values of a live run become console values.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bot.app.assembly import Skipped
from bot.app.loop import DecisionLike, DecisionRecord
from bot.brokers.base import BrokerStats
from bot.console import (
    BetInfo,
    ClickInfo,
    DecisionInfo,
    EstimateInfo,
    FeedInfo,
    GuardInfo,
    HaltInfo,
    PauseInfo,
)
from bot.engine.types import Estimate, Snapshot
from bot.store.rows import BetRow, HaltRow
from bot.ui.screen import latency_stats

if TYPE_CHECKING:
    from bot.app.loop import DeciderLike
    from bot.feeds.sniffer import FeedHealth
    from bot.risk.governor import GovernorState

OPERATOR = "operator"


class OperatorPause:
    """The operator's pause: while set, the decider in front of which :meth:`gate` puts it proposes nothing
    (the governor has no operator pause of its own; its guards and halts still apply as always)."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def set(self, reason: str) -> None:
        self.reason = reason

    def clear(self) -> bool:
        """Lift the pause; True when one was set."""
        was, self.reason = self.reason is not None, None
        return was

    def gate(self, decider: DeciderLike) -> PauseGate:
        return PauseGate(decider, self)


class PauseGate:
    """A decider that proposes nothing while the operator pause is set (a :class:`~bot.app.loop.DeciderLike`)."""

    def __init__(self, decider: DeciderLike, pause: OperatorPause) -> None:
        self.inner = decider
        self._pause = pause

    def decide(self, snapshot: Snapshot) -> DecisionLike:
        reason = self._pause.reason
        if reason is not None:
            return Skipped(f"paused by the operator ({reason})")
        decision: DecisionLike = self.inner.decide(snapshot)
        return decision

    def on_settled(self, won: bool, stake_lamports: int, t: float, *, strategy: str | None = None) -> None:
        self.inner.on_settled(won, stake_lamports, t, strategy=strategy)


def estimate_info(est: Estimate) -> EstimateInfo:
    return EstimateInfo(est.p_win, est.p_low, est.p_high, est.ev, est.break_even, str(est.zone))


def decision_info(d: DecisionRecord) -> DecisionInfo:
    bet = d.intent is not None
    return DecisionInfo(
        t=d.t,
        game_id=d.game_id,
        tick=d.tick,
        action="BET" if bet else "SKIP",
        reason=d.reason,
        amount_lamports=d.intent.amount_lamports if d.intent is not None else None,
        strategy=d.proposal.strategy if d.proposal is not None else "",
        verdict=d.verdict,
    )


def bet_info(row: BetRow) -> BetInfo:
    return BetInfo(
        bet_id=row.bet_id,
        game_id=row.game,
        status=row.status.value,
        amount_lamports=row.amount_lamports,
        decided_tick=row.decided_tick,
        start_tick=row.start_tick,
        end_tick=row.end_tick,
        payout_lamports=row.payout_lamports,
        pnl_lamports=row.pnl_lamports,
        latency_s=row.latency_s,
        strategy=row.strategy,
        t=row.updated_t,
    )


def feed_info(health: FeedHealth | None, live: bool) -> FeedInfo:
    if health is None:
        return FeedInfo()
    return FeedInfo(health.connected, live, health.age(time.time()), health.frames_in, health.sockets_opened)


def clicks_info(stats: BrokerStats) -> ClickInfo:
    last_ms, p50_ms = latency_stats(list(stats.confirm_latency_s))
    return ClickInfo(stats.clicks, last_ms, p50_ms)


def guard_info(state: GovernorState, pause_reason: str | None, operator_halt: HaltRow | None) -> GuardInfo:
    """The governor's state, with the operator's pause (PAUSED while the governor is ACTIVE) and a halt the
    console wrote that the governor has not polled yet (HALTED at once, not on the next poll)."""
    level = state.level.value
    reasons: tuple[str, ...] = tuple(state.reasons)
    pauses = [PauseInfo(p.guard, p.reason, p.until) for p in state.pauses]
    halt: HaltRow | None = state.halt
    if pause_reason is not None:
        pauses.append(PauseInfo(OPERATOR, pause_reason))
        if level == "ACTIVE":
            level, reasons = "PAUSED", (f"{OPERATOR}: {pause_reason}",)
    if operator_halt is not None and halt is None:
        halt = operator_halt
        if level not in ("HALTED", "KILLED"):
            level, reasons = "HALTED", (operator_halt.reason,)
    info = HaltInfo(halt.reason, halt.source, halt.set_at) if halt is not None else None
    return GuardInfo(level, reasons, tuple(pauses), info)
