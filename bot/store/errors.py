"""Errors of the database layer."""

from __future__ import annotations

from bot.errors import DatabaseProblem


class StoreError(DatabaseProblem):
    """The database cannot be used as asked (newer schema, unknown bet, illegal transition)."""


class BetTransitionError(StoreError):
    """A bet status change that would rewrite history (e.g. a settled bet becoming unsettled)."""
