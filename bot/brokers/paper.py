"""Paper bets: the dry-run broker and the replay broker are one implementation.

A paper bet "lands" on the first tick whose receive time is at least ``latency_s`` after the decision —
exactly as a real click lands about one tick after the frame that prompted it (protocol.md: ≈220 ms).
Settlement uses the shared rules in bot/game/rules.py on the feed's own rug tick. Because dry-run and
replay share this code and the session is identical in both, a backtest of a recording reproduces the bets
a dry-run made live on the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.bets.model import BetIntent, BetStatus, BrokerReport
from bot.brokers.base import BrokerStats
from bot.game.rules import Outcome, Window, payout_lamports, settle
from bot.game.signals import GameRugged, GameStarted, Signal, TickAdvanced
from bot.game.state import GameView, Phase
from bot.mode import Mode


@dataclass(slots=True)
class _PaperBet:
    intent: BetIntent
    land_t: float
    window: Window | None = None


class PaperBroker:
    """Never clicks. ``mode`` is DRY_RUN live, REPLAY in backtests; the behaviour is the same."""

    def __init__(self, mode: Mode, latency_s: float) -> None:
        if latency_s < 0:
            raise ValueError("latency_s must be >= 0")
        self.mode = mode
        self.latency_s = latency_s
        self._bets: dict[str, _PaperBet] = {}
        self.halt_reason: str | None = None

    @property
    def open_bets(self) -> int:
        return len(self._bets)

    @property
    def armed(self) -> bool:
        return self.halt_reason is None

    async def arm(self) -> None:
        """Paper bets need no page: armed from the start until halted."""

    def halt(self, reason: str) -> None:
        if self.halt_reason is None:
            self.halt_reason = reason

    def stats(self) -> BrokerStats:
        return BrokerStats()

    async def submit(self, intent: BetIntent) -> BrokerReport:
        return self.place(intent)

    def place(self, intent: BetIntent) -> BrokerReport:
        """Synchronous form of :meth:`submit` for loops that do not run an event loop."""
        self._bets[intent.bet_id] = _PaperBet(intent, intent.decided_t + self.latency_s)
        return BrokerReport(intent.bet_id, BetStatus.CLICKED, intent.decided_t, message="paper bet submitted")

    def on_signal(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        if not self._bets:
            return []
        reports: list[BrokerReport] = []
        if isinstance(signal, TickAdvanced):
            for bet in list(self._bets.values()):
                if bet.window is None:
                    if signal.game_id != bet.intent.game_id:
                        reports.append(
                            self._close(bet, BetStatus.REJECTED, signal.t, "game ended before landing")
                        )
                    elif signal.t >= bet.land_t and game.phase is Phase.ACTIVE:
                        bet.window = Window.starting_at(signal.tick)
                        reports.append(
                            BrokerReport(
                                bet.intent.bet_id,
                                BetStatus.CONFIRMED,
                                signal.t,
                                start_tick=bet.window.start_tick,
                                end_tick=bet.window.end_tick,
                                latency_s=signal.t - bet.intent.decided_t,
                                message="paper bet landed",
                            )
                        )
                elif settle(bet.window, rug_tick=None, current_tick=signal.tick) is Outcome.LOST:
                    reports.append(self._settle(bet, Outcome.LOST, signal.t))
        elif isinstance(signal, GameRugged):
            for bet in list(self._bets.values()):
                if bet.intent.game_id != signal.game.game_id:
                    continue
                if bet.window is None:
                    reports.append(
                        self._close(bet, BetStatus.REJECTED, signal.game.rug_t, "game rugged before landing")
                    )
                elif not signal.game.proven and signal.game.rug_tick <= bet.window.end_tick:
                    # the rug frame was lost: its tick is only known to be >= rug_tick, so win or loss is unknown
                    reports.append(
                        self._close(
                            bet,
                            BetStatus.CANCELLED,
                            signal.game.rug_t,
                            "paper bet voided: the rug tick was not seen (feed gap)",
                        )
                    )
                else:
                    outcome = settle(
                        bet.window, rug_tick=signal.game.rug_tick, current_tick=signal.game.rug_tick
                    )
                    reports.append(self._settle(bet, outcome, signal.game.rug_t))
        elif isinstance(signal, GameStarted):
            for bet in list(self._bets.values()):
                if bet.intent.game_id != signal.game_id:
                    reports.append(
                        self._close(bet, BetStatus.REJECTED, signal.t, "game ended before landing")
                    )
        return reports

    def forget(self, bet_id: str) -> None:
        self._bets.pop(bet_id, None)

    def _settle(self, bet: _PaperBet, outcome: Outcome, t: float) -> BrokerReport:
        assert bet.window is not None
        status = BetStatus.WON if outcome is Outcome.WON else BetStatus.LOST
        del self._bets[bet.intent.bet_id]
        return BrokerReport(
            bet.intent.bet_id,
            status,
            t,
            start_tick=bet.window.start_tick,
            end_tick=bet.window.end_tick,
            payout_lamports=payout_lamports(bet.intent.amount_lamports, outcome),
            message=f"paper bet {status.value}",
        )

    def _close(self, bet: _PaperBet, status: BetStatus, t: float, message: str) -> BrokerReport:
        del self._bets[bet.intent.bet_id]
        return BrokerReport(bet.intent.bet_id, status, t, message=message)


def DryBroker(latency_s: float) -> PaperBroker:
    """Dry-run: decides and logs but never clicks; paper bets settle from the live feed."""
    return PaperBroker(Mode.DRY_RUN, latency_s)


def ReplayBroker(latency_s: float) -> PaperBroker:
    """Backtest: bets land ``latency_s`` after the decision on the recorded timeline."""
    return PaperBroker(Mode.REPLAY, latency_s)
