"""Parameter sweeps: a grid over a strategy's declared parameters, each point judged like any other run.

Every grid point on simulated games uses the *same* seed (common random numbers): points differ by the rule,
not by luck of the draw, which makes the ranking far less noisy for the same number of games. The ranking
is still a multiple-comparison trap — the best of K points looks good by chance — so every row carries its
p-value against random timing and the table states the Bonferroni threshold 0.05 / K.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config.sections import StrategyParam
from bot.optimize.metrics import EvidenceReport

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
            "max_drawdown_lamports": r.max_drawdown_lamports,
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


def shard(points: list[GridPoint], spec: str | None) -> list[GridPoint]:
    """``I/N``: every N-th point from I — for GNU parallel / a job array; merge with ``--merge``."""
    if spec is None:
        return points
    try:
        i_text, n_text = spec.split("/")
        i, n = int(i_text), int(n_text)
    except ValueError:
        raise SweepError(f"--shard {spec!r}: expected I/N, e.g. 0/4") from None
    if not 0 <= i < n:
        raise SweepError(f"--shard {spec!r}: need 0 <= I < N")
    return points[i::n]


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
        "max DD SOL",
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
