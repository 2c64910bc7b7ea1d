"""The game tracker: frames in, small typed signals out.

Everything downstream (engine, governor, brokers) sees the game only through this class, in every mode,
so it must be right on real frames and must never raise on any input: a decision loop killed by one odd
frame is a bot that stops settling its own bets. All time is the feed's receive time.

This module is the dispatch (frame → event → handler); the state lives in its parts:
:mod:`bot.game.round` (phases, ticks, backfill, timing, the rug), :mod:`bot.game.lost_rug` (a rug seen only
through a new game id), :mod:`bot.game.account` (``playerUpdate`` and our own bets),
:mod:`bot.game.counters` and :mod:`bot.game.drift` (what the feed looked like, protocol drift).
Frames carrying ``gameHistory`` (~300 KB) are passed on as raw JSON, never parsed here.
"""

from __future__ import annotations

from collections import deque

import msgspec

from bot.game.account import AccountState, lamports_or_zero
from bot.game.counters import MAX_NAMES, FeedCounters, bump
from bot.game.drift import DriftView, missing_fields
from bot.game.round import RoundState
from bot.game.signals import (
    AckReceived,
    FeedConnected,
    FeedProblem,
    HistoryReceived,
    MaintenanceNotice,
    SidebetRequested,
    Signal,
)
from bot.game.state import AccountView, FinishedGame, GameView
from bot.money import SOL_MINT
from bot.protocol.events import (
    CurrentSidebet,
    CurrentSidebetResult,
    GameStateUpdate,
    HistoryOnly,
    InvalidEvent,
    MaintenanceUpdate,
    PlayerUpdate,
    SidebetRequest,
    UnknownEvent,
    decode_ack,
    decode_event,
)
from bot.protocol.frames import EioType, Packet, SioType, Undecodable, decode
from bot.shorten import shorten

__all__ = ["SIDE_FEATURE_EVENTS", "FeedCounters", "GameTracker"]

# Side features of the site (protocol.md): counted as events, never reported as unknown.
SIDE_FEATURE_EVENTS = frozenset(
    {
        "goldenHourUpdate",
        "goldenHourDrawing",
        "battleEventUpdate",
        "rugRoyaleUpdate",
        "sidebetEventUpdate",
        "newChatMessage",
        "chatHistory",
        "leaderboardData",
        "playerLeaderboardPosition",
        "mutedPlayers",
        "inboxMessages",
        "playerCosmetics",
        "rugpassStatus",
        "gameStatePlayerUpdate",
        "usernameStatus",
    }
)

_GSU = "gameStateUpdate"
_GSU_PREFIX = '42["gameStateUpdate",{'
# The tick path: a plain gameStateUpdate decodes in one pass straight into its model (≈3× faster than
# frame → Raw args → model). Anything unusual falls back to the general codec path.
_GSU_FAST = msgspec.json.Decoder(tuple[str, GameStateUpdate])
_HISTORY_ONLY = msgspec.json.Decoder(HistoryOnly)


