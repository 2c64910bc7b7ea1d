"""Property: over random sequences of proposals, settlements, waits, silences, alarms, halts and resumes, no
configured limit is ever exceeded and no bet is opened while paused, halted or killed.

The test keeps its own books (a shadow model from what it saw happen), so it does not trust the ledger it is
checking. Half the proposals skip ``review`` and go straight to ``open_bet`` (a buggy session): the limits must
hold anyway.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.bets.model import BetStatus, BrokerReport
from bot.config.sections import GuardsConfig
from bot.game.signals import MaintenanceNotice
from bot.risk.governor import BetRefused, Governor, Level
from bot.risk.ledger import utc_day
from bot.store.db import Store
from tests.risk.helpers import MILLI, T0, bet, make_governor, snapshot, view

BANKROLL = 200 * MILLI  # 0.2 SOL: small enough that the reserve and drawdown limits matter


@st.composite
def configs(draw: st.DrawFn) -> GuardsConfig:
    per_bet = draw(st.sampled_from([0.002, 0.005, 0.01]))
    session = draw(st.sampled_from([None, 0.002, 0.004, 0.011]))
    daily = draw(st.sampled_from([None, 0.003, 0.006, 0.02]))
    if session is not None and daily is not None and daily < session:
        session, daily = daily, session  # a daily limit below the session's is refused at load (issue 13)
    return GuardsConfig(
        max_stake_per_bet_sol=per_bet,
        max_stake_per_game_sol=draw(st.sampled_from([None, per_bet, per_bet * 2])),
        session_loss_limit_sol=session,
        daily_loss_limit_sol=daily,
        take_profit_sol=draw(st.sampled_from([None, 0.03])),
        max_consecutive_losses=draw(st.sampled_from([None, 3, 8])),
        max_drawdown_pct=draw(st.sampled_from([None, 5.0, 10.0])),
        max_bets_per_hour=draw(st.sampled_from([None, 4, 50])),
        min_reserve_sol=draw(st.sampled_from([0.0, 0.19])),
        loss_streak_cooldown=draw(st.sampled_from([None, 2])),
        loss_streak_cooldown_s=60.0,
        feed_silent_s=5.0,
        max_tick_interval_s=2.0,
        unconfirmed_bet_s=3.0,
    )


PROPOSE = st.tuples(
    st.just("propose"),
    st.sampled_from([MILLI, MILLI, 2 * MILLI, MILLI // 2, 2 * MILLI, 3 * MILLI, 5 * MILLI, 12 * MILLI]),
    st.booleans(),
    st.booleans(),
)
SETTLE = st.tuples(
    st.just("settle"),
    st.sampled_from(["won", "lost", "lost", "lost", "lost", "rejected", "unknown", "confirmed", "cancelled"]),
)
OTHER = {
    "wait": st.tuples(st.just("wait"), st.sampled_from([0.25, 1.0, 4.0, 61.0, 900.0, 3601.0, 43_200.0])),
    "silence": st.tuples(st.just("silence"), st.sampled_from([1.0, 6.0])),
    "alarm": st.tuples(st.just("alarm"), st.sampled_from(["fair_mismatch", "model_drift"])),
    "external_halt": st.tuples(st.just("external_halt")),
    "resume": st.tuples(st.just("resume")),
    "maintenance": st.tuples(st.just("maintenance"), st.booleans()),
}
# weights: bets and settlements are what the limits are about; halts and alarms must still happen
KINDS = (
    ["propose"] * 8
    + ["settle"] * 6
    + ["wait"] * 3
    + ["resume"] * 3
    + ["silence", "alarm", "external_halt", "maintenance"]
)
OPS = st.sampled_from(KINDS).flatmap(
    lambda k: PROPOSE if k == "propose" else SETTLE if k == "settle" else OTHER[k]
)


@dataclass
class Shadow:
    """The test's own books."""

    stakes: dict[str, int] = field(default_factory=dict)  # bet_id -> stake
    game_of: dict[str, str] = field(default_factory=dict)
    per_game: dict[str, int] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    session_pnl: int = 0
    day_pnl: dict[int, int] = field(default_factory=dict)
    open_ids: list[str] = field(default_factory=list)

    @property
    def exposure(self) -> int:
        return sum(self.stakes[b] for b in self.open_ids)


def check_limits(cfg: GuardsConfig, gov: Governor, sh: Shadow, now: float) -> None:
    lam = MILLI * 1000  # lamports per SOL
    for b, s in sh.stakes.items():
        assert s <= cfg.max_stake_per_bet_sol * lam, b
    if cfg.max_stake_per_game_sol is not None:
        assert all(v <= round(cfg.max_stake_per_game_sol * lam) for v in sh.per_game.values()), sh.per_game
    if cfg.session_loss_limit_sol is not None:
        assert -sh.session_pnl + sh.exposure <= round(cfg.session_loss_limit_sol * lam)
    if cfg.daily_loss_limit_sol is not None:
        for day, pnl in sh.day_pnl.items():
            extra = sh.exposure if day == utc_day(now) else 0
            assert -pnl + extra <= round(cfg.daily_loss_limit_sol * lam), (day, pnl, extra)
    if cfg.max_drawdown_pct is not None:
        led = gov.ledger
        floor = led.peak_equity - int(led.peak_equity * cfg.max_drawdown_pct / 100)
        assert (led.equity or 0) - sh.exposure >= floor
    bankroll = gov.ledger.bankroll
    assert bankroll is not None and bankroll >= round((cfg.min_reserve_sol or 0.0) * lam)
    # the ledger agrees with the shadow books
    assert gov.ledger.session_pnl == sh.session_pnl
    assert gov.ledger.open_exposure == sh.exposure


