"""Alerts that reach the operator (Telegram, Discord, Slack, e-mail, ntfy, webhooks) through apprise.

Why this shape:

* **Never in the way.** :meth:`Alerter.notify` only filters, coalesces and puts the alert on a bounded
  queue (a lock and a ``put_nowait``: microseconds); one daemon thread does the sending. A full queue drops
  the alert (counted, logged once) rather than wait. Each endpoint has connect and read timeouts
  (``[alerts] timeout_s``), and :meth:`Alerter.stop` waits for the queue at most ``drain_s`` — a hanging
  endpoint can delay nothing but other alerts.
* **A dead endpoint is logged once.** Its first failure is one WARNING (endpoint number and scheme, never
  the URL, plus apprise's reason); later failures are counted; a recovery is one INFO line. apprise's own
  log lines are captured for that reason and not passed on (they would repeat every failure).
* **Repeats are coalesced.** At most one alert per kind per ``coalesce_min`` minutes; the ones held back
  are counted and the count rides on the next alert of that kind, or goes out at :meth:`stop`.
* **Secrets.** URLs come only from ``RUGSBOT_ALERT_URLS`` (:class:`bot.config.Settings`); they are never
  logged: endpoints are named ``#2 (tgram://)``, and ``Settings.secret_values`` hands every token in them
  to the log redaction.

Source: apprise 2.3.0 (PyPI): ``Apprise.instantiate(url)`` returns a plugin or None for an invalid URL;
``socket_connect_timeout``/``socket_read_timeout`` feed the requests timeout; ``notify()`` returns a
truthy result on delivery; failures are logged on the ``apprise`` logger.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from loguru import logger

from bot.config.sections import ALERT_LEVELS, AlertKind, AlertLevel, AlertsConfig
from bot.config.settings import Settings, url_secrets
from bot.logs import Redactor

__all__ = ["Alert", "Alerter", "Delivery", "Endpoint", "InvalidAlertURL"]

DRAIN_S = 5.0
_TITLES = MappingProxyType(
    {
        AlertKind.HALT: "HALTED",
        AlertKind.PAUSE: "paused",
        AlertKind.RECOVERY: "recovered",
        AlertKind.TICK_INTERVAL: "slow ticks",
        AlertKind.WIN_RATE: "win rate far below expectation",
        AlertKind.STAKE: "stake above threshold",
        AlertKind.PROTOCOL_DRIFT: "protocol drift",
        AlertKind.FAIR_MISMATCH: "provably-fair mismatch",
        AlertKind.RUN_END: "run ended",
        AlertKind.DAILY_SUMMARY: "daily summary",
        AlertKind.SCHEDULE: "schedule",
    }
)


class InvalidAlertURL(ValueError):
    """An entry of ``RUGSBOT_ALERT_URLS`` that apprise does not understand (message names its number only)."""


@dataclass(frozen=True, slots=True)
class Alert:
    kind: AlertKind
    text: str
    t: float  # wall clock (epoch s) when raised
    held_back: int = 0  # alerts of this kind coalesced into this one since the previous one was sent
    held_since: float | None = None
    heading: str | None = None  # instead of the kind's title (``rugsbot alerts test``'s own)

    @property
    def level(self) -> AlertLevel:
        return ALERT_LEVELS[self.kind]

    def title(self, source: str) -> str:
        return f"rugsbot {source}: {self.heading or _TITLES[self.kind]}"

    def body(self) -> str:
        if not self.held_back:
            return self.text
        since = datetime.fromtimestamp(self.held_since or self.t, UTC).strftime("%H:%M UTC")
        return f"{self.text}\n(+{self.held_back} more {self.kind.value} alert(s) since {since}, not sent)"


@dataclass(frozen=True, slots=True)
class Delivery:
    endpoint: str  # "#1 (json://)": never the URL
    ok: bool
    detail: str = ""


@dataclass
class Endpoint:
    """One apprise URL with its own health, so one dead service does not hide the others."""

    number: int
    scheme: str
    service: Any  # apprise.Apprise holding one plugin
    failing: bool = False
    failures: int = 0
    secrets: tuple[str, ...] = ()  # the URL and its token-like parts (Settings.url_secrets): never shown

    @property
    def name(self) -> str:
        return f"#{self.number} ({self.scheme}://)"

    @classmethod
    def parse(cls, number: int, url: str, timeout_s: float) -> Endpoint:
        import apprise

        scheme = url.split("://", 1)[0].lower() if "://" in url else "?"
        plugin = apprise.Apprise.instantiate(url)
        if plugin is None:
            raise InvalidAlertURL(
                f"RUGSBOT_ALERT_URLS entry #{number} ({scheme}://) is not a valid apprise URL"
            )
        plugin.socket_connect_timeout = timeout_s
        plugin.socket_read_timeout = timeout_s
        service = apprise.Apprise()
        service.add(plugin)
        return cls(number, scheme, service, secrets=tuple(url_secrets(url)))


class _Captured(logging.Handler):
    """apprise's log lines during one send: the reason of a failure, reported once by us."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@dataclass
class AlertStats:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    filtered: int = 0
    coalesced: int = 0


