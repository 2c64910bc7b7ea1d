"""A simulator run's recording says how fast the simulator's clock ran (``sim_speed``), so a replay knows the
time base of its receive timestamps (issue 13). Real simulator in a thread, real gzip recording."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.app.target import ExternalSim, LiveOptions, Target, open_recording, open_target
from bot.config import Mode, Settings
from bot.config.profile import load_profile
from bot.feeds.recording import RecordingReader


def settings_for(tmp: Path) -> Settings:
    return Settings(
        data_dir=tmp / "var",
        recordings_dir=tmp / "rec",
        strategies_dir=tmp / "strategies",
        browser_profile_dir=tmp / "profile",
        wallet_password=None,
        url=None,
    )


def header_of(settings: Settings, target: Target) -> dict[str, object]:
    rec = open_recording(settings, load_profile("sim"), Mode.DRY_RUN, target)
    rec.write(1_765_000_000.0, "in", "2")
    rec.close()
    reader = RecordingReader(rec.current_path)
    assert list(reader)
    assert reader.header is not None
    return reader.header


def test_a_sim_run_records_the_simulators_speed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    options = dataclasses.replace(LiveOptions(headless=True, sim=True, sim_speed=4.0), sim_seed="hdr")
    target = open_target(settings, load_profile("sim"), options, None)
    try:
        header = header_of(settings, target)
    finally:
        target.close()
    assert header["sim_speed"] == 4.0
    assert header["url"] == target.url


def test_a_simulator_of_unknown_speed_says_so_and_the_real_site_has_no_sim_speed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    external = Target("http://127.0.0.1:9", tmp_path / "p", None, ExternalSim("http://127.0.0.1:9"))
    assert header_of(settings, external)["sim_speed"] is None
    real = Target("https://rugs.fun", tmp_path / "p", None)
    assert "sim_speed" not in header_of(settings, real)
