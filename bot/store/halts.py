"""Halts: written and fsync'd before anything else happens; cleared only by ``rugsbot resume``."""

from __future__ import annotations

import time
from typing import Any

from bot.store.base import StoreBase
from bot.store.rows import EventKind, HaltRow


class HaltStore(StoreBase):
    # ------------------------------------------------------------------ halts
    def set_halt(self, reason: str, source: str, t: float | None = None) -> HaltRow:
        """Record an active halt, committed and fsync'd before returning. Idempotent while one is active:
        the first reason stays (it is the one the operator must read), later ones are logged as events."""
        at = time.time() if t is None else t
        with self._tx(durable=True) as conn:
            existing = conn.execute("SELECT id FROM halts WHERE active = 1 ORDER BY id LIMIT 1").fetchone()
            if existing is None:
                cur = conn.execute(
                    "INSERT INTO halts (active, reason, source, set_at) VALUES (1, ?, ?, ?)",
                    (reason, source, at),
                )
                halt_id = int(cur.lastrowid or 0)
            else:
                halt_id = int(existing[0])
            self._append(
                conn,
                at,
                None,
                EventKind.HALT_SET,
                {"halt_id": halt_id, "reason": reason, "source": source, "new": existing is None},
            )
        row = self._halt(halt_id)
        assert row is not None
        return row

    def active_halt(self) -> HaltRow | None:
        """Cheap (indexed) so a running bot can poll it several times a second."""
        row = self._conn.execute(
            "SELECT id, active, reason, source, set_at, cleared_at, cleared_by FROM halts "
            "WHERE active = 1 ORDER BY id LIMIT 1"
        ).fetchone()
        return self._halt_row(row) if row else None

    def clear_halt(self, by: str, t: float | None = None) -> list[HaltRow]:
        """Clear every active halt; returns what was cleared (empty when nothing was halted)."""
        at = time.time() if t is None else t
        with self._tx(durable=True) as conn:
            ids = [int(r[0]) for r in conn.execute("SELECT id FROM halts WHERE active = 1 ORDER BY id")]
            if ids:
                conn.execute(
                    f"UPDATE halts SET active = 0, cleared_at = ?, cleared_by = ? WHERE id IN ({','.join('?' * len(ids))})",
                    (at, by, *ids),
                )
                self._append(conn, at, None, EventKind.HALT_CLEARED, {"halt_ids": ids, "by": by})
        return [h for h in (self._halt(i) for i in ids) if h is not None]

    def halts(self) -> list[HaltRow]:
        return [
            self._halt_row(r)
            for r in self._conn.execute(
                "SELECT id, active, reason, source, set_at, cleared_at, cleared_by FROM halts ORDER BY id"
            )
        ]

    def _halt(self, halt_id: int) -> HaltRow | None:
        row = self._conn.execute(
            "SELECT id, active, reason, source, set_at, cleared_at, cleared_by FROM halts WHERE id = ?",
            (halt_id,),
        ).fetchone()
        return self._halt_row(row) if row else None

    @staticmethod
    def _halt_row(r: tuple[Any, ...]) -> HaltRow:
        return HaltRow(int(r[0]), bool(r[1]), r[2], r[3], r[4], r[5], r[6])
