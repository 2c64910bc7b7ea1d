"""The database on a real file: schema, WAL, durability settings, bet transitions, halts, the event log."""

from __future__ import annotations

import csv
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bets.model import TERMINAL, BetStatus
from bot.money import SOL_MINT, sol_to_lamports
from bot.store.db import BetTransitionError, Store, StoreError, legal_transition
from bot.store.rows import DecisionRow, EventKind
from bot.store.schema import LATEST_VERSION, MIGRATIONS

T = 1_765_000_000.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "sub" / "bot.db")
    yield s
    s.close()


def _intent(store: Store, session: str, amount: int = 1_000_000, game: str = "g1", t: float = T) -> str:
    return store.insert_bet_intent(
        session=session,
        game=game,
        decided_tick=10,
        decided_t=t,
        amount_lamports=amount,
        coin=SOL_MINT,
        strategy="s",
        reason="r",
    )


def test_schema_wal_and_integrity(store: Store, tmp_path: Path) -> None:
    assert store.journal_mode() == "wal"
    assert store.integrity_check() == "ok"
    assert store.schema_version() == LATEST_VERSION
    assert store.synchronous() == 1  # NORMAL between durable writes
    assert {
        "sessions",
        "games",
        "decisions",
        "bets",
        "halts",
        "guard_events",
        "tick_stats",
        "events",
        "schema_version",
    } <= set(store.tables())
    # reopening does not re-run migrations
    again = Store.open(tmp_path / "sub" / "bot.db")
    assert again.schema_version() == LATEST_VERSION
    assert len(again.db.execute("SELECT * FROM schema_version").fetchall()) == len(MIGRATIONS)  # once each
    again.close()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    s = Store.open(tmp_path / "bot.db")
    s.db.execute("INSERT INTO schema_version (version, applied) VALUES (?, 0)", [LATEST_VERSION + 1])
    s.close()
    with pytest.raises(StoreError, match="newer"):
        Store.open(tmp_path / "bot.db")


# (path of statuses, last one legal?)
TRANSITIONS = [
    ([BetStatus.CLICKED, BetStatus.CONFIRMED, BetStatus.WON], True),
    ([BetStatus.CONFIRMED, BetStatus.LOST], True),
    ([BetStatus.CLICKED, BetStatus.UNKNOWN, BetStatus.CONFIRMED, BetStatus.LOST], True),
    ([BetStatus.UNKNOWN, BetStatus.REJECTED], True),
    ([BetStatus.CANCELLED], True),
    ([BetStatus.LOST, BetStatus.WON], False),
    ([BetStatus.WON, BetStatus.LOST], False),
    ([BetStatus.CONFIRMED, BetStatus.CLICKED], False),
    ([BetStatus.CONFIRMED, BetStatus.UNKNOWN], False),
    ([BetStatus.CLICKED, BetStatus.INTENT], False),
    ([BetStatus.REJECTED, BetStatus.CONFIRMED], False),
]


@pytest.mark.parametrize(("path", "legal"), TRANSITIONS, ids=["-".join(p) for p, _ in TRANSITIONS])
def test_bet_transitions(store: Store, path: list[BetStatus], legal: bool) -> None:
    sid = store.start_session(mode="DRY-RUN", profile="p", coin=SOL_MINT, started=T)
    bet_id = _intent(store, sid)
    for status in path[:-1]:
        store.update_bet(
            bet_id, status, t=T + 1, payout_lamports=5_000_000 if status is BetStatus.WON else None
        )
    last = path[-1]
    payout = 5_000_000 if last is BetStatus.WON else None
    if legal:
        row = store.update_bet(bet_id, last, t=T + 2, payout_lamports=payout)
        assert row.status is last
        assert (row.settled_t is not None) == (last in TERMINAL)
    else:
        before = store.bet(bet_id)
        with pytest.raises(BetTransitionError):
            store.update_bet(bet_id, last, t=T + 2, payout_lamports=payout)
        assert store.bet(bet_id) == before  # rolled back: nothing changed
    assert legal_transition(path[-2] if len(path) > 1 else BetStatus.INTENT, last) is legal


