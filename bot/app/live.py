"""The live run's lifecycle (``rugsbot run``): dry-run (watch only), practice (FREE coin) or live, in a browser.

Order of a run, and why:
1. lock the data directory (bot/app/lock.py, in bot/app/start.py) before anything is written: one bot per
   database; settle the operator console's token and address (bot/app/console_plan.py); delete the throw-away
   browser profiles killed runs left behind;
2. refuse to start while a halt is recorded (exit 3);
3. launch Chromium on the locked profile with the wallet extension; start the approval watcher before
   anything can ask the wallet for something;
4. attach the sniffer BEFORE ``goto`` so the page's socket is seen from its first frame (frames wait in a
   buffer until the loop exists);
5. assemble the trading loop (bot/app/assembly.py: session row, recording) once the site has answered and its
   socket is on websocket: an unreachable site or a socket on HTTP long-polling (bot/feeds/sniffer.py) is exit 4
   with no session row, no recording and no halt (a halt is for doubt about money); the console serves from
   here on (bot/app/console_source.py);
6. log in through the wallet (practice/live, bot/app/login.py), verify every control and select the coin,
   arm, and only then open the decider's gate: no decision is taken on a frame from before arming;
7. every sniffed frame goes through ``TradingLoop.on_frame``; an intent is clicked by the broker on its own
   task, and its reports come back through ``TradingLoop.apply``;
8. stop on Ctrl-C / SIGTERM / ``--duration`` / ``--games`` / a halt: finish the clicks in flight, close the
   session row, the recorder, the browser and the database; print a summary; on failure save a
   screenshot and the Playwright trace next to the logs.

A failure is kept in :attr:`LiveRun.error`; :func:`run_live` raises it once all is closed (the CLI's one line).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from typing import TYPE_CHECKING, Any

from loguru import logger

from bot.app.assembly import LoopConfig, LoopParts, assemble, browser_broker
from bot.app.console_source import RunConsole
from bot.app.driver import FrameDriver
from bot.app.games_limit import GamesLimit
from bot.app.housekeeping import Housekeeping
from bot.app.login import WalletLogin, alarm_kind
from bot.app.loop import TradingLoop
from bot.app.ops_hooks import RunOps
from bot.app.recovery import Recovery
from bot.app.screen import print_summary, screen_of
from bot.app.target import (
    LiveOptions,
    SimLike,
    StartRefused,
    Target,
    extension_dir,
    network_problem,
    open_database,
    open_recording,
    open_target,
    refuse_if_halted,
)
from bot.app.teardown import save_failure, shutdown
from bot.brokers.base import Broker, BrokerStats
from bot.browser.errors import HaltRequired, WalletError
from bot.browser.probe import fix_advice
from bot.config import Profile, Settings
from bot.errors import BrowserProblem, RugsbotError, describe
from bot.exitcodes import EXIT_HALTED, EXIT_INTERRUPTED, EXIT_OK
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.risk.guards.alarms import AlarmKind

if TYPE_CHECKING:
    from playwright.async_api import Page

    from bot.app.console_plan import ConsolePlan
    from bot.browser.launch import LaunchedBrowser
    from bot.feeds.recording import RecordingWriter
    from bot.feeds.sniffer import Sniffer
    from bot.store.db import Store


class LiveRun:
    """One run of the bot; owns every resource it opens and closes them in reverse order. A simulator handed
    in (tests, benchmarks) is used and left running."""

    def __init__(
        self,
        settings: Settings,
        profile: Profile,
        mode: Mode,
        options: LiveOptions,
        *,
        sim: SimLike | None = None,
        console: ConsolePlan | None = None,
    ) -> None:
        self.settings = settings
        self.profile = profile
        self.mode = mode
        self.options = options
        self.reason = "finished"
        self.code = EXIT_OK
        self.error: BaseException | None = None  # why the run failed, for the CLI's one line (not a halt)
        self.sim = sim
        self.target: Target | None = None
        self.browser: LaunchedBrowser | None = None
        self.page: Page | None = None
        self.store: Store | None = None
        self.recorder: RecordingWriter | None = None
        self.parts: LoopParts | None = None
        self.loop: TradingLoop | None = None
        self.broker: Broker | None = None
        self.driver: FrameDriver | None = None
        self.sniffer: Sniffer | None = None
        self.login: WalletLogin | None = None
        self.recovery: Recovery | None = None  # the watchdog and the heartbeat (bot/app/recovery.py)
        self.started = time.time()
        self.summary: dict[str, Any] = {}
        self._stop = asyncio.Event()
        self.games_base: int | None = None  # games finished when the bot became ready (screen.games_played)
        self.games_limit = GamesLimit(options.games)
        self._halt_reason: str | None = None
        self.ops = RunOps(settings, profile, mode)  # alerts and engine memory (bot/app/ops_hooks.py)
        self.chores = Housekeeping(self, halt=self._halt, stopping=self._stop.is_set)
        self.closing = False  # set by the shutdown: the browser closes because we close it, not a crash
        self._early: list[tuple[float, str, str]] | None = []  # frames before the loop exists; None after
        self.console = RunConsole(
            self,
            console,
            stopping=self._stop.is_set,
            feed_ok=self._feed_ok,
            halt=lambda r: self._halt(r, None),
        )

    # ------------------------------------------------------------------ main

    async def main(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop, f"signal {sig.name}")
        self.ops.start()
        try:
            await self._start()
            await self._wait()
        except HaltRequired as exc:
            if self._stop.is_set() and alarm_kind(exc) in _CLOSING_EFFECTS:
                logger.warning("while stopping: {} (not a halt: the page is being closed)", exc.reason)
            elif isinstance(exc, WalletError) and not self.ready:  # set-up, not doubt: nothing was bet yet
                self._fail(BrowserProblem(f"the wallet login failed: {exc.reason}"))
            else:
                self._halt(exc.reason, alarm_kind(exc))
        except asyncio.CancelledError:
            self.code, self.reason = EXIT_INTERRUPTED, "interrupted"
        except Exception as exc:
            if self._stop.is_set():  # the browser went with the stop (a terminal's Ctrl-C reaches it too)
                first_line = (str(exc).splitlines() or [""])[0]
                logger.warning("stopped while starting: {}: {}", type(exc).__name__, first_line)
            else:
                self._fail(network_problem(exc, self.target.url if self.target else "the site") or exc)
                if self.error is exc and not isinstance(exc, RugsbotError):  # a bug: keep the page's evidence
                    await save_failure(self, "error")
        finally:
            await shutdown(self)
        if self.parts is None:  # failed before the site answered: no session, nothing to summarise
            logger.debug("start failed: {reason} (exit {code})", reason=self.reason, code=self.code)
            return self.code
        print_summary(self.mode, self.summary or {"reason": self.reason})
        logger.info("session ended: {reason} (exit {code})", reason=self.reason, code=self.code)
        return self.code

    def _fail(self, exc: BaseException) -> None:
        """End the run with ``exc``'s exit code; the CLI prints ``exc`` (its one line) once all is closed."""
        self.error = exc
        self.code, self.reason = describe(exc)
        if self.loop is not None:
            self.loop.stop_betting()
        self._stop.set()

    def request_stop(self, why: str, level: str = "WARNING") -> None:
        """Stop betting now and end the run (the feed keeps flowing meanwhile, so open bets settle). ``level``:
        INFO for the end the operator asked for (``--games``, ``--duration``); a signal or a halt is WARNING."""
        if self.loop is not None:
            self.loop.stop_betting()
        if not self._stop.is_set():
            logger.log(level, "stopping: {}", why)
            if why.startswith("signal"):
                self.code, self.reason = EXIT_INTERRUPTED, why
            self._stop.set()

    # ------------------------------------------------------------------ start-up

    async def _start(self) -> None:
        from bot.browser.launch import launch
        from bot.feeds.sniffer import Sniffer

        target = self.target = open_target(self.settings, self.profile, self.options, self.sim)
        self.sim = target.sim
        self.store = open_database(self.settings)
        refuse_if_halted(self.store)  # before a browser, a session row or a recording
        tracker = GameTracker()
        recovery = self.recovery = Recovery(
            self, halt=self._halt, make_broker=self._page_broker, stopping=self._stop.is_set
        )
        ext = extension_dir(self.settings, self.options) if self.mode.clicks else None
        browser = self.browser = await launch(
            self.settings,
            self.profile,
            headless=self.options.headless,
            extension_dir=ext,
            profile_dir=target.profile_dir,
            trace=self.options.trace,
        )
        logger.debug(  # the start is announced once, when armed ("armed in ... mode")
            "browser {exe} on profile {d} (headless={h})",
            exe=browser.executable,
            d=browser.profile_dir,
            h=self.options.headless,
        )
        # until armed a lost browser fails the start; from then on the watchdog relaunches it (recovery.watch)
        browser.context.on("close", lambda _ctx: None if self.ready else self.browser_gone_while_starting())
        if self.mode.clicks:
            self.login = WalletLogin(
                browser,
                self.profile.browser,
                sim_url=self.sim.url if self.sim is not None else None,
                password=target.password,
                tracker=tracker,
                on_halt=lambda r: self._halt(r, "signing_request"),
                stopping=self._stop.is_set,
                halt_reason=lambda: self._halt_reason,
            )
            await self.login.start_wallet()
        page = self.page = await browser.page()
        recovery.watch(browser, page)  # a crash or a kill is relaunched from now on
        self.sniffer = Sniffer([self._on_frame, recovery.frames.on_frame])
        self.sniffer.attach(page)  # before goto: the socket opens during page load
        started = time.time()
        try:
            await page.goto(target.url, wait_until="domcontentloaded")
        except Exception as exc:
            raise network_problem(exc, target.url) or exc from exc
        await self.sniffer.require_websocket()  # HTTP long-polling: exit 4 before anything is written
        parts = self._assemble(target.url, started, tracker)
        self.ops.open(parts, target.url, time.time())  # engine memory restored before any frame reaches it
        if parts.governor.state.level.value in ("HALTED", "KILLED"):
            raise StartRefused(parts.governor.state.reasons)
        await recovery.open(parts)  # the heartbeat names the session row
        await self.console.start()  # it reads the run's parts: listening (backlog) since start-up, served now
        broker = self.broker
        if broker is None:
            broker = self._attach(self._page_broker(page))
        assert self.driver is not None
        early, self._early = self._early or [], None
        for frame in early:
            self.driver.on_frame(*frame)
        if self.login is not None:
            await self.login.connect(page)
            if self._stop.is_set():
                return
            await broker.arm()
            if parts.gate is not None:  # the next decision is on a frame that arrived after arming
                parts.gate.open(time.time(), broker)
        assert self.loop is not None
        self.games_base = self.loop.stats.games_finished
        server = self.console.server
        logger.info(
            "armed in {mode} mode on {url}{console}",
            mode=self.mode.label,
            url=target.url,
            console=f"; operator console at {server.url}" if server is not None else "",
        )
        recovery.start()

    def _assemble(self, url: str, t: float, tracker: GameTracker) -> LoopParts:
        """The session row, the recording and the loop, from ``t`` (when the page began to load)."""
        from bot.brokers.paper import DryBroker

        assert self.store is not None and self.target is not None
        if self.options.record:
            self.recorder = open_recording(self.settings, self.profile, self.mode, self.target)
        config = LoopConfig.live(self.profile, self.mode, self.settings.strategies_dir)
        self.parts = assemble(config, self.store, t=t, tracker=tracker, recorder=self.recorder)
        if self.mode is Mode.DRY_RUN:
            self._attach(DryBroker(self.profile.timing.click_latency_s))
        return self.parts

    def _attach(self, broker: Broker) -> Broker:
        assert self.parts is not None
        self.broker = broker
        self.loop = self.parts.attach(broker, anomalies=self.ops.anomalies)
        observer = self.console.observe(self.loop)
        self.driver = FrameDriver(self.loop, broker, after_idle=self._after_idle, observer=observer)
        return broker

    def _page_broker(self, page: Page) -> Broker:
        """The broker that clicks on ``page`` (at start; on the new page after a relaunch). A page that died
        (crash, kill) lost its controls without a site change: no halt, the watchdog relaunches."""
        assert self.parts is not None and self.target is not None
        fix = fix_advice(
            self.target.url, self.options.profile_ref, self.settings.profiles_dir, self.profile.name
        )
        return browser_broker(
            page,
            self.parts.config,
            arm_timeout_s=self.options.arm_timeout_s,
            feed_ok=self._feed_ok,
            on_halt=lambda r: None if page.is_closed() else self._halt(f"{r}; {fix}", "page_control_missing"),
        )

    def _feed_ok(self) -> bool:
        """The page's socket is open and talking (no click may be buffered across a reconnect)."""
        if self.sniffer is None:
            return False
        h = self.sniffer.health
        age = h.age(time.time())
        return h.connected and age is not None and age < self.profile.guards.feed_silent_s

    # ------------------------------------------------------------------ the frame path

    def _on_frame(self, t: float, direction: str, text: str) -> None:
        if self.driver is not None:
            self.driver.on_frame(t, direction, text)
        elif self._early is not None:
            self._early.append((t, direction, text))

    def _after_idle(self) -> None:
        if self.loop is None or self.parts is None:
            return
        now = time.time()
        self.ops.after_burst(self.loop, now)  # at a game end: the engine's memory is saved
        self.ops.poll(now, armed=self.ready)
        state = self.parts.governor.state
        if state.level.value in ("HALTED", "KILLED") and self.mode.clicks and not self._stop.is_set():
            self._halt_reason = self._halt_reason or "; ".join(state.reasons)
            self.code, self.reason = EXIT_HALTED, f"halted: {self._halt_reason}"
            self.request_stop(self.reason)
        why = self.games_limit.stop_reason(self, now)  # --games N, once its bets are settled
        if why is not None:
            self.request_stop(why, "INFO")

    def browser_gone_while_starting(self) -> None:
        """The browser closed before the run was armed (crashed, killed, OOM): no bet can be in doubt yet, so an
        environment problem (exit 4), not a halt. Once armed, the watchdog relaunches it (bot/app/recovery.py)."""
        if self._stop.is_set() or self.closing:
            return
        what = "the browser closed unexpectedly (crashed or killed) while the run was starting"
        self._fail(BrowserProblem(what, hint="check memory and the browser; run again"))

    def _halt(self, reason: str, kind: str | None = "execution") -> None:
        """A halt from the wallet or the broker: persisted by the governor before anything else (``kind`` None:
        persisted already, by the operator through the console). Not once a stop is under way: Ctrl-C in a
        terminal and ``systemctl stop`` signal the browser too, and failing to operate a page that is being
        closed is the stop itself (a signing request still halts)."""
        if self._halt_reason is not None:
            return
        if self._stop.is_set() and kind in _CLOSING_EFFECTS:
            logger.warning("while stopping: {} (not a halt: the page is being closed)", reason)
            return
        self._halt_reason = reason
        if self.parts is not None and kind is not None:
            self.parts.governor.alarm(kind, reason)
        self.ops.halted(reason, kind)
        if self.broker is not None:
            self.broker.halt(reason)
        self.code, self.reason = EXIT_HALTED, f"halted: {reason}"
        self.request_stop(self.reason)

    # ------------------------------------------------------------------ waiting and the screen

    async def _wait(self) -> None:
        from bot.ui.live import LiveView

        duration = self.options.duration_s
        deadline = None if duration is None else time.time() + duration
        async with LiveView(lambda: screen_of(self)):
            while not self._stop.is_set():
                timeout = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.time()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=timeout)
                if deadline is not None and time.time() >= deadline:
                    self.request_stop(f"duration {duration:g} s reached", "INFO")
                await self.chores.every_second()  # guards on the wall clock, alerts, re-arm, trace

    def broker_stats(self) -> BrokerStats:
        return self.broker.stats() if self.broker is not None else BrokerStats()

    @property
    def ready(self) -> bool:
        """Armed (watching, in a dry run): from here on a failure may concern a bet."""
        return self.games_base is not None

    @property
    def halt_reason(self) -> str | None:
        """Why the run halted (a halt from the wallet, the broker or the governor), or ``None``."""
        return self._halt_reason


_CLOSING_EFFECTS = frozenset({AlarmKind.EXECUTION, AlarmKind.PAGE_CONTROL_MISSING, AlarmKind.BROWSER_CRASHED})
