"""Table-driven tick scenarios for GameTracker: what signals each frame yields and what the view says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.game.signals import (
    AccountUpdated,
    AckReceived,
    FeedConnected,
    FeedProblem,
    GameRugged,
    GameStarted,
    HistoryReceived,
    MaintenanceNotice,
    OwnBetPlaced,
    OwnBetSettled,
    PhaseChanged,
    SidebetRequested,
    Signal,
    TickAdvanced,
)
from bot.game.state import Phase
from bot.game.tracker import GameTracker
from tests.core.builders import G1, G2, TRACE, active, cooldown, event, presale, rug

TICK = 0.25


def summary(sig: Signal) -> str:
    """A compact, comparable text for one signal."""
    if isinstance(sig, TickAdvanced):
        return f"tick {sig.tick}" + (f" +{sig.backfilled}" if sig.backfilled else "")
    if isinstance(sig, PhaseChanged):
        return f"phase {sig.old.value}>{sig.new.value}"
    if isinstance(sig, GameStarted):
        return f"start {sig.game_id[-4:]}"
    if isinstance(sig, GameRugged):
        g = sig.game
        return f"rug {g.rug_tick} {'complete' if g.complete else 'partial'} first={g.first_tick_seen}"
    if isinstance(sig, HistoryReceived):
        return "history"
    if isinstance(sig, FeedProblem):
        return f"problem {sig.kind}"
    if isinstance(sig, MaintenanceNotice):
        return f"maintenance {sig.active}"
    if isinstance(sig, FeedConnected):
        return f"connected {sig.sid}"
    if isinstance(sig, AccountUpdated):
        return f"account {sig.account.cash_lamports}"
    if isinstance(sig, OwnBetPlaced):
        b = sig.bet
        return f"placed {b.start_tick}-{b.end_tick} {b.amount_lamports}"
    if isinstance(sig, OwnBetSettled):
        b = sig.bet
        return f"settled {b.outcome} {b.payout_lamports} @{b.settled_tick}"
    if isinstance(sig, AckReceived):
        return f"ack {sig.ack_id} {sig.ack.success}"
    if isinstance(sig, SidebetRequested):
        return f"request {sig.ack_id} {sig.amount_lamports}"
    return type(sig).__name__


def ticks(game: str, first: int, last: int, t0: float = 100.0) -> list[tuple[float, str]]:
    return [(t0 + (k - first) * TICK, active(game, k)) for k in range(first, last + 1)]


def may_rugged(game: str, tick: int, timer: int, *, price: float = 0.004) -> str:
    """A May 2025 frame saying rugged: the rug frame (active false, no +1) or the next game's cooldown."""
    return event(
        "gameStateUpdate",
        {
            "gameId": game,
            "tickCount": tick,
            "price": price,
            "active": False,
            "rugged": True,
            "cooldownTimer": timer,
            "allowPreRoundBuys": False,
        },
    )


def may_presale(game: str, timer: int = 10000) -> str:
    return event(
        "gameStateUpdate",
        {"gameId": game, "active": False, "rugged": False, "allowPreRoundBuys": True, "cooldownTimer": timer},
    )


@dataclass
class Scenario:
    name: str
    frames: list[tuple[float, str]]
    expect_tail: list[str]  # the summaries of the signals of the last frames (see tail_frames)
    tail_frames: int = 1
    view: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, Any] = field(default_factory=dict)


