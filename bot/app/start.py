"""``rugsbot run``'s entry: lock the data directory, settle the operator console, configure the logs, run.

Why this order: the lock comes before anything is written (one bot per database; a second run refuses in one
line and writes nothing); the console's token is resolved (and generated into the data dir if needed) before
the logs are configured, so the log filter scrubs it like the wallet password.
"""

from __future__ import annotations

import asyncio
import sys

from bot.app.console_plan import ConsoleStartError, plan_console
from bot.app.live import LiveRun
from bot.app.lock import DataDirInUse, DataDirLock
from bot.app.target import LiveOptions, SimLike
from bot.config import Profile, Settings
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_INTERRUPTED
from bot.mode import Mode


def run_live(
    settings: Settings, profile: Profile, mode: Mode, options: LiveOptions, *, sim: SimLike | None = None
) -> int:
    """Lock the data directory, settle the console, configure the logs and run. Returns an exit code
    (bot/exitcodes.py): a data directory in use (4), a console refused (2: a network address without
    ``RUGSBOT_DASHBOARD_TOKEN``) or unable to listen on the address given (4) refuse in one line on stderr."""
    try:
        lock = DataDirLock(settings.data_dir).acquire()
    except (DataDirInUse, OSError) as exc:
        print(f"rugsbot run: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    try:
        from bot.logs import configure

        console = plan_console(settings, options.dashboard)
        secrets = settings.secret_values() + (console.secrets if console is not None else [])
        configure(mode, level=settings.log_level, log_dir=settings.log_dir, secrets=secrets)
        return asyncio.run(LiveRun(settings, profile, mode, options, sim=sim, console=console).main())
    except ConsoleStartError as exc:
        print(f"rugsbot run: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        lock.release()