@dataclass
class Alerter:
    """Sends alerts off the caller's path. ``start()`` once, ``notify()`` from anywhere, ``stop()`` at the end.

    ``endpoints`` come from :meth:`from_settings` (or :meth:`Endpoint.parse` in tests). ``clock`` is the wall
    clock (alerts are for a human: receive-time determinism does not matter here) and is injectable.
    """

    endpoints: Sequence[Endpoint]
    config: AlertsConfig
    source: str = ""
    clock: Callable[[], float] = time.time
    drain_s: float = DRAIN_S
    stats: AlertStats = field(default_factory=AlertStats)
    _queue: queue.Queue[Alert | None] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _last_sent: dict[AlertKind, float] = field(default_factory=dict)
    _held: dict[AlertKind, tuple[int, float, str]] = field(default_factory=dict)  # count, since, last text
    _worker: threading.Thread | None = None
    _drop_logged: bool = False
    _closed: bool = False
    _capture: _Captured = field(default_factory=_Captured)
    _redact: Redactor = field(init=False)

    def __post_init__(self) -> None:
        self._queue = queue.Queue(maxsize=self.config.queue_size)
        # apprise's reasons name parts of the URL (Telegram's chat id, a webhook path): every detail this
        # class returns or logs goes through here, whether or not the process's log filter knows them
        self._redact = Redactor([s for ep in self.endpoints for s in ep.secrets])

    @classmethod
    def from_settings(cls, settings: Settings, config: AlertsConfig, *, source: str = "") -> Alerter:
        """Endpoints from ``RUGSBOT_ALERT_URLS``; an invalid entry raises :class:`InvalidAlertURL`."""
        urls = settings.alert_url_list()
        endpoints = [Endpoint.parse(i, url, config.timeout_s) for i, url in enumerate(urls, start=1)]
        return cls(endpoints, config, source=source)

    # ------------------------------------------------------------------ caller side (any thread)
    def notify(self, kind: AlertKind, text: str) -> bool:
        """Queue an alert unless filtered by the profile or coalesced; never blocks, never raises.
        Returns True if it was queued."""
        try:
            if not self.endpoints or self._closed or not self.config.wants(kind):
                self.stats.filtered += 1
                return False
            now = self.clock()
            with self._lock:
                last = self._last_sent.get(kind)
                if last is not None and now - last < self.config.coalesce_min * 60.0:
                    n, since, _ = self._held.get(kind, (0, now, ""))
                    self._held[kind] = (n + 1, since, text)
                    self.stats.coalesced += 1
                    return False
                n, since, _ = self._held.pop(kind, (0, now, ""))
                self._last_sent[kind] = now
            return self._put(Alert(kind, text, now, n, since if n else None))
        except Exception:  # an alert must never take the bot down
            logger.opt(exception=True).debug("alert not queued")
            return False

    def _put(self, alert: Alert) -> bool:
        try:
            self._queue.put_nowait(alert)
        except queue.Full:
            self.stats.dropped += 1
            if not self._drop_logged:
                self._drop_logged = True
                logger.warning(
                    "alerts: queue full ({} waiting), alerts are being dropped", self._queue.maxsize
                )
            return False
        self.stats.queued += 1
        return True

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._worker is not None or not self.endpoints:
            return
        self._worker = threading.Thread(target=self._run, name="rugsbot-alerts", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        """Send what coalescing held back, then wait for the queue at most ``drain_s``; never longer."""
        with self._lock:
            held, self._held = self._held, {}
            self._closed = True  # nothing raised after this is queued: no thread would send it
        for kind, (n, since, text) in held.items():
            self._put(Alert(kind, f"{n} more alert(s) held back; the last: {text}", self.clock(), 0, since))
        worker, self._worker = self._worker, None
        if worker is None:
            return
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        worker.join(self.drain_s)
        if worker.is_alive():
            logger.warning(
                "alerts: {} alert(s) not sent before the {:g} s limit", self._queue.qsize(), self.drain_s
            )

    def _run(self) -> None:
        while True:
            alert = self._queue.get()
            if alert is None:
                return
            self.deliver(alert)

    # ------------------------------------------------------------------ sending (the worker thread)
    def deliver(self, alert: Alert) -> list[Delivery]:
        """Send to every endpoint now (blocking, bounded by the timeouts): the worker's job, and
        ``rugsbot alerts test``'s."""
        return [self._send(ep, alert) for ep in self.endpoints]

    def _send(self, ep: Endpoint, alert: Alert) -> Delivery:
        import apprise

        notify_type = {
            AlertLevel.INFO: apprise.NotifyType.INFO,
            AlertLevel.WARNING: apprise.NotifyType.WARNING,
            AlertLevel.CRITICAL: apprise.NotifyType.FAILURE,
        }[alert.level]
        if alert.kind is AlertKind.RECOVERY:
            notify_type = apprise.NotifyType.SUCCESS
        self._capture.lines.clear()
        apprise_log = logging.getLogger("apprise")
        propagate, apprise_log.propagate = apprise_log.propagate, False
        apprise_log.addHandler(self._capture)
        try:
            ok = bool(
                ep.service.notify(body=alert.body(), title=alert.title(self.source), notify_type=notify_type)
            )
            detail = "" if ok else "; ".join(self._capture.lines[-2:]) or "not delivered"
        except Exception as exc:
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        finally:
            apprise_log.removeHandler(self._capture)
            apprise_log.propagate = propagate
        detail = self._redact.text(detail)
        self._account(ep, ok, detail)
        return Delivery(ep.name, ok, detail)

    def _account(self, ep: Endpoint, ok: bool, detail: str) -> None:
        if ok:
            self.stats.sent += 1
            if ep.failing:
                logger.info("alerts: endpoint {} delivers again ({} alert(s) lost)", ep.name, ep.failures)
                ep.failing, ep.failures = False, 0
            return
        self.stats.failed += 1
        ep.failures += 1
        if not ep.failing:
            ep.failing = True
            logger.warning(
                "alerts: endpoint {} failed ({}); later failures are counted, not logged", ep.name, detail
            )
