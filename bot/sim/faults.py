"""Faults the simulator can inject, so every failure a bot must survive can be produced on demand.

Two ways in: ``--faults drop@30,stall:5@60,malformed:3@90`` (``name[:value]@sim_seconds``; without ``@`` it
fires at start) and the control endpoint ``/__sim/fault?name=stall&value=5``. :class:`Faults` only keeps
the state; the server asks it what to do on each send (buffer during a stall, duplicate, reorder) and
applies the immediate effects (drop sockets, send garbage, maintenance notice, sign request) through the
``on_trigger`` hook it installs.

| name | value (default) | effect |
|---|---|---|
| ``drop`` | – | abort every client socket now (no close frame), like a network drop |
| ``stall`` | seconds (5) | hold game frames for N sim seconds, then send the backlog as one burst |
| ``malformed`` | count (3) | send N garbage frames to every client |
| ``duplicate`` | count (5) | send the next N game frames twice |
| ``reorder`` | count (4) | swap the next N pairs of consecutive game frames |
| ``maintenance`` | seconds (10) | ``maintenanceUpdate {active: true}`` now; the next cooldown pauses N s (``cooldownPaused``) |
| ``reject`` | count (1) | reject the next N side bets |
| ``ack_delay`` | wall ms (500) | delay every later ack by N ms (0 turns it off) |
| ``sign_request`` | – | ``simSignRequest {kind: "transaction"}`` to every client: the page asks the wallet to sign |
| ``blackhole`` | – | sockets open now get no more event frames or acks (their requests still reach the server); pings go on, new sockets are normal |
| ``rug`` | tick (0 = the next tick) | the running game rugs at that tick (bot/sim/rounds.py: drawn fairly if its hash is not out yet, else forced) |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["FAULTS", "FaultError", "FaultEvent", "FaultSpec", "Faults", "parse_faults"]

# name → default value (None: the fault takes no value)
FAULTS: dict[str, float | None] = {
    "drop": None,
    "stall": 5.0,
    "malformed": 3,
    "duplicate": 5,
    "reorder": 4,
    "maintenance": 10.0,
    "reject": 1,
    "ack_delay": 500,
    "sign_request": None,
    "blackhole": None,
    "rug": 0,
}

MALFORMED_FRAMES = (
    '42["gameStateUpdate",{"gameId":',  # truncated JSON
    "4x[garbage]",  # bad Socket.IO type
    "42{not an array}",
    '42[17,{"a":1}]',  # event name not a string
    "\x00\x01binary?",
    "9",  # bad Engine.IO type
    '42["gameStateUpdate",{"tickCount":"seven","active":"yes"}]',  # wrong field types
)


class FaultError(ValueError):
    """A fault name or value the simulator does not know."""


@dataclass(frozen=True, slots=True)
class FaultSpec:
    name: str
    value: float | None
    at: float  # sim seconds after start


@dataclass(frozen=True, slots=True)
class FaultEvent:
    name: str
    value: float | None
    sim_t: float


def _value(name: str, raw: str | float | None) -> float | None:
    if name not in FAULTS:
        raise FaultError(f"unknown fault {name!r} (known: {', '.join(FAULTS)})")
    default = FAULTS[name]
    if default is None:
        return None
    if raw is None or raw == "":
        return float(default)
    try:
        v = float(raw)
    except (TypeError, ValueError):
        raise FaultError(f"fault {name}: value {raw!r} is not a number") from None
    if v < 0 or v != v:
        raise FaultError(f"fault {name}: value must be >= 0")
    return v


def parse_faults(text: str) -> list[FaultSpec]:
    """``"drop@30,stall:5@60"`` → specs sorted by time. Raises :class:`FaultError` on anything unknown."""
    specs: list[FaultSpec] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        body, _, at_s = part.partition("@")
        name, _, raw = body.partition(":")
        try:
            at = float(at_s) if at_s else 0.0
        except ValueError:
            raise FaultError(f"fault {part!r}: time {at_s!r} is not a number") from None
        specs.append(FaultSpec(name.strip(), _value(name.strip(), raw.strip() or None), at))
    return sorted(specs, key=lambda s: s.at)


@dataclass(slots=True)
class Faults:
    """Fault state, owned by one server and touched only from its event-loop thread."""

    schedule: list[FaultSpec] = field(default_factory=list)
    on_trigger: Callable[[str, float | None], None] | None = None
    log: list[FaultEvent] = field(default_factory=list)
    stall_until: float = 0.0  # sim time
    duplicate_left: int = 0
    reorder_left: int = 0
    ack_delay_ms: float = 0.0
    sim_t: float = 0.0  # kept current by the server

    def trigger(self, name: str, value: str | float | None = None) -> FaultEvent:
        """Fire a fault now. The state part is applied here, the socket part by the server's hook."""
        v = _value(name, value)
        if name == "stall":
            self.stall_until = max(self.stall_until, self.sim_t) + (v or 0.0)
        elif name == "duplicate":
            self.duplicate_left += int(v or 0)
        elif name == "reorder":
            self.reorder_left += int(v or 0)
        elif name == "ack_delay":
            self.ack_delay_ms = v or 0.0
        event = FaultEvent(name, v, self.sim_t)
        self.log.append(event)
        if self.on_trigger is not None:
            self.on_trigger(name, v)
        return event

    def due(self, sim_t: float) -> list[FaultSpec]:
        """Scheduled faults whose time has come (removed from the schedule)."""
        self.sim_t = sim_t
        ready = [s for s in self.schedule if s.at <= sim_t]
        if ready:
            self.schedule = [s for s in self.schedule if s.at > sim_t]
        return ready

    def stalled(self, sim_t: float) -> bool:
        return sim_t < self.stall_until

    def active(self) -> list[str]:
        out: list[str] = []
        if self.stall_until > self.sim_t:
            out.append(f"stall until sim t={self.stall_until:.1f}s")
        if self.duplicate_left:
            out.append(f"duplicate next {self.duplicate_left}")
        if self.reorder_left:
            out.append(f"reorder next {self.reorder_left} pairs")
        if self.ack_delay_ms:
            out.append(f"ack_delay {self.ack_delay_ms:g} ms")
        out.extend(f"scheduled {s.name}@{s.at:g}" for s in self.schedule)
        return out
