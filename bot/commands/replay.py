"""``rugsbot replay FILE...``: run recordings through the codec and the tracker and say what was seen.

This is the first thing to run on a new recording (or after a site update): it shows whether every
frame still decodes, which events arrive, which games were seen from their start (usable for hazard
estimates) and how regular the ticks were — using exactly the code the live bot runs.

Each file gets its own tracker (separate recordings are separate feeds; a file that ends mid-game must
not make the next file's first frame look like a rug) unless ``--continuous`` says the files are the
rotated parts of one recording.

Exit codes: 0 replayed · 1 nothing to replay (no recording in a folder, no frame could be read: one line on
stderr and no table), a file that cannot be opened, an internal error, or with ``--strict`` any damage ·
2 a path that does not exist.
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bot.commands import cliargs
from bot.commands.common import add_json_arg, emit_json
from bot.errors import NothingToCheck
from bot.exitcodes import EXIT_CHECK_FAILED, EXIT_OK
from bot.feeds.parts import RECORDING_SUFFIXES, part_order
from bot.feeds.recording import RecordingReader
from bot.game.signals import GameRugged, PhaseChanged, Signal
from bot.game.state import TickTiming
from bot.game.tracker import GameTracker


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="recordings (.jsonl or .jsonl.gz); a directory means every recording in it",
    )
    parser.add_argument(
        "--continuous",
        action="store_true",
        help="the files are consecutive parts of one recording: one tracker for all",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if any frame is undecodable/invalid, shows protocol drift, or any recording line is bad",
    )
    add_json_arg(parser)


@dataclass(slots=True)
class GameSummary:
    game_id: str
    phases: list[tuple[str, float]] = field(default_factory=list)  # (phase, receive time)
    rug_tick: int | None = None
    first_tick_seen: int | None = None
    complete: bool = False
    peak: float | None = None


@dataclass(slots=True)
class FileSummary:
    path: str
    frames_read: int = 0
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    header: dict[str, Any] | None = None
    counters: dict[str, Any] = field(default_factory=dict)
    games: list[GameSummary] = field(default_factory=list)
    timing: dict[str, Any] = field(default_factory=dict)
    signals: dict[str, int] = field(default_factory=dict)  # what the tracker emitted, by signal type
    first_t: float | None = None
    last_t: float | None = None


class _Collector:
    """Feeds one tracker and keeps the per-game timeline the report needs."""

    def __init__(self) -> None:
        self.tracker = GameTracker()
        self.games: dict[str, GameSummary] = {}
        self.signals: Counter[str] = Counter()

    def feed(self, t: float, direction: str, frame: str) -> None:
        self._record(self.tracker.on_frame(t, direction, frame))

    def end(self) -> None:
        self._record(self.tracker.flush())

    def _record(self, signals: list[Signal]) -> None:
        for sig in signals:
            self.signals[type(sig).__name__] += 1
            if isinstance(sig, PhaseChanged) and sig.game_id is not None:
                self._game(sig.game_id).phases.append((sig.new.value, sig.t))
            elif isinstance(sig, GameRugged):
                g = self._game(sig.game.game_id)
                g.rug_tick = sig.game.rug_tick
                g.first_tick_seen = sig.game.first_tick_seen
                g.complete = sig.game.complete
                g.peak = sig.game.peak

    def _game(self, gid: str) -> GameSummary:
        g = self.games.get(gid)
        if g is None:
            g = self.games[gid] = GameSummary(gid)
        return g

    def timing(self) -> dict[str, Any]:
        t: TickTiming = self.tracker.view.timing
        return asdict(t)


def replay_files(paths: list[Path], *, continuous: bool = False) -> list[FileSummary]:
    """Run the files through codec + tracker; one summary per file (or one for all with ``continuous``)."""
    out: list[FileSummary] = []
    collector = _Collector()
    summary = FileSummary(" + ".join(str(p) for p in paths)) if continuous else None
    for path in paths:
        if not continuous:
            collector = _Collector()
            summary = FileSummary(str(path))
        assert summary is not None
        reader = RecordingReader(path)
        for f in reader:
            if summary.first_t is None:
                summary.first_t = f.t
            summary.last_t = f.t
            collector.feed(f.t, f.dir, f.frame)
        summary.frames_read += reader.frames_read
        summary.bad_lines.extend(
            (ln, f"{path.name}: {why}") if continuous else (ln, why) for ln, why in reader.bad_lines
        )
        if summary.header is None:
            summary.header = reader.header
        if not continuous:
            _finish(summary, collector)
            out.append(summary)
    if continuous and summary is not None:
        _finish(summary, collector)
        out.append(summary)
    return out


def _finish(summary: FileSummary, collector: _Collector) -> None:
    collector.end()
    summary.counters = collector.tracker.counters.as_dict()
    summary.games = list(collector.games.values())
    summary.timing = collector.timing()
    summary.signals = dict(sorted(collector.signals.items()))


def _totals(files: list[FileSummary]) -> dict[str, Any]:
    events: Counter[str] = Counter()
    tot: Counter[str] = Counter()
    for f in files:
        c = f.counters
        events.update(c["events"])
        tot["frames"] += f.frames_read
        tot["frames_in"] += c["frames_in"]
        tot["frames_out"] += c["frames_out"]
        tot["undecodable"] += sum(c["undecodable"].values())
        tot["invalid"] += sum(c["invalid"].values())
        tot["unknown"] += sum(c["unknown"].values())
        tot["dropped"] += sum(c["dropped"].values())
        tot["drift"] += c["drift"]["total"]
        tot["bad_lines"] += len(f.bad_lines)
        tot["games_finished"] += sum(1 for g in f.games if g.rug_tick is not None)
        tot["games_complete"] += sum(1 for g in f.games if g.complete)
        tot["internal_errors"] += c["internal_errors"]
    return {**dict(tot), "events": dict(events)}


def expand(paths: list[Path]) -> list[Path]:
    """Directories become their recordings, sorted by name (rotated parts sort after their first file)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(
                sorted((x for x in p.iterdir() if x.name.endswith(RECORDING_SUFFIXES)), key=part_order)
            )
        else:
            out.append(p)
    return out


