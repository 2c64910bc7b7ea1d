"""The connection, transactions and the append-only event log every aggregate of the store writes through."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.store.rows import EventRow


class StoreBase:
    """One connection to the database file. Not thread-safe: use one Store per thread or process."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, durable: bool = True) -> None:
        self._conn = conn
        self.path = path
        self.durable = durable
        self.db = sqlite_utils.Database(conn)

    @contextmanager
    def _tx(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction. ``durable``: fsync the commit (synchronous=FULL) before returning."""
        durable = durable and self.durable
        if durable:
            self._conn.execute("PRAGMA synchronous = FULL")
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        finally:
            if durable:
                self._conn.execute("PRAGMA synchronous = NORMAL")

    # ------------------------------------------------------------------ events
    def _append(
        self, conn: sqlite3.Connection, t: float, session: str | None, kind: str, data: Mapping[str, Any]
    ) -> int:
        cur = conn.execute(
            "INSERT INTO events (t, session, kind, data) VALUES (?, ?, ?, ?)",
            (t, session, kind, json.dumps(dict(data), sort_keys=True, separators=(",", ":"))),
        )
        return int(cur.lastrowid or 0)

    def append_event(self, t: float, session: str | None, kind: str, data: Mapping[str, Any]) -> int:
        """Append one event (its own transaction). Returns its sequence number."""
        with self._tx() as conn:
            return self._append(conn, t, session, kind, data)

    def events(
        self, *, session: str | None = None, kinds: Sequence[str] | None = None, after_seq: int = 0
    ) -> list[EventRow]:
        sql = "SELECT seq, t, session, kind, data FROM events WHERE seq > ?"
        params: list[Any] = [after_seq]
        if session is not None:
            sql += " AND session = ?"
            params.append(session)
        if kinds:
            sql += f" AND kind IN ({','.join('?' * len(kinds))})"
            params.extend(kinds)
        sql += " ORDER BY seq"
        return [EventRow(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in self._conn.execute(sql, params)]
