"""Issue 14's watchdog acceptance, with real processes: ``rugsbot sim`` and ``rugsbot run --sim-url`` as
subprocesses, real Chromium, the database read as ``status`` reads it (read-only), the simulator's truth.

* a blackholed socket (open, pinged, no game frame) is reloaded and re-armed: exit 0, recoveries ≥ 1, bets go on,
  no halt; meanwhile the heartbeat says running;
* a stale ``chromium/SingletonLock → otherbox-4242``: doctor warns naming the host; the run sweeps it and proceeds;
* a killed browser is relaunched and re-armed and bets go on; the 7th kill within the hour halts with the reason;
* protocol drift halts with the named alarm and a sample file, not a tick-stall pause;
* a bot killed with SIGKILL shows as crashed, not running.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from bot.exitcodes import EXIT_HALTED, EXIT_OK
from bot.store.db import Store
from bot.store.heartbeat import Liveness, liveness
from tests.execution.conftest import browser_available
from tests.watchdog.procs import REPO, cli, last_session_id, our_truth, sim_process, start_bot

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browser_available(), reason="no Chromium found")]

SETTLED = ("won", "lost")


def live(store: Store) -> Liveness:
    return liveness(store, time.time())


def player_ids(output: str) -> set[str]:
    return set(re.findall(r"logged in as (\S+)", output))


def bets_by_status(store: Store, session: str) -> dict[str, int]:
    rows = store.db.query(
        "SELECT status, COUNT(*) AS n FROM bets WHERE session = ? GROUP BY status", [session]
    )
    return {r["status"]: r["n"] for r in rows}


def rejected_by_server(store: Store, session: str) -> int:
    """Bets the simulator refused: each was a request. A bet booked rejected as never placed (its click died with a
    killed page before a ``requestSidebet`` left it) is not."""
    sql = "SELECT COUNT(*) AS n FROM bets WHERE session = ? AND status = 'rejected' AND evidence = 'server_rejected'"
    return int(next(iter(store.db.query(sql, [session])))["n"])


def settled_since(store: Store, session: str, t: float) -> int:
    """Bets of the session decided after ``t`` and settled (won or lost)."""
    sql = "SELECT COUNT(*) AS n FROM bets WHERE session = ? AND status IN ('won', 'lost') AND decided_t > ?"
    return int(next(iter(store.db.query(sql, [session, t])))["n"])


def recovery_events(store: Store, session: str) -> list[dict[str, object]]:
    return [e.data for e in store.events(session=session, kinds=["recovery"])]


def test_a_blackholed_feed_is_reloaded_and_rearmed_and_bets_go_on(tmp_path: Path) -> None:
    """The acceptance commands as written: ``rugsbot sim --speed 4 --faults blackhole@80`` and
    ``rugsbot run --sim-url … --profile sim --practice --headless --duration 110``."""
    with sim_process(tmp_path, "--speed", "4", "--faults", "blackhole@80", "--seed", "wd-blackhole") as url:
        bot = start_bot(
            tmp_path, "--sim-url", url, "--profile", "sim", "--practice", "--headless", "--duration", "110"
        )
        try:
            ages: list[float] = []
            deadline = time.monotonic() + 100
            while bot.proc.poll() is None and time.monotonic() < deadline:
                lv = bot.read(live)
                if lv is not None and lv.running and lv.heartbeat_age_s is not None:
                    ages.append(lv.heartbeat_age_s)
                time.sleep(1.0)
            code = bot.finish(120)
        finally:
            bot.stop()
        truth = our_truth(url, player_ids(bot.output()))
    out = bot.output()
    assert code == EXIT_OK, out[-3000:]
    assert len(ages) >= 30 and max(ages) < 10, ages  # running: true with a fresh heartbeat while alive
    with Store.open_readonly(bot.db) as store:
        sid = last_session_id(store)
        assert sid is not None
        events = recovery_events(store, sid)
        summary = store.session(sid).summary  # type: ignore[union-attr]
        statuses = bets_by_status(store, sid)
        halts = store.halts()
        after = live(store)
        counted = store.recoveries(sid)
    assert counted == len(events) >= 1, out[-3000:]  # what status reads as last_session.recoveries
    assert any(e["cause"] == "silent_feed" and e["action"] == "reload" and e["ok"] for e in events), events
    assert summary is not None and summary["recoveries"] == len(events) and summary["state"] == "ACTIVE"
    assert halts == [], halts
    assert sum(statuses.get(s, 0) for s in SETTLED) >= 3, statuses
    assert (after.state, after.running) == ("stopped", False)
    assert truth["truth"]["blackholed"] >= 1 or any(
        f["name"] == "blackhole" for f in truth["truth"]["fault_log"]
    )
    # bets after the reload reached the simulator, none twice: every request it got became one booked bet
    assert truth["bets"], "no bet of ours on the simulator's book"
    assert truth["requests"] == len(truth["bets"]) + statuses.get("rejected", 0), (
        truth["requests"],
        statuses,
    )
    coin = truth["bets"][0]["coin"]
    assert summary["bankroll_lamports"] == sum(a["balances"].get(coin, 0) for a in truth["accounts"])


def test_a_stale_chromium_lock_from_another_host_is_named_by_doctor_and_swept_by_the_run(
    tmp_path: Path,
) -> None:
    lock_dir = tmp_path / "var" / "sim-browser-profile" / "chromium"
    lock_dir.mkdir(parents=True)
    os.symlink("otherbox-4242", lock_dir / "SingletonLock")
    doctor = cli(tmp_path, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}
    lock = checks["chromium lock"]
    assert lock["level"] == "warn" and "otherbox" in lock["detail"] and "4242" in lock["detail"], lock
    with sim_process(tmp_path, "--speed", "4", "--rug-at", "60", "--seed", "wd-stale") as url:
        bot = start_bot(
            tmp_path,
            "--sim-url",
            url,
            "--profile",
            "sim",
            "--practice",
            "--headless",
            "--duration",
            "30",
            "--no-trace",
        )
        try:
            code = bot.finish(150)
        finally:
            bot.stop()
    out = bot.output()
    assert code == EXIT_OK, out[-3000:]
    swept = [line for line in out.splitlines() if "removed stale Chromium lock files" in line]
    assert len(swept) == 1 and "otherbox" in swept[0] and "4242" in swept[0] and "WARNING" in swept[0], swept
    assert "TargetClosedError" not in out
    with Store.open_readonly(bot.db) as store:
        sid = last_session_id(store)
        assert sid is not None
        assert sum(bets_by_status(store, sid).get(s, 0) for s in (*SETTLED, "confirmed")) >= 1
    doctor = cli(tmp_path, "doctor", "--json")
    lock = {c["name"]: c for c in json.loads(doctor.stdout)["checks"]}["chromium lock"]
    assert lock["level"] == "ok", lock  # the run's own browser cleaned up after itself


WATCHDOG_PROFILE = (
    REPO / "bot" / "profiles" / "sim.toml"
).read_text() + "\n[watchdog]\nrelaunch_backoff_s = 0.2\n"


def test_a_killed_browser_is_relaunched_and_the_seventh_kill_within_the_hour_halts(tmp_path: Path) -> None:
    """Six relaunches (the default cap), the first one followed by bets; the seventh kill halts with the reason.
    The short test setting is the backoff (0.2 s doubling), not the cap."""
    profile = tmp_path / "watchdog.toml"
    profile.write_text(WATCHDOG_PROFILE)
    with sim_process(tmp_path, "--speed", "8", "--rug-at", "50", "--seed", "wd-kill") as url:
        bot = start_bot(
            tmp_path,
            "--sim-url",
            url,
            "--profile",
            str(profile),
            "--practice",
            "--headless",
            "--duration",
            "400",
        )
        try:

            def session() -> str | None:
                return bot.read(last_session_id)

            def settled_after(t: float) -> int:
                sid = session()
                return bot.read(lambda s: settled_since(s, sid, t)) or 0 if sid else 0

            def recovered() -> int:
                sid = session()
                events = bot.read(lambda s: recovery_events(s, sid)) if sid else None
                return sum(1 for e in events or [] if e["ok"])

            def kill_browser() -> float:
                pid = bot.browser_pid()
                assert pid is not None and pid not in kills, bot.output()[-2000:]  # a new browser each time
                os.kill(pid, signal.SIGKILL)
                kills.append(pid)
                return time.time()

            kills: list[int] = []
            bot.wait(lambda: settled_after(0) >= 1, 120, "a first settled bet")
            first_kill = kill_browser()
            bot.wait(lambda: recovered() >= 1, 90, "the first relaunch")
            bot.wait(lambda: settled_after(first_kill) >= 2, 120, "bets after the relaunch")
            for n in range(2, 7):
                kill_browser()
                bot.wait(lambda: recovered() >= n, 90, f"relaunch {n}")  # noqa: B023 - waited for in this pass
            kill_browser()  # the seventh within the hour
            code = bot.finish(120)
        finally:
            bot.stop()
        truth = our_truth(url, player_ids(bot.output()))
    out = bot.output()
    assert code == EXIT_HALTED, out[-3000:]
    with Store.open_readonly(bot.db) as store:
        sid = last_session_id(store)
        assert sid is not None
        events = recovery_events(store, sid)
        halts = store.halts()
        statuses = bets_by_status(store, sid)
        refused = rejected_by_server(store, sid)
    assert len(events) == 6 and all(
        e["action"] == "relaunch" and e["cause"] == "browser_crashed" for e in events
    )
    assert all(e["ok"] for e in events), events
    assert len(halts) == 1 and halts[0].active
    assert "browser_crashed" in halts[0].reason and "max_recoveries_per_hour = 6" in halts[0].reason, halts
    assert "6 recoveries in the last hour" in halts[0].reason
    # never a second click for one decision: each request the simulator got is one bet it booked (or rejected)
    assert truth["requests"] == len(truth["bets"]) + refused, (
        truth["requests"],
        statuses,
    )


def test_protocol_drift_halts_with_the_named_alarm_and_a_sample_file(tmp_path: Path) -> None:
    bot = start_bot(
        tmp_path,
        "--sim",
        "--sim-protocol-drift",
        "--sim-speed",
        "4",
        "--profile",
        "sim",
        "--dry-run",
        "--headless",
        "--duration",
        "90",
        "--no-trace",
    )
    try:
        code = bot.finish(150)
    finally:
        bot.stop()
    out = bot.output()
    assert code == EXIT_HALTED, out[-3000:]
    with Store.open_readonly(bot.db) as store:
        halts = store.halts()
        sid = last_session_id(store)
        summary = store.session(sid).summary if sid else None  # type: ignore[union-attr]
    # the limit is 5; frames buffered while the run started are counted in one go, so the halt may name more
    drifted = re.search(r"protocol drift: (\d+) events", halts[0].reason) if len(halts) == 1 else None
    assert drifted is not None and int(drifted.group(1)) >= 5, halts
    assert halts[0].source == "guard:alarm:protocol_drift"
    assert "tick_stall" not in halts[0].reason
    samples = sorted((tmp_path / "var").glob("protocol-drift-*.json"))
    assert len(samples) == 1 and str(samples[0]) in halts[0].reason
    saved = json.loads(samples[0].read_text())
    assert saved["total"] >= 5 and saved["samples"] and saved["counts"]
    assert summary is not None and summary["protocol_drift"]["total"] >= 5


def test_a_bot_killed_with_sigkill_shows_as_crashed_not_running(tmp_path: Path) -> None:
    bot = start_bot(
        tmp_path, "--sim", "--sim-speed", "4", "--profile", "sim", "--dry-run", "--headless", "--no-trace"
    )
    try:
        bot.wait(lambda: (lv := bot.read(live)) is not None and lv.running, 60, "a running heartbeat")
        before = bot.read(live)
        bot.proc.send_signal(signal.SIGKILL)
        bot.proc.wait(timeout=30)
        after = bot.read(live)
    finally:
        bot.stop()
    assert before is not None and before.pid == bot.proc.pid and before.heartbeat_age_s is not None
    assert before.heartbeat_age_s < 10
    assert after is not None and (after.state, after.running, after.pid) == ("crashed", False, bot.proc.pid)