def run(args: argparse.Namespace) -> int:
    # a missing path: 2; nothing readable in any of them: 1 (one line each)
    try:
        cliargs.recordings(list(args.files))
    except NothingToCheck as exc:
        why = f"nothing to replay: {exc}"
        if args.json:  # a JSON reader still gets the (empty) result, and why
            emit_json({"files": [], "totals": {}, "nothing_to_replay": why})
        raise NothingToCheck(why, hint=exc.hint) from None
    files = replay_files(expand(list(args.files)), continuous=args.continuous)
    totals = _totals(files)
    nothing = _nothing(files) if totals.get("frames", 0) == 0 else ""
    if args.json:
        emit_json({"files": [asdict(f) for f in files], "totals": totals, "nothing_to_replay": nothing})
    elif not nothing:
        _print_human(files, totals)
    if nothing:
        raise NothingToCheck(f"nothing to replay: {nothing}")
    unreadable = any(ln == 0 for f in files for ln, _ in f.bad_lines)
    if unreadable or totals.get("internal_errors", 0):
        return EXIT_CHECK_FAILED
    if args.strict and (
        totals.get("undecodable", 0)
        or totals.get("invalid", 0)
        or totals.get("drift", 0)
        or totals.get("bad_lines", 0)
    ):
        return EXIT_CHECK_FAILED
    return EXIT_OK


def _nothing(files: list[FileSummary]) -> str:
    """Why no frame was read, in one line (the first bad line of the first file that has one)."""
    first = next((f for f in files if f.bad_lines), None)
    if first is None:
        return f"no frame in {len(files)} file(s) (empty)"
    ln, why = first.bad_lines[0]
    return f"not a recording: no frame could be read ({first.path}, line {ln}: {why})"


# ------------------------------------------------------------------ human output


