"""``rugsbot run``: the bot in a real browser — dry-run (watch only), practice (FREE coin) or live.

Order of a run, and why:
1. resolve the mode (CLI overrides can only make a run *safer*; live needs a live profile AND a typed
   confirmation or ``--yes-live``); refuse to start while a halt is recorded (exit 3);
2. launch Chromium on the locked profile with the wallet extension; start the approval watcher before
   anything can ask the wallet for something;
3. attach the sniffer BEFORE ``goto`` so the page's socket is seen from its first frame;
4. connect the wallet (practice/live), verify every control and select the coin, then arm;
5. every sniffed frame goes through ``TradingLoop.on_frame``; an intent is clicked by the broker on its own
   task, and its reports come back through ``TradingLoop.apply``;
6. stop on Ctrl-C / SIGTERM / ``--duration`` / ``--games`` / a halt: finish the clicks in flight, close the
   session row, the recorder, the database and the browser; print a summary; on failure save a
   screenshot and the Playwright trace next to the logs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from bot.bets.model import BetIntent, BrokerReport
from bot.brokers.base import BrokerStats
from bot.browser.errors import BrowserEnvironmentError, HaltRequired
from bot.commands.common import add_profile_arg, load
from bot.config import Profile, Settings
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_HALTED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from bot.mode import Mode

LIVE_WORD = "LIVE"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    head = parser.add_mutually_exclusive_group()
    head.add_argument(
        "--headless", dest="headless", action="store_true", default=None, help="no browser window"
    )
    head.add_argument("--headed", dest="headless", action="store_false", help="show the browser window")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument("--games", type=int, default=None, metavar="N", help="stop after N finished games")
    parser.add_argument("--sim", action="store_true", help="start the built-in simulator and run against it")
    parser.add_argument("--sim-speed", type=float, default=1.0, help="simulator clock speed-up (with --sim)")
    parser.add_argument("--sim-seed", default=None, help="simulator seed (with --sim), for reproducible runs")
    parser.add_argument(
        "--sim-faults", default="", help="simulator fault schedule, e.g. drop@30 (with --sim)"
    )
    parser.add_argument(
        "--sim-url",
        default=None,
        metavar="URL",
        help="like --sim, but use a simulator already running at URL (`rugsbot sim`); it outlives "
        "the bot, so restarts and crash recovery can be checked against its truth",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="watch and decide, never click")
    mode.add_argument("--practice", action="store_true", help="bet the practice coin (FREE)")
    parser.add_argument(
        "--yes-live", action="store_true", help="skip the typed LIVE confirmation (live profiles)"
    )
    parser.add_argument("--no-trace", action="store_true", help="do not keep a Playwright trace for failures")
    parser.add_argument("--no-record", action="store_true", help="do not record the session's frames")


class UsageError(Exception):
    pass


def resolve_mode(profile: Profile, args: argparse.Namespace) -> Mode:
    """CLI flags may lower the mode (live → practice → dry-run), never raise it."""
    if getattr(args, "dry_run", False):
        return Mode.DRY_RUN
    if getattr(args, "practice", False):
        return Mode.PRACTICE
    return profile.mode


def confirm_live(args: argparse.Namespace, stdin: Any = None, stdout: Any = None) -> bool:
    """Live money needs a human: ``--yes-live`` or the word LIVE typed on stdin."""
    if args.yes_live:
        return True
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    stdout.write("This profile bets REAL SOL. Type LIVE to continue: ")
    stdout.flush()
    line = stdin.readline()
    return line.strip() == LIVE_WORD


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    mode = resolve_mode(profile, args)
    if mode is Mode.LIVE:
        if args.sim or args.sim_url:
            print("rugsbot run: --sim never runs live; use --practice or --dry-run", file=sys.stderr)
            return EXIT_USAGE
        if not confirm_live(args):
            print("rugsbot run: live run not confirmed", file=sys.stderr)
            return EXIT_USAGE
    for flag in ("duration", "games"):
        v = getattr(args, flag)
        if v is not None and v <= 0:
            print(f"rugsbot run: --{flag} must be > 0", file=sys.stderr)
            return EXIT_USAGE
    from bot.logs import configure

    configure(mode, level=settings.log_level, log_dir=settings.log_dir, secrets=settings.secret_values())
    headless = profile.browser.headless if args.headless is None else args.headless
    external = None
    if args.sim_url:
        if not args.sim_url.startswith(("http://127.", "http://localhost")):
            print(
                "rugsbot run: --sim-url must be a simulator on this machine (http://127.0.0.1:PORT)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        args.sim = True
        external = ExternalSim(args.sim_url.rstrip("/"))
    bot = BotRun(settings, profile, mode, args, headless=headless, sim=external)
    try:
        return asyncio.run(bot.main())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


@dataclass(frozen=True)
class ExternalSim:
    """A simulator this process did not start (``--sim-url``): used, never stopped."""

    url: str

    def stop(self) -> None:
        return None


@dataclass
class RunResult:
    code: int
    reason: str


class BotRun:
    """One run of the bot; owns every resource it opens and closes them in reverse order."""

    def __init__(
        self,
        settings: Settings,
        profile: Profile,
        mode: Mode,
        args: argparse.Namespace,
        *,
        headless: bool,
        sim: Any = None,
    ) -> None:
        self.settings = settings
        self.profile = profile
        self.mode = mode
        self.args = args
        self.headless = headless
        self.reason = "finished"
        self.code = EXIT_OK
        self.sim: Any = sim  # a simulator started by the caller (tests) is used, and left running
        self._own_sim = sim is None
        self.browser: Any = None
        self.loop: Any = None
        self.sniffer: Any = None
        self.broker: Any = None
        self.wallet: Any = None
        self.recorder: Any = None
        self.store: Any = None
        self.governor: Any = None
        self.started = time.time()
        self._games_base: int | None = None  # games finished when the bot became ready (see _idle)
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle_scheduled = False
        self._last_rotate = time.time()
        self._halt_reason: str | None = None
        self._closing = False
        self._rearming = False
        self.arm_timeout_s = 5.0  # how long the controls may take to appear before the run halts
        self.summary: dict[str, Any] = {}

    # ------------------------------------------------------------------ main

    async def main(self) -> int:
        self._stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._request_stop, f"signal {sig.name}")
        try:
            await self._start()
            await self._wait()
        except _Refused as exc:
            logger.error("{}", exc.reason)
            self.code, self.reason = EXIT_HALTED, exc.reason
        except HaltRequired as exc:
            self._halt(exc.reason, _alarm_kind(exc))
        except BrowserEnvironmentError as exc:
            logger.error("{}", exc)
            self.code, self.reason = EXIT_ENVIRONMENT, str(exc)
        except UsageError as exc:
            logger.error("{}", exc)
            self.code, self.reason = EXIT_USAGE, str(exc)
        except asyncio.CancelledError:
            self.code, self.reason = EXIT_INTERRUPTED, "interrupted"
        except Exception as exc:
            logger.exception("run failed")
            first_line = (str(exc).splitlines() or [""])[0]
            self.code, self.reason = EXIT_ENVIRONMENT, f"{type(exc).__name__}: {first_line}"
            await self._save_failure("error")
        finally:
            await self._shutdown()
        self._print_summary()
        return self.code

    def _request_stop(self, why: str) -> None:
        if self.loop is not None:
            self.loop.stop_betting()  # no new bet while shutting down (the feed keeps flowing meanwhile)
        if not self._stop.is_set():
            logger.warning("stopping: {}", why)
            if why.startswith("signal"):
                self.code, self.reason = EXIT_INTERRUPTED, why
            self._stop.set()

    # ------------------------------------------------------------------ start-up

    async def _start(self) -> None:
        from bot.browser.launch import launch
        from bot.feeds.sniffer import Sniffer

        url = self.settings.url or self.profile.browser.url
        profile_dir = self.settings.browser_profile_dir
        password = self.settings.wallet_password
        if self.args.sim:
            url, profile_dir, password = self._start_sim(password)
        self.url = url
        self._password = password  # SecretStr | None: never formatted, logged or written anywhere
        self._build_session(url)
        if self.governor.state.level.value in ("HALTED", "KILLED"):
            raise _Refused(self.governor.state.reasons)
        needs_wallet = self.mode is not Mode.DRY_RUN
        ext = self._extension_dir() if needs_wallet else None
        self.browser = await launch(
            self.settings,
            self.profile,
            headless=self.headless,
            extension_dir=ext,
            profile_dir=profile_dir,
            trace=not self.args.no_trace,
        )
        logger.info(
            "browser {exe} on profile {d} (headless={h})",
            exe=self.browser.executable,
            d=self.browser.profile_dir,
            h=self.headless,
        )
        self.browser.context.on("close", lambda _ctx: self._browser_gone())
        if needs_wallet:
            await self._start_wallet(password)
        page = await self.browser.page()
        self.page = page
        self.sniffer = Sniffer([self._on_frame])
        self.sniffer.attach(page)  # before goto: the socket opens during page load
        if self.broker is None:
            self._make_browser_broker(page)
        await page.goto(url, wait_until="domcontentloaded")
        if needs_wallet:
            await self._connect_wallet(page)
            if self._stop.is_set():
                return
            await self.broker.arm()
        self._games_base = self.loop.stats.games_finished
        logger.info("armed in {mode} mode on {url}", mode=self.mode.label, url=url)

    def _start_sim(self, password: Any) -> tuple[str, Path, Any]:
        from pydantic import SecretStr

        from bot.sim.config import SimConfig
        from bot.sim.runner import start_sim_in_thread

        if self.sim is None:
            cfg = SimConfig(speed=self.args.sim_speed, seed=self.args.sim_seed, faults=self.args.sim_faults)
            self.sim = start_sim_in_thread(cfg)
            logger.info("simulator started at {url} (speed {s}x)", url=self.sim.url, s=cfg.speed)
        if password is None:
            # No password configured: a throw-away profile and wallet for this run only.
            self._tmp = tempfile.TemporaryDirectory(prefix="rugsbot-sim-profile-")
            return self.sim.url, Path(self._tmp.name), SecretStr(secrets.token_urlsafe(18))
        return self.sim.url, self.settings.data_dir / "sim-browser-profile", password

    def _extension_dir(self) -> Path:
        if self.settings.extension_dir is not None:
            return Path(self.settings.extension_dir)
        if self.args.sim:
            from bot.sim.assets import extension_dir

            return extension_dir()
        raise UsageError(
            "RUGSBOT_EXTENSION_DIR is not set: point it at the unpacked wallet extension "
            "(practice/live on the real site need the real Phantom; see `rugsbot login`)"
        )

    def _build_session(self, url: str) -> None:
        from bot.app.loop import TradingLoop
        from bot.brokers.paper import DryBroker
        from bot.engine.probability import ProbabilityModel
        from bot.engine.ranking import Decider
        from bot.fair.audit import Auditor
        from bot.feeds.recording import RecordingWriter
        from bot.game.tracker import GameTracker
        from bot.money import sol_to_lamports
        from bot.risk.governor import Governor
        from bot.store.db import Store

        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store.open(self.settings.db_path)
        mode = self.mode
        self.governor = Governor.start(
            self.profile.guards,
            self.store,
            mode=mode,
            profile=self.profile.name,
            coin=self.profile_coin,
            logged_in=self.mode is not Mode.DRY_RUN,
            starting_bankroll_lamports=sol_to_lamports(self.profile.starting_bankroll_sol),
            t=time.time(),
        )
        if not self.args.no_record:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            path = self.settings.recordings_dir / f"{stamp}-{mode.value}.frames.jsonl.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            from bot import __version__

            self.recorder = RecordingWriter(
                path,
                {
                    "bot": __version__,
                    "profile": self.profile.name,
                    "mode": mode.label,
                    "url": url,
                    "start": time.time(),
                },
            )
        self.broker = DryBroker(self.profile.timing.click_latency_s) if self.mode is Mode.DRY_RUN else None
        self.tracker = GameTracker()
        self._loop_parts = dict(
            mode=mode,
            coin=self.profile_coin,
            tracker=self.tracker,
            model=ProbabilityModel(self.profile.engine, timing=self.profile.timing),
            decider=ArmGate(Decider(self.profile.engine, self.settings.strategies_dir), self._armed),
            governor=self.governor,
            auditor=Auditor(remember=256),
            recorder=self.recorder,  # gameHistory repeats 10 games: 256 dedupes all
        )
        if self.broker is not None:
            self.loop = TradingLoop(broker=self.broker, **self._loop_parts)

    def _armed(self) -> bool:
        return self.mode is Mode.DRY_RUN or bool(self.broker is not None and self.broker.armed)

    @property
    def profile_coin(self) -> str:
        return self.mode.coin

    def _make_browser_broker(self, page: Any) -> None:
        from bot.app.loop import TradingLoop
        from bot.brokers.browser import BrowserBroker

        self.broker = BrowserBroker(
            page,
            self.profile.browser.selectors,
            mode=self.mode,
            coin=self.profile_coin,
            confirm_timeout_s=self.profile.timing.confirm_timeout_s,
            arm_timeout_s=self.arm_timeout_s,
            feed_ok=self._feed_ok,
            max_lag_ticks=self.profile.timing.max_click_lag_ticks,
            on_halt=lambda r: self._halt(r, "page_control_missing"),
        )
        self.loop = TradingLoop(broker=self.broker, **self._loop_parts)

    def _feed_ok(self) -> bool:
        """The page's socket is open and talking (no click may be buffered across a reconnect)."""
        if self.sniffer is None:
            return False
        h = self.sniffer.health
        age = h.age(time.time())
        return h.connected and age is not None and age < self.profile.guards.feed_silent_s

    async def _start_wallet(self, password: Any) -> None:
        from bot.browser.selectors import PHANTOM_WALLET, STAND_IN_WALLET
        from bot.browser.wallet import ApprovalPolicy, WalletAutomation

        policy = ApprovalPolicy.build(
            self.profile.browser.allowed_origins, sim_url=self.sim.url if self.sim is not None else None
        )
        selectors = STAND_IN_WALLET if self.args.sim else PHANTOM_WALLET
        self.wallet = WalletAutomation(
            self.browser.context,
            self.browser.extension_id,
            policy,
            selectors,
            on_halt=lambda r: self._halt(r, "signing_request"),
            password=password,
        )
        self.wallet.start()
        state = await self.wallet.ensure_ready(password, onboard=self.args.sim)
        logger.info("wallet {state}", state=state)

    async def _connect_wallet(self, page: Any) -> None:
        """Connect → Phantom → (approval windows handled by the watcher) → wait for the authenticated feed."""
        from bot.browser.errors import WalletError
        from bot.browser.selectors import first_visible

        sel = self.profile.browser.selectors
        # At most two attempts, each followed by a long wait: a second click on "Phantom" while a login is
        # still in flight would start a second login (two sign-in approvals, two authenticate calls).
        for _attempt in range(2):
            if await self._stably_logged_in(page):
                break
            option = await first_visible(page, sel.phantom_option)  # the chooser may still be open
            if option is None:
                hit = await first_visible(page, sel.connect_button, timeout_s=5)
                if hit is None:
                    if await self._stably_logged_in(page):
                        break
                    raise WalletError(f"connect button not found (tried {sel.connect_button})")
                await hit[1].click(timeout=5000)
                option = await first_visible(page, sel.phantom_option, timeout_s=5)
            if option is None:
                raise WalletError(f"wallet option not found (tried {sel.phantom_option})")
            with contextlib.suppress(Exception):  # the chooser may close under us: the login goes on anyway
                await option[1].click(timeout=2000)
            end = time.time() + 20
            while time.time() < end and not self._stop.is_set():
                if self._halt_reason:
                    raise HaltRequired(self._halt_reason)
                if await self._stably_logged_in(page):
                    break
                await asyncio.sleep(0.1)
            if self._halt_reason:
                raise HaltRequired(self._halt_reason)
        if not await self._stably_logged_in(page):
            if self._stop.is_set():
                logger.info("stop requested before the wallet login finished")
                return
            raise WalletError("the site did not log in through the wallet")
        logger.info("logged in as {p}", p=self.tracker.account.player_id)

    def _logged_in(self) -> bool:
        acc = self.tracker.account
        return bool(acc.authenticated or acc.player_id)

    async def _page_logged_in(self, page: Any) -> bool:
        """The feed knows our account AND the page shows no Connect button (a reload logs the page out)."""
        from bot.browser.selectors import first_visible

        if not self._logged_in():
            return False
        return await first_visible(page, self.profile.browser.selectors.connect_button) is None

    async def _stably_logged_in(self, page: Any) -> bool:
        """Logged in now and still 0.3 s later (the page re-renders while the login completes)."""
        if not await self._page_logged_in(page):
            return False
        await asyncio.sleep(0.3)
        return await self._page_logged_in(page)

    async def _rearm(self) -> None:
        """After a reload the page is logged out and the controls are new: log in again and re-verify them."""
        self._rearming = True
        try:
            await asyncio.sleep(0.5)
            await self._connect_wallet(self.page)
            await self.broker.arm()
            logger.info("re-armed after the page changed")
        except HaltRequired as exc:
            self._halt(exc.reason, _alarm_kind(exc))
        except Exception as exc:
            self._halt(
                f"could not re-arm after the page changed: {type(exc).__name__}", "page_control_missing"
            )
        finally:
            self._rearming = False

    # ------------------------------------------------------------------ the frame path

    def _on_frame(self, t: float, direction: str, text: str) -> None:
        if self.loop is None or self._closing:
            return
        intent = self.loop.on_frame(t, direction, text)
        if intent is not None:
            self._spawn(self._place(intent))
        if not self._idle_scheduled:
            self._idle_scheduled = True
            asyncio.get_running_loop().call_soon(self._idle)

    def _idle(self) -> None:
        self._idle_scheduled = False
        with contextlib.suppress(Exception):
            self.loop.idle()
        level = self.governor.state.level.value
        if level in ("HALTED", "KILLED") and self.mode is not Mode.DRY_RUN and not self._stop.is_set():
            self._halt_reason = self._halt_reason or "; ".join(self.governor.state.reasons)
            self.code, self.reason = EXIT_HALTED, f"halted: {self._halt_reason}"
            self._request_stop(self.reason)
        games = self.args.games
        # --games counts games that finished after the bot was ready (armed, or watching in dry-run): the game
        # in progress at connect, or one that rugs during the wallet login, is not a game the bot played.
        if (
            games is not None
            and self._games_base is not None
            and self.loop.stats.games_finished - self._games_base >= games
        ):
            self._request_stop(f"{games} games finished")

    async def _place(self, intent: BetIntent) -> None:
        try:
            report: BrokerReport = await self.broker.submit(intent)
        except Exception as exc:  # the broker never raises by design; if it does, the bet is unknown
            from bot.bets.model import BetStatus

            logger.exception("broker failed")
            report = BrokerReport(
                intent.bet_id, BetStatus.UNKNOWN, time.time(), message=f"broker error: {exc}"
            )
        self.loop.apply(report)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
        """A halt from the wallet or the broker: persisted by the governor before anything else."""
        if self._halt_reason is not None:
            return
        self._halt_reason = reason
        if self.governor is not None:
            self.governor.alarm(kind, reason)
        if self.broker is not None:
            self.broker.halt(reason)
        self.code, self.reason = EXIT_HALTED, f"halted: {reason}"
        if hasattr(self, "_stop"):
            self._request_stop(self.reason)

    # ------------------------------------------------------------------ waiting and the screen

    async def _wait(self) -> None:
        from bot.ui.live import LiveView

        deadline = None if self.args.duration is None else time.time() + self.args.duration
        async with LiveView(self._screen):
            while not self._stop.is_set():
                timeout = 1.0 if deadline is None else max(0.0, min(1.0, deadline - time.time()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), timeout=timeout)
                if deadline is not None and time.time() >= deadline:
                    self._request_stop(f"duration {self.args.duration:g} s reached")
                if self.governor is not None:
                    # time-based guards (feed silence) must fire during a silence too, not only on frames
                    self.governor.tick(self.tracker.view, time.time())
                if (
                    self.mode is not Mode.DRY_RUN
                    and self.broker is not None
                    and not self.broker.armed
                    and self._halt_reason is None
                    and not self._rearming
                    and not self._stop.is_set()
                ):
                    self._spawn(self._rearm())
                if time.time() - self._last_rotate > 60 and self.browser is not None:
                    self._last_rotate = time.time()
                    await self.browser.rotate_trace()

    def _screen(self) -> Any:
        from bot.ui.screen import Screen, latency_stats

        now = time.time()
        view = self.tracker.view
        d = self.loop.last_decision if self.loop is not None else None
        led = self.governor.ledger_view()
        state = self.governor.state
        health = self.sniffer.health if self.sniffer is not None else None
        latencies = [x for x in (self.broker.stats().confirm_latency_s if self.broker is not None else ())]
        last, p50 = latency_stats(latencies)
        est = d.estimate if d is not None else None
        decision = "—"
        if d is not None:
            decision = (
                f"BET {d.proposal.amount_lamports / 1e9:g} at tick {d.tick}"
                if d.intent is not None
                else f"skip at tick {d.tick}"
            )
        ob = led.open_bet
        return Screen(
            mode=self.mode.label,
            profile=self.profile.name,
            coin_label="FREE" if self.mode is Mode.PRACTICE else "SOL",
            game_id=view.game_id,
            tick=view.tick,
            phase=view.phase.value,
            price=view.price,
            p_win=est.p_win if est else None,
            p_low=est.p_low if est else None,
            p_high=est.p_high if est else None,
            ev=est.ev if est else None,
            break_even=est.break_even if est else None,
            last_decision=decision,
            last_reason=(d.reason if d is not None else "")[:80],
            bankroll_lamports=led.bankroll_lamports,
            session_pnl_lamports=led.session_pnl_lamports,
            bets=led.bets_this_session,
            open_bet="none" if ob is None else f"{ob.start_tick}→{ob.end_tick}",
            guard_level=state.level.value,
            guard_reasons=tuple(state.reasons)[:3],
            feed_connected=bool(health and health.connected),
            feed_age_s=health.age(now) if health else None,
            frames_in=health.frames_in if health else 0,
            sockets_opened=health.sockets_opened if health else 0,
            click_latency_last_ms=last,
            click_latency_p50_ms=p50,
            clicks=self.broker.stats().clicks if self.broker is not None else 0,
            games=self.loop.stats.games_finished if self.loop is not None else 0,
            elapsed_s=now - self.started,
            note=f"HALTED: {self._halt_reason}" if self._halt_reason else "",
        )

    # ------------------------------------------------------------------ shutdown

    async def _save_failure(self, label: str) -> None:
        if self.browser is None:
            return
        saved = await self.browser.save_failure(self.settings.log_dir, label)
        for p in saved:
            logger.error("failure evidence saved: {p}", p=p)

    async def _shutdown(self) -> None:
        if self._tasks:  # clicks in flight finish (bounded by confirm_timeout_s) before anything closes
            await asyncio.wait(list(self._tasks), timeout=self.profile.timing.confirm_timeout_s + 2)
        if self._halt_reason and self.browser is not None and self.code == EXIT_HALTED:
            await self._save_failure("halt")
        self._closing = True  # no frame reaches the session once it starts closing
        if self.loop is not None:
            with contextlib.suppress(Exception):
                self.loop.idle()
            self.summary = self._collect_summary()
        if self.governor is not None:
            with contextlib.suppress(Exception):
                self.governor.close(time.time())
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                self.recorder.close()
        if self.browser is not None:
            await self.browser.close()
        if self.store is not None:
            with contextlib.suppress(Exception):
                self.store.close()
        if self.sim is not None and self._own_sim:
            with contextlib.suppress(Exception):
                self.sim.stop()
        if getattr(self, "_tmp", None) is not None:
            with contextlib.suppress(Exception):
                self._tmp.cleanup()

    def _collect_summary(self) -> dict[str, Any]:
        s = self.loop
        out: dict[str, Any] = {}
        if hasattr(s, "summary"):
            with contextlib.suppress(Exception):
                got = s.summary()
                out.update(got if isinstance(got, dict) else {"session": str(got)})
        led = self.governor.ledger
        stats = self.broker.stats() if self.broker is not None else BrokerStats()
        lat = sorted(stats.confirm_latency_s)
        out.update(
            {
                "mode": self.mode.label,
                "profile": self.profile.name,
                "reason": self.reason,
                "duration_s": round(time.time() - self.started, 1),
                "frames": s.stats.frames,
                "games": s.stats.games_finished,
                "decisions": s.stats.decisions,
                "intents": s.stats.intents,
                "reports": dict(s.stats.reports),
                "bets": led.bets_this_session,
                "wins": led.wins,
                "losses": led.losses,
                "session_pnl_lamports": led.session_pnl,
                "bankroll_lamports": led.bankroll,
                "clicks": stats.clicks,
                "click_confirm_p50_ms": round(lat[len(lat) // 2] * 1000, 1) if lat else None,
                "recording": str(self.recorder.current_path) if self.recorder is not None else None,
            }
        )
        if self.sim is not None:
            out["sim_url"] = self.sim.url
        return out

    def _print_summary(self) -> None:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"rugsbot session summary [{self.mode.label}]")
        table.add_column("item")
        table.add_column("value")
        for k, v in (self.summary or {"reason": self.reason}).items():
            table.add_row(k, str(v))
        Console().print(table)
        logger.info("session ended: {reason} (exit {code})", reason=self.reason, code=self.code)


@dataclass(frozen=True, slots=True)
class _NoBet:
    proposal: None
    reason: str


class ArmGate:
    """Wraps the decider so no intent is written before the broker is armed.

    The session must see every frame from the first one (balances, the running game, history), but a
    decision taken while the wallet is still connecting would only become a cancelled intent row.
    """

    def __init__(self, decider: Any, armed: Any) -> None:
        self._decider = decider
        self._armed = armed

    def decide(self, snapshot: Any) -> Any:
        if not self._armed():
            return _NoBet(None, "not armed yet (connecting / verifying controls)")
        return self._decider.decide(snapshot)

    def on_settled(self, *args: Any, **kwargs: Any) -> None:
        self._decider.on_settled(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # everything else is the decider's own business
        return getattr(self._decider, name)


def _alarm_kind(exc: HaltRequired) -> str:
    from bot.browser.errors import ControlMissing, SigningRequested

    if isinstance(exc, ControlMissing):
        return "page_control_missing"
    if isinstance(exc, SigningRequested):
        return "signing_request"
    return "execution"


class _Refused(HaltRequired):
    def __init__(self, reasons: tuple[str, ...]) -> None:
        super().__init__("refusing to start while halted: " + "; ".join(reasons) + " (run `rugsbot resume`)")
