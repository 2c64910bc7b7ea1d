"""Provably-fair audit of finished games and a cross-check of everyone's side-bet settlements.

Why: the bot bets on a process it believes is ``seedrandom(serverSeed + "-" + gameId)`` with a fixed
0.5 %/tick rug chance, settled by the rules in :mod:`bot.game.rules`. Every ``gameHistory`` entry reveals
the seed and carries everyone's settled side bets, so each finished game is a free test of both beliefs. A
failure means the game (or our feed, or our rules) is not what the strategy assumes: the session turns
every alarm into a governor halt.

This work is heavy (a ``gameHistory`` frame is ~300 KB and a game needs ~1 ms of pure-Python ARC4), so it
runs off the tick path: the session hands :class:`Auditor` the raw bytes when it is idle.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import TypeVar

import msgspec

from bot.fair.generator import VERSIONS, GeneratedGame, generate_prices, seed_hash
from bot.game.rules import PAYOUT_MULTIPLIER, WINDOW_TICKS, Outcome, Window, payout_lamports, settle
from bot.game.signals import GameRugged, GameStarted, HistoryReceived, Signal, TickAdvanced
from bot.money import sol_to_lamports
from bot.protocol.events import GameStateUpdate, HistoryGame, SidebetRecord

__all__ = [
    "AuditAlarm",
    "AuditCounts",
    "AuditResult",
    "AuditStatus",
    "Auditor",
    "GameAudit",
    "LiveTicks",
    "SettlementCheck",
    "check_live_ticks",
    "settle_history_sidebets",
    "verify_history_game",
]


class AuditStatus(StrEnum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    UNVERIFIABLE = "unverifiable"  # missing seed/prices/id, unknown version: counted, never an alarm


@dataclass(frozen=True, slots=True)
class GameAudit:
    """The verdict on one ``gameHistory`` entry.

    ``hash_ok`` is ``None`` when no hash was available to compare; ``first_mismatch`` is the first wire
    price index that differs from the generator (or the shorter length when one list is a prefix of the
    other). ``peak_ok`` is informational only: ``peakMultiplier`` is a display value, not part of the proof.
    """

    game_id: str | None
    version: str | None
    status: AuditStatus
    hash_ok: bool | None = None
    prices_ok: bool | None = None
    length_ok: bool | None = None
    first_mismatch: int | None = None
    reason: str = ""
    rug_index: int | None = None
    rug_tick: int | None = None
    peak_ok: bool | None = None
    announced_hash_ok: bool | None = None  # None: the pre-game announcement was not seen
    basis: str = ""  # "prices" (full check) or "peak" (entry without prices)
    live_ticks: int = 0  # live ticks (seen while the game ran) compared with the revealed game
    live_ok: bool | None = None  # None: no live ticks of this game were seen

    @property
    def ok(self) -> bool:
        return self.status is AuditStatus.VERIFIED

    @property
    def mismatch(self) -> bool:
        return self.status is AuditStatus.MISMATCH

    def as_dict(self) -> dict[str, object]:
        return {
            "game_id": self.game_id,
            "version": self.version,
            "status": str(self.status),
            "hash_ok": self.hash_ok,
            "prices_ok": self.prices_ok,
            "length_ok": self.length_ok,
            "first_mismatch": self.first_mismatch,
            "reason": self.reason,
            "rug_index": self.rug_index,
            "rug_tick": self.rug_tick,
            "peak_ok": self.peak_ok,
            "announced_hash_ok": self.announced_hash_ok,
            "basis": self.basis,
            "live_ticks": self.live_ticks,
            "live_ok": self.live_ok,
        }


AuditResult = GameAudit  # the name used in docs/ARCHITECTURE.md


@dataclass(frozen=True, slots=True)
class SettlementCheck:
    """One real side-bet settlement (or an implied one) against :mod:`bot.game.rules`.

    ``kind`` is ``"payout"`` for a real ``type:"payout"`` record (``agree`` is then True/False) and
    ``"implied"`` for a ``placed`` record with no payout record in the entry (``agree`` is ``None``: there
    is nothing real to compare, but the expected outcome is still useful).
    """

    game_id: str | None
    kind: str
    record_id: str | None
    player_id: str | None
    start_tick: int
    end_tick: int | None
    rug_tick: int
    bet_lamports: int
    expected: Outcome
    expected_payout_lamports: int
    real_payout_lamports: int | None
    agree: bool | None
    reason: str = ""
    tick_index_ok: bool | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "game_id": self.game_id,
            "kind": self.kind,
            "record_id": self.record_id,
            "player_id": self.player_id,
            "start_tick": self.start_tick,
            "end_tick": self.end_tick,
            "rug_tick": self.rug_tick,
            "bet_lamports": self.bet_lamports,
            "expected": str(self.expected),
            "expected_payout_lamports": self.expected_payout_lamports,
            "real_payout_lamports": self.real_payout_lamports,
            "agree": self.agree,
            "reason": self.reason,
            "tick_index_ok": self.tick_index_ok,
        }


# ------------------------------------------------------------------ one game


def _game_version(game: HistoryGame) -> str | None:
    if game.game_version:
        return game.game_version
    if game.provably_fair is not None and game.provably_fair.version:
        return game.provably_fair.version
    return None


def _compare(generated: GeneratedGame, wire: list[float]) -> tuple[bool, bool, int | None]:
    """(prices_ok, length_ok, first_mismatch) of wire prices (rug price last) against the generator."""
    gen = generated.prices
    body = wire[:-1]
    prices_ok = body == gen
    length_ok = len(wire) == generated.rug_index + 2
    first: int | None = None
    if not (prices_ok and length_ok):
        n = min(len(body), len(gen))
        first = next((k for k in range(n) if body[k] != gen[k]), n)
    return prices_ok, length_ok, first


def verify_history_game(game: HistoryGame, announced_hash: str | None = None) -> GameAudit:
    """Regenerate one finished game from its revealed seed and compare it with what was broadcast.

    ``announced_hash`` is the ``serverSeedHash`` seen *before* the game (live feed); when given, the
    revealed seed must hash to it, which is the actual commitment (the history's own hash field could be
    rewritten together with the seed). A game without a declared version is tried as v3, v2, v1 and
    verified if any matches, so captures of other eras are audited rather than skipped.

    Entries without a price list (the Feb 2026 samples carry none) are checked on ``peakMultiplier``
    instead (``basis == "peak"``): the generator's peak must equal it to the last bit, which pins the run
    down to its highest tick; the rug tick is then taken from the generator, and the side-bet check
    (winning payouts name the rug tick) covers it.
    """
    gid = game.id
    version = _game_version(game)
    pf = game.provably_fair
    seed = pf.server_seed if pf is not None else None
    prices = game.prices if game.prices and len(game.prices) >= 2 else None
    if not gid:
        return GameAudit(None, version, AuditStatus.UNVERIFIABLE, reason="no game id")
    if not seed:
        return GameAudit(gid, version, AuditStatus.UNVERIFIABLE, reason="no server seed revealed")
    if prices is None and game.peak_multiplier is None:
        return GameAudit(gid, version, AuditStatus.UNVERIFIABLE, reason="no price list and no peakMultiplier")
    if version is not None and version not in VERSIONS:
        return GameAudit(gid, version, AuditStatus.UNVERIFIABLE, reason=f"unknown version {version!r}")

    actual = seed_hash(seed)
    hashes = [h.lower() for h in (pf.server_seed_hash if pf else None, announced_hash) if h]
    hash_ok = all(h == actual for h in hashes) if hashes else None

    candidates = (version,) if version is not None else ("v3", "v2", "v1")
    tried: list[tuple[str, GeneratedGame, bool | None, bool | None, int | None, bool | None]] = []
    for v in candidates:
        generated = generate_prices(seed, gid, v)
        peak_ok = None if game.peak_multiplier is None else game.peak_multiplier == generated.peak
        if prices is not None:
            p_ok, l_ok, first = _compare(generated, prices)
            matched = p_ok and l_ok
            tried.append((v, generated, p_ok, l_ok, first, peak_ok))
        else:
            matched = bool(peak_ok)
            tried.append((v, generated, None, None, None, peak_ok))
        if matched:
            break
    else:
        tried.append(tried[0])  # nothing matched: report against the first candidate
    v, generated, prices_ok, length_ok, first, peak_ok = tried[-1]

    reasons = []
    if hash_ok is False:
        which = "announced" if announced_hash and announced_hash.lower() != actual else "revealed"
        reasons.append(f"sha256(serverSeed) != {which} serverSeedHash")
    if prices is not None:
        if not prices_ok:
            reasons.append(f"price {first} differs from the generator ({v})")
        if not length_ok:
            reasons.append(
                f"{len(prices)} prices on the wire, generator rugs at loop index {generated.rug_index} "
                f"(expects {generated.rug_index + 2})"
            )
    elif not peak_ok:
        reasons.append(
            f"peakMultiplier {game.peak_multiplier!r} differs from the generator's {generated.peak!r} "
            f"({v}; no price list in the entry)"
        )
    status = AuditStatus.VERIFIED if not reasons else AuditStatus.MISMATCH
    notes = []
    if version is None:
        notes.append(f"matched as {v} (undeclared)")
    if prices is None:
        notes.append("verified on peakMultiplier (no price list in the entry)")
    return GameAudit(
        game_id=gid,
        version=v,
        status=status,
        hash_ok=hash_ok,
        prices_ok=prices_ok,
        length_ok=length_ok,
        first_mismatch=first,
        reason="; ".join(reasons) if reasons else "; ".join(notes),
        rug_index=generated.rug_index,
        rug_tick=generated.rug_tick,
        peak_ok=peak_ok,
        announced_hash_ok=None if not announced_hash else announced_hash.lower() == actual,
        basis="prices" if prices is not None else "peak",
    )


# ------------------------------------------------------------------ side bets


def _record_key(rec: SidebetRecord) -> tuple[object, ...]:
    start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
    return (rec.player_id, rec.game_id, start, rec.coin_address)


def _lamports(value: float | None) -> int | None:
    if value is None:
        return None
    try:
        return sol_to_lamports(value)
    except (ArithmeticError, ValueError):  # NaN/inf never reach here from JSON, but be safe
        return None


def settle_history_sidebets(game: HistoryGame, rug_tick: int | None = None) -> list[SettlementCheck]:
    """Every side bet of a finished game, settled by our rules and compared with the server's payout.

    The final wire tick is ``len(prices) - 1`` (the rug frame); for an entry without prices pass it in
    (from the generator, once the game is verified on its peak). A winning payout's ``tickIndex`` is the
    rug tick (true of every real record), so a different one is a disagreement; a loss's ``tickIndex``
    (the window start) is informational. Records that lack a start tick, an amount or a payout are left
    out.
    """
    prices = game.prices
    if prices and len(prices) >= 2:
        rug_tick = len(prices) - 1
    elif rug_tick is not None:
        rug_tick = rug_tick
    else:
        return []
    records = game.global_sidebets or []
    checks: list[SettlementCheck] = []
    paid: set[tuple[object, ...]] = set()
    for rec in records:
        if rec.type != "payout":
            continue
        start = rec.start_tick
        bet = _lamports(rec.bet_amount)
        real = _lamports(rec.payout)
        if start is None or bet is None or real is None:
            continue
        paid.add(_record_key(rec))
        window = Window.starting_at(start)
        expected = settle(window, rug_tick=rug_tick, current_tick=rug_tick)
        exp_payout = payout_lamports(bet, expected, PAYOUT_MULTIPLIER)
        real_outcome = Outcome.WON if real > 0 else Outcome.LOST
        reasons = []
        if rec.end_tick is not None and rec.end_tick != window.end_tick:
            reasons.append(f"endTick {rec.end_tick} != startTick + {WINDOW_TICKS}")
        if real_outcome is not expected:
            reasons.append(f"server says {real_outcome}, rules say {expected} (final tick {rug_tick})")
        elif real != exp_payout:
            reasons.append(f"payout {real} lamports, rules say {exp_payout}")
        if rec.x_payout is not None and rec.x_payout != PAYOUT_MULTIPLIER:
            reasons.append(f"xPayout {rec.x_payout}")
        tick_ok = None
        if rec.tick_index is not None:
            tick_ok = rec.tick_index == (rug_tick if expected is Outcome.WON else start)
            if real_outcome is Outcome.WON and rec.tick_index != rug_tick:
                reasons.append(f"won at tickIndex {rec.tick_index}, final wire tick is {rug_tick}")
        checks.append(
            SettlementCheck(
                game_id=rec.game_id or game.id,
                kind="payout",
                record_id=_record_id(rec),
                player_id=rec.player_id,
                start_tick=start,
                end_tick=rec.end_tick,
                rug_tick=rug_tick,
                bet_lamports=bet,
                expected=expected,
                expected_payout_lamports=exp_payout,
                real_payout_lamports=real,
                agree=not reasons,
                reason="; ".join(reasons),
                tick_index_ok=tick_ok,
            )
        )
    for rec in records:
        if rec.type != "placed":
            continue
        start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
        bet = _lamports(rec.bet_amount)
        if start is None or bet is None or _record_key(rec) in paid:
            continue
        window = Window.starting_at(start)
        expected = settle(window, rug_tick=rug_tick, current_tick=rug_tick)
        checks.append(
            SettlementCheck(
                game_id=rec.game_id or game.id,
                kind="implied",
                record_id=_record_id(rec),
                player_id=rec.player_id,
                start_tick=start,
                end_tick=rec.end_tick,
                rug_tick=rug_tick,
                bet_lamports=bet,
                expected=expected,
                expected_payout_lamports=payout_lamports(bet, expected, PAYOUT_MULTIPLIER),
                real_payout_lamports=None,
                agree=None,
                reason="placed record without a payout record",
            )
        )
    return checks


def _record_id(rec: SidebetRecord) -> str | None:
    # SidebetRecord has no ``id`` field; the key tuple is stable enough to dedupe and to report.
    start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
    if rec.player_id is None and start is None:
        return None
    return f"{rec.player_id}@{start}:{rec.type}"


# ------------------------------------------------------------------ live ticks


@dataclass(slots=True)
class LiveTicks:
    """What the feed showed while a game ran, kept until its seed is revealed.

    The history entry can be self-consistent and still differ from what was broadcast live (and the bot
    decides on the live ticks). Comparing them closes that gap: every live tick must be the revealed
    game's price at that tick, and the feed's rug tick must be the generator's.
    """

    ticks: dict[int, float] = field(default_factory=dict)
    conflicts: list[tuple[int, float, float]] = field(default_factory=list)
    rug_tick: int | None = None

    def add(self, tick: int, price: float) -> None:
        old = self.ticks.setdefault(tick, price)
        if old != price and len(self.conflicts) < 10:
            self.conflicts.append((tick, old, price))


def check_live_ticks(live: LiveTicks, game: HistoryGame, audit: GameAudit) -> tuple[int, str]:
    """(live ticks compared, the first problem or ``""``) for a game whose seed was revealed.

    With a price list the rug tick's price is checked too; without one (Feb 2026 entries) the generator
    gives every price but the rug's.
    """
    final = audit.rug_tick
    if final is None or not game.id or audit.version is None:
        return 0, ""
    if game.prices and len(game.prices) >= 2:
        expected = game.prices
    else:
        seed = game.provably_fair.server_seed if game.provably_fair else None
        if not seed:
            return 0, ""
        expected = generate_prices(seed, game.id, audit.version).prices
    problems: list[str] = []
    compared = 0
    for tick in sorted(live.ticks):
        price = live.ticks[tick]
        if tick < len(expected):
            compared += 1
            if price != expected[tick]:
                problems.append(
                    f"live tick {tick} showed {price!r}, the revealed game has {expected[tick]!r}"
                )
                break
        elif tick == final:
            compared += 1  # the rug price is not from the generator: only its tick is checked
        else:
            problems.append(f"live tick {tick} after the revealed rug tick {final}")
            break
    if live.rug_tick is not None and live.rug_tick != final:
        problems.append(f"the feed rugged at tick {live.rug_tick}, the revealed game at {final}")
    if live.conflicts:
        tick, a, b = live.conflicts[0]
        problems.append(f"live tick {tick} was shown as {a!r} and as {b!r}")
    return compared, "; ".join(problems)


# ------------------------------------------------------------------ the auditor


@dataclass(frozen=True, slots=True)
class AuditAlarm:
    """A reason to halt: a provably-fair mismatch or a side-bet settlement our rules disagree with."""

    kind: str  # "provably-fair" | "settlement"
    game_id: str | None
    reason: str
    t: float | None = None

    def __str__(self) -> str:
        return f"{self.kind} game {self.game_id}: {self.reason}"


@dataclass(slots=True)
class AuditCounts:
    """What the auditor has checked so far. ``Auditor.counts`` hands out a copy; the auditor's own tally is the
    same fields plus its per-game status (``_Tally``), so the field list is written once."""

    games: int = 0
    verified: int = 0
    mismatched: int = 0
    unverifiable: int = 0
    malformed: int = 0
    sidebets: int = 0
    sidebets_agree: int = 0
    sidebets_disagree: int = 0
    sidebets_implied: int = 0
    announced_checked: int = 0
    live_games: int = 0
    live_ticks: int = 0

    @property
    def skipped(self) -> int:
        return self.unverifiable + self.malformed

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "skipped": self.skipped}


_T = TypeVar("_T")
_SETTLED_KEEP = 4096
_RAW_LIST = msgspec.json.Decoder(list[msgspec.Raw])
_GAME = msgspec.json.Decoder(HistoryGame)


class _HistoryOnly(msgspec.Struct, rename="camel"):
    """Just ``gameHistory`` of a ``gameStateUpdate`` whose other fields did not fit the full model."""

    game_history: msgspec.Raw = msgspec.Raw(b"")


_HISTORY_ONLY = msgspec.json.Decoder(_HistoryOnly)


@dataclass(slots=True)
class _Tally(AuditCounts):
    status: OrderedDict[str, AuditStatus] = field(default_factory=OrderedDict)


_KEEP = 1000  # detail records kept per list; counts stay exact beyond it
_LIVE_GAMES = 16  # live ticks kept for this many recent games (a reveal comes ~20 s after the rug)


def _keep(items: list[_T], item: _T) -> None:
    if len(items) < _KEEP:
        items.append(item)


class Auditor:
    """Audits every distinct finished game once, however many frames repeat it.

    Feed it ``HistoryReceived`` signals (or their raw bytes), parsed ``GameStateUpdate`` frames, or
    ``HistoryGame`` objects. A game id seen again with identical bytes is skipped; with different bytes
    (e.g. more payout records arrived) it is re-audited, and side-bet records already checked are not
    counted twice. Feeding ``GameStateUpdate`` frames of running games (or the tracker's signals through
    :meth:`on_signal`) also remembers the announced ``serverSeedHash`` and the live ticks, so the reveal
    is checked against the commitment made before the game and against what was broadcast while it ran.
    Mismatches and settlement disagreements are sticky: a later, correct copy does not heal them.

    Memory is bounded: only the last ``remember`` game ids / announced hashes / side-bet keys are kept,
    and at most 1000 detail records per list (counts stay exact). Alarms are only ever raised by a
    mismatch, which halts the bot, so that list stays short.
    """

    def __init__(self, remember: int = 5000) -> None:
        self._remember = remember
        self._tally = _Tally()
        self._digests: OrderedDict[str, bytes] = OrderedDict()
        self._announced: OrderedDict[str, str] = OrderedDict()
        # (game, player, start, kind) -> (signature of what was checked, agreed)
        self._settled: OrderedDict[tuple[object, ...], tuple[tuple[object, ...], bool]] = OrderedDict()
        self._live: OrderedDict[str, LiveTicks] = OrderedDict()
        self._alarms: list[AuditAlarm] = []
        self._taken = 0
        self.mismatches: list[GameAudit] = []
        self.disagreements: list[SettlementCheck] = []
        self.unverifiable: list[GameAudit] = []

    # ---------------------------------------------------------------- state

    @property
    def counts(self) -> AuditCounts:
        t = self._tally
        return AuditCounts(**{f.name: getattr(t, f.name) for f in fields(AuditCounts)})

    @property
    def alarms(self) -> list[AuditAlarm]:
        return list(self._alarms)

    def take_alarms(self) -> list[AuditAlarm]:
        """Alarms raised since the previous call (for the governor)."""
        new = self._alarms[self._taken :]
        self._taken = len(self._alarms)
        return new

    # ---------------------------------------------------------------- inputs

    def feed_signal(self, signal: HistoryReceived) -> list[AuditAlarm]:
        return self.feed_raw(signal.raw, signal.t)

    def on_signal(self, signal: Signal) -> list[AuditAlarm]:
        """Route any tracker signal: ``GameStarted`` records the announced hash (the commitment the
        later reveal is checked against), ``HistoryReceived`` is audited; everything else is ignored."""
        if isinstance(signal, GameStarted):
            if signal.server_seed_hash:
                self._remember_announced(signal.game_id, signal.server_seed_hash)
            return []
        if isinstance(signal, HistoryReceived):
            return self.feed_raw(signal.raw, signal.t)
        if isinstance(signal, TickAdvanced):
            self.observe_tick(signal.game_id, signal.tick, signal.price)
        elif isinstance(signal, GameRugged) and signal.game.proven:
            # an inferred rug (its frame lost in a feed gap) only bounds the rug tick from below: not evidence
            self.observe_rug(signal.game.game_id, signal.game.rug_tick)
        return []

    def observe_tick(self, game_id: str, tick: int, price: float) -> None:
        """A price the feed showed live for ``tick`` (cheap: a dict insert; safe on the tick path)."""
        self._live_for(game_id).add(tick, price)

    def observe_rug(self, game_id: str, tick: int) -> None:
        """The wire tick at which the feed showed ``game_id`` rug."""
        live = self._live_for(game_id)
        if live.rug_tick is None:
            live.rug_tick = tick

    def _live_for(self, game_id: str) -> LiveTicks:
        live = self._live.get(game_id)
        if live is None:
            live = self._live[game_id] = LiveTicks()
            while len(self._live) > _LIVE_GAMES:
                self._live.popitem(last=False)
        return live

    def feed_raw(self, raw: msgspec.Raw | bytes, t: float | None = None) -> list[AuditAlarm]:
        """Audit a raw ``gameHistory`` array, or a whole ``gameStateUpdate`` payload carrying one.

        Returns the alarms this call raised. Never raises on bad input: undecodable parts are counted
        as ``malformed``.
        """
        data = bytes(raw)
        head = data.lstrip()[:1]
        if head == b"{":
            try:
                data = bytes(_HISTORY_ONLY.decode(data).game_history)
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                self._tally.malformed += 1
                return []
            head = data.lstrip()[:1]
        if head != b"[":
            if data.strip() not in (b"", b"null"):
                self._tally.malformed += 1
            return []
        try:
            items = _RAW_LIST.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            self._tally.malformed += 1
            return []
        before = len(self._alarms)
        for item in items:
            self._feed_item(bytes(item), t)
        return self._alarms[before:]

    def feed_update(self, update: GameStateUpdate, t: float | None = None) -> list[AuditAlarm]:
        """A parsed ``gameStateUpdate``: remember its announced hash, audit its history if it has one."""
        pf = update.provably_fair
        gid = update.game_id
        if gid and pf is not None and pf.server_seed_hash and not pf.server_seed:
            self._remember_announced(gid, pf.server_seed_hash)
        if gid and update.active:
            self._observe_update(gid, update)
        if update.has_history:
            return self.feed_raw(update.game_history, t)
        return []

    def _observe_update(self, gid: str, update: GameStateUpdate) -> None:
        # Frames after the rug repeat the rug price with a growing tickCount, so only the first rugged
        # frame's tick counts; partialPrices (the last 5 ticks, keyed by tick) is exact for every tick.
        pp = update.partial_prices
        if pp is not None and pp.values:
            for key, value in pp.values.items():
                if key.isdigit():
                    self.observe_tick(gid, int(key), value)
        tick, price = update.tick_count, update.price
        if tick is None or price is None:
            return
        if update.rugged:
            live = self._live_for(gid)
            if live.rug_tick is not None:
                return
            live.rug_tick = tick
        self.observe_tick(gid, tick, price)
        if len(update.prices) > 4 and not update.rugged:  # on connect: every price of the running game
            try:
                for k, p in enumerate(update.price_list()):
                    self.observe_tick(gid, k, p)
            except (msgspec.DecodeError, msgspec.ValidationError):
                pass

    def note_announced(self, game_id: str, server_seed_hash: str) -> None:
        """Record the hash announced before ``game_id`` ran (from the live feed)."""
        self._remember_announced(game_id, server_seed_hash)

    def feed_games(self, games: Iterable[HistoryGame], t: float | None = None) -> list[AuditAlarm]:
        before = len(self._alarms)
        for game in games:
            self._audit(game, msgspec.json.encode(game), t)
        return self._alarms[before:]

    # ---------------------------------------------------------------- internals

    def _remember_announced(self, game_id: str, h: str) -> None:
        self._announced[game_id] = h
        self._announced.move_to_end(game_id)
        while len(self._announced) > self._remember:
            self._announced.popitem(last=False)

    def _feed_item(self, item: bytes, t: float | None) -> None:
        try:
            game = _GAME.decode(item)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            self._tally.malformed += 1
            return
        self._audit(game, item, t)

    def _audit(self, game: HistoryGame, item: bytes, t: float | None) -> None:
        tally = self._tally
        digest = hashlib.blake2b(item, digest_size=16).digest()
        key = game.id or f"<no id {digest.hex()}>"
        if self._digests.get(key) == digest:
            return
        self._digests[key] = digest
        self._digests.move_to_end(key)
        while len(self._digests) > self._remember:
            self._digests.popitem(last=False)

        audit = verify_history_game(game, self._announced.get(game.id) if game.id else None)
        live = self._live.get(game.id) if game.id else None
        if live is not None and audit.status is not AuditStatus.UNVERIFIABLE:
            compared, problem = check_live_ticks(live, game, audit)
            audit = replace(audit, live_ticks=compared, live_ok=not problem)
            if problem:
                reason = f"{audit.reason}; {problem}" if audit.status is AuditStatus.MISMATCH else problem
                audit = replace(audit, status=AuditStatus.MISMATCH, reason=reason)
        old = tally.status.get(key)
        if old is None:
            tally.games += 1
            if audit.announced_hash_ok is not None:
                tally.announced_checked += 1
            if audit.live_ok is not None:
                tally.live_games += 1
                tally.live_ticks += audit.live_ticks
        # A mismatch is sticky: a feed that once showed a wrong copy of a game stays suspect even if
        # a later copy is right (the alarm has been raised; the count must not silently heal).
        status = AuditStatus.MISMATCH if old is AuditStatus.MISMATCH else audit.status
        if old is not None:
            self._adjust(old, -1)
        self._adjust(status, +1)
        tally.status[key] = status
        tally.status.move_to_end(key)
        while len(tally.status) > self._remember:
            tally.status.popitem(last=False)
        if audit.status is AuditStatus.MISMATCH and old is not AuditStatus.MISMATCH:
            _keep(self.mismatches, audit)
            self._alarms.append(AuditAlarm("provably-fair", audit.game_id, audit.reason, t))
        elif audit.status is AuditStatus.UNVERIFIABLE and old is None:
            _keep(self.unverifiable, audit)

        final = audit.rug_tick if audit.ok and audit.basis == "peak" else None
        for check in settle_history_sidebets(game, final):
            self._count_settlement(check, t)

    def _count_settlement(self, check: SettlementCheck, t: float | None) -> None:
        """Count each bet once; re-check it when a later copy changes it (a disagreement is sticky)."""
        tally = self._tally
        ck = (check.game_id, check.player_id, check.start_tick, check.kind)
        signature = (
            check.bet_lamports,
            check.end_tick,
            check.real_payout_lamports,
            check.rug_tick,
            check.reason,
        )
        previous = self._settled.get(ck)
        if previous is not None and previous[0] == signature:
            return
        if check.kind == "implied":
            if previous is None:
                tally.sidebets_implied += 1
            self._settled[ck] = (signature, True)
            self._trim_settled()
            return
        # A payout supersedes an implied check counted from an earlier copy of this game.
        implied = (check.game_id, check.player_id, check.start_tick, "implied")
        if self._settled.pop(implied, None) is not None:
            tally.sidebets_implied -= 1
        agreed = bool(check.agree) and (previous is None or previous[1])
        if previous is None:
            tally.sidebets += 1
        elif previous[1]:
            tally.sidebets_agree -= 1
        else:
            tally.sidebets_disagree -= 1
        if agreed:
            tally.sidebets_agree += 1
        else:
            tally.sidebets_disagree += 1
        if not check.agree:
            _keep(self.disagreements, check)
            self._alarms.append(AuditAlarm("settlement", check.game_id, check.reason, t))
        self._settled[ck] = (signature, agreed)
        self._settled.move_to_end(ck)
        self._trim_settled()

    def _trim_settled(self) -> None:
        # Copies of a game's side bets only repeat while it is among the last 10 games of gameHistory, so a few
        # thousand signatures dedupe everything; 20 x remember (100,000) made a long soak's memory creep.
        while len(self._settled) > _SETTLED_KEEP:
            self._settled.popitem(last=False)

    def _adjust(self, status: AuditStatus, delta: int) -> None:
        tally = self._tally
        if status is AuditStatus.VERIFIED:
            tally.verified += delta
        elif status is AuditStatus.MISMATCH:
            tally.mismatched += delta
        else:
            tally.unverifiable += delta
