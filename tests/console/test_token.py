"""The console's token (env, or generated 0600 into the data dir), the address rules and `rugsbot dashboard-url`."""

from __future__ import annotations

import stat
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.cli import main
from bot.config import Settings
from bot.console import ConsoleConfig, ConsoleRefused, ConsoleToken, EventHub, resolve_token, start_console
from bot.console.auth import check_bind, parse_address, token_path
from bot.exitcodes import EXIT_OK, EXIT_USAGE
from bot.store.db import Store
from tests.console.conftest import arun, serving
from tests.console.scripted import ScriptedRun


def settings(tmp_path: Path, token: str | None = None) -> Settings:
    return Settings(data_dir=tmp_path, dashboard_token=SecretStr(token) if token else None)


def test_a_generated_token_is_written_once_with_mode_0600(tmp_path: Path) -> None:
    first = resolve_token(settings(tmp_path))
    assert first is not None and first.created and first.source == str(token_path(settings(tmp_path)))
    assert stat.S_IMODE(token_path(settings(tmp_path)).stat().st_mode) == 0o600
    assert len(first.value.get_secret_value()) >= 40
    again = resolve_token(settings(tmp_path))
    assert again is not None and not again.created
    assert again.value.get_secret_value() == first.value.get_secret_value()
    assert resolve_token(settings(tmp_path / "other"), create=False) is None


def test_the_environment_token_wins_and_a_loose_token_file_is_tightened(tmp_path: Path) -> None:
    path = token_path(settings(tmp_path))
    path.write_text("from-file\n")
    path.chmod(0o644)
    got = resolve_token(settings(tmp_path))
    assert got is not None and got.value.get_secret_value() == "from-file" and got.source == str(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    env = resolve_token(settings(tmp_path, token="from-env"))
    assert env is not None and env.value.get_secret_value() == "from-env" and env.source == "env"
    assert "from-env" not in repr(env)


LONG = "x" * 16
BIND_CASES = [
    ("127.0.0.1", "file", None),
    ("localhost", "file", None),
    ("::1", "file", None),
    ("127.0.0.2", "env-short", None),
    ("0.0.0.0", "file", "without RUGSBOT_DASHBOARD_TOKEN"),
    ("192.168.1.20", "file", "without RUGSBOT_DASHBOARD_TOKEN"),
    ("0.0.0.0", "env-short", "shorter than 16"),
    ("::", "env-short", "shorter than 16"),
    ("0.0.0.0", "env-long", None),
    ("example.org", "env-long", None),
    ("127.0.0.1", "none", "needs a token"),
    ("0.0.0.0", "none", "without RUGSBOT_DASHBOARD_TOKEN"),
]


@pytest.mark.parametrize(("host", "kind", "refusal"), BIND_CASES)
def test_which_addresses_may_serve_with_which_token(host: str, kind: str, refusal: str | None) -> None:
    token = {
        "file": ConsoleToken(SecretStr(LONG * 2), "/data/dashboard-token"),
        "env-short": ConsoleToken(SecretStr("T"), "env"),
        "env-long": ConsoleToken(SecretStr(LONG), "env"),
        "none": None,
    }[kind]
    if refusal is None:
        check_bind(host, token)
    else:
        with pytest.raises(ConsoleRefused, match=refusal):
            check_bind(host, token)


def test_start_refuses_a_network_address_without_a_configured_token_before_binding(tmp_path: Path) -> None:
    async def body() -> None:
        s = settings(tmp_path)  # no env token: a file token would be generated
        store = Store.open(s.db_path, durable=False)
        try:
            with pytest.raises(ConsoleRefused):
                await start_console(
                    ScriptedRun(store, EventHub()), settings=s, config=ConsoleConfig(host="0.0.0.0", port=0)
                )
        finally:
            store.close()

    arun(body())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8780", ("127.0.0.1", 8780)),
        (":9000", ("127.0.0.1", 9000)),
        ("0.0.0.0:1", ("0.0.0.0", 1)),
        ("[::1]:8780", ("::1", 8780)),
        ("localhost:65535", ("localhost", 65535)),
        ("127.0.0.1", None),
        ("127.0.0.1:0", None),
        ("127.0.0.1:65536", None),
        ("host:port", None),
    ],
)
def test_dashboard_address_flag(text: str, expected: tuple[str, int] | None) -> None:
    if expected is None:
        with pytest.raises(ValueError, match="HOST:PORT"):
            parse_address(text)
        with pytest.raises(ValueError):
            ConsoleConfig.from_flags(text)
    else:
        assert parse_address(text) == expected
        cfg = ConsoleConfig.from_flags(text)
        assert (cfg.host, cfg.port, cfg.enabled) == (*expected, True)
    assert ConsoleConfig.from_flags(text, disabled=True).enabled is False
    assert (ConsoleConfig.from_flags(None).host, ConsoleConfig.from_flags(None).port) == ("127.0.0.1", 8780)


def test_dashboard_url_prints_the_url_of_the_last_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RUGSBOT_DASHBOARD_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env from the repository
    assert main(["dashboard-url"]) == EXIT_OK
    out = capsys.readouterr()
    token = token_path(settings(tmp_path)).read_text().strip()
    assert out.out.strip() == f"http://127.0.0.1:8780/?token={token}"
    assert "generated a new console token" in out.err and token not in out.err

    async def open_it() -> int:
        async with serving(tmp_path, token=None) as s:  # the run's console uses the same token file
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                async with http.get(f"http://127.0.0.1:{s.server.port}/?token={token}") as r:
                    assert r.status == 200
                async with http.get(f"http://127.0.0.1:{s.server.port}/api/state") as r:
                    assert r.status == 200
            return s.server.port

    port = arun(open_it())
    assert main(["dashboard-url"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"http://127.0.0.1:{port}/?token={token}"
    assert main(["dashboard-url", "--dashboard", "0.0.0.0:9"]) == EXIT_OK
    assert capsys.readouterr().out.strip().endswith(f":9/?token={token}")
    assert main(["dashboard-url", "--dashboard", "nonsense"]) == EXIT_USAGE
    assert "HOST:PORT" in capsys.readouterr().err
