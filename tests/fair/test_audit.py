"""verify_history_game and settle_history_sidebets on the real games, and on doctored copies of them."""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from bot.fair.settlements import settle_history_sidebets
from bot.fair.verify import AuditStatus, verify_history_game
from bot.game.rules import Outcome, Window, payout_lamports, profit_lamports, settle
from bot.money import sol_to_lamports
from bot.protocol.events import HistoryGame, ProvablyFair, SidebetRecord
from tests.fair.conftest import GAME_IDS, SETTLEMENTS_FILE

replace = msgspec.structs.replace


def test_every_real_game_verifies(history_games: list[HistoryGame]) -> None:
    assert len(history_games) == 23
    for game in history_games:
        audit = verify_history_game(game)
        assert audit.status is AuditStatus.VERIFIED, (game.id, audit.reason)
        assert audit.ok and not audit.mismatch
        assert audit.hash_ok is True and audit.prices_ok is True and audit.length_ok is True
        assert audit.first_mismatch is None
        assert audit.peak_ok is True
        assert audit.rug_tick == len(game.prices or []) - 1
        assert audit.version == "v3"
        assert audit.announced_hash_ok is None


def _with_seed(game: HistoryGame, seed: str, seed_hash: str | None = None) -> HistoryGame:
    pf = game.provably_fair or ProvablyFair()
    return replace(
        game,
        provably_fair=replace(
            pf, server_seed=seed, server_seed_hash=pf.server_seed_hash if seed_hash is None else seed_hash
        ),
    )


def _nudge(prices: list[float], k: int) -> list[float]:
    out = list(prices)
    out[k] = math.nextafter(out[k], math.inf)  # one ulp: float equality must catch it
    return out


Doctor = Callable[[HistoryGame], HistoryGame]

# (name, doctor, expected status, hash_ok, prices_ok, length_ok, first_mismatch (None = don't care))
MUTATIONS: list[tuple[str, Doctor, AuditStatus, bool | None, bool | None, bool | None, int | None]] = [
    ("untouched", lambda g: g, AuditStatus.VERIFIED, True, True, True, None),
    (
        "one ulp at tick 5",
        lambda g: replace(g, prices=_nudge(g.prices or [], 5)),
        AuditStatus.MISMATCH,
        True,
        False,
        True,
        5,
    ),
    (
        "one ulp at tick 0",
        lambda g: replace(g, prices=_nudge(g.prices or [], 0)),
        AuditStatus.MISMATCH,
        True,
        False,
        True,
        0,
    ),
    (
        "last generated price",
        lambda g: replace(g, prices=_nudge(g.prices or [], len(g.prices or []) - 2)),
        AuditStatus.MISMATCH,
        True,
        False,
        True,
        None,
    ),
    (
        "truncated by one",
        lambda g: replace(g, prices=(g.prices or [])[:-1]),
        AuditStatus.MISMATCH,
        True,
        False,
        False,
        None,
    ),
    (
        "truncated to 20",
        lambda g: replace(g, prices=(g.prices or [])[:20]),
        AuditStatus.MISMATCH,
        True,
        False,
        False,
        19,
    ),
    (
        "one tick too many",
        lambda g: replace(g, prices=[*(g.prices or [])[:-1], 1.0, (g.prices or [])[-1]]),
        AuditStatus.MISMATCH,
        True,
        False,
        False,
        None,
    ),
    (
        "rug price changed (not from the generator)",
        lambda g: replace(g, prices=[*(g.prices or [])[:-1], 0.0031]),
        AuditStatus.VERIFIED,
        True,
        True,
        True,
        None,
    ),
    (
        "seed changed, hash kept",
        lambda g: _with_seed(g, "0" * 64),
        AuditStatus.MISMATCH,
        False,
        False,
        None,
        None,
    ),
    (
        "seed and hash replaced consistently",
        lambda g: _with_seed(g, "f" * 64, hashlib.sha256(b"f" * 64).hexdigest()),
        AuditStatus.MISMATCH,
        True,
        False,
        None,
        None,
    ),
    (
        "hash changed",
        lambda g: _with_seed(g, (g.provably_fair or ProvablyFair()).server_seed or "", "00" * 32),
        AuditStatus.MISMATCH,
        False,
        True,
        True,
        None,
    ),
    (
        "game id changed",
        lambda g: replace(g, id=(g.id or "")[:-1] + "0"),
        AuditStatus.MISMATCH,
        True,
        False,
        None,
        None,
    ),
    ("declared v2", lambda g: replace(g, game_version="v2"), AuditStatus.MISMATCH, True, False, None, None),
    (
        "no version declared (tried v3, v2, v1)",
        lambda g: replace(g, game_version=None),
        AuditStatus.VERIFIED,
        True,
        True,
        True,
        None,
    ),
    (
        "no hash at all",
        lambda g: _with_seed(g, (g.provably_fair or ProvablyFair()).server_seed or "", ""),
        AuditStatus.VERIFIED,
        None,
        True,
        True,
        None,
    ),
    (
        "unknown version",
        lambda g: replace(g, game_version="v9"),
        AuditStatus.UNVERIFIABLE,
        None,
        None,
        None,
        None,
    ),
    (
        "seed not revealed",
        lambda g: replace(g, provably_fair=ProvablyFair(server_seed_hash="ab")),
        AuditStatus.UNVERIFIABLE,
        None,
        None,
        None,
        None,
    ),
    (
        "no provablyFair",
        lambda g: replace(g, provably_fair=None),
        AuditStatus.UNVERIFIABLE,
        None,
        None,
        None,
        None,
    ),
    (
        "no prices: checked on the peak",
        lambda g: replace(g, prices=None),
        AuditStatus.VERIFIED,
        True,
        None,
        None,
        None,
    ),
    (
        "one price: checked on the peak",
        lambda g: replace(g, prices=[1.0]),
        AuditStatus.VERIFIED,
        True,
        None,
        None,
        None,
    ),
    (
        "no prices, peak off by one ulp",
        lambda g: replace(g, prices=None, peak_multiplier=math.nextafter(g.peak_multiplier or 0.0, 0.0)),
        AuditStatus.MISMATCH,
        True,
        None,
        None,
        None,
    ),
    (
        "no prices, no peak",
        lambda g: replace(g, prices=None, peak_multiplier=None),
        AuditStatus.UNVERIFIABLE,
        None,
        None,
        None,
        None,
    ),
    ("no id", lambda g: replace(g, id=None), AuditStatus.UNVERIFIABLE, None, None, None, None),
]


