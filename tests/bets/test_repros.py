"""The money-path repros of the "money safety in every ordinary path" issue, in process.

Each test is one ordinary path an operator meets: restarts, stops that leave a bet open, another account or a
dry-run on the same database, adaptation lowering stakes, and the numbers the operator reads afterwards. Real
parts throughout: the SQLite file, governor, ledger, bet tracker, game tracker, trading loop, strategies, the
simulator's own frames. Repros that need a process outliving the bot are in test_restart_sim.py.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from bot.app.loop import TradingLoop
from bot.bets.model import BetStatus, BrokerReport, Evidence
from bot.commands.status import collect
from bot.config.profile import profile_from_dict
from bot.engine.types import SideBet
from bot.game.state import GameView, Phase
from bot.mode import Mode
from bot.protocol.frames import encode_event
from bot.risk.governor import Level
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from tests.bets.frames import (
    GAME,
    event,
    game_frame,
    player_update,
    practice_profile,
    sidebet,
    start,
)

A, B = "did:sim:aaaa", "did:sim:bbbb"
STAKE = 10_000_000


def _open_confirmed(db: Path, pid: str, *, tick: int = 45, balance: float = 100.0) -> str:
    """Process 1: bets at ``tick`` (window tick+2 .. tick+42), confirmed by the server, then stops."""
    loop, gov, store = start(db, practice_profile(), Mode.PRACTICE, 99.0)
    loop.on_frame(*player_update(100.0, balance, pid=pid))
    view = GameView(game_id=GAME, phase=Phase.ACTIVE, tick=tick, price=1.0, t=100.5, last_tick_t=100.5)
    intent = gov.open_bet(SideBet(STAKE, "test", "fixed"), view, gov.ledger.coin)
    loop.bets.register(intent)
    loop.apply(
        BrokerReport(intent.bet_id, BetStatus.CONFIRMED, 100.7, start_tick=tick + 2, end_tick=tick + 42)
    )
    loop.on_frame(*player_update(100.8, balance - 0.01, pid=pid, active=sidebet(pid, tick + 2)))
    gov.close(101.0)
    store.close()  # the stop: the game and the bet go on without this process
    return intent.bet_id


def test_repro1_a_restart_with_an_unchanged_balance_bets(tmp_path: Path) -> None:
    """The first server balance of every session is its starting point, even when it equals the last one."""
    db = tmp_path / "bot.db"
    loop, gov, store = start(db, practice_profile(), Mode.PRACTICE, 10.0)
    loop.on_frame(*player_update(11.0, 100.0, pid=A))
    gov.tick(loop.tracker.view, 11.0)
    gov.close(12.0)
    store.close()
    loop, gov, store = start(db, practice_profile(), Mode.PRACTICE, 20.0)
    intents = []
    for t, d, f in [player_update(21.0, 100.0, pid=A), *(game_frame(22.0 + i * 0.25, i) for i in range(12))]:
        intent = loop.on_frame(t, d, f)
        intents += [intent] if intent is not None else []
    assert gov.ledger.balance_fresh and gov.state.level is Level.ACTIVE, gov.state.reasons
    assert len(intents) == 1 and intents[0].account == A and intents[0].mode is Mode.PRACTICE
    store.close()


def test_repro2_a_bet_left_open_is_never_settled_by_another_accounts_evidence(tmp_path: Path) -> None:
    """Account A stops with a bet running (window 47–87); the next run is account B, whose game rugs at 53 and
    whose balance moves. A's bet stays open, shows as A's, is left out of B's books and never blocks B."""
    db = tmp_path / "bot.db"
    left = _open_confirmed(db, A)
    loop, gov, store = start(db, practice_profile(), Mode.PRACTICE, 200.0)
    frames = [
        player_update(200.1, 100.0, pid=B),
        *(game_frame(200.2 + i * 0.25, i) for i in range(46, 54)),
        game_frame(202.5, 53, rugged=True),
        player_update(203.0, 100.0, pid=B),  # the balance the old reconciler "explained" A's bet with
        *(game_frame(205.0 + i * 0.25, i, game="20261124-00000000000000bb") for i in range(12)),
    ]
    intents = []
    for f in frames:
        got = loop.on_frame(*f)
        if got is not None:  # no page here: B's bet is not clicked (it was decided: B is not blocked)
            intents.append(got)
            loop.apply(BrokerReport(got.bet_id, BetStatus.CANCELLED, f[0], message="no page in this test"))
    row = store.bet(left)
    assert row is not None and row.status is BetStatus.CONFIRMED and row.account == A
    assert gov.ledger.account == B and gov.ledger.open_exposure == 0
    assert gov.state.level is not Level.HALTED, gov.state.reasons
    assert intents and all(i.account == B for i in intents), "B bets: A's bet does not block another account"
    assert not [r for r in loop.reports if r.bet_id == left]
    store.close()
    st = collect(db)
    shown = {b["bet_id"]: b for b in st["open_bets"]}
    assert shown[left]["account"] == A and shown[left]["foreign"] is True


