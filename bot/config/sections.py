"""Profile sections. Each is a strict model (unknown keys are errors) owned by the subsystem it configures."""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

StrategyParam = int | float | bool | str


class Strict(BaseModel):
    # TOML has inf and nan: no limit, speed or latency may be either (an infinite loss limit is no limit,
    # and ``inf`` SOL cannot become lamports)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class StrategySpec(Strict):
    """One strategy to run; ``params`` are validated against the strategy's own declared parameters."""

    name: str
    params: dict[str, StrategyParam] = Field(default_factory=dict)
    weight: float = Field(1.0, gt=0, description="ranker preference when several strategies propose")


class EngineConfig(Strict):
    strategies: list[StrategySpec] = Field(default_factory=lambda: [StrategySpec(name="ev_threshold")])
    prior_games: float = Field(2000.0, gt=0, description="strength of the provably-fair prior, in games")
    promo_value_per_bet: float = Field(0.0, ge=0, le=0.5, description="e.g. rakeback, as a fraction of stake")
    drift_alarm: bool = True
    drift_log_lr_threshold: float = Field(
        12.0,
        gt=0,
        description="CUSUM statistic (nats) that raises the drift alarm: 12 → 0.4 % false alarms per 20k fair "
        "games, a ±25 % hazard flagged in a median 454 / 242 games (docs/bench/drift.md)",
    )
    drift_delta: float = Field(
        0.25, gt=0, lt=1, description="relative hazard change the drift test looks for (±)"
    )
    adaptive: bool = True
    max_tightening: float = Field(0.5, ge=0, le=0.9, description="max stake reduction from adaptation")


class GuardsConfig(Strict):
    """Every limit is optional (None = off) except the hard ones that default to safe values."""

    max_stake_per_bet_sol: float = Field(0.01, gt=0)
    max_stake_per_game_sol: float | None = Field(0.02, gt=0)
    session_loss_limit_sol: float | None = Field(0.1, gt=0)
    daily_loss_limit_sol: float | None = Field(0.2, gt=0)
    take_profit_sol: float | None = Field(None, gt=0)
    max_consecutive_losses: int | None = Field(15, ge=1)
    max_drawdown_pct: float | None = Field(30.0, gt=0, le=100)
    max_bets_per_hour: int | None = Field(120, ge=1)
    max_bets_per_game: int | None = Field(
        None,
        ge=1,
        description="bets per game at most, whatever their stakes (a guard: absolute in every mode)",
    )
    min_reserve_sol: float | None = Field(0.0, ge=0)
    loss_streak_cooldown: int | None = Field(8, ge=1, description="losses in a row that start a cooldown")
    loss_streak_cooldown_s: float = Field(120.0, ge=0)
    feed_silent_s: float = Field(5.0, gt=0)
    max_tick_interval_s: float = Field(2.0, gt=0)
    unconfirmed_bet_s: float = Field(3.0, gt=0)
    balance_tolerance_sol: float = Field(0.000001, ge=0)
    balance_mismatch_grace_s: float = Field(
        5.0, ge=0, description="a ledger/server balance difference older than this halts (shorter ones pause)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> GuardsConfig:
        if (
            self.max_stake_per_game_sol is not None
            and self.max_stake_per_game_sol < self.max_stake_per_bet_sol
        ):
            raise ValueError("max_stake_per_game_sol must be >= max_stake_per_bet_sol")
        if (
            self.daily_loss_limit_sol is not None
            and self.session_loss_limit_sol is not None
            and self.daily_loss_limit_sol < self.session_loss_limit_sol
        ):
            raise ValueError(
                "daily_loss_limit_sol must be >= session_loss_limit_sol (a session is within a day)"
            )
        return self


class TimingConfig(Strict):
    click_latency_s: float = Field(0.22, gt=0, le=5, description="prior click → confirmation latency")
    confirm_timeout_s: float = Field(3.0, gt=0, le=30)
    max_click_lag_ticks: int = Field(
        4,
        ge=0,
        le=40,
        description="cancel a decision not clicked within this many ticks of it (a slow page: the game moved on)",
    )


class SelectorsConfig(Strict):
    """Selector lists (first match wins). Class names carry build hashes: match on prefixes."""

    sidebet_button: list[str] = Field(
        default_factory=lambda: ["div.sidebet-container > div.sidebet-banner > div.bet-button"]
    )
    sidebet_panel_toggle: list[str] = Field(
        default_factory=lambda: ['[class*="_sidebetToggle_"]', "text=Side Bet"]
    )
    amount_input: list[str] = Field(
        default_factory=lambda: ['[class*="_amountInputContainer_"] input[type="number"]']
    )
    clear_button: list[str] = Field(default_factory=lambda: ['[class*="_clearButton_"]'])
    coin_selector: list[str] = Field(default_factory=lambda: ['[class*="_coinSelector_"]'])
    connect_button: list[str] = Field(default_factory=lambda: ["button:has-text('Connect')"])
    phantom_option: list[str] = Field(default_factory=lambda: ["button:has-text('Phantom')"])
    active_class: str = "but-button-active"


class BrowserConfig(Strict):
    url: str = "https://rugs.fun"
    headless: bool = True
    allowed_origins: list[str] = Field(default_factory=lambda: ["https://rugs.fun"])
    user_agent: str | None = None
    selectors: SelectorsConfig = Field(default_factory=SelectorsConfig)


class WatchdogConfig(Strict):
    """Unattended operation of a run (bot/app/watchdog.py, bot/app/recovery.py, bot/app/heartbeat.py): reload a
    silent or hung page, relaunch a crashed browser, recycle a bloated one, say that the bot is alive, and halt on
    protocol drift. Every recovery counts against ``max_recoveries_per_hour``; beyond it the run halts."""

    reload_after_silent_s: float = Field(
        20.0,
        gt=0,
        description="no game frame (socket open or not), or a page that stops answering, this long → reload",
    )
    max_recoveries_per_hour: int = Field(
        6, ge=0, description="reloads + relaunches in any 60 minutes; one more halts (0: halt at the first)"
    )
    relaunch_backoff_s: float = Field(
        2.0,
        ge=0,
        description="wait before relaunching a crashed browser; doubles with each recovery that hour",
    )
    relaunch_backoff_max_s: float = Field(60.0, ge=0, description="cap of that wait")
    browser_rss_limit_mb: float | None = Field(
        2048.0, gt=0, description="RSS of all the browser's processes; above → relaunch in the next cooldown"
    )
    max_page_age_h: float | None = Field(
        12.0, gt=0, description="reload the page in the next cooldown after this"
    )
    protocol_drift_limit: int = Field(
        5, ge=1, description="drifted gameStateUpdate / own-bet events before the run halts (protocol_drift)"
    )
    heartbeat_s: float = Field(
        2.0, gt=0, le=30, description="how often a running bot says so in the database"
    )


class ScheduleWindow(Strict):
    name: str
    cron: str = Field(description="crontab expression: minute hour day month day_of_week")
    max_duration_min: float = Field(60.0, gt=0)
    max_games: int | None = Field(None, ge=1)
    stop_on_loss_sol: float | None = Field(None, gt=0)
    stop_on_profit_sol: float | None = Field(None, gt=0)

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, cron: str) -> str:
        """Checked at load with APScheduler's own parser (the one ``schedule`` uses), so a bad line is a
        config error naming file and key, not a traceback in ``schedule --list``."""
        from datetime import UTC, datetime

        from apscheduler.triggers.cron import CronTrigger

        try:
            trigger = CronTrigger.from_crontab(cron, timezone=UTC)
        except ValueError as exc:
            raise ValueError(f"not a valid crontab line {cron!r} ({exc})") from None
        if trigger.get_next_fire_time(None, datetime.now(UTC)) is None:
            raise ValueError(f"crontab line {cron!r} never fires")
        return cron


