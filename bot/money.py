"""Integer lamports inside, SOL floats only at the edges (the page's input, the wire, the screen)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

LAMPORTS_PER_SOL = 1_000_000_000
SOL_MINT = "So11111111111111111111111111111111111111112"
PRACTICE_COIN = "0xPractice"


def sol_to_lamports(sol: float | int | str) -> int:
    """Exact for every decimal the wire uses: goes through the shortest repr, not binary float maths."""
    return int((Decimal(str(sol)) * LAMPORTS_PER_SOL).to_integral_value(rounding=ROUND_HALF_EVEN))


def lamports_to_sol(lamports: int) -> float:
    return lamports / LAMPORTS_PER_SOL


def fmt_sol(lamports: int, places: int = 4) -> str:
    return f"{lamports / LAMPORTS_PER_SOL:.{places}f}"
