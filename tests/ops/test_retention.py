"""Retention on a real SQLite file: prune removes old statistics and never bets, halts, sessions or the
ledger's events; the event log stays append-only for everything else; decision rows are capped by the
database itself; `rugsbot prune` removes old recordings and VACUUMs, with honest exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bets.model import BetStatus
from bot.money import SOL_MINT
from bot.store.db import Store, _split_sql
from bot.store.rows import DecisionRow
from bot.store.schema import MIGRATIONS

DAY = 86400.0
NOW = time.time()
OLD = NOW - 40 * DAY
NEW = NOW - 1 * DAY


def _decision(t: float, tick: int = 1) -> DecisionRow:
    return DecisionRow(
        t, "g", tick, 0.18, 0.17, 0.19, -0.09, "below", None, "ev", "no bet", "no proposal", "s"
    )


def _populate(store: Store, t: float, tag: str) -> str:
    """One session's worth of every kind of row at time ``t``."""
    sid = store.start_session(mode="DRY-RUN", profile=tag, coin=SOL_MINT, started=t)
    bet = store.insert_bet_intent(
        session=sid,
        game=f"g-{tag}",
        decided_tick=5,
        decided_t=t,
        amount_lamports=1_000_000,
        coin=SOL_MINT,
        strategy="s",
        reason="r",
    )
    store.update_bet(bet, BetStatus.CLICKED, t=t + 1)
    store.update_bet(bet, BetStatus.CONFIRMED, t=t + 2, start_tick=6, end_tick=46)
    store.update_bet(bet, BetStatus.WON, t=t + 3, payout_lamports=5_000_000)
    store.append_event(t, sid, "balance", {"coin": SOL_MINT, "lamports": 5})
    store.set_halt(f"halt {tag}", "test", t=t)
    store.clear_halt("test", t=t + 1)
    for k in range(5):
        store.record_decision(_decision(t + k, k))
    store.record_guard_event(session=sid, t=t, guard="feed", action="pause", reason="silent")
    store.record_tick_stats(
        session=sid,
        t=t,
        game="g",
        samples=5,
        ewma_s=0.25,
        jitter_s=0.01,
        p50_s=0.25,
        p99_s=0.3,
        max_s=0.4,
        stalls=0,
    )
    store.append_event(t, None, "schedule_ran", {"window": "w"})
    store.end_session(sid, ended=t + 10, summary={"bets": 1})
    return sid


def _counts(store: Store) -> dict[str, int]:
    q = store.db.execute
    out = {
        t: int(q(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
        for t in ("decisions", "tick_stats", "guard_events")
    }
    for kind, n in q("SELECT kind, COUNT(*) FROM events GROUP BY kind").fetchall():
        out[f"event:{kind}"] = int(n)
    for t in ("bets", "halts", "sessions"):
        out[t] = int(q(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
    return out


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "bot.db")
    yield s
    s.close()


def test_prune_removes_old_statistics_and_never_the_ledger(store: Store) -> None:
    old_sid = _populate(store, OLD, "old")
    new_sid = _populate(store, NEW, "new")
    before = _counts(store)
    perf_before = (store.rebuild_session(old_sid), store.rebuild_session(new_sid))
    counts = store.prune_before(NOW - 30 * DAY)
    after = _counts(store)
    assert (counts.decisions, counts.tick_stats, counts.guard_events, counts.events) == (5, 1, 1, 2)
    removed = {k: before[k] - after.get(k, 0) for k in before}
    assert removed == {
        "decisions": 5,
        "tick_stats": 1,
        "guard_events": 1,
        "event:guard": 1,
        "event:schedule_ran": 1,
        **{
            k: 0
            for k in before
            if k not in ("decisions", "tick_stats", "guard_events", "event:guard", "event:schedule_ran")
        },
    }
    for kind in (
        "bet_intent",
        "bet_status",
        "balance",
        "halt_set",
        "halt_cleared",
        "session_started",
        "session_ended",
    ):
        assert after[f"event:{kind}"] == before[f"event:{kind}"] > 0
    assert (store.rebuild_session(old_sid), store.rebuild_session(new_sid)) == perf_before
    assert store.db.execute("SELECT COUNT(*) FROM prune_permit").fetchone()[0] == 0


def test_a_dry_run_counts_and_removes_nothing(store: Store) -> None:
    _populate(store, OLD, "old")
    before = _counts(store)
    assert store.prune_before(NOW, dry_run=True).total == 9
    assert _counts(store) == before


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM events",
        "DELETE FROM events WHERE kind = 'guard'",  # a statistics kind, but outside prune's transaction
        "UPDATE events SET data = '{}'",
    ],
)
def test_events_stay_append_only_outside_prune(store: Store, statement: str) -> None:
    _populate(store, OLD, "old")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute(statement)


@pytest.mark.parametrize(
    "kind",
    [
        "bet_intent",
        "bet_status",
        "balance",
        "halt_set",
        "halt_cleared",
        "session_started",
        "some_future_kind",
    ],
)
def test_even_with_the_permit_ledger_kinds_cannot_be_deleted(store: Store, kind: str) -> None:
    _populate(store, OLD, "old")
    store.append_event(OLD, None, "some_future_kind", {})
    conn = store._conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO prune_permit (id) VALUES (1)")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM events WHERE kind = ?", (kind,))
    conn.execute("ROLLBACK")


