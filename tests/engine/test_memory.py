"""Memory across restarts: the drift statistic, the posterior, the click timing and the adaptation are saved to
a real SQLite file and restored; a run stopped mid-drift alarms on the same evidence as one never stopped;
corrupt, old or mismatched states are ignored with a warning."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.config.sections import EngineConfig
from bot.engine.adaptive import Adaptation
from bot.engine.probability import ProbabilityModel
from bot.game.state import FinishedGame
from bot.logs import configure, reset
from bot.mode import Mode
from bot.store.db import Store
from bot.store.engine_state import EngineMemory, Persistent, state_scope

from .helpers import finished

SCOPE = "live@rugs.fun"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    configure(Mode.LIVE, level="DEBUG", console=buf)
    yield buf
    reset()


def _games(hazard: float, n: int, seed: int) -> list[FinishedGame]:
    finals = np.random.default_rng(seed).geometric(hazard, size=n)
    return [finished(f"g{seed}-{i}", int(f)) for i, f in enumerate(finals)]


def _parts(model: ProbabilityModel, adaptation: Adaptation | None = None) -> list[Persistent]:
    return [*model.persistent_parts(), *([adaptation] if adaptation is not None else [])]


def _first_alarm(model: ProbabilityModel, games: Sequence[FinishedGame]) -> int | None:
    for i, g in enumerate(games):
        model.observe_game(g)
        if model.drift.alarm:
            return i
    return None


@pytest.mark.parametrize(
    ("hazard", "seed", "cut_fraction"),
    [
        (0.0065, 1, 0.5),  # hazard 30 % higher
        (0.0065, 2, 0.9),
        (0.0035, 1, 0.3),  # 30 % lower
        (0.0035, 3, 0.8),
    ],
)
def test_a_restart_mid_drift_alarms_on_the_same_evidence(
    tmp_path: Path, hazard: float, seed: int, cut_fraction: float
) -> None:
    games = _games(hazard, 4000, seed)
    never_stopped = ProbabilityModel(EngineConfig())
    at = _first_alarm(never_stopped, games)
    assert at is not None and at > 20
    cut = int(at * cut_fraction)

    first = ProbabilityModel(EngineConfig())
    for g in games[:cut]:
        first.observe_game(g)
    assert not first.drift.alarm  # stopped mid-drift: evidence building, no alarm yet
    with Store.open(tmp_path / "bot.db") as store:
        assert EngineMemory(store, SCOPE, _parts(first)).save(t=1.0)

    with Store.open(tmp_path / "bot.db") as store:  # a new process: new objects, same file
        restarted = ProbabilityModel(EngineConfig())
        outcome = EngineMemory(store, SCOPE, _parts(restarted)).restore()
    assert all(v.startswith("restored") for v in outcome.values()), outcome
    assert cut + _first_alarm(restarted, games[cut:]) == at  # type: ignore[operator]
    assert restarted.drift == never_stopped.drift  # same reason (games, nats) and statistic
    assert restarted.hazard_posterior() == never_stopped.hazard_posterior()
    assert restarted.hazard_by_bin() == never_stopped.hazard_by_bin()

    forgetful = ProbabilityModel(EngineConfig())  # today's behaviour: every restart forgets
    late = _first_alarm(forgetful, games[cut:])
    assert late is None or cut + late > at


def test_every_part_round_trips(tmp_path: Path) -> None:
    model = ProbabilityModel(EngineConfig())
    for g in _games(0.005, 300, 7):
        model.observe_game(g)
    model.observe_game(finished("late", 250, first=40))  # a late join counts only what it saw
    for ms in (180, 240, 900, 210, 230):
        model.observe_latency(ms / 1000)
    adaptation = Adaptation(0.5)
    for i in range(25):
        adaptation.on_settled(False, 1_000_000, 0.1817, float(i))
    assert adaptation.factor < 1.0  # results below expectation: tightened
    with Store.open(tmp_path / "bot.db") as store:
        EngineMemory(store, SCOPE, _parts(model, adaptation)).save(t=5.0)
        model2, adaptation2 = ProbabilityModel(EngineConfig()), Adaptation(0.5)
        EngineMemory(store, SCOPE, _parts(model2, adaptation2)).restore()
    assert model2.hazard_posterior() == model.hazard_posterior()
    assert model2.hazard_posterior("v3") == model.hazard_posterior("v3")
    assert model2.games_observed == model.games_observed == 301
    assert model2.timing.latency_s == model.timing.latency_s and model2.timing.latency_samples == 5
    assert adaptation2.state == adaptation.state
    assert not model2.observe_game(_games(0.005, 300, 7)[-1])  # a game seen before the restart: not twice


def test_a_saved_alarm_starts_afresh_after_resume(tmp_path: Path) -> None:
    model = ProbabilityModel(EngineConfig())
    _first_alarm(model, _games(0.0075, 4000, 1))
    assert model.drift.alarm
    with Store.open(tmp_path / "bot.db") as store:
        EngineMemory(store, SCOPE, _parts(model)).save(t=1.0)
        again = ProbabilityModel(EngineConfig())
        outcome = EngineMemory(store, SCOPE, _parts(again)).restore()
    assert "resumed by the operator" in outcome["drift"]
    assert not again.drift.alarm and again.drift.statistic == 0.0
    assert again.hazard_posterior() == model.hazard_posterior()  # the posterior itself is kept


def _doctor(store: Store, kind: str, version: int, text: str) -> None:
    store.db.execute(
        "UPDATE saved_state SET version = ?, data = ? WHERE scope = ? AND kind = ?",
        [version, text, SCOPE, kind],
    )


def _valid_doc(kind: str, tmp_path: Path) -> dict[str, object]:
    with Store.open(tmp_path / "src.db") as src:
        model = ProbabilityModel(EngineConfig())
        for g in _games(0.005, 50, 3):
            model.observe_game(g)
        model.observe_latency(0.2)
        EngineMemory(src, SCOPE, _parts(model, Adaptation(0.5))).save(t=1.0)
        saved = src.load_state(SCOPE, kind)
    assert saved is not None
    return saved.data


BAD = [
    # (kind, version, how the document is spoiled, words in the warning)
    ("drift", 1, "not json {", "not JSON"),
    ("drift", 1, "[1, 2]", "not a JSON object"),
    ("drift", 0, None, "schema version 0"),
    ("drift", 99, None, "schema version 99"),
    ("drift", 1, {"up": "a lot"}, "up is not a finite number"),
    ("drift", 1, {"up": -1.0}, "up is below 0"),
    ("drift", 1, {"delta": 0.4}, "computed for h0"),
    ("posterior", 1, {"tick_bins": [0, 100]}, "tick bins"),
    ("posterior", 1, {"games_observed": -3}, "games_observed"),
    (
        "posterior",
        1,
        {"versions": {"v3": {"rugs": 5, "at_risk": 2, "bin_rugs": [], "bin_at_risk": []}}},
        "inconsistent",
    ),
    ("timing", 1, {"latencies_s": [0.2, "fast"]}, "latency is not a finite number"),
    ("adaptation", 1, {"bets": [[True, 1, 2.0, 0.0]]}, "p_win"),
    ("adaptation", 1, {"bets": "none"}, "bets is not a list"),
]


@pytest.mark.parametrize(("kind", "version", "spoil", "words"), BAD)
def test_a_corrupt_or_old_state_is_ignored_with_a_warning(
    tmp_path: Path, console: io.StringIO, kind: str, version: int, spoil: object, words: str
) -> None:
    doc = _valid_doc(kind, tmp_path)
    text = spoil if isinstance(spoil, str) else json.dumps({**doc, **(spoil or {})})  # type: ignore[dict-item]
    model, adaptation = ProbabilityModel(EngineConfig()), Adaptation(0.5)
    with Store.open(tmp_path / "bot.db") as store:
        seed = ProbabilityModel(EngineConfig())
        for g in _games(0.005, 50, 3):
            seed.observe_game(g)
        seed.observe_latency(0.2)
        EngineMemory(store, SCOPE, _parts(seed, Adaptation(0.5))).save(t=1.0)
        _doctor(store, kind, version, text)
        outcome = EngineMemory(store, SCOPE, _parts(model, adaptation)).restore()
    assert outcome[kind].startswith("ignored") and words in outcome[kind]
    assert all(
        v.startswith("restored") for k, v in outcome.items() if k != kind
    )  # the others still come back
    warnings = [ln for ln in console.getvalue().splitlines() if "| WARNING" in ln]
    assert len(warnings) == 1 and f"saved {kind} state" in warnings[0] and words in warnings[0]
    fresh = {
        "drift": lambda: model.drift.statistic == 0.0 and model.drift_monitor.games == 0,
        "posterior": lambda: model.games_observed == 0,
        "timing": lambda: model.timing.latency_samples == 0,
        "adaptation": lambda: adaptation.export_state()["bets"] == [],
    }
    assert fresh[kind]()  # nothing half-restored


def test_nothing_saved_starts_fresh_quietly(tmp_path: Path, console: io.StringIO) -> None:
    with Store.open(tmp_path / "bot.db") as store:
        outcome = EngineMemory(
            store, SCOPE, _parts(ProbabilityModel(EngineConfig()), Adaptation(0.5))
        ).restore()
    assert set(outcome) == {"posterior", "drift", "timing", "adaptation"}
    assert all(v.startswith("fresh") for v in outcome.values())
    assert "WARNING" not in console.getvalue()


def test_the_simulator_never_feeds_the_real_site(tmp_path: Path) -> None:
    assert state_scope("practice", "http://127.0.0.1:43121") == state_scope("practice", "http://127.0.0.1:9")
    assert state_scope("live", "https://rugs.fun") == "live@rugs.fun"
    sim = ProbabilityModel(EngineConfig())
    for g in _games(0.005, 100, 1):
        sim.observe_game(g)
    with Store.open(tmp_path / "bot.db") as store:
        EngineMemory(store, state_scope("practice", "http://127.0.0.1:43121"), _parts(sim)).save(t=1.0)
        live = ProbabilityModel(EngineConfig())
        outcome = EngineMemory(store, state_scope("live", "https://rugs.fun"), _parts(live)).restore()
    assert live.games_observed == 0 and outcome["posterior"].startswith("fresh")


def test_a_changed_prior_applies_to_restored_counts(tmp_path: Path) -> None:
    model = ProbabilityModel(EngineConfig(prior_games=2000))
    for g in _games(0.006, 500, 5):
        model.observe_game(g)
    with Store.open(tmp_path / "bot.db") as store:
        EngineMemory(store, SCOPE, _parts(model)).save(t=1.0)
        weak = ProbabilityModel(EngineConfig(prior_games=10))
        EngineMemory(store, SCOPE, _parts(weak)).restore()
    assert weak.hazard_posterior().rugs == model.hazard_posterior().rugs == 500
    assert weak.hazard_posterior().mean > model.hazard_posterior().mean  # the data speaks louder
