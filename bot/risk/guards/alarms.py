"""Alarms raised outside the governor's own view: the session calls ``governor.alarm(kind, reason)``.

Each is a sign the bot may be wrong about the game or the page, which no amount of waiting fixes: halt. An
alarm kind nobody listed here halts too (fail closed).
"""

from __future__ import annotations

from enum import StrEnum

from bot.config.sections import GuardsConfig
from bot.risk.verdict import Verdict


class AlarmKind(StrEnum):
    FAIR_MISMATCH = "fair_mismatch"  # provably-fair audit: a revealed seed does not reproduce the game
    MODEL_DRIFT = "model_drift"  # the rug hazard left the provably-fair value (SPRT alarm)
    PAGE_CONTROL_MISSING = "page_control_missing"  # a selector the broker needs is gone (site changed)
    SIGNING_REQUEST = (
        "signing_request"  # the page asked the wallet to sign a transaction: bets never need one
    )
    RECONCILIATION = (
        "reconciliation"  # after a restart, the server's balance explains no outcome of an open bet
    )
    EXECUTION = "execution"  # the bot could not operate the page (wallet login or re-arming failed)
    BROWSER_CRASHED = (
        "browser_crashed"  # the browser died under the bot: no clicks, bets in flight unexplained
    )
    PROTOCOL_DRIFT = "protocol_drift"  # the feed no longer fits what the tracker reads


class AlarmGuard:
    name = "alarm"

    @classmethod
    def from_config(cls, cfg: GuardsConfig) -> AlarmGuard:
        return cls()

    def verdict_for(self, kind: str, reason: str) -> Verdict:
        known = kind in AlarmKind._value2member_map_
        text = reason if known else f"unrecognised alarm kind {kind!r}: {reason}"
        return Verdict.halt(text, f"{self.name}:{kind}")
