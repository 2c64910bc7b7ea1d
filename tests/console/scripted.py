"""A small, real implementation of :class:`bot.console.ConsoleSource` for the console's tests and bench: a run
whose game is advanced by the test, whose halts and resumes go to a real SQLite store exactly as
``rugsbot halt`` / ``rugsbot resume`` write them, and which publishes the events a run publishes."""

from __future__ import annotations

import time

from bot.bets.model import BetStatus
from bot.console import (
    BetEvent,
    BetInfo,
    ClearedHalt,
    ClickInfo,
    ConsoleState,
    ControlResult,
    DecisionEvent,
    DecisionInfo,
    EquityPoint,
    EstimateInfo,
    EventHub,
    FeedInfo,
    GameInfo,
    GuardEvent,
    GuardInfo,
    HaltInfo,
    PauseInfo,
    ResumeResult,
    TickEvent,
)
from bot.game.rules import BREAK_EVEN, EV_PER_STAKE, P_WIN
from bot.store.db import Store

PLAYER = "did:privy:cm3xq7f2a00kl9n8z4v5w6t1y"  # the shape of a live account id (must never leave whole)
START_LAMPORTS = 1_000_000_000


class ScriptedRun:
    """``advance()`` moves the game one tick and publishes it; ``halt``/``pause``/``resume`` are the run's."""

    def __init__(self, store: Store, hub: EventHub, *, mode: str = "PRACTICE") -> None:
        self.store = store
        self.hub = hub
        self.mode = mode
        self.session = store.start_session(mode=mode, profile="sim", coin="0xPractice", started=time.time())
        self.started = time.time()
        self.tick = 0
        self.armed = True
        self.feed_live = True
        self.pause_reason: str | None = None
        self.calls: list[tuple[str, str, float]] = []  # (action, reason or by, wall time)
        self.decisions: list[DecisionInfo] = []
        self.settled: list[BetInfo] = []
        self.equity = [EquityPoint(self.started, START_LAMPORTS)]
        self.bankroll = START_LAMPORTS

    # ------------------------------------------------------------------ the game, driven by the test
    def estimate(self) -> EstimateInfo:
        return EstimateInfo(P_WIN, P_WIN - 0.011, P_WIN + 0.012, EV_PER_STAKE, BREAK_EVEN, "BELOW")

    def advance(self) -> None:
        self.tick += 1
        t = time.time()
        self.hub.publish(
            TickEvent(t, "20260101-abc", self.tick, "ACTIVE", 1.0 + self.tick / 100, self.estimate())
        )
        d = DecisionInfo(
            t, "20260101-abc", self.tick, "SKIP", f"EV {EV_PER_STAKE:+.3f} below 0 at tick {self.tick}"
        )
        self.decisions.insert(0, d)
        del self.decisions[20:]
        self.hub.publish(DecisionEvent(d))

    def settle(self, won: bool, stake: int = 10_000_000) -> None:
        """A bet placed and settled now, written to the store as the governor writes one."""
        pnl = stake * 4 if won else -stake
        t = time.time()
        bet_id = self.store.insert_bet_intent(
            session=self.session,
            game="20260101-abc",
            decided_tick=self.tick,
            decided_t=t,
            amount_lamports=stake,
            coin="0xPractice",
            strategy="fixed",
            reason="test",
        )
        self.store.update_bet(
            bet_id, BetStatus.CONFIRMED, t=t, start_tick=self.tick + 1, end_tick=self.tick + 41
        )
        status = BetStatus.WON if won else BetStatus.LOST
        row = self.store.update_bet(
            bet_id, status, t=t, payout_lamports=stake * 5 if won else 0, latency_s=0.042
        )
        self.bankroll += pnl
        bet = BetInfo(
            row.bet_id,
            row.game,
            row.status.value,
            row.amount_lamports,
            row.decided_tick,
            row.start_tick,
            row.end_tick,
            row.payout_lamports,
            row.pnl_lamports,
            row.latency_s,
            row.strategy,
            t,
        )
        self.settled.insert(0, bet)
        self.equity.append(EquityPoint(t, self.bankroll))
        self.hub.publish(BetEvent(bet, self.bankroll, self.bankroll - START_LAMPORTS))

    # ------------------------------------------------------------------ ConsoleSource
    def guards(self) -> GuardInfo:
        halt = self.store.active_halt()
        if halt is not None:
            return GuardInfo("HALTED", (halt.reason,), (), HaltInfo(halt.reason, halt.source, halt.set_at))
        if self.pause_reason is not None:
            p = PauseInfo("operator", self.pause_reason)
            return GuardInfo("PAUSED", (f"operator: {self.pause_reason}",), (p,))
        return GuardInfo()

    def snapshot(self) -> ConsoleState:
        return ConsoleState(
            mode=self.mode,
            profile="sim",
            coin_label="FREE",
            running=True,
            armed=self.armed,
            t=time.time(),
            started_t=self.started,
            session=self.session,
            player=PLAYER,
            game=GameInfo("20260101-abc", self.tick, "ACTIVE", 1.0 + self.tick / 100),
            estimate=self.estimate(),
            decisions=tuple(self.decisions),
            settled_bets=tuple(self.settled),
            bankroll_lamports=self.bankroll,
            session_pnl_lamports=self.bankroll - START_LAMPORTS,
            equity=tuple(self.equity),
            guards=self.guards(),
            feed=FeedInfo(True, self.feed_live, 0.2 if self.feed_live else 30.0, 100 + self.tick, 1),
            clicks=ClickInfo(
                len(self.settled), 42.0 if self.settled else None, 42.0 if self.settled else None
            ),
            games=3,
        )

    def pause(self, reason: str, by: str) -> ControlResult:
        self.calls.append(("pause", reason, time.time()))
        self.pause_reason = reason
        self._guard_changed("operator", "pause")
        return ControlResult(True, self.guards().level)

    def halt(self, reason: str, by: str) -> ControlResult:
        self.calls.append(("halt", reason, time.time()))
        self.store.set_halt(reason, source=by)
        self._guard_changed("operator", "halt")
        return ControlResult(True, self.guards().level)

    def resume(self, by: str) -> ResumeResult:
        self.calls.append(("resume", by, time.time()))
        cleared = self.store.clear_halt(by)
        unpaused = self.pause_reason is not None
        self.pause_reason = None
        unknown = tuple(b.bet_id for b in self.store.open_bets() if b.status is BetStatus.UNKNOWN)
        self._guard_changed("operator", "resume")
        return ResumeResult(
            tuple(ClearedHalt(h.id, h.reason, h.source) for h in cleared),
            unknown,
            unpaused,
            self.guards().level,
        )

    def _guard_changed(self, guard: str, action: str) -> None:
        self.hub.publish(GuardEvent(time.time(), self.guards(), guard, action))