@pytest.mark.parametrize(
    ("name", "doctor", "status", "hash_ok", "prices_ok", "length_ok", "first"),
    MUTATIONS,
    ids=[m[0] for m in MUTATIONS],
)
def test_doctored_games(
    history_games: list[HistoryGame],
    name: str,
    doctor: Doctor,
    status: AuditStatus,
    hash_ok: bool | None,
    prices_ok: bool | None,
    length_ok: bool | None,
    first: int | None,
) -> None:
    game = history_games[3]  # 189 wire prices, several big moves
    audit = verify_history_game(doctor(game))
    assert audit.status is status, audit.reason
    assert audit.hash_ok is hash_ok
    assert audit.prices_ok is prices_ok
    if length_ok is not None:
        assert audit.length_ok is length_ok
    if first is not None:
        assert audit.first_mismatch == first
    if status is AuditStatus.MISMATCH:
        assert audit.reason
        assert audit.first_mismatch is not None or audit.hash_ok is False or audit.peak_ok is False
    if status is AuditStatus.UNVERIFIABLE:
        assert audit.reason


def test_announced_hash_is_the_commitment(history_games: list[HistoryGame]) -> None:
    game = history_games[0]
    good = (game.provably_fair or ProvablyFair()).server_seed_hash
    assert verify_history_game(game, announced_hash=good).announced_hash_ok is True
    assert verify_history_game(game, announced_hash=(good or "").upper()).ok
    bad = verify_history_game(game, announced_hash="12" * 32)
    assert bad.status is AuditStatus.MISMATCH
    assert bad.announced_hash_ok is False
    assert "announced" in bad.reason


# ------------------------------------------------------------------ settlements


def _csv_rows() -> list[dict[str, str]]:
    with SETTLEMENTS_FILE.open(newline="") as fh:
        return list(csv.DictReader(fh))


