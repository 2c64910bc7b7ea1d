"""The game tracker: frames in, small typed signals out.

Everything downstream (engine, governor, brokers) sees the game only through this class, in every mode,
so it must be right on real frames and must never raise on any input: a decision loop killed by one odd
frame is a bot that stops settling its own bets. All time is the feed's receive time.

Rules that come from real captures (tests/fixtures/real, shared protocol notes):

* Phase of a ``gameStateUpdate``: ``rugged`` → RUGGED; else ``active`` → ACTIVE; else
  ``allowPreRoundBuys`` → PRESALE; else ``cooldownTimer > 0`` → COOLDOWN; otherwise unchanged.
* The rug is ``rugged == true`` (``active`` is still true on the rug frame) or, if that frame was lost,
  a new ``gameId`` while ACTIVE. The final wire tick is the rug frame's ``tickCount``; a later rugged
  frame (the post-rug ``gameHistory`` frame says tickCount 231 for a game that rugged at 229) only
  counts through its ``partialPrices.endTick``. For a rug inferred from a new ``gameId`` the phase
  changes at once but ``GameRugged`` waits for proof of the rug tick (a late rugged frame of that game
  or its ``gameHistory`` entry, both normally within the cooldown); without proof it is reported with
  the last tick seen, marked incomplete, just before the next game's ``GameStarted`` (or on ``flush()``).
* The post-rug history frame of the previous game can arrive *after* the next game's first cooldown
  frame: frames of a game that already finished are "stale", not a new game.
* Skipped ticks are backfilled from ``partialPrices`` (string keys, the last five ticks).
* Frames carrying ``gameHistory`` (~300 KB) are passed on as raw JSON, never parsed here.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field, replace

import msgspec

from bot.game.rules import WINDOW_TICKS, Outcome
from bot.game.signals import (
    AccountUpdated,
    AckReceived,
    FeedConnected,
    FeedProblem,
    GameRugged,
    GameStarted,
    HistoryReceived,
    MaintenanceNotice,
    OwnBetPlaced,
    OwnBetSettled,
    PhaseChanged,
    SidebetRequested,
    Signal,
    TickAdvanced,
)
from bot.game.state import AccountView, FinishedGame, GameView, OwnSidebet, Phase
from bot.game.timing import TickTimer
from bot.money import SOL_MINT, sol_to_lamports
from bot.protocol.events import (
    CurrentSidebet,
    CurrentSidebetResult,
    GameStateUpdate,
    InvalidEvent,
    MaintenanceUpdate,
    PlayerUpdate,
    SidebetRecord,
    SidebetRequest,
    UnknownEvent,
    decode_ack,
    decode_event,
)
from bot.protocol.frames import EioType, Packet, SioType, Undecodable, decode

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
_RANK = {Phase.UNKNOWN: 0, Phase.COOLDOWN: 1, Phase.PRESALE: 2, Phase.ACTIVE: 3, Phase.RUGGED: 4}
_GSU_PREFIX = '42["gameStateUpdate",{'
# The tick path: a plain gameStateUpdate decodes in one pass straight into its model (≈3× faster than
# frame → Raw args → model). Anything unusual falls back to the general codec path.
_GSU_FAST = msgspec.json.Decoder(tuple[str, GameStateUpdate])
_NULL_SIDEBET = b'"sideBet":null'


@dataclass(slots=True)
class FeedCounters:
    """What the feed looked like; the replay command and the status screen print these."""

    frames_in: int = 0
    frames_out: int = 0
    events: Counter[str] = field(default_factory=Counter)  # incoming events by name
    events_out: Counter[str] = field(default_factory=Counter)  # outgoing (sniffed) events by name
    undecodable: Counter[str] = field(default_factory=Counter)  # by reason
    invalid: Counter[str] = field(default_factory=Counter)  # by event name
    unknown: Counter[str] = field(default_factory=Counter)  # by event name
    duplicates: int = 0
    out_of_order: int = 0
    stale_frames: int = 0  # frames of a game that already finished (late post-rug frames)
    backfilled_ticks: int = 0
    history_frames: int = 0
    acks: int = 0
    connects: int = 0
    disconnects: int = 0
    inferred_rugs: int = 0  # rugs detected by a new gameId because the rug frame never came
    internal_errors: int = 0  # bugs caught by the last-resort guard; must stay 0

    def as_dict(self) -> dict[str, object]:
        return {
            "frames_in": self.frames_in,
            "frames_out": self.frames_out,
            "events": dict(self.events),
            "events_out": dict(self.events_out),
            "undecodable": dict(self.undecodable),
            "invalid": dict(self.invalid),
            "unknown": dict(self.unknown),
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "stale_frames": self.stale_frames,
            "backfilled_ticks": self.backfilled_ticks,
            "history_frames": self.history_frames,
            "acks": self.acks,
            "connects": self.connects,
            "disconnects": self.disconnects,
            "inferred_rugs": self.inferred_rugs,
            "internal_errors": self.internal_errors,
        }


@dataclass(slots=True)
class _PendingRug:
    """A game whose rug frame never came: its rug tick is resolved from later frames if possible."""

    game_id: str
    last_tick: int
    peak: float
    first_tick: int | None
    watched_start: bool
    t: float
    version: str | None
    seed_hash: str | None


def _phase_of(u: GameStateUpdate) -> Phase | None:
    if u.rugged:
        return Phase.RUGGED
    if u.active:
        return Phase.ACTIVE
    if u.allow_pre_round_buys:
        return Phase.PRESALE
    if u.cooldown_timer is not None and u.cooldown_timer > 0:
        return Phase.COOLDOWN
    return None


def _finite(x: float | None) -> bool:
    return x is not None and x == x and abs(x) != float("inf")


def _price_or(x: float | None, default: float) -> float:
    return x if x is not None and _finite(x) else default


def _lamports(sol: float | None) -> int:
    if not _finite(sol):
        return 0
    try:
        return sol_to_lamports(sol)  # type: ignore[arg-type]
    except (ArithmeticError, ValueError):
        return 0


class GameTracker:
    """Feed → game state. ``on_frame`` never raises; problems become :class:`FeedProblem` signals."""

    def __init__(self, *, finished_maxlen: int = 256, timing_window: int = 512) -> None:
        self.counters = FeedCounters()
        self.finished: deque[FinishedGame] = deque(maxlen=finished_maxlen)
        self._finished_ids: deque[str] = deque(maxlen=64)
        self._pending: _PendingRug | None = None
        self._timer = TickTimer(window=timing_window)
        # current game
        self._game_id: str | None = None
        self._phase = Phase.UNKNOWN
        self._tick = -1
        self._price = 1.0
        self._peak = 1.0
        self._first_tick: int | None = None
        self._seen_before_active = False
        self._started = False
        self._rug_tick: int | None = None
        self._version: str | None = None
        self._seed_hash: str | None = None
        self._cooldown_ms: int | None = None
        self._paused = False
        self._maintenance = False
        self._t = 0.0
        self._last_tick_t = 0.0
        self._last_in_t: float | None = None
        self._last_gsu_text = ""
        self._open_pending = False
        self._gap_valid = False
        self._game_rank = 0  # furthest phase this game has reached (the cycle only moves forward)
        self._view: GameView | None = None
        self._account = AccountView()
        self._own_order: deque[tuple[str, str, int]] = deque(maxlen=256)
        self._own_keys: set[tuple[str, str, int]] = set()

    # ------------------------------------------------------------------ public views

    @property
    def view(self) -> GameView:
        v = self._view
        if v is None:
            v = self._view = GameView(
                game_id=self._game_id,
                phase=self._phase,
                tick=self._tick,
                price=self._price,
                t=self._t,
                last_tick_t=self._last_tick_t,
                version=self._version,
                server_seed_hash=self._seed_hash,
                cooldown_timer_ms=self._cooldown_ms,
                paused=self._paused,
                maintenance=self._maintenance,
                rug_tick=self._rug_tick,
                peak=self._peak,
                timing=self._timer.snapshot(),
            )
        return v

    @property
    def account(self) -> AccountView:
        return self._account

    def feed_age(self, now: float) -> float:
        """Seconds since the last incoming frame (``inf`` before the first); ``now`` is a feed/loop time."""
        if self._last_in_t is None:
            return float("inf")
        return max(0.0, now - self._last_in_t)

    # ------------------------------------------------------------------ the frame path

    def on_frame(self, t: float, direction: str, text: str) -> list[Signal]:
        self._view = None
        try:
            if direction == "out":
                self.counters.frames_out += 1
                return self._on_out(t, text)
            self.counters.frames_in += 1
            self._t = t
            self._last_in_t = t
            return self._on_in(t, text)
        except Exception as exc:  # last-resort guard: a tracker bug must not stop the bot
            self.counters.internal_errors += 1
            return [FeedProblem("internal", f"{type(exc).__name__}: {exc}"[:200], t)]

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
            _bump(self.counters.events, name)
            if name == _GSU:
                gsu = decode_event(pkt)
                if not isinstance(gsu, GameStateUpdate):
                    reason = gsu.error if isinstance(gsu, InvalidEvent) else "no payload"
                    self.counters.invalid[_GSU] += 1
                    return [FeedProblem("invalid", f"{_GSU}: {reason}", t)]
                return self._on_game_state(t, text, gsu)
            return self._on_event(t, name, pkt)
        if pkt.sio is SioType.ACK:
            return self._on_ack(t, pkt)
        return self._on_control(t, pkt)

    def _on_control(self, t: float, pkt: Packet) -> list[Signal]:
        if pkt.eio is EioType.OPEN:
            self.counters.connects += 1
            self._open_pending = True
            self._on_reconnect()
            return [FeedConnected(t, _sid(pkt.data))]
        if pkt.sio is SioType.CONNECT:
            # A live socket sends "0{...}" then "40{...}": one connection, one signal.
            if self._open_pending:
                self._open_pending = False
                return []
            self.counters.connects += 1
            self._on_reconnect()
            return [FeedConnected(t, _sid(pkt.data))]
        if pkt.sio is SioType.DISCONNECT or pkt.eio is EioType.CLOSE:
            self.counters.disconnects += 1
        return []  # ping/pong, noop, connect errors: nothing to track

    def _on_reconnect(self) -> None:
        """Frames were possibly lost: the silence is not a tick gap, and having watched this game's
        presale no longer proves we saw its start (until a pre-start frame of it is seen again)."""
        self._gap_valid = False
        self._seen_before_active = False

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
                    _bump(self.counters.events_out, pkt.name)
            return []
        pkt = decode(text)
        if isinstance(pkt, Undecodable) or pkt.name != "requestSidebet":
            return []
        self.counters.events_out["requestSidebet"] += 1
        ev = decode_event(pkt)
        if not isinstance(ev, SidebetRequest):
            self.counters.invalid["requestSidebet"] += 1
            return [FeedProblem("invalid", f"requestSidebet: {getattr(ev, 'error', '')}", t)]
        return [SidebetRequested(pkt.ack_id, _lamports(ev.amount), ev.coin_address or SOL_MINT, t)]

    # ------------------------------------------------------------------ events other than game state

    def _on_event(self, t: float, name: str, pkt: Packet) -> list[Signal]:
        ev = decode_event(pkt)
        if isinstance(ev, UnknownEvent):
            if name in SIDE_FEATURE_EVENTS:
                return []
            unknown = self.counters.unknown
            first = name not in unknown and (len(unknown) < _MAX_NAMES or "<other>" not in unknown)
            _bump(self.counters.unknown, name)
            # Report a new kind once; the counter keeps the total.
            return [FeedProblem("unknown", name[:80], t)] if first else []
        if isinstance(ev, InvalidEvent):
            _bump(self.counters.invalid, name)
            return [FeedProblem("invalid", f"{name}: {ev.error}", t)]
        if isinstance(ev, PlayerUpdate):
            return self._on_player_update(t, ev, pkt)
        if isinstance(ev, CurrentSidebetResult):
            return self._on_bet_result(t, ev)
        if isinstance(ev, CurrentSidebet):
            return self._on_bet_placed(t, ev)
        if isinstance(ev, MaintenanceUpdate):
            self._maintenance = bool(ev.active)
            return [MaintenanceNotice(bool(ev.active), ev.message or "", t)]
        return []

    def _on_player_update(self, t: float, ev: PlayerUpdate, pkt: Packet) -> list[Signal]:
        if ev.id is None and ev.cash is None and ev.shitcoin_balances is None and ev.side_bet is None:
            return []  # stripped payload (trace header only): nothing learned
        acc = self._account
        balances = acc.coin_balances_lamports
        if ev.shitcoin_balances is not None:
            balances = tuple(sorted((str(k), _lamports(v)) for k, v in ev.shitcoin_balances.items()))
        active = acc.active_bet
        if ev.side_bet is not None:
            active = self._own_bet(
                ev.side_bet, t, placed_t=acc.active_bet.placed_t if acc.active_bet is not None else t
            )
        elif pkt.payload is not None and _NULL_SIDEBET in bytes(pkt.payload):
            active = None  # the server says there is no active bet (missing field: keep what we know)
        history = acc.bet_history
        if ev.sidebets is not None:
            history = tuple(self._history_bet(r, t) for r in ev.sidebets if r.start_tick is not None)
        self._account = AccountView(
            player_id=ev.id if ev.id is not None else acc.player_id,
            cash_lamports=_lamports(ev.cash) if ev.cash is not None else acc.cash_lamports,
            coin_balances_lamports=balances,
            authenticated=bool(ev.authenticated) if ev.authenticated is not None else acc.authenticated,
            active_bet=active,
            updated_t=t,
            bet_history=history,
        )
        return [AccountUpdated(self._account)]

    def _own_bet(self, rec: SidebetRecord, t: float, *, placed_t: float) -> OwnSidebet:
        start = rec.start_tick if rec.start_tick is not None else rec.started_at_tick
        start = start if start is not None else -1
        end = rec.end_tick if rec.end_tick is not None else start + WINDOW_TICKS
        return OwnSidebet(
            game_id=rec.game_id or self._game_id or "",
            start_tick=start,
            end_tick=end,
            amount_lamports=_lamports(rec.bet_amount),
            coin=rec.coin_address or SOL_MINT,
            placed_t=placed_t,
        )

    def _history_bet(self, rec: SidebetRecord, t: float) -> OwnSidebet:
        """A ``playerUpdate.sidebets`` record: settled when it carries a payout (type "payout")."""
        bet = self._own_bet(rec, t, placed_t=t)
        if rec.type != "payout" and rec.payout is None:
            return bet
        payout = _lamports(rec.payout)
        outcome = Outcome.WON if payout > 0 else Outcome.LOST
        return replace(bet, outcome=outcome.value, payout_lamports=payout, settled_tick=rec.tick_index)

    def _on_bet_placed(self, t: float, ev: CurrentSidebet) -> list[Signal]:
        if ev.start_tick is None and ev.bet_amount is None:
            return []  # stripped traced payload
        bet = self._own_bet(ev, t, placed_t=t)
        if self._seen_own(("placed", bet.game_id, bet.start_tick)):
            self.counters.duplicates += 1
            return [FeedProblem("duplicate", f"currentSidebet {bet.game_id} {bet.start_tick}", t)]
        self._set_active_bet(bet, t)
        return [OwnBetPlaced(bet)]

    def _on_bet_result(self, t: float, ev: CurrentSidebetResult) -> list[Signal]:
        if ev.start_tick is None and ev.payout is None:
            return []
        placed = self._account.active_bet
        base = self._own_bet(ev, t, placed_t=placed.placed_t if placed is not None else t)
        if self._seen_own(("settled", base.game_id, base.start_tick)):
            # a repeated settlement must never be booked twice
            self.counters.duplicates += 1
            return [FeedProblem("duplicate", f"currentSidebetResult {base.game_id} {base.start_tick}", t)]
        payout = _lamports(ev.payout)
        bet = OwnSidebet(
            game_id=base.game_id,
            start_tick=base.start_tick,
            end_tick=base.end_tick,
            amount_lamports=base.amount_lamports,
            coin=base.coin,
            placed_t=base.placed_t,
            outcome=(Outcome.WON if payout > 0 else Outcome.LOST).value,
            payout_lamports=payout,
            settled_tick=ev.tick_index,
        )
        if placed is not None and placed.game_id == bet.game_id and placed.start_tick == bet.start_tick:
            self._set_active_bet(None, t)
        return [OwnBetSettled(bet)]

    def _seen_own(self, key: tuple[str, str, int]) -> bool:
        """True if this own-bet event was already reported (bounded memory of recent ones)."""
        if key in self._own_keys:
            return True
        if len(self._own_order) == self._own_order.maxlen:
            self._own_keys.discard(self._own_order[0])
        self._own_order.append(key)
        self._own_keys.add(key)
        return False

    def _set_active_bet(self, bet: OwnSidebet | None, t: float) -> None:
        self._account = replace(self._account, active_bet=bet, updated_t=t)

    # ------------------------------------------------------------------ game state

    def _on_game_state(self, t: float, text: str, ev: GameStateUpdate) -> list[Signal]:
        if text == self._last_gsu_text:
            self.counters.duplicates += 1
            return [FeedProblem("duplicate", f"{self._game_id} tick {ev.tick_count}", t)]
        self._last_gsu_text = text
        out: list[Signal] = []
        if ev.has_history:
            self.counters.history_frames += 1
            out.append(HistoryReceived(ev.game_history, t))
        gid = ev.game_id
        if self._pending is not None:
            self._resolve_pending(t, gid, ev, out)
        if gid is not None and gid != self._game_id:
            if gid in self._finished_ids:
                self.counters.stale_frames += 1  # e.g. the old game's post-rug history frame
                return out
            self._new_game(t, gid, out)
        elif self._game_id is None:
            return out  # no game id yet and none in the frame: nothing to attach it to
        if ev.provably_fair is not None:
            if ev.provably_fair.server_seed_hash:
                self._seed_hash = ev.provably_fair.server_seed_hash
            if ev.provably_fair.version:
                self._version = ev.provably_fair.version
        if ev.game_version and self._version is None:
            self._version = ev.game_version
        if ev.cooldown_timer is not None:
            self._cooldown_ms = ev.cooldown_timer
        if ev.cooldown_paused is not None:
            self._paused = ev.cooldown_paused
        phase = _phase_of(ev)
        if phase is Phase.RUGGED:
            self._on_rugged(t, ev, out)
        elif self._rug_tick is not None:
            return out  # a late non-rugged frame of a rugged game: never resurrect it
        elif phase is Phase.ACTIVE:
            self._on_active(t, ev, out)
        elif phase is not None:
            if _RANK[phase] < self._game_rank:
                # e.g. a delayed presale frame after tick 0: the cycle only moves forward within a game
                self.counters.out_of_order += 1
                out.append(
                    FeedProblem("out-of-order", f"{self._game_id} {phase.value} after {self._phase.value}", t)
                )
                return out
            self._seen_before_active = True
            self._set_phase(phase, t, out)
        return out

    def _new_game(self, t: float, gid: str, out: list[Signal]) -> None:
        if self._phase is Phase.ACTIVE and self._game_id is not None:
            # The rug frame was lost. The last tick seen is only a lower bound of the rug tick, and a
            # paper bet settled on it could be booked as a win that never happened, so GameRugged waits
            # for proof: a late rugged frame of the old game or a gameHistory entry (both come within
            # the cooldown), at the latest until the next game starts (then: last tick, incomplete).
            self.counters.inferred_rugs += 1
            self._set_phase(Phase.RUGGED, t, out)
            self._flush_pending(out)  # at most one outstanding
            self._pending = _PendingRug(
                self._game_id,
                self._tick,
                self._peak,
                self._first_tick,
                self._seen_before_active or (self._first_tick is not None and self._first_tick <= 1),
                t,
                self._version,
                self._seed_hash,
            )
            self._finished_ids.append(self._game_id)
        self._game_id = gid
        self._game_rank = 0
        self._tick = -1
        self._price = 1.0
        self._peak = 1.0
        self._first_tick = None
        self._seen_before_active = False
        self._started = False
        self._rug_tick = None
        self._version = None
        self._seed_hash = None
        self._cooldown_ms = None

    def _set_phase(self, phase: Phase, t: float, out: list[Signal]) -> None:
        self._game_rank = max(self._game_rank, _RANK[phase])
        if phase is not self._phase:
            out.append(PhaseChanged(self._game_id, self._phase, phase, t))
            self._phase = phase

    def _on_active(self, t: float, ev: GameStateUpdate, out: list[Signal]) -> None:
        tick = ev.tick_count
        if tick is None or tick < 0:
            self._set_phase(Phase.ACTIVE, t, out)
            return
        if tick < self._tick:
            self.counters.out_of_order += 1
            out.append(FeedProblem("out-of-order", f"{self._game_id} tick {tick} after {self._tick}", t))
            return
        self._set_phase(Phase.ACTIVE, t, out)
        gid = self._game_id or ""
        if not self._started:
            self._started = True
            self._flush_pending(out)  # the previous game's rug must be settled before this game starts
            active = self._account.active_bet
            if active is not None and active.game_id != gid:
                # A side bet never outlives its game; its result frame was lost (socket drop at the rug), so
                # the account must stop showing it as active or nothing could ever be bet again.
                self._set_active_bet(None, t)
            out.append(GameStarted(gid, t, self._seed_hash, self._version))
        price = _price_or(ev.price, self._price)
        if tick == self._tick:
            self._price = price  # same tick, new content (e.g. trade count): update, no new tick
            if price > self._peak:
                self._peak = price
            return
        prev = self._tick
        # Backfill skipped ticks (or, for a game seen before it started, ticks 0.. before the first frame).
        backfilled, lowest = 0, tick
        low = prev + 1 if prev >= 0 else (0 if self._seen_before_active else tick)
        if tick > low:
            backfilled, lowest = self._backfill(ev, low, tick)
        if self._first_tick is None:
            self._first_tick = lowest
        if prev >= 0 and self._gap_valid and tick == prev + 1:
            # per-tick gaps only: a jump over lost frames is not one tick's duration
            self._timer.add(t - self._last_tick_t)
        self._gap_valid = True
        self._tick = tick
        self._price = price
        if price > self._peak:
            self._peak = price
        self._last_tick_t = t
        out.append(TickAdvanced(gid, tick, price, t, backfilled))

    def _backfill(self, ev: GameStateUpdate, low: int, tick: int) -> tuple[int, int]:
        """Fill ticks ``low .. tick-1`` from partialPrices; returns (how many were there, lowest filled).

        Iterates the (≤ 5) values, never the tick range: a corrupt tickCount must not become a long loop.
        """
        pp = ev.partial_prices
        if pp is None or not pp.values:
            return 0, tick
        n = 0
        lowest = tick
        peak = self._peak
        for key, v in pp.values.items():
            k = _tick_key(key)
            if k is not None and low <= k < tick and _finite(v):
                n += 1
                lowest = min(lowest, k)
                if v > peak:
                    peak = v
        self._peak = peak
        self.counters.backfilled_ticks += n
        return n, lowest

    def _on_rugged(self, t: float, ev: GameStateUpdate, out: list[Signal]) -> None:
        if self._rug_tick is not None:
            return  # the post-rug frame(s) of the same game: the rug tick is already known
        tick = ev.tick_count if ev.tick_count is not None and ev.tick_count >= 0 else self._tick
        pp = ev.partial_prices
        if pp is not None and pp.end_tick is not None and 0 <= pp.end_tick < tick:
            tick = pp.end_tick  # this is a later rugged frame; the rug itself was at endTick
        if pp is not None and pp.values:
            for key, v in pp.values.items():
                k = _tick_key(key)
                if k is not None and k <= tick and _finite(v) and v > self._peak:
                    self._peak = v
        self._price = _price_or(ev.price, self._price)
        if self._phase is Phase.ACTIVE and not self._started:
            self._started = True
        self._set_phase(Phase.RUGGED, t, out)
        complete = self._seen_before_active or (self._first_tick is not None and self._first_tick <= 1)
        self._finish(max(tick, self._tick), t, complete=complete, out=out)

    def _finish(self, rug_tick: int, t: float, *, complete: bool, out: list[Signal]) -> None:
        gid = self._game_id or ""
        self._rug_tick = rug_tick
        self._tick = rug_tick
        self._emit_rug(
            FinishedGame(
                game_id=gid,
                rug_tick=rug_tick,
                peak=self._peak,
                rug_t=t,
                first_tick_seen=self._first_tick if self._first_tick is not None else rug_tick,
                complete=complete,
                version=self._version,
                server_seed_hash=self._seed_hash,
            ),
            out,
        )

    def _emit_rug(self, game: FinishedGame, out: list[Signal]) -> None:
        self.finished.append(game)
        if game.game_id not in self._finished_ids:
            self._finished_ids.append(game.game_id)
        out.append(GameRugged(game))

    # ------------------------------------------------------------------ rugs whose frame was lost

    def _resolve_pending(self, t: float, gid: str | None, ev: GameStateUpdate, out: list[Signal]) -> None:
        p = self._pending
        assert p is not None
        final: int | None = None
        peak = p.peak
        if gid == p.game_id and ev.rugged:
            tick = ev.tick_count if ev.tick_count is not None and ev.tick_count >= 0 else p.last_tick
            pp = ev.partial_prices
            if pp is not None and pp.end_tick is not None and 0 <= pp.end_tick < tick:
                tick = pp.end_tick
            final = tick
        elif ev.has_history:
            try:
                games = ev.history_games()  # parsed only in this rare case, never on the tick path
            except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                games = []
            for g in games:
                if g.id == p.game_id and g.prices:
                    final = len(g.prices) - 1  # the last price is the rug tick's (protocol notes)
                    if g.peak_multiplier is not None and _finite(g.peak_multiplier):
                        peak = max(peak, g.peak_multiplier)
                    break
        if final is None or final < p.last_tick:
            return
        self._pending = None
        self._emit_rug(
            FinishedGame(
                p.game_id,
                final,
                peak,
                p.t,
                p.first_tick if p.first_tick is not None else final,
                p.watched_start,
                p.version,
                p.seed_hash,
            ),
            out,
        )

    def _flush_pending(self, out: list[Signal]) -> None:
        """Give up waiting: the last tick seen is all we know, so the game is not complete."""
        p = self._pending
        if p is None:
            return
        self._pending = None
        self._emit_rug(
            FinishedGame(
                p.game_id,
                p.last_tick,
                p.peak,
                p.t,
                p.first_tick if p.first_tick is not None else p.last_tick,
                False,
                p.version,
                p.seed_hash,
                proven=False,
            ),
            out,
        )

    def flush(self) -> list[Signal]:
        """End of the feed (a replay's last frame): report what is still waiting for proof."""
        out: list[Signal] = []
        self._flush_pending(out)
        return out


_MAX_NAMES = 256  # distinct event names a counter keeps; the rest are summed under "<other>"


def _bump(counter: Counter[str], name: str) -> None:
    """Count by name without letting a feed full of random event names grow memory without bound."""
    if name in counter or len(counter) < _MAX_NAMES:
        counter[name] += 1
    else:
        counter["<other>"] += 1


def _tick_key(key: str) -> int | None:
    """partialPrices keys are decimal tick numbers as strings; anything else is ignored."""
    if 0 < len(key) <= 9 and key.isascii() and key.isdigit():
        return int(key)
    return None


def _sid(data: msgspec.Raw | None) -> str | None:
    if data is None:
        return None
    try:
        obj = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    sid = obj.get("sid") if isinstance(obj, dict) else None
    return sid if isinstance(sid, str) else None
