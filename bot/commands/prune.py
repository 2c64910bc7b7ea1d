"""``rugsbot prune --older-than DAYS``: remove old statistics and recordings, then VACUUM.

Removed: decisions, tick stats, guard events and the statistics kinds of the event log (guard trips,
scheduler outcomes) older than DAYS, and recordings (a file with all its rotated parts) last written more
than DAYS ago. Never removed: bets, halts, sessions and the events the ledger is rebuilt from (see
bot/store/retention.py for how the database itself enforces that). Logs expire on their own (bot/logs.py).

Exit codes: 0 done (also when there was nothing to remove) · 2 bad arguments · 4 the database cannot be
written (locked by a running bot for longer than the busy timeout, read-only, corrupt).
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.commands.common import emit_json
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from bot.risk.book import DAY_S


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--older-than", type=str, required=True, metavar="DAYS", help="remove what is older than DAYS days"
    )
    parser.add_argument(
        "--keep-decisions",
        type=int,
        default=None,
        metavar="N",
        help="also set the automatic cap on decision rows (default cap 1,000,000)",
    )
    parser.add_argument("--dry-run", action="store_true", help="count what would go; remove nothing")
    parser.add_argument("--no-vacuum", action="store_true", help="skip VACUUM (it rewrites the file)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def old_recordings(recordings_dir: Path, cutoff_t: float) -> list[list[Path]]:
    """Recordings (file + rotated parts) whose newest part was last written before ``cutoff_t``."""
    from bot.feeds.parts import recording_groups

    if not recordings_dir.is_dir():
        return []
    groups, _ = recording_groups([recordings_dir])
    return [g for g in groups if g and max(p.stat().st_mtime for p in g) < cutoff_t]


def _days(text: str) -> float | None:
    try:
        days = float(text)
    except ValueError:
        return None
    return days if math.isfinite(days) and days > 0 else None


def run(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.store.errors import StoreError
    from bot.store.retention import MIN_DECISION_CAP

    days = _days(args.older_than)
    if days is None:
        print(
            f"rugsbot prune: --older-than must be a number of days > 0, got {args.older_than!r}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.keep_decisions is not None and args.keep_decisions < MIN_DECISION_CAP:
        print(f"rugsbot prune: --keep-decisions must be at least {MIN_DECISION_CAP}", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings()
    cutoff = time.time() - days * DAY_S
    report: dict[str, Any] = {"older_than_days": days, "dry_run": args.dry_run}
    try:
        report["database"] = _prune_db(settings.db_path, cutoff, args)
    except (sqlite3.Error, StoreError) as exc:
        print(f"rugsbot prune: database {settings.db_path}: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    groups = old_recordings(settings.recordings_dir, cutoff)
    freed = 0
    for group in groups:
        for part in group:
            freed += part.stat().st_size
            if not args.dry_run:
                part.unlink()
    report["recordings"] = {"removed": len(groups), "files": sum(len(g) for g in groups), "bytes": freed}
    if args.json:
        emit_json(report)
    else:
        _print(report)
    return EXIT_OK


def _prune_db(path: Path, cutoff: float, args: argparse.Namespace) -> dict[str, Any] | None:
    if not path.exists():
        return None
    from bot.store.db import Store

    with Store.open(path) as store:
        before = store.file_bytes()
        counts = store.prune_before(cutoff, dry_run=args.dry_run)
        if args.keep_decisions is not None and not args.dry_run:
            store.set_decision_cap(args.keep_decisions)
        if not args.dry_run and not args.no_vacuum:
            store.vacuum()
        return {
            "path": str(path),
            "rows": asdict(counts),
            "bytes_before": before,
            "bytes_after": store.file_bytes(),
            "decision_cap": store.decision_cap(),
        }


def _print(report: dict[str, Any]) -> None:
    verb = "would remove" if report["dry_run"] else "removed"
    db = report["database"]
    if db is None:
        print("database: none yet")
    else:
        rows = ", ".join(f"{n} {table}" for table, n in db["rows"].items())
        print(
            f"database: {verb} {rows}; {db['bytes_before'] / 1e6:.1f} MB -> {db['bytes_after'] / 1e6:.1f} MB"
        )
        print(f"database: decision rows capped at {db['decision_cap']:,}")
    rec = report["recordings"]
    print(f"recordings: {verb} {rec['removed']} ({rec['files']} files, {rec['bytes'] / 1e6:.1f} MB)")
    print("kept: bets, halts, sessions and the ledger's events (never pruned)")
