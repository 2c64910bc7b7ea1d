"""Run windows on a fake clock: starts, bounds, overlap, halts, missed runs — no real-time sleeping
except the one short child process that proves the runner stops what outlives its window."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config.sections import ScheduleConfig, ScheduleWindow
from bot.ops.scheduler import RunRequest, SubprocessRunner, WindowScheduler, fire_times, trigger_for

T0 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # a Monday


def _cfg(*windows: ScheduleWindow) -> ScheduleConfig:
    return ScheduleConfig(timezone="UTC", windows=list(windows))


class Harness:
    def __init__(self, cfg: ScheduleConfig, *, exit_code: int = 0, state: Path | None = None) -> None:
        self.requests: list[RunRequest] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.halt: str | None = None
        self.exit_code = exit_code
        self.ws = WindowScheduler(
            cfg, self.run, halted=lambda: self.halt, record=self.record, state_file=state
        )

    def run(self, req: RunRequest) -> int:
        self.requests.append(req)
        return self.exit_code

    def record(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))

    def drive(self, start: datetime, end: datetime, delay: timedelta = timedelta(0)) -> None:
        """Fire every window at its trigger times (plus ``delay``: how late the process woke up)."""
        due = sorted(
            (t, name) for name, trig in self.ws.triggers.items() for t in fire_times(trig, start, end)
        )
        for t, name in due:
            self.ws.job(name, t, t + delay)


@pytest.mark.parametrize(
    ("cron", "days", "expected_starts"),
    [
        ("0 9 * * *", 2, 2),  # daily at 09:00
        ("0 9-17/4 * * mon-fri", 7, 15),  # 09, 13, 17 on five weekdays
        ("*/30 * * * *", 1, 48),
        ("0 12 * * sat", 7, 1),
    ],
)
def test_windows_start_at_their_cron_times_with_their_bounds(
    cron: str, days: int, expected_starts: int
) -> None:
    h = Harness(
        _cfg(ScheduleWindow(name="w", cron=cron, max_duration_min=45, max_games=30, stop_on_loss_sol=0.05))
    )
    h.drive(T0 - timedelta(seconds=1), T0 + timedelta(days=days) - timedelta(seconds=1))
    assert len(h.requests) == expected_starts
    assert all(
        r.max_duration_s == 45 * 60 and r.max_games == 30 and r.stop_on_loss_sol == 0.05 for r in h.requests
    )
    assert [o.status for o in h.ws.outcomes] == ["ran"] * expected_starts


def test_a_late_start_is_reported_missed_and_not_run() -> None:
    h = Harness(_cfg(ScheduleWindow(name="w", cron="0 * * * *")))
    h.drive(T0, T0 + timedelta(hours=3), delay=timedelta(minutes=5))
    assert h.requests == []
    assert [o.status for o in h.ws.outcomes] == ["missed"] * 3
    assert [k for k, _ in h.events] == ["schedule_missed"] * 3


def test_overlapping_windows_never_run_twice_at_once() -> None:
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def slow(req: RunRequest) -> int:
        calls.append(req.window)
        started.set()
        release.wait(5)
        return 0

    cfg = _cfg(ScheduleWindow(name="a", cron="0 9 * * *"), ScheduleWindow(name="b", cron="0 9 * * *"))
    ws = WindowScheduler(cfg, slow, halted=lambda: None, record=lambda k, d: None)
    at = T0.replace(hour=9)
    first = threading.Thread(target=ws.job, args=("a", at, at))
    first.start()
    assert started.wait(5)
    second = ws.job("b", at, at)
    release.set()
    first.join(5)
    assert second.status == "overlap" and calls == ["a"]
    assert ws.job("b", at, at).status == "ran"  # the lock is free again


@pytest.mark.parametrize("how", ["halt_in_db", "run_exits_halted"])
def test_a_halt_stops_the_schedule(how: str) -> None:
    h = Harness(
        _cfg(ScheduleWindow(name="w", cron="0 * * * *")), exit_code=3 if how == "run_exits_halted" else 0
    )
    stops: list[str] = []
    h.ws.on_stop = stops.append
    if how == "halt_in_db":
        h.halt = "daily loss limit"
    h.drive(T0, T0 + timedelta(hours=4) - timedelta(seconds=1))
    assert len(h.requests) == (1 if how == "run_exits_halted" else 0)
    assert h.ws.stopped is not None and len(stops) == 1
    assert all(o.status == "halted" for o in h.ws.outcomes if o.status != "ran")
    assert ("schedule_stopped", {"reason": h.ws.stopped}) in h.events


def test_downtime_is_reported_once_not_replayed(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    h = Harness(_cfg(ScheduleWindow(name="w", cron="0 */2 * * *")), state=state)
    assert h.ws.report_downtime(T0) == []  # first start: nothing known
    missed = h.ws.report_downtime(T0 + timedelta(hours=7))
    assert [o.scheduled_at for o in missed] == [(T0 + timedelta(hours=k)).isoformat() for k in (2, 4, 6)]
    assert h.requests == []
    assert h.ws.report_downtime(T0 + timedelta(hours=7, minutes=5)) == []  # heartbeat moved on


def test_duplicate_window_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        Harness(_cfg(ScheduleWindow(name="w", cron="0 9 * * *"), ScheduleWindow(name="w", cron="0 10 * * *")))


def test_trigger_respects_the_timezone() -> None:
    trig = trigger_for(ScheduleWindow(name="w", cron="0 9 * * *"), "America/New_York")
    first = fire_times(trig, T0, T0 + timedelta(days=1))[0]
    assert first.astimezone(UTC).hour == 14  # 09:00 EST = 14:00 UTC


def test_apscheduler_job_options() -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    h = Harness(_cfg(ScheduleWindow(name="w", cron="0 9 * * *")))
    sched = BackgroundScheduler(timezone="UTC")
    h.ws.attach(sched, clock=lambda: T0)
    job = sched.get_job("w")
    assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time == 60


@pytest.mark.parametrize(
    ("req", "pnl", "reason"),
    [
        (RunRequest("w", T0, max_duration_s=0.3), None, "outlived"),
        (RunRequest("w", T0, max_duration_s=60, stop_on_loss_sol=0.05), -0.06, "loss limit"),
        (RunRequest("w", T0, max_duration_s=60, stop_on_profit_sol=0.1), 0.2, "profit target"),
    ],
)
def test_runner_stops_a_child_that_outlives_its_window_or_limits(
    req: RunRequest, pnl: float | None, reason: str
) -> None:
    runner = SubprocessRunner(
        None,
        command=[sys.executable, "-c", "import time; time.sleep(30)"],
        session_pnl_sol=lambda: pnl,
        poll_s=0.1,
    )
    code = runner(req)
    assert code != 0 and reason in runner.last_stop_reason


def test_runner_command_line() -> None:
    argv = SubprocessRunner("practice").argv(RunRequest("w", T0, max_duration_s=1800, max_games=40))
    assert argv[1:] == [
        "-m",
        "bot.cli",
        "run",
        "--duration",
        "1800",
        "--profile",
        "practice",
        "--games",
        "40",
    ]


def test_schedule_cli_lists_windows_and_refuses_without_any(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from bot.cli import main

    prof = tmp_path / "sched.toml"
    prof.write_text(
        'name = "sched"\n[schedule]\ntimezone = "UTC"\n'
        '[[schedule.windows]]\nname = "evening"\ncron = "0 18 * * *"\nmax_duration_min = 30\nmax_games = 20\n'
    )
    assert main(["schedule", "--profile", str(prof), "--list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    w = data["windows"][0]
    assert w["name"] == "evening" and len(w["next"]) == 5
    assert all(datetime.fromisoformat(t).hour == 18 for t in w["next"])
    empty = tmp_path / "empty.toml"
    empty.write_text('name = "empty"\n')
    assert main(["schedule", "--profile", str(empty), "--list"]) == 2


@pytest.mark.parametrize(
    ("woke_at", "status"),
    [(timedelta(seconds=5), "ran"), (timedelta(seconds=59), "ran"), (timedelta(minutes=2), "missed")],
)
def test_apscheduler_fire_finds_its_due_time(woke_at: timedelta, status: str) -> None:
    """APScheduler does not pass the due time to a job: the wrapper recovers it from the trigger."""
    h = Harness(_cfg(ScheduleWindow(name="w", cron="0 9 * * *")))
    due = T0.replace(hour=9)
    h.ws._fire("w", h.ws.triggers["w"], lambda: due + woke_at)
    out = h.ws.outcomes[-1]
    assert out.status == status and out.scheduled_at == due.isoformat()
