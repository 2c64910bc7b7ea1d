"""The run's operator side (issue 14): alerts that reach the operator, and the engine's memory across restarts.

One :class:`RunOps` per ``rugsbot run`` (bot/app/live.py) owns:

* the run's :class:`~bot.ops.alerts.Alerter`: built with the run (an entry of ``RUGSBOT_ALERT_URLS`` apprise does
  not understand is a usage error, exit 2, before a browser starts), started once the logs are configured,
  stopped last by the teardown (bot/app/teardown.py) with its bounded drain;
* an :class:`~bot.ops.anomalies.AnomalyWatch` that the trading loop feeds (tick gaps, settled bets, stakes on the
  feed: bot/app/loop.py) and that :meth:`RunOps.poll` feeds with the governor's pauses;
* the :class:`~bot.store.engine_state.EngineMemory` of the loop's parts (drift statistic, posterior, click
  timing, adaptation): restored in :meth:`open`, before any frame reaches the loop; saved in :meth:`after_burst`
  after each game end (once the burst's frames are decided: never between a frame and its decision) and in
  :meth:`finish` at stop.

Where each alert comes from, and why there:

* **halt**: :meth:`poll` reads the governor's state once a second and after every burst. Every halt path ends
  there: a guard, an alarm (wallet signing request, missing page control, watchdog cap, protocol drift,
  provably-fair mismatch, reconciliation), the operator's console or ``rugsbot halt`` (seen by the governor's
  halt poll). The run's own ``_halt`` calls :meth:`halted` too, for a halt before the governor exists. One halt
  alert per run (a halted run stops). A halt by the ``protocol_drift`` or ``fair_mismatch`` alarm also raises
  that kind's alert (kinds can be filtered separately in ``[alerts] kinds``);
* **pause** longer than ``[alerts] pause_longer_than_s`` and its end: :meth:`poll`, on the wall clock (a
  silence has no frames to carry feed time), once the run is armed;
* **recovery**: the watchdog after each reload or relaunch (bot/app/recovery.py);
* **run_end**: :meth:`finish`, with the reason, exit code, P&L and bets;
* **daily_summary**: at start and after each game end, once per UTC day (the day sent is in the database:
  :func:`bot.ops.anomalies.send_daily_summary`), only with alert URLs set.

Nothing here blocks a frame: ``Alerter.notify`` filters, coalesces and enqueues (microseconds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loguru import logger

from bot.config.sections import AlertKind
from bot.engine.adaptive import Adaptation
from bot.errors import UsageError
from bot.money import fmt_sol, sol_to_lamports
from bot.ops.alerts import Alerter, InvalidAlertURL
from bot.ops.anomalies import AnomalyWatch, send_daily_summary
from bot.risk.state import Level
from bot.store.engine_state import EngineMemory, Persistent, state_scope

if TYPE_CHECKING:
    from bot.app.assembly import LoopParts
    from bot.app.loop import TradingLoop
    from bot.config import Profile, Settings
    from bot.mode import Mode

# a halt by these alarms is also an anomaly of its own kind (the alarm kinds of bot/risk/guards/alarms.py)
_ANOMALY_OF_ALARM = {"protocol_drift": AlertKind.PROTOCOL_DRIFT, "fair_mismatch": AlertKind.FAIR_MISMATCH}
_ALARM_SOURCE = "guard:alarm:"


def memory_parts(parts: LoopParts) -> list[Persistent]:
    """The engine parts of a loop that remember across restarts: the model's (posterior, drift, timing) and
    the decider's adaptation (behind the arm gate, when there is one)."""
    decider: Any = parts.gate.decider if parts.gate is not None else parts.decider
    adaptation = getattr(decider, "adaptation", None)
    extra: list[Persistent] = [adaptation] if isinstance(adaptation, Adaptation) else []
    return [*parts.model.persistent_parts(), *extra]