def test_repro3_a_restart_in_the_same_game_waits_for_the_open_bet(tmp_path: Path) -> None:
    """Stopped right after a click: the restart sees the server's active bet, confirms it (never "never
    placed"), places nothing in that game while it runs, and counts it as the game's first bet afterwards."""
    db = tmp_path / "bot.db"
    loop, gov, store = start(db, practice_profile(), Mode.PRACTICE, 99.0)
    loop.on_frame(*player_update(100.0, 100.0, pid=A))
    old = None
    for i in range(0, 12):
        old = old or loop.on_frame(*game_frame(100.1 + i * 0.25, i))
    assert old is not None
    loop.apply(BrokerReport(old.bet_id, BetStatus.CLICKED, old.decided_t + 0.1, evidence=Evidence.CLICK))
    store.close()  # SIGTERM right after the click
    s = old.decided_tick + 1
    loop, gov, store = start(db, practice_profile(), Mode.PRACTICE, 110.0)
    frames = [
        player_update(110.1, 99.99, pid=A, active=sidebet(A, s)),
        *(game_frame(110.2 + i * 0.25, i) for i in range(s, s + 41)),
        event(121.0, "currentSidebetResult", sidebet(A, s, payout=0.0)),
        player_update(121.1, 99.99, pid=A),
        *(game_frame(121.2 + i * 0.25, i) for i in range(s + 41, s + 60)),
    ]
    intents = []
    for f in frames:
        got = loop.on_frame(*f)
        if got is not None:
            assert not loop.bets.knows(old.bet_id), "a new bet while the old one was still running"
            intents.append(got)
    row = store.bet(old.bet_id)
    assert row is not None and row.status is BetStatus.LOST and row.evidence == Evidence.SERVER_RESULT.value
    assert [r.status for r in loop.reports if r.bet_id == old.bet_id] == [
        BetStatus.UNKNOWN,
        BetStatus.CONFIRMED,
        BetStatus.LOST,
    ]
    assert len(intents) == 1 and intents[0].decided_tick + 1 >= 45  # slot 2: the old bet was slot 1
    assert gov.state.level is not Level.HALTED
    store.close()


