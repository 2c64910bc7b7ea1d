"""Real-format frames and a trading loop on a real SQLite file, for the restart and money-path tests."""

from __future__ import annotations

import json
from pathlib import Path

from bot.app.loop import TradingLoop
from bot.brokers.paper import DryBroker
from bot.config.profile import Profile, profile_from_dict
from bot.engine.probability import ProbabilityModel
from bot.engine.ranking import Decider
from bot.game.tracker import GameTracker
from bot.mode import Mode
from bot.money import PRACTICE_COIN
from bot.risk.governor import Governor
from bot.store.db import Store

REPO = Path(__file__).resolve().parents[2]
GAME = "20261124-00000000000000aa"
TRACE = {"__trace": True, "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}

Frame = tuple[float, str, str]


def _wire(obj: object) -> str:
    """JSON as the site sends it: no spaces after separators."""
    return json.dumps(obj, separators=(",", ":"))


def player_update(
    t: float, balance: float, *, pid: str, active: dict[str, object] | None = None, coin: str = PRACTICE_COIN
) -> Frame:
    body = {
        "id": pid,
        "cash": 0.0,
        "shitcoinBalances": {coin: balance},
        "authenticated": True,
        "sideBet": active,
    }
    return t, "in", "42" + _wire(["playerUpdate", {**body, "sidebets": [active] if active else []}])


def sidebet(
    pid: str, start: int, *, amount: float = 0.01, game: str = GAME, payout: float | None = None
) -> dict[str, object]:
    rec: dict[str, object] = {
        "playerId": pid,
        "gameId": game,
        "betAmount": amount,
        "xPayout": 5,
        "coinAddress": PRACTICE_COIN,
        "startTick": start,
        "endTick": start + 40,
        "tickIndex": start,
        "type": "placed" if payout is None else "payout",
    }
    if payout is not None:
        rec.update(payout=payout, profit=payout - amount)
    return rec


def event(t: float, name: str, record: dict[str, object]) -> Frame:
    return t, "in", "42" + _wire([name, TRACE, record])


def game_frame(t: float, tick: int, *, game: str = GAME, rugged: bool = False) -> Frame:
    body = {
        "gameId": game,
        "active": not rugged,
        "rugged": rugged,
        "price": 1.0,
        "tickCount": tick,
        "cooldownTimer": 0,
    }
    return t, "in", "42" + _wire(["gameStateUpdate", body])


def practice_profile(name: str = "t", mode: str = "practice", **strategy: object) -> Profile:
    """The sim profile's strategy (fixed 0.01 from tick 5, every 40, 2 per game) and bets-per-game guard."""
    params = {"stake_sol": 0.01, "start_tick": 5, "every": 40, "max_bets_per_game": 2, **strategy}
    return profile_from_dict(
        {
            "name": name,
            "mode": mode,
            "engine": {"strategies": [{"name": "fixed", "params": params}], "adaptive": False},
            "guards": {"max_bets_per_game": 2, "feed_silent_s": 600, "max_tick_interval_s": 600},
        }
    )


def start(
    db: Path, profile: Profile, mode: Mode, t: float, *, latency_s: float = 0.2
) -> tuple[TradingLoop, Governor, Store]:
    """A new process on the database: governor, trading loop (paper broker: no page here), real tracker."""
    store = Store.open(db)
    logged_in = mode.clicks
    gov = Governor.start(
        profile.guards,
        store,
        mode=mode,
        profile=profile.name,
        coin=mode.coin,
        logged_in=logged_in,
        starting_bankroll_lamports=10**10,
        t=t,
    )
    loop = TradingLoop(
        mode=mode,
        coin=mode.coin,
        tracker=GameTracker(),
        model=ProbabilityModel(profile.engine, timing=profile.timing),
        decider=Decider(profile.engine, REPO / "strategies"),
        governor=gov,
        broker=DryBroker(latency_s),
    )
    return loop, gov, store
