"""The game driver: plays :meth:`GameLoop.steps` on the wall clock and hands the frames to the sessions.

Sleeps ``delay / speed`` per step, fires scheduled faults, holds frames during the post-rug silence and
during a ``stall`` (then sends the backlog as one burst), and applies ``reorder`` / ``duplicate`` to game
frames on their way out.
"""

from __future__ import annotations

import asyncio

from loguru import logger

from bot.protocol.frames import encode_event
from bot.sim.faults import Faults
from bot.sim.game import GameLoop, Out
from bot.sim.sessions import Sessions

__all__ = ["Driver"]


class Driver:
    """``await run()`` until cancelled; ``sim_t`` is the sim clock (seconds at speed 1 since start)."""

    def __init__(self, game: GameLoop, faults: Faults, sessions: Sessions, speed: float) -> None:
        self.game = game
        self.faults = faults
        self.sessions = sessions
        self.speed = max(speed, 1e-6)
        self.sim_t = 0.0
        self._backlog: list[Out] = []
        self._hold_until = 0.0  # post-rug silence (sim time)
        self._held: str | None = None  # reorder: the frame waiting to go out after the next one

    async def run(self) -> None:
        try:
            await self._steps()
        except asyncio.CancelledError:
            raise
        except Exception:
            # a frozen simulator would look like a site stall to the bot: make the cause loud instead
            logger.exception("simulator game loop crashed")
            raise

    async def _steps(self) -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        # faults due at 0 fire before the first frame exists: a ``rug@0`` can still be drawn fairly
        for spec in self.faults.due(self.sim_t):
            self.faults.trigger(spec.name, spec.value)
        for step in self.game.steps():
            start += step.draw_s
            if step.delay > 0:
                self.sim_t += step.delay
                await asyncio.sleep(max(0.0, start + self.sim_t / self.speed - loop.time()))
            for spec in self.faults.due(self.sim_t):
                self.faults.trigger(spec.name, spec.value)
            if step.hold:
                self._hold_until = max(self._hold_until, self.sim_t + step.hold)
            if self.faults.stalled(self.sim_t) or self.sim_t < self._hold_until:
                self._backlog.extend(step.outs)
                continue
            if self._backlog:
                backlog, self._backlog = self._backlog, []
                self._dispatch(backlog)
            self._dispatch(step.outs)

    def _dispatch(self, outs: tuple[Out, ...] | list[Out]) -> None:
        for out in outs:
            text = encode_event(out.event, *out.args)
            if out.to is None:
                self._broadcast_game(text)
            else:
                self.sessions.to_player(out.to, text)

    def _broadcast_game(self, text: str) -> None:
        f = self.faults
        if f.reorder_left and self._held is None:
            self._held = text  # goes out after the next frame
            return
        self.sessions.broadcast(text)
        if self._held is not None:
            held, self._held = self._held, None
            f.reorder_left -= 1
            self.sessions.broadcast(held)
        if f.duplicate_left:
            f.duplicate_left -= 1
            self.sessions.broadcast(text)
