"""Run windows: each profile window (a crontab line) starts one bounded run; nothing ever runs twice at once.

Rules, and why:
* one run at a time, whatever the windows say — the browser profile can only be opened once, and two bots
  on one account would double the exposure. APScheduler's ``max_instances=1`` covers one window; a
  lock covers two windows overlapping;
* ``coalesce=True`` + a misfire grace time: a run that could not start on time (the process was busy or
  down) is *reported* as missed — logged and stored — never replayed later in a burst;
* a halt (active halt in the database) stops the schedule; so does a run that exits with code 3 (halted);
* each run is bounded: ``--duration`` and ``--games`` are passed to ``rugsbot run``, the runner kills it
  after the window's maximum plus a grace period, and stops it early on the window's loss/profit limits;
* the exit code is the truth: 0 is ``ran``, 3 ``halted``, anything else ``failed`` with its code, logged at
  WARNING. An environment failure (exit 4: browser, network, lock) is retried within the window with
  exponential backoff while enough of the window is left; a window that fails with the same code
  ``pause_after`` times in a row is reported once (log, event, alert) and paused until the scheduler
  restarts — a broken set-up must not retry forever, nor flood the operator.

Time is injected everywhere (``now`` arguments, trigger fire times) so tests drive a fake clock.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from loguru import logger

from bot.config.sections import AlertKind, ScheduleConfig, ScheduleWindow
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_HALTED, EXIT_OK
from bot.ops.window_runner import STOP_GRACE_S, RunRequest, SubprocessRunner

__all__ = [
    "STOP_GRACE_S",
    "RunOutcome",
    "RunRequest",
    "SubprocessRunner",
    "WindowScheduler",
    "fire_times",
    "trigger_for",
]

# a child stopped on purpose by the runner (window limits): SIGTERM as a signal, or as 128+15 from a shell
_STOPPED_CODES = frozenset({EXIT_OK, -signal.SIGTERM, 128 + signal.SIGTERM, 130})
MIN_RETRY_WINDOW_S = 60.0


@dataclass(frozen=True, slots=True)
class RunOutcome:
    window: str
    scheduled_at: str
    status: str  # "ran" | "failed" | "halted" | "missed" | "overlap" | "paused"
    exit_code: int | None = None
    detail: str = ""
    attempts: int = 1


class Runner(Protocol):
    def __call__(self, request: RunRequest, /) -> int: ...


Recorder = Callable[[str, dict[str, Any]], None]
"""Where outcomes go besides the log: in production the database's append-only event log."""

Notifier = Callable[[AlertKind, str], None]
"""Where the operator hears of a paused window or a stopped schedule: in production the Alerter."""


def trigger_for(window: ScheduleWindow, tz: str) -> CronTrigger:
    return CronTrigger.from_crontab(window.cron, timezone=ZoneInfo(tz))


def request_for(window: ScheduleWindow, scheduled_at: datetime) -> RunRequest:
    return RunRequest(
        window=window.name,
        scheduled_at=scheduled_at,
        max_duration_s=window.max_duration_min * 60,
        max_games=window.max_games,
        stop_on_loss_sol=window.stop_on_loss_sol,
        stop_on_profit_sol=window.stop_on_profit_sol,
    )


def fire_times(trigger: CronTrigger, start: datetime, end: datetime, limit: int = 10_000) -> list[datetime]:
    """Fire times in ``(start, end]`` — what should have run while nobody was watching."""
    out: list[datetime] = []
    prev: datetime | None = None
    t = trigger.get_next_fire_time(None, start + timedelta(microseconds=1))
    while t is not None and t <= end and len(out) < limit:
        out.append(t)
        prev = t
        t = trigger.get_next_fire_time(prev, t + timedelta(microseconds=1))
    return out


