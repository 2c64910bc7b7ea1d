"""``rugsbot report``: an offline HTML report with charts and a one-screen summary, from a session or a result file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bot.commands.common import emit_json
from bot.errors import DatabaseProblem, UsageError
from bot.exitcodes import EXIT_OK
from bot.optimize.metrics import EvidenceReport, evaluate
from bot.report.render import render_html
from bot.report.summary import print_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Neither given means the last session (README: `rugsbot report [--session ID or FILE]`).
    src = parser.add_mutually_exclusive_group()
    src.add_argument(
        "--session",
        default="last",
        metavar="ID",
        help="a session in the database, or 'last' (the default when no FILE is given)",
    )
    src.add_argument(
        "--all", action="store_true", help="every session: P&L per day and strategy, win rate vs expectation"
    )
    src.add_argument(
        "file",
        nargs="?",
        type=Path,
        default=None,
        metavar="FILE",
        help="a result file written by simulate/backtest --out",
    )
    parser.add_argument("--db", type=Path, default=None, help="database (default: the configured one)")
    parser.add_argument("--html", type=Path, default=None, metavar="OUT", help="write the HTML report here")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _result_file(path: Path) -> EvidenceReport:
    """A ``simulate``/``backtest``/``report --json`` result. Raises ``UsageError`` naming the file for anything
    else (a recording, a gzip, JSON of another shape); ``OSError`` for a file that cannot be read."""
    what = f"{path}: not a simulate/backtest/report result file"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{what} (not JSON text: {exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise UsageError(f"{what} (a JSON {type(data).__name__}, not an object)")
    data.pop("bet_list", None)
    data.pop("alarms", None)  # backtest's alarm list: not part of the evidence report
    try:
        return EvidenceReport.from_dict(data)
    except (TypeError, KeyError, ValueError) as exc:
        raise UsageError(f"{what} (fields do not match: {exc})") from None


def load_report(args: argparse.Namespace) -> EvidenceReport:
    if args.file is not None:
        return _result_file(args.file)
    from bot.config import Settings
    from bot.report.from_store import records_from_store

    db = args.db if args.db is not None else Settings().db_path
    session, records, about = records_from_store(db, args.session)
    meta = {"command": "report", "session": session, "db": str(db), **about}
    return evaluate(records, label=f"session {session}", meta=meta)


def run(args: argparse.Namespace) -> int:
    import sqlite3

    if getattr(args, "all", False):
        return run_all(args)
    from bot.report.from_store import SessionNotFound

    try:
        report = load_report(args)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"cannot read the database: {exc}", hint="`rugsbot doctor` checks it") from exc
    except (OSError, ValueError, TypeError, KeyError, SessionNotFound) as exc:
        raise UsageError(f"cannot read the input: {exc}") from exc
    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(render_html(report), encoding="utf-8")
    if args.json:
        data = report.to_dict()
        data.pop("series")
        if args.html is not None:
            data["html"] = str(args.html)
        emit_json(data)
    else:
        print_summary(report)
        if args.html is not None:
            print(f"HTML report: {args.html}")
    return EXIT_OK


# ---------------------------------------------------------------------- --all: history across sessions


def run_all(args: argparse.Namespace) -> int:
    import dataclasses
    import sqlite3

    from bot.config import Settings
    from bot.report.history import load_history, print_history

    if args.html is not None:
        raise UsageError("--html is not available with --all", hint="the console's page shows the history")
    db = args.db if args.db is not None else Settings().db_path
    try:
        history = load_history(db)
    except sqlite3.Error as exc:
        raise DatabaseProblem(f"cannot read {db}: {exc}", hint="`rugsbot doctor` checks it") from exc
    if args.json:
        emit_json(dataclasses.asdict(history))
    else:
        print_history(history)
    return EXIT_OK
