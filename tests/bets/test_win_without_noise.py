"""Issue 14.8, wins without noise: a win at the rug books its payout at the result, and the server's credited
balance comes in the frame after it (bot/sim/game.py sends them in that order). The ledger knows that payout
is booked but not yet seen, so a normal win gives no WARNING and no pause; a payout the server never credits,
or any other difference, still halts after the grace period. Real parts: the SQLite file, governor, ledger,
bet tracker, game tracker and trading loop on real-format frames (tests/bets/frames.py)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.bets.model import BetStatus
from bot.logs import configure, reset
from bot.mode import Mode
from bot.risk.governor import Level
from tests.bets.frames import Frame, event, game_frame, player_update, practice_profile, sidebet, start

A = "did:sim:aaaa"
STAKE_SOL = 0.01


@pytest.fixture
def log() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    configure(Mode.PRACTICE, level="DEBUG", console=buf)
    yield buf
    reset()


def _cooldown(t: float, n: int) -> list[Frame]:
    """``n`` cooldown frames, 250 ms apart (the feed flows: the grace counts flowing feed time)."""
    return [game_frame(t + k * 0.25, 30, rugged=True) for k in range(n)]


# (name, balance after the result (None: none comes), seconds of feed until it comes, halted, pause seen)
CASES = [
    ("win, credited balance in the next frame", 100.04, 0.01, False, False),
    ("win, credited balance 3 s of feed later", 100.04, 3.0, False, False),
    ("win, the server never credits the payout", None, 0.0, True, False),
    ("win, the server credits less than 5x", 100.03, 0.01, True, True),
]


@pytest.mark.parametrize(
    ("name", "credited", "after_s", "halted", "paused"), CASES, ids=[c[0] for c in CASES]
)
def test_a_win_at_the_rug(
    tmp_path: Path,
    log: io.StringIO,
    name: str,
    credited: float | None,
    after_s: float,
    halted: bool,
    paused: bool,
) -> None:
    loop, gov, store = start(tmp_path / "bot.db", practice_profile(), Mode.PRACTICE, 99.0)
    loop.on_frame(*player_update(100.0, 100.0, pid=A))
    intent = None
    for i in range(0, 8):
        intent = intent or loop.on_frame(*game_frame(100.1 + i * 0.25, i))
    assert intent is not None
    s = intent.decided_tick + 1
    t = 102.2
    frames: list[Frame] = [
        player_update(t, 100.0 - STAKE_SOL, pid=A, active=sidebet(A, s)),  # protocol.md: the debit first
        event(t + 0.01, "currentSidebet", sidebet(A, s)),
        *(game_frame(t + 0.1 + (i - s) * 0.25, i) for i in range(s, s + 20)),
        game_frame(t + 6.0, s + 20, rugged=True),
        event(t + 6.01, "currentSidebetResult", sidebet(A, s, payout=5 * STAKE_SOL)),
    ]
    rug_t = t + 6.01
    cooldown = _cooldown(rug_t + 0.05, 40)  # 10 s of cooldown: twice the 5 s grace
    if credited is not None:
        at = rug_t + after_s
        cooldown = [f for f in cooldown if f[0] < at] + [player_update(at, credited, pid=A)]
        cooldown += _cooldown(at + 0.05, 40)
    levels: list[Level] = []
    for f in [*frames, *cooldown]:
        loop.on_frame(*f)
        loop.idle()
        levels.append(gov.state.level)
    row = store.bet(intent.bet_id)
    store.close()
    assert row is not None and row.status is BetStatus.WON, name
    assert (gov.state.level is Level.HALTED) is halted, (name, gov.state.reasons)
    warnings = [
        line for line in log.getvalue().splitlines() if "WARNING" in line and "balance_mismatch" in line
    ]
    assert bool(warnings) is paused, (name, warnings)
    assert (Level.PAUSED in levels) is paused, name
    if halted:
        assert "balance_mismatch" in gov.state.reasons[0], gov.state.reasons
    if credited is None:
        assert "payout of 0.05" in gov.state.reasons[0] and "booked at settlement" in gov.state.reasons[0]
    if not halted:
        assert gov.ledger.balance_difference() == 0 and gov.ledger.unseen_credit == 0
