"""The guard plug-in contract.

A guard is a small class with a ``name``, built from :class:`~bot.config.sections.GuardsConfig` by its
``from_config`` (returning None when the profile turns it off), and ``check(ctx) -> Verdict``. The governor
calls every guard on every frame with ``ctx.proposal = None`` (state and anomaly checks) and again for each
proposal (stake checks). A guard that has nothing to say about the situation returns ``Verdict.allow()``.
Guards only read: the ledger and views in the context are the governor's, never to be changed by a guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.config.sections import GuardsConfig
from bot.engine.types import SideBet
from bot.game.state import AccountView, GameView
from bot.risk.ledger import Ledger
from bot.risk.verdict import Verdict


@dataclass(frozen=True, slots=True)
class GuardContext:
    now: float  # feed time
    ledger: Ledger
    game: GameView | None = None
    proposal: SideBet | None = None
    account: AccountView | None = None
    maintenance: bool = False  # a maintenanceUpdate with active=true was seen and not cleared


class Guard(Protocol):
    name: str

    def check(self, ctx: GuardContext) -> Verdict: ...


class GuardFactory(Protocol):
    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> Guard | None: ...
