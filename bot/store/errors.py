"""Errors of the database layer."""

from __future__ import annotations


class StoreError(Exception):
    """The database cannot be used as asked (newer schema, unknown bet, illegal transition)."""


class BetTransitionError(StoreError):
    """A bet status change that would rewrite history (e.g. a settled bet becoming unsettled)."""
