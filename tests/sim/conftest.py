"""Fixtures: a real simulator on a free port, in its own thread, fast clock, reproducible seed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.sim.config import SimConfig
from bot.sim.runner import SimHandle, start_sim_in_thread


@pytest.fixture
def sim() -> Iterator[SimHandle]:
    handle = start_sim_in_thread(SimConfig(seed="tests", speed=20, jitter=False))
    try:
        yield handle
    finally:
        handle.stop()
