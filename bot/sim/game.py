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
made meanwhile. Rug → tick 0 ≈ 16.3 s.
"""

from __future__ import annotations

import random
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.fair.generator import GeneratedGame, generate_prices, make_rug_price, seed_hash
from bot.money import PRACTICE_COIN
from bot.sim.accounts import Accounts, GamePoint, Settlement
from bot.sim.config import SimConfig
from bot.sim.players import Crowd
from bot.sim.timing import (
    COOLDOWN_FRAME_MS,
    COOLDOWN_MS,
    HISTORY_GAP_S,
    PRESALE_MS,
    RUG_TO_HISTORY_S,
    TickGaps,
)

__all__ = ["FastGame", "GameLoop", "GameRecord", "Out", "Step", "fast_games", "iter_timeline", "trace_header"]

VERSION = "v3"
_SHITCOINS = [
    {"address": PRACTICE_COIN, "ticker": "FREE", "name": "Practice SOL", "max_bet": 10000, "max_win": 100000}
]
_RUG_ROYALE: dict[str, Any] = {
    "status": "INACTIVE",
    "activeEventId": None,
    "currentEvent": None,
    "upcomingEvents": [],
    "events": [],
}


@dataclass(frozen=True, slots=True)
class Out:
    """One event to send: ``to`` is a player id for private events, ``None`` to broadcast."""

    event: str
    args: tuple[Any, ...]
    to: str | None = None


@dataclass(frozen=True, slots=True)
class Step:
    """Wait ``delay`` sim seconds, then send ``outs``. ``hold`` > 0 starts a silence: frames made during the
    next ``hold`` sim seconds are held and then sent as one burst (the post-rug silence)."""

    delay: float
    kind: str  # wait | hold | cooldown | presale | pause | start | tick | rug | history
    outs: tuple[Out, ...]
    hold: float = 0.0


@dataclass(slots=True)
class GameRecord:
    """A finished game as the server knows it (ground truth and the source of ``gameHistory``)."""

    id: str
    server_seed: str
    server_seed_hash: str
    prices: list[float]  # wire prices, the last one is the rug price
    rug_tick: int
    peak: float
    timestamp_ms: int
    global_sidebets: list[dict[str, Any]]
    # ticks whose gameStateUpdate was not broadcast (the next frame's partialPrices backfills them): ground
    # truth for counting frames a client lost, since a missing tick is not always a lost frame
    skipped_ticks: tuple[int, ...] = ()

    def history_entry(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "timestamp": self.timestamp_ms,
            "prices": self.prices,
            "peakMultiplier": self.peak,
            "rugged": True,
            "globalTrades": [],
            "globalSidebets": self.global_sidebets,
            "provablyFair": {"serverSeed": self.server_seed, "serverSeedHash": self.server_seed_hash},
            "gameVersion": VERSION,
        }


def trace_header(rng: random.Random) -> dict[str, Any]:
    """An OpenTelemetry-style header like the real traced events carry as their first argument."""
    return {"__trace": True, "traceparent": f"00-{rng.getrandbits(128):032x}-{rng.getrandbits(64):016x}-01"}


@dataclass(slots=True)
class _Current:
    id: str
    seed: str
    hash: str
    gen: GeneratedGame
    global_sidebets: list[dict[str, Any]] = field(default_factory=list)
    trade_count: int = 0


def _game_id(now_ms: int, rng: random.Random) -> str:
    day = datetime.fromtimestamp(now_ms / 1000, tz=UTC).strftime("%Y%m%d")
    return f"{day}-{rng.getrandbits(64):016x}"


class GameLoop:
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
        # server seeds: secrets in live runs, reproducible from --seed
        self._seed_rng = random.Random(f"seeds-{config.seed}") if config.seed is not None else None
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
        self.current = self._new_game()
        self.rug_price: float | None = None
        self._skipped: list[int] = []  # the current game's ticks that were not broadcast
        self.connected_players = config.connected_players

    # ------------------------------------------------------------ game preparation

    def _new_seed(self) -> str:
        if self._seed_rng is not None:
            return f"{self._seed_rng.getrandbits(256):064x}"
        return secrets.token_hex(32)

    def _new_game(self) -> _Current:
        seed = self._new_seed()
        gid = _game_id(self.now_ms(), self.rng)
        return _Current(gid, seed, seed_hash(seed), generate_prices(seed, gid, VERSION))

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

    # ------------------------------------------------------------ frames

    def _pf(self) -> dict[str, Any]:
        return {"serverSeedHash": self.current.hash, "version": VERSION}

    def _partial(self, tick: int) -> dict[str, Any]:
        prices = self._wire_prices()
        lo = max(0, tick - 4)
        return {"startTick": lo, "endTick": tick, "values": {str(k): prices[k] for k in range(lo, tick + 1)}}

    def _wire_prices(self) -> list[float]:
        prices = self.current.gen.prices
        if self.rug_price is not None:
            return [*prices, self.rug_price]
        return prices

    def _stats(self) -> dict[str, Any]:
        peaks = [g.peak for g in self.finished] or [1.0]
        return {
            "averageMultiplier": sum(peaks) / len(peaks),
            "count2x": sum(p >= 2 for p in peaks),
            "count10x": sum(p >= 10 for p in peaks),
            "count50x": sum(p >= 50 for p in peaks),
            "count100x": sum(p >= 100 for p in peaks),
        }

    def _rugpool(self) -> dict[str, Any]:
        return {"instarugCount": len(self.finished) % 10, "threshold": 10, "rugpoolAmount": 4.25}

    def _board(self, *, full: bool = True) -> list[dict[str, Any]]:
        return self.crowd.leaderboard(full=full, extra=self.accounts.board_entries())

    def minimal_cooldown(self) -> dict[str, Any]:
        return {
            "gameId": self.current.id,
            "cooldownTimer": self.cooldown_ms,
            "cooldownPaused": self.paused,
            "allowPreRoundBuys": self.cooldown_ms <= PRESALE_MS,
            "leaderboard": self._board(),
            "connectedPlayers": self.connected_players,
            "provablyFair": self._pf(),
        }

    def state_frame(self, *, sparse: bool = False) -> dict[str, Any]:
        """The 21-key frame of presale transitions, active ticks and the rug (real key order)."""
        frame: dict[str, Any] = {
            "active": self.phase in ("ACTIVE", "RUGGED"),
            "price": self.price,
            "partialPrices": self._partial(self.tick),
        }
        if not sparse:
            frame["tradeCount"] = self.current.trade_count
        frame.update(
            {
                "rugged": self.phase == "RUGGED",
                "tickCount": self.tick,
                "cooldownTimer": self.cooldown_ms if self.phase in ("COOLDOWN", "PRESALE") else 0,
                "cooldownPaused": self.paused,
                "pauseMessage": self.pause_message,
                "allowPreRoundBuys": self.phase == "PRESALE",
            }
        )
        frame.update(self._stats())
        frame.update(
            {
                "leaderboard": self._board(full=self.phase != "PRESALE"),
                "gameId": self.current.id,
                "connectedPlayers": self.connected_players,
            }
        )
        if not sparse:
            frame["rugpool"] = self._rugpool()
        frame.update({"rugRoyale": _RUG_ROYALE, "provablyFair": self._pf()})
        return frame

    def start_frame(self) -> dict[str, Any]:
        return {
            "active": True,
            "price": 1.0,
            "rugged": False,
            "tickCount": 0,
            "cooldownTimer": 0,
            "cooldownPaused": False,
            "pauseMessage": "",
            "allowPreRoundBuys": False,
            "leaderboard": [],
            "gameId": self.current.id,
            "connectedPlayers": self.connected_players,
            "gameVersion": VERSION,
            "partialPrices": {"startTick": 0, "endTick": 0, "values": {"0": 1.0}},
            "provablyFair": self._pf(),
        }

    def history_frame(self, *, on_connect: bool = False) -> dict[str, Any]:
        """A heavy transition frame: ``gameHistory`` (newest first), records of the day, then the state.

        On connect it carries ``prices`` (the running game so far) instead of ``partialPrices``.
        """
        frame: dict[str, Any] = {"gameHistory": [g.history_entry() for g in reversed(self.history)]}
        frame.update(self._stats())
        best = max(self.finished, key=lambda g: g.peak, default=None)
        frame.update(
            {
                "highestToday": best.peak if best else None,
                "highestTodayTimestamp": best.timestamp_ms if best else None,
                "highestTodayPrices": best.prices if best else None,
            }
        )
        for level in ("2x", "10x", "50x"):
            frame.update(
                {
                    f"godCandle{level}": None,
                    f"godCandle{level}Timestamp": None,
                    f"godCandle{level}Prices": None,
                    f"godCandle{level}MassiveJump": None,
                }
            )
        active = self.phase in ("ACTIVE", "RUGGED")
        frame.update(
            {
                "availableShitcoins": _SHITCOINS,
                "active": active,
                "price": self.price,
                "rugged": self.phase == "RUGGED",
                "tickCount": self.tick,
                "cooldownTimer": 0 if active else self.cooldown_ms,
                "cooldownPaused": self.paused,
                "pauseMessage": self.pause_message,
                "allowPreRoundBuys": self.phase == "PRESALE",
                "leaderboard": self._board(),
                "gameId": self.current.id,
                "connectedPlayers": self.connected_players,
                "gameVersion": VERSION,
            }
        )
        if on_connect:
            frame["prices"] = self._wire_prices()[: self.tick + 1] if active else []
        else:
            frame["partialPrices"] = self._partial(self.tick)
        frame["provablyFair"] = self._pf()
        return frame

    def connect_frame(self) -> dict[str, Any]:
        return self.history_frame(on_connect=True)

    # ------------------------------------------------------------ the cycle

    def steps(self) -> Iterator[Step]:
        """Forever: cooldown/presale → ticks → rug → history frames → next game."""
        while True:
            yield from self._cooldown()
            yield from self._active()

    def _gsu(self, frame: dict[str, Any]) -> Out:
        return Out("gameStateUpdate", (frame,))

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
        prices = cur.gen.prices
        self.phase, self.tick, self.price = "ACTIVE", 0, prices[0]
        self._skipped = []
        yield Step(0.0, "start", (self._gsu(self.start_frame()), *self._tick_side_effects(0)))
        for k in range(1, len(prices)):
            yield self._wait(self.gaps.next_gap())
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
            update = {"gameId": cur.id, "rugpool": self._player_rugpool(now)}
            outs.extend(Out("gameStatePlayerUpdate", (update,), to=pid) for pid in self.accounts.by_id)
        return tuple(outs)

    def _player_rugpool(self, now_ms: int) -> dict[str, Any]:
        """The detailed rugpool of ``gameStatePlayerUpdate`` (real key order; values are the crowd's)."""
        base = self._rugpool()
        players = self.crowd.players[:10]
        counts = [100 * (i + 1) for i in range(len(players))]
        total = sum(counts) or 1
        entries = [
            {"playerId": p.id, "entries": n, "username": p.username, "percentage": 100 * n / total}
            for p, n in zip(players, counts, strict=True)
        ]
        return {
            "instarugCount": base["instarugCount"],
            "rugpoolAmount": base["rugpoolAmount"],
            "totalEntries": total,
            "threshold": base["threshold"],
            "playersWithEntries": len(entries),
            "solPerEntry": 0.001,
            "maxEntriesPerPlayer": 5000,
            "playerEntries": entries,
            "lastDrawing": None,
            "config": {"threshold": 10, "instarugThreshold": 6, "rugpoolPercentage": 0.5},
        }

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
        yield self._wait(self.gaps.next_gap())
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
        )
        self.history.append(record)
        self.finished.append(record)
        if len(self.finished) > self.config.history_len:
            old = self.finished[-self.config.history_len - 1]
            old.prices, old.global_sidebets = [], []  # keep truth light: id, seed, final tick, peak
        yield self._wait(HISTORY_GAP_S)
        self.current = self._new_game()
        self.crowd.new_game()
        self.phase, self.tick, self.price, self.rug_price = "COOLDOWN", 0, 1.0, None
        self.cooldown_ms = COOLDOWN_MS
        yield Step(0.0, "history", (self._gsu(self.history_frame()),))


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
