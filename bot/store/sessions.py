"""Sessions: one row per run of the bot (mode, profile, coin, start, end and summary)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.store.base import StoreBase
from bot.store.rows import EventKind, SessionRow


class SessionStore(StoreBase):
    # ------------------------------------------------------------------ sessions
    def start_session(
        self,
        *,
        mode: str,
        profile: str,
        coin: str,
        started: float,
        starting_bankroll_lamports: int | None = None,
        account: str | None = None,
    ) -> str:
        with self._tx(durable=True) as conn:
            n = int(conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]) + 1
            session_id = f"s{n:05d}-{int(started)}"
            conn.execute(
                "INSERT INTO sessions (id, mode, profile, coin, started, starting_bankroll_lamports, account) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, mode, profile, coin, started, starting_bankroll_lamports, account),
            )
            self._append(
                conn,
                started,
                session_id,
                EventKind.SESSION_STARTED,
                {
                    "mode": mode,
                    "profile": profile,
                    "coin": coin,
                    "starting_bankroll_lamports": starting_bankroll_lamports,
                    "account": account,
                },
            )
        return session_id

    def set_session_account(self, session_id: str, account: str) -> None:
        """The account a logged-in session learned from the feed (``playerUpdate.id``)."""
        with self._tx() as conn:
            conn.execute("UPDATE sessions SET account = ? WHERE id = ?", (account, session_id))

    def end_session(self, session_id: str, *, ended: float, summary: Mapping[str, Any]) -> None:
        with self._tx(durable=True) as conn:
            conn.execute(
                "UPDATE sessions SET ended = ?, summary = ? WHERE id = ?",
                (ended, json.dumps(dict(summary), sort_keys=True, default=str), session_id),
            )
            self._append(conn, ended, session_id, EventKind.SESSION_ENDED, dict(summary))

    def session(self, session_id: str) -> SessionRow | None:
        row = self._conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return self._session_row(row) if row else None

    def last_session(self) -> SessionRow | None:
        row = self._conn.execute(
            "SELECT * FROM sessions ORDER BY started DESC, rowid DESC LIMIT 1"
        ).fetchone()
        return self._session_row(row) if row else None

    def sessions(self, *, mode: str | None = None, coin: str | None = None) -> list[SessionRow]:
        sql, params = "SELECT * FROM sessions WHERE 1=1", list[str]()
        if mode is not None:
            sql, params = sql + " AND mode = ?", [*params, mode]
        if coin is not None:
            sql, params = sql + " AND coin = ?", [*params, coin]
        return [self._session_row(r) for r in self._conn.execute(sql + " ORDER BY rowid", params)]

    @staticmethod
    def _session_row(r: tuple[Any, ...]) -> SessionRow:
        return SessionRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            json.loads(r[7]) if r[7] else None,
            r[8] if len(r) > 8 else None,
        )
