"""Feed-health guards, checked on every frame (and on the session's timer during silences): a bet decided on a
stale or stalling feed lands at a tick nobody predicted. All pause and clear by themselves."""

from __future__ import annotations

from bot.config.sections import GuardsConfig
from bot.game.state import Phase
from bot.risk.guards.base import GuardContext
from bot.risk.verdict import Verdict


class FeedSilent:
    name = "feed_silent"

    def __init__(self, silent_s: float) -> None:
        self.silent_s = silent_s

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> FeedSilent:
        return cls(cfg.feed_silent_s)

    def check(self, ctx: GuardContext) -> Verdict:
        if ctx.game is None or ctx.game.t <= 0:  # the tracker's empty view (t 0) is no frame either
            return Verdict.pause("no frame seen yet", None, self.name, routine=True)  # every start
        age = ctx.now - ctx.game.t
        if age > self.silent_s:
            return Verdict.pause(f"feed silent for {age:.1f} s (> {self.silent_s:g} s)", None, self.name)
        return Verdict.allow()


class TickStall:
    """During a game: no new tick for too long, or the last tick came after too long a gap."""

    name = "tick_stall"

    def __init__(self, max_interval_s: float) -> None:
        self.max_interval_s = max_interval_s

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> TickStall:
        return cls(cfg.max_tick_interval_s)

    def check(self, ctx: GuardContext) -> Verdict:
        g = ctx.game
        if g is None or g.phase is not Phase.ACTIVE or g.last_tick_t <= 0:
            return Verdict.allow()
        since = ctx.now - g.last_tick_t
        if since > self.max_interval_s:
            return Verdict.pause(f"no tick for {since:.2f} s (> {self.max_interval_s:g} s)", None, self.name)
        if g.timing.last_gap_s > self.max_interval_s:
            return Verdict.pause(
                f"last tick interval {g.timing.last_gap_s:.2f} s (> {self.max_interval_s:g} s)",
                None,
                self.name,
            )
        return Verdict.allow()


class Maintenance:
    """A maintenance notice (server reboot ahead) or a paused cooldown: the cycle may stall mid-window."""

    name = "maintenance"

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> Maintenance:
        return cls()

    def check(self, ctx: GuardContext) -> Verdict:
        g = ctx.game
        if ctx.maintenance or (g is not None and g.maintenance):
            return Verdict.pause("server maintenance announced", None, self.name)
        if g is not None and g.paused:
            return Verdict.pause("game cycle paused by the server", None, self.name)
        return Verdict.allow()