ROWS = _csv_rows()


def test_settlement_csv_has_all_rows() -> None:
    assert len(ROWS) == 1071
    assert {r["gameId"] for r in ROWS} == set(GAME_IDS)


def _row_problems(row: dict[str, str]) -> list[str]:
    start, end = int(row["startTick"]), int(row["endTick"])
    window = Window.starting_at(start)
    final = int(row["final_wire_tick"])
    outcome = settle(window, rug_tick=final, current_tick=final)
    stake = sol_to_lamports(row["betAmount"])
    checks = {
        "window": window.end_tick == end,
        "outcome": outcome is (Outcome.WON if row["won"] == "1" else Outcome.LOST),
        "payout": payout_lamports(stake, outcome) == sol_to_lamports(row["payout"]),
        "profit": profit_lamports(stake, outcome) == sol_to_lamports(row["profit"]),
        # a loss settles at the window start, a win at the rug tick
        "tickIndex": int(row["tickIndex"]) == (final if outcome is Outcome.WON else start),
    }
    return [name for name, ok in checks.items() if not ok]


def test_every_real_settlement_follows_our_rules() -> None:
    """All 1,071 rows of the real settlements table, one row = one scenario; every failing row is listed."""
    failures = {f"{r['gameId']}/{r['playerId']}/{r['startTick']}": p for r in ROWS if (p := _row_problems(r))}
    assert failures == {}
    assert sum(1 for r in ROWS if r["won"] == "1") == 224


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("won", "flip", "outcome"),
        ("payout", "0.5", "payout"),
        ("endTick", "+1", "window"),
        ("tickIndex", "+1", "tickIndex"),
        ("final_wire_tick", "+100", "outcome"),
    ],
)
def test_row_checker_can_fail(field: str, value: str, problem: str) -> None:
    row = dict(next(r for r in ROWS if r["won"] == "1"))
    if value == "flip":
        row[field] = "0"
    elif value.startswith("+"):
        row[field] = str(int(row[field]) + int(value[1:]))
    else:
        row[field] = value
    assert problem in _row_problems(row)


def test_history_settlements_match_the_csv(history_games: list[HistoryGame]) -> None:
    checks = [c for g in history_games for c in settle_history_sidebets(g)]
    assert len(checks) == 1071
    assert all(c.kind == "payout" and c.agree is True for c in checks), [
        c.reason for c in checks if not c.agree
    ][:3]
    assert all(c.tick_index_ok is True for c in checks)
    ours = sorted(
        (c.game_id, c.player_id, c.start_tick, c.rug_tick, c.expected_payout_lamports) for c in checks
    )
    csv_side = sorted(
        (
            r["gameId"],
            r["playerId"],
            int(r["startTick"]),
            int(r["final_wire_tick"]),
            sol_to_lamports(r["payout"]),
        )
        for r in ROWS
    )
    assert ours == csv_side
    won = sum(1 for c in checks if c.expected is Outcome.WON)
    assert won == sum(1 for r in ROWS if r["won"] == "1") == 224


def _first_payout(game: HistoryGame, won: bool) -> int:
    recs = game.global_sidebets or []
    return next(i for i, r in enumerate(recs) if r.type == "payout" and ((r.payout or 0) > 0) is won)


def _doctor_record(game: HistoryGame, index: int, **changes: Any) -> HistoryGame:
    recs = list(game.global_sidebets or [])
    recs[index] = replace(recs[index], **changes)
    return replace(game, global_sidebets=recs)


SETTLEMENT_DOCTORS: list[tuple[str, bool, dict[str, Any], str]] = [
    ("loss paid 5x", False, {"payout": "5x", "profit": "4x"}, "server says won"),
    ("win paid nothing", True, {"payout": 0.0, "profit": "-1x"}, "server says lost"),
    ("win paid 4x", True, {"payout": "4x"}, "payout"),
    ("window of 41 ticks", False, {"end_tick": "start+41"}, "endTick"),
    ("xPayout 10", True, {"x_payout": 10.0}, "xPayout"),
    ("win named at another tick", True, {"tick_index": "tick-1"}, "won at tickIndex"),
]


