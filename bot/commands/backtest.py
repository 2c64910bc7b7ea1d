"""``rugsbot backtest``: recordings through the same session, engine, governor and provably-fair auditor, with
the replay broker.

Every alarm raised to the governor is reported (``alarms`` in ``--json``: ``{kind, reason, game, t}``; one line
each in the text output): the first one is where a live run on these frames would have halted, and the
provably-fair verdict per game is ``rugsbot verify``'s (one auditor, bot/fair/auditor.py).

Exit codes (bot/exitcodes.py): 0 done (alarms or not: ``verify`` is the check that fails) · 1 nothing to
backtest (no frame could be read) · 2 a path that does not exist, a bad argument or strategy parameter.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import asdict
from pathlib import Path

from bot.commands import argtypes, cliargs
from bot.commands.cliargs import quiet_logs
from bot.commands.common import add_profile_arg, emit_json, load
from bot.exitcodes import EXIT_OK
from bot.optimize.backtest import BacktestResult, engine_for, frames_of, run_backtest, scratch_dir
from bot.optimize.metrics import evaluate, ticks_for_seconds
from bot.report.summary import print_summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    cliargs.add_strategy_args(parser)
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="recordings (.jsonl / .jsonl.gz) or folders of them",
    )
    parser.add_argument(
        "--latency",
        type=argtypes.latency_s,
        default=None,
        help="seconds from decision to landing (default: the profile's timing.click_latency_s)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help="keep the backtest's database here (default: a temporary file; never the live DB)",
    )
    parser.add_argument("--seed", type=argtypes.seed, default=0, help="seed of the random-entry bootstrap")
    cliargs.add_output_args(parser)


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    quiet_logs()
    files = cliargs.recordings(args.files)
    overrides = cliargs.parse_assignments(args.param)
    if args.strategy is None and not overrides:
        engine = profile.engine
        name = ",".join(s.name for s in engine.strategies)
        params: dict[str, object] = {}
    else:
        name, full = cliargs.strategy_choice(profile, args.strategy, overrides)
        cliargs.check_strategy(name, full, settings.strategies_dir)
        engine = engine_for(profile, name, full)
        params = dict(full)
    latency = args.latency if args.latency is not None else profile.timing.click_latency_s
    with tempfile.TemporaryDirectory(prefix="rugsbot-backtest-", dir=scratch_dir()) as tmp:
        db = args.db if args.db is not None else Path(tmp) / "backtest.db"
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        size = sum(p.stat().st_size for p in files)
        with Progress(
            TextColumn("backtest"),
            BarColumn(),
            TextColumn("{task.fields[frames]:,} frames"),
            TimeElapsedColumn(),
            transient=True,
            disable=args.json or size < 5_000_000,
        ) as progress:
            task = progress.add_task("frames", total=None, frames=0)

            def counted(frames):
                for i, fr in enumerate(frames, 1):
                    if i % 2000 == 0:
                        progress.update(task, frames=i)
                    yield fr

            result = run_backtest(
                counted(frames_of(files)),
                profile,
                db_path=db,
                strategies_dir=settings.strategies_dir,
                latency_s=latency,
                engine=engine,
            )
    report = evaluate(
        result.records(ticks_for_seconds(latency)),
        label=f"backtest {name}",
        seed=args.seed,
        baseline=not args.no_baseline,
        meta=_meta(result, args, name, params, latency, profile.name),
    )
    data = report.to_dict()
    data["bet_list"] = [asdict(b) for b in result.bets]
    data["alarms"] = [asdict(a) for a in result.alarms]
    if args.out is not None:
        cliargs.write_result(args.out, data)
    if args.json:
        data.pop("series")
        emit_json(data)
    else:
        print_summary(report)
        print(
            f"frames {result.frames:,}, ticks {result.ticks:,}, games {result.games}, decisions {result.decisions:,}, "
            f"{result.ticks / max(result.elapsed_s, 1e-9):,.0f} ticks/s"
        )
        _print_alarms(result)
    return EXIT_OK


def _print_alarms(result: BacktestResult, shown: int = 10) -> None:
    if not result.alarms:
        print("alarms: none")
        return
    print(f"alarms: {len(result.alarms)} (a live run would have halted at the first)")
    for a in result.alarms[:shown]:
        print(f"  {a.kind} game {a.game or '?'}: {a.reason}")
    if len(result.alarms) > shown:
        print(f"  … {len(result.alarms) - shown} more (--json lists them all)")


def _meta(
    result: BacktestResult,
    args: argparse.Namespace,
    name: str,
    params: dict[str, object],
    latency: float,
    profile: str,
) -> dict[str, object]:
    return {
        "command": "backtest",
        "strategy": name,
        "params": params,
        "files": [str(p) for p in args.files],
        "latency_s": latency,
        "profile": profile,
        "frames": result.frames,
        "ticks": result.ticks,
        "decisions": result.decisions,
        "elapsed_s": round(result.elapsed_s, 3),
        "session": result.session_id,
        "no_bet_reasons": result.no_bet_reasons,
    }
