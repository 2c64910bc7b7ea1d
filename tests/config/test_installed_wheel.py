"""The acceptance line of issue 12: a wheel installed into an empty folder finds its profiles and strategies.

``pip wheel --no-deps .`` on a copy of the sources, ``pip install --no-deps --target T``, then the base
interpreter (not the venv's, whose editable install would point back at this checkout) runs
``python -m bot.cli simulate --profile default --games 500 --json`` from a third, empty folder with only T and
the venv's dependencies on PYTHONPATH. About 10 s (the wheel build is most of it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done.stdout


@pytest.mark.timeout(240)
def test_wheel_installed_elsewhere_runs_simulate_with_the_default_profile(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO / "bot", src / "bot", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", ".", "-w", str(tmp_path / "dist")], src)
    (wheel,) = (tmp_path / "dist").glob("rugsbot-*.whl")

    shipped = {f"bot/profiles/{p.name}" for p in (REPO / "bot" / "profiles").glob("*.toml")}
    shipped |= {f"bot/strategies/{p.name}" for p in (REPO / "bot" / "strategies").glob("*.py")}
    assert {"bot/profiles/default.toml", "bot/strategies/ev_threshold.py"} <= shipped
    with zipfile.ZipFile(wheel) as zf:
        assert shipped <= set(zf.namelist())

    target = tmp_path / "T"
    _run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUGSBOT_", "PYTHON"))}
    env["PYTHONPATH"] = os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])
    python = [str(Path(sys.base_prefix) / "bin" / "python3"), "-s"]

    where = _run([*python, "-c", "import bot; print(bot.__file__)"], elsewhere, env)
    assert Path(where.strip()).is_relative_to(target)  # the installed copy, not this checkout

    out = _run(
        [*python, "-m", "bot.cli", "simulate", "--profile", "default", "--games", "500", "--json"],
        elsewhere,
        env,
    )
    report = json.loads(out)
    assert report["games"] == 500
    assert report["meta"]["profile"] == "default" and report["meta"]["strategy"] == "ev_threshold"
    assert report["bets"] == 0  # the honest EV rule never bets at the rules' odds
