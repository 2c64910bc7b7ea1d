"""Database durability: a writer killed with SIGKILL mid-stream loses nothing it committed and leaves nothing
half-written visible.

A real subprocess writes bets through the real Store (intent → clicked → confirmed → won/lost, each a durable
transaction) and prints a line after each commit returns. The test kills it at several points, then reopens the
file: every printed state is there, the file passes SQLite's integrity check, WAL is on, every bet row agrees
with the append-only event log, and the session's performance rebuilt from events equals the bets table.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.bets.model import BetStatus
from bot.store.db import Store

WRITER = r"""
import sys
from pathlib import Path
from bot.bets.model import BetStatus
from bot.store.db import Store

store = Store.open(Path(sys.argv[1]))
session = store.start_session(mode="PRACTICE", profile="t", coin="0xPractice", started=0.0,
                              starting_bankroll_lamports=None)
print("session", session, flush=True)
for i in range(10_000):
    t = float(i)
    bet = store.insert_bet_intent(session=session, game=f"g{i}", decided_tick=5, decided_t=t,
                                  amount_lamports=1_000_000, coin="0xPractice", strategy="fixed", reason="durability")
    print("state", bet, "intent", flush=True)
    for status in ("clicked", "confirmed"):
        store.update_bet(bet, BetStatus(status), t=t, start_tick=6, end_tick=46)
        print("state", bet, status, flush=True)
    final = BetStatus.WON if i % 5 == 0 else BetStatus.LOST
    store.update_bet(bet, final, t=t, payout_lamports=5_000_000 if final is BetStatus.WON else None)
    print("state", bet, final.value, flush=True)
"""

ORDER = ["intent", "clicked", "confirmed", "won", "lost"]


def rank(status: str) -> int:
    return min(ORDER.index(status), 3)


@pytest.mark.parametrize("kill_after_lines", [3, 17, 58, 201])
def test_sigkill_mid_write_loses_nothing_committed(tmp_path: Path, kill_after_lines: int) -> None:
    db = tmp_path / "bot.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    committed: dict[str, str] = {}
    session = None
    lines = 0
    deadline = time.monotonic() + 60
    while lines < kill_after_lines and time.monotonic() < deadline:
        line = proc.stdout.readline().split()
        if not line:
            break
        if line[0] == "session":
            session = line[1]
        else:
            committed[line[1]] = line[2]
            lines += 1
    os.kill(proc.pid, signal.SIGKILL)  # mid-stream: the writer is in its next transaction by now
    proc.wait(timeout=10)
    assert session is not None and lines == kill_after_lines

    with Store.open(db) as store:
        assert store.integrity_check() == "ok"
        assert store.journal_mode() == "wal"
        rows = {b.bet_id: b for b in store.bets(session)}
        for bet_id, status in committed.items():  # nothing committed is lost
            assert bet_id in rows, bet_id
            assert rank(rows[bet_id].status.value) >= rank(status)
        # nothing half-written: each row's status equals the last status event of that bet
        last_event: dict[str, str] = {}
        for ev in store.events(session=session):
            if "bet_id" in ev.data:
                last_event[str(ev.data["bet_id"])] = str(ev.data.get("status", "intent"))
        assert last_event == {b: r.status.value for b, r in rows.items()}
        assert all(r.amount_lamports == 1_000_000 for r in rows.values())
        perf = store.rebuild_session(session)
        won = [r for r in rows.values() if r.status is BetStatus.WON]
        lost = [r for r in rows.values() if r.status is BetStatus.LOST]
        assert (perf.won, perf.lost) == (len(won), len(lost))
        assert perf.pnl_lamports == sum(r.payout_lamports for r in won) - 1_000_000 * (len(won) + len(lost))
