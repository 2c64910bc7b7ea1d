"""The report's random-entry baseline pool holds finished games only (issue 13): a game joined mid-way (its
length is biased long: the inspection paradox) or one whose rug frame was never seen (its tick is only a
lower bound; both are stored ``seen_complete = 0``) is no sample of a game's length, and a game with no rug
tick yet (the one in progress, or one known only from history) is not finished. Real SQLite."""

from __future__ import annotations

from pathlib import Path

from bot.money import SOL_MINT
from bot.report.from_store import records_from_store
from bot.store.db import Store


def test_only_games_seen_whole_to_their_rug_enter_the_pool(tmp_path: Path) -> None:
    db = tmp_path / "rugsbot.db"
    store = Store.open(db)
    store.start_session(
        mode="DRY-RUN", profile="t", coin=SOL_MINT, started=1_765_000_000.0, starting_bankroll_lamports=10**9
    )
    store.record_game(game_id="g-whole", rug_tick=120, seen_complete=True)
    store.record_game(game_id="g-joined", rug_tick=480, seen_complete=False)  # in progress at connect
    store.record_game(game_id="g-lost-rug", rug_tick=77, seen_complete=False)  # rug frame never seen
    store.record_game(game_id="g-running", seed_hash="abc")  # no rug yet
    store.close()
    _, records, _ = records_from_store(db, "last")
    assert records.final_pool is not None
    assert sorted(records.final_pool.tolist()) == [120]