@dataclass
class WindowScheduler:
    """The policy around each run; APScheduler only supplies the times (see :meth:`attach`)."""

    config: ScheduleConfig
    runner: Runner
    halted: Callable[[], str | None]
    record: Recorder
    misfire_grace_s: float = 60.0
    state_file: Path | None = None
    on_stop: Callable[[str], None] | None = None
    notify: Notifier | None = None
    pause_after: int = 3
    retry_backoff_s: float = 30.0
    retry_backoff_max_s: float = 600.0
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    outcomes: list[RunOutcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: str | None = None
    _streak: dict[str, tuple[int, int]] = field(default_factory=dict)  # window → (exit code, in a row)
    _paused: dict[str, str] = field(default_factory=dict)  # window → why

    def __post_init__(self) -> None:
        names = [w.name for w in self.config.windows]
        if len(set(names)) != len(names):
            raise ValueError(f"schedule window names must be unique: {names}")
        self.triggers = {w.name: trigger_for(w, self.config.timezone) for w in self.config.windows}
        self.windows = {w.name: w for w in self.config.windows}

    @property
    def stopped(self) -> str | None:
        return self._stopped

    @property
    def paused(self) -> dict[str, str]:
        return dict(self._paused)

    # ------------------------------------------------------------------ the job wrapper

    def job(self, name: str, scheduled_at: datetime, now: datetime) -> RunOutcome:
        """Run window ``name`` that was due at ``scheduled_at``, unless halted, late or overlapping."""
        stamp = scheduled_at.isoformat()
        if self._stopped is not None:
            return self._out(RunOutcome(name, stamp, "halted", detail=f"schedule stopped: {self._stopped}"))
        if name in self._paused:  # reported once when it was paused; each skipped start is only debug noise
            logger.debug("window {w} due {s}: paused ({p})", w=name, s=stamp, p=self._paused[name])
            outcome = RunOutcome(name, stamp, "paused", detail=self._paused[name])
            self.outcomes.append(outcome)
            return outcome
        halt = self.halted()
        if halt is not None:
            self.stop(f"halted: {halt}")
            return self._out(RunOutcome(name, stamp, "halted", detail=halt))
        late = (now - scheduled_at).total_seconds()
        if late > self.misfire_grace_s:
            return self._out(
                RunOutcome(
                    name, stamp, "missed", detail=f"{late:.0f} s late (grace {self.misfire_grace_s:.0f} s)"
                )
            )
        if not self._lock.acquire(blocking=False):
            return self._out(RunOutcome(name, stamp, "overlap", detail="another run is still going"))
        try:
            code, attempts = self._run_with_retries(request_for(self.windows[name], scheduled_at))
        finally:
            self._lock.release()
        why = str(getattr(self.runner, "last_stop_reason", "") or "")  # e.g. the SubprocessRunner's stop
        if code == EXIT_HALTED:
            status = "halted"
        elif code in _STOPPED_CODES and (code == EXIT_OK or why):
            status = "ran"
        else:
            status = "failed"
            why = why or _exit_meaning(code)
        outcome = self._out(RunOutcome(name, stamp, status, exit_code=code, detail=why, attempts=attempts))
        if code == EXIT_HALTED:
            self.stop("a run ended halted (exit 3)")
        self._count(name, status, code)
        return outcome

    def _run_with_retries(self, req: RunRequest) -> tuple[int, int]:
        """Run; on exit 4 (environment) wait and run again with what is left of the window.

        Backoff doubles from ``retry_backoff_s`` up to ``retry_backoff_max_s``; no retry starts with less than
        :data:`MIN_RETRY_WINDOW_S` of the window left (a run needs time to launch and arm)."""
        started = self.monotonic()
        window_s = req.max_duration_s
        backoff = self.retry_backoff_s
        attempts = 0
        while True:
            attempts += 1
            code = self.runner(req)
            if code != EXIT_ENVIRONMENT or self._stopped is not None:
                return code, attempts
            left = window_s - (self.monotonic() - started) - backoff
            if left < MIN_RETRY_WINDOW_S or self.halted() is not None:
                return code, attempts
            logger.warning(
                "window {w}: environment failure (exit 4), retry {n} in {b:.0f} s ({l:.0f} s of the window left)",
                w=req.window,
                n=attempts,
                b=backoff,
                l=left,
            )
            self.record(
                "schedule_retry",
                {"window": req.window, "attempt": attempts, "exit_code": code, "backoff_s": backoff},
            )
            self.sleep(backoff)
            req = replace(req, max_duration_s=left)
            backoff = min(backoff * 2, self.retry_backoff_max_s)

    def _count(self, name: str, status: str, code: int) -> None:
        """Consecutive failures with the same exit code; ``pause_after`` of them pause the window."""
        if status != "failed":
            self._streak.pop(name, None)
            return
        last, n = self._streak.get(name, (code, 0))
        n = n + 1 if last == code else 1
        self._streak[name] = (code, n)
        if n >= self.pause_after and name not in self._paused:
            why = f"failed {n} times in a row with exit {code} ({_exit_meaning(code)})"
            self._paused[name] = why
            logger.warning(
                "window {w} paused: {y}; restart `rugsbot schedule` after fixing it", w=name, y=why
            )
            self.record("schedule_paused", {"window": name, "exit_code": code, "failures": n, "reason": why})
            if self.notify is not None:
                self.notify(AlertKind.SCHEDULE, f"schedule window {name!r} paused: {why}")

    def stop(self, reason: str) -> None:
        if self._stopped is None:
            self._stopped = reason
            logger.warning("schedule stopped: {}", reason)
            self.record("schedule_stopped", {"reason": reason})
            if self.notify is not None:
                self.notify(AlertKind.SCHEDULE, f"schedule stopped: {reason}")
            if self.on_stop is not None:
                self.on_stop(reason)

    def _out(self, o: RunOutcome) -> RunOutcome:
        self.outcomes.append(o)
        level = "INFO" if o.status == "ran" else "WARNING"
        code = "" if o.exit_code is None else f" (exit {o.exit_code})"
        logger.log(
            level,
            "window {w} due {s}: {st}{c} {d}",
            w=o.window,
            s=o.scheduled_at,
            st=o.status,
            c=code,
            d=o.detail,
        )
        self.record(f"schedule_{o.status}", asdict(o))
        return o

    # ------------------------------------------------------------------ downtime

    def report_downtime(self, now: datetime) -> list[RunOutcome]:
        """Windows that fired while the scheduler was not running (since the state file's last heartbeat)."""
        last = self._last_alive()
        out: list[RunOutcome] = []
        if last is not None:
            for name, trig in self.triggers.items():
                for t in fire_times(trig, last, now - timedelta(seconds=self.misfire_grace_s)):
                    out.append(
                        self._out(
                            RunOutcome(name, t.isoformat(), "missed", detail="scheduler was not running")
                        )
                    )
        self.heartbeat(now)
        return out

    def heartbeat(self, now: datetime) -> None:
        if self.state_file is not None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            self.state_file.write_text(json.dumps({"last_alive": now.isoformat()}), encoding="utf-8")

    def _last_alive(self) -> datetime | None:
        if self.state_file is None or not self.state_file.exists():
            return None
        try:
            return datetime.fromisoformat(
                json.loads(self.state_file.read_text(encoding="utf-8"))["last_alive"]
            )
        except (ValueError, KeyError, OSError):
            return None

    # ------------------------------------------------------------------ APScheduler

    def attach(self, scheduler: Any, clock: Callable[[], datetime]) -> None:
        """Add one job per window: ``max_instances=1``, ``coalesce=True``, ``misfire_grace_time``."""
        from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED

        for name, trig in self.triggers.items():
            scheduler.add_job(
                self._fire,
                trig,
                args=[name, trig, clock],
                id=name,
                name=name,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=int(self.misfire_grace_s),
                replace_existing=True,
            )

        def listen(event: Any) -> None:
            status = "overlap" if event.code == EVENT_JOB_MAX_INSTANCES else "missed"
            when = getattr(event, "scheduled_run_time", None)
            self._out(
                RunOutcome(
                    event.job_id, when.isoformat() if when else "?", status, detail="reported by APScheduler"
                )
            )

        scheduler.add_listener(listen, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)

    def _fire(self, name: str, trig: CronTrigger, clock: Callable[[], datetime]) -> None:
        now = clock()
        self.job(name, self.due_time(trig, now), now)
        self.heartbeat(clock())

    def due_time(self, trig: CronTrigger, now: datetime) -> datetime:
        """The latest fire time not after ``now`` (APScheduler does not pass it to the job). Looks back
        progressively so a minutely cron stays cheap and a weekly one is still found."""
        for back in (
            timedelta(seconds=2 * self.misfire_grace_s + 1),
            timedelta(hours=1),
            timedelta(days=1),
            timedelta(days=8),
            timedelta(days=367),
        ):
            times = fire_times(trig, now - back, now)
            if times:
                return times[-1]
        return now


def _exit_meaning(code: int) -> str:
    """The documented exit codes (bot/cli.py), for a log line an operator can act on."""
    meanings = {
        1: "a check failed",
        2: "usage or configuration error: see the run's log",
        3: "halted",
        4: "environment: browser, network, lock, disk or database",
        130: "interrupted",
    }
    if code < 0:
        return f"killed by signal {-code}"
    return meanings.get(code, "unexpected exit code")
