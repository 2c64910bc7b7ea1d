"""The governor's level: pauses in force, the persisted halt, a kill — and the guard events that record them.

A *pause* is automatic and clears by itself (time or condition); a *halt* is written to the database before
anything else happens, survives restarts and is cleared only by ``rugsbot resume`` (seen on the next poll);
*kill* means the session should exit now. Every trip is logged (loguru) and stored (guard_events).
"""

from __future__ import annotations

from loguru import logger

from bot.risk.state import GovernorState, Level
from bot.risk.verdict import Action, Verdict, worst
from bot.store.db import Store
from bot.store.rows import HaltRow


class Levels:
    def __init__(self, store: Store, session: str) -> None:
        self.store = store
        self.session = session
        self.halt: HaltRow | None = store.active_halt()
        self.killed: Verdict | None = None
        self.pauses: dict[
            str, Verdict
        ] = {}  # guard name -> pause in force (timed or while the condition holds)
        self.last_poll: float | None = None
        self._last_denial: tuple[str, str] | None = None
        self._unpersisted: Verdict | None = None  # a halt verdict whose write failed (retried on each poll)

    @property
    def state(self) -> GovernorState:
        pauses = tuple(self.pauses.values())
        if self.killed is not None:
            return GovernorState(Level.KILLED, (self.killed.reason,), self.halt, pauses)
        if self.halt is not None:
            return GovernorState(Level.HALTED, (self.halt.reason,), self.halt, pauses)
        if self.pauses:
            return GovernorState(Level.PAUSED, tuple(f"{p.guard}: {p.reason}" for p in pauses), None, pauses)
        return GovernorState(Level.ACTIVE)

    def blocked(self) -> Verdict | None:
        if self.killed is not None:
            return self.killed
        if self.halt is not None:
            return Verdict.halt(self.halt.reason, f"halt:{self.halt.source}")
        if self.pauses:
            return worst(list(self.pauses.values()))
        return None

    def update(self, verdicts: list[Verdict], now: float) -> None:
        """Apply the guards' answers: halts first (the halt row is written before anything else happens); keep the
        timed pauses still running and replace the condition ones by what the guards say now."""
        for v in verdicts:
            if v.action >= Action.HALT:
                self.apply(v, now)
        current: dict[str, Verdict] = {}
        for name, p in self.pauses.items():
            if p.until is not None and now < p.until:
                current[name] = p
        for v in verdicts:
            if v.action is Action.PAUSE:
                prev = current.get(v.guard)
                if prev is None or (prev.until is not None and (v.until is None or v.until > prev.until)):
                    current[v.guard] = v
        for name in set(self.pauses) - set(current):
            logger.info("pause cleared: {}", name)
            self.record(Verdict(Action.ALLOW, self.pauses[name].reason, None, name), now, action="clear")
        for name, v in current.items():
            old = self.pauses.get(name)
            if old is None or (old.until != v.until and v.until is not None):
                self.trip(v, now)
        self.pauses = current

    def deny(self, denial: Verdict, now: float) -> None:
        """Record a refusal once per (guard, reason): a strategy may repeat itself every tick."""
        if (denial.guard, denial.reason) != self._last_denial:
            self.trip(denial, now)
        self._last_denial = (denial.guard, denial.reason)

    def allowed(self) -> None:
        self._last_denial = None

    def apply(self, v: Verdict, now: float) -> None:
        if v.action is Action.HALT:
            if self.halt is None:
                self._set_halt(v, now)
        elif v.action is Action.KILL and self.killed is None:
            self.killed = v
            self.trip(v, now)
        elif v.action is Action.PAUSE:
            self.pauses[v.guard] = v
            self.trip(v, now)

    def _set_halt(self, v: Verdict, now: float) -> None:
        reason = f"{v.guard}: {v.reason}" if v.guard else v.reason
        try:
            self.halt = self.store.set_halt(
                reason, source=f"guard:{v.guard}" if v.guard else "governor", t=now
            )
        except Exception:  # the database is down: stay halted in memory (fail closed), retry on every poll
            logger.exception("could not persist halt; halted in memory only")
            self.halt = HaltRow(-1, True, reason, "governor (not persisted)", now, None, None)
            self._unpersisted = v
            return
        logger.error("HALTED: {} (persisted; `rugsbot resume` clears it)", reason)
        self.record(v, now)

    def trip(self, v: Verdict, now: float) -> None:
        log = logger.warning if v.action >= Action.PAUSE and not v.routine else logger.info
        log("guard {} -> {}", v.guard, v)
        self.record(v, now)

    def record(self, v: Verdict, now: float, action: str | None = None) -> None:
        try:
            self.store.record_guard_event(
                session=self.session,
                t=now,
                guard=v.guard or "governor",
                action=action or v.action.name.lower(),
                reason=v.reason,
                until=v.until,
            )
        except Exception:
            logger.exception("could not store guard event {}", v)

    def poll(self, now: float) -> bool:
        """Look for a halt set or cleared from outside. True when a halt was cleared (``rugsbot resume``)."""
        self.last_poll = now
        if self._unpersisted is not None:  # a halt the database did not take yet: it must not be "cleared"
            pending, self._unpersisted = self._unpersisted, None
            self.halt = None
            self._set_halt(pending, now)
            return False
        try:
            row = self.store.active_halt()
        except Exception:
            logger.exception("halt poll failed; assuming halted")
            row = HaltRow(-1, True, "database unreadable", "governor", now, None, None)
        if row is not None and self.halt is None:
            logger.error("HALTED from {}: {}", row.source, row.reason)
            self.halt = row
        elif row is None and self.halt is not None:
            logger.warning("halt cleared (was: {}); resuming", self.halt.reason)
            self.halt = None
            return True
        elif row is not None and self.halt is not None and row.id != self.halt.id:
            self.halt = row
        return False