def _print_human(files: list[FileSummary], totals: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(markup=False)  # event names, paths and bad lines come from the file: never markup
    for f in files:
        c = f.counters
        span = (f.last_t - f.first_t) if f.first_t is not None and f.last_t is not None else 0.0
        console.rule(Text(f.path, style="bold"))
        feed = Table(title="feed", show_header=False)
        feed.add_column("what")
        feed.add_column("count", justify="right")
        rows: list[tuple[str, Any]] = [
            ("frames (in / out)", f"{f.frames_read} ({c['frames_in']} / {c['frames_out']})"),
            ("span", f"{span:.1f} s"),
            ("bad recording lines", len(f.bad_lines)),
            ("undecodable", _fmt_counter(c["undecodable"])),
            ("invalid", _fmt_counter(c["invalid"])),
            ("unknown events", _fmt_counter(c["unknown"])),
            ("duplicates / out of order", f"{c['duplicates']} / {c['out_of_order']}"),
            ("stale frames (old game)", c["stale_frames"]),
            ("dropped frames", _fmt_counter(c["dropped"])),
            ("cooldown frames saying rugged (May 2025)", c["rugged_cooldown"]),
            ("protocol drift", _fmt_counter(c["drift"]["counts"])),
            ("backfilled ticks", c["backfilled_ticks"]),
            ("history frames", c["history_frames"]),
            ("connects / disconnects", f"{c['connects']} / {c['disconnects']}"),
            ("rugs inferred from a new gameId", c["inferred_rugs"]),
        ]
        for k, v in rows:
            feed.add_row(k, str(v))
        console.print(feed)
        for ln, why in f.bad_lines[:10]:
            console.print(f"  bad line {ln}: {why}")
        for sample in c["drift"]["samples"][:10]:
            console.print(
                f"  drift {sample['event']}.{sample['field']} ({sample['kind']}: {sample['detail']}): "
                f"{sample['sample']}",
                markup=False,
            )
        ev = Table(title="events by name")
        ev.add_column("event")
        ev.add_column("in", justify="right")
        ev.add_column("out", justify="right")
        names = sorted(set(c["events"]) | set(c["events_out"]))
        for n in names:
            ev.add_row(n, str(c["events"].get(n, "")), str(c["events_out"].get(n, "")))
        console.print(ev)
        console.print("signals: " + ", ".join(f"{k} {v}" for k, v in f.signals.items()))
        games = Table(title="games")
        games.add_column("game", no_wrap=True)
        for col in ("seen", "final tick", "peak", "phases"):
            games.add_column(col)
        t0 = f.first_t or 0.0
        for g in f.games:
            seen = (
                ("complete" if g.complete else f"partial (from tick {g.first_tick_seen})")
                if g.rug_tick is not None
                else "unfinished"
            )
            phases = " → ".join(f"{p}@{t - t0:.1f}s" for p, t in g.phases)
            games.add_row(
                g.game_id,
                seen,
                "" if g.rug_tick is None else str(g.rug_tick),
                "" if g.peak is None else f"{g.peak:.3f}",
                phases,
            )
        console.print(games)
        tm = f.timing
        console.print(
            f"tick gaps: n={tm['samples']} ewma={tm['ewma_s'] * 1000:.0f} ms jitter={tm['jitter_s'] * 1000:.0f} ms "
            f"p50={tm['p50_s'] * 1000:.0f} ms p99={tm['p99_s'] * 1000:.0f} ms max={tm['max_s'] * 1000:.0f} ms "
            f"stalls(>1s)={tm['stalls']}"
        )
    if len(files) > 1:
        console.rule(Text("total", style="bold"))
        console.print(
            f"frames {totals.get('frames', 0)} · undecodable {totals.get('undecodable', 0)} · "
            f"invalid {totals.get('invalid', 0)} · drift {totals.get('drift', 0)} · "
            f"dropped {totals.get('dropped', 0)} · bad lines {totals.get('bad_lines', 0)} · "
            f"games finished {totals.get('games_finished', 0)} (complete {totals.get('games_complete', 0)})"
        )


def _fmt_counter(c: dict[str, int]) -> str:
    if not c:
        return "0"
    return f"{sum(c.values())} (" + ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) + ")"
