"""The provably-fair audit under its historical import path (``bot.fair.audit``), used by the run command.

The parts live in their own modules: :mod:`bot.fair.verify` (one revealed game against the generator),
:mod:`bot.fair.settlements` (everyone's side bets re-settled), :mod:`bot.fair.live_ticks` (what the feed
showed live against the reveal) and :mod:`bot.fair.auditor` (the :class:`Auditor` the trading loop and
``rugsbot verify`` feed).
"""

from __future__ import annotations

from bot.fair.auditor import AuditAlarm, AuditCounts, Auditor
from bot.fair.live_ticks import LiveTicks, check_live_ticks
from bot.fair.settlements import SettlementCheck, settle_history_sidebets
from bot.fair.verify import AuditResult, AuditStatus, GameAudit, verify_history_game

__all__ = [
    "AuditAlarm",
    "AuditCounts",
    "AuditResult",
    "AuditStatus",
    "Auditor",
    "GameAudit",
    "LiveTicks",
    "SettlementCheck",
    "check_live_ticks",
    "settle_history_sidebets",
    "verify_history_game",
]
