"""The watchdog's policy: when a run must reload its page or relaunch its browser, and when it must halt instead.

Pure decisions on a sampled :class:`PageState` (bot/app/recovery.py samples and acts), so every rule is tested
without a browser. The rules (profile section ``[watchdog]``, bot/config/sections.py):

* **silent feed**: no game frame (a Socket.IO event: ``42…``; the Engine.IO pings a blackholed socket still gets
  do not count) for ``reload_after_silent_s`` since the page was (re)loaded → reload; a reload that brought no
  game frame → relaunch. Never while a click is in flight (its report must come back first), never during a
  maintenance notice (the site says it is quiet on purpose);
* **hung page**: the page has not answered a trivial script for as long (at least ``HUNG_MIN_S``: a busy
  machine delays a script by seconds, a hung renderer never answers), or the feed is silent and the page missed
  its last probe (``UNANSWERED_S``; a hung renderer stops the feed too) → relaunch (a reload cannot help: the
  navigation waits for the same hung renderer: Chromium 156, Playwright 1.65);
* **crash**: the browser or its page died → relaunch (after a backoff that doubles with each recovery that hour);
* **memory / age**: the browser's processes above ``browser_rss_limit_mb`` → relaunch; the page older than
  ``max_page_age_h`` → reload; both only between games with no bet open (:attr:`PageState.idle`);
* **the cap**: more than ``max_recoveries_per_hour`` recoveries in any 60 minutes → halt with the reason.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.app.drift_alarm import DriftAlarm
from bot.config.sections import WatchdogConfig

HOUR_S = 3600.0
HUNG_MIN_S = 20.0
UNANSWERED_S = 8.0  # a page probed every 5 s that has not answered for this long missed its last probe
GAME_EVENT_PREFIX = "42"  # Socket.IO EVENT packet on the default namespace (shared/protocol.md)


class Action(StrEnum):
    RELOAD = "reload"
    RELAUNCH = "relaunch"


class Cause(StrEnum):
    SILENT_FEED = "silent_feed"
    PAGE_UNRESPONSIVE = "page_unresponsive"
    BROWSER_CRASHED = "browser_crashed"
    PAGE_CRASHED = "page_crashed"
    BROWSER_MEMORY = "browser_memory"
    PAGE_AGE = "page_age"
    RECOVERY_FAILED = "recovery_failed"  # a reload or relaunch that did not come up: relaunch again

    @property
    def alarm_kind(self) -> str:
        """The governor's alarm kind when this cause halts the run (bot/risk/guards/alarms.py)."""
        return "browser_crashed" if self in (Cause.BROWSER_CRASHED, Cause.PAGE_CRASHED) else "execution"


@dataclass(frozen=True, slots=True)
class Plan:
    action: Action
    cause: Cause
    detail: str


@dataclass(frozen=True, slots=True)
class PageState:
    """What the watchdog looks at (wall-clock seconds). ``loaded_t``: the page's last (re)load;
    ``last_event_t``: the last game frame; ``answered_t``: the page last answered a script; ``rss_mb``: all the
    browser's processes (``None``: unknown); ``clicking``: a click is in flight; ``idle``: between games, no bet
    open and no click in flight; ``maintenance``: the site announced maintenance; ``probe_missed``: the page did
    not answer the last trivial script within its timeout."""

    now: float
    loaded_t: float
    last_event_t: float | None
    answered_t: float
    rss_mb: float | None = None
    clicking: bool = False
    idle: bool = False
    maintenance: bool = False
    probe_missed: bool = False  # the last probe of the page timed out (a silent feed is probed at once)


class GameFrames:
    """A sniffer sink, after the run's own: when the last game frame came (what "silent" means) and, on each,
    the protocol-drift alarm (an integer comparison). ``on_drift(reason)`` halts the run."""

    def __init__(self, on_drift: Callable[[str], None]) -> None:
        self.last_t: float | None = None
        self.drift_alarm: DriftAlarm | None = None
        self._on_drift = on_drift

    def on_frame(self, t: float, direction: str, text: str) -> None:
        if direction != "in" or not text.startswith(GAME_EVENT_PREFIX):
            return
        self.last_t = t
        if self.drift_alarm is not None:
            reason = self.drift_alarm.check(t)
            if reason is not None:
                self._on_drift(reason)


