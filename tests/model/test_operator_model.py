"""The whole kind, tested as a model (issue 11, item 8): random sequences of operator actions — start in practice
or dry-run on wallet A, B or a throw-away one with one of two profiles, stop by --games, SIGINT, SIGTERM or SIGKILL
(to the bot or its process group) at moments read from its log, halt, resume — against one ``rugsbot sim`` that
outlives the bot, with every invariant of tests/model/invariants.py checked after every step (tests/model/driver.py).

The default suite runs one short sequence: a practice bet interrupted by SIGTERM right after its click, then a
restart on the same account with the other profile, then one random step. The long run is behind ``-m model``:
``RUGSBOT_MODEL_SEQUENCES`` (default 8) sequences of ``RUGSBOT_MODEL_STEPS`` (default 10) steps, seeds
``<RUGSBOT_MODEL_SEED>-<i>`` (random base unless given; ``RUGSBOT_MODEL_SEEDS=a,b`` replays exact seeds), a JSON
report at ``RUGSBOT_MODEL_REPORT`` (default: the test's tmp dir) rewritten after every sequence.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
from pathlib import Path

import pytest

from tests.execution.conftest import browser_available
from tests.model.driver import Action, Sequence, SequenceReport
from tests.model.invariants import INVARIANTS
from tests.model.world import Stop

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not browser_available(), reason="no Chromium found")]

OPENING = (
    Action(
        "run", "practice", "A", "model-calm", Stop("signal", sig=signal.SIGTERM, moment="click", delay_s=0.05)
    ),
    Action("run", "practice", "A", "model-tight", Stop("games", games=2)),
)


def _explain(reports: list[SequenceReport]) -> str:
    return "\n\n".join(
        f"sequence {r.seed} (replay: RUGSBOT_MODEL_SEEDS={r.seed}; files in {r.base}):\n"
        + "\n".join(r.violations)
        for r in reports
        if r.violations
    )


def test_operator_model_short_sequence(tmp_path: Path) -> None:
    report = Sequence(tmp_path, "model-short", steps=3, opening=OPENING).run()
    assert not report.violations, _explain([report])
    assert len(report.steps) == 3 and report.checks == 3 * (2 + len(INVARIANTS)), report.as_dict()
    assert report.bets >= 2, report.as_dict()  # the interrupted bet and at least one after the restart


@pytest.mark.model
@pytest.mark.timeout(6 * 3600)
def test_operator_model_long_run(tmp_path: Path) -> None:
    given = [s for s in os.environ.get("RUGSBOT_MODEL_SEEDS", "").split(",") if s]
    n = int(os.environ.get("RUGSBOT_MODEL_SEQUENCES", "8"))
    base = os.environ.get("RUGSBOT_MODEL_SEED") or secrets.token_hex(3)
    seeds = given or [f"{base}-{i}" for i in range(n)]
    steps = int(os.environ.get("RUGSBOT_MODEL_STEPS", "10"))
    out = Path(os.environ.get("RUGSBOT_MODEL_REPORT") or tmp_path / "model-report.json")
    reports: list[SequenceReport] = []
    for i, seed in enumerate(seeds):
        reports.append(Sequence(tmp_path / f"seq{i:02d}", seed, steps).run())
        out.write_text(
            json.dumps(
                {
                    "sequences": len(reports),
                    "steps": sum(len(r.steps) for r in reports),
                    "checks": sum(r.checks for r in reports),
                    "violations": sum(bool(r.violations) for r in reports),
                    "wall_s": round(sum(r.wall_s for r in reports), 1),
                    "reports": [r.as_dict() for r in reports],
                },
                indent=1,
            )
        )
    assert not any(r.violations for r in reports), _explain(reports)
