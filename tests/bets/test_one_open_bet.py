"""One open bet at a time, checked in one place: the governor's ``one_open_bet`` guard.

The Decider and the trading loop no longer check it (they did, with different wording); the broker does not
either. Here the real governor on a real SQLite file refuses every proposal while an own bet is open — in any
non-terminal status, whatever its window — or while the server shows an active bet the ledger does not hold,
and allows again once the bet is settled.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bets.model import BetStatus, BrokerReport
from bot.game.state import AccountView, OwnSidebet
from bot.money import SOL_MINT
from bot.risk.verdict import Action
from tests.risk.helpers import MILLI, T0, bet, make_governor, snapshot, view

GAME = "20251228-aaaaaaaaaaaaaaaa"


def _server_bet(start: int, outcome: str = "pending") -> OwnSidebet:
    return OwnSidebet(GAME, start, start + 40, MILLI, SOL_MINT, T0, outcome=outcome)


# (name, status the own bet reaches, its window, the server's active bet, expected action, words in the reason)
CASES = [
    (
        "own bet running on its window",
        BetStatus.CONFIRMED,
        (90, 130),
        None,
        Action.DENY,
        "own bet running on ticks 90–130",
    ),
    (
        "a window ending before the landing is still an open bet",
        BetStatus.CONFIRMED,
        (61, 101),
        None,
        Action.DENY,
        "ticks 61–101",
    ),
    ("written ahead, not clicked yet", BetStatus.INTENT, None, None, Action.DENY, "is still intent"),
    ("clicked, fate unknown", BetStatus.UNKNOWN, None, None, Action.PAUSE, "unknown"),
    ("settled: the next bet may go", BetStatus.LOST, (90, 130), None, Action.ALLOW, ""),
    (
        "the server shows a bet we do not hold",
        None,
        None,
        _server_bet(95),
        Action.DENY,
        "server shows an active side bet",
    ),
    ("a settled server bet does not block", None, None, _server_bet(95, "lost"), Action.ALLOW, ""),
]


@pytest.mark.parametrize(
    ("name", "status", "window", "server", "action", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_one_open_bet_table(
    tmp_path: Path,
    name: str,
    status: BetStatus | None,
    window: tuple[int, int] | None,
    server: OwnSidebet | None,
    action: Action,
    words: str,
) -> None:
    gov = make_governor(tmp_path / "bot.db")
    v = view(T0, game=GAME, tick=100)
    gov.tick(v, T0)
    if status is not None:
        intent = gov.open_bet(bet(MILLI), v, gov.ledger.coin)
        start, end = window or (None, None)
        if status is not BetStatus.INTENT:
            gov.on_report(BrokerReport(intent.bet_id, status, T0 + 0.1, start_tick=start, end_tick=end))
    verdict = gov.review(
        bet(MILLI), snapshot(gov, v, account=AccountView(authenticated=True, active_bet=server))
    )
    assert verdict.action is action, verdict
    assert words in verdict.reason
    if action is Action.DENY:
        assert verdict.guard == "one_open_bet"


OPEN = [BetStatus.INTENT, BetStatus.CLICKED, BetStatus.CONFIRMED, BetStatus.UNKNOWN]
CLOSED = [BetStatus.WON, BetStatus.LOST, BetStatus.REJECTED, BetStatus.CANCELLED]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.lists(st.sampled_from(OPEN), max_size=2),
    end=st.none() | st.sampled_from(CLOSED),
    start=st.integers(0, 400),
    tick=st.integers(0, 500),
)
def test_never_a_second_bet_while_one_is_open(
    tmp_path_factory: pytest.TempPathFactory,
    path: list[BetStatus],
    end: BetStatus | None,
    start: int,
    tick: int,
) -> None:
    gov = make_governor(tmp_path_factory.mktemp("one") / "bot.db")
    v = view(T0, game=GAME, tick=tick)
    gov.tick(v, T0)
    intent = gov.open_bet(bet(MILLI), v, gov.ledger.coin)
    t = T0
    for status in path:
        t += 0.1
        gov.on_report(BrokerReport(intent.bet_id, status, t, start_tick=start, end_tick=start + 40))
    if end is not None:
        gov.on_report(
            BrokerReport(
                intent.bet_id, end, t + 0.1, payout_lamports=5 * MILLI if end is BetStatus.WON else 0
            )
        )
    v2 = view(t + 0.2, game=GAME, tick=tick + 1)
    gov.tick(v2, t + 0.2)
    verdict = gov.review(bet(MILLI), snapshot(gov, v2))
    row = gov.store.bet(intent.bet_id)
    assert row is not None
    if row.status in CLOSED:
        assert verdict.allowed, verdict
    else:
        assert not verdict.allowed, (row.status, verdict)
        assert verdict.guard in ("one_open_bet", "unconfirmed_bet"), verdict
    gov.store.close()
