"""The operator console of a live run: the :class:`~bot.console.ConsoleSource` built from the run's parts, the
metrics counted on the frame path, the events published after each burst of frames, and the operator pause.

Where each piece runs, and why:

* on the frame path (:meth:`RunConsole.frame`, called by the FrameDriver after ``TradingLoop.on_frame``):
  a counter increment, plus one histogram observation when the frame made a decision. Nothing else;
* after each burst of frames (:meth:`RunConsole.idle`, the driver's off-path callback) and once a second
  (a task of its own, for silences): the tick, decision, bet and guard events, the click and bet metrics
  and the recoveries, read from what the loop, the governor, the broker and the sniffer already keep;
* on request (the console's handlers, on the same event loop): :meth:`snapshot` reads the same things as
  the terminal screen (bot/app/screen.py); halt, pause and resume do what ``rugsbot halt`` / ``resume`` do.

The console is never in the decision path: the only thing it adds there is :class:`OperatorPause`, a flag the
decider's wrapper reads, set by the operator's pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from itertools import islice
from typing import TYPE_CHECKING

from loguru import logger

from bot.app.console_plan import ConsolePlan
from bot.app.console_state import (
    OperatorPause,
    bet_info,
    clicks_info,
    decision_info,
    estimate_info,
    feed_info,
    guard_info,
)
from bot.app.screen import games_played
from bot.bets.model import BetStatus, BrokerReport
from bot.console import (
    BetEvent,
    BetInfo,
    ClearedHalt,
    ConsoleServer,
    ConsoleState,
    ControlResult,
    DecisionEvent,
    DecisionInfo,
    EquityPoint,
    EventHub,
    GameInfo,
    GuardEvent,
    GuardInfo,
    ResumeResult,
    RunMetrics,
    TickEvent,
    start_console,
)
from bot.console.metrics import BET_RESULTS
from bot.mode import Mode
from bot.store.rows import HaltRow

if TYPE_CHECKING:
    from bot.app.assembly import LoopParts
    from bot.app.live import LiveRun
    from bot.app.loop import DecisionRecord, TradingLoop

POLL_S = 1.0  # events and guard changes during a silence (no frame, so no burst to follow)
CLICK_QUIET_S = (
    0.1  # after a bet decision, the console publishes nothing for this long (or until the next burst)
)
RECENT_DECISIONS = 20
RECENT_SETTLED = 20
EQUITY_POINTS = 2000


class RunConsole:
    """The console of ``run``; inert (no server, no observer, no pause gate) when ``plan`` is None.

    ``stopping()``: the run is ending. ``feed_ok()``: the page's socket is up and talking. ``halt(reason)``:
    the run's own halt for a reason already persisted (broker halted, betting stopped, exit 3)."""

    def __init__(
        self,
        run: LiveRun,
        plan: ConsolePlan | None,
        *,
        stopping: Callable[[], bool],
        feed_ok: Callable[[], bool],
        halt: Callable[[str], None],
    ) -> None:
        self._run = run
        self.plan = plan
        self._stopping = stopping
        self._feed_ok = feed_ok
        self._halt = halt
        self.metrics = RunMetrics()
        client_buffer = plan.config.client_buffer if plan is not None else 256
        self.hub = EventHub(client_buffer=client_buffer, on_drop=self.metrics.client_dropped)
        self.server: ConsoleServer | None = None
        self.operator_pause = OperatorPause()
        self._loop: TradingLoop | None = None
        self._poller: asyncio.Task[None] | None = None
        self._decided = 0  # loop.stats.decisions at the last frame
        self._decisions: deque[DecisionInfo] = deque(maxlen=RECENT_DECISIONS)
        self._settled: deque[BetInfo] = deque(maxlen=RECENT_SETTLED)  # newest first
        self._equity: deque[EquityPoint] = deque(maxlen=EQUITY_POINTS)
        self._last_decision: DecisionRecord | None = None
        self._quiet_for: DecisionRecord | None = None  # the bet decision whose click the console waited for
        self._last_tick: tuple[str | None, int, str] | None = None
        self._reports_seen = 0
        self._guards: GuardInfo | None = None
        self._operator_halt: HaltRow | None = None  # written by this console, until the governor polls it
        self._sockets_seen = 0
        self._was_armed = False
        self._disarmed = False
        self._failed = False  # a publishing failure was logged

    # ------------------------------------------------------------------ lifecycle (the run calls these)

    async def start(self) -> None:
        """Serve on the plan's socket (after the run's store and governor exist, before the browser)."""
        if self.plan is None or self._run.store is None:
            return
        self.server = await start_console(
            self,
            settings=self._run.settings,
            config=self.plan.config,
            metrics=self.metrics,
            hub=self.hub,
            audit=self._run.store,
            token=self.plan.token,
            sock=self.plan.sock,
        )
        self._poller = asyncio.ensure_future(self._poll())
        # DEBUG: the start is announced once, when armed, with the console's address
        logger.debug("operator console at {url}", url=self.server.url)

    def observe(self, loop: TradingLoop) -> RunConsole | None:
        """Follow ``loop`` (the FrameDriver calls :meth:`frame` and :meth:`idle`) and put the operator pause in
        front of its decider. ``None`` when the console is off: the frame path is then exactly as without it."""
        if self.plan is None:
            return None
        self._loop = loop
        self._decided = loop.stats.decisions
        loop.decider = self.operator_pause.gate(loop.decider)
        return self

    async def stop(self) -> None:
        """Stop serving (open streams end; requests in progress get a second) and close the socket."""
        if self._poller is not None:
            self._poller.cancel()
            self._poller = None
        if self.server is not None:
            with contextlib.suppress(Exception):
                await self.server.stop()
            self.server = None
        if self.plan is not None:
            self.plan.sock.close()

    # ------------------------------------------------------------------ the frame path: increments only

    def frame(self, t0: float) -> None:
        """One frame went through the loop; ``t0``: ``perf_counter()`` when it was handed to the loop."""
        self.metrics.frame()
        loop = self._loop
        if loop is not None and loop.stats.decisions != self._decided:
            self._decided = loop.stats.decisions
            self.metrics.decision(time.perf_counter() - t0)

    # ------------------------------------------------------------------ off the decision path

    def idle(self) -> None:
        """After a burst of frames: publish what changed. Never raises (a failure is logged once).

        Not right after a bet decision: its click is starting on the same event loop, and every write to a
        page (one per open event stream) would run between the click's steps. The events wait for the next
        burst of frames, or :data:`CLICK_QUIET_S`, whichever comes first."""
        if self._loop is None:
            return
        d = self._loop.last_decision
        if (
            d is not None
            and d.intent is not None
            and d is not self._last_decision
            and d is not self._quiet_for
        ):
            self._quiet_for = d
            asyncio.get_running_loop().call_later(CLICK_QUIET_S, self.idle)
            return
        try:
            self._publish(self._loop)
        except Exception:
            if not self._failed:
                self._failed = True
                logger.exception("console: publishing failed (the run goes on)")

    def _publish(self, loop: TradingLoop) -> None:
        view = loop.tracker.view
        d = loop.last_decision
        key = (view.game_id, view.tick, view.phase.value)
        if key != self._last_tick:
            self._last_tick = key
            est = estimate_info(d.estimate) if d is not None else None
            self.hub.publish(
                TickEvent(time.time(), view.game_id, view.tick, view.phase.value, view.price, est)
            )
        if d is not None and d is not self._last_decision:
            self._last_decision = d
            info = decision_info(d)
            self._decisions.appendleft(info)
            self.hub.publish(DecisionEvent(info))
        self._start_equity()
        self._sync_reports(loop)
        self._sync_guards()
        self._sync_recoveries()

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                self._start_equity()
                if self._loop is not None:
                    self._sync_reports(self._loop)
                self._sync_guards()
                self._sync_recoveries()
            except Exception:  # the console must never take the run down
                if not self._failed:
                    self._failed = True
                    logger.exception("console: poll failed (the run goes on)")

    def _sync_reports(self, loop: TradingLoop) -> None:
        """Every broker report applied since the last call: bet metrics, click latency, bet events."""
        total = sum(loop.stats.reports.values())
        new, self._reports_seen = total - self._reports_seen, total
        if new <= 0:
            return
        recent = list(islice(reversed(loop.reports), min(new, len(loop.reports))))
        for report in reversed(recent):
            self._on_report(report)

    def _on_report(self, report: BrokerReport) -> None:
        status = report.status
        if status.value in BET_RESULTS:
            self.metrics.bet(status.value)
        if status is BetStatus.CONFIRMED and report.latency_s is not None:
            self.metrics.click(report.latency_s)
        row = self._parts().store.bet(report.bet_id)
        if row is None:
            return
        info = bet_info(row)
        led = self._parts().governor.ledger_view()
        if status in (BetStatus.WON, BetStatus.LOST):
            self._settled.appendleft(info)
            # realised equity: the armed bankroll plus each settlement (a logged-in ledger follows the server's
            # balance, which may arrive after the settlement's report)
            base = self._equity[-1].bankroll_lamports if self._equity else led.bankroll_lamports
            self._equity.append(EquityPoint(report.t, base + info.pnl_lamports))
        self.hub.publish(BetEvent(info, led.bankroll_lamports, led.session_pnl_lamports))

    def _start_equity(self) -> None:
        """The equity curve starts at the bankroll the run was armed with (a logged-in run knows its bankroll
        only from the server's balance, after the wallet login)."""
        if not self._equity and self._armed():
            bankroll = self._parts().governor.ledger_view().bankroll_lamports
            self._equity.append(EquityPoint(time.time(), bankroll))

    def _sync_guards(self, action: str = "") -> None:
        guards = self._guard_info()
        if guards != self._guards:
            self._guards = guards
            self.hub.publish(GuardEvent(time.time(), guards, "operator" if action else "", action))

    def _sync_recoveries(self) -> None:
        """Recoveries: the page's socket reopened, the controls re-armed after a reload."""
        sniffer, broker = self._run.sniffer, self._run.broker
        if sniffer is not None:
            opened = sniffer.health.sockets_opened
            if opened > max(self._sockets_seen, 1):
                for _ in range(opened - max(self._sockets_seen, 1)):
                    self.metrics.recovery()
            self._sockets_seen = max(self._sockets_seen, opened)
        if broker is not None and self._run.mode.clicks:
            armed = broker.armed
            if armed and self._disarmed:
                self.metrics.recovery()
            self._disarmed = self._was_armed and not armed
            self._was_armed = self._was_armed or armed

    # ------------------------------------------------------------------ ConsoleSource

    def snapshot(self) -> ConsoleState:
        run, parts = self._run, self._parts()
        loop = run.loop
        view = parts.tracker.view
        d = loop.last_decision if loop is not None else None
        led = parts.governor.ledger_view()
        sniffer = run.sniffer
        return ConsoleState(
            mode=run.mode.label,
            profile=run.profile.name,
            coin_label="FREE" if run.mode is Mode.PRACTICE else "SOL",
            running=not self._stopping(),
            armed=self._armed(),
            t=time.time(),
            started_t=run.started,
            session=parts.governor.session,
            player=parts.tracker.account.player_id,
            game=GameInfo(view.game_id, view.tick, view.phase.value, view.price),
            estimate=estimate_info(d.estimate) if d is not None else None,
            decisions=tuple(self._decisions),
            open_bets=tuple(bet_info(b) for b in parts.governor.open_bets()),
            settled_bets=tuple(self._settled),
            bankroll_lamports=led.bankroll_lamports,
            session_pnl_lamports=led.session_pnl_lamports,
            equity=tuple(self._equity),
            guards=self._guard_info(),
            feed=feed_info(sniffer.health if sniffer is not None else None, self._feed_ok()),
            clicks=clicks_info(run.broker_stats()),
            games=games_played(run),
            note=f"HALTED: {run.halt_reason}" if run.halt_reason else "",
        )

    def halt(self, reason: str, by: str) -> ControlResult:
        """What ``rugsbot halt --reason`` writes (fsync'd, ``source`` = ``by``), then the run's halt: the broker
        refuses clicks, betting stops and the run exits 3. Idempotent: the first active halt row stays."""
        message = ""
        try:
            row = self._parts().store.set_halt(reason, source=by)
        except Exception as exc:  # fail closed: the run halts in memory all the same, and says so
            logger.exception("console: the halt row could not be written; halting in memory only")
            message = f"halted, but the halt row could not be written ({type(exc).__name__})"
        else:
            if self._operator_halt is None:
                self._operator_halt = row
        logger.error("HALTED from the console ({by}): {reason}", by=by, reason=reason)
        self._halt(reason)
        self._sync_guards("halt")
        return ControlResult(True, "HALTED", message)

    def pause(self, reason: str, by: str) -> ControlResult:
        """No new bet until resumed; the feed, the decisions' estimates and open bets go on."""
        self.operator_pause.set(reason)
        logger.warning("paused from the console ({by}): {reason}", by=by, reason=reason)
        self._sync_guards("pause")
        return ControlResult(True, self._guard_info().level)

    def resume(self, by: str) -> ResumeResult:
        """What ``rugsbot resume --by`` does (every active halt cleared; the governor sees it on its next poll
        and resets the loss streak and drawdown peak), and the operator pause lifted. A run that is already
        stopping (a halted run exits) is not restarted: its level says STOPPING."""
        store = self._parts().store
        cleared = store.clear_halt(by)
        self._operator_halt = None
        unpaused = self.operator_pause.clear()
        unknown = tuple(b.bet_id for b in store.open_bets() if b.status is BetStatus.UNKNOWN)
        logger.warning("resumed from the console ({by}): {n} halt(s) cleared", by=by, n=len(cleared))
        self._sync_guards("resume")
        return ResumeResult(
            tuple(ClearedHalt(h.id, h.reason, h.source) for h in cleared),
            unknown,
            unpaused,
            self._level_after_resume({h.id for h in cleared}),
        )

    def _level_after_resume(self, cleared: set[int]) -> str:
        """The level the run is in once the governor has polled the cleared halt (≤ ``halt_poll_s`` of feed
        time): its own pauses still hold; a stopping run stays stopping."""
        if self._stopping():
            return "STOPPING"
        state = self._parts().governor.state
        if state.level.value == "HALTED" and state.halt is not None and state.halt.id in cleared:
            return "PAUSED" if state.pauses else "ACTIVE"
        return self._guard_info().level

    # ------------------------------------------------------------------ reads

    def _parts(self) -> LoopParts:
        parts = self._run.parts
        assert parts is not None, "the console starts after the run's assembly"
        return parts

    def _armed(self) -> bool:
        """The broker may click now and the decider's gate is open (a paper broker: from the start)."""
        broker, parts = self._run.broker, self._run.parts
        if broker is None or not broker.armed:
            return False
        return parts is None or parts.gate is None or parts.gate.opened_at is not None

    def _guard_info(self) -> GuardInfo:
        state = self._parts().governor.state
        if state.halt is not None:  # the governor has polled the halt: it follows it from here (a CLI resume)
            self._operator_halt = None
        return guard_info(state, self.operator_pause.reason, self._operator_halt)
