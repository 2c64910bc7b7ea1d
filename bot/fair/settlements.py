"""Re-settlement of everyone's side bets of a revealed game with our own rules (:mod:`bot.game.rules`).

A ``gameHistory`` entry carries every side bet of the game (``placed`` and ``payout`` records); settling them
again with the rug tick the wire showed and comparing with the server's payouts tests our settlement rules on
real money every game.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.game.rules import PAYOUT_MULTIPLIER, WINDOW_TICKS, Outcome, Window, payout_lamports, settle
from bot.money import sol_to_lamports
from bot.protocol.events import HistoryGame, SidebetRecord

__all__ = ["SettlementCheck", "settle_history_sidebets"]


@dataclass(frozen=True, slots=True)
class SettlementCheck:
    """One real side-bet settlement (or an implied one) against :mod:`bot.game.rules`.

    ``kind`` is ``"payout"`` for a real ``type:"payout"`` record (``agree`` is then True/False) and
    ``"implied"`` for a ``placed`` record with no payout record in the entry (``agree`` is ``None``: there
    is nothing real to compare, but the expected outcome is still useful).
    """

    game_id: str | None
    kind: str
    record_id: str | None
    player_id: str | None
    start_tick: int
    end_tick: int | None
    rug_tick: int
    bet_lamports: int
    expected: Outcome
    expected_payout_lamports: int
    real_payout_lamports: int | None
    agree: bool | None
    reason: str = ""
    tick_index_ok: bool | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "game_id": self.game_id,
            "kind": self.kind,
            "record_id": self.record_id,
            "player_id": self.player_id,
            "start_tick": self.start_tick,
            "end_tick": self.end_tick,
            "rug_tick": self.rug_tick,
            "bet_lamports": self.bet_lamports,
            "expected": str(self.expected),
            "expected_payout_lamports": self.expected_payout_lamports,
            "real_payout_lamports": self.real_payout_lamports,
            "agree": self.agree,
            "reason": self.reason,
            "tick_index_ok": self.tick_index_ok,
        }


def _record_key(rec: SidebetRecord) -> tuple[object, ...]:
    start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
    return (rec.player_id, rec.game_id, start, rec.coin_address)


def _lamports(value: float | None) -> int | None:
    if value is None:
        return None
    try:
        return sol_to_lamports(value)
    except (ArithmeticError, ValueError):  # NaN/inf never reach here from JSON, but be safe
        return None


def settle_history_sidebets(game: HistoryGame, rug_tick: int | None = None) -> list[SettlementCheck]:
    """Every side bet of a finished game, settled by our rules and compared with the server's payout.

    The final wire tick is ``len(prices) - 1`` (the rug frame); for an entry without prices pass it in
    (from the generator, once the game is verified on its peak). A winning payout's ``tickIndex`` is the
    rug tick (true of every real record), so a different one is a disagreement; a loss's ``tickIndex``
    (the window start) is informational. Records that lack a start tick, an amount or a payout are left
    out.
    """
    prices = game.prices
    if prices and len(prices) >= 2:
        rug_tick = len(prices) - 1
    elif rug_tick is not None:
        rug_tick = rug_tick
    else:
        return []
    records = game.global_sidebets or []
    checks: list[SettlementCheck] = []
    paid: set[tuple[object, ...]] = set()
    for rec in records:
        if rec.type != "payout":
            continue
        start = rec.start_tick
        bet = _lamports(rec.bet_amount)
        real = _lamports(rec.payout)
        if start is None or bet is None or real is None:
            continue
        paid.add(_record_key(rec))
        window = Window.starting_at(start)
        expected = settle(window, rug_tick=rug_tick, current_tick=rug_tick)
        exp_payout = payout_lamports(bet, expected, PAYOUT_MULTIPLIER)
        real_outcome = Outcome.WON if real > 0 else Outcome.LOST
        reasons = []
        if rec.end_tick is not None and rec.end_tick != window.end_tick:
            reasons.append(f"endTick {rec.end_tick} != startTick + {WINDOW_TICKS}")
        if real_outcome is not expected:
            reasons.append(f"server says {real_outcome}, rules say {expected} (final tick {rug_tick})")
        elif real != exp_payout:
            reasons.append(f"payout {real} lamports, rules say {exp_payout}")
        if rec.x_payout is not None and rec.x_payout != PAYOUT_MULTIPLIER:
            reasons.append(f"xPayout {rec.x_payout}")
        tick_ok = None
        if rec.tick_index is not None:
            tick_ok = rec.tick_index == (rug_tick if expected is Outcome.WON else start)
            if real_outcome is Outcome.WON and rec.tick_index != rug_tick:
                reasons.append(f"won at tickIndex {rec.tick_index}, final wire tick is {rug_tick}")
        checks.append(
            SettlementCheck(
                game_id=rec.game_id or game.id,
                kind="payout",
                record_id=_record_id(rec),
                player_id=rec.player_id,
                start_tick=start,
                end_tick=rec.end_tick,
                rug_tick=rug_tick,
                bet_lamports=bet,
                expected=expected,
                expected_payout_lamports=exp_payout,
                real_payout_lamports=real,
                agree=not reasons,
                reason="; ".join(reasons),
                tick_index_ok=tick_ok,
            )
        )
    for rec in records:
        if rec.type != "placed":
            continue
        start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
        bet = _lamports(rec.bet_amount)
        if start is None or bet is None or _record_key(rec) in paid:
            continue
        window = Window.starting_at(start)
        expected = settle(window, rug_tick=rug_tick, current_tick=rug_tick)
        checks.append(
            SettlementCheck(
                game_id=rec.game_id or game.id,
                kind="implied",
                record_id=_record_id(rec),
                player_id=rec.player_id,
                start_tick=start,
                end_tick=rec.end_tick,
                rug_tick=rug_tick,
                bet_lamports=bet,
                expected=expected,
                expected_payout_lamports=payout_lamports(bet, expected, PAYOUT_MULTIPLIER),
                real_payout_lamports=None,
                agree=None,
                reason="placed record without a payout record",
            )
        )
    return checks


def _record_id(rec: SidebetRecord) -> str | None:
    # SidebetRecord has no ``id`` field; the key tuple is stable enough to dedupe and to report.
    start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
    if rec.player_id is None and start is None:
        return None
    return f"{rec.player_id}@{start}:{rec.type}"
