"""Log levels tell the truth: the normal start is INFO, a real anomaly is WARNING (issue 13, "quiet normal
operation"). Real Governor on a real SQLite file; loguru's records are captured by a sink."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from tests.risk.helpers import MILLI, guards
from tests.risk.scenario import Balance, Frame, run_scenario


@pytest.fixture
def records() -> Iterator[list[tuple[str, str]]]:
    got: list[tuple[str, str]] = []
    sink = logger.add(lambda m: got.append((m.record["level"].name, m.record["message"])), level="DEBUG")
    yield got
    logger.remove(sink)


def test_no_server_balance_at_start_is_info_and_a_real_mismatch_is_warning(
    tmp_path: Path, records: list[tuple[str, str]]
) -> None:
    run_scenario(
        tmp_path / "bot.sqlite3",
        guards(balance_mismatch_grace_s=5.0),
        [Frame(), Balance(1_000 * MILLI), Balance(980 * MILLI)],
        logged_in=True,
    )
    start = [(lvl, m) for lvl, m in records if "no server balance yet" in m and "-> pause" in m]
    mismatch = [(lvl, m) for lvl, m in records if "!= ledger" in m and "-> pause" in m]
    assert start and all(lvl == "INFO" for lvl, _ in start), start
    assert mismatch and all(lvl == "WARNING" for lvl, _ in mismatch), mismatch
