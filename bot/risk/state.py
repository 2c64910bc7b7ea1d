"""The governor's state as others see it: its level, why, and the refusal ``open_bet`` raises."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.risk.verdict import Verdict
from bot.store.rows import HaltRow


class Level(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    HALTED = "HALTED"
    KILLED = "KILLED"


@dataclass(frozen=True, slots=True)
class GovernorState:
    level: Level
    reasons: tuple[str, ...] = ()
    halt: HaltRow | None = None
    pauses: tuple[Verdict, ...] = ()

    @property
    def can_bet(self) -> bool:
        return self.level is Level.ACTIVE


class BetRefused(Exception):
    """``open_bet`` was called for a proposal the guards do not allow (the verdict says why)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(str(verdict))
