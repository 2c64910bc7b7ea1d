"""Frame shapes: the simulator's frames decode with the bot's models and carry the real key sets and orders.

Real references: tests/fixtures/real/samples/key-samples-2026-02.json (Feb 2026) and the Dec 2025 capture
(history/connect frames with ``prices``). The provably-fair side is checked on the same timeline: every
announced hash matches the revealed seed and the generator reproduces every broadcast price.
"""

from __future__ import annotations

import gzip
import itertools
import json
import math
import random
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bot.fair.generator import generate_prices, seed_hash
from bot.money import SOL_MINT
from bot.protocol.events import (
    CurrentSidebet,
    CurrentSidebetResult,
    GameStateUpdate,
    PlayerUpdate,
    Trade,
    UsernameStatus,
    decode_event,
)
from bot.protocol.frames import Packet, decode, encode_event
from bot.sim.accounts import Accounts, GamePoint
from bot.sim.config import SimConfig
from bot.sim.game import Out, iter_timeline
from tests.sim.wire import LOGIN

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"
GAMES = 12


@cache
def samples() -> dict[str, dict[str, Any]]:
    data = json.loads((REAL / "samples" / "key-samples-2026-02.json").read_text())
    return {k: v["data"] for k, v in data.items()}


@cache
def dec_capture_states() -> list[dict[str, Any]]:
    out = []
    with gzip.open(REAL / "captures" / "2025-12-12_17-16-58_raw.frames.jsonl.gz", "rt") as f:
        for line in f:
            frame = json.loads(line).get("frame", "")
            if frame.startswith('42["gameStateUpdate"'):
                out.append(json.loads(frame[2:])[-1])
    return out


@cache
def timeline() -> list[tuple[float, Out, str]]:
    accounts = Accounts(SimConfig(seed="shapes"), random.Random(5))
    return [
        (t, out, encode_event(out.event, *out.args))
        for t, out in iter_timeline(SimConfig(seed="shapes"), games=GAMES, accounts=accounts)
    ]


@cache
def short_timeline() -> list[tuple[float, Out, str]]:
    return [
        (t, out, encode_event(out.event, *out.args))
        for t, out in iter_timeline(SimConfig(seed="verify"), games=4)
    ]


def sim_states() -> list[dict[str, Any]]:
    return [o.args[-1] for _, o, _ in timeline() if o.event == "gameStateUpdate"]


