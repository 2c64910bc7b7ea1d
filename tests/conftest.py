"""Shared fixtures: paths to real data copied into tests/fixtures/real."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REAL = FIXTURES / "real"
CAPTURES = sorted((REAL / "captures").glob("*.frames.jsonl.gz"))


@pytest.fixture(scope="session")
def real_dir() -> Path:
    return REAL


@pytest.fixture(scope="session")
def capture_paths() -> list[Path]:
    return CAPTURES
