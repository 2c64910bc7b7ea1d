"""The live provably-fair auditor: every finished game the feed reveals, checked once, off the tick path.

Why: the bot bets on a process it believes is ``seedrandom(serverSeed + "-" + gameId)`` with a fixed
0.5 %/tick rug chance, settled by the rules in :mod:`bot.game.rules`. Every ``gameHistory`` entry reveals
the seed and carries everyone's settled side bets, so each finished game is a free test of both beliefs
(:mod:`bot.fair.verify`, :mod:`bot.fair.settlements`), and of what the feed showed while it ran
(:mod:`bot.fair.live_ticks`). A failure means the game (or our feed, or our rules) is not what the strategy
assumes: the trading loop turns every alarm into a governor halt, and ``rugsbot verify`` exits 1.

This work is heavy (a ``gameHistory`` frame is ~300 KB and a game needs ~1 ms of pure-Python ARC4), so it
runs off the tick path: the loop hands :class:`Auditor` the raw history bytes when it is idle.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from typing import TypeVar

import msgspec

from bot.fair.live_ticks import LiveTicks, check_live_ticks
from bot.fair.settlements import SettlementCheck, settle_history_sidebets
from bot.fair.verify import AuditStatus, GameAudit, verify_history_game
from bot.game.signals import GameRugged, GameStarted, HistoryReceived, Signal, TickAdvanced
from bot.protocol.events import GameStateUpdate, HistoryGame, HistoryOnly

__all__ = ["AuditAlarm", "AuditCounts", "Auditor"]


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

_HISTORY_ONLY = msgspec.json.Decoder(HistoryOnly)


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
        """Route any tracker signal: ``GameStarted`` records the announced hash (the commitment the later
        reveal is checked against), ``TickAdvanced`` and a proven ``GameRugged`` what the feed showed live,
        ``HistoryReceived`` is audited; everything else is ignored. This is the only way live evidence
        reaches the auditor, in a live run and in ``rugsbot verify`` alike."""
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
            game = signal.game
            self.observe_rug(game.game_id, game.rug_tick, game.rug_price)
        return []

    def on_signals(self, signals: Iterable[Signal]) -> list[AuditAlarm]:
        """One frame's signals in the trading loop's order (bot/app/loop.py): everything but history first,
        then the history frames (the loop audits those when idle, after the frame's other signals), so a
        rug shown in the same frame as its reveal is seen before the reveal is checked."""
        history: list[Signal] = []
        for sig in signals:
            if isinstance(sig, HistoryReceived):
                history.append(sig)
            else:
                self.on_signal(sig)
        alarms: list[AuditAlarm] = []
        for sig in history:
            alarms += self.on_signal(sig)
        return alarms

    def observe_tick(self, game_id: str, tick: int, price: float) -> None:
        """A price the feed showed live for ``tick`` (cheap: a dict insert; safe on the tick path)."""
        self._live_for(game_id).add(tick, price)

    def observe_rug(self, game_id: str, tick: int, price: float | None = None) -> None:
        """The wire tick at which the feed showed ``game_id`` rug (and the rug price, if the frame was seen)."""
        live = self._live_for(game_id)
        if live.rug_tick is None:
            live.rug_tick = tick
            if price is not None:
                live.add(tick, price)

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
        """A parsed ``gameStateUpdate``: remember its announced hash, audit its history if it has one.

        What the feed showed live is not taken from here: only the tracker's signals (:meth:`on_signal`)
        carry it, so the offline check and a live run judge the same evidence."""
        pf = update.provably_fair
        gid = update.game_id
        if gid and pf is not None and pf.server_seed_hash and not pf.server_seed:
            self._remember_announced(gid, pf.server_seed_hash)
        if update.has_history:
            return self.feed_raw(update.game_history, t)
        return []

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
