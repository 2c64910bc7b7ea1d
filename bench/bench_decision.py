"""Latency of the engine's per-tick work: ``ProbabilityModel.estimate`` + ``Decider.decide``.

Views come from the real capture replayed through the real GameTracker (every active tick), so the numbers
include realistic timing stats and phases. Two strategy sets: the default (ev_threshold) and all five built-ins.
Also measured: ``observe_game`` plus the first estimate after it (the posterior interval is recomputed then).

    .venv/bin/python bench/bench_decision.py [--repeat N] [--write docs/bench/engine.md]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from bench_sections import load_average, measured_line

from bot.config.sections import EngineConfig, StrategySpec
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.engine.types import LedgerView, Snapshot
from bot.feeds.recording import iter_frames
from bot.game.signals import TickAdvanced
from bot.game.state import AccountView, FinishedGame, GameView, Phase
from bot.game.tracker import GameTracker
from bot.money import SOL_MINT

ROOT = Path(__file__).resolve().parents[1]
CAPTURE = ROOT / "tests" / "fixtures" / "real" / "captures" / "2025-12-12_17-16-58_raw.frames.jsonl.gz"

ALL = [
    StrategySpec(name="ev_threshold"),
    StrategySpec(name="fixed", params={"max_bets_per_game": 5}),
    StrategySpec(name="kelly"),
    StrategySpec(name="martingale"),
    StrategySpec(name="late_game", params={"min_tick": 50}),
]


def real_views() -> list[tuple[GameView, float]]:
    tracker = GameTracker()
    out = []
    for fr in iter_frames([CAPTURE]):
        for sig in tracker.on_frame(fr.t, fr.dir, fr.frame):
            if isinstance(sig, TickAdvanced) and tracker.view.phase is Phase.ACTIVE:
                out.append((tracker.view, fr.t))
    return out


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def measure(
    specs: list[StrategySpec], views: list[tuple[GameView, float]], repeat: int
) -> dict[str, list[float]]:
    config = EngineConfig(strategies=specs)
    model = ProbabilityModel(config)
    decider = Decider(config)
    ledger = LedgerView(bankroll_lamports=1_000_000_000)
    account = AccountView()
    est_us: list[float] = []
    dec_us: list[float] = []
    both_us: list[float] = []
    model.estimate(views[0][0], now=views[0][1])  # warm the cached interval
    for _ in range(repeat):
        for view, t in views:
            t0 = time.perf_counter_ns()
            est = model.estimate(view, now=t)
            t1 = time.perf_counter_ns()
            decider.decide(Snapshot(view, est, ledger, account, t, SOL_MINT))
            t2 = time.perf_counter_ns()
            est_us.append((t1 - t0) / 1e3)
            dec_us.append((t2 - t1) / 1e3)
            both_us.append((t2 - t0) / 1e3)
    return {"estimate": est_us, "decide": dec_us, "estimate+decide": both_us}


def measure_observe(views: list[tuple[GameView, float]], n: int) -> list[float]:
    model = ProbabilityModel(EngineConfig())
    view, t = views[0]
    out = []
    for i in range(n):
        t0 = time.perf_counter_ns()
        model.observe_game(FinishedGame(f"g{i}", 150 + i % 100, 1.0, 0.0, 0, True, "v3"))
        model.estimate(view, now=t)
        out.append((time.perf_counter_ns() - t0) / 1e3)
    return out


def calibration_section() -> list[str]:
    """Not a latency: the honesty check the engine's numbers rest on, recorded next to them."""
    from bot.engine.calibration import calibrate_game_lengths, calibrate_recordings, read_game_lengths

    csv_path = ROOT / "tests" / "fixtures" / "real" / "games" / "game_lengths.csv"
    games = read_game_lengths(csv_path)
    model = ProbabilityModel(EngineConfig(prior_games=1.0, drift_alarm=False))
    for gid, final in games:
        model.observe_game(FinishedGame(gid, final, 1.0, 0.0, 0, True, "v3"))
    post = model.hazard_posterior()
    est = model.estimate(GameView("x", Phase.ACTIVE, 100, 1.0, 0.0, 0.0, "v3"))
    drift_model = ProbabilityModel(EngineConfig())
    for gid, final in games:
        drift_model.observe_game(FinishedGame(gid, final, 1.0, 0.0, 0, True, "v3"))
    gl = calibrate_game_lengths(games, EngineConfig())
    rec = calibrate_recordings(sorted((ROOT / "tests" / "fixtures" / "real" / "captures").glob("*.jsonl.gz")))
    out = [
        "### Engine: the probability model on real data",
        "",
        f"- {len(games)} distinct real games (`tests/fixtures/real/games/game_lengths.csv`), weak prior (1 game): "
        f"hazard {post.mean:.5f}/tick, 95 % interval [{post.low:.5f}, {post.high:.5f}] (rules: 0.005); "
        f"P(win) {est.p_win:.4f} [{est.p_low:.4f}, {est.p_high:.4f}] (rules: 0.1817); zone: {est.zone.value}.",
        f"- Drift test (two-sided CUSUM, δ = 25 %, threshold 9.2 nats) over the same games: "
        f"alarm = {drift_model.drift.alarm}, statistic {drift_model.drift.statistic:.2f}.",
        f"- Calibration by landing tick, every landing tick of every game ({gl.observations} observations, "
        f"{gl.games} games): predicted {gl.predicted:.4f}, realised {gl.realised:.4f}, Brier {gl.brier:.5f}:",
        "",
        "| landing tick | n | predicted | realised |",
        "|---|---:|---:|---:|",
        *[f"| {b.label} | {b.n} | {b.predicted:.4f} | {b.realised:.4f} |" for b in gl.by_tick],
        "",
        f"- The two real captures through the real tracker: {rec.games} games, {rec.observations} tick "
        f"observations, predicted {rec.predicted:.4f}, realised {rec.realised:.4f} (too few games to mean much).",
        "",
    ]
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--write", type=Path, default=None)
    args = ap.parse_args()
    views = real_views()
    load_start = load_average()
    rows = []
    for label, specs in (
        ("default (ev_threshold)", [StrategySpec(name="ev_threshold")]),
        ("all 5 built-ins", ALL),
    ):
        for part, xs in measure(specs, views, args.repeat).items():
            rows.append((label, part, len(xs), statistics.median(xs), pct(xs, 0.99), max(xs)))
    obs = measure_observe(views, 300)
    rows.append(
        ("—", "observe_game + next estimate", len(obs), statistics.median(obs), pct(obs, 0.99), max(obs))
    )

    lines = [
        "## Engine: estimate + decide latency",
        "",
        f"`bench/bench_decision.py --repeat {args.repeat}` on {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}. {measured_line(load_start)} Inputs: the "
        f"{len(views)} active-tick views of the real capture `2025-12-12_17-16-58_raw` replayed through the real "
        "`GameTracker`, × repeat. Times per call in microseconds (`time.perf_counter_ns`).",
        "",
        "| strategies | part | calls | p50 µs | p99 µs | max µs |",
        "|---|---|---:|---:|---:|---:|",
        *[f"| {a} | {b} | {n} | {p50:.1f} | {p99:.1f} | {mx:.1f} |" for a, b, n, p50, p99, mx in rows],
        "",
        "Target: p99 of estimate + decide < 1 ms. `observe_game` runs once per game (off the tick path); the first",
        "estimate after it recomputes the Beta credible interval exactly (bisection on the incomplete beta).",
        "The max column is dominated by the OS scheduler on this shared machine (other jobs preempt the process);",
        "p50/p99 are the engine's own cost.",
        "",
    ]
    lines += calibration_section()
    text = "\n".join(lines)
    print(text)
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
