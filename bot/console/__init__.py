"""The operator console: a local web page, Prometheus metrics, health checks and a control API for a run.

A run plugs in through :class:`ConsoleSource` (bot/console/source.py), publishes :data:`ConsoleEvent` values
to the :class:`EventHub` and counts into :class:`RunMetrics`; :func:`start_console` serves all of it on the
run's own event loop. See docs/OPERATIONS.md ("The operator console").
"""

from bot.console.auth import ConsoleRefused, ConsoleToken, resolve_token
from bot.console.hub import EventHub
from bot.console.metrics import RunMetrics
from bot.console.server import ConsoleConfig, ConsoleServer, start_console
from bot.console.source import AuditSink, ConsoleSource
from bot.console.state import (
    BetEvent,
    BetInfo,
    ClearedHalt,
    ClickInfo,
    ConsoleEvent,
    ConsoleState,
    ControlEvent,
    ControlResult,
    DecisionEvent,
    DecisionInfo,
    EquityPoint,
    EstimateInfo,
    FeedInfo,
    GameInfo,
    GuardEvent,
    GuardInfo,
    HaltInfo,
    PauseInfo,
    ResumeResult,
    TickEvent,
)

__all__ = [
    "AuditSink",
    "BetEvent",
    "BetInfo",
    "ClearedHalt",
    "ClickInfo",
    "ConsoleConfig",
    "ConsoleEvent",
    "ConsoleRefused",
    "ConsoleServer",
    "ConsoleSource",
    "ConsoleState",
    "ConsoleToken",
    "ControlEvent",
    "ControlResult",
    "DecisionEvent",
    "DecisionInfo",
    "EquityPoint",
    "EstimateInfo",
    "EventHub",
    "FeedInfo",
    "GameInfo",
    "GuardEvent",
    "GuardInfo",
    "HaltInfo",
    "PauseInfo",
    "ResumeResult",
    "RunMetrics",
    "TickEvent",
    "resolve_token",
    "start_console",
]
