"""Each invariant of the operator model can fail: a table of small worlds, each breaking one rule (or keeping it),
held against the check that must (or must not) catch it. No browser: these are the model's own checks."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.model.driver import LIMITS
from tests.model.invariants import (
    Bet,
    Halt,
    History,
    Observation,
    RunRecord,
    ServerBet,
    Session,
    accounts_persist,
    bets_again,
    bets_per_game,
    books_equal_server,
    halts_for_true_reasons,
    ledger_equals_server,
    loss_limits,
    no_bets_while_halted,
    one_bet_at_a_time,
    open_bets_explained,
    untouched,
    views_agree,
)

A, B = "did:sim:AAA", "did:sim:BBB"
M = 1_000_000  # 0.001 of a coin
T0 = 1_800_000_000.0


def bet(n: int, status: str = "lost", *, session: str = "s1", account: str = A, game: str = "g1", start: int | None = 5,
        amount: int = 10 * M, payout: int = 0, mode: str = "PRACTICE", t: float | None = None,
        evidence: str | None = "server_result", message: str = "") -> Bet:  # fmt: skip
    end = None if start is None else start + 40
    return Bet(f"b{n}", session, mode, account, game, start, end, status, amount, payout, evidence, message,
               T0 + n if t is None else t)  # fmt: skip


def sbet(b: Bet, outcome: str | None = None, payout: int | None = None) -> ServerBet:
    """The server's side of a bot's bet (by default: as the bot booked it)."""
    out = outcome or (b.status if b.status in ("won", "lost") else "pending")
    pay = payout if payout is not None else (b.amount * 5 if out == "won" else 0)
    return ServerBet(b.account, b.game_id, b.amount, b.start_tick or 5, (b.start_tick or 5) + 40, out, pay)


def world(bets: list[Bet], server: list[ServerBet] | None = None, **kw: Any) -> Observation:
    sessions = {
        "s1": Session("s1", "PRACTICE", "model-calm", A, T0),
        "s2": Session("s2", "PRACTICE", "model-tight", A, T0 + 100),
        "s3": Session("s3", "PRACTICE", "model-calm", B, T0 + 200),
        "p1": Session("p1", "DRY-RUN", "model-calm", "paper:model-calm", T0 + 300),
    }
    server = [sbet(b) for b in bets if b.mode == "PRACTICE" and b.status not in ("cancelled", "rejected")] \
        if server is None else server  # fmt: skip
    requests = Counter(s.player_id for s in server)
    base: dict[str, Any] = dict(
        bets=bets, sessions=sessions, halts=[], active_halt=None,
        status={"halt": None, "open_bets": [], "last_session": None, "integrity": "ok"}, status_code=0,
        server_bets=server, balances={}, requests=dict(requests), rug_ticks={"g1": 30, "g2": 90}, books={},
        verdict_guards={}, intents=dict(Counter(b.session for b in bets)),
    )  # fmt: skip
    base.update(kw)
    return Observation(**base)


def hist(**kw: Any) -> History:
    return History(limits=dict(LIMITS), **kw)


won = bet(1, "won", payout=50 * M)
pending = bet(1, "confirmed", evidence="server_active")
killed = bet(1, "intent", start=None, evidence=None)
calm_run = RunRecord(2, "PRACTICE", "A", "model-calm", "--games 2", 2, 0, "s2", A)


CASES: list[tuple[str, Callable[[Observation, History], list[str]], Observation, History, str | None]] = [
    # name, check, world, history, a word the violation must contain (None: no violation)
    ("settled as the server says", books_equal_server, world([won]), hist(), None),
    ("booked won, the server says lost", books_equal_server, world([won], [sbet(won, "lost")]), hist(), "server"),
    ("payout differs", books_equal_server, world([won], [sbet(won, "won", 40 * M)]), hist(), "booked won"),
    ("cancelled, but the server took it", books_equal_server,
     world([bet(1, "cancelled", start=None)], [sbet(bet(1, start=None), "lost")]), hist(), "took it"),
    ("cancelled, the server never took it", books_equal_server,
     world([bet(1, "cancelled", start=None, evidence="never_placed")], []), hist(), None),
    ("a window the server does not hold", books_equal_server, world([pending], []), hist(), "not on the server"),
    ("a server bet of nobody", books_equal_server, world([], [sbet(won)]), hist(), "no bet of the bot"),
    ("two requests for one bet", books_equal_server, world([won], requests={A: 2}), hist(), "requests"),
    ("a request of a page not logged in", books_equal_server,
     world([won], requests={A: 1, "<unauthenticated>": 1}), hist(), "not logged in"),
    ("paper bet booked won after the rug missed it", books_equal_server,
     world([bet(1, "won", mode="DRY-RUN", account="paper:model-calm", session="p1", game="g2", payout=50 * M)]),
     hist(), "rugged at 90"),
    ("paper bet booked as the rules say", books_equal_server,
     world([bet(1, "won", mode="DRY-RUN", account="paper:model-calm", session="p1", game="g1", payout=50 * M)]),
     hist(), None),
    ("open, nothing ran since", open_bets_explained, world([pending]), hist(), None),
    ("open after a later session of its account bet", open_bets_explained,
     world([pending, bet(2, "lost", session="s2", game="g2")]), hist(), "still confirmed"),
    ("open after a later clean run of its account", open_bets_explained,
     world([pending], intents={"s1": 1}), hist(runs=[calm_run]), "still confirmed"),
    ("open, another account ran since", open_bets_explained,
     world([pending, bet(2, "lost", session="s3", account=B, game="g2")]), hist(), None),
    ("two open bets of one account", one_bet_at_a_time,
     world([pending, bet(2, "intent", start=None, game="g2")]), hist(), "2 open bets"),
    ("overlapping windows", one_bet_at_a_time, world([won, bet(2, "lost", start=20)]), hist(), "overlaps"),
    ("back-to-back windows", one_bet_at_a_time, world([won, bet(2, "lost", start=45)]), hist(), None),
    ("the server refused a second active bet", one_bet_at_a_time,
     world([bet(2, "rejected", start=None, message="rejected by the server: You already have an active side bet")],
           []), hist(), "active side bet"),
    ("cap 2 kept", bets_per_game, world([won, bet(2, start=45)]), hist(), None),
    ("cap 2 passed", bets_per_game, world([won, bet(2, start=45), bet(3, start=85)]), hist(), "cap 2"),
    ("cap 1 of the tight profile", bets_per_game,
     world([bet(1, session="s2"), bet(2, session="s2", start=45)]), hist(), "cap 1"),
    ("session loss limit kept", loss_limits,
     world([bet(i, session="s2", game=f"g{i}", amount=20 * M) for i in range(3)]), hist(), None),
    ("session loss limit passed", loss_limits,
     world([bet(i, session="s2", game=f"g{i}", amount=20 * M) for i in range(3)] + [bet(9, session="s2", game="g9")]),
     hist(), "session loss limit"),
    ("four losses then a tight bet", loss_limits,
     world([bet(i, game=f"g{i}", amount=M) for i in range(4)] + [bet(9, session="s2", game="g9", amount=M)]),
     hist(), "losses in a row"),
    ("four losses, a resume, then a tight bet", loss_limits,
     world([bet(i, game=f"g{i}", amount=M) for i in range(4)] + [bet(9, session="s2", game="g9", amount=M)]),
     hist(resumes=[T0 + 5]), None),
    ("books equal the balance", ledger_equals_server,
     world([pending], [sbet(pending, "won")], books={A: 90 * M}, balances={A: 140 * M}), hist(), None),
    ("books behind the balance", ledger_equals_server,
     world([pending], [sbet(pending, "won")], books={A: 90 * M}, balances={A: 150 * M}), hist(), "diff 10000000"),
    ("an intent the server never took is refunded by the server's side", ledger_equals_server,
     world([killed], [], books={A: 90 * M}, balances={A: 100 * M}), hist(), None),
    ("the operator's halt", halts_for_true_reasons,
     world([], halts=[Halt(1, "operator model: halt", "cli:me", T0, None)]), hist(operator_halts=[T0 - 1]), None),
    ("a halt from the CLI nobody typed", halts_for_true_reasons,
     world([], halts=[Halt(1, "x", "cli:me", T0, None)]), hist(), "never asked"),
    ("a reconciliation halt", halts_for_true_reasons,
     world([], halts=[Halt(1, "balance moved", "guard:alarm:reconciliation", T0, "s1")]), hist(), "no true reason"),
    ("a balance_mismatch halt", halts_for_true_reasons,
     world([], halts=[Halt(1, "diff", "guard:balance_mismatch", T0, "s1")]), hist(), "no true reason"),
    ("a true loss-streak halt", halts_for_true_reasons,
     world([bet(i, session="s2", game=f"g{i}", amount=M) for i in range(4)],
           halts=[Halt(1, "4 losses", "guard:max_consecutive_losses", T0 + 10, "s2")]), hist(), None),
    ("a loss-streak halt the truth does not support", halts_for_true_reasons,
     world([bet(i, session="s2", game=f"g{i}", amount=M) for i in range(3)] + [bet(3, "won", session="s2",
           game="g3", amount=M, payout=5 * M)],
           halts=[Halt(1, "4 losses", "guard:max_consecutive_losses", T0 + 10, "s2")]), hist(), "true streak"),
    ("a true session-loss halt", halts_for_true_reasons,
     world([bet(i, session="s2", game=f"g{i}", amount=20 * M) for i in range(3)],
           halts=[Halt(1, "reached", "guard:session_loss_limit", T0 + 10, "s2")]), hist(), None),
    ("a restart that bets", bets_again, world([bet(2, session="s2")]), hist(runs=[calm_run]), None),
    ("a restart that never bets", bets_again,
     world([], verdict_guards={"s2": Counter({"balance_mismatch": 900})}), hist(runs=[calm_run]), "never bet"),
    ("a restart a real limit stops", bets_again,
     world([], verdict_guards={"s2": Counter({"daily_loss_limit": 900})}), hist(runs=[calm_run]), None),
    ("status and database agree", views_agree, world([won]), hist(), None),
    ("status misses the halt", views_agree, world([won], active_halt=3), hist(), "database active halt 3"),
    ("status misses an open bet", views_agree, world([pending]), hist(), "open bets"),
    ("status counts another session's bets", views_agree,
     world([won], status={"halt": None, "open_bets": [], "integrity": "ok",
                          "last_session": {"id": "s1", "account": A, "bets": 2}}), hist(), "shows 2 bets"),
    ("an open bet of another account not shown as foreign", views_agree,
     world([pending], status={"halt": None, "integrity": "ok",
                              "open_bets": [{"bet_id": "b1", "account": A, "foreign": False}],
                              "last_session": {"id": "s3", "account": B, "bets": 0}}), hist(), "foreign=False"),
    ("a last session that never learnt its account", views_agree,
     world([pending], status={"halt": None, "integrity": "ok",
                              "open_bets": [{"bet_id": "b1", "account": A, "foreign": False}],
                              "last_session": {"id": "s9", "account": None, "bets": 0}}), hist(), None),
    ("a bet written into a halt", no_bets_while_halted,
     world([bet(1, t=T0 + 5)], halts=[Halt(1, "x", "cli:me", T0, None)]), hist(), "into halt #1"),
    ("a bet after the halt was cleared", no_bets_while_halted,
     world([bet(1, t=T0 + 5)], halts=[Halt(1, "x", "cli:me", T0, None, T0 + 2)]), hist(), None),
    ("one wallet, one account", accounts_persist, world([]), hist(runs=[calm_run, calm_run]), None),
    ("one wallet, two accounts", accounts_persist, world([]),
     hist(runs=[calm_run, dataclasses.replace(calm_run, account=B)]), "wallet A"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("check", "obs", "history", "word"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_invariant_catches_what_it_must(
    check: Callable[[Observation, History], list[str]], obs: Observation, history: History, word: str | None
) -> None:
    found = check(obs, history)
    if word is None:
        assert found == []
    else:
        assert found and any(word in f for f in found), found


@pytest.mark.parametrize(
    ("owner", "mode", "moved", "caught"),
    [
        (A, "PRACTICE", "b1", False),  # a run moves its own account's bet
        (B, "PRACTICE", "b1", True),  # another account's run must not
        (A, "DRY-RUN", "b1", True),  # a dry-run never touches a real bet
        (None, None, "b1", True),  # a halt, a resume, a run that never logged in: nothing moves
    ],
)
def test_a_step_moves_only_its_own_bets(
    owner: str | None, mode: str | None, moved: str, caught: bool
) -> None:
    before = [pending]
    after = [dataclasses.replace(pending, status="lost", evidence="balance_change")]
    assert bool(untouched(before, after, owner, mode)) is caught
