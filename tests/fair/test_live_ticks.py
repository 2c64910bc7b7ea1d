"""check_live_ticks: what the feed showed live against the game revealed afterwards."""

from __future__ import annotations

import math

import msgspec
import pytest

from bot.fair.auditor import Auditor
from bot.fair.live_ticks import LiveTicks, check_live_ticks
from bot.fair.verify import verify_history_game
from bot.game.signals import GameRugged, TickAdvanced
from bot.game.state import FinishedGame
from bot.protocol.events import HistoryGame


def _live(game: HistoryGame, ticks: range | list[int], rug_tick: int | None = None) -> LiveTicks:
    live = LiveTicks()
    prices = game.prices or []
    for k in ticks:
        live.add(k, prices[k])
    live.rug_tick = rug_tick
    return live


# (name, build live ticks from the real game (and its final tick), expected problem substring or "")
CASES = [
    ("every tick and the rug", lambda g, f: _live(g, range(f + 1), f), ""),
    ("joined late", lambda g, f: _live(g, range(f // 2, f + 1), f), ""),
    ("left early, no rug seen", lambda g, f: _live(g, range(10)), ""),
    ("skipped ticks", lambda g, f: _live(g, range(0, f + 1, 3), f), ""),
    ("one ulp off", lambda g, f: _nudged(_live(g, range(f + 1), f), 7), "live tick 7 showed"),
    ("rug one tick late", lambda g, f: _live(g, range(f + 1), f + 1), "the feed rugged at tick"),
    (
        "tick after the rug",
        lambda g, f: _extra(_live(g, range(f + 1), f), f + 1),
        "after the revealed rug tick",
    ),
    ("same tick, two prices", lambda g, f: _twice(_live(g, range(f + 1), f), 3), "was shown as"),
]


def _nudged(live: LiveTicks, k: int) -> LiveTicks:
    live.ticks[k] = math.nextafter(live.ticks[k], math.inf)
    return live


def _extra(live: LiveTicks, k: int) -> LiveTicks:
    live.add(k, 0.01)
    return live


def _twice(live: LiveTicks, k: int) -> LiveTicks:
    live.add(k, live.ticks[k] * 2)
    return live


@pytest.mark.parametrize("without_prices", [False, True], ids=["history-prices", "peak-only"])
@pytest.mark.parametrize(("name", "build", "problem"), CASES, ids=[c[0] for c in CASES])
def test_live_cases(
    history_games: list[HistoryGame], name: str, build, problem: str, without_prices: bool
) -> None:  # type: ignore[no-untyped-def]
    game = history_games[1]  # 111 wire prices, rug at wire tick 110
    final = len(game.prices or []) - 1
    live = build(game, final)
    checked = msgspec.structs.replace(game, prices=None) if without_prices else game
    audit = verify_history_game(checked)
    assert audit.ok and audit.rug_tick == final
    compared, found = check_live_ticks(live, checked, audit)
    if problem:
        assert problem in found
    else:
        assert found == ""
        assert compared == len([k for k in live.ticks if k <= final])


def test_rug_price_is_checked_only_with_a_price_list(history_games: list[HistoryGame]) -> None:
    game = history_games[1]
    final = len(game.prices or []) - 1
    live = _live(game, range(final + 1), final)
    live.ticks[final] = 0.0042  # a different rug price
    assert "live tick" in check_live_ticks(live, game, verify_history_game(game))[1]
    bare = msgspec.structs.replace(game, prices=None)
    assert check_live_ticks(live, bare, verify_history_game(bare))[1] == ""


def test_auditor_routes_tracker_signals(history_games: list[HistoryGame]) -> None:
    game = history_games[1]
    gid = game.id or ""
    prices = game.prices or []
    final = len(prices) - 1
    auditor = Auditor()
    for k in range(final + 1):
        auditor.on_signal(TickAdvanced(gid, k, prices[k], float(k)))
    auditor.on_signal(
        GameRugged(FinishedGame(gid, final + 1, max(prices), 1.0, 0, True))
    )  # rug one tick late
    alarms = auditor.feed_games([game], 2.0)
    assert len(alarms) == 1 and "rugged at tick" in alarms[0].reason
    assert auditor.counts.mismatched == 1 and auditor.counts.live_games == 1
    assert auditor.mismatches[0].prices_ok is True and auditor.mismatches[0].live_ok is False


def test_an_unproven_rug_is_not_evidence_against_the_reveal() -> None:
    """A rug inferred after a feed gap carries only the last tick seen; comparing it with the revealed game
    would raise a false provably-fair alarm (seen in a soak run after a socket drop)."""
    from bot.fair.auditor import Auditor
    from bot.game.signals import GameRugged
    from bot.game.state import FinishedGame

    a = Auditor()
    assert a.on_signal(GameRugged(FinishedGame("g1", 142, 1.5, 1.0, 0, False, proven=False))) == []
    assert a._live.get("g1") is None or a._live["g1"].rug_tick is None
    a.on_signal(GameRugged(FinishedGame("g2", 213, 1.5, 1.0, 0, True)))
    assert a._live["g2"].rug_tick == 213
