"""``rugsbot probe`` in real Chromium against the simulator's page builds and a drifted feed."""

from __future__ import annotations

import json
import re
import threading
import time
import tomllib
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.commands.probe import fixed_profile_text
from bot.config.profile import load_profile
from bot.exitcodes import EXIT_CHECK_FAILED, EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from bot.sim.config import SimConfig
from bot.sim.runner import SimHandle, free_port, start_sim_in_thread
from tests.execution.conftest import browser_available

SPEED = 4  # as in the acceptance commands
LISTEN = "2"


def _sim(**kw: Any) -> Iterator[SimHandle]:
    if not browser_available():
        pytest.skip("no Chromium found")
    h = start_sim_in_thread(SimConfig(speed=SPEED, players=6, **kw))
    try:
        yield h
    finally:
        h.stop()


@pytest.fixture(scope="module")
def build1() -> Iterator[SimHandle]:
    yield from _sim(seed="probe-1")


@pytest.fixture(scope="module")
def build2() -> Iterator[SimHandle]:
    yield from _sim(seed="probe-2", page_build=2)


@pytest.fixture(scope="module")
def drifted() -> Iterator[SimHandle]:
    yield from _sim(seed="probe-drift", protocol_drift=True)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


def probe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["probe", *args, "--json"])
    return code, json.loads(capsys.readouterr().out)


def controls(out: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in out["controls"]}


