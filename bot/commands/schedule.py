"""``rugsbot schedule``: run the profile's windows (crontab lines) with APScheduler, one bounded run at a time.

A live profile's windows run unattended only when the profile says ``confirm_live = true`` AND the operator
started ``schedule --yes-live``; the flag is then passed to each child ``rugsbot run``. Without it the
scheduler refuses to start (exit 2): a window would otherwise reach the typed LIVE prompt that nobody sees.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import argtypes
from bot.commands.common import add_profile_arg, emit_json, load
from bot.config import Mode, Profile, Settings
from bot.errors import Halted, UsageError
from bot.exitcodes import EXIT_HALTED, EXIT_INTERRUPTED, EXIT_OK
from bot.ops.scheduler import RunRequest, SubprocessRunner, WindowScheduler, fire_times, trigger_for

HEARTBEAT_S = 30


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    parser.add_argument(
        "--list", action="store_true", help="print the windows and their next start times, then exit"
    )
    parser.add_argument(
        "--misfire-grace",
        type=argtypes.non_negative_float,
        default=60.0,
        metavar="S",
        help="a run that cannot start within S seconds of its time is reported missed, not run",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output (with --list)")
    parser.add_argument(
        "--yes-live",
        action="store_true",
        help="a live profile's windows run without the typed confirmation (passed to each run)",
    )
    parser.add_argument(
        "--pause-after",
        type=int,
        default=3,
        metavar="N",
        help="pause a window that fails N times in a row with the same exit code (default 3)",
    )
    parser.add_argument(
        "--retry-backoff",
        type=float,
        default=30.0,
        metavar="S",
        help="first wait before retrying a run that failed on its environment (exit 4); doubles each time",
    )


def live_refusal(profile: Profile, yes_live: bool) -> str | None:
    """Why a schedule of this profile may not start unattended, or None."""
    if profile.mode is not Mode.LIVE:
        return None
    if not profile.confirm_live:
        return f"profile {profile.name!r} is live but does not say confirm_live = true"
    if not yes_live:
        return (
            f"profile {profile.name!r} bets real SOL: start `rugsbot schedule --yes-live` to let its "
            "windows run without the typed confirmation"
        )
    return None


class _StoreAccess:
    """Short-lived connections: APScheduler runs jobs on worker threads, and a SQLite connection is per thread."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.db_path

    def _open(self) -> Any:
        from bot.store.db import Store

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return Store.open(self.path)

    def halted(self) -> str | None:
        store = self._open()
        try:
            h = store.active_halt()
            return None if h is None else h.reason
        finally:
            store.close()

    def record(self, kind: str, data: dict[str, Any]) -> None:
        import time

        store = self._open()
        try:
            store.append_event(time.time(), None, kind, data)
        finally:
            store.close()

    def daily_summary(self, notify: Any) -> None:
        """Yesterday's summary alert, once (the scheduler is the process alive at midnight)."""
        import time

        from bot.ops.anomalies import send_daily_summary

        store = self._open()
        try:
            send_daily_summary(store, notify, time.time())
        finally:
            store.close()

    def pnl_since(self, started: float) -> float | None:
        store = self._open()
        try:
            row = store.last_session()
            if row is None or row.started < started:
                return None
            return store.rebuild_session(row.id).pnl_lamports / 1e9
        finally:
            store.close()


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    cfg = profile.schedule
    if not cfg.windows:
        raise UsageError(f"profile {profile.name!r} has no [[schedule.windows]]")
    if args.pause_after < 1 or not 0 < args.retry_backoff < 86400 or not 0 <= args.misfire_grace < 86400:
        raise UsageError(
            "--pause-after must be >= 1, --retry-backoff in (0, 86400) s and --misfire-grace in [0, 86400) s"
        )
    tz = ZoneInfo(cfg.timezone)
    now = datetime.now(tz)
    if args.list:
        rows: list[dict[str, Any]] = []
        for w in cfg.windows:
            nxt = fire_times(trigger_for(w, cfg.timezone), now, now.replace(year=now.year + 1), limit=5)
            rows.append(
                {
                    "name": w.name,
                    "cron": w.cron,
                    "max_duration_min": w.max_duration_min,
                    "max_games": w.max_games,
                    "next": [t.isoformat() for t in nxt],
                }
            )
        if args.json:
            emit_json({"timezone": cfg.timezone, "windows": rows})
        else:
            for r in rows:
                print(
                    f"{r['name']:<16} {r['cron']:<20} ≤{r['max_duration_min']:g} min  next: {', '.join(r['next'])}"
                )
        return EXIT_OK
    if (why := live_refusal(profile, args.yes_live)) is not None:
        raise UsageError(why)
    import time

    from apscheduler.schedulers.blocking import BlockingScheduler

    db = _StoreAccess(settings)
    run_started = {"t": time.time()}

    def pnl() -> float | None:
        return db.pnl_since(run_started["t"])

    extra = ["--yes-live"] if profile.mode is Mode.LIVE else []
    runner = SubprocessRunner(args.profile, extra_args=extra, session_pnl_sol=pnl)
    alerter = _alerter(settings, profile)

    def run_window(req: RunRequest) -> int:
        run_started["t"] = time.time()
        return runner(req)

    sched = BlockingScheduler(timezone=tz)
    ws = WindowScheduler(
        cfg,
        run_window,
        halted=db.halted,
        record=db.record,
        misfire_grace_s=args.misfire_grace,
        state_file=settings.data_dir / "schedule-state.json",
        on_stop=lambda reason: sched.shutdown(wait=False),
        notify=alerter.notify if alerter is not None else None,
        pause_after=args.pause_after,
        retry_backoff_s=args.retry_backoff,
    )
    if (halt := db.halted()) is not None:
        raise Halted(f"halted ({halt})", hint="run `rugsbot resume` first")
    ws.report_downtime(now)
    ws.attach(sched, clock=lambda: datetime.now(tz))

    def heartbeat() -> None:
        if (h := db.halted()) is not None:
            ws.stop(f"halted: {h}")
        else:
            ws.heartbeat(datetime.now(tz))
        if alerter is not None:
            db.daily_summary(alerter.notify)

    sched.add_job(heartbeat, "interval", seconds=HEARTBEAT_S, id="heartbeat", max_instances=1, coalesce=True)
    print(f"schedule: {len(cfg.windows)} window(s) in {cfg.timezone}; Ctrl-C to stop", flush=True)
    # SIGTERM stops the schedule like Ctrl-C does, and both end with 130 as `run` does (bot/exitcodes.py)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        try:
            with contextlib.suppress(SystemExit):
                sched.start()
        except KeyboardInterrupt:
            runner.request_stop()  # a window's run is stopped cleanly, then its outcome recorded
            with contextlib.suppress(Exception):
                sched.shutdown(wait=True)
            return EXIT_INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
        if alerter is not None:
            alerter.stop()
    return EXIT_HALTED if ws.stopped and ws.stopped.startswith("halted") else EXIT_OK


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _alerter(settings: Settings, profile: Profile) -> Any:
    """The scheduler's own alerts (a paused window, a stopped schedule); None without RUGSBOT_ALERT_URLS."""
    if not settings.alert_url_list():
        return None
    from bot.ops.alerts import Alerter

    alerter = Alerter.from_settings(settings, profile.alerts, source=f"schedule {profile.name}")
    alerter.start()
    return alerter
