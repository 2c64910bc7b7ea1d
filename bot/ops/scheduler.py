"""Run windows: each profile window (a crontab line) starts one bounded run; nothing ever runs twice at once.

Rules, and why:
* one run at a time, whatever the windows say — the browser profile can only be opened once, and two bots
  on one account would double the exposure. APScheduler's ``max_instances=1`` covers one window; a
  lock covers two windows overlapping;
* ``coalesce=True`` + a misfire grace time: a run that could not start on time (the process was busy or
  down) is *reported* as missed — logged and stored — never replayed later in a burst;
* a halt (active halt in the database) stops the schedule; so does a run that exits with code 3 (halted);
* each run is bounded: ``--duration`` and ``--games`` are passed to ``rugsbot run``, the runner kills it
  after the window's maximum plus a grace period, and stops it early on the window's loss/profit limits.

Time is injected everywhere (``now`` arguments, trigger fire times) so tests drive a fake clock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from loguru import logger

from bot.config.sections import ScheduleConfig, ScheduleWindow
from bot.exitcodes import EXIT_HALTED

STOP_GRACE_S = 30.0


@dataclass(frozen=True, slots=True)
class RunRequest:
    window: str
    scheduled_at: datetime
    max_duration_s: float
    max_games: int | None = None
    stop_on_loss_sol: float | None = None
    stop_on_profit_sol: float | None = None


@dataclass(frozen=True, slots=True)
class RunOutcome:
    window: str
    scheduled_at: str
    status: str  # "ran" | "missed" | "overlap" | "halted"
    exit_code: int | None = None
    detail: str = ""


class Runner(Protocol):
    def __call__(self, request: RunRequest, /) -> int: ...


Recorder = Callable[[str, dict[str, Any]], None]
"""Where outcomes go besides the log: in production the database's append-only event log."""


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
    outcomes: list[RunOutcome] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopped: str | None = None

    def __post_init__(self) -> None:
        names = [w.name for w in self.config.windows]
        if len(set(names)) != len(names):
            raise ValueError(f"schedule window names must be unique: {names}")
        self.triggers = {w.name: trigger_for(w, self.config.timezone) for w in self.config.windows}
        self.windows = {w.name: w for w in self.config.windows}

    @property
    def stopped(self) -> str | None:
        return self._stopped

    # ------------------------------------------------------------------ the job wrapper

    def job(self, name: str, scheduled_at: datetime, now: datetime) -> RunOutcome:
        """Run window ``name`` that was due at ``scheduled_at``, unless halted, late or overlapping."""
        stamp = scheduled_at.isoformat()
        if self._stopped is not None:
            return self._out(RunOutcome(name, stamp, "halted", detail=f"schedule stopped: {self._stopped}"))
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
            code = self.runner(request_for(self.windows[name], scheduled_at))
        finally:
            self._lock.release()
        why = str(getattr(self.runner, "last_stop_reason", "") or "")  # e.g. the SubprocessRunner's stop
        outcome = self._out(RunOutcome(name, stamp, "ran", exit_code=code, detail=why))
        if code == EXIT_HALTED:
            self.stop("a run ended halted (exit 3)")
        return outcome

    def stop(self, reason: str) -> None:
        if self._stopped is None:
            self._stopped = reason
            logger.warning("schedule stopped: {}", reason)
            self.record("schedule_stopped", {"reason": reason})
            if self.on_stop is not None:
                self.on_stop(reason)

    def _out(self, o: RunOutcome) -> RunOutcome:
        self.outcomes.append(o)
        level = "INFO" if o.status == "ran" else "WARNING"
        logger.log(
            level, "window {w} due {s}: {st} {d}", w=o.window, s=o.scheduled_at, st=o.status, d=o.detail
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


# ---------------------------------------------------------------------- the production runner


@dataclass
class SubprocessRunner:
    """``rugsbot run --profile P --duration S [--games N]`` as a child process, watched from outside.

    ``session_pnl_sol`` (optional) reads the running session's P&L (from the database); the runner stops
    the child with SIGTERM — a clean stop — when a window's loss or profit limit is reached, and kills it
    if it outlives the window by :data:`STOP_GRACE_S`.
    """

    profile: str | None
    extra_args: Sequence[str] = ()
    session_pnl_sol: Callable[[], float | None] | None = None
    poll_s: float = 2.0
    command: Sequence[str] | None = None  # tests: replace the child command
    last_stop_reason: str = ""

    def argv(self, req: RunRequest) -> list[str]:
        if self.command is not None:
            return list(self.command)
        argv = [sys.executable, "-m", "bot.cli", "run", "--duration", f"{req.max_duration_s:.0f}"]
        if self.profile:
            argv += ["--profile", self.profile]
        if req.max_games is not None:
            argv += ["--games", str(req.max_games)]
        return argv + list(self.extra_args)

    def __call__(self, req: RunRequest) -> int:
        proc = subprocess.Popen(self.argv(req))
        started = time.monotonic()
        self.last_stop_reason = ""
        while True:
            try:
                return proc.wait(timeout=self.poll_s)
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - started
            reason = self._stop_reason(req, elapsed)
            if reason:
                self.last_stop_reason = reason
                logger.warning("window {w}: stopping the run ({r})", w=req.window, r=reason)
                proc.terminate()
                try:
                    return proc.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    return proc.wait()

    def _stop_reason(self, req: RunRequest, elapsed: float) -> str:
        if elapsed > req.max_duration_s + min(STOP_GRACE_S, req.max_duration_s):
            return f"outlived the window ({elapsed:.0f} s)"
        pnl = self.session_pnl_sol() if self.session_pnl_sol is not None else None
        if pnl is not None:
            if req.stop_on_loss_sol is not None and pnl <= -req.stop_on_loss_sol:
                return f"loss limit {req.stop_on_loss_sol} SOL reached ({pnl:+.4f})"
            if req.stop_on_profit_sol is not None and pnl >= req.stop_on_profit_sol:
                return f"profit target {req.stop_on_profit_sol} SOL reached ({pnl:+.4f})"
        return ""
