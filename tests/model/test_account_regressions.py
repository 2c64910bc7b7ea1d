"""Found by the operator model: a logged-in session halted on another account's loss streak before it knew whose
session it was.

Until the feed tells the session its account (``playerUpdate.id``), the ledger shows the books of the last account
seen (bot/risk/ledger.py), and the guards judged those: wallet A lost 4 in a row under a profile allowing 30, then
``rugsbot run`` with a profile allowing 4 halted "4 losses in a row" on its first frame, before the wallet login,
whatever wallet it was about to log in with. A halt needs a human and is persisted: it must be about this
session's own account. Real SQLite, the real governor and guards; the feed's account update is a typed signal.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bets.model import BetStatus, BrokerReport
from bot.game.signals import AccountUpdated
from bot.game.state import AccountView
from bot.money import PRACTICE_COIN
from bot.risk.governor import Governor, Level
from tests.risk.helpers import MILLI, T0, bet, guards, make_governor, view

A, B = "did:sim:walletA", "did:sim:walletB"


def _balance(gov: Governor, account: str, lamports: int, t: float) -> None:
    acct = AccountView(
        player_id=account,
        authenticated=True,
        updated_t=t,
        coin_balances_lamports=((PRACTICE_COIN, lamports),),
    )
    gov.on_signal(AccountUpdated(acct), view(t))


@pytest.mark.parametrize(("wallet", "halted"), [(B, False), (A, True)])
def test_a_limit_is_judged_on_the_sessions_own_account(tmp_path: Path, wallet: str, halted: bool) -> None:
    db = tmp_path / "bot.db"
    calm = make_governor(db, guards(max_consecutive_losses=30), logged_in=True, mode="PRACTICE")
    t, cash = T0, 100_000 * MILLI
    _balance(calm, A, cash, t)
    for _ in range(4):  # wallet A: four losses in a row, well inside this profile's limit
        t += 1.0
        calm.tick(view(t), t)
        intent = calm.open_bet(bet(10 * MILLI), view(t), PRACTICE_COIN)
        cash -= 10 * MILLI
        _balance(calm, A, cash, t + 0.2)  # the server debits the stake
        calm.on_report(BrokerReport(intent.bet_id, BetStatus.LOST, t + 0.5))
    assert calm.state.level is Level.ACTIVE and calm.ledger.consecutive_losses == 4
    calm.close(t + 1)
    calm.store.close()

    tight = make_governor(db, guards(max_consecutive_losses=4), logged_in=True, mode="PRACTICE", t=t + 10)
    tight.tick(view(t + 10), t + 10)  # the page is still logging in: no account yet
    assert tight.state.level is not Level.HALTED, tight.state.reasons
    assert tight.store.active_halt() is None
    _balance(tight, wallet, 100_000 * MILLI, t + 11)
    tight.tick(view(t + 11), t + 11)
    assert (tight.state.level is Level.HALTED) is halted, tight.state.reasons
    if halted:
        assert "4 losses in a row" in tight.state.reasons[0]