class GameTracker:
    """Feed → game state. ``on_frame`` never raises; problems become :class:`FeedProblem` signals."""

    def __init__(self, *, finished_maxlen: int = 256, timing_window: int = 512) -> None:
        self.counters = FeedCounters()
        self._account = AccountState(self.counters)
        self._round = RoundState(
            self.counters,
            on_game_started=self._account.on_game_started,
            finished_maxlen=finished_maxlen,
            timing_window=timing_window,
        )
        self._last_in_t: float | None = None
        self._open_pending = False  # an Engine.IO open waiting for its namespace connect
        self._open_sid: str | None = None
        self._view: GameView | None = None

    # ------------------------------------------------------------------ public views

    @property
    def view(self) -> GameView:
        v = self._view
        if v is None:
            v = self._view = self._round.view()
        return v

    @property
    def account(self) -> AccountView:
        return self._account.view

    @property
    def finished(self) -> deque[FinishedGame]:
        """Games seen to their end, oldest first (bounded: ``finished_maxlen``)."""
        return self._round.finished

    @property
    def drift(self) -> DriftView:
        """Protocol drift so far: what the ``protocol_drift`` alarm is raised on (bot.game.drift)."""
        return self.counters.drift.view()

    def feed_age(self, now: float) -> float:
        """Seconds since the last incoming frame (``inf`` before the first); ``now`` is a feed/loop time."""
        if self._last_in_t is None:
            return float("inf")
        return max(0.0, now - self._last_in_t)

    def flush(self) -> list[Signal]:
        """End of the feed (a replay's last frame): report what is still waiting for proof."""
        self._view = None
        return self._round.flush()

    # ------------------------------------------------------------------ the frame path

    def on_frame(self, t: float, direction: str, text: str) -> list[Signal]:
        self._view = None
        try:
            if direction == "out":
                self.counters.frames_out += 1
                return self._on_out(t, text)
            self.counters.frames_in += 1
            if text[2:3] == "/" and text[:1] == "4":
                return self._other_namespace(text)
            self._round.t = t
            self._last_in_t = t
            return self._on_in(t, text)
        except Exception as exc:  # last-resort guard: a tracker bug must not stop the bot
            self.counters.internal_errors += 1
            return [FeedProblem("internal", shorten(f"{type(exc).__name__}: {exc}", 200), t)]

    def _on_in(self, t: float, text: str) -> list[Signal]:
        if text.startswith(_GSU_PREFIX):
            try:
                ev = _GSU_FAST.decode(text[2:])[1]
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, UnicodeEncodeError):
                pass  # the general path below reports exactly what is wrong with it
            else:
                self.counters.events[_GSU] += 1
                return self._on_game_state(t, text, ev)
        pkt = decode(text)
        if isinstance(pkt, Undecodable):
            self.counters.undecodable[pkt.reason] += 1
            return [FeedProblem("undecodable", f"{pkt.reason}: {pkt.sample}", t)]
        if pkt.sio is SioType.EVENT:
            name = pkt.name or ""
            bump(self.counters.events, name)
            if name == _GSU:
                gsu = decode_event(pkt)
                if isinstance(gsu, GameStateUpdate):
                    return self._on_game_state(t, text, gsu)
                return self._on_invalid_game_state(t, text, pkt, gsu)
            return self._on_event(t, name, text, pkt)
        if pkt.sio is SioType.ACK:
            return self._on_ack(t, pkt)
        return self._on_control(t, pkt)

    def _on_game_state(self, t: float, text: str, ev: GameStateUpdate) -> list[Signal]:
        missing = missing_fields(ev)
        if missing:
            self.counters.drift.missing(_GSU, missing, text, t)
        return self._round.on_game_state(t, text, ev)

    def _on_invalid_game_state(self, t: float, text: str, pkt: Packet, ev: object) -> list[Signal]:
        reason = ev.error if isinstance(ev, InvalidEvent) else "no payload"
        self.counters.invalid[_GSU] += 1
        self.counters.drift.invalid(_GSU, reason, text, t)
        out: list[Signal] = [FeedProblem("invalid", f"{_GSU}: {reason}", t)]
        # A drifted field elsewhere in the frame must not hide a revealed game from the audit.
        if pkt.payload is not None and b'"gameHistory"' in bytes(pkt.payload):
            try:
                history = _HISTORY_ONLY.decode(pkt.payload).game_history
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                return out
            if len(history) > 4:
                self.counters.history_frames += 1
                out.append(HistoryReceived(history, t))
        return out

    def _other_namespace(self, text: str) -> list[Signal]:
        """A frame of another namespace than ``/`` (``40/admin,{…}``, ``42/admin,[…]``): not the game feed. Its
        connect is no reconnect of the feed and settles an Engine.IO open waiting for its namespace (a socket
        opened for that namespace); it is counted by namespace, and it is not a sign of life of the feed."""
        comma = text.find(",")
        ns = text[2:comma] if comma > 0 else text[2:]
        bump(self.counters.other_namespace, ns[:80])
        if text[1:2] in ("0", "4"):  # connected (or refused): the open was that namespace's socket
            self._open_pending = False
        return []

    def _connected(self, t: float, sid: str | None) -> list[Signal]:
        pending, self._open_pending = self._open_pending, False
        self.counters.connects += 1
        self._round.on_reconnect()
        return [FeedConnected(t, self._open_sid if pending else sid)]

    def _on_control(self, t: float, pkt: Packet) -> list[Signal]:
        if pkt.eio is EioType.OPEN:
            # A socket opens ("0{...}") and then connects a namespace: "40{...}" is the game feed (re)connected,
            # "40/admin,{...}" another namespace's socket. Which one is known at the connect.
            self._open_pending, self._open_sid = True, _sid(pkt.data)
            return []
        if pkt.sio is SioType.CONNECT:
            return self._connected(t, _sid(pkt.data))
        if pkt.sio is SioType.DISCONNECT or pkt.eio is EioType.CLOSE:
            self.counters.disconnects += 1
        return []  # ping/pong, noop, connect errors: nothing to track

    def _on_ack(self, t: float, pkt: Packet) -> list[Signal]:
        self.counters.acks += 1
        ack = decode_ack(pkt)
        if isinstance(ack, InvalidEvent):
            self.counters.invalid["ack"] += 1
            return [FeedProblem("invalid", f"ack {pkt.ack_id}: {ack.error}", t)]
        return [AckReceived(pkt.ack_id if pkt.ack_id is not None else -1, ack, t)]

    def _on_out(self, t: float, text: str) -> list[Signal]:
        # Only the page's own requests matter; everything else it sends is counted, never decoded.
        if "requestSidebet" not in text:
            if text.startswith("42"):
                pkt = decode(text)
                if isinstance(pkt, Packet) and pkt.name is not None:
                    bump(self.counters.events_out, pkt.name)
            return []
        pkt = decode(text)
        if isinstance(pkt, Undecodable) or pkt.name != "requestSidebet":
            return []
        self.counters.events_out["requestSidebet"] += 1
        ev = decode_event(pkt)
        if not isinstance(ev, SidebetRequest):
            self.counters.invalid["requestSidebet"] += 1
            return [FeedProblem("invalid", f"requestSidebet: {getattr(ev, 'error', '')}", t)]
        return [SidebetRequested(pkt.ack_id, lamports_or_zero(ev.amount), ev.coin_address or SOL_MINT, t)]

    # ------------------------------------------------------------------ events other than game state

    def _on_event(self, t: float, name: str, text: str, pkt: Packet) -> list[Signal]:
        ev = decode_event(pkt)
        if isinstance(ev, UnknownEvent):
            if name in SIDE_FEATURE_EVENTS:
                return []
            unknown = self.counters.unknown
            first = name not in unknown and (len(unknown) < MAX_NAMES or "<other>" not in unknown)
            bump(self.counters.unknown, name)
            # Report a new kind once; the counter keeps the total.
            return [FeedProblem("unknown", name[:80], t)] if first else []
        if isinstance(ev, InvalidEvent):
            bump(self.counters.invalid, name)
            if name in _OWN_EVENTS:
                self.counters.drift.invalid(name, ev.error, text, t)
            return [FeedProblem("invalid", f"{name}: {ev.error}", t)]
        if isinstance(ev, PlayerUpdate | CurrentSidebet | CurrentSidebetResult) and pkt.payload is not None:
            missing = missing_fields(ev)
            if missing:
                self.counters.drift.missing(name, missing, text, t)
        game_id = self._round.game_id
        if isinstance(ev, PlayerUpdate):
            payload = bytes(pkt.payload) if pkt.payload is not None else None
            return self._account.on_player_update(t, ev, payload, game_id)
        if isinstance(ev, CurrentSidebetResult):
            return self._account.on_bet_result(t, ev, game_id)
        if isinstance(ev, CurrentSidebet):
            return self._account.on_bet_placed(t, ev, game_id)
        if isinstance(ev, MaintenanceUpdate):
            self._round.maintenance = bool(ev.active)
            return [MaintenanceNotice(bool(ev.active), ev.message or "", t)]
        return []


_OWN_EVENTS = frozenset({"playerUpdate", "currentSidebet", "currentSidebetResult"})


def _sid(data: msgspec.Raw | None) -> str | None:
    if data is None:
        return None
    try:
        obj = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    sid = obj.get("sid") if isinstance(obj, dict) else None
    return sid if isinstance(sid, str) else None
