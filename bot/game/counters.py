"""What the feed looked like, counted: the replay command, the status screen and the governor read these.

Every frame the tracker does not turn into state is counted here under the reason it was set aside, so a
feed that changed shape shows up as numbers instead of as a bot that quietly sees fewer games.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bot.game.drift import ProtocolDrift

__all__ = ["MAX_NAMES", "FeedCounters", "bump"]

MAX_NAMES = 256  # distinct names a counter keeps; the rest are summed under "<other>"


def bump(counter: Counter[str], name: str) -> None:
    """Count by name without letting a feed full of random event names grow memory without bound."""
    if name in counter or len(counter) < MAX_NAMES:
        counter[name] += 1
    else:
        counter["<other>"] += 1


@dataclass(slots=True)
class FeedCounters:
    """Counts since the tracker was created (frames, events by name, and every frame set aside, by reason)."""

    frames_in: int = 0
    frames_out: int = 0
    events: Counter[str] = field(default_factory=Counter)  # incoming events by name
    events_out: Counter[str] = field(default_factory=Counter)  # outgoing (sniffed) events by name
    undecodable: Counter[str] = field(default_factory=Counter)  # by reason
    invalid: Counter[str] = field(default_factory=Counter)  # by event name
    unknown: Counter[str] = field(default_factory=Counter)  # by event name
    duplicates: int = 0
    out_of_order: int = 0
    stale_frames: int = 0  # frames of a game that already finished (late post-rug frames)
    # gameStateUpdate frames that changed nothing, by reason ("after its rug", "no game id")
    dropped: Counter[str] = field(default_factory=Counter)
    # frames of a game not yet started that still say rugged: true (the May 2025 cooldown repeated the
    # previous game's rug): taken as cooldown frames of the new game, never as its rug
    rugged_cooldown: int = 0
    backfilled_ticks: int = 0
    history_frames: int = 0
    acks: int = 0
    connects: int = 0  # the game feed's namespace connected (a first connect, then reconnects)
    disconnects: int = 0
    # frames of another Socket.IO namespace (a socket for "/admin" is no reconnect of the feed), by namespace
    other_namespace: Counter[str] = field(default_factory=Counter)
    inferred_rugs: int = 0  # rugs detected by a new gameId because the rug frame never came
    internal_errors: int = 0  # bugs caught by the last-resort guard; must stay 0
    drift: ProtocolDrift = field(default_factory=ProtocolDrift)

    def as_dict(self) -> dict[str, object]:
        return {
            "frames_in": self.frames_in,
            "frames_out": self.frames_out,
            "events": dict(self.events),
            "events_out": dict(self.events_out),
            "undecodable": dict(self.undecodable),
            "invalid": dict(self.invalid),
            "unknown": dict(self.unknown),
            "duplicates": self.duplicates,
            "out_of_order": self.out_of_order,
            "stale_frames": self.stale_frames,
            "dropped": dict(self.dropped),
            "rugged_cooldown": self.rugged_cooldown,
            "backfilled_ticks": self.backfilled_ticks,
            "history_frames": self.history_frames,
            "acks": self.acks,
            "connects": self.connects,
            "disconnects": self.disconnects,
            "other_namespace": dict(self.other_namespace),
            "inferred_rugs": self.inferred_rugs,
            "internal_errors": self.internal_errors,
            "drift": self.drift.as_dict(),
        }
