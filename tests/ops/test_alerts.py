"""Alerts through apprise to a real local HTTP receiver: delivery, filtering, coalescing, dead endpoints
(refused and hanging) that never block the caller and are logged once, secrets never in any log."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config.sections import AlertKind, AlertLevel, AlertsConfig
from bot.config.settings import Settings
from bot.logs import LOG_FILE_NAME, configure, reset
from bot.mode import Mode
from bot.ops.alerts import Alert, Alerter, Endpoint, InvalidAlertURL

from .receiver import closed_port, receiver


class FakeClock:
    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def logs(tmp_path: Path) -> Iterator[tuple[io.StringIO, Path]]:
    buf = io.StringIO()
    configure(Mode.LIVE, level="DEBUG", log_dir=tmp_path / "logs", console=buf)
    yield buf, tmp_path / "logs" / LOG_FILE_NAME
    reset()


def _alerter(urls: list[str], clock: FakeClock | None = None, **cfg: object) -> Alerter:
    config = AlertsConfig.model_validate({"timeout_s": 2.0, **cfg})
    eps = [Endpoint.parse(i, u, config.timeout_s) for i, u in enumerate(urls, start=1)]
    return Alerter(eps, config, source="test", clock=clock or FakeClock(), drain_s=10.0)


def _wait(cond: object, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return
        time.sleep(0.01)
    raise AssertionError("condition not reached")


def test_a_halt_reaches_the_receiver_with_its_reason() -> None:
    with receiver() as rx:
        a = _alerter([rx.url])
        a.start()
        assert a.notify(AlertKind.HALT, "alarm:sign_request: the wallet asked to sign a message")
        a.stop()
    assert len(rx.payloads) == 1
    p = rx.payloads[0]
    assert p["title"] == "rugsbot test: HALTED"
    assert "sign_request" in p["message"] and "sign a message" in p["message"]
    assert p["type"] == "failure"
    assert a.stats.sent == 1 and a.stats.failed == 0


@pytest.mark.parametrize(
    ("cfg", "kind", "sent"),
    [
        ({}, AlertKind.RUN_END, True),
        ({"min_level": "warning"}, AlertKind.RUN_END, False),
        ({"min_level": "warning"}, AlertKind.PAUSE, True),
        ({"min_level": "critical"}, AlertKind.PAUSE, False),
        ({"min_level": "critical"}, AlertKind.FAIR_MISMATCH, True),
        ({"kinds": ["halt"]}, AlertKind.DAILY_SUMMARY, False),
        ({"kinds": ["halt"]}, AlertKind.HALT, True),
    ],
)
def test_profile_chooses_kinds_and_level(cfg: dict[str, object], kind: AlertKind, sent: bool) -> None:
    with receiver() as rx:
        a = _alerter([rx.url], **cfg)
        a.start()
        assert a.notify(kind, "x") is sent
        a.stop()
    assert len(rx.payloads) == int(sent)


def test_repeats_are_coalesced_with_a_count_of_the_rest() -> None:
    clock = FakeClock()
    with receiver() as rx:
        a = _alerter([rx.url], clock, coalesce_min=10)
        a.start()
        assert a.notify(AlertKind.PAUSE, "pause 1")
        for i in range(2, 5):  # within 10 minutes: held back
            clock.t += 60
            assert not a.notify(AlertKind.PAUSE, f"pause {i}")
        assert a.notify(AlertKind.TICK_INTERVAL, "other kinds are not held back")
        clock.t += 10 * 60
        assert a.notify(AlertKind.PAUSE, "pause 5")
        clock.t += 30
        assert not a.notify(AlertKind.PAUSE, "pause 6")  # held, then flushed at stop
        a.stop()
    msgs = rx.messages()
    assert msgs[0] == "pause 1" and msgs[1] == "other kinds are not held back"
    assert msgs[2].startswith("pause 5\n(+3 more pause alert(s) since ")
    assert "1 more alert(s) held back; the last: pause 6" in msgs[3]
    assert len(msgs) == 4 and a.stats.coalesced == 4


@pytest.mark.parametrize("dead", ["refused", "hangs", "http500"])
def test_a_dead_endpoint_never_blocks_and_is_logged_once(dead: str, logs: tuple[io.StringIO, Path]) -> None:
    console, _ = logs
    mode = {"refused": "ok", "hangs": "hang", "http500": "error"}[dead]
    with receiver(mode) as bad, receiver() as good:
        url = f"json://127.0.0.1:{closed_port()}/alert" if dead == "refused" else bad.url
        a = _alerter([url, good.url], timeout_s=1.0)
        a.start()
        worst = 0.0
        kinds = [AlertKind.HALT, AlertKind.PAUSE, AlertKind.STAKE]
        for kind in kinds:
            t0 = time.perf_counter()
            a.notify(kind, f"{kind.value} happened")
            worst = max(worst, time.perf_counter() - t0)
        assert worst < 0.05  # the caller never waits for the network (seconds of timeout per send)
        _wait(lambda: len(good.payloads) == len(kinds), timeout=20)
        a.stop()
    assert a.stats.failed == len(kinds) and a.stats.sent == len(kinds)
    lines = [ln for ln in console.getvalue().splitlines() if "alerts: endpoint #1" in ln]
    assert len(lines) == 1 and "WARNING" in lines[0] and "failed" in lines[0]
    assert "apprise" not in console.getvalue().lower().replace("alerts:", "")


def test_a_recovered_endpoint_is_logged_once_more(logs: tuple[io.StringIO, Path]) -> None:
    console, _ = logs
    with receiver("error") as rx:
        a = _alerter([rx.url])
        a.deliver(Alert(AlertKind.PAUSE, "1", 0.0))
        a.deliver(Alert(AlertKind.PAUSE, "2", 0.0))
        rx.mode = "ok"
        a.deliver(Alert(AlertKind.PAUSE, "3", 0.0))
    text = console.getvalue()
    assert text.count("alerts: endpoint #1 (json://) failed") == 1
    assert text.count("delivers again (2 alert(s) lost)") == 1


def test_a_full_queue_drops_instead_of_waiting(logs: tuple[io.StringIO, Path]) -> None:
    console, _ = logs
    with receiver("hang") as rx:
        a = _alerter([rx.url], queue_size=1, coalesce_min=0, timeout_s=1.0)
        a.drain_s = 0.2
        a.start()
        kinds = [AlertKind.HALT, AlertKind.PAUSE, AlertKind.STAKE, AlertKind.RUN_END]
        for k in kinds:
            a.notify(k, "x")
        a.stop()
    assert a.stats.dropped >= 1
    assert console.getvalue().count("alerts are being dropped") == 1


def test_secrets_in_urls_never_reach_a_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    password, token = "S3cretPassw0rd-xyz", "hook-9f8e7d6c5b4a3210"
    port = closed_port()
    monkeypatch.setenv("RUGSBOT_ALERT_URLS", f"json://bob:{password}@127.0.0.1:{port}/{token}")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    buf = io.StringIO()
    configure(Mode.LIVE, level="DEBUG", log_dir=tmp_path, console=buf, secrets=settings.secret_values())
    try:
        a = Alerter.from_settings(settings, AlertsConfig(timeout_s=1.0), source="live")
        a.start()
        a.notify(AlertKind.HALT, "halted")
        a.stop()
        import logging

        logging.getLogger("apprise").warning("stray apprise line naming %s", settings.alert_url_list()[0])
    finally:
        reset()
    assert a.stats.failed == 1
    everything = buf.getvalue() + (tmp_path / LOG_FILE_NAME).read_text() + "".join(capsys.readouterr())
    assert "endpoint #1 (json://) failed" in everything
    assert password not in everything and token not in everything


def test_an_invalid_url_is_named_by_number_only() -> None:
    with pytest.raises(InvalidAlertURL) as info:
        Endpoint.parse(2, "nosuchscheme://sekrit-token-123/x", 1.0)
    assert "#2" in str(info.value) and "sekrit" not in str(info.value)


def test_without_urls_nothing_is_queued_or_started() -> None:
    a = Alerter([], AlertsConfig())
    a.start()
    assert not a.notify(AlertKind.HALT, "x")
    a.stop()
    assert a.stats.filtered == 1


def test_levels_are_fixed_per_kind() -> None:
    assert Alert(AlertKind.HALT, "", 0).level is AlertLevel.CRITICAL
    assert Alert(AlertKind.PAUSE, "", 0).level is AlertLevel.WARNING
    assert Alert(AlertKind.DAILY_SUMMARY, "", 0).level is AlertLevel.INFO


# ---------------------------------------------------------------------------------------- the CLI


@pytest.mark.parametrize("case", ["delivered", "refused", "unset", "invalid"])
def test_alerts_test_command_exit_codes(
    case: str, clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    with receiver() as rx:
        url = {
            "delivered": rx.url,
            "refused": f"json://127.0.0.1:{closed_port()}/alert?cto=1",
            "invalid": "nosuchscheme://abc",
        }.get(case)
        if url is not None:
            monkeypatch.setenv("RUGSBOT_ALERT_URLS", url)
        code = main(["alerts", "test", "--json"])
    out, err = capsys.readouterr()
    assert code == {"delivered": 0, "refused": 4, "unset": 2, "invalid": 2}[case]
    if case == "delivered":
        assert json.loads(out)["ok"] is True and "test alert" in rx.messages()[0]
        title = str(rx.payloads[0]["title"])  # its own title, not a real run's end
        assert title.endswith(": test alert") and "run ended" not in title, title
    elif case == "refused":
        assert json.loads(out)["endpoints"][0]["ok"] is False
    if code:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_nothing_is_queued_after_stop() -> None:
    with receiver() as rx:
        a = _alerter([rx.url])
        a.start()
        a.stop()
        assert not a.notify(AlertKind.HALT, "too late: no thread would send it")
    assert rx.payloads == []


@pytest.mark.parametrize(
    ("section", "key", "words"),
    [
        ("tick_interval_over_s = nan", "alerts.tick_interval_over_s", "finite"),
        ("coalesce_min = inf", "alerts.coalesce_min", "finite"),
        ('kinds = ["halt", "nope"]', "alerts.kinds.1", "Input should be"),
        ('min_level = "loud"', "alerts.min_level", "Input should be"),
        ("win_rate_confidence = 1.0", "alerts.win_rate_confidence", "less than 1"),
        ('url = "tgram://x/y"', "alerts.url", "unknown key"),  # URLs are secrets: never in a profile
    ],
)
def test_a_bad_alerts_section_is_one_line_naming_the_key(
    tmp_path: Path, section: str, key: str, words: str
) -> None:
    from bot.config import ConfigError, load_profile

    path = tmp_path / "p.toml"
    path.write_text(f"[alerts]\n{section}\n")
    with pytest.raises(ConfigError) as info:
        load_profile(str(path))
    assert info.value.key == key and words in info.value.problem and "\n" not in str(info.value)
