"""Command-line pieces shared by simulate, backtest and sweep: strategy choice, parameters, output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.commands import argtypes
from bot.config import ConfigError, Profile
from bot.config.sections import StrategyParam
from bot.errors import NothingToCheck, UsageError
from bot.shorten import shorten


def add_strategy_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--strategy", "-s", default=None, help="strategy name (default: the profile's first)")
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a strategy parameter (repeatable)",
    )


def add_output_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--out", type=Path, default=None, help="write the full result (JSON) for `rugsbot report`"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the random-entry bootstrap")


def add_parallel_args(parser: argparse.ArgumentParser, what: str) -> None:
    """``--jobs`` / ``--scheduler``: where the independent pieces of work run (bot/optimize/parallel.py)."""
    parser.add_argument(
        "--jobs",
        "-j",
        type=argtypes.positive_int,
        default=1,
        help=f"run {what} on a local Dask cluster of this many worker processes (results do not change)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help=f"run {what} on the Dask cluster behind this scheduler (workers need rugsbot installed)",
    )


def parse_value(text: str) -> StrategyParam:
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_assignments(items: list[str]) -> dict[str, StrategyParam]:
    out: dict[str, StrategyParam] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError("--param", item, "expected NAME=VALUE")
        out[name.strip()] = parse_value(value)
    return out


def strategy_choice(
    profile: Profile, name: str | None, overrides: Mapping[str, StrategyParam]
) -> tuple[str, dict[str, StrategyParam]]:
    """The strategy and its params: the profile's spec of that name, then command-line overrides."""
    specs = profile.engine.strategies
    if name is None:
        if not specs:
            raise ConfigError("--strategy", "-", "the profile names no strategy; pass --strategy")
        name = specs[0].name
    params: dict[str, StrategyParam] = {}
    for spec in specs:
        if spec.name == name:
            params.update(spec.params)
            break
    params.update(overrides)
    return name, params


def check_strategy(name: str, params: Mapping[str, StrategyParam], strategies_dir: Path) -> None:
    """Build the strategy once: an unknown name or a parameter of the wrong type or outside its declared bounds
    is a :class:`~bot.engine.params.StrategyError` (exit 2) before any game is generated or read."""
    from bot.engine.strategy import make_strategy

    make_strategy(name, params, strategies_dir)


def recordings(paths: list[Path]) -> list[Path]:
    """The recording files ``paths`` name (a folder: its recordings; a file: it and its rotated parts).

    Raises :class:`UsageError` for a path that does not exist and :class:`NothingToCheck` when no frame can be
    read from any of them (empty, not a recording, a corrupt gzip, a folder without recordings), naming why.
    """
    from bot.feeds.parts import recording_groups
    from bot.feeds.recording import RecordingReader

    groups, missing = recording_groups(paths)
    if missing:
        raise UsageError(f"no such file or directory: {', '.join(missing)}")
    files = [f for group in groups for f in group]
    if not files:
        raise NothingToCheck(f"no recordings (.jsonl, .jsonl.gz) in {', '.join(map(str, paths))}")
    why = ""
    for f in files:
        reader = RecordingReader(f)
        if next(iter(reader), None) is not None:
            return files
        if not why:
            ln, problem = reader.bad_lines[0] if reader.bad_lines else (0, "empty")
            why = f"{f}{f', line {ln}' if ln else ''}: {problem}"
    raise NothingToCheck(f"not a recording: no frame could be read ({shorten(why, 200)})")


def write_result(path: Path, data: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True, default=str), encoding="utf-8")


def quiet_logs(level: str = "WARNING") -> None:
    """Backtests and sweeps replay thousands of decisions: keep the console for warnings and the result."""
    import sys

    from loguru import logger

    logger.remove()
    logger.add(sys.stderr, level=level)
