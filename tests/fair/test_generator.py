"""The price generator against the 23 real games, version rules, and the rug-price helper."""

from __future__ import annotations

import hashlib
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fair.generator import (
    MAX_TICKS,
    GeneratedGame,
    SeedRandom,
    generate_prices,
    make_rug_price,
    seed_hash,
)
from tests.fair.conftest import GAME_IDS, RAW_GAMES


@pytest.mark.parametrize("game", RAW_GAMES, ids=GAME_IDS)
def test_reproduces_real_game_exactly(game: dict[str, Any]) -> None:
    seed = game["provablyFair"]["serverSeed"]
    gen = generate_prices(seed, game["id"], game["gameVersion"])
    wire = game["prices"]
    assert gen.prices == wire[:-1]  # float equality, every tick
    assert len(wire) == gen.rug_index + 2
    assert gen.rug_tick == len(wire) - 1 == game["_verification"]["final_wire_tick"]
    assert gen.rug_index == game["_verification"]["rug_loop_index"]
    assert gen.peak == game["peakMultiplier"]
    assert seed_hash(seed) == game["provablyFair"]["serverSeedHash"]


def test_seed_hash_is_sha256_hex() -> None:
    assert seed_hash("abc") == hashlib.sha256(b"abc").hexdigest()
    assert seed_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


@pytest.mark.parametrize(
    ("mutate", "what"),
    [
        (lambda s, g: (s[:-1] + ("0" if s[-1] != "0" else "1"), g), "last seed char"),
        (lambda s, g: (s.upper(), g), "seed case"),
        (lambda s, g: (s, g[:-1] + ("0" if g[-1] != "0" else "1")), "game id"),
        (lambda s, g: (s + " ", g), "trailing space"),
    ],
)
def test_any_seed_change_changes_the_game(mutate: Any, what: str) -> None:
    game = RAW_GAMES[3]
    seed, gid = mutate(game["provablyFair"]["serverSeed"], game["id"])
    assert generate_prices(seed, gid).prices != game["prices"][:-1], what


def test_versions_differ_as_documented() -> None:
    for game in RAW_GAMES[:6]:
        seed, gid = game["provablyFair"]["serverSeed"], game["id"]
        v3 = generate_prices(seed, gid, "v3")
        v2 = generate_prices(seed, gid, "v2")
        v1 = generate_prices(seed, gid, "v1")
        # v3 consumes one extra draw per tick (god candle), so the whole path differs from tick 1
        assert v2.prices[1] != v3.prices[1]
        # v1 and v2 only differ in the volatility cap, which binds above price 100
        if v2.peak < 100:
            assert v1 == v2


@pytest.mark.parametrize(("game_id", "differs"), [("g10", False), ("g248", True)])
def test_v1_uncapped_volatility_differs_above_100(game_id: str, differs: bool) -> None:
    # Found by scanning ("cap-probe", "g<k>"): g10 crosses 100x only on its last tick (a big move, so no
    # volatility step is ever taken above 100); g248 takes normal steps above 100x.
    g2 = generate_prices("cap-probe", game_id, "v2")
    g1 = generate_prices("cap-probe", game_id, "v1")
    assert g2.peak > 100
    first = next(i for i, p in enumerate(g2.prices) if p > 100)
    assert g1.prices[: first + 1] == g2.prices[: first + 1]  # identical until the cap can bind
    assert (g1.prices != g2.prices) is differs


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="v9"):
        generate_prices("seed", "id", "v9")


def test_generated_game_shape() -> None:
    gen = generate_prices("shape", "20251212-0000000000000000")
    assert isinstance(gen, GeneratedGame)
    assert gen.prices[0] == 1.0
    assert len(gen.prices) == gen.rug_index + 1
    assert gen.rug_tick == gen.rug_index + 1
    assert gen.peak == max(gen.prices)
    assert 0 <= gen.rug_index <= MAX_TICKS
    with pytest.raises(AttributeError):
        gen.rug_index = 3  # type: ignore[misc]


def test_rug_hazard_is_half_a_percent_per_tick() -> None:
    # Mean game length 1/0.005 - 1 = 199 loop indices; 300 games give a standard error of ~11.5.
    n = 300
    lengths = [generate_prices("hazard", f"id{k}").rug_index for k in range(n)]
    mean = sum(lengths) / n
    assert abs(mean - 199) < 4 * 200 / math.sqrt(n)
    # P(rug within the first 40 loop indices) = 1 - 0.995**40 = 0.1817
    share = sum(1 for x in lengths if x < 40) / n
    assert abs(share - 0.1817) < 4 * math.sqrt(0.1817 * 0.8183 / n)


CLAMPED = 1 - 0.98  # 0.020000000000000018: the double the real rugs show when the drop is clamped
FEB_2026_RUG = (0.10599876754314011, 0.0017842710071060424)  # key-samples-2026-02.json, 10_rug_event


@pytest.mark.parametrize(
    ("prev", "rug"),
    [(g["prices"][-2], g["prices"][-1]) for g in RAW_GAMES] + [FEB_2026_RUG],
    ids=[*GAME_IDS, "feb-2026"],
)
def test_real_rug_prices_fit_the_model(prev: float, rug: float) -> None:
    assert 0 < rug <= min(prev, 1.0) * CLAMPED


def test_real_rugs_show_the_clamp() -> None:
    assert sum(1 for g in RAW_GAMES if g["prices"][-1] == CLAMPED) == 3
    assert CLAMPED == 0.020000000000000018


@settings(max_examples=60, deadline=None)
@given(last=st.floats(min_value=0.0, max_value=1e4, allow_nan=False), seed=st.text(max_size=8))
def test_make_rug_price_bounds(last: float, seed: str) -> None:
    rug = make_rug_price(SeedRandom(seed), last)
    assert 0.0 <= rug <= min(last, 1.0) * CLAMPED


def test_make_rug_price_distribution() -> None:
    rng = SeedRandom("rug-model")
    above_one = [make_rug_price(rng, 3.0) for _ in range(2000)]
    clamped = sum(1 for r in above_one if r == CLAMPED) / len(above_one)
    assert abs(clamped - 0.2) < 4 * (0.2 * 0.8 / len(above_one)) ** 0.5
    assert len(set(above_one)) > 1000
    below_one = [make_rug_price(rng, 0.25) for _ in range(200)]
    assert max(below_one) <= 0.25 * CLAMPED and min(below_one) < 0.25 * 0.01
