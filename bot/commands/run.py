"""``rugsbot run``: the bot in a real browser — dry-run (watch only), practice (FREE coin) or live.

This module keeps the arguments, the mode and the live confirmation: CLI flags can only make a run *safer*
(live → practice → dry-run), and live money needs a live profile AND a typed confirmation or ``--yes-live``.
The run itself (lock, assembly, browser, login, frames, halts, shutdown) is bot/app/live.py.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands import argtypes
from bot.commands.common import add_profile_arg, load
from bot.config import Profile
from bot.errors import UsageError
from bot.mode import Mode

LIVE_WORD = "LIVE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    head = parser.add_mutually_exclusive_group()
    head.add_argument(
        "--headless", dest="headless", action="store_true", default=None, help="no browser window"
    )
    head.add_argument("--headed", dest="headless", action="store_false", help="show the browser window")
    parser.add_argument(
        "--duration", type=argtypes.positive_float, default=None, metavar="S", help="stop after S seconds"
    )
    parser.add_argument(
        "--games", type=argtypes.positive_int, default=None, metavar="N", help="stop after N finished games"
    )
    parser.add_argument("--sim", action="store_true", help="start the built-in simulator and run against it")
    parser.add_argument(
        "--sim-speed", type=argtypes.speed, default=1.0, help="simulator clock speed-up (with --sim)"
    )
    parser.add_argument("--sim-seed", default=None, help="simulator seed (with --sim), for reproducible runs")
    parser.add_argument(
        "--sim-faults",
        type=argtypes.faults,
        default="",
        help="simulator fault schedule, e.g. drop@30 (with --sim)",
    )
    parser.add_argument(
        "--sim-rug-at",
        default="",
        metavar="TICKS",
        help="(with --sim) every game rugs at this tick, or at each of a comma list in turn (`rugsbot sim --rug-at`)",
    )
    parser.add_argument(
        "--sim-page-build",
        type=int,
        default=1,
        choices=(1, 2),
        help="(with --sim) which build of the site's page the simulator serves (`rugsbot sim --page-build`)",
    )
    parser.add_argument(
        "--sim-protocol-drift",
        action="store_true",
        help="(with --sim) the simulator plays a site update that renames and retypes gameStateUpdate fields",
    )
    parser.add_argument(
        "--sim-url",
        default=None,
        metavar="URL",
        help="like --sim, but use a simulator already running at URL (`rugsbot sim`); it outlives "
        "the bot, so restarts and crash recovery can be checked against its truth",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="watch and decide, never click")
    mode.add_argument("--practice", action="store_true", help="bet the practice coin (FREE)")
    parser.add_argument(
        "--yes-live", action="store_true", help="skip the typed LIVE confirmation (live profiles)"
    )
    console = parser.add_mutually_exclusive_group()
    console.add_argument(
        "--dashboard",
        default=None,
        metavar="HOST:PORT",
        help="serve the operator console here (default 127.0.0.1:8780, best effort; an address given here must "
        "be free; a non-loopback one needs RUGSBOT_DASHBOARD_TOKEN of 16+ characters)",
    )
    console.add_argument("--no-dashboard", action="store_true", help="no operator console")
    parser.add_argument("--no-trace", action="store_true", help="do not keep a Playwright trace for failures")
    parser.add_argument("--no-record", action="store_true", help="do not record the session's frames")


def resolve_mode(profile: Profile, args: argparse.Namespace) -> Mode:
    """CLI flags may lower the mode (live → practice → dry-run), never raise it."""
    if args.dry_run:
        return Mode.DRY_RUN
    if args.practice:
        return Mode.PRACTICE
    return profile.mode


def confirm_live(args: argparse.Namespace, stdin: Any = None, stdout: Any = None) -> bool:
    """Live money needs a human: ``--yes-live`` or the word LIVE typed on stdin."""
    if args.yes_live:
        return True
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stdout.write("This profile bets REAL SOL. Type LIVE to continue: ")
    stdout.flush()
    line = stdin.readline()
    return line.strip() == LIVE_WORD


def run(args: argparse.Namespace) -> int:
    from bot.app.start import run_live
    from bot.app.target import ExternalSim, LiveOptions
    from bot.console.server import ConsoleConfig

    settings, profile = load(args)
    mode = resolve_mode(profile, args)
    if mode is Mode.LIVE:
        if args.sim or args.sim_url:
            raise UsageError("--sim never runs live", hint="use --practice or --dry-run")
        if not confirm_live(args):
            raise UsageError("live run not confirmed", hint="type LIVE at the prompt or pass --yes-live")
    from bot.sim.config import parse_rug_schedule

    try:
        parse_rug_schedule(args.sim_rug_at)
    except ValueError as exc:
        raise UsageError(f"--sim-rug-at: {exc}") from None
    try:
        dashboard = ConsoleConfig.from_flags(args.dashboard, disabled=args.no_dashboard)
    except ValueError as exc:
        raise UsageError(f"--dashboard: {exc}") from None
    external = None
    if args.sim_url:
        if not args.sim_url.startswith(("http://127.", "http://localhost")):
            raise UsageError("--sim-url must be a simulator on this machine (http://127.0.0.1:PORT)")
        external = ExternalSim(args.sim_url.rstrip("/"))
    options = LiveOptions(
        headless=profile.browser.headless if args.headless is None else args.headless,
        duration_s=args.duration,
        games=args.games,
        sim=bool(args.sim or external),
        sim_speed=args.sim_speed,
        sim_seed=args.sim_seed,
        sim_faults=args.sim_faults,
        sim_rug_at=args.sim_rug_at,
        sim_page_build=args.sim_page_build,
        sim_protocol_drift=args.sim_protocol_drift,
        trace=not args.no_trace,
        record=not args.no_record,
        profile_ref=args.profile,
        dashboard=dashboard if dashboard.enabled else None,
    )
    return run_live(settings, profile, mode, options, sim=external)
