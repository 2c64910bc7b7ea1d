"""Guard plug-ins, one small module per family. :func:`build_guards` turns a profile's ``GuardsConfig`` into the
list the governor runs; a guard whose limit is None in the profile is left out."""

from __future__ import annotations

from bot.config.sections import GuardsConfig
from bot.risk.guards.alarms import AlarmGuard, AlarmKind
from bot.risk.guards.base import Guard, GuardContext, GuardFactory
from bot.risk.guards.bets import BalanceMismatch, UnconfirmedBet
from bot.risk.guards.feed import FeedSilent, Maintenance, TickStall
from bot.risk.guards.loss import DailyLossLimit, MaxDrawdown, SessionLossLimit, TakeProfit
from bot.risk.guards.rate import MaxBetsPerHour
from bot.risk.guards.stake import MaxBetsPerGame, MaxStakePerBet, MaxStakePerGame, MinReserve, OneOpenBet
from bot.risk.guards.streak import LossStreakCooldown, MaxConsecutiveLosses

# Order matters only for reporting: among equally severe verdicts the first is the one shown.
BUILTIN_GUARDS = (
    FeedSilent,
    TickStall,
    Maintenance,
    UnconfirmedBet,
    BalanceMismatch,
    SessionLossLimit,
    DailyLossLimit,
    MaxDrawdown,
    TakeProfit,
    MaxConsecutiveLosses,
    LossStreakCooldown,
    MaxBetsPerHour,
    OneOpenBet,
    MaxBetsPerGame,
    MaxStakePerBet,
    MaxStakePerGame,
    MinReserve,
)
# The registry build_guards reads at call time: a guard plug-in is added here (docs/CONTRIBUTING.md).
GUARD_CLASSES: tuple[type[GuardFactory], ...] = BUILTIN_GUARDS


def build_guards(cfg: GuardsConfig) -> list[Guard]:
    guards: list[Guard] = []
    for cls in GUARD_CLASSES:
        g = cls.from_config(cfg)
        if g is not None:
            guards.append(g)
    return guards


__all__ = [
    "BUILTIN_GUARDS",
    "GUARD_CLASSES",
    "AlarmGuard",
    "AlarmKind",
    "Guard",
    "GuardContext",
    "build_guards",
]
