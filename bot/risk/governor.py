"""The governor: sees every signal, proposal and broker report; owns the ledger, the guards and the halt state.

How the trading loop (bot/app/loop.py) drives it, per frame: ``on_signal`` for every signal (balances, the
account, maintenance notices), ``tick(view, now)`` once per frame (and on a timer during silences),
``review(proposal, snapshot)`` for a strategy's proposal, ``open_bet`` (write-ahead: the intent row is durable
before any click) when allowed, ``on_report`` for every broker report; ``state``, ``ledger_view()``,
``alarm(kind, reason)`` from outside (auditor, drift, broker, wallet), ``close(now)`` for the summary row.

Levels (bot/risk/levels.py): pauses clear by themselves; a halt is persisted first and cleared only by ``rugsbot
resume``, seen on a poll of the halts table at most every ``halt_poll_s`` of feed time; kill ends the session.
Whose bets: the paper account ``paper:<profile>``, or the player id the feed tells (``playerUpdate.id``).

Safety does not depend on the session calling things in order: :meth:`open_bet` re-runs every guard and refuses
(raises :class:`BetRefused`) unless the result is *allow*; no bet is opened while paused, halted or killed.
"""

from __future__ import annotations

from collections.abc import Sequence

from loguru import logger

from bot.bets.model import BetIntent, BetStatus, BrokerReport, paper_account
from bot.config.sections import GuardsConfig
from bot.engine.types import Estimate, LedgerView, SideBet, Snapshot
from bot.game.signals import AccountUpdated, GameRugged, MaintenanceNotice, Signal
from bot.game.state import AccountView, GameView
from bot.mode import Mode
from bot.money import fmt_sol
from bot.risk.guards import AlarmGuard, Guard, GuardContext, build_guards
from bot.risk.ledger import Ledger
from bot.risk.levels import Levels
from bot.risk.records import record_decision, record_game
from bot.risk.state import BetRefused, GovernorState, Level
from bot.risk.verdict import Action, Verdict, worst
from bot.store.db import Store, StoreError
from bot.store.rows import BetRow, EventKind

