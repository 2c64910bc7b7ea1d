"""Unit tests: the wallet approval policy and request classification, browser discovery, the profile lock and
extension checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.browser.approval import (
    ApprovalPolicy,
    ApprovalRequest,
    RequestKind,
    classify,
    normalize_origin,
    requesting_origin,
)
from bot.browser.errors import BrowserNotFound, ExtensionInvalid, ProfileInUse
from bot.browser.launch import (
    ProfileLock,
    check_extension,
    extension_names,
    find_browser,
    launch_args,
    realistic_user_agent,
)
from bot.browser.selectors import PHANTOM_WALLET
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


SIGN_IN = "rugs.fun wants you to sign in with your Solana account:\nAbC\n\nURI: https://rugs.fun\nNonce: 1"
TX = '{"instructions": [{"type": "transfer", "lamports": 1000000000}]}'


@pytest.mark.parametrize(
    ("primary", "window", "kind"),
    [
        ("Connect", "Connection request", RequestKind.CONNECT),
        (" connect ", "", RequestKind.CONNECT),
        ("Confirm", "Sign Message\nSign in to rugs.fun sim: abc 123", RequestKind.SIGN_MESSAGE),
        ("Confirm", SIGN_IN, RequestKind.SIGN_MESSAGE),  # Sign In With Solana
        ("Sign", SIGN_IN, RequestKind.SIGN_MESSAGE),
        ("Confirm", "Confirm Transaction\n" + TX, RequestKind.SIGN_TRANSACTION),
        ("Confirm", "Sign Message\nhello", RequestKind.SIGN_TRANSACTION),  # not a sign-in: fail closed
        ("Confirm (unsafe)", SIGN_IN, RequestKind.SIGN_TRANSACTION),  # Phantom's warning wins
        ("Confirm", "please go and sign in to win", RequestKind.SIGN_TRANSACTION),  # not at a line start
        ("Continue", "", RequestKind.UNKNOWN),
        ("Connect and sign", "", RequestKind.UNKNOWN),
        ("", "", RequestKind.UNKNOWN),
        ("whatever", SIGN_IN, RequestKind.UNKNOWN),
    ],
)
def test_classify_from_the_primary_button_and_the_window(
    primary: str, window: str, kind: RequestKind
) -> None:
    assert classify(primary, window, PHANTOM_WALLET) is kind


@pytest.mark.parametrize(
    ("urls", "origin", "note"),
    [
        (
            ["about:blank", "http://127.0.0.1:8765/game", "chrome-extension://abc/notification.html"],
            "http://127.0.0.1:8765",
            "",
        ),
        (["https://rugs.fun/", "https://rugs.fun/other"], "https://rugs.fun", ""),
        (["https://rugs.fun/", "https://evil.example/"], "", "several sites"),
        (["about:blank", "chrome-extension://abc/popup.html"], "", "no web page"),
    ],
)
def test_requesting_origin_is_the_one_open_site(urls: list[str], origin: str, note: str) -> None:
    got, why = requesting_origin(urls)
    assert got == origin
    assert note in why if note else why == ""


def test_unattributed_request_is_refused_with_the_reason() -> None:
    origin, note = requesting_origin(["https://rugs.fun/", "https://evil.example/"])
    d = POLICY.decide(ApprovalRequest(RequestKind.CONNECT, origin, note))
    assert not d.approve and not d.halt and "evil.example" in d.reason


def test_the_table_is_the_real_phantoms() -> None:
    w = PHANTOM_WALLET
    assert (w.popup_page, w.onboarding_page, w.notification_page) == (
        "popup.html",
        "onboarding.html",
        "notification.html",
    )
    assert w.unlocked_marker == '[data-testid="home-header-account-name"]'
    assert w.onboarding_done == '[data-testid="onboarding-complete-done"]'
    assert w.primary_button == 'button[data-testid="primary-button"]'
    assert w.secondary_button == 'button[data-testid="secondary-button"]'
    assert (w.spinner, w.interstitial_dismiss) == (".spinner", "Not Now")


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


def test_extension_names_resolve_a_localised_name(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(
        json.dumps({"manifest_version": 3, "name": "__MSG_extName__", "version": "1", "default_locale": "en"})
    )
    assert extension_names(tmp_path) == ("__MSG_extName__",)  # no messages file: the raw name only
    (tmp_path / "_locales" / "en").mkdir(parents=True)
    (tmp_path / "_locales" / "en" / "messages.json").write_text(
        json.dumps({"extname": {"message": "Phantom"}})
    )
    assert extension_names(tmp_path) == ("__MSG_extName__", "Phantom")


def test_launch_args_and_user_agent(tmp_path: Path) -> None:
    args = launch_args(tmp_path, as_root=True)
    for flag in (
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-default-apps",
        "--lang=en-US",  # the table reads Phantom's English wording
    ):
        assert flag in args
    assert f"--load-extension={tmp_path.resolve()}" in args
    assert f"--disable-extensions-except={tmp_path.resolve()}" in args
    assert "--no-sandbox" not in launch_args(None, as_root=False)
    ua = realistic_user_agent("150.0.0.0")
    assert "HeadlessChrome" not in ua and "Chrome/150.0.0.0" in ua
