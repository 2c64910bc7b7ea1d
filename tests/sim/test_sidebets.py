"""Login and side bets on the wire: the round trip, settlement against ground truth, every rejection path."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bot.game.rules import Window
from bot.money import LAMPORTS_PER_SOL, PRACTICE_COIN, SOL_MINT, sol_to_lamports
from bot.sim.accounts import Accounts, GamePoint
from bot.sim.config import SimConfig
from bot.sim.runner import SimHandle
from tests.sim.wire import LOGIN, PUBKEY, TRACE, RawClient, rug_soon

PLAYER = f"did:sim:{PUBKEY}"
RACES = ("Game not active", "Game already rugged")


def place_when_active(
    c: RawClient, payload: dict[str, Any], tries: int = 8
) -> tuple[dict[str, Any], int, int]:
    """Emit ``requestSidebet`` right after an active tick; retry when the game rugged in between.

    Returns (ack, tick seen before sending, frame index at sending)."""
    for _ in range(tries):
        state = c.wait_active()
        idx = len(c.snapshot())
        ack_id = c.emit("requestSidebet", TRACE, payload)
        assert ack_id is not None
        ack = c.wait_ack(ack_id)
        if ack.get("message") not in RACES:
            return ack, state["tickCount"], idx
    raise AssertionError("never caught an active game")


def test_login_then_side_bet_round_trip_and_settlement(sim: SimHandle) -> None:
    with RawClient(sim.ws_url) as c:
        ack = c.login()
        assert ack == {"success": True, "player": {"id": PLAYER, "username": ack["player"]["username"]}}
        _, status = c.wait_event("usernameStatus")
        assert status["id"] == PLAYER and status["hasUsername"] is True
        _, pu = c.wait_event("playerUpdate")
        assert pu["authenticated"] is True and pu["cash"] == 1.0
        assert pu["shitcoinBalances"] == {PRACTICE_COIN: 10000.0} and pu["sideBet"] is None

        ack, seen_tick, idx = place_when_active(c, {"amount": 0.01, "coinAddress": SOL_MINT, "xPayout": 5})
        assert ack["success"] is True and ack["message"] == "Side bet placed"
        bet = ack["sidebet"]
        assert seen_tick <= bet["startTick"] <= seen_tick + 3
        assert bet["endTick"] == bet["startTick"] + 40 and bet["tickIndex"] == bet["startTick"]
        assert bet["betAmount"] == 0.01 and bet["xPayout"] == 5 and bet["type"] == "placed"
        assert bet["playerId"] == PLAYER and bet["coinAddress"] == SOL_MINT

        # order on the wire: playerUpdate (debited), currentSidebet (traced), then the ack
        names = []
        for f in c.snapshot()[idx:]:
            ev = f.event()
            if ev and ev[0] in ("playerUpdate", "currentSidebet"):
                names.append(ev[0])
                if ev[0] == "playerUpdate":
                    assert ev[1][-1]["cash"] == pytest.approx(0.99)
                    assert ev[1][-1]["sideBet"]["startTick"] == bet["startTick"]
                else:
                    assert ev[1][0]["__trace"] is True and ev[1][-1] == bet
            if f.text.startswith("43"):
                break
        assert names == ["playerUpdate", "currentSidebet"]

        _, result = c.wait_event(
            "currentSidebetResult", timeout=15, where=lambda p: p["startTick"] == bet["startTick"]
        )
        _, after = c.wait_event("playerUpdate", timeout=5, start=idx, where=lambda p: p["sideBet"] is None)

    truth = sim.truth()
    game = (
        next(g for g in truth.games if g.id == bet["gameId"])
        if any(g.id == bet["gameId"] for g in truth.games)
        else None
    )
    won = game is not None and game.rug_tick <= bet["endTick"]
    assert result["type"] == "payout" and result["betAmount"] == 0.01
    if won:
        assert result["payout"] == pytest.approx(0.05) and result["profit"] == pytest.approx(0.04)
        assert result["tickIndex"] == game.rug_tick  # type: ignore[union-attr]
    else:
        assert result["payout"] == 0 and result["profit"] == pytest.approx(-0.01)
        assert result["tickIndex"] == bet["startTick"]
    acct = next(a for a in truth.accounts if a.player_id == PLAYER)
    expected = LAMPORTS_PER_SOL - sol_to_lamports(0.01) + (sol_to_lamports(0.05) if won else 0)
    assert acct.balances[SOL_MINT] == expected
    assert sol_to_lamports(after["cash"]) == expected
    assert truth.sidebet_requests[PLAYER] >= 1
    (tb,) = [b for b in truth.bets if b.player_id == PLAYER]
    assert tb.outcome == ("won" if won else "lost") and tb.amount_lamports == 10_000_000


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"amount": 0.01, "coinAddress": "NotACoin111", "xPayout": 5}, "Unsupported coin"),
        ({"amount": 0.0005, "coinAddress": SOL_MINT, "xPayout": 5}, "Minimum side bet is 0.001"),
        ({"amount": 6, "coinAddress": SOL_MINT, "xPayout": 5}, "Maximum side bet is 5"),
        ({"amount": 10001, "coinAddress": PRACTICE_COIN, "xPayout": 5}, "Maximum side bet is 10000"),
        ({"amount": "0.01", "coinAddress": SOL_MINT, "xPayout": 5}, "Invalid amount"),
        ({"amount": 0.01, "coinAddress": SOL_MINT, "xPayout": 10}, "Invalid payout multiplier"),
        ({"amount": 2, "coinAddress": SOL_MINT, "xPayout": 5}, "Insufficient balance"),
    ],
)
def test_rejections_on_the_wire(sim: SimHandle, payload: dict[str, Any], message: str) -> None:
    with RawClient(sim.ws_url) as c:
        assert c.login()["success"] is True
        ack, _, _ = place_when_active(c, payload)
    assert ack == {"success": False, "message": message}
    truth = sim.truth()
    assert truth.sidebet_requests[PLAYER] >= 1
    assert not truth.bets  # nothing debited
    assert next(a for a in truth.accounts if a.player_id == PLAYER).balances[SOL_MINT] == LAMPORTS_PER_SOL


def test_not_logged_in_and_bad_login_are_rejected(sim: SimHandle) -> None:
    with RawClient(sim.ws_url) as c:
        ack, _, _ = place_when_active(c, {"amount": 0.01, "coinAddress": SOL_MINT, "xPayout": 5})
        assert ack == {"success": False, "message": "Not authenticated"}
        for bad, msg in (
            ({**LOGIN, "publicKey": "0OIl"}, "Invalid public key"),
            ({**LOGIN, "signature": "!!!"}, "Invalid signature"),
            ({**LOGIN, "message": ""}, "Missing signed message"),
        ):
            ack_id = c.emit("authenticate", TRACE, bad)
            assert c.wait_ack(ack_id) == {"success": False, "message": msg}  # type: ignore[arg-type]
    assert sim.truth().sidebet_requests["<unauthenticated>"] == 1


def test_second_bet_while_one_is_active_and_bet_outside_active_phase(sim: SimHandle) -> None:
    payload = {"amount": 1, "coinAddress": PRACTICE_COIN, "xPayout": 5}
    with RawClient(sim.ws_url) as c:
        assert c.login()["success"] is True
        for _ in range(8):
            ack, _, _ = place_when_active(c, payload)
            assert ack["success"] is True
            ack_id = c.emit("requestSidebet", TRACE, payload)
            second = c.wait_ack(ack_id)  # type: ignore[arg-type]
            if second.get("message") not in RACES:
                break
        assert second == {"success": False, "message": "You already have an active side bet"}
        # cooldown / presale: wait for a cooldown frame, then ask
        rug_soon(sim)
        c.wait_event(
            "gameStateUpdate",
            timeout=20,
            start=len(c.snapshot()),
            where=lambda p: p.get("cooldownTimer", 0) > 1000,
        )
        ack_id = c.emit("requestSidebet", TRACE, payload)
        assert c.wait_ack(ack_id) == {"success": False, "message": "Game not active"}  # type: ignore[arg-type]
    assert sim.truth().sidebet_requests[PLAYER] >= 3


@pytest.mark.parametrize(
    ("phase", "presale_ok", "tick", "message", "start"),
    [
        ("RUGGED", False, 120, "Game already rugged", None),
        ("COOLDOWN", True, 0, "Game not active", None),
        ("PRESALE", False, 0, "Game not active", None),
        ("PRESALE", True, 0, None, 0),
        ("ACTIVE", False, 17, None, 17),
    ],
)
def test_phase_rules(phase: str, presale_ok: bool, tick: int, message: str | None, start: int | None) -> None:
    accounts = Accounts(SimConfig(presale_sidebets=presale_ok), random.Random(1))
    _, acct = accounts.authenticate(LOGIN)
    result = accounts.request_sidebet(
        acct,
        {"amount": 0.5, "coinAddress": SOL_MINT, "xPayout": 5},
        GamePoint("20260101-00000000000000aa", phase, tick, 1.0),
        0,
    )
    if message is None:
        assert result.bet is not None and result.bet.window == Window.starting_at(start or 0)
    else:
        assert result.ack == {"success": False, "message": message}


def test_settlement_boundaries_in_accounts() -> None:
    """Rug exactly on endTick wins; one tick later loses; a loss settles on the first tick past the window."""
    gid = "20260101-00000000000000bb"
    for rug, won in ((50, True), (51, False), (11, True)):
        accounts = Accounts(SimConfig(), random.Random(2))
        _, acct = accounts.authenticate(LOGIN)
        assert acct is not None
        r = accounts.request_sidebet(
            acct, {"amount": 0.1, "coinAddress": SOL_MINT, "xPayout": 5}, GamePoint(gid, "ACTIVE", 10, 1.0), 0
        )
        assert r.bet is not None
        settled = []
        for t in range(11, rug):
            settled += accounts.on_tick(gid, t, 1.0, t)
        settled += accounts.on_rug(gid, rug, 0.01, rug)
        assert len(settled) == 1
        s = settled[0]
        assert (s.record["payout"] > 0) is won
        if not won:
            assert s.bet.settle_tick == 51 and s.record["tickIndex"] == 10
        else:
            assert s.record["tickIndex"] == rug
        assert acct.balances[SOL_MINT] == LAMPORTS_PER_SOL - 100_000_000 + (500_000_000 if won else 0)


def test_round_trip_with_the_independent_socketio_client(sim: SimHandle) -> None:
    """The same login + bet + settlement through python-socketio (its own EIO/SIO implementation)."""
    import threading

    import socketio

    client = socketio.Client(reconnection=False)
    events: dict[str, list[Any]] = {"playerUpdate": [], "currentSidebet": [], "currentSidebetResult": []}
    active = threading.Event()
    settled = threading.Event()

    def on_state(p: dict[str, Any]) -> None:
        if p.get("active") and not p.get("rugged") and "tickCount" in p:
            active.set()
        else:
            active.clear()

    def handler(name: str) -> Any:
        def on(*args: Any) -> None:
            events[name].append(args[-1])  # payload = last argument (trace header first)
            if name == "currentSidebetResult":
                settled.set()

        return on

    client.on("gameStateUpdate", on_state)
    for name in events:
        client.on(name, handler(name))
    client.connect(sim.url, transports=["websocket"], wait_timeout=5)
    try:
        login = client.call("authenticate", (TRACE, LOGIN), timeout=5)
        assert login["success"] is True and login["player"]["id"] == PLAYER
        ack: dict[str, Any] = {}
        for _ in range(10):
            assert active.wait(20)
            ack = client.call(
                "requestSidebet", (TRACE, {"amount": 0.005, "coinAddress": SOL_MINT, "xPayout": 5}), timeout=5
            )
            if ack.get("message") not in RACES:
                break
            active.clear()
        assert ack["success"] is True
        assert settled.wait(15)
    finally:
        client.disconnect()
    assert events["currentSidebet"][0] == ack["sidebet"]
    debit = next(p for p in events["playerUpdate"] if p["sideBet"] is not None)
    assert debit["cash"] == pytest.approx(0.995)
    result = events["currentSidebetResult"][0]
    assert result["startTick"] == ack["sidebet"]["startTick"] and result["type"] == "payout"
    final = events["playerUpdate"][-1]
    assert sol_to_lamports(final["cash"]) == LAMPORTS_PER_SOL - 5_000_000 + sol_to_lamports(result["payout"])
