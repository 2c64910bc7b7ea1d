"""The run mode: one enum for the profile, the CLI, the database, the logs and the screen.

``value`` is what a profile and the CLI say (``mode = "practice"``); ``label`` is what every log line, the screen
and the database's ``sessions.mode`` column carry (``PRACTICE``). ``replay`` is never a profile's mode: it is
what backtests and simulations run as.
"""

from __future__ import annotations

from enum import StrEnum

from bot.money import PRACTICE_COIN, SOL_MINT


class Mode(StrEnum):
    DRY_RUN = "dry-run"  # watch and decide, paper bets, never a click
    PRACTICE = "practice"  # clicks, the practice coin (FREE)
    LIVE = "live"  # clicks, real SOL
    REPLAY = "replay"  # recordings and generated games (backtest, simulate)

    @property
    def label(self) -> str:
        """Upper-case name shown on every log line and stored in ``sessions.mode`` (``DRY-RUN``, ``LIVE``, …)."""
        return self.value.upper()

    @property
    def clicks(self) -> bool:
        """True when bets are placed by clicking a real page (a logged-in account)."""
        return self in (Mode.PRACTICE, Mode.LIVE)

    @property
    def coin(self) -> str:
        """The coin a mode bets: the practice coin in practice, SOL otherwise (paper bets are counted in SOL)."""
        return PRACTICE_COIN if self is Mode.PRACTICE else SOL_MINT

    @classmethod
    def from_label(cls, text: str) -> Mode:
        """Parse either form (``practice`` or ``PRACTICE``); raises ValueError for anything else."""
        return cls(text.strip().lower())