def test_repro4_a_dry_run_never_touches_a_real_bet(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    left = _open_confirmed(db, A)
    loop, gov, store = start(db, practice_profile(), Mode.DRY_RUN, 200.0)
    frames = [
        (t, encode_event(o.event, *o.args))
        for t, o in iter_timeline(SimConfig(seed="dry"), games=2)
        if o.to is None
    ]
    for t, f in [(200.1, player_update(200.1, 55.0, pid=A)[2]), *frames]:
        intent = loop.on_frame(t, "in", f)
        if intent is not None:
            loop.apply(_paper(loop, intent))
    row = store.bet(left)
    assert row is not None and row.status is BetStatus.CONFIRMED, row
    assert all(b.bet_id != left for b in gov.ledger.open_bets)
    paper = [b for b in store.bets(gov.session)]
    assert paper and all(b.account == "paper:t" and b.mode == "DRY-RUN" for b in paper)
    store.close()


def _paper(loop: TradingLoop, intent: object) -> BrokerReport:
    from bot.brokers.paper import PaperBroker

    assert isinstance(loop.broker, PaperBroker)
    return loop.broker.place(intent)  # type: ignore[arg-type]


def _adapting_run(
    tmp_path: Path, *, strategy_cap: int, guard_cap: int | None
) -> tuple[Counter[str], list[int], list[str]]:
    """A dry run whose clicks land 4 ticks after the decision: adaptation lowers every stake to 0.0075."""
    profile = profile_from_dict(
        {
            "name": "t",
            "engine": {
                "strategies": [
                    {
                        "name": "fixed",
                        "params": {
                            "stake_sol": 0.01,
                            "start_tick": 0,
                            "every": 40,
                            "max_bets_per_game": strategy_cap,
                        },
                    }
                ],
                "adaptive": True,
                "max_tightening": 0.5,
            },
            "timing": {"click_latency_s": 1.0},
            "guards": {  # the sim profile's limits: the stake per game does not bind
                "max_bets_per_game": guard_cap,
                "max_stake_per_game_sol": 0.1,
                "max_consecutive_losses": 30,
                "loss_streak_cooldown": 25,
                "feed_silent_s": 600,
                "max_tick_interval_s": 600,
            },
        }
    )
    loop, gov, store = start(tmp_path / "bot.db", profile, Mode.DRY_RUN, 0.0, latency_s=1.0)
    for t, o in iter_timeline(SimConfig(seed="adapt"), games=12):
        if o.to is not None:
            continue
        intent = loop.on_frame(t, "in", encode_event(o.event, *o.args))
        if intent is not None:
            loop.apply(_paper(loop, intent))
    bets = [b for b in store.bets(gov.session) if b.status not in (BetStatus.REJECTED, BetStatus.CANCELLED)]
    trips = [e["guard"] for e in store.guard_events(gov.session)]
    store.close()
    return Counter(b.game for b in bets), [b.amount_lamports for b in bets], trips


def test_repro5_bets_per_game_are_counted_whatever_the_stake(tmp_path: Path) -> None:
    per_game, stakes, _ = _adapting_run(tmp_path / "strategy", strategy_cap=2, guard_cap=None)
    assert 7_500_000 in stakes, "adaptation must have lowered the stake for this repro"
    assert max(per_game.values()) == 2, per_game  # the strategy counts bets, not stake // stake
    per_game, stakes, trips = _adapting_run(tmp_path / "guard", strategy_cap=5, guard_cap=2)
    assert 7_500_000 in stakes
    assert max(per_game.values()) == 2, per_game  # the governor's cap holds whatever the strategy wants
    assert "max_bets_per_game" in trips


def test_repro6_numbers_are_per_session_and_carry_their_coin(tmp_path: Path) -> None:
    """Two dry-run sessions of profile t, one of profile u: the summary's wins and losses are the session's,
    the loss streak is the account's (cumulative, and says so), the paper bankroll is per profile."""
    db = tmp_path / "bot.db"
    frames = [
        (t, encode_event(o.event, *o.args))
        for t, o in iter_timeline(SimConfig(seed="seven"), games=6)
        if o.to is None
    ]
    half = len(frames) // 2
    sessions = []
    for name, part in (("t", frames[:half]), ("t", frames[half:]), ("u", frames[:10])):
        loop, gov, store = start(db, practice_profile(name, "dry-run"), Mode.DRY_RUN, part[0][0])
        for t, f in part:
            intent = loop.on_frame(t, "in", f)
            if intent is not None:
                loop.apply(_paper(loop, intent))
        gov.close(part[-1][0])
        row = store.session(gov.session)
        assert row is not None and row.summary is not None and row.account == f"paper:{name}"
        settled = [b for b in store.bets(gov.session) if b.status in (BetStatus.WON, BetStatus.LOST)]
        assert row.summary["wins"] + row.summary["losses"] == len(settled), (
            "the summary counts this session only"
        )
        pnl = sum(b.pnl_lamports for b in store.bets() if b.account == f"paper:{name}")
        sessions.append(
            (gov.ledger.bankroll, gov.ledger.wins_total + gov.ledger.losses_total, len(settled), pnl)
        )
        store.close()
    (_, _, n1, _), (bank_t, total2, n2, pnl_t), (bank_u, total_u, _, _) = sessions
    assert n1 and n2 and total2 == n1 + n2  # the account's totals are cumulative over its sessions
    assert pnl_t != 0 and bank_t == 10**10 + pnl_t  # profile t's paper account carries over ...
    assert bank_u == 10**10 and total_u == 0  # ... and profile u's starts from its own bankroll
    last = collect(db)["last_session"]
    assert last["consecutive_losses_scope"] == "cumulative" and last["coin_label"] == "paper SOL"


def test_a_result_lost_at_the_rug_is_booked_from_the_balance_not_halted_on(tmp_path: Path) -> None:
    """The e2e fault run's intermittent "halted: balance_mismatch … diff 0.05": a win's currentSidebetResult is
    lost (socket drop) while the rug and the credited playerUpdate are seen. The books were a payout behind the
    server until the next game's start settled the bet by the rules — and a cooldown longer than the mismatch
    grace (5 s of feed; 15 s at the site's speed) halted the bot. The credited balance explains the bet now."""
    loop, gov, store = start(tmp_path / "bot.db", practice_profile(), Mode.PRACTICE, 99.0)
    loop.on_frame(*player_update(100.0, 100.0, pid=A))
    intent = None
    for i in range(0, 8):
        intent = intent or loop.on_frame(*game_frame(100.1 + i * 0.25, i))
    assert intent is not None
    s = intent.decided_tick + 1
    t = 102.2
    frames = [
        event(t, "currentSidebet", sidebet(A, s)),
        player_update(t + 0.01, 99.99, pid=A, active=sidebet(A, s)),
        *(game_frame(t + 0.1 + (i - s) * 0.25, i) for i in range(s, s + 20)),
        game_frame(t + 6.0, s + 20, rugged=True),  # the rug is seen; its currentSidebetResult is lost
        player_update(t + 6.1, 100.04, pid=A),  # the server credited 5x
        *((t + 6.2 + k * 0.25, "in", _cooldown(k)) for k in range(40)),  # 10 s of cooldown frames
    ]
    for f in frames:
        loop.on_frame(*f)
        loop.idle()
    row = store.bet(intent.bet_id)
    assert row is not None and row.status is BetStatus.WON, row
    assert row.evidence == Evidence.BALANCE_CHANGE.value and row.payout_lamports == 5 * STAKE
    assert gov.state.level is not Level.HALTED, gov.state.reasons
    assert gov.ledger.balance_difference() == 0
    store.close()


def _cooldown(k: int) -> str:
    body = {"gameId": GAME, "active": False, "rugged": True, "price": 0.01, "cooldownTimer": 15000 - k * 250}
    return "42" + json.dumps(["gameStateUpdate", body], separators=(",", ":"))
