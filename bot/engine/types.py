"""Values that flow from the probability engine to strategies, the ranker and the governor."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.game.state import AccountView, GameView, OwnSidebet


class Zone(StrEnum):
    BELOW = "below break-even"
    NEAR = "near break-even"
    ABOVE = "above break-even"


@dataclass(frozen=True, slots=True)
class Estimate:
    """Honest numbers for a side bet placed now. ``ev`` is per unit stake at the 5× payout."""

    p_win: float
    p_low: float  # credible interval (95 %)
    p_high: float
    ev: float
    ev_low: float
    ev_high: float
    break_even: float  # P(win) needed for EV = 0 (0.20 at 5×)
    zone: Zone
    kelly: float  # 0 when EV ≤ 0
    landing_tick: int  # predicted tick at which a click made now lands
    window_s_mean: float  # wall-clock length of the 40-tick window
    window_s_low: float
    window_s_high: float
    hazard: float  # posterior mean per-tick rug probability
    feasible: bool = True  # False when the landing would fall outside ACTIVE
    note: str = ""


@dataclass(frozen=True, slots=True)
class LedgerView:
    """The governor's ledger as strategies may see it (read-only)."""

    bankroll_lamports: int
    session_pnl_lamports: int = 0
    day_pnl_lamports: int = 0
    peak_bankroll_lamports: int = 0
    consecutive_losses: int = 0
    bets_this_session: int = 0
    staked_this_game_lamports: int = 0
    open_bet: OwnSidebet | None = None
    bets_this_game: int = 0  # the account's bets in the current game, whatever their stakes


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a strategy may look at for one decision. Strategies never see the clock or I/O."""

    game: GameView
    estimate: Estimate
    ledger: LedgerView
    account: AccountView
    t: float  # receive time of the frame that prompted the decision
    coin: str  # coin the profile bets with


@dataclass(frozen=True, slots=True)
class SideBet:
    """A strategy's proposal."""

    amount_lamports: int
    reason: str
    strategy: str = ""
    score: float = 0.0  # set by the ranker


@dataclass(frozen=True, slots=True)
class Skip:
    """A strategy's "no bet", with the reason the operator sees (put the numbers in it)."""

    reason: str


@dataclass(frozen=True, slots=True)
class Settled:
    """A bet the strategy proposed has settled (delivered to ``Strategy.on_settled``).

    ``payout_lamports`` is what the bet paid back in total (stake × 5 on a win, 0 on a loss), so the net result
    is ``payout_lamports - stake_lamports``; ``t`` is the feed's receive time of the settlement, in seconds.
    """

    won: bool
    stake_lamports: int
    payout_lamports: int
    t: float
