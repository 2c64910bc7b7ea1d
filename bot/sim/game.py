"""The game loop: rugs.fun's round cycle on the real provably-fair generator, as a stream of timed steps.

``GameLoop.steps()`` is an infinite generator of :class:`Step` (``delay`` in sim seconds, then frames to
send). It never sleeps and never touches a socket, so the same code drives the websocket server (which
sleeps ``delay / speed``), the no-socket timeline (:func:`iter_timeline`, virtual times, for recordings
and tests) and, through :func:`fast_games`, the statistical fidelity checks.

Cycle (checked against the Dec 2025 / Feb 2026 captures): the next game's id and seed hash are announced
in the cooldown frames; ``cooldownTimer`` 15000 → 0 in 100 ms frames (minimal 7-key frames; presale is the
last 10 s with ``allowPreRoundBuys``); tick 0; one frame per tick with ``partialPrices`` (last 5 ticks);
the rug frame (``rugged: true``, ``active`` still true, ``tickCount = rug_tick``, a rug price that is
not from the generator); then 1–5 s of silence while the server clock runs on, after which a burst
delivers a ~300 KB history frame with the old id, one with the new id (cooldown 15000) whose
``gameHistory`` now starts with the game that just rugged and reveals its seed, and the cooldown frames
made meanwhile. Rug → tick 0 ≈ 16.3 s. A rug can be chosen (:meth:`GameLoop.force_rug`, ``rug_at``):
see bot/sim/rounds.py for what that does to provable fairness.
"""

from __future__ import annotations

import random
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.fair.generator import make_rug_price
from bot.sim.accounts import Accounts, GamePoint, Settlement
from bot.sim.config import SimConfig
from bot.sim.players import Crowd
from bot.sim.rounds import (
    MAX_DRAWN_RUG_TICK,
    CurrentGame,
    GameRecord,
    SeedSource,
    check_rug_tick,
    new_game_id,
)
from bot.sim.site_builds import drift_game_state
from bot.sim.state_frames import Out, StateFrames, trace_header
from bot.sim.timing import (
    COOLDOWN_FRAME_MS,
    COOLDOWN_MS,
    HISTORY_GAP_S,
    PRESALE_MS,
    RUG_TO_HISTORY_S,
    TickGaps,
)

__all__ = ["FastGame", "GameLoop", "GameRecord", "Out", "RugPlan", "Step", "fast_games", "iter_timeline"]


@dataclass(frozen=True, slots=True)
class Step:
    """Wait ``delay`` sim seconds, then send ``outs``. ``hold`` > 0 starts a silence: frames made during the
    next ``hold`` sim seconds are held and then sent as one burst (the post-rug silence)."""

    delay: float
    kind: str  # wait | hold | cooldown | presale | pause | start | tick | rug | history
    outs: tuple[Out, ...]
    hold: float = 0.0
    # wall seconds spent drawing a seed for a chosen rug tick: the driver stops the sim clock for them, so
    # the draw lengthens the post-rug silence instead of bunching the frames after it into a burst
    draw_s: float = 0.0


@dataclass(frozen=True, slots=True)
class RugPlan:
    """What a rug request did: ``game_id`` None = the next game (not drawn yet); ``forced`` = off the
    generator's schedule (its seed will not verify: bot/sim/rounds.py)."""

    game_id: str | None
    rug_tick: int
    forced: bool


