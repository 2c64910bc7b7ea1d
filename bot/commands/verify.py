"""``rugsbot verify FILE...``: provably-fair audit and side-bet settlement check over recordings.

Every ``gameHistory`` game in the recordings is regenerated from its revealed seed, and every settled side
bet in it is re-settled with our rules. For games that ran inside a recording, the hash announced before the
game and every tick shown live (and the tick and price it rugged on) are checked against the reveal too.

This is the live auditor run offline, not a twin of it: each recording goes through the live
:class:`~bot.game.tracker.GameTracker`, and its signals reach the :class:`~bot.fair.auditor.Auditor` in the
trading loop's order (:meth:`~bot.fair.auditor.Auditor.on_signals`), so a recording gets the verdict a live
run on the same frames would have halted on (or not), in every era of the wire. It must cope with captures it
has never seen: partial files, stripped payloads, other game versions, missing seeds (counted as
unverifiable, never a crash).

Exit codes (bot/exitcodes.py): 0 every revealed game checked out · 1 a mismatch or settlement disagreement, or
nothing to verify (no recording, no frame, no revealed game: an audit never says OK on nothing) · 2 a path
that does not exist.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.commands.common import add_json_arg, emit_json
from bot.exitcodes import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE
from bot.fair.auditor import Auditor
from bot.feeds.parts import recording_groups
from bot.feeds.recording import RecordingReader
from bot.game.signals import HistoryReceived
from bot.game.tracker import GameTracker
from bot.shorten import shorten


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="recordings (.jsonl / .jsonl.gz, rotated parts included) or directories of them",
    )
    add_json_arg(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also fail when a game could not be verified (no seed, unknown version, "
        "malformed) or when no game was verified at all",
    )


@dataclass(slots=True)
class FileStats:
    path: str
    frames: int = 0
    bad_lines: int = 0
    history_frames: int = 0
    games_new: int = 0
    undecodable: int = 0
    first_bad_line: str = ""  # "line N: why", for the one-line error when nothing could be read

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "frames": self.frames,
            "bad_lines": self.bad_lines,
            "history_frames": self.history_frames,
            "games_new": self.games_new,
            "undecodable": self.undecodable,
        }


def audit_recording(parts: list[Path], auditor: Auditor) -> list[FileStats]:
    """One recording (a file and its rotated parts: one feed, one tracker) through the live path."""
    tracker = GameTracker()
    out: list[FileStats] = []
    for path in parts:
        stats = FileStats(str(path))
        games_before = auditor.counts.games
        undecodable_before = sum(tracker.counters.undecodable.values())
        reader = RecordingReader(path)
        for rec in reader:
            stats.frames += 1
            signals = tracker.on_frame(rec.t, rec.dir, rec.frame)
            if signals:
                stats.history_frames += sum(isinstance(s, HistoryReceived) for s in signals)
                auditor.on_signals(signals)
        if path is parts[-1]:
            auditor.on_signals(tracker.flush())
        stats.bad_lines = len(reader.bad_lines)
        if reader.bad_lines:
            line, why = reader.bad_lines[0]
            stats.first_bad_line = shorten(f"line {line}: {why}", 160)
        stats.undecodable = sum(tracker.counters.undecodable.values()) - undecodable_before
        stats.games_new = auditor.counts.games - games_before
        out.append(stats)
    return out


def _nothing(groups: list[list[Path]], per_file: list[FileStats], paths: list[str]) -> str:
    """Why there is nothing to verify, in one line; "" when something was."""
    if not groups:
        return f"no recordings (.jsonl, .jsonl.gz) in {', '.join(paths)}"
    frames = sum(f.frames for f in per_file)
    if frames == 0:
        first = next((f for f in per_file if f.first_bad_line), None)
        names = ", ".join(f.path for f in per_file)
        why = f" ({first.path}, {first.first_bad_line})" if first is not None else f" ({names}: empty)"
        return f"not a recording: no frame could be read{why}"
    return f"no revealed game (gameHistory) in {frames} frame(s) of {len(per_file)} file(s)"


def run(args: argparse.Namespace) -> int:
    groups, missing = recording_groups(list(args.files))
    if missing:
        print(f"rugsbot verify: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE
    auditor = Auditor()
    per_file = [stats for parts in groups for stats in audit_recording(parts, auditor)]
    counts = auditor.counts
    mismatches: list[dict[str, object]] = [
        {"kind": "provably-fair", **a.as_dict()} for a in auditor.mismatches
    ]
    mismatches += [{**c.as_dict(), "kind": "settlement", "record": c.kind} for c in auditor.disagreements]
    result: dict[str, object] = {
        **counts.as_dict(),
        "files": [s.as_dict() for s in per_file],
        "mismatches": mismatches,
        "unverifiable_games": [a.as_dict() for a in auditor.unverifiable],
    }
    nothing = _nothing(groups, per_file, list(args.files)) if counts.games == 0 else ""
    failed = bool(nothing) or counts.mismatched > 0 or counts.sidebets_disagree > 0
    if args.strict and (counts.skipped > 0 or counts.verified == 0):
        failed = True
    result["strict"] = bool(args.strict)
    result["nothing_to_verify"] = nothing
    if args.json:
        emit_json(result)
    elif not nothing:
        _print_table(result, failed)
    if nothing:
        print(f"rugsbot verify: nothing to verify: {nothing}", file=sys.stderr)
    return EXIT_CHECK_FAILED if failed else EXIT_OK


def _print_table(result: dict[str, object], failed: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    files = Table(title="recordings")
    for col in ("file", "frames", "bad lines", "history frames", "new games"):
        files.add_column(col)
    for f in result["files"]:  # type: ignore[attr-defined]
        files.add_row(
            str(f["path"]),
            str(f["frames"]),
            str(f["bad_lines"]),
            str(f["history_frames"]),
            str(f["games_new"]),
        )
    console.print(files)
    summary = Table(title="audit")
    summary.add_column("check")
    summary.add_column("count", justify="right")
    for key in (
        "games",
        "verified",
        "mismatched",
        "unverifiable",
        "malformed",
        "sidebets",
        "sidebets_agree",
        "sidebets_disagree",
        "sidebets_implied",
        "announced_checked",
        "live_games",
        "live_ticks",
    ):
        summary.add_row(key, str(result[key]))
    console.print(summary)
    mism = result["mismatches"]
    if mism:
        table = Table(title="mismatches")
        table.add_column("kind")
        table.add_column("game")
        table.add_column("reason")
        for m in mism:  # type: ignore[attr-defined]
            table.add_row(str(m["kind"]), str(m["game_id"]), str(m["reason"]))
        console.print(table)
    unv: list[dict[str, object]] = result["unverifiable_games"]  # type: ignore[assignment]
    if unv:
        listed = ", ".join(f"{u['game_id']} ({u['reason']})" for u in unv[:10])
        console.print(f"{len(unv)} game(s) could not be verified: {listed}")
    console.print("[bold red]FAILED[/]" if failed else "[bold green]OK[/]")
