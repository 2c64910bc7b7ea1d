"""Round state: the current game through its phases, its ticks (skipped ones backfilled), tick timing and rug.

Rules that come from real captures (tests/fixtures/real) and shared/protocol.md:

* Phase of a ``gameStateUpdate``: ``rugged`` → RUGGED; else ``active`` → ACTIVE; else ``allowPreRoundBuys``
  → PRESALE; else ``cooldownTimer > 0`` → COOLDOWN; otherwise unchanged. The cycle only moves forward
  within a game: a delayed presale frame after tick 0 is out of order.
* A new ``gameId`` starts a new game, whatever its ``rugged`` flag says (the rule that holds in every era
  of the wire). In May 2025 the 15 s cooldown frames already carried the *next* game's id while repeating
  ``rugged: true``, the last tickCount and the rug price until presale. So ``rugged`` ends a game only if
  the game was seen in presale or running, or the frame itself says ``active: true`` (every rug frame
  since Aug 2025 does). Otherwise the frame is a cooldown frame of the new game (counted as
  ``rugged_cooldown``); its repeated tickCount and price belong to the previous game and are ignored.
* The rug is ``rugged == true``; its tick is the rug frame's ``tickCount`` (in May 2025 the generator's last
  tick, since Aug 2025 one more), or for a later rugged frame its ``partialPrices.endTick``. A rug seen only
  through a new ``gameId`` while ACTIVE is handed to :mod:`bot.game.lost_rug`.
* The post-rug history frame of the previous game can arrive *after* the next game's first cooldown frame:
  frames of a game that already finished are "stale", not a new game.
* A non-rugged frame of a game that already rugged, or a frame with no game to attach it to, changes
  nothing: it is dropped, counted by reason and reported as a ``FeedProblem("dropped")``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from bot.game.counters import FeedCounters
from bot.game.lost_rug import LostRug, PendingRug
from bot.game.signals import (
    FeedProblem,
    GameRugged,
    GameStarted,
    HistoryReceived,
    PhaseChanged,
    Signal,
    TickAdvanced,
)
from bot.game.state import FinishedGame, GameView, Phase
from bot.game.timing import TickTimer
from bot.game.wire_values import finite, price_or, rug_tick_of_rugged_frame, tick_key
from bot.protocol.events import GameStateUpdate

__all__ = ["RoundState"]

_RANK = {Phase.UNKNOWN: 0, Phase.COOLDOWN: 1, Phase.PRESALE: 2, Phase.ACTIVE: 3, Phase.RUGGED: 4}


def _phase_of(u: GameStateUpdate, *, rugged: bool = True) -> Phase | None:
    if rugged and u.rugged:
        return Phase.RUGGED
    if u.active:
        return Phase.ACTIVE
    if u.allow_pre_round_buys:
        return Phase.PRESALE
    if u.cooldown_timer is not None and u.cooldown_timer > 0:
        return Phase.COOLDOWN
    return None


class RoundState:
    """``gameStateUpdate`` frames → the current game's state, finished games and game signals."""

    def __init__(
        self,
        counters: FeedCounters,
        *,
        on_game_started: Callable[[str, float], None],
        finished_maxlen: int = 256,
        timing_window: int = 512,
    ) -> None:
        self.counters = counters
        self._on_game_started = on_game_started
        self.finished: deque[FinishedGame] = deque(maxlen=finished_maxlen)
        self._finished_ids: deque[str] = deque(maxlen=64)
        self.lost = LostRug()
        self.timer = TickTimer(window=timing_window)
        self.t = 0.0  # receive time of the last incoming frame (set by the tracker)
        self.maintenance = False
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
        self._last_tick_t = 0.0
        self._last_gsu_text = ""
        self._gap_valid = False
        self._game_rank = 0  # furthest phase this game has reached (the cycle only moves forward)

    @property
    def game_id(self) -> str | None:
        return self._game_id

    def view(self) -> GameView:
        return GameView(
            game_id=self._game_id,
            phase=self._phase,
            tick=self._tick,
            price=self._price,
            t=self.t,
            last_tick_t=self._last_tick_t,
            version=self._version,
            server_seed_hash=self._seed_hash,
            cooldown_timer_ms=self._cooldown_ms,
            paused=self._paused,
            maintenance=self.maintenance,
            rug_tick=self._rug_tick,
            peak=self._peak,
            timing=self.timer.snapshot(),
        )

    def on_reconnect(self) -> None:
        """Frames were possibly lost: the silence is not a tick gap, and having watched this game's
        presale no longer proves we saw its start (until a pre-start frame of it is seen again)."""
        self._gap_valid = False
        self._seen_before_active = False

    def flush(self) -> list[Signal]:
        """End of the feed: report the rug still waiting for proof."""
        out: list[Signal] = []
        self._emit_rug(self.lost.give_up(), out)
        return out

    # ------------------------------------------------------------------ one frame

    def on_game_state(self, t: float, text: str, ev: GameStateUpdate) -> list[Signal]:
        if text == self._last_gsu_text:
            self.counters.duplicates += 1
            return [FeedProblem("duplicate", f"{self._game_id} tick {ev.tick_count}", t)]
        self._last_gsu_text = text
        out: list[Signal] = []
        if ev.has_history:
            self.counters.history_frames += 1
            out.append(HistoryReceived(ev.game_history, t))
        gid = ev.game_id
        if self.lost.pending is not None:
            self._emit_rug(self.lost.resolve(ev), out)
        if gid is not None and gid != self._game_id:
            if gid in self._finished_ids:
                self.counters.stale_frames += 1  # e.g. the old game's post-rug history frame
                return out
            self._new_game(t, gid, out)
        elif self._game_id is None:
            return self._drop("no game id", t, out)
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
        if phase is Phase.RUGGED and not ev.active and self._game_rank < _RANK[Phase.PRESALE]:
            # The May 2025 cooldown: the next game's id with the previous game's rug repeated.
            self.counters.rugged_cooldown += 1
            phase = _phase_of(ev, rugged=False)
        if phase is Phase.RUGGED:
            self._on_rugged(t, ev, out)
        elif self._rug_tick is not None:
            return self._drop("after its rug", t, out)  # never resurrect a rugged game
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

    def _drop(self, reason: str, t: float, out: list[Signal]) -> list[Signal]:
        self.counters.dropped[reason] += 1
        out.append(FeedProblem("dropped", f"{self._game_id}: {reason}", t))
        return out

    def _new_game(self, t: float, gid: str, out: list[Signal]) -> None:
        if self._phase is Phase.ACTIVE and self._game_id is not None:
            # The rug frame was lost: its tick is unproven (bot.game.lost_rug).
            self.counters.inferred_rugs += 1
            self._set_phase(Phase.RUGGED, t, out)
            pending = PendingRug(
                self._game_id,
                self._tick,
                self._peak,
                self._first_tick,
                self._seen_before_active or (self._first_tick is not None and self._first_tick <= 1),
                t,
                self._version,
                self._seed_hash,
            )
            self._emit_rug(self.lost.hold(pending), out)
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
            # the previous game's rug must be settled before this game starts
            self._emit_rug(self.lost.give_up(), out)
            self._on_game_started(gid, t)
            out.append(GameStarted(gid, t, self._seed_hash, self._version))
        price = price_or(ev.price, self._price)
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
            self.timer.add(t - self._last_tick_t)
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
            k = tick_key(key)
            if k is not None and low <= k < tick and finite(v):
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
        tick, rug_price = rug_tick_of_rugged_frame(ev, self._tick)
        pp = ev.partial_prices
        if pp is not None and pp.values:
            for key, v in pp.values.items():
                k = tick_key(key)
                if k is not None and k <= tick and finite(v) and v > self._peak:
                    self._peak = v
        self._price = price_or(ev.price, self._price)
        if self._phase is Phase.ACTIVE and not self._started:
            self._started = True
        self._set_phase(Phase.RUGGED, t, out)
        complete = self._seen_before_active or (self._first_tick is not None and self._first_tick <= 1)
        rug_tick = max(tick, self._tick)
        self._rug_tick = rug_tick
        self._tick = rug_tick
        self._emit_rug(
            FinishedGame(
                game_id=self._game_id or "",
                rug_tick=rug_tick,
                peak=self._peak,
                rug_t=t,
                first_tick_seen=self._first_tick if self._first_tick is not None else rug_tick,
                complete=complete,
                version=self._version,
                server_seed_hash=self._seed_hash,
                rug_price=rug_price if rug_tick == tick else None,
            ),
            out,
        )

    def _emit_rug(self, game: FinishedGame | None, out: list[Signal]) -> None:
        if game is None:
            return
        self.finished.append(game)
        if game.game_id not in self._finished_ids:
            self._finished_ids.append(game.game_id)
        out.append(GameRugged(game))
