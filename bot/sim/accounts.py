"""Custodial accounts and side bets: the part of the server a bot's money depends on.

Balances are integer lamports per coin (SOL and the ``0xPractice`` coin); SOL floats appear only in the
frames. Side-bet windows and settlement use bot/game/rules.py (the one implementation), so the
simulator cannot disagree with the bot about what a win is. Every ``requestSidebet`` that reaches the
server is counted per player, whether accepted or not: that count is how tests prove a bot never
double-clicks.

Presale decision (the real rule is unknown, protocol.md): side bets are rejected outside the active
phase ("Game not active") unless ``SimConfig.presale_sidebets`` is set, in which case a presale bet starts
at tick 0.
"""

from __future__ import annotations

import base64
import binascii
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from bot.game.rules import Outcome, Window, can_place, payout_lamports, settle
from bot.money import LAMPORTS_PER_SOL, PRACTICE_COIN, SOL_MINT, lamports_to_sol, sol_to_lamports
from bot.sim.config import SimConfig
from bot.sim.players import CrowdBet, SimPlayer, new_uuid, sidebet_payout_record, sidebet_placed_record

__all__ = ["Account", "Accounts", "Bet", "GamePoint", "Settlement", "SidebetResult"]

_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")
UNAUTHENTICATED = "<unauthenticated>"


@dataclass(frozen=True, slots=True)
class GamePoint:
    """Where the game is when a request arrives."""

    game_id: str
    phase: str  # COOLDOWN | PRESALE | ACTIVE | RUGGED
    tick: int
    price: float


@dataclass(slots=True)
class Bet:
    id: str
    player_id: str
    game_id: str
    coin: str
    amount: int  # lamports (or 1e-9 units of the practice coin)
    window: Window
    price: float
    placed_ms: int
    record: dict[str, Any]
    outcome: Outcome = Outcome.PENDING
    payout: int = 0
    settle_tick: int | None = None


@dataclass(slots=True)
class Account:
    player_id: str
    public_key: str
    username: str
    balances: dict[str, int]
    level: int = 0
    pending: list[Bet] = field(default_factory=list)
    sidebet_pnl: int = 0


@dataclass(frozen=True, slots=True)
class SidebetResult:
    ack: dict[str, Any]
    bet: Bet | None


@dataclass(frozen=True, slots=True)
class Settlement:
    account: Account
    bet: Bet
    record: dict[str, Any]  # the currentSidebetResult payload


def _reject(message: str) -> SidebetResult:
    return SidebetResult({"success": False, "message": message}, None)


