"""Dry-run broker: paper bets, never a click (see bot/brokers/paper.py)."""

from bot.brokers.paper import DryBroker, PaperBroker

__all__ = ["DryBroker", "PaperBroker"]
