"""Recoveries of a run (page reloads, browser relaunches: bot/app/recovery.py) and the run's own lines in its
session summary.

Each recovery is one ``recovery`` event of the session (append-only, like every other event), so the count is
right even for a run that crashed before writing its summary: :meth:`RecoveryStore.recoveries`.

Why :meth:`RecoveryStore.add_to_summary`: the governor writes the session summary at close (money, guards); the
run knows things the governor does not (recoveries, protocol drift) and adds them to the same JSON afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.store.base import StoreBase

RECOVERY = "recovery"


class RecoveryStore(StoreBase):
    def record_recovery(self, t: float, session: str, data: Mapping[str, Any]) -> int:
        """One recovery: ``data`` says what was done and why (action, cause, ok, duration_s…). Returns its seq."""
        return self.append_event(t, session, RECOVERY, data)

    def recoveries(self, session: str) -> int:
        """How many recoveries the session made (``status --json``: ``last_session.recoveries``)."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM events WHERE session = ? AND kind = ?", (session, RECOVERY)
        ).fetchone()
        return int(row[0])

    def add_to_summary(self, session: str, fields: Mapping[str, Any]) -> None:
        """Merge ``fields`` into the session's summary JSON (written by the governor at close)."""
        with self._tx() as conn:
            row = conn.execute("SELECT summary FROM sessions WHERE id = ?", (session,)).fetchone()
            if row is None:
                return
            summary = json.loads(row[0]) if row[0] else {}
            summary.update(fields)
            conn.execute(
                "UPDATE sessions SET summary = ? WHERE id = ?",
                (json.dumps(summary, sort_keys=True, default=str), session),
            )
