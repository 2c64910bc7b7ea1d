"""The governor: sees every signal, proposal and broker report; owns the ledger, the guards and the halt state.

How the session (bot/app/loop.py) drives it, per frame::

    gov = Governor.start(profile.guards, store, mode=..., profile=..., coin=..., logged_in=...,
                         starting_bankroll_lamports=..., t=first_frame_t)
    for sig in signals: gov.on_signal(sig, view)   # balances, maintenance notices
    gov.tick(view, now)                            # once per frame (and on a timer during silences)
    verdict = gov.review(proposal, snapshot)        # for a strategy's proposal
    if verdict.allowed:
        intent = gov.open_bet(proposal, view, coin) # write-ahead: the intent row is durable first
        report = await broker.submit(intent)
        gov.on_report(report)                       # and every later report from broker.on_signal
    gov.state.level                                 # ACTIVE / PAUSED / HALTED / KILLED (+ reasons)
    gov.ledger_view()                               # LedgerView for the next Snapshot
    gov.alarm("fair_mismatch", "...")               # from the auditor, drift monitor, broker, wallet
    gov.close(now)                                  # session summary row

Levels: a *pause* is automatic and clears by itself (time or condition); a *halt* is written to the database
before anything else happens, survives restarts and is cleared only by ``rugsbot resume`` (seen on the next
poll, at most ``halt_poll_s`` of feed time later); *kill* means the session should exit now. The governor polls
the halts table (an indexed one-row query) at most every ``halt_poll_s`` of feed time, so ``rugsbot halt`` from
another terminal stops the bot within one tick. Every guard trip is logged (loguru) and stored (guard_events).

Safety does not depend on the session calling things in order: :meth:`open_bet` re-runs every guard and refuses
(raises :class:`BetRefused`) unless the result is *allow*; no bet is opened while paused, halted or killed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from loguru import logger

from bot.bets.model import BetIntent, BetStatus, BrokerReport
from bot.config.sections import GuardsConfig
from bot.engine.types import Estimate, LedgerView, SideBet, Snapshot
from bot.game.signals import AccountUpdated, GameRugged, MaintenanceNotice, Signal
from bot.game.state import AccountView, FinishedGame, GameView
from bot.mode import Mode
from bot.risk.guards import AlarmGuard, Guard, GuardContext, build_guards
from bot.risk.ledger import Ledger
from bot.risk.verdict import Action, Verdict, worst
from bot.store.db import Store, StoreError
from bot.store.rows import BetRow, DecisionRow, EventKind, HaltRow


class Level(StrEnum):
    ACTIVE = "ACTIVE"
    PAUSED = "PAUSED"
    HALTED = "HALTED"
    KILLED = "KILLED"


@dataclass(frozen=True, slots=True)
class GovernorState:
    level: Level
    reasons: tuple[str, ...] = ()
    halt: HaltRow | None = None
    pauses: tuple[Verdict, ...] = ()

    @property
    def can_bet(self) -> bool:
        return self.level is Level.ACTIVE


class BetRefused(Exception):
    """``open_bet`` was called for a proposal the guards do not allow (the verdict says why)."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        super().__init__(str(verdict))


