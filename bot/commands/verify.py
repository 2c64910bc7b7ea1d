"""``rugsbot verify FILE...``: provably-fair audit and side-bet settlement check over recordings.

Every ``gameHistory`` game in the recordings is regenerated from its revealed seed, and every settled side
bet in it is re-settled with our rules. For games that ran inside a recording, the hash announced before the
game and every tick shown live (and the tick it rugged on) are checked against the reveal too. This is the offline twin of the live auditor (same code, same
alarms), so a recording of any session — ours or someone else's — can be checked after the fact. It must
cope with captures it has never seen: partial files, stripped payloads, other game versions, missing seeds
(counted as unverifiable, never a crash). Exit 1 on any mismatch or settlement disagreement.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.commands.common import add_json_arg, emit_json
from bot.exitcodes import EXIT_CHECK_FAILED, EXIT_OK, EXIT_USAGE
from bot.fair.audit import Auditor
from bot.protocol.events import GameStateUpdate, InvalidEvent, decode_event
from bot.protocol.frames import Packet, decode

_RECORDING_SUFFIXES = (".jsonl", ".jsonl.gz")


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

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "frames": self.frames,
            "bad_lines": self.bad_lines,
            "history_frames": self.history_frames,
            "games_new": self.games_new,
            "undecodable": self.undecodable,
        }


def _expand(paths: list[str]) -> tuple[list[Path], list[str]]:
    """Files to read (directories expanded, rotated parts appended) and the paths that do not exist."""
    from bot.feeds.recording import recording_parts

    out: list[Path] = []
    missing: list[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.name.endswith(_RECORDING_SUFFIXES)))
        elif p.is_file():
            parts = recording_parts(p)
            out.extend(parts or [p])
        else:
            missing.append(raw)
    seen: set[Path] = set()
    unique = []
    for f in out:
        if f not in seen:
            seen.add(f)
            unique.append(f)
    return unique, missing


def audit_file(path: Path, auditor: Auditor) -> FileStats:
    """Feed every incoming ``gameStateUpdate`` of one recording to ``auditor``."""
    from bot.feeds.recording import RecordingReader

    stats = FileStats(str(path))
    games_before = auditor.counts.games
    reader = RecordingReader(path)
    for rec in reader:
        stats.frames += 1
        if rec.dir != "in" or "gameStateUpdate" not in rec.frame[:40]:
            continue
        packet = decode(rec.frame)
        if not isinstance(packet, Packet):
            stats.undecodable += 1
            continue
        if packet.name != "gameStateUpdate":
            continue
        event = decode_event(packet)
        if isinstance(event, GameStateUpdate):
            if event.has_history:
                stats.history_frames += 1
            auditor.feed_update(event, rec.t)
        elif isinstance(event, InvalidEvent) and packet.payload is not None:
            # Some other field had an unexpected type: the history may still be fine, audit it alone.
            stats.history_frames += 1
            auditor.feed_raw(packet.payload, rec.t)
    stats.bad_lines = len(reader.bad_lines)
    stats.games_new = auditor.counts.games - games_before
    return stats


def run(args: argparse.Namespace) -> int:
    files, missing = _expand(list(args.files))
    if missing:
        for m in missing:
            print(f"rugsbot verify: no such file or directory: {m}", file=sys.stderr)
        return EXIT_USAGE
    auditor = Auditor()
    per_file = [audit_file(f, auditor) for f in files]
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
    failed = counts.mismatched > 0 or counts.sidebets_disagree > 0
    if args.strict and (counts.skipped > 0 or counts.verified == 0):
        failed = True
    result["strict"] = bool(args.strict)
    if args.json:
        emit_json(result)
    else:
        _print_table(result, failed)
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