@pytest.mark.browser
def test_build_1_matches_the_default_profile(
    build1: SimHandle, capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    code, out = probe(capsys, build1.url + "/", "--listen", LISTEN)
    assert code == EXIT_OK, out
    c = controls(out)
    assert set(c) == {
        "sidebet_panel_toggle",
        "sidebet_button",
        "amount_input",
        "clear_button",
        "coin_selector",
        "connect_button",
        "phantom_option",
    }
    checked = [x for x in c.values() if x["checked"]]
    assert len(checked) == 6 and all(x["found"] and x["visible"] and x["enabled"] for x in checked)
    assert c["sidebet_button"]["selector"] == "div.sidebet-container > div.sidebet-banner > div.bet-button"
    assert c["phantom_option"]["checked"] is False  # only in the wallet dialog: not a dry check
    assert out["opened_panel"] is True  # the one click: the panel toggle
    assert out["protocol"]["drift"] == [] and out["protocol"]["events"]["gameStateUpdate"] > 5
    assert out["protocol"]["transport"] == "websocket"
    snapshot, screenshot = Path(out["snapshot"]), Path(out["screenshot"])
    assert snapshot.parent == screenshot.parent == data_dir / "probe"
    assert "PLACE SIDEBET" in snapshot.read_text() and screenshot.read_bytes()[:4] == b"\x89PNG"
    requests = build1.truth().sidebet_requests
    assert sum(requests.values()) == 0 and build1.truth().accounts == ()  # dry: no login, no bet


@pytest.mark.browser
def test_build_2_names_the_moved_controls_and_the_fixed_profile_passes(
    build2: SimHandle, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    original = tmp_path / "mine.toml"
    original.write_text(
        '# my practice profile\nname = "mine"\nmode = "practice"\n\n'
        '[browser.selectors]\nactive_class = "but-button-active"\nconnect_button = ["button:has-text(\'Connect\')"]\n'
        "\n[guards]\nmax_stake_per_bet_sol = 0.02\n"
    )
    fixed = tmp_path / "fixed.toml"
    code, out = probe(
        capsys, build2.url + "/", "--profile", str(original), "--listen", LISTEN, "--fix-profile", str(fixed)
    )
    assert code == EXIT_CHECK_FAILED
    c = controls(out)
    missing = {name for name, x in c.items() if x["checked"] and not x["found"]}
    assert missing == {"sidebet_button", "amount_input"}
    for name in missing:
        assert c[name]["suggestions"], name
        assert all(s["matches"] == 1 and s["visible"] and s["same"] for s in c[name]["suggestions"])
    assert out["protocol"]["drift"] == [] and out["fixed_profile"] == str(fixed)

    text = fixed.read_text()
    assert text.startswith("# my practice profile") and "rugsbot probe" in text
    data = tomllib.loads(text)
    assert data["guards"] == {"max_stake_per_bet_sol": 0.02}  # the rest of the profile is kept
    sel = load_profile(str(fixed)).browser.selectors
    assert sel.sidebet_button[0] == c["sidebet_button"]["suggestions"][0]["selector"]
    assert sel.amount_input[0] == c["amount_input"]["suggestions"][0]["selector"]
    assert sel.connect_button == ["button:has-text('Connect')"] and sel.active_class == "but-button-active"

    code, out = probe(capsys, build2.url + "/", "--profile", str(fixed), "--listen", LISTEN)
    assert code == EXIT_OK, [x for x in out["controls"] if not x["found"]]


@pytest.mark.browser
def test_protocol_drift_is_reported_and_the_listen_time_is_honoured(
    drifted: SimHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    began = time.monotonic()
    code, out = probe(capsys, drifted.url + "/", "--listen", "3")
    assert time.monotonic() - began >= 3
    assert code == EXIT_CHECK_FAILED
    assert all(x["found"] for x in out["controls"] if x["checked"])  # the page itself is build 1
    drift = {(d["kind"], d["field"]) for d in out["protocol"]["drift"]}
    assert {("type_change", "price"), ("unknown_field", "tickIndex"), ("missing_field", "tickCount")} <= drift
    assert all(d["sample"] and d["count"] >= 1 for d in out["protocol"]["drift"])


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ftp://example.org/"], EXIT_USAGE, "not an http(s) URL"),
        (["http://127.0.0.1:1/", "--listen", "-1"], EXIT_USAGE, "--listen"),
        (["http://127.0.0.1:1/", "--listen", "nan"], EXIT_USAGE, "--listen"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(
    args: list[str], code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["probe", *args]) == code
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


@pytest.mark.browser
def test_an_unreachable_page_is_an_environment_error(capsys: pytest.CaptureFixture[str]) -> None:
    if not browser_available():
        pytest.skip("no Chromium found")
    assert main(["probe", f"http://127.0.0.1:{free_port()}/", "--listen", "0"]) == EXIT_ENVIRONMENT
    err = capsys.readouterr().err.strip()
    assert err.startswith("rugsbot probe: cannot load") and "\n" not in err


@pytest.mark.parametrize(
    ("original", "error"),
    [
        ("", None),
        ('name = "x"\n\n[browser]\nheadless = true\n', None),
        (
            'name = "x"\n[browser.selectors]\nsidebet_button = ["old"]\n[guards]\nmax_stake_per_bet_sol = 0.002\n',
            None,
        ),
        (
            'name = "x"\n[browser]\nselectors = { sidebet_button = ["old"] }\n',
            re.escape("not in a [browser.selectors] table"),
        ),
    ],
    ids=["no-profile", "no-table", "table", "inline"],
)
def test_fixed_profile_text(original: str, error: str | None) -> None:
    changes = {"sidebet_button": ['div[class*="_placeSidebet_"]', "old"]}
    if error is not None:
        with pytest.raises(ValueError, match=error):
            fixed_profile_text(original, changes, "note")
        return
    text = fixed_profile_text(original, changes, "note")
    data = tomllib.loads(text)
    assert data["browser"]["selectors"]["sidebet_button"] == changes["sidebet_button"]
    before = tomllib.loads(original)
    assert {k: v for k, v in data.items() if k != "browser"} == {
        k: v for k, v in before.items() if k != "browser"
    }
    assert text.count("[browser.selectors]") == 1


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.mark.browser
def test_a_page_that_polls_instead_of_a_websocket_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Socket.IO falling back to HTTP long-polling leaves the sniffer blind: the probe says so in one item."""
    if not browser_available():
        pytest.skip("no Chromium found")
    (tmp_path / "index.html").write_text(
        "<!doctype html><html><body><p>site</p>"
        "<script>fetch('/socket.io/?EIO=4&transport=polling&t=1').catch(() => {});</script></body></html>"
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, out = probe(capsys, f"http://127.0.0.1:{server.server_address[1]}/", "--listen", "1")
    finally:
        server.shutdown()
        server.server_close()
    assert code == EXIT_CHECK_FAILED
    assert out["protocol"]["transport"] == "polling"
    [item] = out["protocol"]["drift"]
    assert item["kind"] == "no_feed" and "long-polling" in item["sample"]
    assert not any(c["found"] for c in out["controls"] if c["checked"])
