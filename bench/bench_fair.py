"""Benchmark of the provably-fair code: how fast can we regenerate and audit games in pure Python?

Why it matters: the simulator generates every game with this code, and the live auditor must finish a
~300 KB ``gameHistory`` frame well inside the 15 s cooldown, off the tick path.

Usage: ``.venv/bin/python bench/bench_fair.py [--games N] [--markdown docs/bench/fair.md]``
"""

from __future__ import annotations

import argparse
import gzip
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_sections import load_average, measured_line  # noqa: E402

from bot.fair.audit import Auditor, verify_history_game  # noqa: E402
from bot.fair.generator import SeedRandom, generate_prices  # noqa: E402
from bot.protocol.events import GameStateUpdate, decode_event  # noqa: E402
from bot.protocol.frames import Packet, decode  # noqa: E402

GAMES = ROOT / "tests" / "fixtures" / "real" / "games" / "verified_games_v3.json"
CAPTURE = ROOT / "tests" / "fixtures" / "real" / "captures" / "2025-12-12_17-16-58_raw.frames.jsonl.gz"


def _best(fn: Callable[[], object], repeat: int = 5) -> float:
    """Best CPU time of ``repeat`` runs: the machine is shared, so wall time mostly measures the neighbours."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--games", type=int, default=500)
    ap.add_argument("--markdown", type=Path, default=None)
    args = ap.parse_args()
    load_start = load_average()

    rows: list[tuple[str, str, str]] = []

    rng = SeedRandom("bench")
    n_draws = 200_000
    dt = _best(lambda: [rng() for _ in range(n_draws)])
    rows.append(("seedrandom draws", f"{n_draws:,}", f"{n_draws / dt:,.0f} draws/s"))

    dt = _best(lambda: [SeedRandom(f"seed-{k}") for k in range(2000)])
    rows.append(
        ("seedrandom construction (key schedule + 256 dropped)", "2,000", f"{dt / 2000 * 1e6:.0f} µs each")
    )

    ticks = 0

    def gen() -> None:
        nonlocal ticks
        ticks = sum(generate_prices("bench-seed", f"game-{k}").rug_index + 1 for k in range(args.games))

    dt = _best(gen)
    rows.append(
        (
            "generate_prices v3",
            f"{args.games:,} games ({ticks:,} ticks)",
            f"{args.games / dt:,.0f} games/s · {ticks / dt:,.0f} ticks/s",
        )
    )

    import msgspec

    from bot.protocol.events import HistoryGame

    games = msgspec.json.decode(GAMES.read_bytes(), type=list[HistoryGame])
    wire_ticks = sum(len(g.prices or []) for g in games)
    dt = _best(lambda: [verify_history_game(g) for g in games])
    rows.append(
        (
            "verify_history_game (23 real games)",
            f"{wire_ticks:,} wire prices",
            f"{dt * 1000:.1f} ms total · {dt / len(games) * 1000:.2f} ms/game",
        )
    )

    frames = []
    with gzip.open(CAPTURE, "rt", encoding="utf-8") as fh:
        import json

        for line in fh:
            rec = json.loads(line)
            if '"gameHistory"' in rec["frame"]:
                packet = decode(rec["frame"])
                assert isinstance(packet, Packet)
                event = decode_event(packet)
                assert isinstance(event, GameStateUpdate)
                frames.append(event.game_history)
    sizes = [len(f) for f in frames]

    def audit_frame() -> None:
        Auditor().feed_raw(frames[0])

    dt = _best(audit_frame)
    rows.append(
        (
            "Auditor.feed_raw, one real gameHistory frame (10 games + side bets)",
            f"{sizes[0] / 1024:.0f} KB",
            f"{dt * 1000:.1f} ms",
        )
    )

    def audit_repeat() -> None:
        a = Auditor()
        for f in frames:
            a.feed_raw(f)
        for f in frames:  # the same frames again: dedupe path
            a.feed_raw(f)

    dt = _best(audit_repeat)
    rows.append(
        (
            "Auditor, 4 real history frames fed twice (dedupe)",
            f"{sum(sizes) * 2 / 1024:.0f} KB",
            f"{dt * 1000:.1f} ms",
        )
    )

    import contextlib
    import io

    from bot.cli import main as cli_main

    captures = sorted((ROOT / "tests" / "fixtures" / "real" / "captures").glob("*.jsonl.gz"))

    def cli() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli_main(["verify", "--json", *map(str, captures)]) == 0

    dt = _best(cli)
    rows.append(
        (
            "`rugsbot verify --json` over both real captures",
            "973 frames, 23 games, 1,071 side bets",
            f"{dt * 1000:.0f} ms",
        )
    )

    lines = [
        "## Provably fair (bot/fair/generator.py, bot/fair/audit.py, rugsbot verify)",
        "",
        f"`bench/bench_fair.py` on {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.machine()}. {measured_line(load_start)} Best CPU time "
        "(`time.process_time`) of 5 runs. Pure Python: seedrandom's ARC4 is inlined in the draw loop.",
        "",
        "| what | size | result |",
        "|---|---|---|",
        *[f"| {a} | {b} | {c} |" for a, b, c in rows],
        "",
        "What the numbers mean for the bot: a 300 KB `gameHistory` frame costs ~25 ms of CPU in the auditor, run",
        "off the tick path during the ~16 s between a rug and the next tick 0; the simulator needs one generated",
        "game per round (~1.7 ms). Correctness is established by tests, not by this benchmark: `tests/fair/`",
        "reproduces all 23 real Dec 2025 games bit-exactly, the 10 Feb 2026 games (peak, rug tick, a real god",
        "candle), 1,071 real settlements, and 347 live ticks of the 3 games that ran inside the real captures.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
