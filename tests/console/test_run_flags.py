"""``rugsbot run --dashboard HOST:PORT`` / ``--no-dashboard``: what is refused at start (one line, before any
browser starts, nothing written), what the default address does when it is taken, and the generated token's
URL shown once (printed, never logged)."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app.console_plan import plan_console
from bot.cli import main
from bot.config import Settings
from bot.console import ConsoleConfig
from bot.console.auth import token_path
from bot.errors import EnvironmentProblem
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from tests.console.bot_process import bot_env, free_port
from tests.execution.conftest import browser_available

SIM_RUN = ["run", "--sim", "--practice", "--profile", "sim", "--headless", "--duration", "5", "--no-record"]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        yield int(s.getsockname()[1])


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for k, v in bot_env(tmp_path, token=None).items():
        if k.startswith("RUGSBOT_"):
            monkeypatch.setenv(k, v)
    monkeypatch.delenv("RUGSBOT_DASHBOARD_TOKEN", raising=False)
    return tmp_path / "var"


REFUSALS = [
    # (flags, env token, exit code, what the one line says)
    (["--dashboard", "0.0.0.0:{port}"], None, EXIT_USAGE, "without RUGSBOT_DASHBOARD_TOKEN set"),
    (["--dashboard", "192.168.1.20:{port}"], None, EXIT_USAGE, "without RUGSBOT_DASHBOARD_TOKEN set"),
    (["--dashboard", "0.0.0.0:{port}"], "short", EXIT_USAGE, "shorter than 16 characters"),
    (["--dashboard", "127.0.0.1"], None, EXIT_USAGE, "expected HOST:PORT"),
    (["--dashboard", "127.0.0.1:70000"], None, EXIT_USAGE, "expected HOST:PORT"),
    (["--dashboard", "127.0.0.1:{busy}"], None, EXIT_ENVIRONMENT, "cannot listen on 127.0.0.1:"),
]


@pytest.mark.parametrize(("flags", "env_token", "code", "says"), REFUSALS)
def test_run_refuses_a_console_it_cannot_serve_in_one_line_before_anything_starts(
    flags: list[str],
    env_token: str | None,
    code: int,
    says: str,
    data_dir: Path,
    busy_port: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if env_token is not None:
        monkeypatch.setenv("RUGSBOT_DASHBOARD_TOKEN", env_token)
    args = [f.format(port=free_port(), busy=busy_port) for f in flags]
    assert main([*SIM_RUN, *args]) == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rugsbot run: ") and says in err[0], err
    assert not (data_dir / "rugsbot.db").exists()  # refused before the store, the simulator or a browser
    assert not token_path(Settings()).exists()  # and before a token was generated for nothing


def test_dashboard_and_no_dashboard_together_are_a_usage_error(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*SIM_RUN, "--dashboard", "127.0.0.1:8780", "--no-dashboard"]) == EXIT_USAGE
    assert "not allowed with argument --dashboard" in capsys.readouterr().err
    assert not (data_dir / "rugsbot.db").exists()


def test_the_default_address_is_best_effort_a_named_one_is_required(
    tmp_path: Path, busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, dashboard_token=SecretStr("T"))
    default = ConsoleConfig.from_flags(None)
    assert default.required is False and ConsoleConfig.from_flags("127.0.0.1:8780").required is True
    taken = ConsoleConfig(port=busy_port, required=False)
    assert plan_console(settings, taken) is None
    assert f"cannot listen on 127.0.0.1:{busy_port}" in capsys.readouterr().err
    with pytest.raises(EnvironmentProblem) as exc:
        plan_console(settings, ConsoleConfig(port=busy_port))
    assert exc.value.exit_code == EXIT_ENVIRONMENT
    assert plan_console(settings, None) is None
    assert plan_console(settings, ConsoleConfig.from_flags(None, disabled=True)) is None


def test_a_generated_token_is_shown_once_as_its_url_and_kept_0600(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path)
    first = plan_console(settings, ConsoleConfig(port=0))
    assert first is not None
    try:
        token = first.token.value.get_secret_value()
        shown = capsys.readouterr().out  # information, not an error: stderr stays one line per failure
        assert shown.count(token) == 1
        assert f"http://127.0.0.1:{first.port}/?token={token}" in shown
        assert first.secrets == [token]  # handed to the log filter
        assert token not in repr(first)
        assert stat.S_IMODE(token_path(settings).stat().st_mode) == 0o600
    finally:
        first.sock.close()
    again = plan_console(settings, ConsoleConfig(port=0))
    assert again is not None
    again.sock.close()
    assert again.token.value.get_secret_value() == token
    assert token not in capsys.readouterr().out  # once: later runs say nothing (`rugsbot dashboard-url` does)


@pytest.mark.browser
@pytest.mark.skipif(not browser_available(), reason="no Chromium found")
def test_a_run_prints_its_generated_token_url_once_and_never_logs_the_token(tmp_path: Path) -> None:
    port = free_port()
    env = bot_env(tmp_path, token=None) | {"RUGSBOT_LOG_LEVEL": "DEBUG"}
    cmd = [sys.executable, "-m", "bot.cli"]
    run = [
        "run",
        "--sim",
        "--dry-run",
        "--profile",
        "sim",
        "--headless",
        "--sim-speed",
        "8",
        "--duration",
        "6",
    ]
    done = subprocess.run(
        [*cmd, *run, "--dashboard", f"127.0.0.1:{port}"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == EXIT_OK, done.stderr[-3000:]
    token = (tmp_path / "var" / "dashboard-token").read_text().strip()
    assert len(token) >= 32
    urls = re.findall(r"http://\S+\?token=\S+", done.stdout)
    assert urls == [f"http://127.0.0.1:{port}/?token={token}"]
    assert token not in done.stderr  # the log lines (the console sink) never carry it
    logs = [p for p in (tmp_path / "var").rglob("*") if p.is_file() and p.suffix in (".jsonl", ".log")]
    assert logs, "the run wrote its log file"
    for path in logs:
        assert token not in path.read_text(errors="replace"), path
    again = subprocess.run(
        [*cmd, "dashboard-url"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert again.stdout.strip() == urls[0]  # the address the run used, remembered in the data dir
