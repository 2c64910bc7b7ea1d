"""The bot's SQLite database: sessions, games, decisions, bets, halts, guard events, tick stats and an
append-only event log.

Why these choices:

* **WAL** so a running bot (one writer, many small transactions) and ``rugsbot halt`` / ``status`` from
  another terminal can read and write the same file without blocking each other for long; a **busy timeout**
  makes the rare write-write collision wait instead of failing.
* **synchronous=NORMAL** for the high-volume rows (decisions, tick stats, events): in WAL mode a process crash
  never loses a committed transaction, only an OS crash / power cut can lose the last few — acceptable for
  statistics. **synchronous=FULL** for the rows money depends on — halts and every bet write (the write-ahead
  intent included): those are fsync'd before the call returns, so a halt or an intent survives a power cut too.
  They are rare (a few a minute), so the fsync costs nothing that matters.
* **Every state change is one transaction** that also appends its ``events`` row, so the event log is complete
  by construction and :meth:`Store.rebuild_session` can recompute a session's P&L from it alone.
* Data changes use plain SQL inside our own ``BEGIN IMMEDIATE`` transactions (sqlite-utils' write helpers
  commit on their own, which would split our transactions); sqlite-utils provides the connection wrapper,
  introspection and queries.

Usage::

    store = Store.open(Settings().db_path)
    sid = store.start_session(mode="DRY-RUN", profile="default", coin=SOL_MINT, started=t)
    bet_id = store.insert_bet_intent(session=sid, game=g, decided_tick=k, decided_t=t, amount_lamports=a,
                                     coin=c, strategy="ev", reason="...")
    store.update_bet(bet_id, BetStatus.CONFIRMED, t=t2, start_tick=k + 1, end_tick=k + 41)
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bot.bets.model import BetStatus
from bot.store.bets import BetStore, legal_transition
from bot.store.daily import DailyStore
from bot.store.engine_state import StateStore
from bot.store.errors import BetTransitionError, StoreError
from bot.store.halts import HaltStore
from bot.store.heartbeat import HeartbeatStore
from bot.store.records import RecordStore
from bot.store.recoveries import RecoveryStore
from bot.store.retention import RetentionStore
from bot.store.schema import LATEST_VERSION, MIGRATIONS
from bot.store.sessions import SessionStore

__all__ = ["BetStatus", "BetTransitionError", "Store", "StoreError", "legal_transition"]


class Store(
    SessionStore,
    HaltStore,
    BetStore,
    RecordStore,
    StateStore,
    RetentionStore,
    DailyStore,
    HeartbeatStore,
    RecoveryStore,
):
    """The database: one front over one module per aggregate (sessions, halts, bets, records, saved state,
    retention, daily totals, heartbeat, recoveries)."""

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, path: Path, *, busy_timeout_s: float = 10.0, durable: bool = True) -> Store:
        """Open (creating the file, its directory and the schema if needed) and migrate to the latest schema.

        ``durable=False`` skips the fsync of money rows: only for backtests and simulations, whose database is
        evidence about recorded games, never about real money (``":memory:"`` works too).
        """
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            str(path), timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        store = cls(conn, path, durable=durable)
        store._migrate()
        return store

    @classmethod
    def open_readonly(cls, path: Path, *, busy_timeout_s: float = 5.0) -> Store:
        """Open an existing database for reading only (``status``, reports): no file, directory, table or
        migration is created, and SQLite refuses every write (``mode=ro`` URI and ``query_only``). A reader of a
        WAL database may leave SQLite's empty ``-wal``/``-shm`` companions; the database file is never written.

        Raises :class:`StoreError` when the file is missing, is not a rugsbot database or is newer than this
        bot."""
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"{path}: no such database")
        try:
            conn = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro",
                uri=True,
                timeout=busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            conn.execute("PRAGMA query_only = ON")
            store = cls(conn, path, durable=False)
            version = store.schema_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: not a rugsbot database ({exc})") from None
        if version > LATEST_VERSION:
            conn.close()
            raise StoreError(f"{path}: schema version {version} is newer than this bot ({LATEST_VERSION})")
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        with self._tx(durable=True):
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied REAL NOT NULL)"
            )
            row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = int(row[0] or 0)
            if current > LATEST_VERSION:
                raise StoreError(
                    f"{self.path}: schema version {current} is newer than this bot ({LATEST_VERSION})"
                )
            for version, script in MIGRATIONS:
                if version <= current:
                    continue
                for statement in _split_sql(script):
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO schema_version (version, applied) VALUES (?, ?)", (version, time.time())
                )

    # ------------------------------------------------------------------ health
    def schema_version(self) -> int:
        row = self._conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def journal_mode(self) -> str:
        return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    def synchronous(self) -> int:
        """0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA (outside a durable write it is NORMAL)."""
        return int(self._conn.execute("PRAGMA synchronous").fetchone()[0])

    def integrity_check(self) -> str:
        rows = self._conn.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(str(r[0]) for r in rows)

    def tables(self) -> list[str]:
        return sorted(self.db.table_names())


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies (``BEGIN … END;``) whole."""
    out: list[str] = []
    buf: list[str] = []
    in_trigger = False
    for line in script.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("--"):
            continue
        buf.append(line)
        if stripped.upper().startswith("CREATE TRIGGER"):
            in_trigger = True
        if stripped.endswith(";") and (not in_trigger or stripped.upper().endswith("END;")):
            out.append("\n".join(buf))
            buf, in_trigger = [], False
    if buf:
        out.append("\n".join(buf))
    return out
