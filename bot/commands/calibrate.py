"""``rugsbot calibrate FILE... [--json]``: predicted P(win) vs what happened, on recordings or game-length CSVs.

Recordings (``.jsonl``/``.jsonl.gz``, rotated parts included) go through the real tracker and model; a ``.csv``
with ``game_key, final_tick`` columns is checked from final ticks alone.

Exit codes: 0 calibrated · 1 nothing to calibrate (no recording or CSV, no finished game in them, a CSV
without those columns), one line on stderr and no table · 2 a path that does not exist.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

from bot.commands.common import add_json_arg, add_profile_arg, emit_json, load
from bot.engine.calibration import (
    CalibrationReport,
    calibrate_game_lengths,
    calibrate_recordings,
    read_game_lengths,
)
from bot.errors import NothingToCheck, UsageError
from bot.exitcodes import EXIT_OK
from bot.shorten import shorten


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        help="recordings (.jsonl[.gz]), game-length CSVs, or directories of them",
    )
    add_profile_arg(parser)
    add_json_arg(parser)


def run(args: argparse.Namespace) -> int:
    _, profile = load(args)
    missing = [str(p) for p in args.files if not p.exists()]
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(map(str, missing))}")
    files = _expand(args.files)
    if not files:
        where = ", ".join(map(str, args.files))
        raise NothingToCheck(f"nothing to calibrate: no recordings or game-length CSVs in {where}")
    csvs = [p for p in files if p.suffix == ".csv"]
    recs = [p for p in files if p.suffix != ".csv"]
    reports: list[tuple[str, CalibrationReport]] = []
    if recs:
        from bot.feeds.recording import recording_parts

        parts = [part for p in recs for part in (recording_parts(p) or [p])]
        reports.append(("recordings", calibrate_recordings(parts, profile.engine)))
    for p in csvs:
        try:
            lengths = read_game_lengths(p)
        except (KeyError, ValueError, UnicodeDecodeError, csv.Error, OSError) as exc:
            why = f"missing column {exc}" if isinstance(exc, KeyError) else f"{type(exc).__name__}: {exc}"
            raise NothingToCheck(
                shorten(
                    f"nothing to calibrate: {p} is not a game-length CSV with game_key, final_tick ({why})",
                    300,
                )
            ) from None
        reports.append((p.name, calibrate_game_lengths(lengths, profile.engine)))
    if not any(r.observations for _, r in reports):
        if args.json:
            emit_json({name: r.as_dict() for name, r in reports})
        raise NothingToCheck(
            f"nothing to calibrate: no finished game with active ticks in {len(recs)} recording(s) "
            f"and {len(csvs)} CSV(s) ({', '.join(map(str, args.files))})"
        )
    if args.json:
        emit_json({name: r.as_dict() for name, r in reports})
    else:
        _print(reports)
    return EXIT_OK


def _expand(paths: list[Path]) -> list[Path]:
    """Directories become their recordings and CSVs (sorted); files stay as given."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted(
                    f for f in p.iterdir() if f.is_file() and f.name.endswith((".jsonl", ".jsonl.gz", ".csv"))
                )
            )
        else:
            out.append(p)
    return list(dict.fromkeys(out))


def _print(reports: list[tuple[str, CalibrationReport]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for name, r in reports:
        console.print(
            f"[bold]{escape(name)}[/]: {r.games} games, {r.observations} tick observations; "
            f"predicted P(win) {r.predicted:.4f}, realised {r.realised:.4f}; "
            f"Brier {r.brier:.5f} (rules' constant 0.1817: {r.brier_rules:.5f})"
        )
        for title, rows in (("by predicted P(win)", r.by_p), ("by landing tick", r.by_tick)):
            table = Table(title=title)
            for col in ("bin", "n", "predicted", "realised", "wins"):
                table.add_column(col, justify="right")
            for b in rows:
                table.add_row(b.label, str(b.n), f"{b.predicted:.4f}", f"{b.realised:.4f}", str(b.wins))
            console.print(table)
        if r.hazard_bins:
            table = Table(title="rug hazard by tick bin (memoryless rules: 0.005 everywhere)")
            for col in ("ticks", "rugs", "checks at risk", "data only", "posterior", "95 % interval"):
                table.add_column(col, justify="right")
            for h in r.hazard_bins:
                mle = f"{h.mle:.5f}" if h.mle is not None else "—"
                table.add_row(
                    h.label, str(h.rugs), str(h.at_risk), mle, f"{h.mean:.5f}", f"[{h.low:.5f}, {h.high:.5f}]"
                )
            console.print(table)
        console.print(f"[dim]note: {r.note}; unresolved predictions: {r.unresolved}[/]")
