"""Throughput floor of the feed half of the decision path (explicit: ``pytest -m bench``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_codec.py"


@pytest.mark.bench
def test_tick_path_at_least_50k_frames_per_second() -> None:
    spec = importlib.util.spec_from_file_location("bench_codec", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.run(passes=10)
    assert r["tick_frames_per_s"] >= 50_000, r
    assert r["history_max_us"] < 5_000, r  # a 300 KB history frame never stalls the tick path
