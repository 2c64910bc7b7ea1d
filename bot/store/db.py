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

import json
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

from bot.bets.model import TERMINAL, BetStatus
from bot.store.rows import (
    BetRow,
    DecisionRow,
    EventKind,
    EventRow,
    HaltRow,
    SessionPerformance,
    SessionRow,
)
from bot.store.schema import LATEST_VERSION, MIGRATIONS


class StoreError(Exception):
    """The database cannot be used as asked (newer schema, unknown bet, illegal transition)."""


class BetTransitionError(StoreError):
    """A bet status change that would rewrite history (e.g. a settled bet becoming unsettled)."""


_NON_TERMINAL = tuple(s.value for s in BetStatus if s not in TERMINAL)


def legal_transition(old: BetStatus, new: BetStatus) -> bool:
    """A bet only moves forward: never back to ``intent``, never out of a terminal status, and a confirmed
    bet cannot become merely clicked or unknown again (a stale report must not hide a confirmation)."""
    if old in TERMINAL or new is BetStatus.INTENT:
        return False
    if old is BetStatus.CONFIRMED and new in (BetStatus.CLICKED, BetStatus.UNKNOWN):
        return False
    return not (old is BetStatus.UNKNOWN and new is BetStatus.CLICKED)


class Store:
    """One connection to the database file. Not thread-safe: use one Store per thread or process."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, durable: bool = True) -> None:
        self._conn = conn
        self.path = path
        self.durable = durable
        self.db = sqlite_utils.Database(conn)

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

    # ------------------------------------------------------------------ sessions
    def start_session(
        self,
        *,
        mode: str,
        profile: str,
        coin: str,
        started: float,
        starting_bankroll_lamports: int | None = None,
    ) -> str:
        with self._tx(durable=True) as conn:
            n = int(conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]) + 1
            session_id = f"s{n:05d}-{int(started)}"
            conn.execute(
                "INSERT INTO sessions (id, mode, profile, coin, started, starting_bankroll_lamports) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, mode, profile, coin, started, starting_bankroll_lamports),
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
                },
            )
        return session_id

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
        return SessionRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]) if r[7] else None)

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
    ) -> str:
        """Write-ahead: the intent row (and its event) is durable before this returns, i.e. before any click."""
        if amount_lamports <= 0:
            raise StoreError(f"bet amount must be positive, got {amount_lamports}")
        with self._tx(durable=True) as conn:
            seq = int(conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM bets").fetchone()[0])
            bet_id = f"{session}-b{seq}"
            conn.execute(
                "INSERT INTO bets (seq, bet_id, session, game, decided_tick, decided_t, amount_lamports, coin, "
                "strategy, reason, status, created_t, updated_t) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
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
    ) -> BetRow:
        """Move a bet forward (durably, with its event). Repeating the current status only fills in details.

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
                "updated_t = ?, settled_t = ? WHERE bet_id = ?",
                (status.value, start_tick, end_tick, payout, latency_s, message, t, settled_t, bet_id),
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
                    },
                )
            new = self._bet(conn, bet_id)
        assert new is not None
        return new

    def bet(self, bet_id: str) -> BetRow | None:
        return self._bet(self._conn, bet_id)

    def open_bets(self, session: str | None = None) -> list[BetRow]:
        """Non-terminal bets (intent / clicked / confirmed / unknown): what a restart must reconcile."""
        sql = f"SELECT * FROM bets WHERE status IN ({','.join('?' * len(_NON_TERMINAL))})"
        params: list[Any] = list(_NON_TERMINAL)
        if session is not None:
            sql, params = sql + " AND session = ?", [*params, session]
        return [self._bet_row(r) for r in self._conn.execute(sql + " ORDER BY seq", params)]

    def bets(self, session: str | None = None) -> list[BetRow]:
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
        return BetRow(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            BetStatus(r[10]),
            r[11],
            r[12],
            r[13],
            r[14],
            r[15],
            r[16],
            r[17],
            r[18],
        )

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
            open=sum(1 for s in status.values() if s in _NON_TERMINAL),
            staked_lamports=staked,
            payout_lamports=payout,
            pnl_lamports=payout - staked,
        )


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