class Watchdog:
    """Decides (:meth:`plan`) and counts (:meth:`admit`). ``last`` is the last recovery admitted."""

    def __init__(self, config: WatchdogConfig) -> None:
        self.config = config
        self._recent: deque[float] = deque()
        self.total = 0
        self.last: Plan | None = None
        self._last_reload_t: float | None = None

    def plan(self, s: PageState) -> Plan | None:
        """The recovery this state needs now, or ``None``."""
        cfg = self.config
        hung = s.now - max(s.answered_t, s.loaded_t)
        silent = s.now - max(s.loaded_t, s.last_event_t or s.loaded_t)
        # First: a hung renderer also stops the feed (its frames pass through it), and a reload would wait on it.
        quiet = silent > cfg.reload_after_silent_s
        if not s.clicking and (
            hung > max(cfg.reload_after_silent_s, HUNG_MIN_S)
            or (quiet and (hung > UNANSWERED_S or s.probe_missed))
        ):
            return Plan(
                Action.RELAUNCH, Cause.PAGE_UNRESPONSIVE, f"the page has not answered for {hung:.0f} s"
            )
        if quiet and not s.clicking and not s.maintenance:
            detail = f"no game frame for {silent:.0f} s"
            if self._reload_was_fruitless(s):
                return Plan(Action.RELAUNCH, Cause.SILENT_FEED, detail + " (a reload did not bring it back)")
            return Plan(Action.RELOAD, Cause.SILENT_FEED, detail)
        if not s.idle:
            return None
        limit = cfg.browser_rss_limit_mb
        if limit is not None and s.rss_mb is not None and s.rss_mb > limit:
            return Plan(
                Action.RELAUNCH, Cause.BROWSER_MEMORY, f"browser RSS {s.rss_mb:.0f} MB > {limit:g} MB"
            )
        age_h = (s.now - s.loaded_t) / HOUR_S
        if cfg.max_page_age_h is not None and age_h > cfg.max_page_age_h:
            return Plan(Action.RELOAD, Cause.PAGE_AGE, f"page {age_h:.1f} h old > {cfg.max_page_age_h:g} h")
        return None

    def _reload_was_fruitless(self, s: PageState) -> bool:
        """The last recovery reloaded this very page and no game frame came since."""
        return (
            self.last is not None
            and self.last.action is Action.RELOAD
            and self._last_reload_t is not None
            and s.loaded_t >= self._last_reload_t
            and (s.last_event_t is None or s.last_event_t < s.loaded_t)
        )

    def admit(self, plan: Plan, now: float) -> str | None:
        """Count ``plan`` as a recovery at ``now``, or return why the run must halt instead (the cap)."""
        while self._recent and self._recent[0] <= now - HOUR_S:
            self._recent.popleft()
        cap = self.config.max_recoveries_per_hour
        if len(self._recent) >= cap:
            return (
                f"{plan.cause.value}: {plan.detail}; {len(self._recent)} recoveries in the last hour already "
                f"(limit [watchdog] max_recoveries_per_hour = {cap})"
            )
        self._recent.append(now)
        self.total += 1
        self.last = plan
        if plan.action is Action.RELOAD:
            self._last_reload_t = now
        return None

    def backoff_s(self) -> float:
        """Wait before a relaunch: ``relaunch_backoff_s`` doubled for each earlier recovery this hour, capped."""
        earlier = max(0, len(self._recent) - 1)
        return min(self.config.relaunch_backoff_max_s, self.config.relaunch_backoff_s * 2.0**earlier)

    @property
    def in_last_hour(self) -> int:
        return len(self._recent)