def _pick(states: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    def is_kind(p: dict[str, Any]) -> bool:
        if kind == "minimal":
            return len(p) == 7 and "cooldownTimer" in p
        if kind == "rug":
            return bool(p.get("rugged")) and "gameHistory" not in p
        if kind == "midgame":
            return (
                bool(p.get("active"))
                and not p.get("rugged")
                and p.get("tickCount", 0) > 5
                and "gameHistory" not in p
                and "tradeCount" in p
                and "rugpool" in p
            )
        if kind == "presale":
            return p.get("cooldownTimer") == 10000 and "partialPrices" in p
        if kind == "tick0":
            return bool(p.get("active")) and p.get("tickCount") == 0 and len(p) == 14
        if kind == "history_old":
            return "gameHistory" in p and "prices" not in p and bool(p.get("rugged"))
        if kind == "history_new":
            return "gameHistory" in p and "prices" not in p and p.get("cooldownTimer") == 15000
        if kind == "connect":
            return "gameHistory" in p and "prices" in p
        raise ValueError(kind)

    return next(p for p in states if is_kind(p))


@pytest.mark.parametrize(
    ("kind", "real"),
    [
        ("minimal", lambda: samples()["01_cooldown_early_minimal"]),
        ("presale", lambda: samples()["03_presale_transition"]),
        ("tick0", lambda: samples()["04_game_start_tick0"]),
        ("midgame", lambda: samples()["05_active_midgame"]),
        ("rug", lambda: samples()["10_rug_event"]),
        ("history_old", lambda: _pick(dec_capture_states(), "history_old")),
        ("history_new", lambda: _pick(dec_capture_states(), "history_new")),
        ("connect", lambda: dec_capture_states()[0]),
    ],
)
def test_state_frame_keys_and_order_match_real(kind: str, real: Any) -> None:
    ours = _pick(sim_states(), kind)
    assert list(ours) == list(real())


def test_nested_shapes_match_real() -> None:
    mid = samples()["05_active_midgame"]
    ours = _pick(sim_states(), "midgame")
    assert set(ours["partialPrices"]) == set(mid["partialPrices"])
    assert all(isinstance(k, str) for k in ours["partialPrices"]["values"])
    assert set(ours["rugpool"]) == set(mid["rugpool"]) and ours["rugRoyale"] == mid["rugRoyale"]
    real_lb = [e for s in sim_states() if s.get("leaderboard") for e in s["leaderboard"]]
    assert list(real_lb[0]) == list(mid["leaderboard"][0])
    with_bet = next(e for e in real_lb if e["sideBet"])
    real_bet = next(e for e in mid["leaderboard"] if e["sideBet"])["sideBet"]
    assert list(with_bet["sideBet"]) == list(real_bet)
    presale = _pick(sim_states(), "presale")
    if presale["leaderboard"]:
        assert list(presale["leaderboard"][0]) == list(samples()["03_presale_transition"]["leaderboard"][0])
    verified = json.loads((REAL / "games" / "verified_games_v3.json").read_text())[0]
    hist = _pick(sim_states(), "history_new")["gameHistory"][0]
    assert list(hist) == [k for k in verified if not k.startswith("_")]
    placed = next(r for r in hist["globalSidebets"] if r["type"] == "placed")
    payouts = [r for r in hist["globalSidebets"] if r["type"] == "payout"]
    real_placed = next(r for r in verified["globalSidebets"] if r["type"] == "placed")
    real_win = next(
        r
        for g in json.loads((REAL / "games" / "verified_games_v3.json").read_text())
        for r in g["globalSidebets"]
        if r["type"] == "payout" and r["payout"]
    )
    assert list(placed) == list(real_placed)
    win = next(
        r
        for g in sim_states()
        if "gameHistory" in g
        for h in g["gameHistory"]
        for r in h["globalSidebets"]
        if r["type"] == "payout" and r["payout"]
    )
    assert list(win) == list(real_win)
    loss = next(r for r in payouts if not r["payout"]) if any(not r["payout"] for r in payouts) else None
    if loss is not None:
        assert loss["tickIndex"] == loss["startTick"] and "price" not in loss


@pytest.mark.parametrize(("name", "real"), [("buy", "06_trade_buy"), ("sell", "07_trade_sell")])
def test_trade_shapes(name: str, real: str) -> None:
    trades = [(o.args, text) for _, o, text in timeline() if o.event == "standard/newTrade"]
    args, text = next((a, t) for a, t in trades if a[-1]["type"] == name)
    assert args[0]["__trace"] is True and args[0]["traceparent"].startswith("00-")
    assert set(args[-1]) <= set(samples()[real]) | {"leverage"}
    pkt = decode(text)
    assert isinstance(pkt, Packet) and isinstance(decode_event(pkt), Trade)


def test_every_frame_decodes_with_the_bot_models() -> None:
    kinds: dict[str, int] = {}
    for _, out, text in timeline():
        pkt = decode(text)
        assert isinstance(pkt, Packet), text[:80]
        ev = decode_event(pkt)
        assert type(ev).__name__ != "InvalidEvent", (out.event, ev)
        if out.event != "newChatMessage":  # a side event the bot has no model for, as on the real feed
            assert type(ev).__name__ != "UnknownEvent", (out.event, ev)
        kinds[out.event] = kinds.get(out.event, 0) + 1
        if isinstance(ev, GameStateUpdate) and ev.has_history:
            games = ev.history_games()
            assert games and all(g.provably_fair and g.provably_fair.server_seed for g in games)
    assert (
        kinds["gameStateUpdate"] > 1000 and kinds["standard/newTrade"] > 50 and kinds["newChatMessage"] > 10
    )
    # trade and chat rates near the Dec 2025 capture (31 trades, 11 chats in 89 s): per active second
    active_s = 0.25 * sum(
        1
        for _, o, _ in timeline()
        if o.event == "gameStateUpdate" and o.args[-1].get("active") and "gameHistory" not in o.args[-1]
    )
    assert 0.1 < kinds["standard/newTrade"] / active_s < 1.5
    assert 0.03 < kinds["newChatMessage"] / active_s < 0.4


def test_history_frames_are_heavy_and_come_twice_per_rug() -> None:
    heavy = [
        (t, len(text))
        for t, o, text in timeline()
        if o.event == "gameStateUpdate" and "gameHistory" in o.args[-1]
    ]
    rugs = [
        o
        for _, o, _ in timeline()
        if o.event == "gameStateUpdate" and o.args[-1].get("rugged") and "gameHistory" not in o.args[-1]
    ]
    assert len(rugs) == GAMES
    assert len(heavy) == 1 + 2 * GAMES  # once on connect, twice around each rug
    full = [n for _, n in heavy[-6:]]  # with ten games of history
    assert all(150_000 < n < 700_000 for n in full), full


def test_timeline_is_provably_fair_and_follows_the_rules() -> None:
    announced: dict[str, str] = {}
    rug_frames: dict[str, dict[str, Any]] = {}
    revealed: dict[str, dict[str, Any]] = {}
    prev_price: dict[str, float] = {}
    for _, out, _ in timeline():
        if out.event != "gameStateUpdate":
            continue
        p = out.args[-1]
        gid = p.get("gameId")
        if gid and p.get("provablyFair", {}).get("serverSeedHash") and "gameHistory" not in p:
            announced.setdefault(gid, p["provablyFair"]["serverSeedHash"])
            assert announced[gid] == p["provablyFair"]["serverSeedHash"]
        if p.get("rugged") and "gameHistory" not in p:
            rug_frames[gid] = p
        elif p.get("active") and "price" in p and "gameHistory" not in p:
            prev_price[gid] = p["price"]
        for h in p.get("gameHistory", []):
            revealed[h["id"]] = h
    checked = 0
    for gid, rug in rug_frames.items():
        h = revealed[gid]
        seed = h["provablyFair"]["serverSeed"]
        assert seed_hash(seed) == announced[gid] == h["provablyFair"]["serverSeedHash"]
        gen = generate_prices(seed, gid, "v3")
        assert h["prices"][:-1] == gen.prices  # float-exact
        assert rug["tickCount"] == gen.rug_tick == len(h["prices"]) - 1
        assert rug["active"] is True and rug["price"] == h["prices"][-1]
        assert 0 < rug["price"] <= max(0.02 * gen.prices[-1], 1e-12) + 1e-12 and rug["price"] <= 0.02 + 1e-12
        assert math.isclose(h["peakMultiplier"], gen.peak)
        assert gid[:8].isdigit() and len(gid) == 25 and gid[8] == "-"
        checked += 1
    assert checked == GAMES


def test_account_event_shapes_decode() -> None:
    accounts = Accounts(SimConfig(), random.Random(3))
    _, acct = accounts.authenticate(LOGIN)
    assert acct is not None
    gid = "20260101-00000000000000cc"
    res = accounts.request_sidebet(
        acct,
        {"amount": 0.002, "coinAddress": SOL_MINT, "xPayout": 5},
        GamePoint(gid, "ACTIVE", 102, 0.1008),
        1766897774669,
    )
    assert res.bet is not None
    assert list(res.bet.record) == [
        "playerId",
        "gameId",
        "username",
        "price",
        "betAmount",
        "xPayout",
        "coinAddress",
        "startTick",
        "endTick",
        "tickIndex",
        "timestamp",
        "type",
    ]
    (settled,) = accounts.on_rug(gid, 120, 0.005, 1766897779000)
    for name, args, model in (
        ("currentSidebet", ({"__trace": True, "traceparent": "00-a-b-01"}, res.bet.record), CurrentSidebet),
        (
            "currentSidebetResult",
            ({"__trace": True, "traceparent": "00-a-b-01"}, settled.record),
            CurrentSidebetResult,
        ),
        ("playerUpdate", (accounts.player_update(acct),), PlayerUpdate),
        ("usernameStatus", ({"__trace": True}, accounts.username_status(acct)), UsernameStatus),
    ):
        pkt = decode(encode_event(name, *args))
        assert isinstance(pkt, Packet) and isinstance(decode_event(pkt), model)
    real_pu = None
    with gzip.open(REAL / "captures" / "2025-12-15_00-39-17_cdp.frames.jsonl.gz", "rt") as f:
        for line in f:
            fr = json.loads(line)["frame"]
            if fr.startswith('42["playerUpdate"'):
                real_pu = json.loads(fr[2:])[-1]
                break
    assert real_pu is not None
    ours = accounts.player_update(acct)
    assert set(ours) <= set(real_pu)
    assert [k for k in real_pu if k in ours] == list(ours)  # same relative order
    assert settled.record["payout"] == 0.01 and settled.record["profit"] == 0.008


def test_recording_of_the_simulator_passes_rugsbot_verify(tmp_path: Path) -> None:
    recording = pytest.importorskip("bot.feeds.recording")
    from bot.cli import _load, main

    if _load("verify") is None:
        pytest.skip("rugsbot verify not in this build yet")
    path = tmp_path / "sim.frames.jsonl.gz"
    with recording.RecordingWriter(path, {"source": "simulator", "seed": "shapes"}) as w:
        for t, _, text in short_timeline():
            w.write(t, "in", text)
    assert main(["verify", str(path)]) == 0
    # and a doctored copy fails: one broadcast price changed in a revealed game
    bad = tmp_path / "bad.frames.jsonl.gz"
    doctored = False
    with recording.RecordingWriter(bad, {"source": "simulator-doctored"}) as w:
        for t, out, text in short_timeline():
            if not doctored and out.event == "gameStateUpdate" and out.args[-1].get("gameHistory"):
                frame = json.loads(json.dumps(out.args[-1]))
                frame["gameHistory"][0]["prices"][3] *= 1.0001
                text = encode_event("gameStateUpdate", frame)
                doctored = True
            w.write(t, "in", text)
    assert main(["verify", str(bad)]) == 1


def test_round_cycle_timing_on_the_sim_clock() -> None:
    """Rug → tick 0 ≈ 16.4 s; cooldown frames every 100 ms; presale = the last 10 s; ids change at the rug."""
    rows = [(t, o.args[-1]) for t, o, _ in timeline() if o.event == "gameStateUpdate"]
    rug_times = [(t, p["gameId"]) for t, p in rows if p.get("rugged") and "gameHistory" not in p]
    starts = [
        (t, p["gameId"]) for t, p in rows if p.get("active") and p.get("tickCount") == 0 and len(p) == 14
    ]
    for (t_rug, gid), (t_start, next_gid) in zip(rug_times, starts[1:], strict=False):
        assert next_gid != gid
        assert 15.4 <= t_start - t_rug <= 17.6, t_start - t_rug
    cooldown = [(t, p["cooldownTimer"]) for t, p in rows if len(p) == 7]
    steps = [round(b[0] - a[0], 6) for a, b in itertools.pairwise(cooldown) if a[1] - b[1] == 100]
    assert set(steps) == {0.0, 0.1}  # 100 ms apart, except inside the post-rug burst
    assert steps.count(0.1) > 3 * steps.count(0.0)
    # post-rug silence: nothing for 1–5 s after the rug frame, then a burst (history frames + cooldown backlog)
    times = [t for t, _, _ in timeline()]
    for t_rug, _ in rug_times:
        i = times.index(t_rug)
        j = next(k for k in range(i, len(times)) if times[k] > t_rug)
        assert 1.0 <= times[j] - t_rug <= 5.2
        burst = [t for t in times[j : j + 4]]
        assert burst[0] == burst[1] == burst[2]
    presale = [(t, p) for t, p in rows if len(p) == 7 and p["allowPreRoundBuys"]]
    assert all(p["cooldownTimer"] <= 10000 for _, p in presale)
    assert all(not p["allowPreRoundBuys"] for _, p in rows if len(p) == 7 and p["cooldownTimer"] > 10000)


def test_logged_in_player_with_open_bet_appears_on_the_board() -> None:
    from bot.sim.game import GameLoop

    loop = GameLoop(SimConfig(seed="board", players=0))
    _, acct = loop.accounts.authenticate(LOGIN)
    assert acct is not None
    assert loop.state_frame()["leaderboard"] == []
    r = loop.accounts.request_sidebet(
        acct,
        {"amount": 3, "coinAddress": "0xPractice", "xPayout": 5},
        GamePoint(loop.current.id, "ACTIVE", 7, 1.0),
        0,
    )
    assert r.bet is not None
    (row,) = loop.state_frame()["leaderboard"]
    real = samples()["05_active_midgame"]["leaderboard"]
    assert list(row) == list(real[0]) and row["id"] == acct.player_id and row["sidebetActive"] is True
    assert row["sideBet"] == {
        "startedAtTick": 7,
        "gameId": loop.current.id,
        "end": 47,
        "betAmount": 3.0,
        "xPayout": 5,
        "coinAddress": "0xPractice",
        "bonusPortion": 0,
        "realPortion": 3.0,
    }
    loop.accounts.on_rug(loop.current.id, 30, 0.01, 1)
    assert loop.state_frame()["leaderboard"] == []


def test_seeded_timeline_is_reproducible() -> None:
    def texts(seed: str) -> list[str]:
        return [encode_event(o.event, *o.args) for _, o in iter_timeline(SimConfig(seed=seed), games=2)]

    a, b, c = texts("repro"), texts("repro"), texts("other")
    assert a == b
    assert a[0] != c[0] and a != c


def test_logged_in_feed_gets_game_state_player_updates_shaped_like_real() -> None:
    from bot.protocol.events import GameStatePlayerUpdate
    from bot.sim.game import GameLoop

    loop = GameLoop(SimConfig(seed="gspu"), now_ms=lambda: 1_767_225_600_000)
    _, acct = loop.accounts.authenticate(LOGIN)
    assert acct is not None
    outs = []
    for step in loop.steps():
        outs += [o for o in step.outs if o.event == "gameStatePlayerUpdate"]
        if step.kind == "tick" and len(outs) >= 3:
            break
    assert all(o.to == acct.player_id for o in outs)
    with gzip.open(REAL / "captures" / "2025-12-15_00-39-17_cdp.frames.jsonl.gz", "rt") as f:
        real = next(
            json.loads(fr[2:])[-1]
            for fr in (json.loads(line)["frame"] for line in f)
            if fr.startswith('42["gameStatePlayerUpdate"')
        )
    ours = outs[0].args[-1]
    assert list(ours) == ["gameId", "rugpool"] and list(ours["rugpool"]) == list(real["rugpool"])
    assert list(ours["rugpool"]["playerEntries"][0]) == list(real["rugpool"]["playerEntries"][0])
    pkt = decode(encode_event("gameStatePlayerUpdate", *outs[0].args))
    assert isinstance(pkt, Packet) and isinstance(decode_event(pkt), GameStatePlayerUpdate)
