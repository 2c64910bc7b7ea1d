"""Saved state: small versioned JSON documents that let a restart continue where the last run stopped.

Table ``saved_state`` (migration 2): one row per ``(scope, kind)``, replaced on every save. ``scope`` keeps
evidence from different worlds apart (the simulator's games must never feed the real site's drift test):
:func:`state_scope` builds it from the mode and the site's host. ``kind`` is the part ("posterior",
"drift", "timing", "adaptation"; the alerts keep "daily_summary" here too), ``version`` its schema.

:class:`EngineMemory` is what a run uses: ``restore()`` once before the first frame, ``save(t)`` at each game
end and at stop. A missing state starts fresh; a corrupt one, one of another version, or one computed for
other settings is ignored with one WARNING naming the part and why — the bot then learns afresh, which is
always safe; it never refuses to start over its memory.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from loguru import logger

from bot.store.base import StoreBase


@dataclass(frozen=True, slots=True)
class SavedState:
    scope: str
    kind: str
    version: int
    saved_t: float
    data: dict[str, Any]


class CorruptState(ValueError):
    """A saved row whose JSON cannot be read as a document."""


class StateStore(StoreBase):
    # ------------------------------------------------------------------ saved state
    def save_states(self, scope: str, states: Mapping[str, tuple[int, Mapping[str, Any]]], t: float) -> None:
        """Replace the ``(version, document)`` of each kind in one transaction (not fsync'd: statistics)."""
        with self._tx() as conn:
            for kind, (version, doc) in states.items():
                conn.execute(
                    "INSERT INTO saved_state (scope, kind, version, saved_t, data) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (scope, kind) DO UPDATE SET version = excluded.version, "
                    "saved_t = excluded.saved_t, data = excluded.data",
                    (scope, kind, version, t, json.dumps(dict(doc), separators=(",", ":"), allow_nan=False)),
                )

    def load_state(self, scope: str, kind: str) -> SavedState | None:
        """The saved document, or None; :class:`CorruptState` when its text is not a JSON object."""
        row = self._conn.execute(
            "SELECT version, saved_t, data FROM saved_state WHERE scope = ? AND kind = ?", (scope, kind)
        ).fetchone()
        if row is None:
            return None
        try:
            data = json.loads(row[2])
        except (TypeError, ValueError) as exc:
            raise CorruptState(f"not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise CorruptState("not a JSON object")
        return SavedState(scope, kind, int(row[0]), float(row[1]), data)


def state_scope(mode: str, url: str) -> str:
    """``"<mode>@<host>"``, e.g. ``"live@rugs.fun"``, ``"dry-run@127.0.0.1"`` (the port is left out: each
    simulator gets a fresh one, and all of them play by the same rules)."""
    host = urlsplit(url).hostname or url
    return f"{mode}@{host}"


class Persistent(Protocol):
    """An engine part that remembers across restarts (see bot/engine/persist.py)."""

    STATE_KIND: ClassVar[str]
    STATE_VERSION: ClassVar[int]

    def export_state(self) -> dict[str, Any]: ...
    def restore_state(self, data: Mapping[str, Any]) -> str: ...


@dataclass
class EngineMemory:
    """Save and restore a run's engine parts, e.g.
    ``EngineMemory(store, state_scope(mode, url), [*model.persistent_parts(), decider.adaptation])``."""

    store: StateStore
    scope: str
    parts: Sequence[Persistent]

    def restore(self) -> dict[str, str]:
        """Restore every part that has a usable saved state. Returns ``{kind: what happened}``."""
        outcome: dict[str, str] = {}
        for part in self.parts:
            kind = part.STATE_KIND
            try:
                saved = self.store.load_state(self.scope, kind)
                if saved is None:
                    outcome[kind] = "fresh: nothing saved"
                    continue
                if saved.version != part.STATE_VERSION:
                    raise ValueError(f"schema version {saved.version}, this bot reads {part.STATE_VERSION}")
                outcome[kind] = "restored: " + part.restore_state(saved.data)
                logger.info("{} state restored ({}): {}", kind, self.scope, outcome[kind])
            except (ValueError, KeyError, TypeError) as exc:  # CorruptState is a ValueError
                outcome[kind] = f"ignored: {exc}"
                logger.warning("saved {} state ({}) ignored, starting fresh: {}", kind, self.scope, exc)
        return outcome

    def save(self, t: float) -> bool:
        """Save every part (one transaction). A failure is logged and reported, never raised: memory is a
        convenience, the run goes on without it."""
        try:
            states = {p.STATE_KIND: (p.STATE_VERSION, p.export_state()) for p in self.parts}
            self.store.save_states(self.scope, states, t)
        except Exception as exc:
            logger.warning("engine state not saved: {}", exc)
            return False
        return True
