"""Prometheus metrics of one run, in its own :class:`CollectorRegistry` (never prometheus_client's global one:
two runs in one process, or a test next to a run, must not share counters).

Two kinds of update, so the decision path pays only for what only it knows:

* on the frame/decision/click path the run calls :meth:`RunMetrics.frame`, :meth:`decision`, :meth:`click`,
  :meth:`bet`, :meth:`recovery`: one counter increment or histogram observation each (prometheus_client
  0.2x: a lock and an add, well under a microsecond, no I/O);
* everything that is a level (P(win) and its interval, bankroll, P&L, halt and pauses, feed age) is read
  from the run's :class:`ConsoleState` when /metrics is scraped (:meth:`refresh`), so it costs nothing between
  scrapes and is never stale at one.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from bot.console.state import ConsoleState

BET_RESULTS = ("won", "lost", "rejected", "cancelled", "unknown")
DECISION_BUCKETS_S = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)
CLICK_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RunMetrics:
    """Every ``rugsbot_*`` metric of one run. ``render()`` gives the Prometheus text exposition."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True) if registry is None else registry
        r = self.registry
        self.frames = Counter(
            "rugsbot_frames_received", "Socket.IO frames received from the page", registry=r
        )
        self.decisions = Counter("rugsbot_decisions", "engine decisions (bet or skip)", registry=r)
        self.bets = Counter(
            "rugsbot_bets", "bets that reached a final or unknown status", ["result"], registry=r
        )
        for result in BET_RESULTS:
            self.bets.labels(result)
        self.recoveries = Counter(
            "rugsbot_recoveries", "recoveries: feed reconnects, page re-arms, reconciled bets", registry=r
        )
        self.decision_latency = Histogram(
            "rugsbot_decision_latency_seconds",
            "frame received -> decision made",
            buckets=DECISION_BUCKETS_S,
            registry=r,
        )
        self.click_latency = Histogram(
            "rugsbot_click_latency_seconds",
            "click -> bet confirmed by the feed",
            buckets=CLICK_BUCKETS_S,
            registry=r,
        )
        self.pwin = Gauge("rugsbot_pwin", "P(win) of a side bet placed now (posterior mean)", registry=r)
        self.pwin_low = Gauge(
            "rugsbot_pwin_low", "P(win): lower end of the 95 % credible interval", registry=r
        )
        self.pwin_high = Gauge(
            "rugsbot_pwin_high", "P(win): upper end of the 95 % credible interval", registry=r
        )
        self.ev = Gauge("rugsbot_ev", "expected value per unit stake of a side bet placed now", registry=r)
        self.bankroll = Gauge(
            "rugsbot_bankroll_lamports", "bankroll in lamports of the run's coin", registry=r
        )
        self.session_pnl = Gauge("rugsbot_session_pnl_lamports", "realised P&L of this session", registry=r)
        self.halted = Gauge("rugsbot_halted", "1 while halted or killed", registry=r)
        self.paused = Gauge("rugsbot_paused", "1 while the guard pauses betting", ["guard"], registry=r)
        self.armed = Gauge(
            "rugsbot_armed", "1 once the controls are verified (always 1 in dry-run)", registry=r
        )
        self.feed_age = Gauge(
            "rugsbot_feed_age_seconds", "seconds since the last frame from the page", registry=r
        )
        self.feed_connected = Gauge("rugsbot_feed_connected", "1 while the page's socket is open", registry=r)
        self.clients = Gauge("rugsbot_console_clients", "open event-stream clients", registry=r)
        self.clients_dropped = Counter(
            "rugsbot_console_clients_dropped", "event-stream clients dropped for lagging", registry=r
        )
        self.controls = Counter(
            "rugsbot_control_requests",
            "control requests by action and outcome",
            ["action", "outcome"],
            registry=r,
        )
        self._paused_guards: set[str] = set()

    # ------------------------------------------------------------------ hot path (no I/O)
    def frame(self) -> None:
        self.frames.inc()

    def decision(self, latency_s: float) -> None:
        self.decisions.inc()
        self.decision_latency.observe(latency_s)

    def click(self, latency_s: float) -> None:
        self.click_latency.observe(latency_s)

    def bet(self, result: str) -> None:
        """``result``: a BetStatus value; won, lost, rejected, cancelled or unknown (others are not counted)."""
        if result in BET_RESULTS:
            self.bets.labels(result).inc()

    def recovery(self) -> None:
        self.recoveries.inc()

    # ------------------------------------------------------------------ at scrape time
    def client_dropped(self) -> None:
        self.clients_dropped.inc()

    def refresh(self, state: ConsoleState, *, clients: int = 0) -> None:
        est = state.estimate
        nan = float("nan")
        self.pwin.set(est.p_win if est else nan)
        self.pwin_low.set(est.p_low if est else nan)
        self.pwin_high.set(est.p_high if est else nan)
        self.ev.set(est.ev if est else nan)
        self.bankroll.set(nan if state.bankroll_lamports is None else state.bankroll_lamports)
        self.session_pnl.set(state.session_pnl_lamports)
        self.halted.set(1 if state.guards.halted else 0)
        now = {p.guard for p in state.guards.pauses}
        for guard in now | self._paused_guards:  # a guard that paused once stays listed, at 0 when clear
            self.paused.labels(guard).set(1 if guard in now else 0)
        self._paused_guards |= now
        self.armed.set(1 if state.armed else 0)
        self.feed_age.set(nan if state.feed.age_s is None else state.feed.age_s)
        self.feed_connected.set(1 if state.feed.connected else 0)
        self.clients.set(clients)

    def render(self) -> bytes:
        return generate_latest(self.registry)
