"""The drift alarm: quiet on the rules' hazard (real games too), loud on a different one."""

from __future__ import annotations

import numpy as np
import pytest

from bot.config.sections import EngineConfig
from bot.engine.drift import DriftMonitor, game_log_lr
from bot.engine.probability import ProbabilityModel

from .helpers import finished, real_final_ticks


def _feed(model: ProbabilityModel, finals: np.ndarray, prefix: str) -> int | None:
    """Feed games; return the index of the first game after which the alarm was on (None = never)."""
    for i, f in enumerate(finals):
        model.observe_game(finished(f"{prefix}{i}", int(f)))
        if model.drift.alarm:
            return i
    return None


@pytest.mark.parametrize(
    ("hazard", "seed", "alarms"),
    [
        (0.005, 1, False),
        (0.005, 2, False),
        (0.0065, 1, True),  # 30 % more rugs
        (0.0065, 2, True),
        (0.0035, 1, True),  # 30 % fewer rugs
    ],
)
def test_drift_alarm_on_generated_games(hazard: float, seed: int, alarms: bool) -> None:
    rng = np.random.default_rng(seed)
    finals = rng.geometric(hazard, size=3000)  # 1-based geometric = final wire tick (rug index + 1)
    model = ProbabilityModel(EngineConfig())
    at = _feed(model, finals, f"h{hazard}-")
    assert (at is not None) is alarms, model.drift
    if alarms:
        assert model.drift.statistic > EngineConfig().drift_log_lr_threshold
        assert ("HIGHER" if hazard > 0.005 else "LOWER") in model.drift.reason


def test_real_games_do_not_alarm() -> None:
    model = ProbabilityModel(EngineConfig())
    for gid, final in real_final_ticks():
        model.observe_game(finished(gid, final))
    assert not model.drift.alarm, model.drift.reason
    assert "1760 games" in model.drift.reason


def test_fair_mismatch_alarms_at_once_and_stays() -> None:
    model = ProbabilityModel(EngineConfig())
    status = model.report_fair_mismatch("sha256(serverSeed) != serverSeedHash for 20251207-abc")
    assert status.alarm and "provably-fair mismatch" in status.reason
    model.observe_game(finished("x", 200))
    assert model.drift.alarm


def test_drift_can_be_disabled() -> None:
    model = ProbabilityModel(EngineConfig(drift_alarm=False))
    for i, f in enumerate(np.random.default_rng(3).geometric(0.01, size=2000)):
        model.observe_game(finished(f"g{i}", int(f)))
    assert not model.drift.alarm


def test_log_lr_matches_closed_form() -> None:
    h0, h1 = 0.005, 0.00625
    assert game_log_lr(200, 1, h0, h1) == pytest.approx(np.log(h1 / h0) + 199 * np.log((1 - h1) / (1 - h0)))


def test_monitor_reset_and_validation() -> None:
    m = DriftMonitor(0.005, delta=0.25, threshold=2.0)
    for _ in range(40):
        m.observe(20)  # very short games
    assert m.status.alarm
    m.reset()
    assert not m.status.alarm and m.status.statistic == 0.0
    with pytest.raises(ValueError):
        DriftMonitor(0.0)
    with pytest.raises(ValueError):
        DriftMonitor(0.005, delta=1.5)


def test_real_provably_fair_generator_games_fit_the_model() -> None:
    """Games from the project's bit-exact v3 generator: one rug check per tick, final wire tick = rug index + 1."""
    from bot.fair.generator import generate_prices

    model = ProbabilityModel(EngineConfig(prior_games=0.5))
    at_risk = 0
    for i in range(200):
        g = generate_prices(f"engine-test-seed-{i}", f"20251207-{i:016x}")
        assert g.rug_tick == g.rug_index + 1
        at_risk += g.rug_index + 1
        model.observe_game(finished(f"fair{i}", g.rug_tick))
    post = model.hazard_posterior()
    assert post.at_risk == at_risk and post.rugs == 200
    assert post.low <= 0.005 <= post.high
    assert not model.drift.alarm


@pytest.mark.soak
def test_false_alarm_rate_is_small() -> None:
    """40 independent streams of 3,000 games at the rules' hazard: expect ≲ 1 alarm (0.4 % per 20,000 games at
    the default threshold, docs/bench/drift.md)."""
    alarms = 0
    rng = np.random.default_rng(11)
    for s in range(40):
        model = ProbabilityModel(EngineConfig())
        alarms += _feed(model, rng.geometric(0.005, size=3000), f"s{s}-") is not None
    assert alarms <= 3
