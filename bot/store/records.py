"""Statistics rows: decisions, games, guard events and tick timing, and a session rebuilt from its events."""

from __future__ import annotations

from typing import Any

from bot.bets.model import BetStatus
from bot.store.base import StoreBase
from bot.store.bets import NON_TERMINAL
from bot.store.rows import DecisionRow, EventKind, SessionPerformance


class RecordStore(StoreBase):
    # ------------------------------------------------------------------ decisions, games, guards, ticks
    def record_decision(self, d: DecisionRow) -> int:
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO decisions (session, t, game, tick, p_win, p_low, p_high, ev, zone, amount_lamports, "
                "strategy, reason, verdict) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    d.session,
                    d.t,
                    d.game,
                    d.tick,
                    d.p_win,
                    d.p_low,
                    d.p_high,
                    d.ev,
                    d.zone,
                    d.amount_lamports,
                    d.strategy,
                    d.reason,
                    d.verdict,
                ),
            )
            return int(cur.lastrowid or 0)

    def decisions(self, session: str | None = None) -> list[DecisionRow]:
        sql = (
            "SELECT t, game, tick, p_win, p_low, p_high, ev, zone, amount_lamports, strategy, reason, verdict, "
            "session FROM decisions"
        )
        rows = (
            self._conn.execute(sql + " WHERE session = ? ORDER BY id", (session,))
            if session is not None
            else self._conn.execute(sql + " ORDER BY id")
        )
        return [DecisionRow(*r) for r in rows]

    def record_game(
        self,
        *,
        game_id: str,
        rug_tick: int | None = None,
        peak: float | None = None,
        seen_complete: bool | None = None,
        version: str | None = None,
        seed_hash: str | None = None,
        seed: str | None = None,
        verified: bool | None = None,
    ) -> None:
        """Upsert: the rug frame and the later history frame (seed, verification) each fill in their part."""
        with self._tx() as conn:
            conn.execute("INSERT OR IGNORE INTO games (id) VALUES (?)", (game_id,))
            conn.execute(
                "UPDATE games SET final_tick = COALESCE(?, final_tick), peak = COALESCE(?, peak), "
                "seen_complete = COALESCE(?, seen_complete), version = COALESCE(?, version), "
                "hash = COALESCE(?, hash), seed = COALESCE(?, seed), verified = COALESCE(?, verified) WHERE id = ?",
                (
                    rug_tick,
                    peak,
                    None if seen_complete is None else int(seen_complete),
                    version,
                    seed_hash,
                    seed,
                    None if verified is None else int(verified),
                    game_id,
                ),
            )

    def game(self, game_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM games WHERE id = ?", [game_id]))
        return rows[0] if rows else None

    def record_guard_event(
        self,
        *,
        session: str | None,
        t: float,
        guard: str,
        action: str,
        reason: str,
        until: float | None = None,
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO guard_events (session, t, guard, action, reason, until) VALUES (?,?,?,?,?,?)",
                (session, t, guard, action, reason, until),
            )
            self._append(
                conn,
                t,
                session,
                EventKind.GUARD,
                {"guard": guard, "action": action, "reason": reason, "until": until},
            )

    def guard_events(self, session: str | None = None) -> list[dict[str, Any]]:
        if session is None:
            return list(self.db.query("SELECT * FROM guard_events ORDER BY id"))
        return list(self.db.query("SELECT * FROM guard_events WHERE session = ? ORDER BY id", [session]))

    def record_tick_stats(
        self,
        *,
        session: str | None,
        t: float,
        game: str | None,
        samples: int,
        ewma_s: float,
        jitter_s: float,
        p50_s: float,
        p99_s: float,
        max_s: float,
        stalls: int,
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO tick_stats (session, t, game, samples, ewma_s, jitter_s, p50_s, p99_s, max_s, stalls) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (session, t, game, samples, ewma_s, jitter_s, p50_s, p99_s, max_s, stalls),
            )

    # ------------------------------------------------------------------ evidence
    def rebuild_session(self, session_id: str) -> SessionPerformance:
        """Recompute a session's results from its ``events`` only (not from the mutable ``bets`` table), so a
        test can hold the ledger against an independent derivation."""
        amounts: dict[str, int] = {}
        status: dict[str, str] = {}
        payouts: dict[str, int] = {}
        for ev in self.events(session=session_id, kinds=(EventKind.BET_INTENT, EventKind.BET_STATUS)):
            bet_id = str(ev.data["bet_id"])
            if ev.kind == EventKind.BET_INTENT:
                amounts[bet_id] = int(ev.data["amount_lamports"])
                status[bet_id] = BetStatus.INTENT.value
            else:
                status[bet_id] = str(ev.data["status"])
                payouts[bet_id] = int(ev.data.get("payout_lamports") or 0)
        won = [b for b, s in status.items() if s == BetStatus.WON.value]
        lost = [b for b, s in status.items() if s == BetStatus.LOST.value]
        staked = sum(amounts[b] for b in won + lost)
        payout = sum(payouts.get(b, 0) for b in won)
        return SessionPerformance(
            session=session_id,
            bets=len(amounts),
            won=len(won),
            lost=len(lost),
            open=sum(1 for s in status.values() if s in NON_TERMINAL),
            staked_lamports=staked,
            payout_lamports=payout,
            pnl_lamports=payout - staked,
        )
