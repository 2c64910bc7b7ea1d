"""``simulate --session``: a plan's generated games as frames through the whole trading loop.

The reference the other runners answer to: the same games (same seeds, same sessions) become
``gameStateUpdate`` frames (bot/feeds/generated.py) and go through tracker, model, Decider, governor, paper
broker and a SQLite database, as a backtest of a recording does (bot/optimize/backtest.py). One backtest per
session, each with its own database: a fresh account, as in the other runners. About 30 games/s.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.config import Profile
from bot.feeds.generated import session_frames
from bot.optimize.backtest import BacktestResult, run_backtest, scratch_dir
from bot.optimize.betlog import BetLog
from bot.optimize.montecarlo import SimPlan, session_games


@dataclass(frozen=True, slots=True)
class LoopRun:
    log: BetLog
    results: list[BacktestResult]

    @property
    def ticks(self) -> int:
        return sum(r.ticks for r in self.results)

    @property
    def elapsed_s(self) -> float:
        return sum(r.elapsed_s for r in self.results)

    def no_bet_reasons(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            for why, n in r.no_bet_reasons.items():
                out[why] = out.get(why, 0) + n
        return dict(sorted(out.items(), key=lambda kv: -kv[1])[:12])


def run_through_loop(plan: SimPlan, profile: Profile) -> LoopRun:
    """Every session of ``plan`` through a trading loop built from ``profile`` with the plan's engine, timing
    and guards. Raises ``ValueError`` for a plan without games."""
    s = plan.setup
    profile = profile.model_copy(update={"engine": s.engine, "timing": s.timing, "guards": s.guards})
    parts: list[BetLog] = []
    results: list[BacktestResult] = []
    for index in range(len(plan.sessions())):
        rug, timeline, prices = session_games(plan, index)
        games = prices()
        with tempfile.TemporaryDirectory(prefix="rugsbot-simulate-", dir=scratch_dir()) as tmp:
            res = run_backtest(
                session_frames(games, timeline),
                profile,
                db_path=Path(tmp) / "sim.db",
                strategies_dir=s.strategies_dir,
                latency_s=s.latency_s,
            )
        results.append(res)
        rows = []
        for b in res.settled():
            g = int(b.game.split("-")[1], 16)
            start = b.start_tick if b.start_tick is not None else -1
            end = start + 41 if b.status == "lost" else int(rug[g])
            rows.append(
                (
                    g,
                    b.decided_tick,
                    start,
                    int(rug[g]),
                    b.amount_lamports,
                    b.status == "won",
                    timeline.tick_t(g, b.decided_tick),
                    timeline.tick_t(g, min(end, int(rug[g]))),
                )
            )
        parts.append(
            BetLog.from_rows(rows, rug, s.starting_bankroll_lamports, guard_trips=tuple(res.guard_trips))
        )
    return LoopRun(BetLog.concat(parts), results)