def test_repeated_status_fills_details_without_an_event(store: Store) -> None:
    sid = store.start_session(mode="DRY-RUN", profile="p", coin=SOL_MINT, started=T)
    bet_id = _intent(store, sid)
    store.update_bet(bet_id, BetStatus.CONFIRMED, t=T + 1)
    n = len(store.events(kinds=[EventKind.BET_STATUS]))
    row = store.update_bet(bet_id, BetStatus.CONFIRMED, t=T + 1.1, start_tick=11, end_tick=51, latency_s=0.2)
    assert (row.start_tick, row.end_tick, row.latency_s) == (11, 51, 0.2)
    assert len(store.events(kinds=[EventKind.BET_STATUS])) == n


def test_win_needs_payout_and_unknown_bet(store: Store) -> None:
    sid = store.start_session(mode="DRY-RUN", profile="p", coin=SOL_MINT, started=T)
    bet_id = _intent(store, sid)
    with pytest.raises(StoreError, match="payout"):
        store.update_bet(bet_id, BetStatus.WON, t=T + 1)
    with pytest.raises(StoreError, match="unknown bet"):
        store.update_bet("nope", BetStatus.LOST, t=T)
    with pytest.raises(StoreError):
        _intent(store, sid, amount=0)


def test_open_bets_are_the_non_terminal_ones(store: Store) -> None:
    sid = store.start_session(mode="DRY-RUN", profile="p", coin=SOL_MINT, started=T)
    ids = [_intent(store, sid, game=f"g{i}") for i in range(6)]
    for bet_id, status in zip(
        ids,
        [BetStatus.CLICKED, BetStatus.CONFIRMED, BetStatus.UNKNOWN, BetStatus.LOST, BetStatus.REJECTED],
        strict=False,
    ):
        store.update_bet(bet_id, status, t=T + 1)
    assert [b.bet_id for b in store.open_bets()] == [ids[0], ids[1], ids[2], ids[5]]
    assert {b.status for b in store.open_bets(sid)} == {
        BetStatus.CLICKED,
        BetStatus.CONFIRMED,
        BetStatus.UNKNOWN,
        BetStatus.INTENT,
    }


def test_halts_set_clear_and_idempotent(store: Store) -> None:
    assert store.active_halt() is None
    h1 = store.set_halt("first", "cli", t=T)
    h2 = store.set_halt("second", "guard:x", t=T + 1)
    assert h1.id == h2.id and store.active_halt() is not None and store.active_halt().reason == "first"  # type: ignore[union-attr]
    assert store.synchronous() == 1  # back to NORMAL after the durable write
    cleared = store.clear_halt("ops", t=T + 2)
    assert [h.cleared_by for h in cleared] == ["ops"] and store.active_halt() is None
    assert store.clear_halt("ops") == []
    kinds = [e.kind for e in store.events()]
    assert kinds.count(EventKind.HALT_SET) == 2 and kinds.count(EventKind.HALT_CLEARED) == 1


def test_durable_writes_use_synchronous_full(store: Store) -> None:
    """Observe the pragma from inside the transaction that writes a halt (a trace callback sees each statement)."""
    seen: list[str] = []
    store._conn.set_trace_callback(seen.append)
    store.set_halt("x", "cli")
    store.record_decision(DecisionRow(T, "g", 1, 0.18, 0.17, 0.19, -0.09, "below", None, "s", "r", "allow"))
    store._conn.set_trace_callback(None)
    text = "\n".join(seen)
    halt_part, decision_part = text.split("INSERT INTO decisions")[0], text.split("INSERT INTO decisions")[1]
    assert (
        halt_part.index("PRAGMA synchronous = FULL")
        < halt_part.index("INSERT INTO halts")
        < halt_part.index("COMMIT")
    )
    assert "synchronous = FULL" not in decision_part


