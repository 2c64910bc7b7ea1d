"""Engine.IO/Socket.IO codec and typed events: table-driven cases plus every real frame."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bot.feeds.recording import read_recording
from bot.protocol.events import (
    EVENT_MODELS,
    Ack,
    CurrentSidebet,
    GameStateUpdate,
    InvalidEvent,
    PlayerUpdate,
    Trade,
    UnknownEvent,
    decode_ack,
    decode_event,
)
from bot.protocol.frames import (
    EioType,
    Packet,
    SioType,
    Undecodable,
    decode,
    encode_ack,
    encode_connect,
    encode_disconnect,
    encode_event,
    encode_open,
    trace_header,
)

TRACE = '{"__trace":true,"traceparent":"00-1c995641e009e87229031ee3bdd317cb-f49b235078490b89-01"}'


def _raw(p: Packet) -> list[Any]:
    return [msgspec.json.decode(a) for a in p.args]


# (frame, eio, sio, namespace, ack_id, name, decoded args, decoded payload)
DECODE = [
    (
        '0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000}',
        EioType.OPEN,
        None,
        "/",
        None,
        None,
        [],
        None,
    ),
    ("2", EioType.PING, None, "/", None, None, [], None),
    ("3", EioType.PONG, None, "/", None, None, [], None),
    ("2probe", EioType.PING, None, "/", None, None, [], None),
    ("6", EioType.NOOP, None, "/", None, None, [], None),
    ("1", EioType.CLOSE, None, "/", None, None, [], None),
    ("40", EioType.MESSAGE, SioType.CONNECT, "/", None, None, [], None),
    ('40{"sid":"x"}', EioType.MESSAGE, SioType.CONNECT, "/", None, None, [], None),
    ('40/admin,{"sid":"x"}', EioType.MESSAGE, SioType.CONNECT, "/admin", None, None, [], None),
    ("40/admin", EioType.MESSAGE, SioType.CONNECT, "/admin", None, None, [], None),
    ("41", EioType.MESSAGE, SioType.DISCONNECT, "/", None, None, [], None),
    ("41/admin,", EioType.MESSAGE, SioType.DISCONNECT, "/admin", None, None, [], None),
    ('44{"message":"not allowed"}', EioType.MESSAGE, SioType.CONNECT_ERROR, "/", None, None, [], None),
    (
        '42["gameStateUpdate",{"tickCount":5}]',
        EioType.MESSAGE,
        SioType.EVENT,
        "/",
        None,
        "gameStateUpdate",
        [{"tickCount": 5}],
        {"tickCount": 5},
    ),
    ('42["noArgs"]', EioType.MESSAGE, SioType.EVENT, "/", None, "noArgs", [], None),
    (
        '4217["requestSidebet",' + TRACE + ',{"amount":0.002}]',
        EioType.MESSAGE,
        SioType.EVENT,
        "/",
        17,
        "requestSidebet",
        [json.loads(TRACE), {"amount": 0.002}],
        {"amount": 0.002},
    ),
    (
        '42["standard/newTrade",' + TRACE + ',{"id":"t1"}]',
        EioType.MESSAGE,
        SioType.EVENT,
        "/",
        None,
        "standard/newTrade",
        [json.loads(TRACE), {"id": "t1"}],
        {"id": "t1"},
    ),
    (
        '42["usernameStatus",' + TRACE + "]",
        EioType.MESSAGE,
        SioType.EVENT,
        "/",
        None,
        "usernameStatus",
        [json.loads(TRACE)],
        None,
    ),
    ('42/chat,3["msg","hi"]', EioType.MESSAGE, SioType.EVENT, "/chat", 3, "msg", ["hi"], "hi"),
    (
        '4317[{"success":true,"message":"Side bet placed"}]',
        EioType.MESSAGE,
        SioType.ACK,
        "/",
        17,
        None,
        [{"success": True, "message": "Side bet placed"}],
        {"success": True, "message": "Side bet placed"},
    ),
    ("431[]", EioType.MESSAGE, SioType.ACK, "/", 1, None, [], None),
    ('42["chatHistory",null]', EioType.MESSAGE, SioType.EVENT, "/", None, "chatHistory", [None], None),
]


@pytest.mark.parametrize(
    ("frame", "eio", "sio", "ns", "ack", "name", "args", "payload"), DECODE, ids=[d[0][:40] for d in DECODE]
)
def test_decode_table(
    frame: str,
    eio: EioType,
    sio: SioType | None,
    ns: str,
    ack: int | None,
    name: str | None,
    args: list[Any],
    payload: Any,
) -> None:
    p = decode(frame)
    assert isinstance(p, Packet), p
    assert (p.eio, p.sio, p.namespace, p.ack_id, p.name) == (eio, sio, ns, ack, name)
    assert _raw(p) == args
    got = p.payload
    assert (msgspec.json.decode(got) if got is not None else None) == payload
    assert decode(frame.encode()) == p  # bytes in, same packet


GARBAGE = [
    ("", "empty"),
    ("x", "bad-eio-type"),
    ("7", "bad-eio-type"),
    ("9garbage", "bad-eio-type"),
    ("0not-json", "bad-open"),
    ("0{broken", "DecodeError"),
    ("4", "bad-sio-type"),
    ("4x", "bad-sio-type"),
    ("48[]", "bad-sio-type"),
    ('45-["bin",{"_placeholder":true,"num":0}]', "binary-unsupported"),
    ("42", "event-not-array"),
    ('42{"a":1}', "event-not-array"),
    ("42[]", "event-without-name"),
    ("42[5,1]", "event-name-not-string"),
    ("42[null]", "event-name-not-string"),
    ('42["a",', "DecodeError"),
    ('42["a"]]', "DecodeError"),
    ("43[{}]", "ack-without-id"),
    ("43" + "9" * 20 + "[]", "ack-id-too-long"),
    ("40{bad json", "DecodeError"),
    ("42[" * 5000 + "]" * 5000, None),  # deep nesting: any Undecodable reason, never an exception
    ("42\udcff", None),  # lone surrogate
]


@pytest.mark.parametrize(("frame", "reason"), GARBAGE, ids=[g[0][:30] or "empty" for g in GARBAGE])
def test_garbage_is_undecodable(frame: str, reason: str | None) -> None:
    p = decode(frame)
    assert isinstance(p, Undecodable), p
    if reason is not None:
        assert p.reason == reason
    assert len(p.sample) <= 120


@pytest.mark.parametrize("junk", [b"\xff\xfe\x00", 12345, None, ["42"], object()])
def test_non_text_input_never_raises(junk: Any) -> None:
    assert isinstance(decode(junk), Undecodable)


ENCODE = [
    (encode_event("gameStateUpdate", {"tickCount": 1}), '42["gameStateUpdate",{"tickCount":1}]'),
    (
        encode_event("requestSidebet", trace_header("00-1"), {"amount": 0.002}, ack_id=7),
        '427["requestSidebet",{"__trace":true,"traceparent":"00-1"},{"amount":0.002}]',
    ),
    (encode_event("x", 1, namespace="/chat"), '42/chat,["x",1]'),
    (encode_ack(7, {"success": True}), '437[{"success":true}]'),
    (encode_connect(), "40"),
    (encode_connect({"sid": "s"}), '40{"sid":"s"}'),
    (encode_connect({"sid": "s"}, namespace="/a"), '40/a,{"sid":"s"}'),
    (encode_disconnect(), "41"),
]


@pytest.mark.parametrize(("got", "want"), ENCODE, ids=[e[1][:30] for e in ENCODE])
def test_encode_table(got: str, want: str) -> None:
    assert got == want
    assert isinstance(decode(got), Packet)


def test_encode_open_round_trip() -> None:
    p = decode(encode_open("sid1", 25000, 20000))
    assert isinstance(p, Packet) and p.eio is EioType.OPEN and p.data is not None
    assert msgspec.json.decode(p.data)["sid"] == "sid1"


# ------------------------------------------------------------------ real frames


@pytest.mark.parametrize(
    "name", ["2025-12-12_17-16-58_raw.frames.jsonl.gz", "2025-12-15_00-39-17_cdp.frames.jsonl.gz"]
)
def test_every_real_frame_decodes(real_dir: Path, name: str) -> None:
    n = 0
    for f in read_recording(real_dir / "captures" / name):
        p = decode(f.frame)
        assert isinstance(p, Packet), (f.frame[:100], p)
        if p.sio is SioType.EVENT:
            ev = decode_event(p)
            assert not isinstance(ev, InvalidEvent), (p.name, ev)
            if p.name in EVENT_MODELS:
                assert isinstance(ev, EVENT_MODELS[p.name])
            else:
                assert isinstance(ev, UnknownEvent)
        n += 1
    assert n > 400


def test_cdp_stripped_traced_events_decode_to_empty_models(real_dir: Path) -> None:
    """The CDP capture kept only the trace header of traced events: payload is None → empty model."""
    stripped: dict[str, int] = {}
    for f in read_recording(real_dir / "captures" / "2025-12-15_00-39-17_cdp.frames.jsonl.gz"):
        p = decode(f.frame)
        assert isinstance(p, Packet)
        if p.sio is not SioType.EVENT or not p.args or p.payload is not None:
            continue
        ev = decode_event(p)
        if p.name in EVENT_MODELS:
            assert ev == EVENT_MODELS[p.name](), p.name  # every field None
        else:
            assert isinstance(ev, UnknownEvent) and ev.payload is None
        stripped[p.name or ""] = stripped.get(p.name or "", 0) + 1
    assert stripped.get("standard/newTrade", 0) == 14
    assert "usernameStatus" in stripped and "sidebetEventUpdate" in stripped


def _samples(real_dir: Path) -> dict[str, Any]:
    return json.loads((real_dir / "samples" / "key-samples-2026-02.json").read_text())  # type: ignore[no-any-return]


def _frame(sample: dict[str, Any]) -> str:
    name = sample["event_type"]
    args: list[Any] = [name]
    if name != "gameStateUpdate":
        args.append(json.loads(TRACE))
    args.append(sample["data"])
    return "42" + json.dumps(args)


def test_key_samples_all_decode(real_dir: Path) -> None:
    samples = _samples(real_dir)
    assert len(samples) == 11
    for key, s in samples.items():
        p = decode(_frame(s))
        assert isinstance(p, Packet), key
        ev = decode_event(p)
        assert isinstance(ev, GameStateUpdate | Trade), (key, ev)


def test_key_sample_fields(real_dir: Path) -> None:
    s = _samples(real_dir)

    def gsu(key: str) -> GameStateUpdate:
        p = decode(_frame(s[key]))
        assert isinstance(p, Packet)
        ev = decode_event(p)
        assert isinstance(ev, GameStateUpdate)
        return ev

    minimal = gsu("01_cooldown_early_minimal")
    assert minimal.game_id == "20260206-003482fbeaae4ad5"
    assert minimal.cooldown_timer == 14900 and minimal.allow_pre_round_buys is False
    assert minimal.active is None and minimal.rugged is None and minimal.tick_count is None
    assert minimal.price is None and minimal.trade_count is None and not minimal.has_history
    assert len(minimal.leaderboard_entries()) == len(s["01_cooldown_early_minimal"]["data"]["leaderboard"])

    full = gsu("02_cooldown_early_full")
    assert full.has_history
    games = full.history_games()
    assert len(games) == len(s["02_cooldown_early_full"]["data"]["gameHistory"])
    assert all(g.id and g.provably_fair is not None for g in games)

    pre = gsu("03_presale_transition")
    assert (pre.active, pre.allow_pre_round_buys, pre.cooldown_timer, pre.tick_count) == (
        False,
        True,
        10000,
        0,
    )

    start = gsu("04_game_start_tick0")
    assert (start.active, start.tick_count, start.price, start.game_version) == (True, 0, 1, "v3")
    assert start.provably_fair is not None and start.provably_fair.server_seed_hash

    mid = gsu("05_active_midgame")
    assert mid.tick_count == 103
    assert mid.partial_prices is not None and mid.partial_prices.values is not None
    assert sorted(mid.partial_prices.values) == ["100", "101", "102", "103", "99"]
    assert mid.partial_prices.values["103"] == mid.price

    rug = gsu("10_rug_event")
    assert rug.active is True and rug.rugged is True  # active is still true on the rug frame
    assert rug.tick_count == 255 and rug.partial_prices is not None and rug.partial_prices.end_tick == 255
    assert rug.price == pytest.approx(0.0017842710071060424)

    post = gsu("11_postrug_final")
    assert post.has_history
    ids = [g.id for g in post.history_games()]
    assert len(ids) == len(set(ids)) == 10

    for key, typ in (
        ("06_trade_buy", "buy"),
        ("07_trade_sell", "sell"),
        ("08_trade_short_close", "short_close"),
        ("09_trade_short_open", "short_open"),
    ):
        p = decode(_frame(s[key]))
        assert isinstance(p, Packet)
        trade = decode_event(p)
        assert isinstance(trade, Trade) and trade.type == typ and trade.game_id == "20260206-003482fbeaae4ad5"


def test_own_bet_events_and_ack_models() -> None:
    placed = decode(
        '42["currentSidebet",' + TRACE + ',{"gameId":"g","betAmount":0.002,"startTick":102,'
        '"endTick":142,"xPayout":5,"type":"placed"}]'
    )
    assert isinstance(placed, Packet)
    ev = decode_event(placed)
    assert isinstance(ev, CurrentSidebet) and (ev.start_tick, ev.end_tick, ev.bet_amount) == (102, 142, 0.002)
    pu = decode('42["playerUpdate",{"cash":0.5,"shitcoinBalances":{"0xPractice":100},"sideBet":null}]')
    assert isinstance(pu, Packet)
    ev2 = decode_event(pu)
    assert isinstance(ev2, PlayerUpdate) and ev2.cash == 0.5 and ev2.side_bet is None
    ack = decode('4317[{"success":false,"message":"Insufficient balance"}]')
    assert isinstance(ack, Packet)
    a = decode_ack(ack)
    assert isinstance(a, Ack) and a.success is False and a.message == "Insufficient balance"
    bad = decode('4317["not an object"]')
    assert isinstance(bad, Packet) and isinstance(decode_ack(bad), InvalidEvent)


INVALID = [
    '42["gameStateUpdate",{"tickCount":"five"}]',
    '42["gameStateUpdate",[1,2,3]]',
    '42["gameStateUpdate","text"]',
    '42["playerUpdate",{"cash":"lots"}]',
    '42["currentSidebet",{"startTick":1.5}]',
    '42["gameStateUpdate",{"partialPrices":{"values":{"1":"x"}}}]',
]


@pytest.mark.parametrize("frame", INVALID)
def test_wrong_types_become_invalid_events(frame: str) -> None:
    p = decode(frame)
    assert isinstance(p, Packet)
    assert isinstance(decode_event(p), InvalidEvent)
