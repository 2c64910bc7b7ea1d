"""The run's recoveries: the watchdog's task samples the page and the browser every second, asks the
policy (bot/app/watchdog.py) and acts: reload the page and re-arm, or relaunch the persistent context and
re-arm, or halt past ``[watchdog] max_recoveries_per_hour``. It also owns the run's heartbeat
(bot/app/heartbeat.py) and a frame sink (game frames seen, the protocol-drift alarm).

Order of a recovery, and why:
1. the policy's cap is checked first (a crash loop halts with its reason instead of relaunching forever);
2. the decider's gate closes, so no decision is taken while the page is away;
3. a click in flight is waited for (bounded by the confirmation timeout): its report must reach the loop before
   the page goes, and nothing is ever clicked twice. A bet whose result the old page never showed is settled from
   the server's truth by the loop's reconciliation when the next game starts (bot/app/loop.py);
4. reload (the same page and broker: the broker disarms itself on the navigation) or relaunch (a crashed browser
   after a backoff; the old context closed, a new one launched on the same locked profile, the wallet unlocked, the
   sniffer attached to the new page before ``goto``, a new broker for the new page swapped into the loop);
5. re-arm exactly as after any reload (bot/app/login.py: log in, verify every control, reopen the gate on
   frames received after arming); a login that does not complete is retried by a relaunch (within the cap), a
   missing control or a signing request halts, as they always have;
6. one ``recovery`` event in the database (action, cause, detail, ok, seconds) and a log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loguru import logger

from bot.app.drift_alarm import ALARM_KIND, DriftAlarm
from bot.app.heartbeat import Heartbeat
from bot.app.login import alarm_kind
from bot.app.watchdog import Action, Cause, GameFrames, PageState, Plan, Watchdog
from bot.browser.errors import SigningRequested
from bot.browser.processes import browser_rss_mb
from bot.browser.singleton import user_data_dir
from bot.game.state import Phase
from bot.game.tracker import GameTracker
from bot.shorten import shorten

if TYPE_CHECKING:
    from playwright.async_api import Page

    from bot.app.assembly import LoopParts
    from bot.app.live import LiveRun
    from bot.brokers.base import Broker
    from bot.browser.launch import LaunchedBrowser

CHECK_EVERY_S = 1.0
PROBE_EVERY_S = 5.0  # the page answers a trivial script (a hung renderer does not)
PROBE_TIMEOUT_S = 5.0
RSS_EVERY_S = 30.0
RELOAD_TIMEOUT_MS = 30_000
# A whole recovery (wait for a click, reload or relaunch, log in, verify the controls) that takes longer is given up
# and retried by a relaunch: a browser killed while it starts can leave a Playwright call waiting forever (seen in
# the soak, Playwright 1.65). Under load a relaunch with its login took up to ~2 minutes.
RECOVERY_TIMEOUT_S = 180.0
BETWEEN_GAMES = (Phase.RUGGED, Phase.COOLDOWN, Phase.PRESALE)


class Recovery:
    """One run's watchdog. ``halt(reason, kind)`` and ``make_broker(page)`` are the run's own
    (bot/app/live.py); ``stopping()`` says the run is ending (nothing is recovered then)."""

    def __init__(
        self,
        run: LiveRun,
        *,
        halt: Callable[[str, str], None],
        make_broker: Callable[[Page], Broker],
        stopping: Callable[[], bool],
    ) -> None:
        self.run = run
        self.config = run.profile.watchdog
        self.policy = Watchdog(self.config)
        self._busy = False
        self.frames = GameFrames(self._drifted)  # the sniffer sink (live.py)
        self.loaded_t = self.answered_t = time.time()
        self._probe_missed = False
        self.heartbeat: Heartbeat | None = None
        self._halt = halt
        self._make_broker = make_broker
        self._stopping = stopping
        self._next: Plan | None = None  # a crash, or a reload that failed: done on the next check
        self._closing: LaunchedBrowser | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._done = False  # stop() was called: the run is shutting down and closes the browser itself
        self._probe_t = self._rss_t = 0.0
        self._rss_mb: float | None = None
        self._probe_missed = False

    # ------------------------------------------------------------------ hooks of the run

    async def open(self, parts: LoopParts) -> None:
        """Once the session exists: start the heartbeat; watch the tracker's drift counters (bot/game/drift.py)."""
        settings = self.run.settings
        self.heartbeat = Heartbeat(
            settings.db_path, parts.governor.session, self.config.heartbeat_s, counters=self.live_counters
        )
        await self.heartbeat.start()
        if isinstance(parts.tracker, GameTracker):
            drift = parts.tracker.counters.drift
            self.frames.drift_alarm = DriftAlarm(drift, self.config.protocol_drift_limit, settings.data_dir)

    async def close(self) -> None:
        """After the governor closed the session: add the run's own lines to its summary; stop the heartbeat."""
        run = self.run
        if run.store is not None and run.parts is not None:
            try:
                run.store.add_to_summary(run.parts.governor.session, self.summary_fields())
            except Exception as exc:
                logger.warning("session summary not completed: {}", exc)
        if self.heartbeat is not None:
            await self.heartbeat.stop()

    def _drifted(self, reason: str) -> None:
        logger.error("ALARM {}: {}", ALARM_KIND, reason)
        self._halt(reason, ALARM_KIND)

    def watch(self, browser: LaunchedBrowser, page: Page) -> None:
        """Notice the browser or its page dying (crash, kill, OOM), before anything else can use them."""
        browser.context.on("close", lambda _ctx: self._gone(browser, Cause.BROWSER_CRASHED))
        page.on("crash", lambda _page: self._gone(browser, Cause.PAGE_CRASHED))

    def page_loaded(self) -> None:
        """The page has just been (re)loaded: the silence and age clocks start again."""
        self.loaded_t = self.answered_t = time.time()

    def start(self) -> None:
        """The run is armed: watch from now on (the silence and age clocks start now)."""
        self.page_loaded()
        self._task = asyncio.create_task(self._run(), name="watchdog")

    async def stop(self) -> None:
        self._done = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    @property
    def busy(self) -> bool:
        """A recovery is under way or due (a crash seen, a failed one to retry): the run's own re-arm after a
        navigation must not run meanwhile (bot/app/live.py)."""
        return self._busy or self._next is not None

    @property
    def count(self) -> int:
        """Recoveries made by this run (each is a ``recovery`` event of the session)."""
        return self.policy.total

    def note(self) -> str:
        """For the screen: recoveries and protocol drift, when there is something to say."""
        parts = []
        if self.policy.total:
            last = self.policy.last
            parts.append(f"recoveries {self.policy.total}" + (f" (last: {last.cause.value})" if last else ""))
        drift = self.frames.drift_alarm.drift.total if self.frames.drift_alarm is not None else 0
        if drift:
            parts.append(f"protocol drift {drift} events")
        return " · ".join(parts)

    def live_counters(self) -> dict[str, Any]:
        """What the heartbeat carries while the run goes on (``status`` of a running bot)."""
        drift = self.frames.drift_alarm.drift.total if self.frames.drift_alarm is not None else 0
        return {"recoveries": self.policy.total, "protocol_drift": drift}

    def summary_fields(self) -> dict[str, Any]:
        """What the run adds to its session summary."""
        drift = self.frames.drift_alarm.drift if self.frames.drift_alarm is not None else None
        return {
            "recoveries": self.policy.total,
            "protocol_drift": drift.as_dict() if drift is not None else {"total": 0},
        }

    # ------------------------------------------------------------------ the task

    def _gone(self, browser: LaunchedBrowser, cause: Cause) -> None:
        if self._stopping() or self._done or browser is self._closing or browser is not self.run.browser:
            return  # the run is closing it, or we are, or it was replaced already
        if (
            self._task is None
        ):  # still starting: the run fails in one line (LiveRun.browser_gone_while_starting)
            return
        if self._next is None or self._next.action is not Action.RELAUNCH:
            what = "page crashed" if cause is Cause.PAGE_CRASHED else "browser closed unexpectedly"
            detail = f"the {what} (crashed or killed)"
            logger.warning("{}", detail)
            self._next = Plan(Action.RELAUNCH, cause, detail)
        if self.run.parts is not None and self.run.parts.gate is not None:
            self.run.parts.gate.close()  # no decision for a page that is gone
        self._wake.set()

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=CHECK_EVERY_S)
            self._wake.clear()
            if self._stopping() or self.run.halt_reason is not None or self._busy:
                continue
            plan, self._next = self._next, None
            if plan is None:
                plan = self.policy.plan(await self._sample())
            if plan is not None:
                await self._recover(plan)

    async def _sample(self) -> PageState:
        run, now = self.run, time.time()
        page, browser = run.page, run.browser
        silent_s = now - max(self.loaded_t, self.frames.last_t or self.loaded_t)
        # A silent feed is probed at once: a hung renderer stops the feed too, and only the probe tells a hung
        # page (relaunch) from a quiet socket (reload, which would wait on a hung renderer for its timeout).
        due = silent_s > self.config.reload_after_silent_s and self._probe_t < now - CHECK_EVERY_S
        if page is not None and (due or now - self._probe_t >= PROBE_EVERY_S):
            self._probe_t = now
            try:
                await asyncio.wait_for(page.evaluate("1"), timeout=PROBE_TIMEOUT_S)
                self.answered_t, self._probe_missed = time.time(), False
            except TimeoutError:
                self._probe_missed = True  # not answering: the policy relaunches once that lasts
            except Exception:  # navigating, or closing: the page's process answered
                self.answered_t, self._probe_missed = time.time(), False
        if browser is not None and now - self._rss_t >= RSS_EVERY_S and self.config.browser_rss_limit_mb:
            self._rss_t = now
            self._rss_mb = await asyncio.to_thread(browser_rss_mb, user_data_dir(browser.profile_dir))
        clicking = run.driver is not None and run.driver.clicks_in_flight > 0
        idle = False
        maintenance = False
        if run.parts is not None:
            view = run.parts.tracker.view
            maintenance = view.maintenance
            idle = (
                not clicking
                and view.phase in BETWEEN_GAMES
                and run.parts.governor.ledger_view().open_bet is None
            )
        return PageState(
            now=time.time(),
            loaded_t=self.loaded_t,
            last_event_t=self.frames.last_t,
            answered_t=self.answered_t,
            rss_mb=self._rss_mb,
            clicking=clicking,
            idle=idle,
            maintenance=maintenance,
            probe_missed=self._probe_missed,
        )

    async def _recover(self, plan: Plan) -> None:
        run = self.run
        t0 = time.time()
        refused = self.policy.admit(plan, t0)
        if refused is not None:
            logger.error("watchdog: no more recoveries: {}", refused)
            self._halt(refused, plan.cause.alarm_kind)
            return
        logger.warning(
            "watchdog: {a} ({c}: {d}), recovery {n} this hour",
            a=plan.action.value,
            c=plan.cause.value,
            d=plan.detail,
            n=self.policy.in_last_hour,
        )
        self._busy = True
        error = ""
        if run.loop is not None:
            run.loop.bets.page_lost()  # a click of the old page is explained by the balance, never "not sent"
        try:
            await asyncio.wait_for(self._act(plan), timeout=RECOVERY_TIMEOUT_S)
        except SigningRequested as exc:  # only a human may approve that: never retried
            error = f"{type(exc).__name__}: {exc.reason}"
            self._halt(exc.reason, alarm_kind(exc))
        except Exception as exc:  # the next check tries again (a relaunch), within the hourly cap
            first = (
                shorten((str(exc).splitlines() or [""])[0], 200)
                or f"no answer within {RECOVERY_TIMEOUT_S:g} s"
            )
            error = f"{type(exc).__name__}: {first}"
            logger.warning("watchdog: {a} failed: {e}", a=plan.action.value, e=error)
            if not self._stopping():
                self._next = Plan(
                    Action.RELAUNCH, Cause.RECOVERY_FAILED, f"{plan.action.value} failed: {error}"
                )
                self._wake.set()
        finally:
            self._busy = False
        ok = not error and run.halt_reason is None
        took = time.time() - t0
        if ok:
            logger.info("watchdog: recovered by {a} in {s:.1f} s", a=plan.action.value, s=took)
        self._record(t0, plan, ok, took, error)

    async def _act(self, plan: Plan) -> None:
        run = self.run
        if run.parts is not None and run.parts.gate is not None:
            run.parts.gate.close()
        await self._clicks_done()
        if plan.action is Action.RELOAD:
            await self._reload()
        else:
            await self._relaunch(plan)
        await self._rearm()

    async def _rearm(self) -> None:
        """Log in again and verify every control, as after any reload (bot/app/login.py). A login that does not
        complete (e.g. the feed went silent again meanwhile) raises and is retried by a relaunch; a missing
        control has halted the run through the broker already."""
        run = self.run
        if run.login is None or run.page is None or run.broker is None or run.parts is None:
            return  # dry-run: nothing to arm
        await run.login.rearm(run.page, run.broker, run.parts.gate)

    async def _clicks_done(self) -> None:
        """Wait for a click in flight to report (its confirmation timeout bounds it)."""
        driver = self.run.driver
        deadline = time.time() + self.run.profile.timing.confirm_timeout_s + 2.0
        while driver is not None and driver.clicks_in_flight > 0 and time.time() < deadline:
            await asyncio.sleep(0.05)

    async def _reload(self) -> None:
        page = self.run.page
        if page is None:
            raise RuntimeError("no page to reload")
        await page.reload(wait_until="domcontentloaded", timeout=RELOAD_TIMEOUT_MS)
        await self._loaded(page)

    async def _relaunch(self, plan: Plan) -> None:
        from bot.app.target import extension_dir
        from bot.browser.launch import launch

        run = self.run
        if plan.cause.alarm_kind == "browser_crashed":
            await asyncio.sleep(self.policy.backoff_s())
        old = run.browser
        if old is not None:
            self._closing = old
            await old.close()  # a dead context closes at once; the profile lock is released
        assert run.target is not None
        browser = await launch(
            run.settings,
            run.profile,
            headless=run.options.headless,
            extension_dir=extension_dir(run.settings, run.options) if run.mode.clicks else None,
            profile_dir=run.target.profile_dir,
            trace=run.options.trace,
        )
        run.browser = browser
        self._closing = None
        if run.login is not None:
            run.login.browser = browser
            await run.login.start_wallet()
        page = run.page = await browser.page()
        self.watch(browser, page)
        if run.sniffer is not None:
            run.sniffer.attach(page)  # before goto: the socket opens during page load
        if run.mode.clicks:
            broker = self._make_broker(page)  # the old one clicks on a page that is gone
            run.broker = broker
            if run.loop is not None:
                run.loop.replace_broker(broker)
            if run.driver is not None:
                run.driver.broker = broker
        await page.goto(run.target.url, wait_until="domcontentloaded", timeout=RELOAD_TIMEOUT_MS)
        await self._loaded(page)

    async def _loaded(self, page: Page) -> None:
        """The page's scripts have run (so its Connect button, if any, is drawn before the login looks)."""
        self.page_loaded()
        with contextlib.suppress(Exception):
            await page.wait_for_load_state("load", timeout=RELOAD_TIMEOUT_MS / 2)

    def _record(self, t: float, plan: Plan, ok: bool, took: float, error: str) -> None:
        run = self.run
        if run.store is None or run.parts is None:
            return
        data = {
            "action": plan.action.value,
            "cause": plan.cause.value,
            "detail": plan.detail,
            "ok": ok,
            "duration_s": round(took, 2),
            "in_last_hour": self.policy.in_last_hour,
        }
        if error:
            data["error"] = error
        run.ops.recovered(f"{plan.action.value} ({plan.cause.value}: {plan.detail})", ok, took, error)
        try:
            run.store.record_recovery(t, run.parts.governor.session, data)
        except Exception as exc:  # the recovery itself happened; a full disk must not stop the run here
            logger.warning("recovery not recorded: {}", exc)
