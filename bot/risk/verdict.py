"""What a guard (and the governor) answers: allow, deny, pause, halt or kill.

Levels, mildest first:

* ``ALLOW`` – go ahead.
* ``DENY`` – refuse *this* proposal only (too big for a limit); the bot stays active and the next, smaller
  proposal may pass. Not a state change.
* ``PAUSE`` – automatic: no bets until ``until`` (feed time) or, when ``until`` is None, until the condition
  that caused it clears (the guard stops reporting it).
* ``HALT`` – needs a human: persisted in the database before anything else happens, survives restarts,
  cleared only by ``rugsbot resume``.
* ``KILL`` – stop the process cleanly (the session exits).

Verdicts compare by severity so the governor can keep the worst of several guards' answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.utc import iso


class Action(IntEnum):
    ALLOW = 0
    DENY = 1
    PAUSE = 2
    HALT = 3
    KILL = 4


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    reason: str = ""
    until: float | None = None  # PAUSE only: feed time the pause ends (None: while the condition holds)
    guard: str = ""  # which guard said so ("governor" for state-based refusals)
    # a state every run passes through (no server balance before the first playerUpdate), not an anomaly: its
    # trip is logged at INFO, where WARNING means the operator should look
    routine: bool = False

    @property
    def allowed(self) -> bool:
        return self.action is Action.ALLOW

    @classmethod
    def allow(cls) -> Verdict:
        return _ALLOW

    @classmethod
    def deny(cls, reason: str, guard: str = "") -> Verdict:
        return cls(Action.DENY, reason, None, guard)

    @classmethod
    def pause(
        cls, reason: str, until: float | None = None, guard: str = "", *, routine: bool = False
    ) -> Verdict:
        return cls(Action.PAUSE, reason, until, guard, routine)

    @classmethod
    def halt(cls, reason: str, guard: str = "") -> Verdict:
        return cls(Action.HALT, reason, None, guard)

    @classmethod
    def kill(cls, reason: str, guard: str = "") -> Verdict:
        return cls(Action.KILL, reason, None, guard)

    def by(self, guard: str) -> Verdict:
        """The same verdict attributed to ``guard`` (guards need not repeat their own name)."""
        if self.guard == guard:
            return self
        return Verdict(self.action, self.reason, self.until, guard, self.routine)

    def __str__(self) -> str:
        if self.action is Action.ALLOW:
            return "allow"
        who = f"{self.guard}: " if self.guard else ""
        until = f" (until {iso(self.until)})" if self.until is not None else ""
        return f"{self.action.name.lower()} [{who}{self.reason}]{until}"


_ALLOW = Verdict(Action.ALLOW)


def worst(verdicts: list[Verdict]) -> Verdict:
    """The most severe verdict; among equal pauses the one lasting longest (None = open-ended, the longest)."""
    if not verdicts:
        return _ALLOW
    top = max(v.action for v in verdicts)
    same = [v for v in verdicts if v.action is top]
    if top is Action.PAUSE:
        return max(same, key=lambda v: float("inf") if v.until is None else v.until)
    return same[0]