class GameLoop(StateFrames):
    """Owns the round cycle. ``now_ms`` is the clock stamped into frames (wall clock live, virtual in fast mode).

    Thread-safety: none needed; the server calls every method from its one event-loop thread.
    """

    def __init__(
        self,
        config: SimConfig,
        *,
        accounts: Accounts | None = None,
        now_ms: Callable[[], int] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.rng = rng or random.Random(config.seed if config.seed is not None else secrets.token_hex(16))
        self.seeds = SeedSource(config.seed)
        self.gaps = TickGaps(random.Random(self.rng.getrandbits(64)), jitter=config.jitter)
        self.accounts = accounts or Accounts(config, random.Random(self.rng.getrandbits(64)))
        self.crowd = Crowd(random.Random(self.rng.getrandbits(64)), size=config.players)
        self.now_ms = now_ms or (lambda: int(time.time() * 1000))
        self.history: deque[GameRecord] = deque(maxlen=config.history_len)
        self.finished: list[GameRecord] = []  # every finished game (truth); prices trimmed after history_len
        self.phase = "COOLDOWN"
        self.tick = 0
        self.price = 1.0
        self.cooldown_ms = COOLDOWN_MS
        self.paused = False
        self.pause_message = ""
        self.pause_request: tuple[float, str] | None = None
        self._planned_rugs: deque[int] = deque()  # rug ticks asked for the next games, before the schedule
        self._games_drawn = 0
        self._chosen_rug = False
        self.current = self._new_game()
        self.rug_price: float | None = None
        self._skipped: list[int] = []  # the current game's ticks that were not broadcast
        self.connected_players = config.connected_players

    # ------------------------------------------------------------ game preparation

    def _new_game(self) -> CurrentGame:
        gid = new_game_id(self.now_ms(), self.rng)
        schedule = self.config.rug_at
        planned = schedule[self._games_drawn % len(schedule)] if schedule else None
        self._games_drawn += 1
        if self._planned_rugs:
            planned = self._planned_rugs.popleft()
        self._chosen_rug = planned is not None
        return CurrentGame.drawn(gid, self.seeds, planned)

    def force_rug(self, at: int | None = None) -> RugPlan:
        """Rug the running game (between games: the one counted down to) at tick ``at``.

        ``None`` or a tick already played means the next tick. A game whose hash no frame has shown yet is
        redrawn so the generator itself rugs there (provably fair, up to ``MAX_DRAWN_RUG_TICK``); otherwise
        the rug is forced. After the rug frame the request is for the next game, drawn when it is made.
        Raises :class:`bot.sim.rounds.RugError` for a tick below 1.
        """
        if self.phase == "RUGGED":
            planned = check_rug_tick(1 if at is None else at)
            self._planned_rugs.append(planned)
            return RugPlan(None, planned, forced=planned > MAX_DRAWN_RUG_TICK)
        floor = self.tick + 1 if self.phase == "ACTIVE" else 1
        tick = max(floor, check_rug_tick(floor if at is None else at))
        cur = self.current
        if not cur.announced:
            self.current = CurrentGame.drawn(cur.id, self.seeds, tick)
        else:
            cur.force(tick)
        return RugPlan(cur.id, tick, forced=self.current.forced)

    def request_pause(self, seconds: float, message: str) -> None:
        """Maintenance: hold the next cooldown (``cooldownPaused``) for ``seconds`` of sim time."""
        self.pause_request = (seconds, message)

    def announce_maintenance(self, seconds: float) -> Out:
        """The real site's notice (a reboot after this round) and the paused cooldown that follows it."""
        self.request_pause(seconds, "Server maintenance in progress")
        msg = "Server will reboot after this round for maintenance (~3 minutes)"
        return Out(
            "maintenanceUpdate", (trace_header(self.rng), {"active": True, "message": msg, "mega": False})
        )

    def point(self) -> GamePoint:
        return GamePoint(self.current.id, self.phase, self.tick, self.price)

    def connect_frame(self) -> dict[str, Any]:
        return self._wire(self.history_frame(on_connect=True))

    def _wire(self, frame: dict[str, Any]) -> dict[str, Any]:
        return drift_game_state(frame) if self.config.protocol_drift else frame

    # ------------------------------------------------------------ the cycle

    def steps(self) -> Iterator[Step]:
        """Forever: cooldown/presale → ticks → rug → history frames → next game."""
        while True:
            yield from self._cooldown()
            yield from self._active()

    def _gsu(self, frame: dict[str, Any]) -> Out:
        return Out("gameStateUpdate", (self._wire(frame),))

    def _wait(self, seconds: float) -> Step:
        """A pause *before* the next state change: state advances only after the wait, so a request that
        arrives meanwhile sees the tick the clients have seen, not the one about to be sent."""
        return Step(seconds, "wait", ())

    def _cooldown(self) -> Iterator[Step]:
        self.phase, self.tick, self.price, self.rug_price = "COOLDOWN", 0, 1.0, None
        self.cooldown_ms = COOLDOWN_MS
        step_s = COOLDOWN_FRAME_MS / 1000
        while self.cooldown_ms > COOLDOWN_FRAME_MS:
            if self.pause_request is not None:
                yield from self._pause(*self.pause_request)
            yield self._wait(step_s)
            self.cooldown_ms -= COOLDOWN_FRAME_MS
            outs: list[Out] = []
            if self.cooldown_ms == PRESALE_MS:
                self.phase = "PRESALE"
                outs.append(self._gsu(self.state_frame()))
            outs.append(self._gsu(self.minimal_cooldown()))
            yield Step(0.0, "presale" if self.phase == "PRESALE" else "cooldown", tuple(outs))
        yield self._wait(step_s)
        self.cooldown_ms = 0

    def _pause(self, seconds: float, message: str) -> Iterator[Step]:
        self.pause_request = None
        self.paused, self.pause_message = True, message
        waited = 0.0
        while True:
            yield Step(0.0, "pause", (self._gsu(self.state_frame()),))
            if waited >= seconds:
                break
            chunk = min(1.0, seconds - waited)
            yield self._wait(chunk)
            waited += chunk
        self.paused, self.pause_message = False, ""
        yield Step(
            0.0,
            "pause",
            (
                self._gsu(self.state_frame()),
                Out(
                    "maintenanceUpdate",
                    (trace_header(self.rng), {"active": False, "message": "", "mega": False}),
                ),
            ),
        )

    def _active(self) -> Iterator[Step]:
        cur = self.current
        self.phase, self.tick, self.price = "ACTIVE", 0, cur.gen.prices[0]
        self._skipped = []
        yield Step(0.0, "start", (self._gsu(self.start_frame()), *self._tick_side_effects(0)))
        while True:
            yield self._wait(self.gaps.next_gap())
            k = self.tick + 1
            prices = cur.gen.prices  # read after the wait: a forced rug may have cut or extended them
            if k >= len(prices):
                break
            self.tick, self.price = k, prices[k]
            side = self._tick_side_effects(k)
            if self.rng.random() < self.config.skip_tick_prob:
                outs: tuple[Out, ...] = side  # a skipped tick: partialPrices of the next one backfills it
                self._skipped.append(k)
            else:
                sparse = self.rng.random() < self.config.sparse_tick_prob
                outs = (self._gsu(self.state_frame(sparse=sparse)), *side)
            yield Step(0.0, "tick", outs)
        yield from self._rug()

    def _tick_side_effects(self, tick: int) -> tuple[Out, ...]:
        now = self.now_ms()
        if self.rng.random() < 0.05:  # the audience drifts a little (real captures: 170–175 within a minute)
            lo = max(1, self.config.connected_players // 2)
            self.connected_players = max(lo, self.connected_players + self.rng.choice((-1, 1)))
        cur = self.current
        trades = self.crowd.on_tick(cur.id, tick, self.price, now, cur.global_sidebets)
        cur.trade_count += len(trades)
        outs = [Out("standard/newTrade", (trace_header(self.rng), t)) for t in trades]
        chat = self.crowd.maybe_chat(now)
        if chat is not None:
            outs.append(Out("newChatMessage", (trace_header(self.rng), chat)))
        outs.extend(self._settlement_outs(self.accounts.on_tick(cur.id, tick, self.price, now)))
        if self.accounts.by_id:
            # the logged-in feed also gets a rugpool status every tick (untraced; ~6/s in the Dec 2025 capture)
            update = {"gameId": cur.id, "rugpool": self.player_rugpool()}
            outs.extend(Out("gameStatePlayerUpdate", (update,), to=pid) for pid in self.accounts.by_id)
        return tuple(outs)

    def _settlement_outs(self, settlements: list[Settlement]) -> list[Out]:
        outs: list[Out] = []
        for s in settlements:
            self.current.global_sidebets.append(s.record)
            pid = s.account.player_id
            outs.append(Out("currentSidebetResult", (trace_header(self.rng), s.record), to=pid))
            outs.append(Out("playerUpdate", (self.accounts.player_update(s.account),), to=pid))
        return outs

    def _rug(self) -> Iterator[Step]:
        cur = self.current
        gen = cur.gen
        self.rug_price = make_rug_price(self.rng.random, gen.prices[-1])
        self.phase, self.tick, self.price = "RUGGED", gen.rug_tick, self.rug_price
        now = self.now_ms()
        settlements = self.accounts.on_rug(cur.id, self.tick, self.price, now)
        self.crowd.on_rug(cur.id, self.tick, self.price, now, cur.global_sidebets)
        yield Step(0.0, "rug", (self._gsu(self.state_frame()), *self._settlement_outs(settlements)))
        yield Step(0.0, "hold", (), hold=self.gaps.rug_hold())
        # the first heavy frame: old id, history not yet including this game
        yield self._wait(RUG_TO_HISTORY_S)
        yield Step(0.0, "history", (self._gsu(self.history_frame()),))
        record = GameRecord(
            id=cur.id,
            server_seed=cur.seed,
            server_seed_hash=cur.hash,
            prices=self._wire_prices(),
            rug_tick=gen.rug_tick,
            peak=gen.peak,
            timestamp_ms=self.now_ms(),
            global_sidebets=cur.global_sidebets,
            skipped_ticks=tuple(self._skipped),
            forced=cur.forced,
        )
        self.history.append(record)
        self.finished.append(record)
        if len(self.finished) > self.config.history_len:
            old = self.finished[-self.config.history_len - 1]
            old.prices, old.global_sidebets = [], []  # keep truth light: id, seed, final tick, peak
        yield self._wait(HISTORY_GAP_S)
        began = time.perf_counter()
        self.current = self._new_game()
        draw_s = time.perf_counter() - began if self._chosen_rug else 0.0
        self.crowd.new_game()
        self.phase, self.tick, self.price, self.rug_price = "COOLDOWN", 0, 1.0, None
        self.cooldown_ms = COOLDOWN_MS
        yield Step(0.0, "history", (self._gsu(self.history_frame()),), draw_s=draw_s)


# ---------------------------------------------------------------- no-socket modes


def iter_timeline(
    config: SimConfig,
    *,
    games: int,
    start_t: float = 1_767_225_600.0,
    accounts: Accounts | None = None,
    maintenance: dict[int, float] | None = None,
) -> Iterator[tuple[float, Out]]:
    """The broadcast frames of ``games`` full rounds at virtual times, without sleeping.

    Starts with the connect frame (what a client sees on connect) and stops after the history frame that
    reveals the last game's seed. ``maintenance`` maps a game's index (0 = the first game to start) to the
    seconds of a maintenance pause announced at its tick 10, as the server's ``maintenance`` fault does.
    """
    clock = [start_t]
    loop = GameLoop(config, accounts=accounts, now_ms=lambda: int(clock[0] * 1000))
    yield clock[0], Out("gameStateUpdate", (loop.connect_frame(),))
    done = pending = 0
    started = -1
    hold_until = 0.0
    held: list[Out] = []
    for step in loop.steps():
        clock[0] += step.delay
        if step.kind == "start":
            started += 1
        elif step.kind == "tick" and loop.tick == 10 and maintenance and started in maintenance:
            step = Step(
                step.delay,
                step.kind,
                (*step.outs, loop.announce_maintenance(maintenance[started])),
                step.hold,
            )
        if step.hold:
            hold_until = max(hold_until, clock[0] + step.hold)
        if step.kind == "history" and loop.phase == "COOLDOWN":
            pending += 1  # the frame that reveals the last game's seed
        if clock[0] < hold_until:
            held.extend(step.outs)
            continue
        for out in (*held, *step.outs):
            yield clock[0], out
        held.clear()
        done, pending = done + pending, 0
        if done >= games:
            return


@dataclass(frozen=True, slots=True)
class FastGame:
    id: str
    server_seed: str
    rug_tick: int
    peak: float
    gaps: tuple[float, ...]


def fast_games(
    n: int, *, seed: str = "fidelity", jitter: bool = True, gaps: bool = True
) -> Iterator[FastGame]:
    """``n`` games on the same seed scheme, generator and tick timing, skipping frame building (for statistics).

    ``gaps=False`` skips drawing tick gaps (empty ``gaps``) when only lengths matter.
    """
    config = SimConfig(seed=seed, jitter=jitter, players=0)
    loop = GameLoop(config, now_ms=lambda: 1_767_225_600_000)
    for _ in range(n):
        cur = loop.current
        drawn = tuple(loop.gaps.next_gap() for _ in range(cur.gen.rug_tick)) if gaps else ()
        yield FastGame(cur.id, cur.seed, cur.gen.rug_tick, cur.gen.peak, drawn)
        loop.current = loop._new_game()
