"""Every guard tripping (and clearing where it should), as table-driven scenarios against a real governor."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bets.model import BetStatus
from bot.config.sections import GuardsConfig
from bot.game.state import Phase
from bot.risk.governor import Level
from bot.risk.guards import AlarmKind
from bot.risk.verdict import Action
from tests.risk.helpers import MILLI, guards
from tests.risk.scenario import (
    Alarm,
    Balance,
    Frame,
    Notice,
    OtherProcess,
    Propose,
    Report,
    Silence,
    Step,
    run_scenario,
)

A, D, P, H, K = Action.ALLOW, Action.DENY, Action.PAUSE, Action.HALT, Action.KILL
ACTIVE, PAUSED, HALTED, KILLED = Level.ACTIVE, Level.PAUSED, Level.HALTED, Level.KILLED
LOST, WON = BetStatus.LOST, BetStatus.WON
OTHER_GAME = "20251228-bbbbbbbbbbbbbbbb"

# name, guard config, steps, kwargs
SCENARIOS: list[tuple[str, GuardsConfig, list[Step], dict[str, object]]] = [
    (
        "max stake per bet",
        guards(max_stake_per_bet_sol=0.01),
        [
            Propose(20 * MILLI, D, "max_stake_per_bet"),
            Propose(MILLI // 2, D, "max_stake_per_bet"),  # under the game's minimum
            Propose(10 * MILLI, A),
            Frame(level=ACTIVE),
        ],
        {},
    ),
    (
        "max stake per game",
        guards(max_stake_per_bet_sol=0.01, max_stake_per_game_sol=0.015),
        [
            Propose(10 * MILLI, A),
            Report(BetStatus.CONFIRMED),
            Report(LOST),
            Propose(10 * MILLI, D, "max_stake_per_game"),
            Propose(5 * MILLI, A),
            Report(LOST),
            Propose(10 * MILLI, A, game=OTHER_GAME),  # a new game has its own budget
        ],
        {},
    ),
    (
        "session loss limit reached halts",
        guards(session_loss_limit_sol=0.02),
        [
            Propose(10 * MILLI, A),
            Report(LOST, level=ACTIVE),
            Propose(10 * MILLI, A),
            Report(LOST, level=HALTED, reason="session loss limit"),
            Propose(MILLI, H),
        ],
        {},
    ),
    (
        "session loss limit: a bet that could break it is refused",
        guards(session_loss_limit_sol=0.025),
        [
            Propose(10 * MILLI, A),
            Report(LOST),
            Propose(10 * MILLI, A),
            Report(LOST, level=ACTIVE),
            Propose(10 * MILLI, D, "session_loss_limit"),
            Propose(6 * MILLI, D, "session_loss_limit"),
            Propose(5 * MILLI, A),
            Report(LOST, level=HALTED),
        ],
        {},
    ),
    (
        "session loss limit counts the open stake",
        guards(session_loss_limit_sol=0.015),
        [
            Propose(10 * MILLI, A),
            Report(BetStatus.CONFIRMED, level=ACTIVE),
            Propose(10 * MILLI, D, "session_loss_limit"),  # 0.015 - 0.01 still at risk = 0.005 left
            Propose(5 * MILLI, D, "one_open_bet"),  # fits the budget, but one bet at a time
            Report(WON, payout=50 * MILLI, level=ACTIVE),  # +0.04: the budget grows with profit
            Propose(10 * MILLI, A),
            Report(LOST),
            Propose(10 * MILLI, A),
            Report(LOST),
            Propose(10 * MILLI, A),
            Report(LOST),
            Propose(10 * MILLI, A),
            Report(LOST, level=ACTIVE),
            Propose(10 * MILLI, A),
            Report(LOST, level=ACTIVE),  # net -0.01: 0.005 left
            Propose(10 * MILLI, D, "session_loss_limit"),
        ],
        {},
    ),
    (
        "bets per game are counted, whatever the stake (a stake lowered by adaptation is still a bet)",
        guards(max_bets_per_game=2, max_stake_per_game_sol=None),
        [
            Propose(7_500_000, A),
            Report(LOST, level=ACTIVE),
            Propose(MILLI, A),
            Report(LOST, level=ACTIVE),
            Propose(MILLI, D, "max_bets_per_game"),
        ],
        {},
    ),
    (
        "daily loss limit pauses until the next UTC midnight",
        guards(daily_loss_limit_sol=0.02),
        [
            Propose(10 * MILLI, A),
            Report(LOST),
            Propose(10 * MILLI, A),
            Report(LOST, level=PAUSED, reason="daily loss limit"),
            Propose(MILLI, P),
            Frame(dt=3600.0, level=PAUSED),
            Frame(dt=86_400.0, level=ACTIVE),  # next UTC day (feed time)
            Propose(10 * MILLI, A),
        ],
        {},
    ),
    (
        "take_profit kills the session",
        guards(take_profit_sol=0.03),
        [
            Propose(10 * MILLI, A),
            Report(WON, payout=50 * MILLI, level=KILLED, reason="take-profit"),
            Propose(MILLI, K),
        ],
        {},
    ),
    (
        "max consecutive losses halts; a win resets the count",
        guards(max_consecutive_losses=3),
        [
            Propose(MILLI, A),
            Report(LOST),
            Propose(MILLI, A),
            Report(LOST),
            Propose(MILLI, A),
            Report(WON, payout=5 * MILLI),
            Propose(MILLI, A),
            Report(LOST),
            Propose(MILLI, A),
            Report(LOST, level=ACTIVE),
            Propose(MILLI, A),
            Report(LOST, level=HALTED, reason="3 losses in a row"),
        ],
        {},
    ),
    (
        "max drawdown refuses what could break it, then halts",
        guards(max_drawdown_pct=5.0),
        [
            Propose(2 * MILLI, A),
            Report(LOST),
            Propose(2 * MILLI, A),
            Report(LOST, level=ACTIVE),
            Propose(2 * MILLI, D, "max_drawdown"),
            Propose(MILLI, A),
            Report(LOST, level=HALTED, reason="drawdown"),
        ],
        {"bankroll_sol": 0.1},
    ),
    (
        "max bets per hour pauses until one ages out",
        guards(max_bets_per_hour=2),
        [
            Propose(MILLI, A),
            Report(LOST, level=ACTIVE),
            Frame(dt=600.0),
            Propose(MILLI, A),
            Report(LOST, level=PAUSED, reason="bets in the last hour"),
            Propose(MILLI, P),
            Frame(dt=3000.0, level=ACTIVE),  # the first bet is now more than an hour old
            Propose(MILLI, A),
        ],
        {},
    ),
    (
        "minimum reserve",
        guards(min_reserve_sol=0.995),
        [
            Propose(10 * MILLI, D, "min_reserve"),
            Propose(5 * MILLI, A),
            Report(LOST),
            Propose(MILLI, D, "min_reserve"),
        ],
        {},
    ),
    (
        "loss_streak_cooldown pauses after a streak",
        guards(loss_streak_cooldown=2, loss_streak_cooldown_s=120.0),
        [
            Propose(MILLI, A),
            Report(LOST, level=ACTIVE),
            Propose(MILLI, A),
            Report(LOST, level=PAUSED, reason="cooling down"),
            Frame(dt=60.0, level=PAUSED),
            Frame(dt=61.0, level=ACTIVE),
            Propose(MILLI, A),
            Report(LOST, level=PAUSED),  # each further loss restarts it
            Frame(dt=121.0, level=ACTIVE),
            Propose(MILLI, A),
            Report(WON, payout=5 * MILLI, level=ACTIVE),
        ],
        {},
    ),
    (
        "feed silent pauses until frames return",
        guards(feed_silent_s=5.0),
        [
            Frame(phase=Phase.COOLDOWN),  # between games: no tick expected, frames still are
            Silence(4.0, level=ACTIVE),
            Silence(2.0, level=PAUSED, reason="feed silent"),
            Propose(MILLI, P, "feed_silent"),
            Frame(level=ACTIVE),
        ],
        {},
    ),
    (
        "tick stall and a long tick interval pause",
        guards(max_tick_interval_s=2.0),
        [
            Frame(tick_gap=2.5, level=PAUSED, reason="no tick for"),
            Frame(level=ACTIVE),
            Frame(last_gap_s=2.6, level=PAUSED, reason="last tick interval"),
            Frame(level=ACTIVE),
            Frame(tick_gap=2.5, phase=Phase.COOLDOWN, level=ACTIVE),  # no ticks between games,
        ],
        {},
    ),
    (
        "maintenance notice and paused cycle",
        guards(),
        [
            Notice(True, level=PAUSED),
            Propose(MILLI, P, "maintenance"),
            Notice(False, level=ACTIVE),
            Frame(maintenance=True, level=PAUSED, reason="maintenance"),
            Frame(paused=True, level=PAUSED, reason="paused"),
            Frame(level=ACTIVE),
        ],
        {},
    ),
    (
        "an unknown bet blocks until reconciled",
        guards(),
        [
            Propose(MILLI, A),
            Report(BetStatus.UNKNOWN, level=PAUSED, reason="unknown"),
            Propose(MILLI, P, "unconfirmed_bet"),
            Report(LOST, level=ACTIVE),
            Propose(MILLI, A),
        ],
        {},
    ),
    (
        "an intent never confirmed pauses after the timeout",
        guards(unconfirmed_bet_s=3.0),
        [
            Propose(MILLI, A),
            Frame(dt=2.0, level=ACTIVE),
            Frame(dt=1.5, level=PAUSED, reason="still intent"),
            Report(BetStatus.CANCELLED, level=ACTIVE),
        ],
        {},
    ),
    (
        "one open bet at a time",
        guards(),
        [
            Propose(MILLI, A),
            Report(BetStatus.CONFIRMED),
            Propose(MILLI, D, "one_open_bet"),
            Report(LOST),
            Propose(MILLI, A),
        ],
        {},
    ),
    (
        "balance: none yet pauses; unexplained difference pauses then halts",
        guards(balance_mismatch_grace_s=5.0),
        [
            Frame(level=PAUSED, reason="no server balance"),
            Balance(1_000 * MILLI, level=ACTIVE),
            Propose(10 * MILLI, A),
            Frame(level=ACTIVE),  # the server has not debited yet: explained by the bet in flight
            Balance(990 * MILLI, level=ACTIVE),  # debited: explained
            Report(BetStatus.CONFIRMED),
            Report(LOST, level=ACTIVE),
            Balance(980 * MILLI, level=PAUSED, reason="diff"),  # money left the account without us
            Silence(10.0, level=PAUSED),  # a silence is no evidence either way: it counts 0.5 s at most
            *[Frame(dt=0.25, level=PAUSED) for _ in range(17)],
            Frame(dt=0.25, level=HALTED, reason="balance_mismatch"),  # 5 s of flowing feed
        ],
        {"logged_in": True},
    ),
    (
        "balance: a payout credited in the burst after a rug silence does not halt",
        guards(balance_mismatch_grace_s=5.0),
        [
            Balance(1_000 * MILLI, level=ACTIVE),
            Propose(10 * MILLI, A),
            Balance(990 * MILLI, level=ACTIVE),
            Report(BetStatus.CONFIRMED),
            # the broker saw the rug; the server's update is late: a payout booked and not yet seen is
            # expected (issue 14.8: no pause, no WARNING), and a silence is no evidence against it
            Report(WON, payout=50 * MILLI, level=ACTIVE),
            Silence(
                4.0, level=PAUSED, reason="tick_stall"
            ),  # the silence pauses as a stall; the payout does not
            Silence(3.0, level=PAUSED, reason="tick_stall"),  # post-rug silence + a stall
            Balance(1_040 * MILLI, dt=0.01, level=ACTIVE),
        ],
        {"logged_in": True},
    ),
    (
        "balance: a win credited before its report is fine",
        guards(balance_mismatch_grace_s=5.0),
        [
            Balance(1_000 * MILLI, level=ACTIVE),
            Propose(10 * MILLI, A),
            Balance(990 * MILLI, level=ACTIVE),
            Report(BetStatus.CONFIRMED),
            Balance(1_040 * MILLI, level=PAUSED),  # payout arrives first
            Report(WON, payout=50 * MILLI, level=ACTIVE),
        ],
        {"logged_in": True},
    ),
    (
        "halt from another process is seen within one tick; resume clears it",
        guards(),
        [
            OtherProcess(halt=True, level=HALTED),
            Propose(MILLI, H),
            Frame(level=HALTED),
            OtherProcess(halt=False, level=ACTIVE),
            Propose(MILLI, A),
        ],
        {},
    ),
]
SCENARIOS += [
    (f"alarm {kind.value} halts", guards(), [Alarm(kind.value), Propose(MILLI, H), Frame(level=HALTED)], {})
    for kind in AlarmKind
]
SCENARIOS.append(("an unrecognised alarm halts too (fail closed)", guards(), [Alarm("mystery")], {}))


@pytest.mark.parametrize(("name", "cfg", "steps", "kwargs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario(
    tmp_path: Path, name: str, cfg: GuardsConfig, steps: list[Step], kwargs: dict[str, object]
) -> None:
    run_scenario(tmp_path / "bot.db", cfg, steps, **kwargs)  # type: ignore[arg-type]


def test_every_guard_has_a_tripping_scenario() -> None:
    """Guard names appear in the table (as the denying guard or in an expected reason) — none is left untested."""
    from bot.risk.guards import GUARD_CLASSES

    text = " ".join(f"{n} {steps}" for n, _c, steps, _k in SCENARIOS)
    missing = [c.name for c in GUARD_CLASSES if c.name not in text and c.name.replace("_", " ") not in text]
    assert missing == []


# scenario name -> (guard, action) rows that must be in guard_events afterwards
STORED = {
    "session loss limit reached halts": ("session_loss_limit", "halt"),
    "daily loss limit pauses until the next UTC midnight": ("daily_loss_limit", "pause"),
    "take_profit kills the session": ("take_profit", "kill"),
    "max stake per bet": ("max_stake_per_bet", "deny"),
    "feed silent pauses until frames return": ("feed_silent", "clear"),
    "alarm fair_mismatch halts": ("alarm:fair_mismatch", "halt"),
}


@pytest.mark.parametrize("name", sorted(STORED))
def test_guard_trips_are_stored(tmp_path: Path, name: str) -> None:
    _n, cfg, steps, kwargs = next(s for s in SCENARIOS if s[0] == name)
    r = run_scenario(tmp_path / "bot.db", cfg, steps, **kwargs)  # type: ignore[arg-type]
    rows = {(e["guard"], e["action"]) for e in r.gov.store.guard_events(r.gov.session)}
    assert STORED[name] in rows, rows
    if STORED[name][1] == "halt":
        halt = r.gov.store.active_halt()
        assert halt is not None and halt.source == f"guard:{STORED[name][0]}"


def test_operator_kill_and_halt_row_written_before_state_changes(tmp_path: Path) -> None:
    """The halt row must be in the database by the time the governor reports HALTED (another connection sees it)."""
    from bot.store.db import Store
    from bot.store.rows import HaltRow

    r = run_scenario(tmp_path / "bot.db", guards(), [Frame(level=ACTIVE)])
    seen: list[bool] = []
    original = r.gov.store.set_halt

    def spy(reason: str, source: str, t: float | None = None) -> HaltRow:
        row = original(reason, source, t)
        other = Store.open(tmp_path / "bot.db")
        seen.append(other.active_halt() is not None and r.gov.state.level is not HALTED)
        other.close()
        return row

    r.gov.store.set_halt = spy  # type: ignore[method-assign]
    r.gov.alarm("model_drift", "SPRT")
    assert seen == [True] and r.gov.state.level is HALTED
    r.gov.kill("operator pressed q")
    assert r.gov.state.level is KILLED


def test_a_crashing_guard_halts(tmp_path: Path) -> None:
    from bot.risk.guards import build_guards
    from bot.risk.guards.base import GuardContext
    from bot.risk.verdict import Verdict
    from tests.risk.helpers import make_governor, view

    class Broken:
        name = "broken"

        def check(self, ctx: GuardContext) -> Verdict:
            raise ZeroDivisionError("oops")

    gov = make_governor(tmp_path / "bot.db")
    gov.guards = [*build_guards(guards()), Broken()]
    gov.tick(view(1_765_000_001.0), 1_765_000_001.0)
    assert gov.state.level is HALTED and "guard error: ZeroDivisionError" in gov.state.reasons[0]
