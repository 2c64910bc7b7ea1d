"""The scheduler tells the truth: failed children are failed (with their code, at WARNING), exit 4 is retried
within the window, N identical failures pause the window once, live windows need --yes-live, and a bad cron
line is a one-line config error at load."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import ConfigError, load_profile
from bot.config.sections import AlertKind, ScheduleConfig, ScheduleWindow
from bot.logs import configure, reset
from bot.mode import Mode
from bot.ops.scheduler import RunRequest, SubprocessRunner, WindowScheduler

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


class Script:
    """A runner that returns the scripted exit codes in order and a clock that the sleeps move."""

    def __init__(self, codes: list[int], run_s: float = 10.0) -> None:
        self.codes = list(codes)
        self.requests: list[RunRequest] = []
        self.now = 0.0
        self.run_s = run_s
        self.sleeps: list[float] = []
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.alerts: list[tuple[AlertKind, str]] = []

    def __call__(self, req: RunRequest) -> int:
        self.requests.append(req)
        self.now += self.run_s
        return self.codes.pop(0)

    def sleep(self, s: float) -> None:
        self.sleeps.append(s)
        self.now += s

    def scheduler(self, minutes: float = 60, pause_after: int = 3) -> WindowScheduler:
        cfg = ScheduleConfig(windows=[ScheduleWindow(name="w", cron="0 9 * * *", max_duration_min=minutes)])
        return WindowScheduler(
            cfg,
            self,
            halted=lambda: None,
            record=lambda k, d: self.events.append((k, d)),
            notify=lambda k, t: self.alerts.append((k, t)),
            pause_after=pause_after,
            retry_backoff_s=30,
            retry_backoff_max_s=120,
            sleep=self.sleep,
            monotonic=lambda: self.now,
        )


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    configure(Mode.DRY_RUN, level="DEBUG", console=buf)
    yield buf
    reset()


@pytest.mark.parametrize(
    ("codes", "status", "exit_code", "attempts", "level"),
    [
        ([0], "ran", 0, 1, "INFO"),
        ([2], "failed", 2, 1, "WARNING"),
        ([1], "failed", 1, 1, "WARNING"),
        ([-9], "failed", -9, 1, "WARNING"),
        ([3], "halted", 3, 1, "WARNING"),
        ([4, 4, 0], "ran", 0, 3, "INFO"),  # environment failures retried within the window
        ([4, 2], "failed", 2, 2, "WARNING"),
    ],
)
def test_each_exit_code_is_recorded_as_what_it_is(
    codes: list[int], status: str, exit_code: int, attempts: int, level: str, console: io.StringIO
) -> None:
    s = Script(codes)
    ws = s.scheduler()
    out = ws.job("w", T0, T0)
    assert (out.status, out.exit_code, out.attempts) == (status, exit_code, attempts)
    assert s.events[-1 if status != "halted" else -2][0] == f"schedule_{status}"
    line = next(ln for ln in console.getvalue().splitlines() if "window w due" in ln)
    assert f"| {level}" in line and status in line


def test_a_child_that_fails_on_its_config_is_failed_not_ran(console: io.StringIO) -> None:
    """The reported bug: a child exiting 2 ("RUGSBOT_EXTENSION_DIR is not set") was stored as ran."""
    cfg = ScheduleConfig(windows=[ScheduleWindow(name="w", cron="0 9 * * *")])
    runner = SubprocessRunner(None, command=[sys.executable, "-c", "raise SystemExit(2)"], poll_s=0.1)
    events: list[tuple[str, dict[str, Any]]] = []
    ws = WindowScheduler(cfg, runner, halted=lambda: None, record=lambda k, d: events.append((k, d)))
    out = ws.job("w", T0, T0)
    assert out.status == "failed" and out.exit_code == 2
    assert events[-1][0] == "schedule_failed" and events[-1][1]["exit_code"] == 2
    assert "usage or configuration error" in events[-1][1]["detail"]
    line = next(ln for ln in console.getvalue().splitlines() if "failed" in ln)
    assert "| WARNING" in line and "failed (exit 2)" in line


def test_environment_retries_back_off_and_shrink_the_window() -> None:
    s = Script([4, 4, 4, 0])
    out = s.scheduler(minutes=30).job("w", T0, T0)
    assert out.status == "ran" and out.attempts == 4
    assert s.sleeps == [30, 60, 120]
    durations = [r.max_duration_s for r in s.requests]
    assert durations[0] == 1800 and durations == sorted(durations, reverse=True)
    assert [k for k, _ in s.events].count("schedule_retry") == 3


def test_no_retry_without_enough_window_left() -> None:
    s = Script([4, 4, 4, 4, 4, 4, 4, 4], run_s=60)
    out = s.scheduler(minutes=5).job("w", T0, T0)
    assert out.status == "failed" and out.exit_code == 4
    # 300 s window: run 60, wait 30 (left 210), run 60, wait 60 (left 90), run 60: 300-... < 60 → stop
    assert out.attempts == 3 and sum(s.sleeps) + 60 * out.attempts <= 300


def test_the_same_failure_n_times_pauses_the_window_once(console: io.StringIO) -> None:
    s = Script([2, 2, 2, 2, 2])
    ws = s.scheduler(pause_after=3)
    statuses = [ws.job("w", T0 + timedelta(days=d), T0 + timedelta(days=d)).status for d in range(5)]
    assert statuses == ["failed", "failed", "failed", "paused", "paused"]
    assert len(s.requests) == 3
    assert [k for k, _ in s.events].count("schedule_paused") == 1
    assert len(s.alerts) == 1 and s.alerts[0][0] is AlertKind.SCHEDULE and "exit 2" in s.alerts[0][1]
    assert console.getvalue().count("window w paused") == 1
    assert "w" in ws.paused


@pytest.mark.parametrize(
    ("codes", "paused"), [([2, 1, 2, 1], False), ([2, 0, 2, 0, 2], False), ([1, 1], True)]
)
def test_only_the_same_failure_in_a_row_counts(codes: list[int], paused: bool) -> None:
    s = Script(codes)
    ws = s.scheduler(pause_after=2)
    for d in range(len(codes)):
        ws.job("w", T0 + timedelta(days=d), T0 + timedelta(days=d))
    assert ("w" in ws.paused) is paused


def test_children_get_no_stdin_and_live_runs_get_yes_live() -> None:
    runner = SubprocessRunner("live-example", extra_args=["--yes-live"])
    argv = runner.argv(RunRequest("w", T0, max_duration_s=600))
    assert argv[-1] == "--yes-live"
    # a child that waits for input gets EOF at once instead of hanging the window
    reader = SubprocessRunner(
        None, command=[sys.executable, "-c", "import sys; sys.exit(len(sys.stdin.read()) + 7)"]
    )
    assert reader(RunRequest("w", T0, max_duration_s=60)) == 7


# ------------------------------------------------------------------------------------------ the CLI


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith("RUGSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    return tmp_path


def test_a_live_schedule_refuses_to_start_without_yes_live(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    code = main(["schedule", "--profile", str(REPO / "bot" / "profiles" / "live-example.toml")])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "--yes-live" in err
    assert not (clean_env / "var" / "rugsbot.db").exists()  # refused before touching anything


def test_live_refusal_rules() -> None:
    from bot.commands.schedule import live_refusal

    live = load_profile(str(REPO / "bot" / "profiles" / "live-example.toml"))
    assert live_refusal(live, yes_live=False) is not None
    assert live_refusal(live, yes_live=True) is None
    assert (
        live_refusal(load_profile(str(REPO / "bot" / "profiles" / "practice.toml")), yes_live=False) is None
    )


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("99 99 * * *", "higher than the maximum"),
        ("0 9 * *", "Wrong number of fields"),
        ("0 9 * * funday", "Invalid weekday"),
        ("0 0 31 2 *", "never fires"),
    ],
)
def test_a_bad_cron_line_fails_at_load_naming_file_and_key(tmp_path: Path, cron: str, words: str) -> None:
    prof = tmp_path / "bad.toml"
    prof.write_text(f'[schedule]\n[[schedule.windows]]\nname = "w"\ncron = "{cron}"\n')
    with pytest.raises(ConfigError) as info:
        load_profile(str(prof))
    assert info.value.source == str(prof) and info.value.key == "schedule.windows.0.cron"
    assert words in info.value.problem and "\n" not in str(info.value)


def test_schedule_list_on_a_bad_cron_is_one_line_exit_2(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    prof = clean_env / "bad.toml"
    prof.write_text('[schedule]\n[[schedule.windows]]\nname = "w"\ncron = "99 99 * * *"\n')
    assert main(["schedule", "--profile", str(prof), "--list"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "schedule.windows.0.cron" in err and "Traceback" not in err


def test_schedule_list_prints_five_next_starts(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    prof = clean_env / "p.toml"
    prof.write_text('[schedule]\n[[schedule.windows]]\nname = "w"\ncron = "0 18 * * *"\n')
    assert main(["schedule", "--profile", str(prof), "--list"]) == 0
    assert capsys.readouterr().out.count("T18:00:00") == 5
