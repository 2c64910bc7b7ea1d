"""``rugsbot doctor``: browser, extension, profile lock, secrets, database, disk, clock — a table and an exit code.

It checks what the profile's run needs: a dry run no wallet; a run against the built-in simulator (``--sim``,
or a profile that allows only loopback origins, like profiles/sim.toml) no wallet password and the
simulator's browser-profile folder; practice/live on the real site the password and the real extension.

Exit codes: 0 nothing failed (warnings allowed; ``--strict`` fails on warnings too) · 1 a check failed ·
2 usage error (e.g. a bad profile).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.commands.common import add_profile_arg, emit_json, load
from bot.exitcodes import EXIT_OK
from bot.mode import Mode
from bot.ops.doctor import DoctorInputs, Level, env_file_of, exit_code, run_checks, simulator_only


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    parser.add_argument(
        "--recording",
        type=Path,
        default=None,
        metavar="FILE",
        help="a recording: check the clock against the server's timestamps in it",
    )
    parser.add_argument(
        "--sim",
        action="store_true",
        help="check for `run --sim` (implied by a profile that allows only loopback origins)",
    )
    parser.add_argument("--strict", action="store_true", help="warnings count as failures (exit 1)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    sim = bool(args.sim) or simulator_only(profile)
    inp = DoctorInputs(
        settings=settings,
        env_file=env_file_of(settings),
        recording=args.recording,
        needs_wallet=profile.mode is not Mode.DRY_RUN,
        sim=sim,
    )
    target = "the simulator" if sim else "the real site"
    checks = run_checks(inp)
    code = exit_code(checks, args.strict)
    if args.json:
        emit_json(
            {
                "ok": code == EXIT_OK,
                "profile": profile.name,
                "mode": profile.mode.value,
                "target": "simulator" if sim else "site",
                "exit_code": code,
                "checks": [{"name": c.name, "level": c.level.value, "detail": c.detail} for c in checks],
            }
        )
        return code
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    colour = {Level.OK: "green", Level.WARN: "yellow", Level.FAIL: "red", Level.SKIP: "dim"}
    table = Table(title=f"rugsbot doctor (profile {profile.name}, {profile.mode.value}, against {target})")
    table.add_column("check")
    table.add_column("status")
    table.add_column("detail", overflow="fold")
    for c in checks:
        # details quote paths, URLs and "[simulator recording …]": text, never rich markup
        table.add_row(c.name, Text(c.level.value.upper(), style=colour[c.level]), Text(c.detail))
    Console().print(table)
    return code
