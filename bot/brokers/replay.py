"""Replay broker for backtests: the same paper-bet logic as dry-run, on the recorded timeline."""

from bot.brokers.paper import PaperBroker, ReplayBroker

__all__ = ["PaperBroker", "ReplayBroker"]
