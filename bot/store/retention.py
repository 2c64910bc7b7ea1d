"""Retention: what ``rugsbot prune`` may remove, and the automatic cap on decision rows.

What goes, and why only that:

* ``decisions``, ``tick_stats``, ``guard_events`` older than the cutoff: statistics about the engine and
  the page, useful for a while, never needed for money.
* ``events`` of the statistics kinds only (:data:`PRUNABLE_EVENT_KINDS`: guard trips and the scheduler's
  outcomes). The ledger is rebuilt from bet_intent, bet_status, balance and halt_cleared; halts and sessions
  have their own kinds: those rows are never deleted, by anyone.

How the append-only guarantee still holds: ``events`` keeps its ``BEFORE DELETE`` trigger, which (migration 2)
aborts every delete unless (a) the row's kind is a statistics kind AND (b) a row exists in ``prune_permit``.
That row is inserted and removed inside :meth:`RetentionStore.prune_before`'s own transaction, so it is never
visible outside it. A kind not listed (any future one, by default) stays append-only. Moving the statistics
out of ``events`` instead would have changed every writer and the ledger's fold; the trigger keeps one log.

Decision rows are also capped by the database itself: a trigger (migration 2) deletes rows beyond the cap
(``retention.decision_cap``, default 1,000,000 ≈ a few days of ticks) at every 100th insert.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.base import StoreBase

PRUNABLE_EVENT_KINDS = "guard, schedule_*"
_EVENTS_PRUNABLE_SQL = "(kind = 'guard' OR substr(kind, 1, 9) = 'schedule_')"  # same rule as the trigger
_TABLES = ("decisions", "tick_stats", "guard_events")
MIN_DECISION_CAP = 1000


@dataclass(frozen=True, slots=True)
class PruneCounts:
    """Rows removed (or, in a dry run, that would be) per table."""

    decisions: int = 0
    tick_stats: int = 0
    guard_events: int = 0
    events: int = 0

    @property
    def total(self) -> int:
        return self.decisions + self.tick_stats + self.guard_events + self.events


class RetentionStore(StoreBase):
    # ------------------------------------------------------------------ retention
    def prune_before(self, cutoff_t: float, *, dry_run: bool = False) -> PruneCounts:
        """Delete statistics rows with ``t < cutoff_t`` (epoch s) in one transaction; never bets, halts,
        sessions or the ledger's events. ``dry_run`` counts without deleting."""
        where = {table: ("t < ?", (cutoff_t,)) for table in _TABLES}
        with self._tx() as conn:
            counts = {
                table: int(conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {w}", p).fetchone()[0])
                for table, (w, p) in where.items()
            }
            ev_sql = f"FROM events WHERE t < ? AND {_EVENTS_PRUNABLE_SQL}"
            counts["events"] = int(conn.execute(f"SELECT COUNT(*) {ev_sql}", (cutoff_t,)).fetchone()[0])
            if not dry_run:
                conn.execute("INSERT INTO prune_permit (id) VALUES (1)")
                for table, (w, p) in where.items():
                    conn.execute(f"DELETE FROM {table} WHERE {w}", p)
                conn.execute(f"DELETE {ev_sql}", (cutoff_t,))
                conn.execute("DELETE FROM prune_permit")
        return PruneCounts(**counts)

    def vacuum(self) -> None:
        """Give the freed pages back to the file system (rewrites the file: takes the write lock)."""
        self._conn.execute("VACUUM")
        self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def decision_cap(self) -> int:
        return int(self._conn.execute("SELECT decision_cap FROM retention WHERE id = 1").fetchone()[0])

    def set_decision_cap(self, n: int) -> None:
        """Keep at most about ``n`` decision rows (≥ :data:`MIN_DECISION_CAP`); applied from the next insert."""
        if n < MIN_DECISION_CAP:
            raise ValueError(f"the decision cap must be at least {MIN_DECISION_CAP}")
        with self._tx() as conn:
            conn.execute("UPDATE retention SET decision_cap = ? WHERE id = 1", (n,))

    def file_bytes(self) -> int:
        """Database file plus its WAL, in bytes (what the disk holds)."""
        total = 0
        for suffix in ("", "-wal"):
            p = self.path.with_name(self.path.name + suffix)
            if p.exists():
                total += p.stat().st_size
        return total