@pytest.mark.parametrize(
    ("name", "won", "changes", "reason"), SETTLEMENT_DOCTORS, ids=[d[0] for d in SETTLEMENT_DOCTORS]
)
def test_doctored_settlement_disagrees(
    history_games: list[HistoryGame], name: str, won: bool, changes: dict[str, Any], reason: str
) -> None:
    game = next(
        g
        for g in history_games
        if {(r.payout or 0) > 0 for r in g.global_sidebets or [] if r.type == "payout"} == {True, False}
    )
    i = _first_payout(game, won)
    rec = (game.global_sidebets or [])[i]
    bet = rec.bet_amount or 0.0
    resolved: dict[str, Any] = {}
    for key, value in changes.items():
        if isinstance(value, str) and value.endswith("x"):
            value = float(value[:-1]) * bet
        elif value == "start+41":
            value = (rec.start_tick or 0) + 41
        elif value == "tick-1":
            value = (rec.tick_index or 0) - 1
        resolved[key] = value
    checks = settle_history_sidebets(_doctor_record(game, i, **resolved))
    bad = [c for c in checks if not c.agree]
    assert len(bad) == 1
    assert bad[0].player_id == rec.player_id and bad[0].start_tick == rec.start_tick
    assert reason in bad[0].reason
    assert sum(1 for c in checks if c.agree) == len(checks) - 1


def test_one_tick_longer_game_flips_boundary_bets(history_games: list[HistoryGame]) -> None:
    """Lengthening a game by one tick must flip exactly the bets whose window ended on the rug tick."""
    total_flipped = 0
    for game in history_games:
        prices = game.prices or []
        final = len(prices) - 1
        longer = replace(game, prices=[*prices[:-1], 1.0, prices[-1]])
        checks = settle_history_sidebets(longer)
        flipped = [c for c in checks if "server says" in c.reason]
        on_edge = [c for c in checks if c.end_tick == final and (c.real_payout_lamports or 0) > 0]
        assert {(c.player_id, c.start_tick) for c in flipped} == {
            (c.player_id, c.start_tick) for c in on_edge
        }
        # and every real win now names a tick that is not the (new) rug tick
        wins = [c for c in checks if (c.real_payout_lamports or 0) > 0]
        assert all(not c.agree for c in wins)
        total_flipped += len(flipped)
    assert total_flipped > 0  # the real data does contain bets settled exactly on endTick


def test_placed_without_payout_is_implied(history_games: list[HistoryGame]) -> None:
    game = history_games[0]
    only_placed = replace(game, global_sidebets=[r for r in game.global_sidebets or [] if r.type == "placed"])
    checks = settle_history_sidebets(only_placed)
    assert checks and all(c.kind == "implied" and c.agree is None for c in checks)
    final = len(game.prices or []) - 1
    for c in checks:
        assert c.expected is (Outcome.WON if final <= c.start_tick + 40 else Outcome.LOST)


@pytest.mark.parametrize(
    "record",
    [
        SidebetRecord(type="payout"),  # nothing
        SidebetRecord(type="payout", start_tick=3),  # no amount
        SidebetRecord(type="payout", start_tick=3, bet_amount=0.01),  # no payout
        SidebetRecord(type="placed"),
        SidebetRecord(type="something-new", start_tick=1, bet_amount=1.0, payout=0.0),
    ],
)
def test_partial_records_are_skipped_not_fatal(
    history_games: list[HistoryGame], record: SidebetRecord
) -> None:
    game = replace(history_games[0], global_sidebets=[record])
    assert settle_history_sidebets(game) == []


def test_no_prices_no_settlements_unless_final_tick_given(history_games: list[HistoryGame]) -> None:
    game = history_games[1]
    assert settle_history_sidebets(replace(game, prices=None)) == []
    final = len(game.prices or []) - 1
    with_prices = settle_history_sidebets(game)
    assert settle_history_sidebets(replace(game, prices=None), final) == with_prices
    # one tick off: the winners' tickIndex no longer names the rug tick
    off = settle_history_sidebets(replace(game, prices=None), final + 1)
    assert any(not c.agree and "won at tickIndex" in c.reason for c in off)
