"""Soak (explicit: ``-m soak``): a client bets continuously for minutes of sim time under random faults.

The money must add up exactly: the balance implied by the acks and settlements the client saw equals the
server's truth, every accepted bet is settled once, and every request reached the server's count.
"""

from __future__ import annotations

import random
import time

import pytest

from bot.money import PRACTICE_COIN, sol_to_lamports
from bot.sim.config import SimConfig
from bot.sim.runner import start_sim_in_thread
from tests.sim.wire import PUBKEY, TRACE, RawClient

PLAYER = f"did:sim:{PUBKEY}"


@pytest.mark.soak
def test_continuous_betting_under_faults_keeps_money_exact() -> None:
    rng = random.Random(7)
    h = start_sim_in_thread(SimConfig(seed="soak", speed=40))
    start_balance = 10_000 * 10**9
    sent = 0
    accepted: dict[tuple[str, int], int] = {}
    results: dict[tuple[str, int], int] = {}
    try:
        with RawClient(h.ws_url) as c:
            assert c.login()["success"] is True
            deadline = time.monotonic() + 90
            next_fault = time.monotonic() + 2
            seen = 0
            while time.monotonic() < deadline:
                if time.monotonic() > next_fault:
                    h.fault(
                        rng.choice(["duplicate", "reorder", "malformed", "stall", "reject", "ack_delay"]),
                        rng.choice([1, 2, 3]) if rng.random() < 0.5 else None,
                    )
                    next_fault = time.monotonic() + rng.uniform(1, 4)
                amount = rng.choice([0.5, 1, 2.5, 10])
                ack_id = c.emit(
                    "requestSidebet", TRACE, {"amount": amount, "coinAddress": PRACTICE_COIN, "xPayout": 5}
                )
                sent += 1
                ack = c.wait_ack(ack_id, timeout=10)  # type: ignore[arg-type]
                if ack["success"]:
                    b = ack["sidebet"]
                    accepted[(b["gameId"], b["startTick"])] = sol_to_lamports(b["betAmount"])
                frames = c.snapshot()
                for f in frames[seen:]:
                    ev = f.event()
                    if ev and ev[0] == "currentSidebetResult":
                        r = ev[1][-1]
                        results[(r["gameId"], r["startTick"])] = sol_to_lamports(r["payout"])
                seen = len(frames)
                time.sleep(rng.uniform(0.0, 0.05))
            h.fault("ack_delay", 0)
            time.sleep(3)  # let the last bets settle (40 ticks at speed 40 ≈ 0.25 s, plus a rug burst)
            for f in c.snapshot()[seen:]:
                ev = f.event()
                if ev and ev[0] == "currentSidebetResult":
                    r = ev[1][-1]
                    results[(r["gameId"], r["startTick"])] = sol_to_lamports(r["payout"])
        truth = h.truth()
    finally:
        h.stop()
    assert len(accepted) > 50
    assert set(results) == set(accepted)  # each accepted bet settled exactly once (dict keys)
    expected = start_balance - sum(accepted.values()) + sum(results.values())
    acct = next(a for a in truth.accounts if a.player_id == PLAYER)
    assert acct.balances[PRACTICE_COIN] == expected
    assert truth.sidebet_requests[PLAYER] == sent
    assert len([b for b in truth.bets if b.player_id == PLAYER]) == len(accepted)