class RunOps:
    """Alerts and engine memory of one run. ``source`` names the run in every alert title."""

    def __init__(self, settings: Settings, profile: Profile, mode: Mode) -> None:
        try:
            self.alerter = Alerter.from_settings(
                settings, profile.alerts, source=f"{mode.label.lower()} {profile.name}"
            )
        except InvalidAlertURL as exc:
            raise UsageError(str(exc)) from None
        self.anomalies = AnomalyWatch(
            self.alerter.notify,
            profile.alerts,
            max_stake_lamports=sol_to_lamports(profile.guards.max_stake_per_bet_sol),
        )
        self.mode = mode
        self.memory: EngineMemory | None = None
        self._parts: LoopParts | None = None
        self._games = 0
        self._halt_sent = False

    def start(self) -> None:
        """Start sending (the logs are configured: the alerter's own lines go where the run's go)."""
        self.alerter.start()

    def open(self, parts: LoopParts, url: str, now: float) -> dict[str, str]:
        """The loop's parts exist and no frame has reached them: restore the engine's memory (scope: this
        mode on this site, bot/store/engine_state.py); send a daily summary that is due. Returns what
        :meth:`EngineMemory.restore` says per part."""
        self._parts = parts
        self.memory = EngineMemory(parts.store, state_scope(self.mode.label, url), memory_parts(parts))
        outcome = self.memory.restore()
        self._daily(now)
        return outcome

    # ------------------------------------------------------------------ during the run
    def after_burst(self, loop: TradingLoop, now: float) -> None:
        """After each burst of frames: at a game end, save the engine's memory and send a due summary."""
        finished = loop.stats.games_finished
        if finished == self._games:
            return
        self._games = finished
        if self.memory is not None:
            self.memory.save(now)
        self._daily(now)

    def poll(self, now: float, *, armed: bool) -> None:
        """The governor's level: a halt (whatever set it) and, once armed, pauses (``now``: wall clock)."""
        parts = self._parts
        if parts is None:
            return
        state = parts.governor.state
        if state.level in (Level.HALTED, Level.KILLED):
            source = state.halt.source if state.halt is not None else ""
            kind = source[len(_ALARM_SOURCE) :] if source.startswith(_ALARM_SOURCE) else None
            self.halted("; ".join(state.reasons), kind)
        elif armed:
            self.anomalies.on_pause(state.level is Level.PAUSED, "; ".join(state.reasons), now)

    def halted(self, reason: str, kind: str | None) -> None:
        """The run halted (``kind``: the alarm kind, if an alarm did it). Sent once per run."""
        if self._halt_sent:
            return
        self._halt_sent = True
        self.alerter.notify(
            AlertKind.HALT, f"HALTED: {reason}\n`rugsbot resume` clears it once you have looked."
        )
        anomaly = _ANOMALY_OF_ALARM.get(kind or "")
        if anomaly is not None:
            self.alerter.notify(anomaly, reason)

    def recovered(self, what: str, ok: bool, took_s: float, error: str) -> None:
        """The watchdog's recovery ``what`` (e.g. ``reload (silent_feed: …)``) ended."""
        if ok:
            self.alerter.notify(AlertKind.RECOVERY, f"watchdog: {what}: recovered in {took_s:.1f} s")
        else:
            self.alerter.notify(
                AlertKind.RECOVERY, f"watchdog: {what}: failed after {took_s:.1f} s ({error})"
            )

    # ------------------------------------------------------------------ the end
    def finish(self, reason: str, code: int, summary: dict[str, Any], now: float) -> None:
        """At stop, the store still open: save the engine's memory, then the run-end alert."""
        if self.memory is not None:
            self.memory.save(now)
        if self._parts is None:
            return  # nothing ran: no session, nothing to report
        pnl = int(summary.get("session_pnl_lamports") or 0)
        coin = summary.get("coin") or ""
        bets, wins = summary.get("bets", 0), summary.get("wins", 0)
        self.alerter.notify(
            AlertKind.RUN_END,
            f"run ended: {reason} (exit {code}); P&L {'+' if pnl >= 0 else '-'}{fmt_sol(abs(pnl))} {coin}, "
            f"{bets} bets ({wins} won), {summary.get('games', 0)} games",
        )

    def stop(self) -> None:
        """Send what is queued, at most the alerter's drain time; log what was not sent."""
        self.alerter.stop()
        stats = self.alerter.stats
        if stats.queued or stats.dropped:
            logger.debug(
                "alerts: {} queued, {} sent, {} failed, {} dropped, {} coalesced",
                stats.queued,
                stats.sent,
                stats.failed,
                stats.dropped,
                stats.coalesced,
            )

    def _daily(self, now: float) -> None:
        if self._parts is None or not self.alerter.endpoints:
            return  # without an endpoint the day must not be marked as sent
        try:
            send_daily_summary(self._parts.store, self.alerter.notify, now)
        except Exception as exc:  # a summary is a courtesy: never a reason to stop the run
            logger.warning("daily summary not sent: {}", exc)
