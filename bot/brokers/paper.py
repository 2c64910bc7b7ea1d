"""Paper bets: the dry-run broker and the replay broker are one implementation.

A paper bet "lands" on the first tick whose receive time is at least ``latency_s`` after the decision —
exactly as a real click lands about one tick after the frame that prompted it (protocol.md: ≈220 ms). A bet
whose game ends before it lands is rejected. Once landed, the bet tracker settles it with the shared rules in
bot/game/rules.py on the feed's own rug tick. Because dry-run and replay share this code and the trading loop
is identical in both, a backtest of a recording reproduces the bets a dry-run made live on the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.bets.model import BetIntent, BetStatus, BrokerReport, Evidence
from bot.bets.tracker import BetTracker
from bot.brokers.base import Broker, BrokerStats
from bot.game.rules import Window
from bot.game.signals import GameRugged, GameStarted, Signal, TickAdvanced
from bot.game.state import GameView, Phase
from bot.mode import Mode


@dataclass(frozen=True, slots=True)
class _Unlanded:
    intent: BetIntent
    land_t: float


class PaperBroker(Broker):
    """Never clicks. ``mode`` is DRY_RUN live, REPLAY in backtests; the behaviour is the same."""

    paper = True

    def __init__(self, mode: Mode, latency_s: float, tracker: BetTracker | None = None) -> None:
        if latency_s < 0:
            raise ValueError("latency_s must be >= 0")
        super().__init__(mode, mode.coin, tracker)
        self.latency_s = latency_s
        self._unlanded: dict[str, _Unlanded] = {}
        self._placed: list[str] = []
        self.halt_reason: str | None = None

    @property
    def open_bets(self) -> int:
        """Paper bets placed here that are not settled yet."""
        self._placed = [b for b in self._placed if self.tracker.knows(b)]
        return len(self._placed)

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

    def place(self, intent: BetIntent) -> BrokerReport:
        """Synchronous form of :meth:`submit` for loops that do not run an event loop."""
        self._begin(intent)
        return self._end(self._submitted(intent))

    async def _place(self, intent: BetIntent) -> BrokerReport:
        return self._submitted(intent)

    def _submitted(self, intent: BetIntent) -> BrokerReport:
        self._unlanded[intent.bet_id] = _Unlanded(intent, intent.decided_t + self.latency_s)
        self._placed.append(intent.bet_id)
        return BrokerReport(
            intent.bet_id,
            BetStatus.CLICKED,
            intent.decided_t,
            message="paper bet submitted",
            evidence=Evidence.CLICK,
        )

    def _on_feed(self, signal: Signal, game: GameView) -> list[BrokerReport]:
        if not self._unlanded:
            return []
        out: list[BrokerReport] = []
        if isinstance(signal, TickAdvanced):
            for bet in list(self._unlanded.values()):
                if signal.game_id != bet.intent.game_id:
                    out += self._refuse(bet, signal.t, "game ended before landing")
                elif signal.t >= bet.land_t and game.phase is Phase.ACTIVE:
                    del self._unlanded[bet.intent.bet_id]
                    window = Window.starting_at(signal.tick)
                    out += self.tracker.landed(bet.intent.bet_id, window, signal.t, "paper bet landed")
        elif isinstance(signal, GameRugged):
            for bet in list(self._unlanded.values()):
                if bet.intent.game_id == signal.game.game_id:
                    out += self._refuse(bet, signal.game.rug_t, "game rugged before landing")
        elif isinstance(signal, GameStarted):
            for bet in list(self._unlanded.values()):
                if bet.intent.game_id != signal.game_id:
                    out += self._refuse(bet, signal.t, "game ended before landing")
        return out

    def _refuse(self, bet: _Unlanded, t: float, message: str) -> list[BrokerReport]:
        del self._unlanded[bet.intent.bet_id]
        return self.tracker.refused(bet.intent.bet_id, BetStatus.REJECTED, t, message)


def DryBroker(latency_s: float) -> PaperBroker:
    """Dry-run: decides and logs but never clicks; paper bets settle from the live feed."""
    return PaperBroker(Mode.DRY_RUN, latency_s)


def ReplayBroker(latency_s: float) -> PaperBroker:
    """Backtest: bets land ``latency_s`` after the decision on the recorded timeline."""
    return PaperBroker(Mode.REPLAY, latency_s)
