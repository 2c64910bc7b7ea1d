"""The bet tracker on its own: which evidence moves which bet, and that nothing else does.

Table-driven: a bet is registered (written ahead by this process) or adopted (left open by a stopped process),
then real signals arrive — built from real frames by the real GameTracker where the wire shape matters — and the
tracker's reports must carry the expected statuses and evidence. The ledger's cash is given as a number
(``expected_cash``), as the governor's ledger would give it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from bot.bets.model import BetIntent, BetStatus, BrokerReport, Evidence
from bot.bets.tracker import BetTracker
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import PRACTICE_COIN
from bot.store.rows import BetRow

ME, OTHER = "did:test:me", "did:test:other"
GAME, NEXT = "20261124-00000000000000aa", "20261124-00000000000000bb"
STAKE = 10_000_000  # 0.01 FREE
BASE = 99_990_000_000  # the ledger's cash with the stake debited (100 FREE before the bet)


def _wire(obj: object) -> str:
    """JSON as the site sends it: no spaces after separators."""
    return json.dumps(obj, separators=(",", ":"))


def gsu(gid: str, tick: int, *, rugged: bool = False, active: bool = True) -> str:
    body = {
        "gameId": gid,
        "active": active,
        "rugged": rugged,
        "price": 1.0,
        "tickCount": tick,
        "cooldownTimer": 0,
    }
    return "42" + _wire(["gameStateUpdate", body])


def player(
    balance: float,
    *,
    pid: str = ME,
    active: dict[str, object] | None = None,
    history: list[object] | None = None,
) -> str:
    body = {
        "id": pid,
        "cash": 0.0,
        "shitcoinBalances": {PRACTICE_COIN: balance},
        "authenticated": True,
        "sideBet": active,
        "sidebets": history or [],
    }
    return "42" + _wire(["playerUpdate", body])


def record(start: int, *, payout: float | None = None, gid: str = GAME) -> dict[str, object]:
    rec: dict[str, object] = {
        "playerId": ME,
        "gameId": gid,
        "betAmount": 0.01,
        "xPayout": 5,
        "coinAddress": PRACTICE_COIN,
        "startTick": start,
        "endTick": start + 40,
        "tickIndex": start,
        "type": "placed" if payout is None else "payout",
    }
    if payout is not None:
        rec.update(payout=payout, profit=payout - 0.01)
    return rec


def event(name: str, rec: dict[str, object]) -> str:
    return "42" + _wire([name, {"__trace": True, "traceparent": "00-a-b-01"}, rec])


def request(ack: int) -> tuple[str, str]:
    return "out", f"42{ack}" + _wire(["requestSidebet", {"amount": 0.01, "coinAddress": PRACTICE_COIN}])


def row(status: BetStatus, *, account: str = ME, mode: str = "PRACTICE", start: int | None = None) -> BetRow:
    return BetRow(
        1, "s1-b1", "s00001-1", GAME, 10, 100.0, STAKE, PRACTICE_COIN, "fixed", "test", status,
        start, None if start is None else start + 40, 0, None, "", 100.0, 100.0, None, account, mode, None,
    )  # fmt: skip


@dataclass
class Case:
    name: str
    frames: list[tuple[str, str]]
    expect: list[tuple[BetStatus, Evidence | None]]
    left_open: BetRow | None = None  # adopt this row instead of registering a bet of this process
    submitted: BetStatus = BetStatus.UNKNOWN  # what the broker's submit() said (this process's bet)
    payout: int | None = None
    cash: int = BASE
    extra: dict[str, object] = field(default_factory=dict)
    page_lost: bool = False  # the page that clicked died before its request was seen (a watchdog recovery)


CASES = [
    Case(
        "late currentSidebet confirms, then currentSidebetResult settles",
        [
            request(7),
            ("in", event("currentSidebet", record(12))),
            ("in", event("currentSidebetResult", record(12, payout=0.05))),
        ],
        [(BetStatus.CONFIRMED, Evidence.SERVER_ACTIVE), (BetStatus.WON, Evidence.SERVER_RESULT)],
        payout=50_000_000,
    ),
    Case(
        "the ack rejects a bet that was unknown",
        [request(7), ("in", '437[{"success":false,"message":"Insufficient balance"}]')],
        [(BetStatus.REJECTED, Evidence.SERVER_REJECTED)],
    ),
    Case(
        "a settled record in playerUpdate.sidebets settles it (server history)",
        [request(7), ("in", player(100.04, history=[record(12, payout=0.05)]))],
        [(BetStatus.CONFIRMED, Evidence.SERVER_HISTORY), (BetStatus.WON, Evidence.SERVER_HISTORY)],
        payout=50_000_000,
    ),
    Case(
        "no request ever left the page: never placed when its game ends",
        [("in", gsu(NEXT, 0))],
        [(BetStatus.REJECTED, Evidence.NEVER_PLACED)],
    ),
    Case(
        "the page died after the click, its request unseen: explained by the balance (won), never 'not placed'",
        [("in", gsu(NEXT, 0)), ("in", player(100.04))],
        [(BetStatus.WON, Evidence.BALANCE_CHANGE)],
        payout=50_000_000,
        page_lost=True,
    ),
    Case(
        "the page died after the click, its request unseen, the stake back: never taken",
        [("in", gsu(NEXT, 0)), ("in", player(100.0))],
        [(BetStatus.CANCELLED, Evidence.NEVER_PLACED)],
        page_lost=True,
    ),
    Case(
        "request sent, game over, the server shows no bet and the stake back: never taken",
        [request(7), ("in", gsu(NEXT, 0)), ("in", player(100.0))],
        [(BetStatus.CANCELLED, Evidence.NEVER_PLACED)],
    ),
    Case(
        "confirmed, result lost in a drop, rug unseen: the balance says won",
        [
            request(7),
            ("in", event("currentSidebet", record(12))),
            ("in", player(99.99, active=record(12))),
            ("in", gsu(NEXT, 0)),
            ("in", player(100.04)),
        ],
        [(BetStatus.CONFIRMED, Evidence.SERVER_ACTIVE), (BetStatus.WON, Evidence.BALANCE_CHANGE)],
        payout=50_000_000,
    ),
    Case(
        "won at a rug the feed saw, result frame lost: the credited balance settles it at once",
        [
            request(7),
            ("in", event("currentSidebet", record(12))),
            ("in", player(99.99, active=record(12))),
            ("in", gsu(GAME, 30, rugged=True)),
            ("in", player(100.04)),
        ],
        [(BetStatus.CONFIRMED, Evidence.SERVER_ACTIVE), (BetStatus.WON, Evidence.BALANCE_CHANGE)],
        payout=50_000_000,
    ),
    Case(
        "an account update older than the bet's confirmation is no evidence",
        [
            ("in", player(100.0)),
            request(7),
            ("in", event("currentSidebet", record(12))),
            ("in", gsu(NEXT, 0)),
        ],
        [(BetStatus.CONFIRMED, Evidence.SERVER_ACTIVE)],
    ),
    Case(
        "confirmed, no result: lost by the rules ten ticks after its window",
        [
            request(7),
            ("in", event("currentSidebet", record(12))),
            *(("in", gsu(GAME, t)) for t in range(13, 64)),
        ],
        [(BetStatus.CONFIRMED, Evidence.SERVER_ACTIVE), (BetStatus.LOST, Evidence.RULES)],
    ),
    Case(
        "left open by a restart: the server shows it active",
        [("in", player(99.99, active=record(12)))],
        [(BetStatus.UNKNOWN, Evidence.RESTART), (BetStatus.CONFIRMED, Evidence.SERVER_ACTIVE)],
        left_open=row(BetStatus.CLICKED),
    ),
    Case(
        "left open by a restart: won while down (exact balance change)",
        [("in", player(100.04))],
        [(BetStatus.WON, Evidence.BALANCE_CHANGE)],
        left_open=row(BetStatus.CONFIRMED, start=12),
        payout=50_000_000,
    ),
    Case(
        "left open by a restart: lost while down (balance unchanged against books that debited it)",
        [("in", player(99.99))],
        [(BetStatus.UNKNOWN, Evidence.RESTART), (BetStatus.LOST, Evidence.BALANCE_CHANGE)],
        left_open=row(BetStatus.CLICKED),
    ),
    Case(
        "left open by a restart: a balance no outcome explains is a problem, not a booking",
        [("in", player(97.5))],
        [(BetStatus.UNKNOWN, Evidence.RESTART)],
        left_open=row(BetStatus.CLICKED),
        extra={"problem": "which no outcome of a 10000000-lamport bet explains"},
    ),
    Case(
        "left open by a restart: the stake was never debited",
        [("in", player(100.0))],
        [(BetStatus.UNKNOWN, Evidence.RESTART), (BetStatus.CANCELLED, Evidence.NEVER_PLACED)],
        left_open=row(BetStatus.INTENT),
    ),
    Case(
        "another account's bet is never moved, whatever that account's balance says",
        [
            ("in", player(100.0)),
            ("in", player(95.0)),
            ("in", gsu(NEXT, 0)),
            ("in", event("currentSidebetResult", record(12, payout=0.0))),
        ],
        [],
        left_open=row(BetStatus.CONFIRMED, account=OTHER, start=12),
    ),
    Case(
        "a paper bet of a stopped dry-run is never touched by a practice session",
        [("in", player(100.0))],
        [],
        left_open=row(BetStatus.CONFIRMED, account="paper:sim", mode="DRY-RUN", start=12),
    ),
]


def run_case(case: Case) -> tuple[BetTracker, list[BrokerReport]]:
    tracker = BetTracker(
        mode=Mode.PRACTICE, coin=PRACTICE_COIN, expected_cash=lambda a: case.cash if a == ME else None
    )
    game = GameTracker()
    out: list[BrokerReport] = []

    def feed(direction: str, text: str, t: float) -> None:
        for sig in game.on_frame(t, direction, text):
            if (
                game.account.player_id is not None
            ):  # as the governor learns it, before the tracker sees the signal
                tracker.account = game.account.player_id
            out.extend(tracker.on_signal(sig, game.view))

    feed("in", gsu(GAME, 10), 99.0)
    if case.left_open is not None:
        tracker.adopt([case.left_open], session="s00002-1")
    else:
        tracker.account = ME
        intent = BetIntent("s1-b1", GAME, 10, 100.0, STAKE, PRACTICE_COIN, "fixed", "t", ME, Mode.PRACTICE)
        tracker.begin_submit(intent, paper=False)
        tracker.end_submit(BrokerReport("s1-b1", case.submitted, 100.5, evidence=Evidence.TIMEOUT))
        if case.page_lost:
            tracker.page_lost()
    for i, (direction, text) in enumerate(case.frames):
        feed(direction, text, 101.0 + i * 0.25)
    return tracker, out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_evidence_moves_only_its_own_bet(case: Case) -> None:
    tracker, reports = run_case(case)
    assert [(r.status, r.evidence) for r in reports] == case.expect
    assert all(tracker.book(r) for r in reports)  # each report is delivered once ...
    assert not any(tracker.book(r) for r in reports)  # ... and never again
    if case.payout is not None:
        assert reports[-1].payout_lamports == case.payout
    if not case.expect:
        assert tracker.knows("s1-b1") and tracker.foreign()  # still open, shown as someone else's
    problems = tracker.take_problems()
    assert [p for p in problems if str(case.extra.get("problem", "")) in p] == problems
    assert bool(problems) is ("problem" in case.extra)


def test_a_report_the_feed_overtook_is_dropped() -> None:
    """The settlement arrived while the click was still being confirmed: the broker's late CONFIRMED must not
    move the won bet back (the store would refuse it; the loop must not even try)."""
    tracker = BetTracker(mode=Mode.PRACTICE, coin=PRACTICE_COIN, account=ME)
    game = GameTracker()
    intent = BetIntent("b", GAME, 10, 100.0, STAKE, PRACTICE_COIN, "fixed", "t", ME, Mode.PRACTICE)
    tracker.begin_submit(intent, paper=False)
    reports: list[BrokerReport] = []
    for i, (d, text) in enumerate(
        [
            ("in", gsu(GAME, 10)),
            request(3),
            ("in", event("currentSidebet", record(12))),
            ("in", event("currentSidebetResult", record(12, payout=0.05))),
        ]
    ):
        for sig in game.on_frame(100.0 + i * 0.1, d, text):
            reports += tracker.on_signal(sig, game.view)
    assert [r.status for r in reports] == [BetStatus.WON]  # the confirmation belongs to submit()'s answer
    late = tracker.end_submit(BrokerReport("b", BetStatus.CONFIRMED, 100.5, start_tick=12, end_tick=52))
    assert tracker.book(reports[0]) is True
    assert tracker.book(late) is False
    assert tracker.book(BrokerReport("b", BetStatus.LOST, 101.0)) is False  # nothing reopens a settled bet
