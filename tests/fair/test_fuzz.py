"""The auditor and ``rugsbot verify`` never crash on junk: fuzzed history JSON and foreign file formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cli import main
from bot.fair.auditor import Auditor
from tests.fair.conftest import RAW_GAMES

REAL = Path(__file__).resolve().parent.parent / "fixtures" / "real"

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
_FIELDS = ["id", "prices", "peakMultiplier", "provablyFair", "gameVersion", "globalSidebets", "timestamp"]


@st.composite
def _mangled_game(draw: st.DrawFn) -> dict[str, Any]:
    """A real game with some fields replaced by arbitrary JSON or removed."""
    game: dict[str, Any] = json.loads(json.dumps(draw(st.sampled_from(RAW_GAMES[:4]))))
    for key in draw(st.lists(st.sampled_from(_FIELDS), max_size=3, unique=True)):
        if draw(st.booleans()):
            game.pop(key, None)
        else:
            game[key] = draw(_json)
    return game


def _check(data: bytes) -> None:
    auditor = Auditor()
    alarms = auditor.feed_raw(data)
    c = auditor.counts
    assert c.games == c.verified + c.mismatched + c.unverifiable
    assert c.sidebets == c.sidebets_agree + c.sidebets_disagree
    assert len(alarms) == len(auditor.alarms)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mangled_game(), max_size=3))
def test_mangled_history_never_raises(games: list[dict[str, Any]]) -> None:
    _check(json.dumps(games).encode())


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200) | _json.map(lambda v: json.dumps(v).encode()))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _check(data)


@pytest.mark.slowfuzz
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mangled_game(), max_size=5))
def test_mangled_history_never_raises_long(games: list[dict[str, Any]]) -> None:
    _check(json.dumps(games).encode())


@pytest.mark.parametrize(
    "path",
    [
        *sorted((REAL / "ticks").glob("*.jsonl.gz"))[:3],  # another recorder's format: no t/dir/frame
        REAL / "games" / "sidebet_settlements.csv",  # not JSON at all
        REAL / "games" / "verified_games_v3.json",  # one big JSON document, not JSON Lines
    ],
    ids=lambda p: p.name,
)
def test_foreign_files_do_not_crash_verify(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--json", str(path)]) == 1  # nothing verified is not OK (issue 13)
    out = json.loads(capsys.readouterr().out)
    assert out["games"] == 0
    assert out["files"][0]["bad_lines"] > 0
