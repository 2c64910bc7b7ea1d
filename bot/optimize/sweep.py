"""Parameter sweeps: a grid over a strategy's declared parameters, each point judged like any other run.

Every grid point on simulated games uses the *same* seed (common random numbers): points differ by the rule,
not by luck of the draw, which makes the ranking far less noisy for the same number of games. The ranking
is still a multiple-comparison trap — the best of K points looks good by chance — so every row carries its
p-value against random timing and the table states the Bonferroni threshold 0.05 / K.

Points are independent: :func:`run_sweep` hands them to bot/optimize/parallel.py (serially, on a local Dask
cluster with ``--jobs``, or on a cluster with ``--scheduler``) and ranks the rows it gets back in grid order,
so the table does not depend on where the points ran.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Profile
from bot.config.sections import StrategyParam
from bot.optimize.metrics import EvidenceReport, evaluate, ticks_for_seconds
from bot.optimize.parallel import run_all

GridPoint = dict[str, StrategyParam]


class SweepError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SweepRow:
    params: GridPoint
    report: EvidenceReport

    def to_dict(self) -> dict[str, Any]:
        r = self.report
        return {
            "params": self.params,
            "bets": r.bets,
            "wins": r.wins,
            "win_rate": r.win_rate,
            "cp_low": r.cp_low,
            "cp_high": r.cp_high,
            "ev_per_bet": r.ev_per_bet,
            "ev_low": r.ev_low,
            "ev_high": r.ev_high,
            "roi": r.roi,
            "profit_lamports": r.profit_lamports,
            "max_drawdown_lamports": r.max_drawdown_lamports,  # within one session
            "sessions": r.sessions,
            "worst_session_pnl_lamports": r.worst_session_pnl_lamports,
            "max_losing_streak": r.max_losing_streak,
            "guard_trips": len(r.guard_trips),
            "baseline_p": r.baseline.p_value if r.baseline else None,
        }


def declared_grid(strategy: str, strategies_dir: Path | None, points: int) -> dict[str, list[StrategyParam]]:
    """Each declared parameter's ``sweep_values`` (the engine's Param declarations)."""
    from bot.engine.strategy import strategy_class

    cls = strategy_class(strategy, strategies_dir)
    return {name: list(p.sweep_values(points)) for name, p in cls.params.items()}


def parse_grid(
    items: Sequence[str], parse_value: Callable[[str], StrategyParam]
) -> dict[str, list[StrategyParam]]:
    grid: dict[str, list[StrategyParam]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        vals = [v for v in values.split(",") if v.strip()]
        if not sep or not name.strip() or not vals:
            raise SweepError(f"--grid {item!r}: expected NAME=V1,V2,...")
        grid[name.strip()] = [parse_value(v.strip()) for v in vals]
    return grid


def expand(
    grid: Mapping[str, Sequence[StrategyParam]], fixed: Mapping[str, StrategyParam]
) -> list[GridPoint]:
    """The cartesian product of the grid, each point completed with the fixed parameters."""
    names = sorted(grid)
    out: list[GridPoint] = []
    for combo in itertools.product(*(grid[n] for n in names)):
        point: GridPoint = dict(fixed)
        point.update(zip(names, combo, strict=True))
        out.append(point)
    return out


@dataclass(frozen=True, slots=True)
class SweepSpec:
    """What every point of a sweep shares: the profile, the games (simulated or recordings), the judging."""

    profile: Profile
    strategy: str
    games: int = 20_000
    seed: int | None = 0
    latency_s: float = 0.22
    files: tuple[Path, ...] = ()
    strategies_dir: Path | None = None
    baseline: bool = True
    replicates: int = 500


def evaluate_point(spec: SweepSpec, point: GridPoint) -> EvidenceReport:
    """One grid point, judged like a ``simulate`` or ``backtest`` run (runs in a Dask worker with --jobs)."""
    lag = ticks_for_seconds(spec.latency_s)
    if spec.files:
        import tempfile

        from bot.optimize.backtest import engine_for, frames_of, run_backtest, scratch_dir

        with tempfile.TemporaryDirectory(prefix="rugsbot-sweep-", dir=scratch_dir()) as tmp:
            res = run_backtest(
                frames_of(list(spec.files)),
                spec.profile,
                db_path=Path(tmp) / "sweep.db",
                strategies_dir=spec.strategies_dir,
                latency_s=spec.latency_s,
                engine=engine_for(spec.profile, spec.strategy, point),
            )
        records = res.records(lag)
    else:
        from bot.optimize.montecarlo import plan_for, records_from_log, simulate

        plan = plan_for(
            spec.profile,
            spec.strategy,
            point,
            games=spec.games,
            seed=spec.seed,
            latency_s=spec.latency_s,
            strategies_dir=spec.strategies_dir,
        )
        records = records_from_log(simulate(plan), plan.lag_ticks)
    return evaluate(
        records, label=str(point), seed=spec.seed, baseline=spec.baseline, replicates=spec.replicates
    )


def run_sweep(
    spec: SweepSpec,
    points: Sequence[GridPoint],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[SweepRow]:
    """Every point's row, in grid order (rank them with :func:`rank`)."""
    reports = run_all(
        evaluate_point, [(spec, p) for p in points], jobs=jobs, scheduler=scheduler, on_done=on_done
    )
    return [SweepRow(dict(p), r) for p, r in zip(points, reports, strict=True)]


def rank(rows: list[SweepRow], key: str = "ev_per_bet") -> list[SweepRow]:
    """Best first; rows without bets last (a rule that never bets has no EV to rank)."""

    def sort_key(r: SweepRow) -> tuple[int, float]:
        return (0 if r.report.bets else 1, -float(getattr(r.report, key)))

    return sorted(rows, key=sort_key)


def print_table(rows: list[SweepRow], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    k = len(rows)
    table = Table(
        title=title,
        caption=f"{k} grid points: a p-value must be < {0.05 / max(k, 1):.4f} "
        "(Bonferroni) before any row counts as evidence",
    )
    for col in (
        "#",
        "params",
        "bets",
        "win rate [95% CI]",
        "EV/bet [95% CI]",
        "P&L SOL",
        "max DD/session",
        "p vs random",
    ):
        table.add_column(col, justify="left" if col == "params" else "right")
    for i, row in enumerate(rows, 1):
        r = row.report
        params = ", ".join(f"{k}={v}" for k, v in sorted(row.params.items()))
        table.add_row(
            str(i),
            params,
            f"{r.bets:,}",
            f"{r.win_rate:.4f} [{r.cp_low:.3f}, {r.cp_high:.3f}]",
            f"{r.ev_per_bet * 100:+.1f}% [{r.ev_low * 100:+.1f}, {r.ev_high * 100:+.1f}]",
            f"{r.profit_lamports / 1e9:+.4f}",
            f"{r.max_drawdown_lamports / 1e9:.4f}",
            "-" if r.baseline is None else f"{r.baseline.p_value:.3f}",
        )
    import sys

    Console(width=None if sys.stdout.isatty() else 160).print(table)