SCENARIOS = [
    Scenario(
        "first tick of a joined game",
        [(100.0, active(G1, 50))],
        ["phase UNKNOWN>ACTIVE", f"start {G1[-4:]}", "tick 50"],
        view={"phase": Phase.ACTIVE, "tick": 50, "game_id": G1},
    ),
    Scenario(
        "consecutive ticks: one TickAdvanced each",
        ticks(G1, 10, 13),
        ["tick 11", "tick 12", "tick 13"],
        tail_frames=3,
        view={"tick": 13, "last_tick_t": 100.75},
        counters={"backfilled_ticks": 0},
    ),
    Scenario(
        "two skipped ticks backfilled from partialPrices",
        [*ticks(G1, 0, 3), (101.5, active(G1, 6))],
        ["tick 6 +2"],
        view={"tick": 6, "timing.samples": 3},  # 0→1→2→3; the 3→6 jump is not a one-tick gap
        counters={"backfilled_ticks": 2},
    ),
    Scenario(
        "gap longer than the partialPrices window: only the last 4 are backfilled",
        [*ticks(G1, 0, 3), (103.0, active(G1, 12))],
        ["tick 12 +4"],
        counters={"backfilled_ticks": 4},
    ),
    Scenario(
        "absurd tickCount after a gap: no long loop, only real keys backfill",
        [
            *ticks(G1, 0, 3),
            (
                101.0,
                event(
                    "gameStateUpdate",
                    {
                        "gameId": G1,
                        "active": True,
                        "rugged": False,
                        "tickCount": 10**15,
                        "price": 1.2,
                        "partialPrices": {
                            "startTick": 1,
                            "endTick": 10**15,
                            "values": {"5": 1.1, "²": 9.0, "x": 9.0, "-1": 9.0, "99999999999": 9.0},
                        },
                    },
                ),
            ),
        ],
        ["tick 1000000000000000 +1"],
        view={"peak": 1.2},
        counters={"backfilled_ticks": 1},
    ),
    Scenario(
        "skipped tick without partialPrices: no backfill",
        [*ticks(G1, 0, 3), (101.5, active(G1, 5, skip_pp=True))],
        ["tick 5"],
        counters={"backfilled_ticks": 0},
    ),
    Scenario(
        "duplicate frame counted, not applied",
        [*ticks(G1, 0, 3), (100.8, active(G1, 3))],
        ["problem duplicate"],
        view={"tick": 3, "t": 100.8},
        counters={"duplicates": 1},
    ),
    Scenario(
        "duplicated history frame: one HistoryReceived only",
        [
            *ticks(G1, 0, 3),
            (101.0, rug(G1, 4)),
            (102.0, rug(G1, 4, tick_count=6, history=True)),
            (102.1, rug(G1, 4, tick_count=6, history=True)),
        ],
        ["history", "problem duplicate"],
        tail_frames=2,
        counters={"duplicates": 1, "history_frames": 1},
    ),
    Scenario(
        "out-of-order tick counted, not applied",
        [*ticks(G1, 0, 6), (101.6, active(G1, 4, price=9.0))],
        ["problem out-of-order"],
        view={"tick": 6, "price": 1.06},
        counters={"out_of_order": 1},
    ),
    Scenario(
        "same tick, new content: updates price, no new tick",
        [*ticks(G1, 0, 3), (100.8, active(G1, 3, price=1.5))],
        [],
        view={"tick": 3, "price": 1.5, "peak": 1.5},
    ),
    Scenario(
        "rug by flag after a game seen from presale",
        [(90.0, presale(G1)), *ticks(G1, 0, 10), (103.0, rug(G1, 11))],
        ["phase ACTIVE>RUGGED", "rug 11 complete first=0"],
        view={"phase": Phase.RUGGED, "tick": 11, "rug_tick": 11, "peak": 1.1},
    ),
    Scenario(
        "post-rug history frame of the same game: history only, final tick unchanged",
        [*ticks(G1, 0, 10), (103.0, rug(G1, 11)), (104.5, rug(G1, 11, tick_count=13, history=True))],
        ["history"],
        view={"phase": Phase.RUGGED, "rug_tick": 11},
        counters={"history_frames": 1},
    ),
    Scenario(
        "rug frame lost: a later rugged frame counts only to partialPrices.endTick",
        [*ticks(G1, 0, 10), (104.5, rug(G1, 11, tick_count=13, history=True))],
        ["history", "phase ACTIVE>RUGGED", "rug 11 complete first=0"],
    ),
    Scenario(
        "rug inferred from a new gameId while ACTIVE: GameRugged waits for proof",
        [*ticks(G1, 0, 20), (120.0, cooldown(G2, 14900))],
        ["phase ACTIVE>RUGGED", "phase RUGGED>COOLDOWN"],
        view={"phase": Phase.COOLDOWN, "game_id": G2, "tick": -1, "rug_tick": None},
        counters={"inferred_rugs": 1},
    ),
    Scenario(
        "inferred rug resolved by the next gameHistory (final tick = len(prices) - 1)",
        [
            *ticks(G1, 0, 20),
            (120.0, cooldown(G2, 14900)),
            (
                120.1,
                event(
                    "gameStateUpdate",
                    {
                        "gameId": G2,
                        "cooldownTimer": 14800,
                        "gameHistory": [
                            {"id": "20251212-0000000000000000", "prices": [1.0, 0.5]},
                            {"id": G1, "prices": [1.0] * 25 + [0.01], "peakMultiplier": 3.5},
                        ],
                    },
                ),
            ),
        ],
        ["history", "rug 25 complete first=0"],
        view={"phase": Phase.COOLDOWN, "game_id": G2},
    ),
    Scenario(
        "inferred rug resolved by a late rugged frame of the old game",
        [*ticks(G1, 0, 20), (120.0, cooldown(G2, 14900)), (120.2, rug(G1, 23, tick_count=25))],
        ["rug 23 complete first=0"],
        view={"phase": Phase.COOLDOWN, "game_id": G2},
        counters={"stale_frames": 1},
    ),
    Scenario(
        "inferred rug never proven: last tick, incomplete, reported before the next game starts",
        [
            *ticks(G1, 0, 20),
            (120.0, cooldown(G2, 14900)),
            (120.1, cooldown(G2, 14800, history=True)),
            (125.0, presale(G2)),
            (135.0, active(G2, 0)),
        ],
        ["phase PRESALE>ACTIVE", "rug 20 partial first=0", f"start {G2[-4:]}", "tick 0"],
    ),
    Scenario(
        "old game's post-rug frame after the next game's cooldown began (real ordering)",
        [
            *ticks(G1, 0, 6),
            (102.0, rug(G1, 7)),
            (107.0, cooldown(G2, 14900)),
            (107.1, rug(G1, 7, tick_count=9, history=True)),
        ],
        ["history"],
        view={"phase": Phase.COOLDOWN, "game_id": G2},
        counters={"stale_frames": 1, "history_frames": 1},
    ),
    Scenario(
        "full cycle: rugged → cooldown → presale → tick 0 of the next game",
        [
            *ticks(G1, 0, 2),
            (101.0, rug(G1, 3)),
            (106.0, cooldown(G2, 14900)),
            (111.0, presale(G2)),
            (121.0, active(G2, 0)),
        ],
        [
            "phase RUGGED>COOLDOWN",
            "phase COOLDOWN>PRESALE",
            "phase PRESALE>ACTIVE",
            f"start {G2[-4:]}",
            "tick 0",
        ],
        tail_frames=3,
        view={"phase": Phase.ACTIVE, "game_id": G2, "tick": 0, "peak": 1.0},
    ),
    Scenario(
        "presale seen, first active frame at tick 2: ticks 0 and 1 backfilled, game complete",
        [(90.0, presale(G1)), (100.5, active(G1, 2)), (101.0, rug(G1, 4))],
        [
            "phase PRESALE>ACTIVE",
            f"start {G1[-4:]}",
            "tick 2 +2",
            "phase ACTIVE>RUGGED",
            "rug 4 complete first=0",
        ],
        tail_frames=2,
    ),
    Scenario(
        "joined mid-game: partial",
        [*ticks(G1, 50, 55), (102.0, rug(G1, 56))],
        ["phase ACTIVE>RUGGED", "rug 56 partial first=50"],
    ),
    Scenario(
        "first frame seen is a rug: partial, final tick from the frame",
        [(100.0, rug(G1, 42))],
        ["phase UNKNOWN>RUGGED", "rug 42 partial first=42"],
        view={"rug_tick": 42},
    ),
    Scenario(
        "instarug watched from presale: complete although no ACTIVE frame was seen",
        [(90.0, cooldown(G1, 12000)), (93.0, presale(G1)), (103.0, rug(G1, 1))],
        ["phase PRESALE>RUGGED", "rug 1 complete first=1"],
    ),
    Scenario(
        "delayed presale frame after tick 0 is out of order, the phase stays ACTIVE",
        [(90.0, presale(G1)), *ticks(G1, 0, 3), (101.0, presale(G1, 200))],
        ["problem out-of-order"],
        view={"phase": Phase.ACTIVE, "tick": 3},
        counters={"out_of_order": 1},
    ),
    Scenario(
        "reconnect mid-game: the silence is not a tick gap",
        [*ticks(G1, 0, 5), (102.0, '40{"sid":"b"}'), (112.0, active(G1, 45))],
        ["tick 45 +4"],
        view={"timing.samples": 5, "timing.stalls": 0, "timing.max_s": TICK},
    ),
    Scenario(
        "reconnect between presale and start: the start was not seen, the game is partial",
        [(90.0, presale(G1)), (95.0, '40{"sid":"b"}'), *ticks(G1, 30, 32, t0=110.0), (111.0, rug(G1, 33))],
        ["phase ACTIVE>RUGGED", "rug 33 partial first=30"],
    ),
    Scenario(
        "May 2025 (issue 16 shape): the next game's cooldown repeats the rug; B goes COOLDOWN, PRESALE, ACTIVE",
        [
            (90.0, presale(G1)),
            *ticks(G1, 0, 384),
            (196.5, may_rugged(G1, 385, 15000)),
            (196.8, may_rugged(G2, 385, 14700)),
            (201.5, may_presale(G2)),
            (211.5, active(G2, 0)),
            (211.75, active(G2, 1)),
        ],
        [
            "phase ACTIVE>RUGGED",
            "rug 385 complete first=0",
            "phase RUGGED>COOLDOWN",
            "phase COOLDOWN>PRESALE",
            "phase PRESALE>ACTIVE",
            f"start {G2[-4:]}",
            "tick 0",
            "tick 1",
        ],
        tail_frames=5,
        view={"phase": Phase.ACTIVE, "game_id": G2, "tick": 1, "rug_tick": None},
        counters={"rugged_cooldown": 1, "dropped": {}, "inferred_rugs": 0},
    ),
    Scenario(
        "May 2025: every cooldown frame repeating the rug is a cooldown frame of the new game",
        [
            *ticks(G1, 0, 20),
            (106.0, may_rugged(G1, 21, 15000)),
            *[(106.3 + k, may_rugged(G2, 21, 14700 - 500 * k)) for k in range(9)],
            (116.0, may_presale(G2)),
        ],
        ["phase COOLDOWN>PRESALE"],
        view={"phase": Phase.PRESALE, "game_id": G2, "tick": -1, "cooldown_timer_ms": 10000},
        counters={"rugged_cooldown": 9, "dropped": {}, "duplicates": 0},
    ),
    Scenario(
        "May 2025 rug frame lost: the repeat on the next game's cooldown is not proof; the reveal is",
        [
            *ticks(G1, 0, 20),
            (107.0, may_rugged(G2, 21, 14700)),
            (
                107.5,
                event(
                    "gameStateUpdate",
                    {
                        "gameId": G2,
                        "tickCount": 21,
                        "price": 0.004,
                        "active": False,
                        "rugged": True,
                        "cooldownTimer": 14200,
                        "gameHistory": [{"id": G1, "prices": [1.0] * 21 + [0.004]}],
                    },
                ),
            ),
        ],
        ["phase ACTIVE>RUGGED", "phase RUGGED>COOLDOWN", "history", "rug 21 complete first=0"],
        tail_frames=2,
        view={"phase": Phase.COOLDOWN, "game_id": G2},
        counters={"inferred_rugs": 1, "rugged_cooldown": 2},
    ),
    Scenario(
        "May 2025 instarug watched from presale: the rug frame says active false, still a rug",
        [(90.0, cooldown(G1, 12000)), (93.0, may_presale(G1)), (103.0, may_rugged(G1, 0, 15000))],
        ["phase PRESALE>RUGGED", "rug 0 complete first=0"],
        counters={"rugged_cooldown": 0},
    ),
    Scenario(
        "first frame is a May 2025 cooldown repeating an unseen rug: a game in cooldown, no rug",
        [(100.0, may_rugged(G1, 230, 14700))],
        ["phase UNKNOWN>COOLDOWN"],
        view={"phase": Phase.COOLDOWN, "game_id": G1, "tick": -1, "rug_tick": None},
        counters={"rugged_cooldown": 1},
    ),
    Scenario(
        "a non-rugged frame of a game that already rugged is dropped, counted and reported",
        [*ticks(G1, 0, 10), (103.0, rug(G1, 11)), (103.3, active(G1, 12))],
        ["problem dropped"],
        view={"phase": Phase.RUGGED, "rug_tick": 11, "tick": 11},
        counters={"dropped": {"after its rug": 1}},
    ),
    Scenario(
        "a frame with no game id before any game is dropped, counted and reported",
        [(100.0, event("gameStateUpdate", {"cooldownTimer": 12000, "allowPreRoundBuys": False}))],
        ["problem dropped"],
        view={"phase": Phase.UNKNOWN, "game_id": None},
        counters={"dropped": {"no game id": 1}},
    ),
    Scenario(
        "maintenance notice",
        [
            *ticks(G1, 0, 2),
            (
                101.0,
                event(
                    "maintenanceUpdate",
                    {"active": True, "message": "Server will reboot after this round", "mega": False},
                ),
            ),
        ],
        ["maintenance True"],
        view={"maintenance": True, "tick": 2},
    ),
    Scenario(
        "paused cooldown",
        [(100.0, cooldown(G1, 12000, paused=True))],
        ["phase UNKNOWN>COOLDOWN"],
        view={"paused": True, "cooldown_timer_ms": 12000},
    ),
    Scenario(
        "Engine.IO open then namespace connect: one connection",
        [
            (100.0, '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}'),
            (100.1, '40{"sid":"xyz"}'),
        ],
        ["connected abc"],
        tail_frames=2,
        counters={"connects": 1},
    ),
    Scenario(
        "namespace connect alone (re-encoded captures)",
        [(100.0, '40{"sid":"anon"}')],
        ["connected anon"],
    ),
    Scenario(
        "ping, pong and disconnect: no signals",
        [(100.0, "2"), (100.1, "3"), (100.2, "41")],
        [],
        tail_frames=3,
        counters={"disconnects": 1},
    ),
    Scenario(
        "garbage and an invalid payload are problems, not exceptions",
        [
            (100.0, "not a frame"),
            (100.1, '42["gameStateUpdate",{"tickCount":"five"}]'),
            (100.2, '42["someNewEvent",{}]'),
            (100.3, '42["someNewEvent",{}]'),
        ],
        ["problem undecodable", "problem invalid", "problem unknown"],
        tail_frames=4,
        counters={"unknown": {"someNewEvent": 2}, "invalid": {"gameStateUpdate": 1}},
    ),
]