__all__ = ["BetRefused", "Governor", "GovernorState", "Level"]


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
        mode: Mode | None = None,
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.session = session
        self.ledger = ledger
        self.mode = mode
        self.guards: list[Guard] = list(build_guards(cfg) if guards is None else guards)
        self.halt_poll_s = halt_poll_s
        self._alarms = AlarmGuard()
        self._view: GameView | None = None
        self._account: AccountView | None = None
        self._maintenance = False
        self._now: float | None = None
        self._levels = Levels(store, session)
        self._balance_seen: set[str] = set()  # accounts whose first balance of this session is recorded
        halt = self._levels.halt
        if halt is not None:
            logger.warning(
                "starting HALTED: {} (source {}); run `rugsbot resume` to clear", halt.reason, halt.source
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
        ledger: today's losses, the loss streak, the paper bankroll (per account: ``paper:<profile>`` when not
        logged in; a logged-in session learns its account from the feed)."""
        run_mode = Mode.from_label(str(mode))
        if carry_over is None:
            carry_over = run_mode is not Mode.REPLAY
        account = None if logged_in else paper_account(profile)
        session = store.start_session(
            mode=run_mode.label,
            profile=profile,
            coin=coin,
            started=t,
            starting_bankroll_lamports=None if logged_in else starting_bankroll_lamports,
            account=account,
        )
        ledger = Ledger.rebuild(
            store,
            session=session,
            mode=run_mode.label,
            coin=coin,
            logged_in=logged_in,
            starting_bankroll_lamports=starting_bankroll_lamports,
            carry_over=carry_over,
            account=account,
        )
        gov = cls(
            cfg, store, session=session, ledger=ledger, guards=guards, halt_poll_s=halt_poll_s, mode=run_mode
        )
        gov._now = t
        for b in store.open_bets():
            logger.warning(
                "open bet from the database needs reconciliation: {} {} ({}, account {}, {})",
                b.bet_id,
                b.status.value,
                b.game,
                b.account or "legacy",
                b.mode or "mode unknown",
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
                "account": led.account,
                "coin": led.coin,
                "wins_total": led.wins_total,
                "losses_total": led.losses_total,
                "consecutive_losses_cumulative": led.consecutive_losses,
            },
        )

    # ------------------------------------------------------------------ state
    @property
    def state(self) -> GovernorState:
        return self._levels.state

    @property
    def can_bet(self) -> bool:
        """ACTIVE right now (a proposal must still pass ``review``; ``open_bet`` checks again)."""
        return self.state.level is Level.ACTIVE

    def ledger_view(self) -> LedgerView:
        game_id = self._view.game_id if self._view is not None else None
        return self.ledger.view(game_id, self._now if self._now is not None else 0.0)

    def open_bets(self) -> list[BetRow]:
        """Non-terminal bets in the database, of every account (a restart's reconciliation list)."""
        return self.store.open_bets()

    @property
    def account(self) -> str | None:
        """Whose bets this session places: the paper account, or the player id the feed told (None until then)."""
        return self.ledger.account

    def expected_cash(self, account: str) -> int | None:
        """The ledger's cash of an account, every open stake debited (the bet tracker's balance baseline)."""
        return self.ledger.expected_cash_of(account)

    # ------------------------------------------------------------------ inputs
    def on_signal(self, sig: Signal, view: GameView) -> None:
        self._view = view
        if isinstance(sig, AccountUpdated):
            self._account = sig.account
            if self.ledger.logged_in:
                self._on_account(sig.account, view)
        elif isinstance(sig, MaintenanceNotice):
            self._maintenance = sig.active
        elif isinstance(sig, GameRugged):
            record_game(self.store, self.session, sig.game, view)

    def _on_account(self, acct: AccountView, view: GameView) -> None:
        """Learn whose session this is, and record the server's balance: always the first of the session (it is
        the starting point), then every change. A balance of no known account is evidence about nobody."""
        pid = acct.player_id
        if pid is None or not acct.authenticated:
            return
        if self.ledger.account != pid:
            if self.ledger.account is not None:
                logger.warning("the page is now logged in as {} (was {})", pid, self.ledger.account)
            logger.info("account {} ({})", pid, self.ledger.coin)
            self.ledger.use_account(pid)
            self.store.set_session_account(self.session, pid)
        bal = acct.balance(self.ledger.coin)
        if bal is None or (pid in self._balance_seen and bal == self.ledger.server_cash):
            return
        first = pid not in self._balance_seen
        self._balance_seen.add(pid)
        self.store.append_event(
            acct.updated_t or view.t,
            self.session,
            EventKind.BALANCE,
            {"account": pid, "coin": self.ledger.coin, "lamports": bal},
        )
        self.ledger.sync(self.store)
        diff = self.ledger.anchor_difference
        if first and diff:
            logger.warning(
                "the server's balance {} differs from the last session's books by {}: starting from the server's",
                fmt_sol(bal, 6),
                fmt_sol(diff, 6),
            )

    def tick(self, view: GameView | None, now: float) -> GovernorState:
        """Once per frame: poll external halts, re-run the guards, expire pauses."""
        if view is not None:
            self._view = view
        self._now = now
        if (last := self._levels.last_poll) is None or now - last >= self.halt_poll_s - 1e-6 or now < last:
            self._poll_halt(now)
        self._evaluate(now, None)
        return self.state

    def review(self, proposal: SideBet, snapshot: Snapshot) -> Verdict:
        """Judge one proposal. Not allowed while paused, halted or killed; a guard may also pause or halt here."""
        self._view = snapshot.game
        # Never judge at an earlier time than the last tick: that would clear a pause the tick just saw.
        self._now = max(snapshot.t, self._now) if self._now is not None else snapshot.t
        if snapshot.account.authenticated:  # the feed's latest view of the account (its active bet)
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
        account = self.ledger.account
        if account is None:
            raise BetRefused(Verdict.deny("account not known yet (no playerUpdate with an id)", "governor"))
        bet_id = self.store.insert_bet_intent(
            session=self.session,
            game=view.game_id,
            decided_tick=view.tick,
            decided_t=view.t,
            amount_lamports=proposal.amount_lamports,
            coin=coin,
            strategy=proposal.strategy,
            reason=proposal.reason,
            account=account,
            mode=self.mode.label if self.mode is not None else None,
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
            account=account,
            mode=self.mode,
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
                evidence=report.evidence.value if report.evidence is not None else None,
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
        self._levels.apply(
            self._alarms.verdict_for(kind, reason), self._now if self._now is not None else 0.0
        )

    def kill(self, reason: str) -> None:
        self._levels.apply(Verdict.kill(reason, "operator"), self._now if self._now is not None else 0.0)

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
        record_decision(
            self.store, self.session, t=t, view=view, estimate=estimate, proposal=proposal, reason=reason,
            verdict=verdict, strategy=strategy,
        )  # fmt: skip

    # ------------------------------------------------------------------ internals
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
        # an allow verdict is dropped by the caller: labelling a copy of it per guard per frame doubled the cost
        return v if v.guard or not v.action else v.by(guard.name)

    def _evaluate(self, now: float, proposal: SideBet | None) -> Verdict:
        ctx = self._ctx(now, proposal)
        verdicts = [v for g in self.guards if (v := self._check(g, ctx)).action]
        if self.ledger.logged_in and self.ledger.account is None:
            # Whose session this is is not known yet: the books shown are the last account's, and no bet can be
            # opened. A halt on them could be another account's limit; it is judged once the feed tells.
            verdicts = [v for v in verdicts if v.action < Action.HALT]
        self._levels.update(verdicts, now)
        blocked = self._levels.blocked()
        if proposal is None or blocked is not None:
            return blocked or Verdict.allow()
        denial = worst([v for v in verdicts if v.action is Action.DENY])
        if not denial.allowed:
            self._levels.deny(denial, now)
            return denial
        self._levels.allowed()
        return Verdict.allow()

    def _poll_halt(self, now: float) -> None:
        if self._levels.poll(now):
            self.ledger.sync(self.store)  # applies halt_cleared: streak and drawdown peak reset
