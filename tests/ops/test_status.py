"""``rugsbot status`` tells a running bot from a stopped and a crashed one, counts the last session's recoveries
and protocol drift, shows times as UTC ISO text and never writes: real SQLite files, real pids (this process
for a live one, a reaped child for a dead one), the real CLI entry point."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli import main
from bot.exitcodes import EXIT_HALTED, EXIT_OK
from bot.store.db import Store

HOST = socket.gethostname()
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _status(data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    for var in list(os.environ):
        if var.startswith("RUGSBOT_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(data))
    code = main(["status", *args])
    out = capsys.readouterr().out
    return code, (json.loads(out) if "--json" in args else out)


def _fingerprint(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir()) if p.is_file()}


def _session(db: Path, *, beat: str | None, ended: bool, recoveries: int = 0, drift: int = 0) -> str:
    """A session as a run leaves it. ``beat``: "fresh" (this process beating now), "dead" (a reaped pid, fresh
    beat), "stale" (this process, beat a minute old), "stopped" (a clean stop), None (no heartbeat)."""
    now = time.time()
    with Store.open(db) as store:
        sid = store.start_session(mode="PRACTICE", profile="sim", coin="0xPractice", started=now - 100)
        for i in range(recoveries):
            store.record_recovery(now - 50 + i, sid, {"action": "reload", "cause": "silent_feed", "ok": True})
        if ended:
            store.end_session(sid, ended=now - 5, summary={"state": "ACTIVE", "bets": 0})
            store.add_to_summary(sid, {"recoveries": recoveries, "protocol_drift": {"total": drift}})
        if beat is not None:
            pid = _dead_pid() if beat == "dead" else os.getpid()
            age = 60.0 if beat == "stale" else 1.0
            store.beat(
                pid=pid,
                host=HOST,
                session=sid,
                started=now - 100,
                t=now - age,
                interval_s=2.0,
                counters={"recoveries": recoveries, "protocol_drift": drift},
            )
            if beat == "stopped":
                store.stop_heartbeat(pid=pid, t=now - 5)
    return sid


@pytest.mark.parametrize(
    ("beat", "ended", "running", "liveness", "run_state", "text"),
    [
        ("fresh", False, True, "running", "running", "bot: running, pid"),
        ("dead", False, False, "crashed", "crashed", "bot: CRASHED (not running)"),
        ("stale", False, False, "crashed", "crashed", "bot: CRASHED (not running)"),
        ("stopped", True, False, "stopped", "ended", "bot: not running (stopped cleanly)"),
        (None, False, False, "never", "crashed", "bot: no heartbeat"),
    ],
)
def test_status_tells_running_stopped_and_crashed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    beat: str | None,
    ended: bool,
    running: bool,
    liveness: str,
    run_state: str,
    text: str,
) -> None:
    sid = _session(tmp_path / "rugsbot.db", beat=beat, ended=ended, recoveries=2, drift=3)
    code, st = _status(tmp_path, monkeypatch, capsys, "--json")
    assert code == EXIT_OK
    assert (st["running"], st["liveness"]) == (running, liveness)
    if beat is None:
        assert st["pid"] is None and st["heartbeat_age_s"] is None
    else:
        assert isinstance(st["pid"], int) and st["heartbeat_age_s"] is not None
        assert (st["heartbeat_age_s"] < 10) is (beat != "stale")
    last = st["last_session"]
    assert last["id"] == sid and last["run_state"] == run_state
    assert "running_or_crashed" not in last
    assert last["recoveries"] == 2
    assert last["protocol_drift"] == (3 if beat is not None or ended else 0)
    assert ISO.match(last["started"]), last["started"]
    assert last["ended"] is None if not ended else ISO.match(last["ended"])
    code, out = _status(tmp_path, monkeypatch, capsys)
    assert code == EXIT_OK
    assert text in out and "running or crashed" not in out
    assert "recoveries 2" in out
    assert ("CRASHED" in out or ", crashed" in out) is (run_state == "crashed")


def test_status_of_a_halted_crashed_run_says_both_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "rugsbot.db"
    _session(db, beat="dead", ended=False)
    with Store.open(db) as store:
        store.set_halt("alarm: signing request", source="guard:alarm:signing_request", t=1_765_000_000.25)
    code, st = _status(tmp_path, monkeypatch, capsys, "--json")
    assert code == EXIT_HALTED
    assert st["state"] == "HALTED" and st["running"] is False and st["liveness"] == "crashed"
    assert st["halt"]["set_at"] == "2025-12-06T05:46:40.250Z"
    assert st["halt"]["reason"] == "alarm: signing request"
    code, out = _status(tmp_path, monkeypatch, capsys)
    assert code == EXIT_HALTED
    assert "halted since 2025-12-06T05:46:40.250Z" in out and "CRASHED" in out


def test_status_never_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "rugsbot.db"
    _session(db, beat="dead", ended=False, recoveries=1)
    with Store.open(db) as store:  # checkpoint: the file holds everything, the WAL is empty
        store.db.query("PRAGMA wal_checkpoint(TRUNCATE)")
    before = _fingerprint(tmp_path)
    for args in (("--json",), ()):
        _status(tmp_path, monkeypatch, capsys, *args)
    after = _fingerprint(tmp_path)
    assert after["rugsbot.db"] == before["rugsbot.db"]
    assert set(after) - set(before) <= {"rugsbot.db-wal", "rugsbot.db-shm"}
    wal = tmp_path / "rugsbot.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def test_status_on_an_empty_data_dir_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "var"
    code, st = _status(data, monkeypatch, capsys, "--json")
    assert code == EXIT_OK
    assert (st["state"], st["running"], st["pid"], st["heartbeat_age_s"]) == ("NEVER RUN", False, None, None)
    assert not data.exists()
    data.mkdir()
    _status(data, monkeypatch, capsys)
    assert list(data.iterdir()) == []
