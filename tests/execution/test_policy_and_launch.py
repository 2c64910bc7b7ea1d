"""Unit tests: the wallet approval policy, browser discovery, the profile lock and extension checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.browser.errors import BrowserNotFound, ExtensionInvalid, ProfileInUse
from bot.browser.launch import (
    ProfileLock,
    check_extension,
    find_browser,
    launch_args,
    realistic_user_agent,
)
from bot.browser.wallet import ApprovalPolicy, ApprovalRequest, RequestKind, normalize_origin
from bot.config import Settings

POLICY = ApprovalPolicy.build(["https://rugs.fun"], sim_url="http://127.0.0.1:8765/")

# (kind, origin, approve, halt)
POLICY_CASES = [
    (RequestKind.CONNECT, "https://rugs.fun", True, False),
    (RequestKind.CONNECT, "https://rugs.fun/", True, False),
    (RequestKind.CONNECT, "https://RUGS.fun:443", True, False),
    (RequestKind.SIGN_MESSAGE, "https://rugs.fun", True, False),
    (RequestKind.SIGN_MESSAGE, "http://127.0.0.1:8765", True, False),
    (RequestKind.CONNECT, "http://127.0.0.1:8766", False, False),  # other port = other origin
    (RequestKind.CONNECT, "http://rugs.fun", False, False),  # other scheme
    (RequestKind.CONNECT, "https://rugs.fun.evil.example", False, False),  # prefix trick
    (RequestKind.CONNECT, "https://evil.example/?https://rugs.fun", False, False),
    (RequestKind.SIGN_MESSAGE, "", False, False),
    (RequestKind.CONNECT, "javascript:alert(1)", False, False),
    (RequestKind.SIGN_TRANSACTION, "https://rugs.fun", False, True),  # even from the site: halt
    (RequestKind.SIGN_TRANSACTION, "https://evil.example", False, True),
    (RequestKind.UNKNOWN, "https://rugs.fun", False, False),
]


@pytest.mark.parametrize(("kind", "origin", "approve", "halt"), POLICY_CASES)
def test_approval_policy(kind: RequestKind, origin: str, approve: bool, halt: bool) -> None:
    d = POLICY.decide(ApprovalRequest(kind, origin))
    assert (d.approve, d.halt) == (approve, halt), d.reason
    assert d.reason


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("connect", RequestKind.CONNECT),
        ("signMessage", RequestKind.SIGN_MESSAGE),
        ("signTransaction", RequestKind.SIGN_TRANSACTION),
        ("signAllTransactions", RequestKind.SIGN_TRANSACTION),
        ("sign_and_send_transaction", RequestKind.SIGN_TRANSACTION),
        ("", RequestKind.UNKNOWN),
        ("whatever", RequestKind.UNKNOWN),
    ],
)
def test_request_kind_parse(text: str, kind: RequestKind) -> None:
    assert RequestKind.parse(text) is kind


def test_normalize_origin() -> None:
    assert normalize_origin("https://rugs.fun/game?x=1") == "https://rugs.fun"
    assert normalize_origin("http://localhost:80") == "http://localhost"
    assert normalize_origin("chrome-extension://abc") is None
    assert normalize_origin("http://[::1]:bad") is None


def test_policy_without_sim_rejects_localhost() -> None:
    p = ApprovalPolicy.build(["https://rugs.fun"])
    assert not p.decide(ApprovalRequest(RequestKind.CONNECT, "http://127.0.0.1:8765")).approve


def _exe(tmp: Path, name: str) -> Path:
    p = tmp / name
    p.write_text("#!/bin/sh\necho 'Chromium 150.0.1.2'\n")
    p.chmod(0o755)
    return p


def test_find_browser_setting_wins(tmp_path: Path) -> None:
    exe = _exe(tmp_path, "mychrome")
    assert find_browser(Settings(browser_path=exe)) == exe


def test_find_browser_bad_setting_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BrowserNotFound, match="RUGSBOT_BROWSER_PATH"):
        find_browser(Settings(browser_path=tmp_path / "nope"))


def test_find_browser_default_is_system_chromium() -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no /usr/bin/chromium here")
    assert find_browser(Settings()) == Path("/usr/bin/chromium")


def test_find_browser_none_found_is_actionable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.browser.launch as launch

    monkeypatch.setattr(launch, "SYSTEM_CHROMIUM", tmp_path / "absent")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "pw"))
    with pytest.raises(BrowserNotFound) as err:
        find_browser(Settings())
    msg = str(err.value)
    assert "RUGSBOT_BROWSER_PATH" in msg and "chromium-browser on PATH" in msg
    # ...and a chromium-browser on PATH is found once present
    exe = _exe(tmp_path, "chromium-browser")
    assert find_browser(Settings()) == exe


def test_profile_lock_is_exclusive_across_processes(tmp_path: Path) -> None:
    lock = ProfileLock(tmp_path / "prof").acquire()
    try:
        code = (
            "import sys; from pathlib import Path; from bot.browser.launch import ProfileLock\n"
            "from bot.browser.errors import ProfileInUse\n"
            f"try:\n    ProfileLock(Path({str(tmp_path / 'prof')!r})).acquire()\nexcept ProfileInUse as e:\n"
            "    print(e); sys.exit(7)\n"
        )
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
        assert r.returncode == 7, r.stderr
        assert str(tmp_path / "prof") in r.stdout and f"pid {os.getpid()}" in r.stdout
        with pytest.raises(ProfileInUse):
            ProfileLock(tmp_path / "prof").acquire()  # also within one process (separate open file)
    finally:
        lock.release()
    again = ProfileLock(tmp_path / "prof").acquire()  # released → free again
    assert again.held
    again.release()


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({}, "no manifest.json"),
        ({"manifest.json": "{not json"}, "not valid JSON"),
        ({"manifest.json": "[]"}, "not an object"),
        ({"manifest.json": json.dumps({"manifest_version": 3, "name": "x"})}, "lacks 'version'"),
    ],
)
def test_check_extension_errors(tmp_path: Path, files: dict[str, str], problem: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(ExtensionInvalid, match=problem):
        check_extension(tmp_path)


def test_check_extension_missing_dir(tmp_path: Path) -> None:
    with pytest.raises(ExtensionInvalid, match="not found"):
        check_extension(tmp_path / "nope")


def test_check_extension_ok(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"manifest_version": 3, "name": "W", "version": "1"}))
    assert check_extension(tmp_path) == "W"


def test_launch_args_and_user_agent(tmp_path: Path) -> None:
    args = launch_args(tmp_path, as_root=True)
    for flag in (
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
    ):
        assert flag in args
    assert f"--load-extension={tmp_path.resolve()}" in args
    assert f"--disable-extensions-except={tmp_path.resolve()}" in args
    assert "--no-sandbox" not in launch_args(None, as_root=False)
    ua = realistic_user_agent("150.0.0.0")
    assert "HeadlessChrome" not in ua and "Chrome/150.0.0.0" in ua
