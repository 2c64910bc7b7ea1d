"""The wallet password never leaves the environment: not in logs, recordings, the database, traces,
screenshots or file names — proven on a real run of the bot (Chromium, stand-in wallet unlocked with the
password, simulator) that also fails on purpose (a missing page control) so a screenshot and trace are saved.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.config.profile import BUILTIN_PROFILES_DIR
from tests.execution.conftest import browser_available

REPO = Path(__file__).resolve().parents[2]
SECRET = "Zq7-unique-wallet-pass-4kT9"


def _hits(root: Path) -> list[str]:
    needle = SECRET.encode()
    found: list[str] = []
    for path in root.rglob("*"):
        if SECRET in path.name:
            found.append(f"file name {path}")
        if not path.is_file():
            continue
        data = path.read_bytes()
        if needle in data:
            found.append(str(path))
        if zipfile.is_zipfile(path):  # Playwright traces
            with zipfile.ZipFile(path) as zf:
                found += [f"{path}!{n}" for n in zf.namelist() if needle in zf.read(n) or SECRET in n]
        if path.suffix == ".gz":
            import gzip

            try:
                if needle in gzip.decompress(data):
                    found.append(f"{path} (gz)")
            except (OSError, EOFError):
                pass
    return found


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
def test_password_never_written_anywhere(tmp_path: Path) -> None:
    data, rec = tmp_path / "var", tmp_path / "rec"
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(data),
        "RUGSBOT_RECORDINGS_DIR": str(rec),
        "RUGSBOT_WALLET_PASSWORD": SECRET,
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp_path / "profile"),
        "RUGSBOT_LOG_LEVEL": "DEBUG",
    }
    good = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--sim",
            "--profile",
            "sim",
            "--games",
            "1",
            "--sim-speed",
            "20",
            "--sim-rug-at",
            "40",
            "--headless",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert good.returncode == 0, good.stdout[-2000:] + good.stderr[-2000:]
    broken = tmp_path / "broken.toml"
    broken.write_text(
        (BUILTIN_PROFILES_DIR / "sim.toml").read_text()
        + '\n[browser.selectors]\nsidebet_button = ["div.no-such-button"]\n'
    )
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            "--sim",
            "--profile",
            str(broken),
            "--games",
            "1",
            "--sim-speed",
            "20",
            "--sim-rug-at",
            "40",
            "--headless",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert bad.returncode != 0  # halted on the missing control: the failure path ran and saved evidence
    written = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.suffix == ".png" for p in written), "the failure screenshot exists"
    assert any(p.name.endswith(".db") for p in written) and any(rec.rglob("*.jsonl*"))
    for stream in (good.stdout, good.stderr, bad.stdout, bad.stderr):
        assert SECRET not in stream
    assert _hits(tmp_path) == []
