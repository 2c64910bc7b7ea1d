"""Reasons are cut at a word boundary with an ellipsis (issue 13, "reasons are cut mid-word")."""

from __future__ import annotations

import pytest

from bot.app.screen import REASON_CHARS
from bot.shorten import shorten

REASON = (
    "EV -9.14% (n=123456 games, CI -9.31% .. -8.97%) below the minimum edge 0.00%; stake 0.01 SOL skipped"
)


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("exactly ten", 11, "exactly ten"),
        ("EV -9.14% (n=123)", 13, "EV -9.14%…"),  # not "EV -9.14% (n"
        ("one two three", 8, "one two…"),
        ("one two three", 7, "one…"),  # "one two" + … would be 8 characters
        ("supercalifragilistic", 6, "super…"),  # one long word: cut inside it, still marked
        ("a, b", 3, "a…"),
    ],
)
def test_shorten_cuts_at_a_word_boundary_with_an_ellipsis(text: str, limit: int, expected: str) -> None:
    got = shorten(text, limit)
    assert got == expected
    assert len(got) <= limit


def test_shorten_rejects_a_limit_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        shorten("x", 0)


def test_the_screen_reason_is_never_cut_mid_word() -> None:
    cut = shorten(REASON, REASON_CHARS)
    assert cut.endswith("…") and len(cut) <= REASON_CHARS
    assert REASON.startswith(cut[:-1]) and REASON[len(cut) - 1] in " ;,"  # whole words only