class Governor:
    def __init__(
        self,
        cfg: GuardsConfig,
        store: Store,
        *,
        session: str,
        ledger: Ledger,
        guards: Sequence[Guard] | None = None,
        halt_poll_s: float = 0.2,
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.session = session
        self.ledger = ledger
        self.guards: list[Guard] = list(build_guards(cfg) if guards is None else guards)
        self.halt_poll_s = halt_poll_s
        self._alarms = AlarmGuard()
        self._view: GameView | None = None
        self._account: AccountView | None = None
        self._maintenance = False
        self._now: float | None = None
        self._last_poll: float | None = None
        self._halt: HaltRow | None = store.active_halt()
        self._killed: Verdict | None = None
        self._pauses: dict[
            str, Verdict
        ] = {}  # guard name -> pause in force (timed or while the condition holds)
        self._last_denial: tuple[str, str] | None = None
        self._unpersisted: Verdict | None = None  # a halt verdict whose write failed (retried on each poll)
        if self._halt is not None:
            logger.warning(
                "starting HALTED: {} (source {}); run `rugsbot resume` to clear",
                self._halt.reason,
                self._halt.source,
            )

    # ------------------------------------------------------------------ construction
    @classmethod
    def start(
        cls,
        cfg: GuardsConfig,
        store: Store,
        *,
        mode: Mode | str,
        profile: str,
        coin: str,
        logged_in: bool,
        starting_bankroll_lamports: int,
        t: float,
        guards: Sequence[Guard] | None = None,
        halt_poll_s: float = 0.2,
        carry_over: bool | None = None,
    ) -> Governor:
        """Open a session row and rebuild the ledger from the database (restart-safe).

        ``carry_over`` (default: every mode but REPLAY) folds earlier sessions of the same mode and coin into the
        ledger: today's losses, the loss streak, the paper bankroll."""
        if carry_over is None:
            carry_over = Mode.from_label(str(mode)) is not Mode.REPLAY
        label = Mode.from_label(str(mode)).label
        session = store.start_session(
            mode=label,
            profile=profile,
            coin=coin,
            started=t,
            starting_bankroll_lamports=None if logged_in else starting_bankroll_lamports,
        )
        ledger = Ledger.rebuild(
            store,
            session=session,
            mode=label,
            coin=coin,
            logged_in=logged_in,
            starting_bankroll_lamports=starting_bankroll_lamports,
            carry_over=carry_over,
        )
        gov = cls(cfg, store, session=session, ledger=ledger, guards=guards, halt_poll_s=halt_poll_s)
        gov._now = t
        for b in ledger.open_bets:
            logger.warning(
                "open bet from the database needs reconciliation: {} {} ({})",
                b.bet_id,
                b.status.value,
                b.game,
            )
        return gov

    def close(self, now: float) -> None:
        led = self.ledger
        self.store.end_session(
            self.session,
            ended=now,
            summary={
                "state": self.state.level.value,
                "reasons": list(self.state.reasons),
                "session_pnl_lamports": led.session_pnl,
                "bets": led.bets_this_session,
                "bankroll_lamports": led.bankroll,
                "wins": led.wins,
                "losses": led.losses,
            },
        )

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> GovernorState:
        if self._killed is not None:
            return GovernorState(
                Level.KILLED, (self._killed.reason,), self._halt, tuple(self._pauses.values())
            )
        if self._halt is not None:
            return GovernorState(Level.HALTED, (self._halt.reason,), self._halt, tuple(self._pauses.values()))
        if self._pauses:
            pauses = tuple(self._pauses.values())
            return GovernorState(Level.PAUSED, tuple(f"{p.guard}: {p.reason}" for p in pauses), None, pauses)
        return GovernorState(Level.ACTIVE)

    @property
    def can_bet(self) -> bool:
        """ACTIVE right now (a proposal must still pass ``review``; ``open_bet`` checks again)."""
        return self.state.level is Level.ACTIVE

    def ledger_view(self) -> LedgerView:
        game_id = self._view.game_id if self._view is not None else None
        return self.ledger.view(game_id, self._now if self._now is not None else 0.0)

    def open_bets(self) -> list[BetRow]:
        """Non-terminal bets in the database (a restart's reconciliation list)."""
        return self.store.open_bets()

    # ------------------------------------------------------------------ inputs
    def on_signal(self, sig: Signal, view: GameView) -> None:
        self._view = view
        if isinstance(sig, AccountUpdated):
            self._account = sig.account
            if self.ledger.logged_in:
                bal = sig.account.balance(self.ledger.coin)
                if bal is not None and (bal != self.ledger.server_cash or self.ledger.expected_cash is None):
                    self.store.append_event(
                        sig.account.updated_t or view.t,
                        self.session,
                        EventKind.BALANCE,
                        {"coin": self.ledger.coin, "lamports": bal},
                    )
                    self.ledger.sync(self.store)
        elif isinstance(sig, MaintenanceNotice):
            self._maintenance = sig.active
        elif isinstance(sig, GameRugged):
            self._record_game(sig.game, view)

    def tick(self, view: GameView | None, now: float) -> GovernorState:
        """Once per frame: poll external halts, re-run the guards, expire pauses."""
        if view is not None:
            self._view = view
        self._now = now
        if (
            self._last_poll is None
            or now - self._last_poll >= self.halt_poll_s - 1e-6
            or now < self._last_poll
        ):
            self._poll_halt(now)
        self._evaluate(now, None)
        return self.state

    def review(self, proposal: SideBet, snapshot: Snapshot) -> Verdict:
        """Judge one proposal. Not allowed while paused, halted or killed; a guard may also pause or halt here."""
        self._view = snapshot.game
        # Never judge at an earlier time than the last tick: that would clear a pause the tick just saw.
        self._now = max(snapshot.t, self._now) if self._now is not None else snapshot.t
        if self._account is None and snapshot.account.authenticated:
            self._account = snapshot.account
        return self._evaluate(self._now, proposal)

    def open_bet(self, proposal: SideBet, view: GameView, coin: str) -> BetIntent:
        """Write the intent row (durable) and return the intent for the broker. Re-checks every guard first."""
        self._view = view
        now = max(view.t, self._now or view.t)
        self._poll_halt(now)  # opens are rare: always look for a halt written since the last poll
        verdict = self._evaluate(now, proposal)
        if not verdict.allowed:
            raise BetRefused(verdict)
        if view.game_id is None:
            raise BetRefused(Verdict.deny("no game id", "governor"))
        if coin != self.ledger.coin:
            raise BetRefused(
                Verdict.deny(f"coin {coin} is not this session's coin {self.ledger.coin}", "governor")
            )
        bet_id = self.store.insert_bet_intent(
            session=self.session,
            game=view.game_id,
            decided_tick=view.tick,
            decided_t=view.t,
            amount_lamports=proposal.amount_lamports,
            coin=coin,
            strategy=proposal.strategy,
            reason=proposal.reason,
        )
        self.ledger.sync(self.store)
        logger.info(
            "bet intent {}: {} lamports on {} at tick {} ({})",
            bet_id,
            proposal.amount_lamports,
            view.game_id,
            view.tick,
            proposal.reason,
        )
        return BetIntent(
            bet_id=bet_id,
            game_id=view.game_id,
            decided_tick=view.tick,
            decided_t=view.t,
            amount_lamports=proposal.amount_lamports,
            coin=coin,
            strategy=proposal.strategy,
            reason=proposal.reason,
        )

    def on_report(self, report: BrokerReport) -> BetRow | None:
        """Apply a broker's report to the bet row and the ledger; then re-run the guards (a loss may trip one)."""
        try:
            row = self.store.update_bet(
                report.bet_id,
                report.status,
                t=report.t,
                start_tick=report.start_tick,
                end_tick=report.end_tick,
                payout_lamports=report.payout_lamports if report.status is BetStatus.WON else None,
                latency_s=report.latency_s,
                message=report.message or None,
            )
        except StoreError as exc:
            logger.error("broker report not applied: {}", exc)
            self.store.record_guard_event(
                session=self.session, t=report.t, guard="report", action="ignored", reason=str(exc)
            )
            return None
        self.ledger.sync(self.store)
        if report.status is BetStatus.UNKNOWN:
            logger.warning(
                "bet {} unknown: pausing until it is reconciled ({})", report.bet_id, report.message
            )
        self._now = max(self._now or report.t, report.t)
        self._evaluate(self._now, None)
        return row

    def alarm(self, kind: str, reason: str) -> None:
        """An alarm from outside (provably-fair audit, drift, page control, signing request): halt."""
        self._apply(self._alarms.verdict_for(kind, reason), self._now if self._now is not None else 0.0)

    def kill(self, reason: str) -> None:
        self._apply(Verdict.kill(reason, "operator"), self._now if self._now is not None else 0.0)

    def record_decision(
        self,
        *,
        t: float,
        view: GameView,
        estimate: Estimate | None,
        proposal: SideBet | None,
        reason: str,
        verdict: str,
        strategy: str = "",
    ) -> None:
        """Store one decision of the engine (with or without a proposal) in this session's decisions table."""
        self.store.record_decision(
            DecisionRow(
                t=t,
                game=view.game_id,
                tick=view.tick,
                p_win=estimate.p_win if estimate else None,
                p_low=estimate.p_low if estimate else None,
                p_high=estimate.p_high if estimate else None,
                ev=estimate.ev if estimate else None,
                zone=str(estimate.zone) if estimate else None,
                amount_lamports=proposal.amount_lamports if proposal else None,
                strategy=(proposal.strategy if proposal else strategy),
                reason=reason,
                verdict=verdict,
                session=self.session,
            )
        )

    # ------------------------------------------------------------------ internals
    def _record_game(self, game: FinishedGame, view: GameView) -> None:
        """Games and tick timing go to the database as each game ends (one small write per game)."""
        try:
            self.store.record_game(
                game_id=game.game_id,
                rug_tick=game.rug_tick,
                peak=game.peak,
                seen_complete=game.complete,
                version=game.version,
                seed_hash=game.server_seed_hash,
            )
            tm = view.timing
            self.store.record_tick_stats(
                session=self.session,
                t=game.rug_t,
                game=game.game_id,
                samples=tm.samples,
                ewma_s=tm.ewma_s,
                jitter_s=tm.jitter_s,
                p50_s=tm.p50_s,
                p99_s=tm.p99_s,
                max_s=tm.max_s,
                stalls=tm.stalls,
            )
        except Exception:
            logger.exception("could not record game {}", game.game_id)

    def _ctx(self, now: float, proposal: SideBet | None) -> GuardContext:
        return GuardContext(
            now=now,
            ledger=self.ledger,
            game=self._view,
            proposal=proposal,
            account=self._account,
            maintenance=self._maintenance,
        )

    @staticmethod
    def _check(guard: Guard, ctx: GuardContext) -> Verdict:
        """A guard that crashes is a guard that cannot vouch for the next bet: fail closed (halt)."""
        try:
            v = guard.check(ctx)
        except Exception as exc:
            logger.exception("guard {} failed", guard.name)
            return Verdict.halt(f"guard error: {type(exc).__name__}: {exc}", guard.name)
        return v if v.guard else v.by(guard.name)

    def _blocked(self) -> Verdict | None:
        if self._killed is not None:
            return self._killed
        if self._halt is not None:
            return Verdict.halt(self._halt.reason, f"halt:{self._halt.source}")
        if self._pauses:
            return worst(list(self._pauses.values()))
        return None

    def _evaluate(self, now: float, proposal: SideBet | None) -> Verdict:
        ctx = self._ctx(now, proposal)
        verdicts = [v for g in self.guards if (v := self._check(g, ctx)).action]
        for v in verdicts:  # halts first: the halt row is written before anything else happens
            if v.action >= Action.HALT:
                self._apply(v, now)
        # Pauses: keep the timed ones still running, replace the condition ones by what the guards say now.
        current: dict[str, Verdict] = {}
        for name, p in self._pauses.items():
            if p.until is not None and now < p.until:
                current[name] = p
        for v in verdicts:
            if v.action is Action.PAUSE:
                prev = current.get(v.guard)
                if prev is None or (prev.until is not None and (v.until is None or v.until > prev.until)):
                    current[v.guard] = v
        for name in set(self._pauses) - set(current):
            logger.info("pause cleared: {}", name)
            self._record(Verdict(Action.ALLOW, self._pauses[name].reason, None, name), now, action="clear")
        for name, v in current.items():
            old = self._pauses.get(name)
            if old is None or (old.until != v.until and v.until is not None):
                self._trip(v, now)
        self._pauses = current
        if proposal is None:
            return self._blocked() or Verdict.allow()
        blocked = self._blocked()
        if blocked is not None:
            return blocked
        denial = worst([v for v in verdicts if v.action is Action.DENY])
        if not denial.allowed:
            if (denial.guard, denial.reason) != self._last_denial:  # a strategy may repeat itself every tick
                self._trip(denial, now)
            self._last_denial = (denial.guard, denial.reason)
            return denial
        self._last_denial = None
        return Verdict.allow()

    def _apply(self, v: Verdict, now: float) -> None:
        if v.action is Action.HALT:
            if self._halt is None:
                self._set_halt(v, now)
        elif v.action is Action.KILL and self._killed is None:
            self._killed = v
            self._trip(v, now)
        elif v.action is Action.PAUSE:
            self._pauses[v.guard] = v
            self._trip(v, now)

    def _set_halt(self, v: Verdict, now: float) -> None:
        reason = f"{v.guard}: {v.reason}" if v.guard else v.reason
        try:
            self._halt = self.store.set_halt(
                reason, source=f"guard:{v.guard}" if v.guard else "governor", t=now
            )
        except Exception:  # the database is down: stay halted in memory (fail closed), retry on every poll
            logger.exception("could not persist halt; halted in memory only")
            self._halt = HaltRow(-1, True, reason, "governor (not persisted)", now, None, None)
            self._unpersisted = v
            return
        logger.error("HALTED: {} (persisted; `rugsbot resume` clears it)", reason)
        self._record(v, now)

    def _trip(self, v: Verdict, now: float) -> None:
        log = logger.warning if v.action >= Action.PAUSE else logger.info
        log("guard {} -> {}", v.guard, v)
        self._record(v, now)

    def _record(self, v: Verdict, now: float, action: str | None = None) -> None:
        try:
            self.store.record_guard_event(
                session=self.session,
                t=now,
                guard=v.guard or "governor",
                action=action or v.action.name.lower(),
                reason=v.reason,
                until=v.until,
            )
        except Exception:
            logger.exception("could not store guard event {}", v)

    def _poll_halt(self, now: float) -> None:
        self._last_poll = now
        if self._unpersisted is not None:  # a halt the database did not take yet: it must not be "cleared"
            pending, self._unpersisted = self._unpersisted, None
            self._halt = None
            self._set_halt(pending, now)
            return
        try:
            row = self.store.active_halt()
        except Exception:
            logger.exception("halt poll failed; assuming halted")
            row = HaltRow(-1, True, "database unreadable", "governor", now, None, None)
        if row is not None and self._halt is None:
            logger.error("HALTED from {}: {}", row.source, row.reason)
            self._halt = row
        elif row is None and self._halt is not None:
            logger.warning("halt cleared (was: {}); resuming", self._halt.reason)
            self._halt = None
            self.ledger.sync(self.store)  # applies halt_cleared: streak and drawdown peak reset
        elif row is not None and self._halt is not None and row.id != self._halt.id:
            self._halt = row
