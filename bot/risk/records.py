"""What the governor writes besides money: decisions of the engine, finished games and their tick timing."""

from __future__ import annotations

from loguru import logger

from bot.engine.types import Estimate, SideBet
from bot.game.state import FinishedGame, GameView
from bot.store.db import Store
from bot.store.rows import DecisionRow


def record_decision(
    store: Store,
    session: str,
    *,
    t: float,
    view: GameView,
    estimate: Estimate | None,
    proposal: SideBet | None,
    reason: str,
    verdict: str,
    strategy: str = "",
) -> None:
    """One decision of the engine (with or without a proposal) in the session's decisions table."""
    store.record_decision(
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
            session=session,
        )
    )


def record_game(store: Store, session: str, game: FinishedGame, view: GameView) -> None:
    """Games and tick timing go to the database as each game ends (one small write per game)."""
    try:
        store.record_game(
            game_id=game.game_id,
            rug_tick=game.rug_tick,
            peak=game.peak,
            seen_complete=game.complete,
            version=game.version,
            seed_hash=game.server_seed_hash,
        )
        tm = view.timing
        store.record_tick_stats(
            session=session,
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
