"""A tiny table-driven scenario runner (in the style of freqtrade's test_backtest_detail): a list of steps —
frames, proposals, broker reports, balances, notices, alarms, halts from another process — each with the
verdict or governor level it must produce. Every step runs against a real Governor on a real SQLite file."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.bets.model import BetStatus, BrokerReport
from bot.config.sections import GuardsConfig
from bot.game.signals import AccountUpdated, MaintenanceNotice
from bot.game.state import AccountView, GameView, Phase
from bot.money import PRACTICE_COIN
from bot.risk.governor import BetRefused, Governor, Level
from bot.risk.verdict import Action
from bot.store.db import Store
from tests.risk.helpers import T0, bet, make_governor, snapshot, view

GAME = "20251228-aaaaaaaaaaaaaaaa"


@dataclass
class Frame:
    """A fresh frame ``dt`` seconds later (default one tick), with optional view overrides."""

    dt: float = 0.25
    game: str = GAME
    tick_gap: float | None = None  # last_tick_t = t - tick_gap
    last_gap_s: float = 0.25
    maintenance: bool = False
    paused: bool = False
    phase: Phase = Phase.ACTIVE
    level: Level | None = None
    reason: str = ""  # substring expected in the state's reasons


@dataclass
class Silence:
    """No frame for ``dt`` seconds: the session's timer calls tick() with the old view."""

    dt: float
    level: Level | None = None
    reason: str = ""


@dataclass
class Propose:
    amount: int
    expect: Action = Action.ALLOW
    guard: str = ""
    game: str = GAME


@dataclass
class Report:
    status: BetStatus
    payout: int = 0
    dt: float = 0.25
    level: Level | None = None
    reason: str = ""


@dataclass
class Balance:
    lamports: int
    dt: float = 0.1
    level: Level | None = None
    reason: str = ""


@dataclass
class Notice:
    active: bool
    level: Level | None = None


@dataclass
class Alarm:
    kind: str
    level: Level = Level.HALTED


@dataclass
class OtherProcess:
    """``rugsbot halt`` / ``resume`` from another terminal (another connection to the same file)."""

    halt: bool
    level: Level | None = None


Step = Frame | Silence | Propose | Report | Balance | Notice | Alarm | OtherProcess


@dataclass
class Run:
    gov: Governor
    db: Path
    t: float = T0
    frame_t: float = T0
    game: str = GAME
    frame: Frame = field(default_factory=Frame)
    last_bet: str | None = None
    log: list[str] = field(default_factory=list)

    def view(self) -> GameView:
        f = self.frame
        last_tick = self.frame_t - f.tick_gap if f.tick_gap is not None else self.frame_t
        return view(
            self.frame_t,
            game=f.game,
            last_tick_t=last_tick,
            last_gap_s=f.last_gap_s,
            maintenance=f.maintenance,
            paused=f.paused,
            phase=f.phase,
        )


def run_scenario(
    db: Path, cfg: GuardsConfig, steps: list[Step], *, logged_in: bool = False, bankroll_sol: float = 1.0
) -> Run:
    gov = make_governor(db, cfg, logged_in=logged_in, bankroll_sol=bankroll_sol)
    r = Run(gov, db)
    r.gov.tick(r.view(), r.t)
    for i, step in enumerate(steps):
        where = f"step {i} {step}"
        if isinstance(step, Frame):
            r.t += step.dt
            r.frame_t = r.t
            r.frame = step
            gov.tick(r.view(), r.t)
            _expect_level(gov, step.level, step.reason, where)
        elif isinstance(step, Silence):
            r.t += step.dt
            gov.tick(r.view(), r.t)
            _expect_level(gov, step.level, step.reason, where)
        elif isinstance(step, Propose):
            v = r.view()
            v = replace(v, game_id=step.game)
            verdict = gov.review(bet(step.amount), snapshot(gov, v, coin=gov.ledger.coin))
            assert verdict.action is step.expect, f"{where}: got {verdict}"
            if step.guard:
                assert verdict.guard.startswith(step.guard), f"{where}: got {verdict}"
            if verdict.allowed:
                intent = gov.open_bet(bet(step.amount), v, gov.ledger.coin)
                r.last_bet = intent.bet_id
            else:
                try:
                    gov.open_bet(bet(step.amount), v, gov.ledger.coin)
                except BetRefused:
                    pass
                else:
                    raise AssertionError(f"{where}: open_bet accepted a refused proposal")
        elif isinstance(step, Report):
            assert r.last_bet is not None, where
            r.t += step.dt
            r.frame_t = r.t
            gov.on_report(
                BrokerReport(
                    r.last_bet, step.status, r.t, start_tick=11, end_tick=51, payout_lamports=step.payout
                )
            )
            gov.tick(r.view(), r.t)
            _expect_level(gov, step.level, step.reason, where)
        elif isinstance(step, Balance):
            r.t += step.dt
            r.frame_t = r.t
            acct = AccountView(
                player_id="did:anon:x",
                authenticated=True,
                updated_t=r.t,
                coin_balances_lamports=((PRACTICE_COIN, step.lamports),),
            )
            gov.on_signal(AccountUpdated(acct), r.view())
            gov.tick(r.view(), r.t)
            _expect_level(gov, step.level, step.reason, where)
        elif isinstance(step, Notice):
            gov.on_signal(
                MaintenanceNotice(step.active, "Server will reboot after this round", r.t), r.view()
            )
            gov.tick(r.view(), r.t)
            _expect_level(gov, step.level, "", where)
        elif isinstance(step, Alarm):
            gov.alarm(step.kind, "scenario")
            _expect_level(gov, step.level, step.kind, where)
        elif isinstance(step, OtherProcess):
            other = Store.open(db)
            if step.halt:
                other.set_halt("operator says stop", "cli")
            else:
                other.clear_halt("operator")
            other.close()
            r.t += 0.25
            r.frame_t = r.t
            gov.tick(r.view(), r.t)
            _expect_level(gov, step.level, "", where)
    return r


def _expect_level(gov: Governor, level: Level | None, reason: str, where: str) -> None:
    if level is None:
        return
    st = gov.state
    assert st.level is level, f"{where}: level {st.level} {st.reasons}"
    if reason:
        assert any(reason in x for x in st.reasons), f"{where}: reasons {st.reasons}"
