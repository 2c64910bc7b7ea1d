"""The live run's lifecycle (``rugsbot run``): dry-run (watch only), practice (FREE coin) or live, in a browser.

Order of a run, and why:
1. lock the data directory (bot/app/lock.py) before anything is written: one bot per database;
2. assemble the trading loop (bot/app/assembly.py); refuse to start while a halt is recorded (exit 3);
3. launch Chromium on the locked profile with the wallet extension; start the approval watcher before
   anything can ask the wallet for something;
4. attach the sniffer BEFORE ``goto`` so the page's socket is seen from its first frame;
5. log in through the wallet (practice/live, bot/app/login.py), verify every control and select the coin,
   arm, and only then open the decider's gate: no decision is taken on a frame from before arming;
6. every sniffed frame goes through ``TradingLoop.on_frame``; an intent is clicked by the broker on its own
   task, and its reports come back through ``TradingLoop.apply``;
7. stop on Ctrl-C / SIGTERM / ``--duration`` / ``--games`` / a halt: finish the clicks in flight, close the
   session row, the recorder, the browser and the database; print a summary; on failure save a
   screenshot and the Playwright trace next to the logs.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from typing import TYPE_CHECKING, Any

from loguru import logger

from bot.app.assembly import LoopConfig, LoopParts, assemble, browser_broker
from bot.app.driver import FrameDriver
from bot.app.lock import DataDirInUse, DataDirLock
from bot.app.login import WalletLogin, alarm_kind
from bot.app.loop import TradingLoop
from bot.app.screen import print_summary, screen_of, summary_of
from bot.app.signals import keep_exit_code
from bot.app.target import (
    LiveOptions,
    SimLike,
    Target,
    UsageError,
    extension_dir,
    open_recording,
    open_target,
)
from bot.brokers.base import Broker, BrokerStats
from bot.browser.errors import BrowserEnvironmentError, HaltRequired
from bot.config import Profile, Settings
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_HALTED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from bot.mode import Mode
from bot.risk.guards.alarms import AlarmKind

if TYPE_CHECKING:
    from playwright.async_api import Page

    from bot.browser.launch import LaunchedBrowser
    from bot.feeds.recording import RecordingWriter
    from bot.feeds.sniffer import Sniffer
    from bot.store.db import Store


def run_live(
    settings: Settings, profile: Profile, mode: Mode, options: LiveOptions, *, sim: SimLike | None = None
) -> int:
    """Lock the data directory, configure the logs and run. Returns an exit code (bot/exitcodes.py): a second
    run on a data directory in use refuses in one line on stderr (4) and writes nothing."""
    try:
        lock = DataDirLock(settings.data_dir).acquire()
    except (DataDirInUse, OSError) as exc:
        print(f"rugsbot run: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    try:
        from bot.logs import configure

        configure(mode, level=settings.log_level, log_dir=settings.log_dir, secrets=settings.secret_values())
        return keep_exit_code(asyncio.run(LiveRun(settings, profile, mode, options, sim=sim).main()))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    finally:
        lock.release()


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
    ) -> None:
        self.settings = settings
        self.profile = profile
        self.mode = mode
        self.options = options
        self.reason = "finished"
        self.code = EXIT_OK
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
        self.started = time.time()
        self.summary: dict[str, Any] = {}
        self._stop = asyncio.Event()
        self._games_base: int | None = None  # games finished when the bot became ready (see _after_idle)
        self._last_rotate = time.time()
        self._halt_reason: str | None = None
        self._rearming = False

    # ------------------------------------------------------------------ main

    async def main(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop, f"signal {sig.name}")
        try:
            await self._start()
            await self._wait()
        except _Refused as exc:
            logger.error("{}", exc.reason)
            self.code, self.reason = EXIT_HALTED, exc.reason
        except HaltRequired as exc:
            self._halt(exc.reason, alarm_kind(exc))
        except (BrowserEnvironmentError, UsageError) as exc:
            logger.error("{}", exc)
            code = EXIT_USAGE if isinstance(exc, UsageError) else EXIT_ENVIRONMENT
            self.code, self.reason = code, str(exc)
        except asyncio.CancelledError:
            self.code, self.reason = EXIT_INTERRUPTED, "interrupted"
        except Exception as exc:
            first_line = (str(exc).splitlines() or [""])[0]
            if self._stop.is_set():  # the browser went with the stop (a terminal's Ctrl-C reaches it too)
                logger.warning("stopped while starting: {}: {}", type(exc).__name__, first_line)
            else:
                logger.exception("run failed")
                self.code, self.reason = EXIT_ENVIRONMENT, f"{type(exc).__name__}: {first_line}"
                await self._save_failure("error")
        finally:
            await self._shutdown()
        print_summary(self.mode, self.summary or {"reason": self.reason})
        logger.info("session ended: {reason} (exit {code})", reason=self.reason, code=self.code)
        return self.code

    def request_stop(self, why: str) -> None:
        """Stop betting now and end the run (the feed keeps flowing meanwhile, so open bets settle)."""
        if self.loop is not None:
            self.loop.stop_betting()
        if not self._stop.is_set():
            logger.warning("stopping: {}", why)
            if why.startswith("signal"):
                self.code, self.reason = EXIT_INTERRUPTED, why
            self._stop.set()

    # ------------------------------------------------------------------ start-up

    async def _start(self) -> None:
        from bot.browser.launch import launch
        from bot.feeds.sniffer import Sniffer

        target = self.target = open_target(self.settings, self.profile, self.options, self.sim)
        self.sim = target.sim
        parts = self._assemble(target.url)
        if parts.governor.state.level.value in ("HALTED", "KILLED"):
            raise _Refused(parts.governor.state.reasons)
        ext = extension_dir(self.settings, self.options) if self.mode.clicks else None
        browser = self.browser = await launch(
            self.settings,
            self.profile,
            headless=self.options.headless,
            extension_dir=ext,
            profile_dir=target.profile_dir,
            trace=self.options.trace,
        )
        logger.info(
            "browser {exe} on profile {d} (headless={h})",
            exe=browser.executable,
            d=browser.profile_dir,
            h=self.options.headless,
        )
        browser.context.on("close", lambda _ctx: self._browser_gone())
        if self.mode.clicks:
            self.login = WalletLogin(
                browser,
                self.profile.browser,
                sim_url=self.sim.url if self.sim is not None else None,
                password=target.password,
                tracker=parts.tracker,
                on_halt=lambda r: self._halt(r, "signing_request"),
                stopping=self._stop.is_set,
                halt_reason=lambda: self._halt_reason,
            )
            await self.login.start_wallet()
        page = self.page = await browser.page()
        self.sniffer = Sniffer([self._on_frame])
        self.sniffer.attach(page)  # before goto: the socket opens during page load
        broker = self.broker
        if broker is None:
            broker = self._attach(
                browser_broker(
                    page,
                    parts.config,
                    arm_timeout_s=self.options.arm_timeout_s,
                    feed_ok=self._feed_ok,
                    on_halt=lambda r: self._halt(r, "page_control_missing"),
                )
            )
        await page.goto(target.url, wait_until="domcontentloaded")
        if self.login is not None:
            await self.login.connect(page)
            if self._stop.is_set():
                return
            await broker.arm()
            if parts.gate is not None:  # the next decision is on a frame that arrived after arming
                parts.gate.open(time.time(), broker)
        assert self.loop is not None
        self._games_base = self.loop.stats.games_finished
        logger.info("armed in {mode} mode on {url}", mode=self.mode.label, url=target.url)

    def _assemble(self, url: str) -> LoopParts:
        from bot.brokers.paper import DryBroker
        from bot.store.db import Store

        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store.open(self.settings.db_path)
        if self.options.record:
            self.recorder = open_recording(self.settings, self.profile, self.mode, url)
        config = LoopConfig.live(self.profile, self.mode, self.settings.strategies_dir)
        self.parts = assemble(config, self.store, t=time.time(), recorder=self.recorder)
        if self.mode is Mode.DRY_RUN:
            self._attach(DryBroker(self.profile.timing.click_latency_s))
        return self.parts

    def _attach(self, broker: Broker) -> Broker:
        assert self.parts is not None
        self.broker = broker
        self.loop = self.parts.attach(broker)
        self.driver = FrameDriver(self.loop, broker, after_idle=self._after_idle)
        return broker

    def _feed_ok(self) -> bool:
        """The page's socket is open and talking (no click may be buffered across a reconnect)."""
        if self.sniffer is None:
            return False
        h = self.sniffer.health
        age = h.age(time.time())
        return h.connected and age is not None and age < self.profile.guards.feed_silent_s

    async def _rearm(self) -> None:
        """After a reload: log in again and re-verify the controls; a failure halts."""
        if self.login is None or self.page is None or self.broker is None or self.parts is None:
            return
        self._rearming = True
        try:
            await self.login.rearm(self.page, self.broker, self.parts.gate)
        except HaltRequired as exc:
            self._halt(exc.reason, alarm_kind(exc))
        finally:
            self._rearming = False

    # ------------------------------------------------------------------ the frame path

    def _on_frame(self, t: float, direction: str, text: str) -> None:
        if self.driver is not None:
            self.driver.on_frame(t, direction, text)

    def _after_idle(self) -> None:
        if self.loop is None or self.parts is None:
            return
        state = self.parts.governor.state
        if state.level.value in ("HALTED", "KILLED") and self.mode.clicks and not self._stop.is_set():
            self._halt_reason = self._halt_reason or "; ".join(state.reasons)
            self.code, self.reason = EXIT_HALTED, f"halted: {self._halt_reason}"
            self.request_stop(self.reason)
        games = self.options.games
        # --games counts games that finished after the bot was ready (armed, or watching in dry-run): the game
        # in progress at connect, or one that rugs during the wallet login, is not a game the bot played.
        if (
            games is not None
            and self._games_base is not None
            and self.loop.stats.games_finished - self._games_base >= games
        ):
            self.request_stop(f"{games} games finished")

    def _browser_gone(self) -> None:
        """The browser closed while we did not ask it to (crashed, killed, OOM): no clicks are possible, and a
        bet in flight can only be explained by the server later. Halt with the reason; the next start
        reconciles open bets from the server (bot/bets/reconcile.py)."""
        if self._stop.is_set():
            return
        self._halt(
            "the browser closed unexpectedly (crashed or killed); open bets are reconciled at the next start",
            "browser_crashed",
        )

    def _halt(self, reason: str, kind: str = "execution") -> None:
        """A halt from the wallet or the broker: persisted by the governor before anything else. Not once a stop
        is under way: Ctrl-C in a terminal and ``systemctl stop`` signal the browser too, and failing to operate a
        page that is being closed is the stop itself (a signing request still halts)."""
        if self._halt_reason is not None:
            return
        if self._stop.is_set() and kind in _CLOSING_EFFECTS:
            logger.warning("while stopping: {} (not a halt: the page is being closed)", reason)
            return
        self._halt_reason = reason
        if self.parts is not None:
            self.parts.governor.alarm(kind, reason)
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
                    self.request_stop(f"duration {duration:g} s reached")
                if self.parts is not None:
                    # time-based guards (feed silence) must fire during a silence too, not only on frames
                    self.parts.governor.tick(self.parts.tracker.view, time.time())
                if (
                    self.driver is not None
                    and self.mode.clicks
                    and not self.driver.broker.armed
                    and self._halt_reason is None
                    and not self._rearming
                    and not self._stop.is_set()
                ):
                    self.driver.spawn(self._rearm())
                if time.time() - self._last_rotate > 60 and self.browser is not None:
                    self._last_rotate = time.time()
                    await self.browser.rotate_trace()

    def broker_stats(self) -> BrokerStats:
        return self.broker.stats() if self.broker is not None else BrokerStats()

    @property
    def halt_reason(self) -> str | None:
        """Why the run halted (a halt from the wallet, the broker or the governor), or ``None``."""
        return self._halt_reason

    # ------------------------------------------------------------------ shutdown

    async def _save_failure(self, label: str) -> None:
        if self.browser is None:
            return
        saved = await self.browser.save_failure(self.settings.log_dir, label)
        for p in saved:
            logger.error("failure evidence saved: {p}", p=p)

    async def _shutdown(self) -> None:
        if self.driver is not None:  # clicks in flight finish (bounded) before anything closes
            await self.driver.drain(self.profile.timing.confirm_timeout_s + 2)
        if self._halt_reason and self.browser is not None and self.code == EXIT_HALTED:
            await self._save_failure("halt")
        if self.driver is not None:
            self.driver.close()  # no frame reaches the loop once it starts closing
        if self.loop is not None and self.parts is not None:
            self.summary = summary_of(self)
        if self.parts is not None:
            with contextlib.suppress(Exception):
                self.parts.close(time.time())
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                self.recorder.close()
        if self.browser is not None:
            await self.browser.close()
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.close()
        if self.target is not None:
            self.target.close()


_CLOSING_EFFECTS = frozenset({AlarmKind.EXECUTION, AlarmKind.PAGE_CONTROL_MISSING, AlarmKind.BROWSER_CRASHED})


class _Refused(HaltRequired):
    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("refusing to start while halted: " + "; ".join(reasons) + " (run `rugsbot resume`)")