@dataclass(slots=True)
class Accounts:
    config: SimConfig
    rng: random.Random
    by_id: dict[str, Account] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    bets: list[Bet] = field(default_factory=list)
    reject_next: int = 0  # fault: reject this many next side bets

    # ------------------------------------------------------------ login

    def authenticate(self, payload: Any) -> tuple[dict[str, Any], Account | None]:
        """Accept a wallet-signed login. The signature is checked for shape only (no ed25519 library here)."""
        if not isinstance(payload, dict):
            return {"success": False, "message": "Invalid authentication payload"}, None
        key = payload.get("publicKey")
        message = payload.get("message")
        signature = payload.get("signature")
        if not isinstance(key, str) or not _BASE58.match(key):
            return {"success": False, "message": "Invalid public key"}, None
        if not isinstance(message, str) or not message:
            return {"success": False, "message": "Missing signed message"}, None
        try:
            sig = base64.b64decode(signature, validate=True) if isinstance(signature, str) else b""
        except (binascii.Error, ValueError):
            sig = b""
        if not sig:
            return {"success": False, "message": "Invalid signature"}, None
        player_id = f"did:sim:{key}"
        acct = self.by_id.get(player_id)
        if acct is None:
            acct = Account(
                player_id=player_id,
                public_key=key,
                username=f"sim_{key[:6]}",
                balances={c.address: c.start_balance for c in self.config.coins},
            )
            self.by_id[player_id] = acct
        return {"success": True, "player": {"id": player_id, "username": acct.username}}, acct

    # ------------------------------------------------------------ side bets

    def count_request(self, player_id: str | None) -> None:
        key = player_id or UNAUTHENTICATED
        self.requests[key] = self.requests.get(key, 0) + 1

    def request_sidebet(
        self, acct: Account | None, payload: Any, at: GamePoint, now_ms: int
    ) -> SidebetResult:
        """Validate, debit and record one side bet; the ack says why when it is refused."""
        self.count_request(acct.player_id if acct else None)
        if acct is None:
            return _reject("Not authenticated")
        if self.reject_next > 0:
            self.reject_next -= 1
            return _reject("Side bet rejected, please try again")
        if not isinstance(payload, dict):
            return _reject("Invalid side bet request")
        coin = payload.get("coinAddress")
        rule = self.config.coin(coin) if isinstance(coin, str) else None
        if rule is None:
            return _reject("Unsupported coin")
        if payload.get("xPayout", 5) != 5:
            return _reject("Invalid payout multiplier")
        amount_f = payload.get("amount")
        if isinstance(amount_f, bool) or not isinstance(amount_f, int | float) or not math.isfinite(amount_f):
            return _reject("Invalid amount")
        amount = sol_to_lamports(amount_f)
        if amount < rule.min_bet:
            return _reject(f"Minimum side bet is {lamports_to_sol(rule.min_bet):g}")
        if amount > rule.max_bet:
            return _reject(f"Maximum side bet is {lamports_to_sol(rule.max_bet):g}")
        start = at.tick
        if at.phase == "RUGGED":
            return _reject("Game already rugged")
        if at.phase != "ACTIVE":
            if not (self.config.presale_sidebets and at.phase == "PRESALE"):
                return _reject("Game not active")
            start = 0
        last = acct.pending[-1].window if acct.pending else None
        if not can_place(last, start):
            return _reject("You already have an active side bet")
        if acct.balances.get(rule.address, 0) < amount:
            return _reject("Insufficient balance")
        acct.balances[rule.address] -= amount
        window = Window.starting_at(start)
        amount_sol = lamports_to_sol(amount)
        record = {
            "playerId": acct.player_id,
            "gameId": at.game_id,
            "username": acct.username,
            "price": at.price,
            "betAmount": amount_sol,
            "xPayout": 5,
            "coinAddress": rule.address,
            "startTick": window.start_tick,
            "endTick": window.end_tick,
            "tickIndex": start,
            "timestamp": now_ms,
            "type": "placed",
        }
        bet = Bet(
            id=new_uuid(self.rng),
            player_id=acct.player_id,
            game_id=at.game_id,
            coin=rule.address,
            amount=amount,
            window=window,
            price=at.price,
            placed_ms=now_ms,
            record=record,
        )
        acct.pending.append(bet)
        self.bets.append(bet)
        return SidebetResult({"success": True, "message": "Side bet placed", "sidebet": record}, bet)

    def placed_global_record(self, bet: Bet, username: str) -> dict[str, Any]:
        return sidebet_placed_record(
            player_id=bet.player_id,
            username=username,
            game_id=bet.game_id,
            amount=lamports_to_sol(bet.amount),
            coin=bet.coin,
            start_tick=bet.window.start_tick,
            timestamp=bet.placed_ms,
            rec_id=bet.id,
        )

    def on_tick(self, game_id: str, tick: int, price: float, now_ms: int) -> list[Settlement]:
        """Losses settle on the first tick past the window."""
        return self._settle_all(game_id, rug_tick=None, tick=tick, price=price, now_ms=now_ms)

    def on_rug(self, game_id: str, rug_tick: int, price: float, now_ms: int) -> list[Settlement]:
        return self._settle_all(game_id, rug_tick=rug_tick, tick=rug_tick, price=price, now_ms=now_ms)

    def _settle_all(
        self, game_id: str, *, rug_tick: int | None, tick: int, price: float, now_ms: int
    ) -> list[Settlement]:
        out: list[Settlement] = []
        for acct in self.by_id.values():
            if not acct.pending:
                continue
            keep: list[Bet] = []
            for bet in acct.pending:
                if bet.game_id != game_id:  # a bet from a game that ended unseen (cannot happen; be safe)
                    outcome = Outcome.LOST
                else:
                    outcome = settle(bet.window, rug_tick=rug_tick, current_tick=tick)
                if outcome is Outcome.PENDING:
                    keep.append(bet)
                    continue
                out.append(self._settle(acct, bet, outcome, tick, price, now_ms))
            acct.pending = keep
        return out

    def _settle(
        self, acct: Account, bet: Bet, outcome: Outcome, tick: int, price: float, now_ms: int
    ) -> Settlement:
        payout = payout_lamports(bet.amount, outcome)
        acct.balances[bet.coin] = acct.balances.get(bet.coin, 0) + payout
        if bet.coin != PRACTICE_COIN:
            acct.sidebet_pnl += payout - bet.amount
        bet.outcome, bet.payout, bet.settle_tick = outcome, payout, tick
        won = outcome is Outcome.WON
        record = sidebet_payout_record(
            player_id=acct.player_id,
            username=acct.username,
            level=acct.level,
            game_id=bet.game_id,
            amount=lamports_to_sol(bet.amount),
            coin=bet.coin,
            window=bet.window,
            won=won,
            tick_index=tick,
            price=price,
            timestamp=now_ms,
            rec_id=new_uuid(self.rng),
        )
        record["payout"] = lamports_to_sol(payout)
        record["profit"] = lamports_to_sol(payout - bet.amount)
        return Settlement(acct, bet, record)

    # ------------------------------------------------------------ frames

    def player_update(self, acct: Account) -> dict[str, Any]:
        """``playerUpdate`` with the real key order (Dec 2025 capture); cash is the SOL balance."""
        pending = [b.record for b in acct.pending]
        shit = {a: lamports_to_sol(v) for a, v in acct.balances.items() if a != SOL_MINT}
        return {
            "id": acct.player_id,
            "role": None,
            "cash": lamports_to_sol(acct.balances.get(SOL_MINT, 0)),
            "bonusBalance": 0,
            "bonusWagerReq": 0,
            "bonusWagered": 0,
            "positionQty": 0,
            "avgCost": 0,
            "cumulativePnL": 0,
            "sidebetPnl": acct.sidebet_pnl / LAMPORTS_PER_SOL,
            "pnlPercent": 0,
            "totalInvested": 0,
            "hasInteracted": True,
            "selectedCoin": None,
            "levelInfo": {"level": acct.level, "xp": 0, "xpForNextLevel": 1500, "totalXP": 0},
            "shitcoinBalances": shit,
            "authenticated": True,
            "hitMaxWin": False,
            "sideBet": pending[-1] if pending else None,
            "sidebets": pending,
            "shortPosition": None,
            "leveragedPositions": [],
            "autobuysEnabled": False,
            "autosellPrice": None,
        }

    def board_entries(self) -> list[SimPlayer]:
        """Accounts with an open bet, as leaderboard rows (their ``sideBet`` shows there like anyone's)."""
        rows: list[SimPlayer] = []
        for acct in self.by_id.values():
            if not acct.pending:
                continue
            bet = acct.pending[-1]
            rows.append(
                SimPlayer(
                    id=acct.player_id,
                    username=acct.username,
                    level=acct.level,
                    side_bettor=True,
                    trade_rate=0.0,
                    pnl=acct.sidebet_pnl / LAMPORTS_PER_SOL,
                    sidebet_pnl=acct.sidebet_pnl / LAMPORTS_PER_SOL,
                    bet=CrowdBet(
                        bet.window, lamports_to_sol(bet.amount), bet.game_id, bet.placed_ms, bet.coin
                    ),
                )
            )
        return rows

    def username_status(self, acct: Account) -> dict[str, Any]:
        return {"id": acct.player_id, "hasUsername": True, "username": acct.username}
