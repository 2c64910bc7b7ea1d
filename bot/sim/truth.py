"""Ground truth: what really happened in the simulator, for tests and ``/__sim/state``.

Compare a bot's beliefs against this. Amounts are lamports (1e-9 of the coin); times are sim seconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from bot.sim.accounts import Accounts
from bot.sim.faults import Faults
from bot.sim.game import GameLoop

__all__ = ["AccountTruth", "BetTruth", "GameTruth", "SimTruth", "truth_of"]


@dataclass(frozen=True, slots=True)
class GameTruth:
    id: str
    server_seed: str
    server_seed_hash: str
    rug_tick: int
    peak: float
    timestamp_ms: int
    skipped_ticks: tuple[int, ...]  # ticks never broadcast (backfilled by partialPrices): not lost frames
    forced: bool = False  # rugged off the generator's schedule: its seed does not verify (bot/sim/rounds.py)


@dataclass(frozen=True, slots=True)
class BetTruth:
    id: str
    player_id: str
    game_id: str
    coin: str
    amount_lamports: int
    start_tick: int
    end_tick: int
    outcome: str
    payout_lamports: int
    settle_tick: int | None


@dataclass(frozen=True, slots=True)
class AccountTruth:
    player_id: str
    username: str
    balances: dict[str, int]  # lamports (1e-9 units) per coin address
    pending_bets: int


@dataclass(frozen=True, slots=True)
class SimTruth:
    """What really happened, for tests and ``/__sim/state``: compare a bot's beliefs against this.

    ``current_forced``: the running game's rug was forced (it will not verify). ``page_build`` and
    ``protocol_drift`` say which build of the site is being played (bot/sim/site_builds.py).
    """

    game_id: str
    phase: str
    tick: int
    price: float
    server_seed_hash: str
    sim_t: float
    connections: int
    frames_sent: int
    games: tuple[GameTruth, ...]
    accounts: tuple[AccountTruth, ...]
    sidebet_requests: dict[str, int]  # every requestSidebet received, per player id
    bets: tuple[BetTruth, ...]
    faults_active: tuple[str, ...]
    fault_log: tuple[dict[str, Any], ...]
    current_forced: bool = False
    blackholed: int = 0  # open sockets that get no more game frames (the blackhole fault)
    page_build: int = 1
    protocol_drift: bool = False

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def truth_of(
    game: GameLoop,
    accounts: Accounts,
    faults: Faults,
    *,
    sim_t: float,
    connections: int,
    blackholed: int,
    frames_sent: int,
) -> SimTruth:
    """A snapshot of the simulator's state (call on its event-loop thread)."""
    games = tuple(
        GameTruth(
            r.id,
            r.server_seed,
            r.server_seed_hash,
            r.rug_tick,
            r.peak,
            r.timestamp_ms,
            r.skipped_ticks,
            r.forced,
        )
        for r in game.finished
    )
    accounts_truth = tuple(
        AccountTruth(a.player_id, a.username, dict(a.balances), len(a.pending))
        for a in accounts.by_id.values()
    )
    bets = tuple(
        BetTruth(
            b.id,
            b.player_id,
            b.game_id,
            b.coin,
            b.amount,
            b.window.start_tick,
            b.window.end_tick,
            str(b.outcome),
            b.payout,
            b.settle_tick,
        )
        for b in accounts.bets
    )
    active = faults.active()
    if accounts.reject_next:
        active.append(f"reject next {accounts.reject_next}")
    return SimTruth(
        game_id=game.current.id,
        phase=game.phase,
        tick=game.tick,
        price=game.price,
        server_seed_hash=game.current.hash,
        sim_t=sim_t,
        connections=connections,
        frames_sent=frames_sent,
        games=games,
        accounts=accounts_truth,
        sidebet_requests=dict(accounts.requests),
        bets=bets,
        faults_active=tuple(active),
        fault_log=tuple({"name": e.name, "value": e.value, "sim_t": e.sim_t} for e in faults.log),
        current_forced=game.current.forced,
        blackholed=blackholed,
        page_build=game.config.page_build,
        protocol_drift=game.config.protocol_drift,
    )