def run_ops(db: Path, cfg: GuardsConfig, ops: list[tuple[object, ...]]) -> None:
    gov = make_governor(db, cfg, bankroll_sol=BANKROLL / (1000 * MILLI))
    sh = Shadow()
    now = frame_t = T0
    game_n = 0
    maintenance = False
    game = f"20251228-{game_n:016x}"
    gov.tick(view(now, game=game), now)
    for op in ops:
        kind = op[0]
        if kind == "propose":
            _, amount, new_game, skip_review = op
            if new_game:
                game_n += 1
                game = f"20251228-{game_n:016x}"
            v = view(frame_t, game=game)
            p = bet(int(amount))  # type: ignore[call-overload]
            if not skip_review:
                verdict = gov.review(p, snapshot(gov, v))
                if not verdict.allowed:
                    with pytest.raises(BetRefused):
                        gov.open_bet(p, v, gov.ledger.coin)
                    continue
                assert gov.state.level is Level.ACTIVE
            try:
                intent = gov.open_bet(p, v, gov.ledger.coin)
            except BetRefused:
                continue
            # Opened only when nothing blocks *now*: no halt in the database, no maintenance, fresh feed.
            assert gov.state.level is Level.ACTIVE, "bet opened while not active"
            assert gov.store.active_halt() is None and not maintenance and now - frame_t <= cfg.feed_silent_s
            sh.stakes[intent.bet_id] = intent.amount_lamports
            sh.game_of[intent.bet_id] = game
            sh.per_game[game] = sh.per_game.get(game, 0) + intent.amount_lamports
            sh.status[intent.bet_id] = "intent"
            sh.open_ids.append(intent.bet_id)
        elif kind == "settle" and sh.open_ids:
            bet_id = sh.open_ids[-1]
            status = BetStatus(str(op[1]))
            if sh.status[bet_id] == "confirmed" and status is BetStatus.UNKNOWN:
                continue  # a confirmed bet cannot become unknown (the store refuses; tested elsewhere)
            now += 0.5
            frame_t = now
            stake = sh.stakes[bet_id]
            gov.on_report(
                BrokerReport(bet_id, status, now, payout_lamports=5 * stake if status is BetStatus.WON else 0)
            )
            sh.status[bet_id] = status.value
            if status in (BetStatus.WON, BetStatus.LOST, BetStatus.REJECTED, BetStatus.CANCELLED):
                sh.open_ids.remove(bet_id)
            if status in (BetStatus.WON, BetStatus.LOST):
                pnl = 4 * stake if status is BetStatus.WON else -stake
                sh.session_pnl += pnl
                sh.day_pnl[utc_day(now)] = sh.day_pnl.get(utc_day(now), 0) + pnl
            elif status in (BetStatus.REJECTED, BetStatus.CANCELLED):
                sh.per_game[sh.game_of[bet_id]] -= stake
            gov.tick(view(frame_t, game=game), now)
        elif kind == "wait":
            now += float(op[1])  # type: ignore[arg-type]
            frame_t = now
            gov.tick(view(frame_t, game=game), now)
        elif kind == "silence":
            now += float(op[1])  # type: ignore[arg-type]
            gov.tick(view(frame_t, game=game), now)
        elif kind == "alarm":
            gov.alarm(str(op[1]), "property test")
            assert gov.state.level in (Level.HALTED, Level.KILLED)
        elif kind in ("external_halt", "resume"):
            other = Store.open(db)
            if kind == "external_halt":
                other.set_halt("fuzz", "cli")
            else:
                other.clear_halt("fuzz")
            other.close()
            now += 0.25
            frame_t = now
            gov.tick(view(frame_t, game=game), now)
            if kind == "external_halt":
                assert gov.state.level in (Level.HALTED, Level.KILLED)
        elif kind == "maintenance":
            maintenance = bool(op[1])
            gov.on_signal(MaintenanceNotice(maintenance, "reboot", now), view(frame_t, game=game))
        check_limits(gov.cfg, gov, sh, now)
    # the event log tells the same story as the ledger
    assert gov.store.rebuild_session(gov.session).pnl_lamports == gov.ledger.session_pnl == sh.session_pnl
    gov.store.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs(), ops=st.lists(OPS, min_size=10, max_size=50))
def test_limits_hold_over_random_sequences(cfg: GuardsConfig, ops: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        run_ops(Path(d) / "bot.db", cfg, ops)


@pytest.mark.slowfuzz
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cfg=configs(), ops=st.lists(OPS, min_size=20, max_size=150))
def test_limits_hold_over_long_random_sequences(cfg: GuardsConfig, ops: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as d:
        run_ops(Path(d) / "bot.db", cfg, ops)
