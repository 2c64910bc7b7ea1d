"""The interface between a run and its console: what the run implements, and where control requests are
audited.

Every method is called on the run's event loop thread (the console's server runs on that loop), so an
implementation may use the run's objects directly: no locks, no threads. Each call must return quickly
(a snapshot is built like the terminal screen is; a halt is one fsync'd row).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from bot.console.state import ConsoleState, ControlResult, ResumeResult


class ConsoleSource(Protocol):
    """A running bot as the console sees it.

    Control semantics (the same as the CLI's, so the page can never do more than a terminal can):

    * ``pause(reason, by)``: no new bet until ``resume``; the feed, the decisions and open bets go on.
    * ``halt(reason, by)``: the same as ``rugsbot halt --reason``: an active halt row is written (fsync'd)
      before this returns; the run stops betting and exits with code 3. Idempotent while halted.
    * ``resume(by)``: the same as ``rugsbot resume --by``: clears every active halt and an operator pause;
      the result lists what was cleared and the unknown bets that still block betting until reconciled.
      The console only calls it after an explicit confirmation (``{"confirm": "RESUME"}``).
    """

    def snapshot(self) -> ConsoleState: ...

    def pause(self, reason: str, by: str) -> ControlResult: ...

    def halt(self, reason: str, by: str) -> ControlResult: ...

    def resume(self, by: str) -> ResumeResult: ...


class AuditSink(Protocol):
    """Where control requests are recorded: :meth:`bot.store.db.Store.append_event` fits."""

    def append_event(self, t: float, session: str | None, kind: str, data: Mapping[str, Any]) -> int: ...
