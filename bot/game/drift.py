"""Protocol drift: the events the bot depends on stopped fitting what the tracker needs.

A site update that renames a field or changes its type does not crash the tracker (every field is optional
and a wrong type becomes an invalid event), which is exactly why it must be counted: otherwise the bot just
sees no ticks and reports a tick stall. Only the events that carry money or the game's state are watched
(``gameStateUpdate``, ``currentSidebet``, ``currentSidebetResult``, ``playerUpdate``); each problem is counted
per event and field, its first samples are kept (trimmed) and the first one of each kind is logged once.
Whoever raises the ``protocol_drift`` alarm reads :attr:`ProtocolDrift.total` or :meth:`ProtocolDrift.view`.

The fields the tracker needs (shared/protocol.md, checked against the real captures in tests/fixtures/real):

* ``gameStateUpdate``: ``gameId`` on every frame; ``active`` and ``rugged`` on every frame that carries a
  ``tickCount`` (the phase of a ticking frame); ``tickCount`` and ``price`` on an active or rugged frame.
  Minimal cooldown frames carry none of the last four, and that is not drift.
* ``currentSidebet``: ``startTick`` and ``betAmount``; ``currentSidebetResult``: those and ``payout``;
  ``playerUpdate``: ``cash`` (the bankroll's truth). A traced event whose payload was stripped by a capture
  (no payload at all) is not drift.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from loguru import logger

from bot.protocol.events import CurrentSidebet, CurrentSidebetResult, GameStateUpdate, PlayerUpdate

__all__ = ["DRIFT_EVENTS", "DriftSample", "DriftView", "ProtocolDrift", "missing_fields"]

DRIFT_EVENTS = frozenset({"gameStateUpdate", "currentSidebet", "currentSidebetResult", "playerUpdate"})

SAMPLE_CHARS = 200  # a sample is the frame text cut to this many characters
SAMPLES_PER_KEY = 3
MAX_KEYS = 64  # distinct event.field keys kept; the rest are counted under "<other>"

# msgspec: "Expected `int | null`, got `str` - at `$.tickCount`" (msgspec 0.18)
_FIELD_RE = re.compile(r"at `\$\.([A-Za-z0-9_]+)")


@dataclass(frozen=True, slots=True)
class DriftSample:
    """One drifted event: ``kind`` is "invalid" (a known field of the wrong type) or "missing"."""

    event: str
    field: str
    kind: str
    detail: str
    sample: str  # the frame text, trimmed to SAMPLE_CHARS
    t: float

    @property
    def key(self) -> str:
        return f"{self.event}.{self.field}"

    def as_dict(self) -> dict[str, object]:
        return {
            "event": self.event,
            "field": self.field,
            "kind": self.kind,
            "detail": self.detail,
            "sample": self.sample,
            "t": self.t,
        }


@dataclass(frozen=True, slots=True)
class DriftView:
    """A snapshot: ``total`` events that drifted, ``counts`` by "event.field", the first samples of each."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    samples: tuple[DriftSample, ...] = ()


def field_of(error: str) -> str:
    """The top-level field a msgspec validation error names, or "<payload>" (e.g. not an object)."""
    m = _FIELD_RE.search(error)
    return m.group(1) if m else "<payload>"


def missing_fields(
    ev: GameStateUpdate | CurrentSidebet | CurrentSidebetResult | PlayerUpdate,
) -> tuple[str, ...]:
    """The fields of a decoded event that the tracker needs and the event lacks (see the module doc)."""
    if isinstance(ev, GameStateUpdate):
        miss: list[str] = []
        if ev.game_id is None:
            miss.append("gameId")
        if ev.tick_count is not None:
            if ev.active is None:
                miss.append("active")
            if ev.rugged is None:
                miss.append("rugged")
        if ev.active or ev.rugged:
            if ev.tick_count is None:
                miss.append("tickCount")
            if ev.price is None:
                miss.append("price")
        return tuple(miss)
    if isinstance(ev, PlayerUpdate):
        return () if ev.cash is not None else ("cash",)
    miss = []
    if ev.start_tick is None:
        miss.append("startTick")
    if ev.bet_amount is None:
        miss.append("betAmount")
    if isinstance(ev, CurrentSidebetResult) and ev.payout is None:
        miss.append("payout")
    return tuple(miss)


class ProtocolDrift:
    """Counts of drifted events by "event.field", with the first samples of each (bounded memory)."""

    __slots__ = ("_counts", "_samples", "total")

    def __init__(self) -> None:
        self.total = 0
        self._counts: Counter[str] = Counter()
        self._samples: dict[str, list[DriftSample]] = {}

    def invalid(self, event: str, error: str, text: str, t: float) -> None:
        """``event`` failed validation with msgspec's ``error``; ``text`` is the frame."""
        self.total += 1
        self._note(
            DriftSample(event, field_of(error), "invalid", error[:SAMPLE_CHARS], text[:SAMPLE_CHARS], t)
        )

    def missing(self, event: str, fields: tuple[str, ...], text: str, t: float) -> None:
        """``event`` decoded but lacks ``fields`` the tracker needs (one drifted event, counted per field)."""
        self.total += 1
        for name in fields:
            self._note(DriftSample(event, name, "missing", f"no {name}", text[:SAMPLE_CHARS], t))

    def _note(self, sample: DriftSample) -> None:
        key = sample.key
        if key not in self._counts and len(self._counts) >= MAX_KEYS:
            key = "<other>"
        self._counts[key] += 1
        kept = self._samples.setdefault(key, [])
        if len(kept) < SAMPLES_PER_KEY:
            kept.append(sample)
        if self._counts[key] == 1:
            # once per key: a drifted feed repeats the same problem on every frame
            logger.warning(
                "protocol drift: {} {} ({}); first sample: {}", key, sample.kind, sample.detail, sample.sample
            )

    def view(self) -> DriftView:
        return DriftView(
            self.total,
            dict(self._counts),
            tuple(s for kept in self._samples.values() for s in kept),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "counts": dict(self._counts),
            "samples": [s.as_dict() for kept in self._samples.values() for s in kept],
        }
