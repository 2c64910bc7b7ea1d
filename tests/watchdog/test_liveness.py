"""Liveness (bot/store/heartbeat.py, bot/app/heartbeat.py), the read-only store ``status`` opens, and the
recoveries a session counts (bot/store/recoveries.py). Real SQLite files and real processes for the pids."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app.heartbeat import Heartbeat
from bot.browser.processes import pid_running
from bot.store.db import Store, StoreError
from bot.store.heartbeat import liveness

HOST = socket.gethostname()


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_pid_running_tells_live_dead_and_zombie_processes() -> None:
    assert pid_running(os.getpid())
    assert not pid_running(dead_pid())
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        for _ in range(100):  # exited but not reaped: still in /proc, state Z
            if Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z":
                break
            time.sleep(0.02)
        assert not pid_running(zombie.pid)
    finally:
        zombie.wait()


# ids by name: the pid in the values differs between pytest-xdist workers, which must collect the same ids
LIVENESS_CASES = [
    ("this process, fresh beat", os.getpid(), HOST, 1.0, False, "running"),
    ("this process, beat 30 s old (hung)", os.getpid(), HOST, 30.0, False, "crashed"),
    ("a dead pid on this host, fresh beat", None, HOST, 1.0, False, "crashed"),
    ("another host, fresh beat", 4242, "otherbox", 1.0, False, "running"),
    ("another host, stale beat", 4242, "otherbox", 60.0, False, "crashed"),
    ("a clean stop", os.getpid(), HOST, 300.0, True, "stopped"),
]


@pytest.mark.parametrize(
    ("name", "pid", "host", "age_s", "stopped", "state"), LIVENESS_CASES, ids=[c[0] for c in LIVENESS_CASES]
)
def test_liveness_from_the_heartbeat_row(
    tmp_path: Path, name: str, pid: int | None, host: str, age_s: float, stopped: bool, state: str
) -> None:
    now = time.time()
    pid = dead_pid() if pid is None else pid
    with Store.open(tmp_path / "r.db") as store:
        store.beat(pid=pid, host=host, session="s1", started=now - 100, t=now - age_s, interval_s=2.0)
        if stopped:
            store.stop_heartbeat(pid=pid, t=now - age_s)
    with Store.open_readonly(tmp_path / "r.db") as ro:
        live = liveness(ro, now)
    assert live.state == state, name
    assert live.running is (state == "running")
    assert live.pid == pid
    d = live.as_dict()
    assert (
        d["running"] is live.running
        and d["pid"] == pid
        and d["heartbeat_age_s"] == pytest.approx(age_s, abs=0.1)
    )


def test_a_database_no_run_ever_beat_in_says_never(tmp_path: Path) -> None:
    Store.open(tmp_path / "r.db").close()
    with Store.open_readonly(tmp_path / "r.db") as ro:
        live = liveness(ro, time.time())
    assert (live.state, live.running, live.pid, live.heartbeat_age_s) == ("never", False, None, None)


def test_a_new_run_replaces_the_heartbeat_and_a_stop_of_the_old_pid_leaves_it_alone(tmp_path: Path) -> None:
    now = time.time()
    with Store.open(tmp_path / "r.db") as store:
        store.beat(pid=111, host="a", session="s1", started=now - 9, t=now - 9, interval_s=2.0)
        store.beat(pid=os.getpid(), host=HOST, session="s2", started=now, t=now, interval_s=2.0)
        store.stop_heartbeat(pid=111, t=now)  # a late stop from the previous run
        row = store.heartbeat()
    assert row is not None and (row.pid, row.session, row.stopped) == (os.getpid(), "s2", None)


def fingerprint(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_the_read_only_store_writes_nothing_and_refuses_writes(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    with Store.open(db) as store:
        sid = store.start_session(mode="PRACTICE", profile="p", coin="c", started=1.0)
        store.record_recovery(2.0, sid, {"action": "reload"})
    before = fingerprint(tmp_path)
    with Store.open_readonly(db) as ro:
        assert ro.recoveries(sid) == 1 and ro.last_session() is not None and ro.heartbeat() is None
        with pytest.raises(Exception, match="readonly"):
            ro.append_event(3.0, sid, "x", {})
        with pytest.raises(Exception, match="readonly"):
            ro.beat(pid=1, host="h", session=sid, started=1.0, t=1.0, interval_s=2.0)
    after = fingerprint(tmp_path)
    assert after["r.db"] == before["r.db"]
    # a WAL reader may create SQLite's companion files; they hold nothing (no write ever reached the log)
    assert set(after) - set(before) <= {"r.db-wal", "r.db-shm"}
    assert not (tmp_path / "r.db-wal").exists() or (tmp_path / "r.db-wal").stat().st_size == 0


def test_the_read_only_store_creates_no_file_and_rejects_what_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such database"):
        Store.open_readonly(tmp_path / "missing" / "r.db")
    assert not (tmp_path / "missing").exists()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a rugsbot database"):
        Store.open_readonly(junk)


def test_recoveries_are_counted_per_session_and_added_to_the_summary(tmp_path: Path) -> None:
    with Store.open(tmp_path / "r.db") as store:
        a = store.start_session(mode="PRACTICE", profile="p", coin="c", started=1.0)
        b = store.start_session(mode="PRACTICE", profile="p", coin="c", started=2.0)
        for i in range(3):
            store.record_recovery(3.0 + i, a, {"action": "relaunch", "cause": "browser_crashed", "ok": True})
        store.record_recovery(9.0, b, {"action": "reload", "cause": "silent_feed", "ok": True})
        store.end_session(a, ended=10.0, summary={"bets": 4})
        store.add_to_summary(a, {"recoveries": store.recoveries(a)})
        assert (store.recoveries(a), store.recoveries(b)) == (3, 1)
        row = store.session(a)
    assert row is not None and row.summary == {"bets": 4, "recoveries": 3}


def test_the_heartbeat_task_beats_every_interval_and_says_stopped_at_the_end(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    Store.open(db).close()

    counted = {"recoveries": 0}

    async def scenario() -> tuple[int, str, str, dict[str, int]]:
        hb = Heartbeat(db, "s9", interval_s=0.1, counters=lambda: counted)
        await hb.start()
        counted["recoveries"] = 2  # what the run counts meanwhile reaches the next beats
        await asyncio.sleep(0.55)
        with Store.open_readonly(db) as ro:
            live = liveness(ro, time.time())
        await hb.stop()
        with Store.open_readonly(db) as ro:
            after = liveness(ro, time.time()).state
        return hb.beats, live.state, after, live.counters

    beats, during, after, counters = asyncio.run(scenario())
    assert beats >= 4
    assert (during, after) == ("running", "stopped")
    assert counters == {"recoveries": 2}
