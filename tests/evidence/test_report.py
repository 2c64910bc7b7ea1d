"""Reports: from result files and from a stored session; HTML that renders offline in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from bot.cli import main
from bot.optimize.metrics import BetRecords, evaluate
from bot.report import charts
from bot.report.render import render_html

CHROMIUM = Path("/usr/bin/chromium")


def _points(html: str) -> dict[str, int]:
    return {
        m.group(1): int(m.group(2)) for m in re.finditer(r'data-chart="([a-z_]+)" data-points="(\d+)"', html)
    }


@pytest.fixture(scope="module")
def backtest_outputs(
    tmp_path_factory: pytest.TempPathFactory, capture_paths: list[Path]
) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("report")
    out, db = tmp / "bt.json", tmp / "bt.db"
    assert (
        main(
            [
                "backtest",
                "--strategy",
                "fixed",
                "--param",
                "max_bets_per_game=20",
                "--db",
                str(db),
                "--out",
                str(out),
                "--json",
                *map(str, capture_paths),
            ]
        )
        == 0
    )
    return out, db


def test_html_from_a_backtest_file_has_every_chart(
    backtest_outputs: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = backtest_outputs
    html = tmp_path / "r.html"
    capsys.readouterr()
    assert main(["report", str(out), "--html", str(html)]) == 0
    assert "verdict" in capsys.readouterr().out
    text = html.read_text()
    pts = _points(text)
    assert set(pts) == {"equity", "drawdown", "calibration", "streaks", "tick_intervals", "latency"}
    assert all(v > 0 for v in pts.values()), pts  # a backtest has timing and latency data
    assert "<script" not in text and "http" not in text.replace("http-equiv", "")


def test_report_from_a_stored_session(
    backtest_outputs: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out, db = backtest_outputs
    capsys.readouterr()
    assert main(["report", "--session", "last", "--db", str(db), "--json"]) == 0
    from_db = json.loads(capsys.readouterr().out)
    from_file = json.loads(out.read_text())
    for key in ("bets", "wins", "staked_lamports", "payout_lamports", "max_losing_streak"):
        assert from_db[key] == from_file[key], key


@pytest.mark.parametrize(
    ("args", "code"),
    [(["--session", "nope"], 2), (["/no/such/file.json"], 2)],
)
def test_report_input_errors(args: list[str], code: int, tmp_path: Path) -> None:
    assert main(["report", *args, "--db", str(tmp_path / "x.db")]) == code


@pytest.mark.parametrize(
    ("svg", "points"),
    [
        (charts.line_chart("a", "t", [], [], x_label="x", y_label="y"), 0),
        (charts.line_chart("a", "t", [0, 1, 2], [1, 3, 2], x_label="x", y_label="y"), 3),
        (charts.bar_chart("b", "t", [0, 1, 2], [5, 0], x_label="x", y_label="y", expected=[4, 1]), 2),
        (charts.bar_chart("b", "t", [0, 1], [5, 0], x_label="x", y_label="y"), 0),  # edges do not fit counts
        (charts.calibration_chart("c", "t", [0.18], [0.2], [100]), 1),
    ],
)
def test_chart_points(svg: str, points: int) -> None:
    assert _points(svg)[next(iter(_points(svg)))] == points
    assert svg.startswith("<svg") and svg.endswith("</svg>")


def test_labels_are_escaped() -> None:
    rep = evaluate(
        BetRecords(np.array([1_000_000]), np.array([True]), 10**9), label="<b>x</b>", baseline=False
    )
    assert "<b>x</b>" not in render_html(rep) and "&lt;b&gt;x&lt;/b&gt;" in render_html(rep)


@pytest.mark.browser
def test_html_renders_offline_in_headless_chromium(
    backtest_outputs: tuple[Path, Path], tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    out, _ = backtest_outputs
    html = tmp_path / "offline.html"
    assert main(["report", str(out), "--html", str(html)]) == 0
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 1000})

            def route(r):  # type: ignore[no-untyped-def]
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(html.as_uri())
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            info = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].map(s => ({
                name: s.dataset.chart, points: +s.dataset.points,
                w: s.getBoundingClientRect().width,
                marks: s.querySelectorAll('polyline, rect.bar, circle.dot').length}))""")
        finally:
            browser.close()
    assert blocked == []
    assert shot.stat().st_size > 20_000
    by = {c["name"]: c for c in info}
    assert set(by) == {"equity", "drawdown", "calibration", "streaks", "tick_intervals", "latency"}
    for c in info:
        assert c["w"] > 300 and c["points"] > 0 and c["marks"] > 0, c
