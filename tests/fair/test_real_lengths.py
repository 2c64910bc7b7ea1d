"""1,760 distinct real game lengths agree with the generator's 0.5 %/tick rug check, and only with it."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from bot.fair.generator import RUG_CHANCE, generate_prices

LENGTHS = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "games" / "game_lengths.csv"


def _final_ticks() -> np.ndarray:
    with LENGTHS.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    distinct: dict[str, int] = {}
    for r in rows:  # four sources overlap: one row per game
        distinct.setdefault(r["game_key"], int(r["final_tick"]))
    return np.array(list(distinct.values()))


FINAL = _final_ticks()


def _pvalue(hazard: float) -> float:
    # final wire tick = rug loop index + 1, so P(final <= x) = 1 - (1 - hazard) ** x
    return float(stats.kstest(FINAL, lambda x: 1 - (1 - hazard) ** np.floor(x)).pvalue)


def test_enough_real_games() -> None:
    assert len(FINAL) == 1760
    assert abs(FINAL.mean() - 1 / RUG_CHANCE) < 3 * 200 / np.sqrt(len(FINAL))


@pytest.mark.parametrize(("hazard", "fits"), [(RUG_CHANCE, True), (0.0045, False), (0.0055, False)])
def test_hazard_fits_real_lengths(hazard: float, fits: bool) -> None:
    assert (_pvalue(hazard) > 0.05) is fits


def test_generated_lengths_match_real_lengths() -> None:
    generated = np.array([generate_prices("lengths", f"g{k}").rug_tick for k in range(250)])
    assert stats.ks_2samp(FINAL, generated).pvalue > 0.001
