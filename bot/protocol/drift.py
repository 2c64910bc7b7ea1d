"""Protocol drift: what the live feed sends that the typed models (bot/protocol/events.py) do not expect.

:class:`DriftMonitor` is a frame sink (``(t, direction, text)``, as bot/feeds/sniffer.py calls it). It
reads every server event and reports:

- ``unknown_event``: an event name that is neither modelled nor a known side feature;
- ``unknown_field``: a key the model does not type and the real captures never showed;
- ``missing_field``: a field the tracker needs that no frame of the event carried during the listen;
- ``type_change``: a typed field whose JSON type the model would refuse (the whole frame would then be
  an ``InvalidEvent`` to the bot);
- ``no_feed``: no ``gameStateUpdate`` at all (the socket is down, or the page polls over HTTP).

Each item keeps a count and one trimmed sample. The baseline of known-but-untyped keys and events below is
what the real captures in tests/fixtures/real/ (Dec 2025) and shared/protocol.md show; the test suite
checks that those captures report no drift.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from types import MappingProxyType
from typing import Any

import msgspec

from bot.protocol.events import EVENT_MODELS
from bot.protocol.frames import Packet, decode

__all__ = [
    "KNOWN_SIDE_EVENTS",
    "KNOWN_UNTYPED",
    "REQUIRED_FIELDS",
    "DriftItem",
    "DriftMonitor",
    "DriftReport",
]

SAMPLE_CHARS = 200

# Events the bot does not model but the real feed sends (side features: parsed without harm or ignored).
KNOWN_SIDE_EVENTS = frozenset(
    {
        "battleEventUpdate",
        "chatHistory",
        "goldenHourDrawing",
        "goldenHourUpdate",
        "inboxMessages",
        "leaderboardData",
        "mutedPlayers",
        "newChatMessage",
        "playerCosmetics",
        "playerLeaderboardPosition",
        "rugRoyaleUpdate",
        "rugpassStatus",
        "sidebetEventUpdate",
    }
)

_RECORDS = ("", "Timestamp", "Prices", "MassiveJump", "GameId", "ServerSeed")
_DAY_RECORDS = frozenset(
    [f"highestToday{part}" for part in _RECORDS]
    + [f"godCandle{level}{part}" for level in ("2x", "10x", "50x") for part in _RECORDS]
)
# Keys the real captures (Dec 2025 frames, Feb 2026 samples, the verified games' records) carry that the
# models leave untyped, by model class (a subclass inherits its base's): the bot does not read them.
KNOWN_UNTYPED: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "GameStateUpdate": frozenset(
            {"count2x", "count10x", "count50x", "count100x", "availableShitcoins", "rugRoyale"}
        )
        | _DAY_RECORDS,
        "SidebetRecord": frozenset({"id", "level"}),
        "PlayerUpdate": frozenset(
            {
                "role",
                "bonusWagerReq",
                "bonusWagered",
                "avgCost",
                "cumulativePnL",
                "pnlPercent",
                "totalInvested",
                "hasInteracted",
                "selectedCoin",
                "levelInfo",
                "crateKeys",
                "recentCrateRewards",
                "hitMaxWin",
                "xpBoost",
                "shortPosition",
                "leveragedPositions",
                "autobuysEnabled",
                "autosellPrice",
                "username",
            }
        ),
        "GameStatePlayerUpdate": frozenset({"trades"}),
    }
)

# What the tracker cannot do without (bot/game/tracker.py reads these to follow the round).
REQUIRED_FIELDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "gameStateUpdate": (
            "gameId",
            "active",
            "rugged",
            "price",
            "tickCount",
            "cooldownTimer",
            "allowPreRoundBuys",
        )
    }
)

_KIND_OF_TYPE = {
    msgspec.inspect.StrType: "string",
    msgspec.inspect.BoolType: "boolean",
    msgspec.inspect.IntType: "integer",
    msgspec.inspect.FloatType: "number",
    msgspec.inspect.NoneType: "null",
    msgspec.inspect.ListType: "array",
    msgspec.inspect.DictType: "object",
    msgspec.inspect.StructType: "object",
}


@dataclass(frozen=True, slots=True)
class _Shape:
    """A model as JSON: its fields by wire name, and the untyped keys the real feed is known to add."""

    fields: dict[str, _Field]
    untyped: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Field:
    kinds: frozenset[str] | None  # JSON kinds the model takes; None: anything goes (Raw, Any)
    nested: _Shape | None = None  # an object's own model
    items: _Shape | None = None  # the model of a list's items


def _field_of(t: msgspec.inspect.Type) -> _Field:
    members = t.types if isinstance(t, msgspec.inspect.UnionType) else (t,)
    kinds: set[str] = set()
    nested = items = None
    for m in members:
        if isinstance(m, msgspec.inspect.RawType | msgspec.inspect.AnyType):
            return _Field(None)
        kinds.add(_KIND_OF_TYPE.get(type(m), "other"))
        if isinstance(m, msgspec.inspect.StructType):
            nested = _shape(m)
        if isinstance(m, msgspec.inspect.ListType) and isinstance(m.item_type, msgspec.inspect.StructType):
            items = _shape(m.item_type)
    if "number" in kinds:
        kinds.add("integer")  # a float field takes a JSON integer
    return _Field(frozenset(kinds), nested, items)


def _shape(struct: msgspec.inspect.StructType) -> _Shape:
    untyped = frozenset().union(*(KNOWN_UNTYPED.get(c.__name__, frozenset()) for c in struct.cls.__mro__))
    return _Shape({f.encode_name: _field_of(f.type) for f in struct.fields}, untyped)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _trim(obj: Any) -> str:
    """Compact JSON of ``obj`` (a string as is), cut to SAMPLE_CHARS."""
    text = obj if isinstance(obj, str) else json.dumps(obj, separators=(",", ":"), default=str)
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


@dataclass(slots=True)
class DriftItem:
    """One kind of drift; ``field`` is a dotted path (``partialPrices.values``), ``sample`` trimmed JSON."""

    kind: str
    event: str
    field: str | None = None
    expected: str | None = None
    seen: str | None = None
    count: int = 0
    sample: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        where = f"{self.event}.{self.field}" if self.field else self.event
        what = {
            "unknown_event": "unknown event",
            "unknown_field": "unknown field",
            "missing_field": "missing field",
            "type_change": f"type change: expected {self.expected}, got {self.seen}",
            "no_feed": "no game frames",
        }.get(self.kind, self.kind)
        return f"{what}: {where} (x{self.count}) {self.sample}"


@dataclass(frozen=True, slots=True)
class DriftReport:
    events: dict[str, int]  # server events seen, by name
    drift: list[DriftItem]
    frames_in: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "drift": [d.as_dict() for d in self.drift],
            "frames_in": self.frames_in,
        }


@dataclass
class DriftMonitor:
    """Collects drift from server frames; ``report()`` at any time. Not thread-safe (one event loop)."""

    frames_in: int = 0
    events: Counter[str] = field(default_factory=Counter)
    _items: dict[tuple[str, str, str | None, str | None], DriftItem] = field(default_factory=dict)
    _present: dict[str, set[str]] = field(default_factory=dict)
    _models: dict[str, _Shape] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, model in EVENT_MODELS.items():
            info = msgspec.inspect.type_info(model)
            assert isinstance(info, msgspec.inspect.StructType)
            self._models[name] = _shape(info)

    def __call__(self, t: float, direction: str, text: str) -> None:
        """The sniffer's frame sink; only server → client events count."""
        if direction != "in":
            return
        self.frames_in += 1
        pkt = decode(text)
        if isinstance(pkt, Packet) and pkt.is_event and pkt.name:
            self.observe(pkt.name, pkt.payload)

    def observe(self, name: str, raw: msgspec.Raw | None) -> None:
        self.events[name] += 1
        try:
            payload = msgspec.json.decode(raw) if raw is not None and len(raw) else None
        except msgspec.DecodeError:
            payload = None
        model = self._models.get(name)
        if model is None:
            if name not in KNOWN_SIDE_EVENTS:
                self._note("unknown_event", name, None, None, None, payload)
            return
        if isinstance(payload, dict):
            self._present.setdefault(name, set()).update(payload)
            self._check(name, "", payload, model)

    def _check(self, event: str, prefix: str, obj: dict[str, Any], shape: _Shape) -> None:
        for key, value in obj.items():
            path = prefix + key
            spec = shape.fields.get(key)
            if spec is None:
                if key not in shape.untyped:
                    self._note("unknown_field", event, path, None, _kind(value), {key: value})
                continue
            if spec.kinds is None:
                continue
            kind = _kind(value)
            if kind not in spec.kinds:
                shown = spec.kinds - {"null"} - ({"integer"} if "number" in spec.kinds else set())
                expected = "|".join(sorted(shown)) or "null"
                self._note("type_change", event, path, expected, kind, {key: value})
            elif spec.nested is not None and isinstance(value, dict):
                self._check(event, path + ".", value, spec.nested)
            elif spec.items is not None and isinstance(value, list):
                for item in value[:3]:
                    if isinstance(item, dict):
                        self._check(event, path + "[].", item, spec.items)

    def _note(
        self, kind: str, event: str, path: str | None, expected: str | None, seen: str | None, sample: Any
    ) -> None:
        key = (kind, event, path, seen)
        item = self._items.get(key)
        if item is None:
            item = self._items[key] = DriftItem(kind, event, path, expected, seen, 0, _trim(sample))
        item.count += 1

    def report(self) -> DriftReport:
        """Everything seen so far; missing fields and a missing feed are judged on the whole window."""
        items = list(self._items.values())
        for event, required in REQUIRED_FIELDS.items():
            seen = self.events.get(event, 0)
            if not seen:
                continue
            present = self._present.get(event, set())
            for name in required:
                if name not in present:
                    sample = "keys seen: " + ", ".join(sorted(present))
                    items.append(DriftItem("missing_field", event, name, None, None, seen, _trim(sample)))
        if not self.events.get("gameStateUpdate"):
            items.append(
                DriftItem("no_feed", "gameStateUpdate", count=0, sample=f"{self.frames_in} frames in")
            )
        return DriftReport(dict(sorted(self.events.items())), items, self.frames_in)
