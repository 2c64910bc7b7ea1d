"""Bets: the write-ahead intent and every later status, each one durable transaction plus its event."""

from __future__ import annotations

import sqlite3
from typing import Any

from bot.bets.model import TERMINAL, BetStatus, legal_transition
from bot.store.base import StoreBase
from bot.store.errors import BetTransitionError, StoreError
from bot.store.rows import BetRow, EventKind

NON_TERMINAL = tuple(s.value for s in BetStatus if s not in TERMINAL)

__all__ = ["NON_TERMINAL", "BetStore", "legal_transition"]


class BetStore(StoreBase):
    # ------------------------------------------------------------------ bets
    def insert_bet_intent(
        self,
        *,
        session: str,
        game: str,
        decided_tick: int,
        decided_t: float,
        amount_lamports: int,
        coin: str,
        strategy: str,
        reason: str,
        account: str | None = None,
        mode: str | None = None,
    ) -> str:
        """Write-ahead: the intent row (and its event) is durable before this returns, i.e. before any click.

        ``account`` / ``mode``: whose bet it is (the player id or ``paper:<profile>``; the mode label)."""
        if amount_lamports <= 0:
            raise StoreError(f"bet amount must be positive, got {amount_lamports}")
        with self._tx(durable=True) as conn:
            seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM bets").fetchone()[0])
            bet_id = f"{session}-b{seq}"
            conn.execute(
                "INSERT INTO bets (seq, bet_id, session, game, decided_tick, decided_t, amount_lamports, coin, "
                "strategy, reason, status, created_t, updated_t, account, mode) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    seq,
                    bet_id,
                    session,
                    game,
                    decided_tick,
                    decided_t,
                    amount_lamports,
                    coin,
                    strategy,
                    reason,
                    BetStatus.INTENT.value,
                    decided_t,
                    decided_t,
                    account,
                    mode,
                ),
            )
            self._append(
                conn,
                decided_t,
                session,
                EventKind.BET_INTENT,
                {
                    "bet_id": bet_id,
                    "game": game,
                    "decided_tick": decided_tick,
                    "amount_lamports": amount_lamports,
                    "coin": coin,
                    "strategy": strategy,
                    "account": account,
                    "mode": mode,
                },
            )
        return bet_id

    def update_bet(
        self,
        bet_id: str,
        status: BetStatus,
        *,
        t: float,
        start_tick: int | None = None,
        end_tick: int | None = None,
        payout_lamports: int | None = None,
        latency_s: float | None = None,
        message: str | None = None,
        evidence: str | None = None,
    ) -> BetRow:
        """Move a bet forward (durably, with its event). Repeating the current status only fills in details.
        ``evidence``: what the new status rests on (a bot.bets.model.Evidence value).

        Raises :class:`BetTransitionError` for a change that would rewrite history.
        """
        status = BetStatus(status)
        with self._tx(durable=True) as conn:
            old = self._bet(conn, bet_id)
            if old is None:
                raise StoreError(f"unknown bet {bet_id}")
            if old.status is not status and not legal_transition(old.status, status):
                raise BetTransitionError(f"bet {bet_id}: {old.status} -> {status} is not allowed")
            payout = old.payout_lamports if payout_lamports is None else payout_lamports
            if status is BetStatus.WON and payout <= 0:
                raise StoreError(f"bet {bet_id}: a win needs a payout")
            if status in (BetStatus.LOST, BetStatus.REJECTED, BetStatus.CANCELLED):
                payout = 0
            settled_t = t if status in TERMINAL and old.status not in TERMINAL else old.settled_t
            conn.execute(
                "UPDATE bets SET status = ?, start_tick = COALESCE(?, start_tick), end_tick = COALESCE(?, end_tick), "
                "payout_lamports = ?, latency_s = COALESCE(?, latency_s), message = COALESCE(?, message), "
                "evidence = COALESCE(?, evidence), updated_t = ?, settled_t = ? WHERE bet_id = ?",
                (
                    status.value,
                    start_tick,
                    end_tick,
                    payout,
                    latency_s,
                    message,
                    evidence,
                    t,
                    settled_t,
                    bet_id,
                ),
            )
            if old.status is not status:
                self._append(
                    conn,
                    t,
                    old.session,
                    EventKind.BET_STATUS,
                    {
                        "bet_id": bet_id,
                        "old": old.status.value,
                        "status": status.value,
                        "game": old.game,
                        "coin": old.coin,
                        "amount_lamports": old.amount_lamports,
                        "payout_lamports": payout,
                        "start_tick": start_tick if start_tick is not None else old.start_tick,
                        "end_tick": end_tick if end_tick is not None else old.end_tick,
                        "message": message,
                        "evidence": evidence,
                        "account": old.account,
                    },
                )
            new = self._bet(conn, bet_id)
        assert new is not None
        return new

    def bet(self, bet_id: str) -> BetRow | None:
        return self._bet(self._conn, bet_id)

    def open_bets(self, session: str | None = None) -> list[BetRow]:
        """Non-terminal bets (intent / clicked / confirmed / unknown): what a restart must reconcile."""
        sql = f"SELECT * FROM bets WHERE status IN ({','.join('?' * len(NON_TERMINAL))})"
        params: list[Any] = list(NON_TERMINAL)
        if session is not None:
            sql, params = sql + " AND session = ?", [*params, session]
        return [self._bet_row(r) for r in self._conn.execute(sql + " ORDER BY seq", params)]

    def bets(self, session: str | None = None) -> list[BetRow]:
        """Every bet (of one session), in the order they were written."""
        if session is None:
            rows = self._conn.execute("SELECT * FROM bets ORDER BY seq")
        else:
            rows = self._conn.execute("SELECT * FROM bets WHERE session = ? ORDER BY seq", (session,))
        return [self._bet_row(r) for r in rows]

    def _bet(self, conn: sqlite3.Connection, bet_id: str) -> BetRow | None:
        row = conn.execute("SELECT * FROM bets WHERE bet_id = ?", (bet_id,)).fetchone()
        return self._bet_row(row) if row else None

    @staticmethod
    def _bet_row(r: tuple[Any, ...]) -> BetRow:
        fields = list(r)
        fields[10] = BetStatus(r[10])
        return BetRow(*fields)
