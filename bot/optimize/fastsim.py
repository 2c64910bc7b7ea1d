"""Fast Monte Carlo: numpy games with the provably-fair rules, and a strategy runner that skips the wire.

Why a second generator: the ARC4 generator (bot/fair/generator.py) is byte-exact but runs one Python draw at a
time; statistics over 10^5 games need the same *distribution*, not the same bytes. The rules are the v3
loop of protocol.md: per loop index a rug check with p = 0.005 comes first (so the rug loop index is
geometric), then a god candle, a big ±15–25 % move or a small drift move. Rug at loop index ``k`` ⇒ prices
for wire ticks ``0..k`` and the rug frame on wire tick ``k + 1`` (the "final tick" everywhere below).

Two runners with the same decision semantics:

* :func:`run_entry_rule` — vectorised, for rules whose decision depends only on the tick (``fixed``,
  ``late_game``-style entry windows with a constant stake). No Python loop per bet.
* :func:`run_strategy` — calls any object with ``propose(snapshot) -> SideBet | None`` at every decision
  point (an ACTIVE tick with no own bet running), with synthetic ``GameView``/``Estimate``/``LedgerView``.

Decision semantics (both runners): a decision on tick ``d`` lands ``lag`` ticks later on ``s = d + lag``;
it is placed only if ``s`` is still an ACTIVE tick (``s < rug_tick``), its window is
``Window.starting_at(s)`` and it is settled by :func:`bot.game.rules.settle`. The next decision point is
the first tick on which the loss is *known* — the tick after the window's end, ``d' = s + 41`` — because
that is when the session's ledger shows no open bet (the paper/replay broker settles a loss on the first
tick past ``end_tick``). The server would accept a bet on ``end_tick`` itself (``can_place``), but the bot
cannot know on that tick whether the window still wins.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from bot.engine.types import Estimate, LedgerView, SideBet, Snapshot, Zone
from bot.game.rules import (
    BREAK_EVEN,
    MAX_TICKS,
    MIN_BET_LAMPORTS,
    NOMINAL_TICK_S,
    P_WIN,
    PAYOUT_MULTIPLIER,
    RUG_HAZARD,
    WINDOW_TICKS,
    Outcome,
    Window,
    settle,
)
from bot.game.state import AccountView, GameView, Phase, TickTiming
from bot.money import SOL_MINT

RUG_P = RUG_HAZARD
MAX_LOOPS = MAX_TICKS
GOD_P = 0.00001
BIG_P = 0.125
TICK_S = NOMINAL_TICK_S
P_WIN_THEORY = P_WIN
SETTLE_DELAY = 1  # a loss is known on the first tick after end_tick


# --------------------------------------------------------------------------- game generation


def rug_final_ticks(rng: np.random.Generator, n: int) -> np.ndarray:
    """Final wire ticks of ``n`` games: rug loop index ``k`` (geometric from 0) plus one."""
    k = rng.geometric(RUG_P, size=n) - 1
    np.minimum(k, MAX_LOOPS - 1, out=k)
    return (k + 1).astype(np.int64)


@dataclass(frozen=True, slots=True)
class PricedGames:
    """Games with their price paths, stored ragged: game ``g`` has prices for ticks ``0..final[g]-1``."""

    final: np.ndarray  # final wire tick per game (int64)
    offsets: np.ndarray  # start of game g in ``prices``
    prices: np.ndarray  # float64, concatenated paths

    def price(self, game: int, tick: int) -> float:
        return float(self.prices[self.offsets[game] + tick])

    def path(self, game: int) -> np.ndarray:
        start = int(self.offsets[game])
        return self.prices[start : start + int(self.final[game])]


def priced_games(rng: np.random.Generator, n: int, version: str = "v3") -> PricedGames:
    """Generate ``n`` games tick by tick, vectorised across games (the loop is over ticks, not games).

    The draws per branch are not consumed in the ARC4 order, which changes bytes but not the distribution.
    """
    price = np.ones(n)
    alive = np.arange(n)
    final = np.full(n, MAX_LOOPS, dtype=np.int64)
    columns: list[tuple[np.ndarray, np.ndarray]] = [(alive, price.copy())]  # tick 0 price 1.0
    for loop in range(MAX_LOOPS):
        if alive.size == 0:
            break
        rug = rng.random(alive.size) < RUG_P
        if rug.any():
            final[alive[rug]] = loop + 1
            keep = ~rug
            alive, price = alive[keep], price[keep]
            if alive.size == 0:
                break
        m = alive.size
        u_god, u_big, u_mag, u_sign, u_vol = (rng.random(m) for _ in range(5))
        god = (u_god < GOD_P) & (price <= 100) if version == "v3" else np.zeros(m, dtype=bool)
        big = ~god & (u_big < BIG_P)
        small = ~god & ~big
        new = price.copy()
        new[god] *= 10.0
        mag = 0.15 + u_mag[big] * 0.10
        new[big] *= 1.0 + np.where(u_sign[big] > 0.5, mag, -mag)
        ps = price[small]
        drift = -0.02 + u_mag[small] * 0.05  # u_mag is unused on small moves
        vol = 0.005 * (np.minimum(10.0, np.sqrt(ps)) if version == "v3" else np.sqrt(ps))
        new[small] = ps * (1.0 + drift + vol * (2.0 * u_vol[small] - 1.0))
        price = np.maximum(new, 0.0)
        if loop + 1 < MAX_LOOPS:
            columns.append((alive, price.copy()))
    offsets = np.zeros(n, dtype=np.int64)
    np.cumsum(final[:-1], out=offsets[1:])
    prices = np.empty(int(final.sum()))
    for tick, (games, values) in enumerate(columns):
        prices[offsets[games] + tick] = values
    return PricedGames(final=final, offsets=offsets, prices=prices)


# --------------------------------------------------------------------------- bet log


@dataclass(frozen=True, slots=True)
class BetLog:
    """Every bet of a run in placement order (arrays of equal length) plus the games it ran over."""

    game: np.ndarray  # game index
    decided_tick: np.ndarray
    start_tick: np.ndarray
    rug_tick: np.ndarray  # rug wire tick of the bet's game
    stake: np.ndarray  # lamports (int64)
    won: np.ndarray  # bool
    games: int
    game_rug_ticks: np.ndarray  # final tick of every game run (for random-entry baselines)
    starting_bankroll: int
    guard_trips: tuple[str, ...] = ()
    halted_at_bet: int | None = None
    declined: tuple[tuple[str, int], ...] = ()  # strategy objects: why propose() returned None, counted

    @property
    def payout(self) -> np.ndarray:
        return np.where(self.won, self.stake * PAYOUT_MULTIPLIER, 0)

    @property
    def profit(self) -> np.ndarray:
        return self.payout - self.stake

    def __len__(self) -> int:
        return int(self.game.size)

    @staticmethod
    def concat(parts: Sequence[BetLog]) -> BetLog:
        """Join shards in order; game indices are renumbered so they stay unique."""
        if not parts:
            raise ValueError("no parts")
        shift = np.cumsum([0] + [p.games for p in parts[:-1]])
        return BetLog(
            game=np.concatenate([p.game + s for p, s in zip(parts, shift, strict=True)]),
            decided_tick=np.concatenate([p.decided_tick for p in parts]),
            start_tick=np.concatenate([p.start_tick for p in parts]),
            rug_tick=np.concatenate([p.rug_tick for p in parts]),
            stake=np.concatenate([p.stake for p in parts]),
            won=np.concatenate([p.won for p in parts]),
            games=sum(p.games for p in parts),
            game_rug_ticks=np.concatenate([p.game_rug_ticks for p in parts]),
            starting_bankroll=parts[0].starting_bankroll,
            guard_trips=tuple(t for p in parts for t in p.guard_trips),
            halted_at_bet=parts[0].halted_at_bet,
            declined=tuple(sum((Counter(dict(p.declined)) for p in parts), Counter()).most_common(12)),
        )


# --------------------------------------------------------------------------- vectorised entry rules


@dataclass(frozen=True, slots=True)
class EntryRule:
    """A rule whose decision depends on the tick alone, with a constant stake.

    Bet ``k`` (0-based, per game) is proposed at the first decision point ``d ≥ first_tick + k·every`` and
    ``d ≤ max_tick``. ``first_tick`` may be negative (a slot whose landing is at tick 0 is decided before it).
    ``every = 0`` means no spacing beyond "one bet at a time".
    """

    stake_lamports: int
    first_tick: int = 0
    every: int = 0
    max_tick: int | None = None
    max_bets_per_game: int | None = None


def run_entry_rule(
    rule: EntryRule, final: np.ndarray, *, lag_ticks: int = 1, starting_bankroll: int = 10**9
) -> BetLog:
    """All bets of ``rule`` over games with the given final ticks; the loop is over the k-th bet of a game
    (a handful of iterations), vectorised over games."""
    final = np.asarray(final, dtype=np.int64)
    last_seen = final - 1  # the last ACTIVE tick: decisions happen on ticks the feed showed
    if rule.max_tick is not None:
        last_seen = np.minimum(last_seen, rule.max_tick)
    games = np.arange(final.size)
    d = np.full(final.size, max(0, rule.first_tick), dtype=np.int64)
    out_g: list[np.ndarray] = []
    out_d: list[np.ndarray] = []
    k = 0
    limit = rule.max_bets_per_game if rule.max_bets_per_game is not None else MAX_LOOPS
    while games.size and k < limit:
        seen = d <= last_seen[games]
        games, d = games[seen], d[seen]
        s = d + lag_ticks
        placed = s < final[games]  # a click landing on/after the rug frame is never placed
        games, d = games[placed], d[placed]
        out_g.append(games)
        out_d.append(d)
        s = d + lag_ticks
        lost = final[games] > s + WINDOW_TICKS
        games, s = games[lost], s[lost]
        k += 1
        d = np.maximum(s + WINDOW_TICKS + SETTLE_DELAY, rule.first_tick + k * rule.every)
    if out_g:
        game = np.concatenate(out_g)
        decided = np.concatenate(out_d)
        order = np.lexsort((decided, game))
        game, decided = game[order], decided[order]
    else:
        game = decided = np.zeros(0, dtype=np.int64)
    start = decided + lag_ticks
    fin = final[game]
    won = fin <= start + WINDOW_TICKS
    stake = np.full(game.size, rule.stake_lamports, dtype=np.int64)
    return BetLog(game, decided, start, fin, stake, won, int(final.size), final, starting_bankroll)


# --------------------------------------------------------------------------- strategy objects


class Proposer(Protocol):
    def propose(self, snapshot: Snapshot) -> SideBet | None: ...


def theoretical_estimate(landing_tick: int) -> Estimate:
    """The provably-fair numbers (no adaptation): what a model with a strong prior reports."""
    ev = P_WIN_THEORY * PAYOUT_MULTIPLIER - 1.0
    return Estimate(
        p_win=P_WIN_THEORY,
        p_low=P_WIN_THEORY,
        p_high=P_WIN_THEORY,
        ev=ev,
        ev_low=ev,
        ev_high=ev,
        break_even=BREAK_EVEN,
        zone=Zone.BELOW,
        kelly=0.0,
        landing_tick=landing_tick,
        window_s_mean=WINDOW_TICKS * TICK_S,
        window_s_low=WINDOW_TICKS * TICK_S,
        window_s_high=WINDOW_TICKS * TICK_S,
        hazard=RUG_P,
    )


@dataclass(slots=True)
class _Ledger:
    bankroll: int
    peak: int
    pnl: int = 0
    streak: int = 0
    bets: int = 0
    game_stake: int = 0

    def view(self) -> LedgerView:
        return LedgerView(
            bankroll_lamports=self.bankroll,
            session_pnl_lamports=self.pnl,
            day_pnl_lamports=self.pnl,
            peak_bankroll_lamports=self.peak,
            consecutive_losses=self.streak,
            bets_this_session=self.bets,
            staked_this_game_lamports=self.game_stake,
        )


StakeFilter = Callable[[int, LedgerView], int]
"""Guards as the simulator applies them: (proposed stake, ledger) → allowed stake (0 = refuse)."""


@dataclass(slots=True)
class _Rows:
    game: list[int] = field(default_factory=list)
    decided: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    final: list[int] = field(default_factory=list)
    stake: list[int] = field(default_factory=list)
    won: list[bool] = field(default_factory=list)


def run_strategy(
    strategy: Proposer,
    games: PricedGames,
    *,
    lag_ticks: int = 1,
    starting_bankroll: int = 10**9,
    coin: str = SOL_MINT,
    stake_filter: StakeFilter | None = None,
    estimate: Callable[[int], Estimate] = theoretical_estimate,
) -> BetLog:
    """Call ``strategy.propose`` at every decision point of every game; settle with bot.game.rules.

    Bets settle before the next game starts, so the ledger a strategy sees is exact at every decision.
    """
    ledger = _Ledger(starting_bankroll, starting_bankroll)
    rows = _Rows()
    account = AccountView()
    step_wait = WINDOW_TICKS + SETTLE_DELAY
    estimates: dict[int, Estimate] = {}
    timing = TickTiming(
        samples=1000, ewma_s=TICK_S, p50_s=TICK_S, p99_s=TICK_S, max_s=TICK_S, last_gap_s=TICK_S
    )
    trips: tuple[str, ...] = ()
    declined: Counter[str] = Counter()
    for g in range(games.final.size):
        if ledger.bankroll < MIN_BET_LAMPORTS:
            # the governor refuses every bet from here on: stop asking (and stop spending CPU on it)
            trips = (f"bankroll_exhausted@bet{ledger.bets}",)
            break
        final = int(games.final[g])
        arr = games.path(g)
        path = arr.tolist()  # Python floats: cheaper per tick than numpy scalars
        peaks = np.maximum.accumulate(arr).tolist()
        ledger.game_stake = 0
        d = 0
        t0 = g * 1000.0
        game_id = f"sim-{g}"
        ledger_view = ledger.view()
        while d < final:
            t = t0 + d * TICK_S
            # all fields positional and one shared TickTiming: the default factory costs more than the view
            view = GameView(
                game_id,
                Phase.ACTIVE,
                d,
                path[d],
                t,
                t,
                "v3",
                None,
                None,
                False,
                False,
                None,
                peaks[d],
                timing,
            )
            est = estimates.get(d)
            if est is None:
                est = estimates[d] = estimate(d + lag_ticks)
            snap = Snapshot(view, est, ledger_view, account, t, coin)
            bet = strategy.propose(snap)
            if bet is None:
                declined[getattr(strategy, "why", "") or "declined"] += 1
                d += 1
                continue
            stake = bet.amount_lamports
            if stake_filter is not None:
                stake = stake_filter(stake, snap.ledger)
            if stake <= 0 or stake > ledger.bankroll:
                d += 1
                continue
            s = d + lag_ticks
            if s >= final:  # landed on the rug frame: never placed
                break
            window = Window.starting_at(s)
            won = settle(window, rug_tick=final, current_tick=final) is Outcome.WON
            ledger.bankroll += (stake * PAYOUT_MULTIPLIER if won else 0) - stake
            ledger.pnl = ledger.bankroll - starting_bankroll
            ledger.peak = max(ledger.peak, ledger.bankroll)
            ledger.streak = 0 if won else ledger.streak + 1
            ledger.bets += 1
            ledger.game_stake += stake
            ledger_view = ledger.view()
            rows.game.append(g)
            rows.decided.append(d)
            rows.start.append(s)
            rows.final.append(final)
            rows.stake.append(stake)
            rows.won.append(won)
            if won:
                break
            d = s + step_wait
    return BetLog(
        game=np.asarray(rows.game, dtype=np.int64),
        decided_tick=np.asarray(rows.decided, dtype=np.int64),
        start_tick=np.asarray(rows.start, dtype=np.int64),
        rug_tick=np.asarray(rows.final, dtype=np.int64),
        stake=np.asarray(rows.stake, dtype=np.int64),
        won=np.asarray(rows.won, dtype=bool),
        games=int(games.final.size),
        game_rug_ticks=games.final,
        starting_bankroll=starting_bankroll,
        guard_trips=trips,
        declined=tuple(declined.most_common(12)),
    )


# --------------------------------------------------------------------------- guards (post hoc, vectorised)


@dataclass(frozen=True, slots=True)
class SimGuards:
    """The governor limits that matter for Monte Carlo, in lamports. ``enforce`` halts at the first trip;
    otherwise trips are only counted (so a 10^5-game run still measures the rule, not the limit)."""

    session_loss_limit: int | None = None
    take_profit: int | None = None
    max_consecutive_losses: int | None = None
    max_drawdown_pct: float | None = None
    enforce: bool = False


def apply_guards(log: BetLog, guards: SimGuards) -> BetLog:
    """Find where each guard would first trip; truncate the log there when enforcing."""
    if len(log) == 0:
        return log
    equity = log.starting_bankroll + np.cumsum(log.profit)
    trips: list[tuple[int, str]] = []
    if guards.session_loss_limit is not None:
        idx = np.flatnonzero(equity - log.starting_bankroll <= -guards.session_loss_limit)
        if idx.size:
            trips.append((int(idx[0]), "session_loss_limit"))
    if guards.take_profit is not None:
        idx = np.flatnonzero(equity - log.starting_bankroll >= guards.take_profit)
        if idx.size:
            trips.append((int(idx[0]), "take_profit"))
    if guards.max_consecutive_losses is not None:
        streak = loss_streak_lengths_running(log.won)
        idx = np.flatnonzero(streak >= guards.max_consecutive_losses)
        if idx.size:
            trips.append((int(idx[0]), "max_consecutive_losses"))
    if guards.max_drawdown_pct is not None:
        peak = np.maximum.accumulate(np.concatenate([[log.starting_bankroll], equity]))[1:]
        dd = (peak - equity) / np.maximum(peak, 1) * 100.0
        idx = np.flatnonzero(dd >= guards.max_drawdown_pct)
        if idx.size:
            trips.append((int(idx[0]), "max_drawdown_pct"))
    trips.sort()
    names = tuple(f"{name}@bet{i + 1}" for i, name in trips)
    if not guards.enforce or not trips:
        return _replace_trips(log, names, None)
    cut = trips[0][0] + 1
    return BetLog(
        log.game[:cut],
        log.decided_tick[:cut],
        log.start_tick[:cut],
        log.rug_tick[:cut],
        log.stake[:cut],
        log.won[:cut],
        log.games,
        log.game_rug_ticks,
        log.starting_bankroll,
        names[:1],
        cut,
        log.declined,
    )


def _replace_trips(log: BetLog, trips: tuple[str, ...], halted: int | None) -> BetLog:
    return BetLog(
        log.game,
        log.decided_tick,
        log.start_tick,
        log.rug_tick,
        log.stake,
        log.won,
        log.games,
        log.game_rug_ticks,
        log.starting_bankroll,
        trips,
        halted,
        log.declined,
    )


def loss_streak_lengths_running(won: np.ndarray) -> np.ndarray:
    """Length of the losing streak ending at each bet (0 on a win), vectorised."""
    lost = ~np.asarray(won, dtype=bool)
    idx = np.arange(lost.size)
    last_win = np.where(~lost, idx, -1)
    np.maximum.accumulate(last_win, out=last_win)
    return np.where(lost, idx - last_win, 0)


# --------------------------------------------------------------------------- shards


def spawn_seeds(seed: int | None, jobs: int) -> list[np.random.SeedSequence]:
    """Independent sub-streams: the result depends on (seed, jobs) only, never on scheduling."""
    return np.random.SeedSequence(seed).spawn(jobs)


def split_games(n: int, jobs: int) -> list[int]:
    base, extra = divmod(n, jobs)
    return [base + (1 if i < extra else 0) for i in range(jobs)]


def ticks_for_seconds(latency_s: float, tick_s: float = TICK_S) -> int:
    """A click decided on one tick lands on the next tick at the earliest (protocol.md: ~220 ms ≈ 1 tick)."""
    return max(1, math.ceil(latency_s / tick_s))


# --------------------------------------------------------------------------- in-process feed


def session_frames(
    games: PricedGames,
    *,
    t0: float = 1_765_000_000.0,
    tick_s: float = TICK_S,
    cooldown_s: float = 15.0,
    rug_price: float = 0.01,
) -> Iterator[tuple[float, str, str]]:
    """The games as minimal ``gameStateUpdate`` frames with receive times: the third feed of the design
    (neither a socket nor a recording), so the *whole* session — tracker, model, decider, governor, paper
    broker, database — can run on Monte Carlo games. Slow (a session per tick) but exact."""
    from bot.protocol.frames import encode_event

    t = t0
    for g in range(games.final.size):
        gid = f"20251201-{g:016x}"
        fair = {"serverSeedHash": f"{g:064x}", "version": "v3"}
        for timer in (int(cooldown_s * 1000), 10_000, 5_000, 100):
            presale = timer <= 10_000
            yield (
                t,
                "in",
                encode_event(
                    "gameStateUpdate",
                    {
                        "gameId": gid,
                        "active": False,
                        "rugged": False,
                        "price": 1.0,
                        "tickCount": 0,
                        "cooldownTimer": timer,
                        "allowPreRoundBuys": presale,
                        "provablyFair": fair,
                    },
                ),
            )
            t += (
                (
                    cooldown_s * 1000 - timer
                    if timer == 10_000
                    else 5_000
                    if presale and timer > 100
                    else 4_900
                )
                / 1000
                if timer != 100
                else 0.1
            )
        path = games.path(g).tolist()
        final = int(games.final[g])
        for tick in range(final):
            yield (
                t,
                "in",
                encode_event(
                    "gameStateUpdate",
                    {
                        "gameId": gid,
                        "active": True,
                        "rugged": False,
                        "price": path[tick],
                        "tickCount": tick,
                        "cooldownTimer": 0,
                        "allowPreRoundBuys": False,
                        "provablyFair": fair,
                    },
                ),
            )
            t += tick_s
        yield (
            t,
            "in",
            encode_event(
                "gameStateUpdate",
                {
                    "gameId": gid,
                    "active": True,
                    "rugged": True,
                    "price": rug_price,
                    "tickCount": final,
                    "cooldownTimer": 0,
                    "allowPreRoundBuys": False,
                    "provablyFair": fair,
                },
            ),
        )
        t += 1.0
