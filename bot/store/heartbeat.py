"""Liveness: a running bot says so in the database every few seconds, and ``status`` tells running from crashed.

One row (``id = 1``), updated in place by a timer task of the run (bot/app/heartbeat.py), never by the frame
path: pid, host, session, when the run started, the last beat, at a clean stop when it stopped, and what the
run counts meanwhile (``counters``: recoveries, protocol drift; ``status`` shows them while it runs). A process
that dies (SIGKILL, OOM, power) leaves the row as it was, so a reader sees a heartbeat that is not stopped and
either names a dead pid on this host or is too old: that run crashed.

Why the table is created here and not by a migration: it holds no history and no money, only "who is alive
now", and the writer creates it on its first beat; a reader of a database without it sees "never ran".
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.browser.processes import pid_running
from bot.store.base import StoreBase

STALE_BEATS = 5  # a heartbeat older than this many intervals means the writer is gone
MIN_STALE_S = 10.0

_CREATE = """
CREATE TABLE IF NOT EXISTS heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    session TEXT,
    started REAL NOT NULL,
    t REAL NOT NULL,
    interval_s REAL NOT NULL,
    stopped REAL,
    counters TEXT
)
"""


@dataclass(frozen=True, slots=True)
class HeartbeatRow:
    pid: int
    host: str
    session: str | None
    started: float
    t: float
    interval_s: float
    stopped: float | None
    counters: dict[str, Any]  # what the run counts while it runs (recoveries, protocol drift)


class HeartbeatStore(StoreBase):
    def beat(
        self,
        *,
        pid: int,
        host: str,
        session: str | None,
        started: float,
        t: float,
        interval_s: float,
        counters: Mapping[str, Any] | None = None,
    ) -> None:
        """Write the one heartbeat row (a new run replaces the previous run's row)."""
        with self._tx() as conn:
            conn.execute(_CREATE)
            conn.execute(
                "INSERT INTO heartbeat (id, pid, host, session, started, t, interval_s, stopped, counters) "
                "VALUES (1, ?, ?, ?, ?, ?, ?, NULL, ?) ON CONFLICT(id) DO UPDATE SET pid = excluded.pid, "
                "host = excluded.host, session = excluded.session, started = excluded.started, "
                "t = excluded.t, interval_s = excluded.interval_s, stopped = NULL, counters = excluded.counters",
                (
                    pid,
                    host,
                    session,
                    started,
                    t,
                    interval_s,
                    json.dumps(dict(counters or {}), sort_keys=True),
                ),
            )

    def stop_heartbeat(self, *, pid: int, t: float) -> None:
        """A clean stop of the run ``pid`` (a later run's row is left alone)."""
        with self._tx() as conn:
            conn.execute(_CREATE)
            conn.execute("UPDATE heartbeat SET stopped = ?, t = ? WHERE id = 1 AND pid = ?", (t, t, pid))

    def heartbeat(self) -> HeartbeatRow | None:
        """The row, or ``None`` when no run ever beat here (works on a read-only store)."""
        try:
            r = self._conn.execute(
                "SELECT pid, host, session, started, t, interval_s, stopped, counters FROM heartbeat WHERE id = 1"
            ).fetchone()
        except sqlite3.OperationalError:  # no such table: no run of this version ever started here
            return None
        if r is None:
            return None
        return HeartbeatRow(int(r[0]), str(r[1]), r[2], r[3], r[4], r[5], r[6], json.loads(r[7] or "{}"))


@dataclass(frozen=True, slots=True)
class Liveness:
    """``state``: "running", "stopped" (a clean stop), "crashed" (no clean stop, and a dead pid on this host or
    a stale heartbeat) or "never". ``heartbeat_age_s``: seconds since the last beat (``None`` if never)."""

    state: str
    pid: int | None
    host: str | None
    session: str | None
    heartbeat_age_s: float | None
    counters: dict[str, Any] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.state == "running"

    def as_dict(self) -> dict[str, Any]:
        age = None if self.heartbeat_age_s is None else round(self.heartbeat_age_s, 1)
        return {
            "running": self.running,
            "liveness": self.state,
            "pid": self.pid,
            "host": self.host,
            "heartbeat_session": self.session,
            "heartbeat_age_s": age,
            "live_counters": self.counters,
        }


def liveness(
    store: HeartbeatStore,
    now: float,
    *,
    host: str | None = None,
    alive: Callable[[int], bool] = pid_running,
) -> Liveness:
    """Is a bot running on this database? ``now``: wall clock, seconds. ``host``: this machine's name (default
    ``socket.gethostname()``); a pid is checked only on its own host, elsewhere the heartbeat's age decides."""
    row = store.heartbeat()
    if row is None:
        return Liveness("never", None, None, None, None)
    age = max(0.0, now - row.t)
    here = row.host == (host if host is not None else socket.gethostname())
    if row.stopped is not None:
        state = "stopped"
    elif (here and not alive(row.pid)) or age > max(MIN_STALE_S, STALE_BEATS * row.interval_s):
        state = "crashed"
    else:
        state = "running"
    return Liveness(state, row.pid, row.host, row.session, age, row.counters)
