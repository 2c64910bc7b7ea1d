"""Shared fixtures: paths to real data copied into tests/fixtures/real. Collection hooks: the ``slow`` mark from
tests/slow_tests.txt (the fast lane leaves those out) and, under pytest-xdist, the slowest tests first."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real"
CAPTURES = sorted((REAL / "captures").glob("*.frames.jsonl.gz"))
SLOW_LIST = Path(__file__).parent / "slow_tests.txt"


def _slow_ranks() -> dict[str, int]:
    """``path::function`` → its rank in tests/slow_tests.txt (0 = the slowest)."""
    names = [s for s in (line.strip() for line in SLOW_LIST.read_text().splitlines()) if s and s[0] != "#"]
    return {name: rank for rank, name in enumerate(names)}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ranks = _slow_ranks()
    browser_rank, rest_rank = len(ranks), len(ranks) + 1
    order: dict[str, int] = {}
    for item in items:
        rank = ranks.get(item.nodeid.split("[", 1)[0])
        if rank is not None:
            item.add_marker(pytest.mark.slow)
        elif item.get_closest_marker("browser") is not None:
            rank = browser_rank
        order[item.nodeid] = rest_rank if rank is None else rank
    # With several workers (-n, --dist load --maxschedchunk 1) a worker takes the next test when it is free:
    # longest first keeps a 2-minute test from starting last and holding up the end of the run. Stable sort:
    # the rest keeps pytest's order. One process (-n 0) keeps pytest's order.
    if hasattr(config, "workerinput"):  # an xdist worker: it collects, the controller hands out
        items.sort(key=lambda item: order[item.nodeid])


@pytest.fixture(autouse=True)
def _loguru_sinks_of_a_test_end_with_it() -> Iterator[None]:
    """A command run in-process (``main([...])``) replaces loguru's sinks with one on the test's captured
    stderr, which pytest closes after the test; a later command that logs without reconfiguring (``alerts
    test``) then writes "Logging error ... closed file" into its own stderr. Which test ran before depends on
    pytest-xdist's scheduling, so each test removes the sinks it added. (loguru has no public list of sinks.)"""
    before = set(logger._core.handlers)  # type: ignore[attr-defined]
    yield
    for sink_id in set(logger._core.handlers) - before:  # type: ignore[attr-defined]
        with contextlib.suppress(ValueError):
            logger.remove(sink_id)


@pytest.fixture(autouse=True)
def _stop_signals_of_a_test_end_with_it() -> Iterator[None]:
    """A ``rugsbot run`` in-process ends by ignoring SIGINT and SIGTERM (bot/app/signals.py: the process exits
    next). In a pytest process it does not, and every later child inherits SIG_IGN: a scheduler test's child
    then outlives its SIGTERM. Which test ran before depends on pytest-xdist's scheduling, so each test puts the
    dispositions back."""
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in before.items():
        if handler is not None:
            signal.signal(sig, handler)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ``RUGSBOT_*`` variable from the caller's shell, and ``tmp_path`` as the working directory (where a
    relative ``var/`` and ``.env`` are looked for): a command sees only what the test sets."""
    for key in list(os.environ):
        if key.startswith("RUGSBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def real_dir() -> Path:
    return REAL


@pytest.fixture(scope="session")
def capture_paths() -> list[Path]:
    return CAPTURES
