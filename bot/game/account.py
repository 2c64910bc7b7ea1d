"""Account state: the server's word on our balance (``playerUpdate``) and our own side bets.

Only the authenticated feed carries these. A settlement is money, so a repeated ``currentSidebetResult``
must never be reported twice (the session would book it twice): own-bet events are deduplicated on
(kind, game, start tick) over a bounded memory of recent ones.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

from bot.game.counters import FeedCounters
from bot.game.rules import WINDOW_TICKS, Outcome
from bot.game.signals import AccountUpdated, FeedProblem, OwnBetPlaced, OwnBetSettled, Signal
from bot.game.state import AccountView, OwnSidebet
from bot.money import SOL_MINT, sol_to_lamports
from bot.protocol.events import CurrentSidebet, CurrentSidebetResult, PlayerUpdate, SidebetRecord

__all__ = ["AccountState", "lamports_or_zero"]

_NULL_SIDEBET = b'"sideBet":null'


def _finite(x: float | None) -> bool:
    return x is not None and x == x and abs(x) != float("inf")


def lamports_or_zero(sol: float | None) -> int:
    """SOL from the wire as lamports; 0 for a missing or non-finite amount (never raises)."""
    if not _finite(sol):
        return 0
    try:
        return sol_to_lamports(sol)  # type: ignore[arg-type]
    except (ArithmeticError, ValueError):
        return 0


class AccountState:
    """``playerUpdate`` / ``currentSidebet`` / ``currentSidebetResult`` → :class:`AccountView` and signals."""

    def __init__(self, counters: FeedCounters) -> None:
        self._counters = counters
        self.view = AccountView()
        self._own_order: deque[tuple[str, str, int]] = deque(maxlen=256)
        self._own_keys: set[tuple[str, str, int]] = set()

    def on_player_update(
        self, t: float, ev: PlayerUpdate, payload: bytes | None, game_id: str | None
    ) -> list[Signal]:
        if ev.id is None and ev.cash is None and ev.shitcoin_balances is None and ev.side_bet is None:
            return []  # stripped payload (trace header only): nothing learned
        acc = self.view
        balances = acc.coin_balances_lamports
        if ev.shitcoin_balances is not None:
            balances = tuple(sorted((str(k), lamports_or_zero(v)) for k, v in ev.shitcoin_balances.items()))
        active = acc.active_bet
        if ev.side_bet is not None:
            placed_t = acc.active_bet.placed_t if acc.active_bet is not None else t
            active = self._own_bet(ev.side_bet, game_id, placed_t=placed_t)
        elif payload is not None and _NULL_SIDEBET in payload:
            active = None  # the server says there is no active bet (missing field: keep what we know)
        history = acc.bet_history
        if ev.sidebets is not None:
            history = tuple(self._history_bet(r, game_id, t) for r in ev.sidebets if r.start_tick is not None)
        self.view = AccountView(
            player_id=ev.id if ev.id is not None else acc.player_id,
            cash_lamports=lamports_or_zero(ev.cash) if ev.cash is not None else acc.cash_lamports,
            coin_balances_lamports=balances,
            authenticated=bool(ev.authenticated) if ev.authenticated is not None else acc.authenticated,
            active_bet=active,
            updated_t=t,
            bet_history=history,
        )
        return [AccountUpdated(self.view)]

    def on_bet_placed(self, t: float, ev: CurrentSidebet, game_id: str | None) -> list[Signal]:
        if ev.start_tick is None and ev.bet_amount is None:
            return []  # stripped traced payload
        bet = self._own_bet(ev, game_id, placed_t=t)
        if self._seen_own(("placed", bet.game_id, bet.start_tick)):
            self._counters.duplicates += 1
            return [FeedProblem("duplicate", f"currentSidebet {bet.game_id} {bet.start_tick}", t)]
        self._set_active_bet(bet, t)
        return [OwnBetPlaced(bet)]

    def on_bet_result(self, t: float, ev: CurrentSidebetResult, game_id: str | None) -> list[Signal]:
        if ev.start_tick is None and ev.payout is None:
            return []
        placed = self.view.active_bet
        base = self._own_bet(ev, game_id, placed_t=placed.placed_t if placed is not None else t)
        if self._seen_own(("settled", base.game_id, base.start_tick)):
            # a repeated settlement must never be booked twice
            self._counters.duplicates += 1
            return [FeedProblem("duplicate", f"currentSidebetResult {base.game_id} {base.start_tick}", t)]
        payout = lamports_or_zero(ev.payout)
        bet = OwnSidebet(
            game_id=base.game_id,
            start_tick=base.start_tick,
            end_tick=base.end_tick,
            amount_lamports=base.amount_lamports,
            coin=base.coin,
            placed_t=base.placed_t,
            outcome=(Outcome.WON if payout > 0 else Outcome.LOST).value,
            payout_lamports=payout,
            settled_tick=ev.tick_index,
        )
        if placed is not None and placed.game_id == bet.game_id and placed.start_tick == bet.start_tick:
            self._set_active_bet(None, t)
        return [OwnBetSettled(bet)]

    def on_game_started(self, game_id: str, t: float) -> None:
        """A side bet never outlives its game; if its result frame was lost (socket drop at the rug), the
        account must stop showing it as active or nothing could ever be bet again."""
        active = self.view.active_bet
        if active is not None and active.game_id != game_id:
            self._set_active_bet(None, t)

    def _own_bet(self, rec: SidebetRecord, game_id: str | None, *, placed_t: float) -> OwnSidebet:
        start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
        start = start if start is not None else -1
        end = rec.end_tick if rec.end_tick is not None else start + WINDOW_TICKS
        return OwnSidebet(
            game_id=rec.game_id or game_id or "",
            start_tick=start,
            end_tick=end,
            amount_lamports=lamports_or_zero(rec.bet_amount),
            coin=rec.coin_address or SOL_MINT,
            placed_t=placed_t,
        )

    def _history_bet(self, rec: SidebetRecord, game_id: str | None, t: float) -> OwnSidebet:
        """A ``playerUpdate.sidebets`` record: settled when it carries a payout (type "payout")."""
        bet = self._own_bet(rec, game_id, placed_t=t)
        if rec.type != "payout" and rec.payout is None:
            return bet
        payout = lamports_or_zero(rec.payout)
        outcome = Outcome.WON if payout > 0 else Outcome.LOST
        return replace(bet, outcome=outcome.value, payout_lamports=payout, settled_tick=rec.tick_index)

    def _seen_own(self, key: tuple[str, str, int]) -> bool:
        """True if this own-bet event was already reported (bounded memory of recent ones)."""
        if key in self._own_keys:
            return True
        if len(self._own_order) == self._own_order.maxlen:
            self._own_keys.discard(self._own_order[0])
        self._own_order.append(key)
        self._own_keys.add(key)
        return False

    def _set_active_bet(self, bet: OwnSidebet | None, t: float) -> None:
        self.view = replace(self.view, active_bet=bet, updated_t=t)
