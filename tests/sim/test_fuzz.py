"""Hostile input: whatever a client sends, the server keeps running and the money stays exact.

Default runs are small; ``-m slowfuzz`` runs many more examples.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.money import LAMPORTS_PER_SOL, PRACTICE_COIN, SOL_MINT
from bot.sim.accounts import Accounts, GamePoint
from bot.sim.config import SimConfig
from bot.sim.runner import SimHandle
from tests.sim.wire import LOGIN, TRACE, RawClient

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_amounts = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**30), 10**30),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
    st.sampled_from([0.001, 0.0009999, 5, 5.000000001, 10000, 1e-12]),
)
_requests = st.one_of(
    _json,
    st.fixed_dictionaries(
        {
            "amount": _amounts,
            "coinAddress": st.sampled_from([SOL_MINT, PRACTICE_COIN, "", "So1", None, 7]),
            "xPayout": st.sampled_from([5, 5.0, 4, "5", None]),
        }
    ),
)
_points = st.builds(
    GamePoint,
    st.just("20260101-00000000000000ff"),
    st.sampled_from(["COOLDOWN", "PRESALE", "ACTIVE", "RUGGED"]),
    st.integers(0, 400),
    st.floats(0.001, 100),
)


def _check_requests(payloads: list[tuple[Any, GamePoint]]) -> None:
    accounts = Accounts(SimConfig(), random.Random(0))
    _, acct = accounts.authenticate(LOGIN)
    assert acct is not None
    start = dict(acct.balances)
    for payload, at in payloads:
        r = accounts.request_sidebet(acct, payload, at, 0)
        assert isinstance(r.ack.get("success"), bool) and isinstance(r.ack.get("message"), str)
        if r.bet is not None:
            assert r.bet.amount >= 1_000_000
            assert r.bet.amount <= (5 if r.bet.coin == SOL_MINT else 10_000) * LAMPORTS_PER_SOL
        for coin, bal in acct.balances.items():
            open_stake = sum(b.amount for b in acct.pending if b.coin == coin)
            assert bal >= 0 and bal + open_stake == start[coin]  # nothing settled yet: stake moved, not lost
    assert accounts.requests.get(acct.player_id, 0) == len(payloads)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_requests, _points), max_size=12))
def test_any_side_bet_request_keeps_money_exact(payloads: list[tuple[Any, GamePoint]]) -> None:
    _check_requests(payloads)


@pytest.mark.slowfuzz
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(_requests, _points), max_size=30))
def test_any_side_bet_request_keeps_money_exact_long(payloads: list[tuple[Any, GamePoint]]) -> None:
    _check_requests(payloads)


@pytest.mark.parametrize("n", [40])
def test_garbage_from_a_client_never_hurts_the_server(sim: SimHandle, n: int) -> None:
    rng = random.Random(11)
    junk = [
        "",
        "4",
        "42",
        "43",
        "421[",
        '42999999999999999999["x"]',
        "40/",
        "4" * 1000,
        "3",
        "2",
        "6",
        "5",
        '42["authenticate"]',
        '42["authenticate",null]',
        '421["requestSidebet",{}]',
        '42["requestSidebet",{"amount":1e309}]',
        "\x00\xff",
        "42[" * 300 + "]" * 300,
        "0{}",
    ]
    with RawClient(sim.ws_url) as c:
        for _ in range(n):
            if rng.random() < 0.5:
                c.send_raw(rng.choice(junk))
            else:
                c.emit(
                    rng.choice(["requestSidebet", "authenticate", "ping", "x" * 50]),
                    *[TRACE, json.loads(json.dumps({"amount": rng.random(), "k": [1, {"a": None}]}))][
                        : rng.randint(0, 2)
                    ],
                )
        time.sleep(0.2)
        assert c.login()["success"] is True  # still serving, and this socket still works
    truth = sim.truth()
    assert truth.accounts and all(b >= 0 for a in truth.accounts for b in a.balances.values())
    with RawClient(sim.ws_url) as d:  # and new clients are served; an Engine.IO close ("1") is honoured
        d.wait_event("gameStateUpdate")
        d.send_raw("1")
        assert d.closed.wait(5)
