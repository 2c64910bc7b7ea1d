"""``rugsbot run``'s entry: lock the data directory, settle the operator console, configure the logs, run.

Why this order: the lock comes before anything is written (one bot per database; a second run refuses in one
line and writes nothing); the console's token is resolved (and generated into the data dir if needed) before
the logs are configured, so the log filter scrubs it like the wallet password; throw-away browser profiles that
killed runs left behind are deleted under the lock (no other run can be using one).
"""

from __future__ import annotations

import asyncio
import contextlib

from bot.app.console_plan import plan_console
from bot.app.live import LiveRun
from bot.app.lock import DataDirLock
from bot.app.signals import keep_exit_code
from bot.app.target import LiveOptions, SimLike, open_database, refuse_if_halted, sweep_temp_profiles
from bot.config import Profile, Settings
from bot.errors import DiskProblem
from bot.exitcodes import EXIT_INTERRUPTED
from bot.mode import Mode


def run_live(
    settings: Settings, profile: Profile, mode: Mode, options: LiveOptions, *, sim: SimLike | None = None
) -> int:
    """Lock the data directory, settle the console, configure the logs and run. Returns an exit code
    (bot/exitcodes.py) or raises the run's :attr:`LiveRun.error` (a :class:`~bot.errors.RugsbotError` or an
    unexpected exception) once everything is closed. Raises before anything is written: ``DataDirInUse`` (a
    second run on a data directory in use, exit 4), ``UsageError`` (a network console address without
    ``RUGSBOT_DASHBOARD_TOKEN``, exit 2), ``EnvironmentProblem`` (a named console address that cannot be bound)."""
    try:
        lock = DataDirLock(settings.data_dir).acquire()  # DataDirInUse (a LockHeld) passes through
    except OSError as exc:
        raise DiskProblem(f"cannot lock the data directory {settings.data_dir}: {exc}") from exc
    try:
        from bot.logs import configure

        if settings.db_path.exists():  # no database, no halt: nothing is created before the console's checks
            with contextlib.closing(open_database(settings)) as store:
                refuse_if_halted(store)  # before a console token is shown for a run that will not start
        console = plan_console(settings, options.dashboard)
        secrets = settings.secret_values() + (console.secrets if console is not None else [])
        configure(mode, level=settings.log_level, log_dir=settings.log_dir, secrets=secrets)
        sweep_temp_profiles(settings)
        run = LiveRun(settings, profile, mode, options, sim=sim, console=console)
        code = keep_exit_code(asyncio.run(run.main()))  # a late second signal cannot change it now
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        lock.release()
    if run.error is not None:
        raise run.error
    return code