def test_events_are_append_only(store: Store) -> None:
    store.append_event(T, None, "note", {"a": 1})
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("UPDATE events SET kind = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        store.db.execute("DELETE FROM events")
    assert [e.data for e in store.events(kinds=["note"])] == [{"a": 1}]


def test_two_connections_and_busy_timeout(tmp_path: Path) -> None:
    """A second process's write waits for the first's transaction instead of failing."""
    a, b = Store.open(tmp_path / "bot.db"), Store.open(tmp_path / "bot.db", busy_timeout_s=5.0)
    done = threading.Event()
    with a._tx():
        a._conn.execute("INSERT INTO halts (active, reason, source, set_at) VALUES (0, 'old', 'x', 0)")

        def writer() -> None:
            b.set_halt("from b", "cli")
            done.set()

        th = threading.Thread(target=writer)
        th.start()
        assert not done.wait(0.3)  # blocked by a's open write transaction
    th.join(5)
    assert done.is_set() and a.active_halt() is not None
    a.close()
    b.close()


def test_decisions_games_guard_events_tick_stats(store: Store) -> None:
    sid = store.start_session(mode="DRY-RUN", profile="p", coin=SOL_MINT, started=T)
    d = DecisionRow(
        T, "g", 12, 0.18, 0.17, 0.19, -0.09, "below break-even", 1_000_000, "ev", "why", "allow", sid
    )
    store.record_decision(d)
    assert store.decisions(sid) == [d]
    store.record_game(game_id="g", rug_tick=150, peak=2.5, seen_complete=True, version="v3", seed_hash="h")
    store.record_game(game_id="g", seed="seed", verified=True)
    g = store.game("g")
    assert g is not None and (g["final_tick"], g["seed"], g["verified"], g["hash"]) == (150, "seed", 1, "h")
    store.record_guard_event(session=sid, t=T, guard="feed_silent", action="pause", reason="quiet")
    assert store.guard_events(sid)[0]["guard"] == "feed_silent"
    store.record_tick_stats(
        session=sid,
        t=T,
        game="g",
        samples=100,
        ewma_s=0.25,
        jitter_s=0.02,
        p50_s=0.25,
        p99_s=0.5,
        max_s=1.2,
        stalls=1,
    )
    assert store.db.execute("SELECT COUNT(*) FROM tick_stats").fetchone()[0] == 1


def test_rebuild_session_matches_real_settlements(store: Store, real_dir: Path) -> None:
    """Replay real side-bet settlements (tests/fixtures/real) through the store; the event-log rebuild must equal
    the csv's own profit column and the bets table."""
    rows = list(csv.DictReader((real_dir / "games" / "sidebet_settlements.csv").open()))
    sol_rows = [r for r in rows if r["coinAddress"] == SOL_MINT][:200]
    assert len(sol_rows) >= 50
    sid = store.start_session(mode="LIVE", profile="p", coin=SOL_MINT, started=T)
    expected = 0
    for i, r in enumerate(sol_rows):
        amount = sol_to_lamports(r["betAmount"])
        bet_id = store.insert_bet_intent(
            session=sid,
            game=r["gameId"],
            decided_tick=int(r["startTick"]),
            decided_t=T + i,
            amount_lamports=amount,
            coin=SOL_MINT,
            strategy="real",
            reason="csv",
        )
        store.update_bet(
            bet_id,
            BetStatus.CONFIRMED,
            t=T + i + 0.2,
            start_tick=int(r["startTick"]),
            end_tick=int(r["endTick"]),
        )
        won = r["won"].strip().lower() in ("true", "1")
        payout = sol_to_lamports(r["payout"])
        store.update_bet(
            bet_id,
            BetStatus.WON if won else BetStatus.LOST,
            t=T + i + 0.5,
            payout_lamports=payout if won else None,
        )
        expected += sol_to_lamports(r["profit"])
    perf = store.rebuild_session(sid)
    assert perf.pnl_lamports == expected == sum(b.pnl_lamports for b in store.bets(sid))
    assert perf.won + perf.lost == len(sol_rows) and perf.open == 0


def test_non_durable_store_for_backtests_never_raises_sync(tmp_path: Path) -> None:
    for path in (tmp_path / "bt.db", Path(":memory:")):
        s = Store.open(path, durable=False)
        seen: list[str] = []
        s._conn.set_trace_callback(seen.append)
        sid = s.start_session(mode="REPLAY", profile="p", coin=SOL_MINT, started=T)
        s.update_bet(_intent(s, sid), BetStatus.LOST, t=T + 1)
        s.set_halt("x", "y")
        assert not any("synchronous = FULL" in x for x in seen)
        assert s.integrity_check() == "ok" and s.rebuild_session(sid).pnl_lamports == -1_000_000
        s.close()
