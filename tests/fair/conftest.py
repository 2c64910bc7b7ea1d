"""Real games for the provably-fair tests, loaded once per session from tests/fixtures/real."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from bot.protocol.events import HistoryGame

GAMES_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "real" / "games" / "verified_games_v3.json"
SETTLEMENTS_FILE = GAMES_FILE.parent / "sidebet_settlements.csv"
RAW_GAMES: list[dict[str, Any]] = json.loads(GAMES_FILE.read_bytes())
GAME_IDS = [g["id"] for g in RAW_GAMES]


@pytest.fixture(scope="session")
def raw_games() -> list[dict[str, Any]]:
    return RAW_GAMES


@pytest.fixture(scope="session")
def history_games() -> list[HistoryGame]:
    return msgspec.json.decode(GAMES_FILE.read_bytes(), type=list[HistoryGame])