def test_decision_rows_are_capped_by_the_database(store: Store) -> None:
    store.set_decision_cap(1000)
    for k in range(3050):
        store.record_decision(_decision(NEW + k, k))
    ids = [r[0] for r in store.db.execute("SELECT id FROM decisions ORDER BY id").fetchall()]
    assert 1000 <= len(ids) <= 1100
    assert ids[-1] == 3050 and ids == list(range(ids[0], 3051))  # the newest are kept, contiguous
    with pytest.raises(ValueError):
        store.set_decision_cap(10)


def test_an_old_database_is_migrated_and_keeps_its_guarantees(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _split_sql(MIGRATIONS[0][1]):
        conn.execute(statement)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied REAL NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1, 0)")
    conn.execute("INSERT INTO events (t, session, kind, data) VALUES (?, NULL, 'guard', '{}')", (OLD,))
    conn.execute("INSERT INTO events (t, session, kind, data) VALUES (?, NULL, 'bet_intent', '{}')", (OLD,))
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version() >= 2
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            store.db.execute("DELETE FROM events")
        assert store.prune_before(NOW).events == 1
        assert [e.kind for e in store.events()] == ["bet_intent"]


# ------------------------------------------------------------------------------------------ the CLI


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith("RUGSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RUGSBOT_RECORDINGS_DIR", str(tmp_path / "rec"))
    return tmp_path


def _recording(d: Path, name: str, parts: int, age_days: float) -> list[Path]:
    d.mkdir(exist_ok=True)
    files = [d / f"{name}.jsonl.gz"] + [d / f"{name}.{n}.jsonl.gz" for n in range(1, parts)]
    for f in files:
        f.write_bytes(b"x" * 1000)
        os.utime(f, (NOW - age_days * DAY, NOW - age_days * DAY))
    return files


def test_prune_command_removes_old_rows_and_recordings_then_vacuums(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    with Store.open(env / "var" / "rugsbot.db") as store:
        _populate(store, OLD, "old")
        for k in range(20_000):  # enough pages for VACUUM to give something back
            store.record_decision(_decision(OLD + k, k))
        _populate(store, NEW, "new")
        kept = {k: v for k, v in _counts(store).items() if k in ("bets", "halts", "sessions")}
    old = _recording(env / "rec", "old", 3, age_days=40)
    new = _recording(env / "rec", "new", 2, age_days=1)
    assert main(["prune", "--older-than", "30", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["database"]["rows"]["decisions"] == 20_005
    assert report["database"]["bytes_after"] < report["database"]["bytes_before"]
    assert report["recordings"] == {"removed": 1, "files": 3, "bytes": 3000}
    assert not any(p.exists() for p in old) and all(p.exists() for p in new)
    with Store.open(env / "var" / "rugsbot.db") as store:
        assert {k: v for k, v in _counts(store).items() if k in kept} == kept
        assert store.integrity_check() == "ok"


@pytest.mark.parametrize("days", ["-1", "0", "nan", "inf", "abc"])
def test_prune_rejects_bad_days_in_one_line(env: Path, days: str, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["prune", "--older-than", days]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "--older-than" in err


def test_prune_on_a_corrupt_database_is_an_environment_error(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    (env / "var").mkdir()
    (env / "var" / "rugsbot.db").write_bytes(b"this is not a database" * 100)
    assert main(["prune", "--older-than", "30"]) == 4
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_prune_without_a_database_is_fine(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["prune", "--older-than", "7"]) == 0
    assert "database: none yet" in capsys.readouterr().out
    assert not (env / "var" / "rugsbot.db").exists()