class ScheduleConfig(Strict):
    timezone: str = "UTC"
    windows: list[ScheduleWindow] = Field(default_factory=list)


class AlertKind(StrEnum):
    """What an alert is about (``[alerts] kinds``); each kind has a fixed level (:data:`ALERT_LEVELS`)."""

    HALT = "halt"
    PAUSE = "pause"
    RECOVERY = "recovery"
    TICK_INTERVAL = "tick_interval"
    WIN_RATE = "win_rate"
    STAKE = "stake"
    PROTOCOL_DRIFT = "protocol_drift"
    FAIR_MISMATCH = "fair_mismatch"
    RUN_END = "run_end"
    DAILY_SUMMARY = "daily_summary"
    SCHEDULE = "schedule"


class AlertLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return (AlertLevel.INFO, AlertLevel.WARNING, AlertLevel.CRITICAL).index(self)


ALERT_LEVELS: MappingProxyType[AlertKind, AlertLevel] = MappingProxyType(
    {
        AlertKind.HALT: AlertLevel.CRITICAL,
        AlertKind.PROTOCOL_DRIFT: AlertLevel.CRITICAL,
        AlertKind.FAIR_MISMATCH: AlertLevel.CRITICAL,
        AlertKind.PAUSE: AlertLevel.WARNING,
        AlertKind.TICK_INTERVAL: AlertLevel.WARNING,
        AlertKind.WIN_RATE: AlertLevel.WARNING,
        AlertKind.STAKE: AlertLevel.WARNING,
        AlertKind.SCHEDULE: AlertLevel.WARNING,
        AlertKind.RECOVERY: AlertLevel.INFO,
        AlertKind.RUN_END: AlertLevel.INFO,
        AlertKind.DAILY_SUMMARY: AlertLevel.INFO,
    }
)


class AlertsConfig(Strict):
    """What to send (where to is a secret: ``RUGSBOT_ALERT_URLS`` in the environment, never in a profile)."""

    kinds: list[AlertKind] = Field(default_factory=lambda: list(AlertKind), description="kinds to send")
    min_level: AlertLevel = Field(AlertLevel.INFO, description="send kinds at this level and above")
    pause_longer_than_s: float = Field(60.0, gt=0, allow_inf_nan=False, description="alert a pause this long")
    coalesce_min: float = Field(
        15.0, ge=0, allow_inf_nan=False, description="at most one alert per kind per this many minutes"
    )
    tick_interval_over_s: float = Field(2.0, gt=0, allow_inf_nan=False, description="tick gap anomaly")
    win_rate_min_bets: int = Field(20, ge=1, description="win-rate anomaly only over MORE settled bets")
    win_rate_confidence: float = Field(
        0.99, gt=0.5, lt=1, description="one-sided: alert when the upper bound is below 0.1817"
    )
    stake_over_sol: float | None = Field(
        None, gt=0, allow_inf_nan=False, description="stake anomaly (None: guards.max_stake_per_bet_sol)"
    )
    timeout_s: float = Field(10.0, gt=0, le=120, allow_inf_nan=False, description="per-endpoint send")
    queue_size: int = Field(64, ge=1, le=10_000, description="alerts waiting to be sent; more are dropped")

    def wants(self, kind: AlertKind) -> bool:
        return kind in self.kinds and ALERT_LEVELS[kind].rank >= self.min_level.rank