@pytest.mark.parametrize("sc", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_tick_scenarios(sc: Scenario) -> None:
    tr = GameTracker()
    per_frame = [[summary(s) for s in tr.on_frame(t, "in", f)] for t, f in sc.frames]
    tail = [s for frame in per_frame[-sc.tail_frames :] for s in frame]
    assert tail == sc.expect_tail
    view = tr.view
    for key, want in sc.view.items():
        got: Any = view
        for part in key.split("."):
            got = getattr(got, part)
        assert got == pytest.approx(want) if isinstance(want, float) else got == want, key
    counters = tr.counters.as_dict()
    for key, want in sc.counters.items():
        assert counters[key] == want, key
    assert tr.counters.internal_errors == 0


def test_tick_timing_only_counts_gaps_within_a_game() -> None:
    tr = GameTracker()
    frames = [
        *ticks(G1, 0, 4, t0=100.0),
        (101.2, rug(G1, 5)),
        (106.0, cooldown(G2, 14900)),
        (111.0, presale(G2)),
        *ticks(G2, 0, 4, t0=121.0),
    ]
    for t, f in frames:
        tr.on_frame(t, "in", f)
    timing = tr.view.timing
    assert timing.samples == 8  # 4 gaps in each game; none across the rug and cooldown
    assert timing.max_s == pytest.approx(TICK)
    assert timing.p50_s == pytest.approx(TICK)
    assert timing.stalls == 0


def test_stalls_counted_and_percentiles() -> None:
    tr = GameTracker()
    gaps = [0.25] * 97 + [1.5, 2.0, 0.5]
    t = 100.0
    tr.on_frame(t, "in", active(G1, 0))
    for k, gap in enumerate(gaps, start=1):
        t += gap
        tr.on_frame(t, "in", active(G1, k))
    timing = tr.view.timing
    assert timing.samples == 100
    assert timing.stalls == 2
    assert timing.max_s == pytest.approx(2.0)
    assert timing.p50_s == pytest.approx(0.25)
    assert timing.p99_s == pytest.approx(2.0)
    assert timing.last_gap_s == pytest.approx(0.5)


def test_feed_age_uses_feed_times() -> None:
    tr = GameTracker()
    assert tr.feed_age(5.0) == float("inf")
    tr.on_frame(100.0, "in", active(G1, 1))
    assert tr.feed_age(103.5) == pytest.approx(3.5)
    tr.on_frame(104.0, "out", event("ping", {"lastPing": 1}))
    assert tr.feed_age(104.0) == pytest.approx(4.0)  # our own outgoing frames are not feed life


def test_flush_reports_an_unproven_inferred_rug_at_end_of_feed() -> None:
    tr = GameTracker()
    for t, f in [*ticks(G1, 0, 7), (110.0, cooldown(G2, 14900))]:
        tr.on_frame(t, "in", f)
    assert list(tr.finished) == []
    (sig,) = tr.flush()
    assert isinstance(sig, GameRugged)
    assert (sig.game.game_id, sig.game.rug_tick, sig.game.complete, sig.game.rug_t) == (G1, 7, False, 110.0)
    assert tr.flush() == []
    assert [g.game_id for g in tr.finished] == [G1]


def test_finished_games_bounded() -> None:
    tr = GameTracker(finished_maxlen=3)
    t = 100.0
    for n in range(5):
        gid = f"20251212-{n:016x}"
        tr.on_frame(t, "in", active(gid, 0))
        tr.on_frame(t + 0.25, "in", rug(gid, 1))
        t += 20
    assert [g.game_id[-1] for g in tr.finished] == ["2", "3", "4"]


# ------------------------------------------------------------------ own account, bets, acks

OWN = "did:privy:me"
PLAYER_UPDATE = event(
    "playerUpdate",
    {
        "id": OWN,
        "cash": 0.017619831,
        "bonusBalance": 0,
        "shitcoinBalances": {"0xPractice": 100},
        "authenticated": True,
        "sideBet": None,
        "sidebets": [],
    },
)
PLACED = event(
    "currentSidebet",
    TRACE,
    {
        "playerId": OWN,
        "gameId": G1,
        "price": 0.1008,
        "betAmount": 0.002,
        "xPayout": 5,
        "coinAddress": "So11111111111111111111111111111111111111112",
        "startTick": 102,
        "endTick": 142,
        "tickIndex": 102,
        "timestamp": 1766897774669,
        "type": "placed",
    },
)
WON = event(
    "currentSidebetResult",
    TRACE,
    {
        "playerId": OWN,
        "gameId": G1,
        "type": "payout",
        "betAmount": 0.002,
        "payout": 0.01,
        "profit": 0.008,
        "startTick": 102,
        "endTick": 142,
        "tickIndex": 130,
        "price": 0.00925,
    },
)
LOST = event(
    "currentSidebetResult",
    TRACE,
    {
        "playerId": OWN,
        "gameId": G1,
        "type": "payout",
        "betAmount": 0.002,
        "payout": 0,
        "profit": -0.002,
        "startTick": 102,
        "endTick": 142,
        "tickIndex": 102,
        "price": 0.5,
    },
)
REQUEST = event(
    "requestSidebet",
    TRACE,
    {"amount": 0.002, "coinAddress": "So11111111111111111111111111111111111111112", "xPayout": 5},
    ack_id=17,
)
ACK = '4317[{"success":true,"message":"Side bet placed","sidebet":{"startTick":102,"endTick":142}}]'

OWN_CASES = [
    ("player update", [("in", PLAYER_UPDATE)], ["account 17619831"]),
    (
        "placed then won",
        [("in", PLACED), ("in", WON)],
        ["placed 102-142 2000000", "settled won 10000000 @130"],
    ),
    ("placed then lost", [("in", PLACED), ("in", LOST)], ["placed 102-142 2000000", "settled lost 0 @102"]),
    (
        "repeated settlement is reported once, the repeat is a duplicate",
        [("in", PLACED), ("in", WON), ("in", WON)],
        ["placed 102-142 2000000", "settled won 10000000 @130", "problem duplicate"],
    ),
    (
        "repeated placement is a duplicate",
        [("in", PLACED), ("in", PLACED)],
        ["placed 102-142 2000000", "problem duplicate"],
    ),
    ("request, ack", [("out", REQUEST), ("in", ACK)], ["request 17 2000000", "ack 17 True"]),
    (
        "stripped traced payloads (CDP capture) yield nothing",
        [("in", event("currentSidebet", TRACE)), ("in", event("currentSidebetResult", TRACE))],
        [],
    ),
    ("other outgoing events are only counted", [("out", event("getLeaderboard", {"period": "7d"}))], []),
]


@pytest.mark.parametrize(("name", "frames", "expected"), OWN_CASES, ids=[c[0] for c in OWN_CASES])
def test_own_account_and_bets(name: str, frames: list[tuple[str, str]], expected: list[str]) -> None:
    tr = GameTracker()
    got = [summary(s) for i, (d, f) in enumerate(frames) for s in tr.on_frame(100.0 + i, d, f)]
    assert got == expected
    assert tr.counters.internal_errors == 0


def test_account_view_tracks_balances_and_active_bet() -> None:
    tr = GameTracker()
    tr.on_frame(1.0, "in", PLAYER_UPDATE)
    acc = tr.account
    assert acc.player_id == OWN and acc.authenticated
    assert acc.cash_lamports == 17_619_831
    assert acc.balance("0xPractice") == 100_000_000_000
    assert acc.balance("So11111111111111111111111111111111111111112") == 17_619_831
    assert acc.active_bet is None
    tr.on_frame(2.0, "in", PLACED)
    bet = tr.account.active_bet
    assert bet is not None and (bet.start_tick, bet.end_tick, bet.amount_lamports) == (102, 142, 2_000_000)
    assert bet.placed_t == 2.0
    # a playerUpdate without a sideBet field keeps the bet; one with "sideBet":null clears it
    tr.on_frame(3.0, "in", event("playerUpdate", {"cash": 0.015619831}))
    assert tr.account.active_bet == bet
    assert tr.account.cash_lamports == 15_619_831
    tr.on_frame(4.0, "in", WON)
    assert tr.account.active_bet is None
    tr.on_frame(5.0, "in", PLACED)
    tr.on_frame(6.0, "in", PLAYER_UPDATE)
    assert tr.account.active_bet is None


def test_event_name_counters_are_bounded() -> None:
    tr = GameTracker()
    problems = sum(len(tr.on_frame(100.0 + i, "in", event(f"random{i}", {}))) for i in range(1000))
    assert problems == 257  # one per new name while names are kept, then one for "<other>"
    c = tr.counters
    assert len(c.events) <= 257 and len(c.unknown) <= 257
    assert sum(c.events.values()) == 1000 and sum(c.unknown.values()) == 1000
    assert c.unknown["<other>"] == 1000 - 256


def test_a_lone_surrogate_in_a_game_state_frame_is_undecodable_not_a_tracker_error() -> None:
    # Found by the slow fuzz run: msgspec encodes the str to UTF-8 first, which a lone surrogate cannot be.
    tr = GameTracker()
    sigs = tr.on_frame(1.0, "in", '42["gameStateUpdate",{\ud800active":true}]')
    assert [s.kind for s in sigs if isinstance(s, FeedProblem)] == ["undecodable"]
    assert tr.counters.internal_errors == 0
