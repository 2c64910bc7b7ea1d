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
    assert main(["report", "--db", str(db), "--json"]) == 0  # no FILE, no --session: the last session
    assert json.loads(capsys.readouterr().out) == from_db
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


def _crowded_report() -> str:
    """Large counts and one-value histograms: what once gave a clipped ``1.874e+04`` label and x axes
    from -0.25 s (numpy widens a zero-width histogram range by ±0.5)."""
    rng = np.random.default_rng(7)
    n = 19_920
    won = rng.random(n) < 0.1817
    rep = evaluate(
        BetRecords(
            np.full(n, 1_000_000),
            won,
            10**9,
            games=n,
            p_pred=np.full(n, 0.1817),
            latency_s=np.full(185, 0.25),
            tick_intervals_s=np.full(18_740, 0.25),
        ),
        label="crowded",
        baseline=False,
    )
    return render_html(rep)


def _empty_report() -> str:
    return render_html(evaluate(BetRecords(np.array([], dtype=np.int64), np.array([], dtype=bool), 10**9)))


LAYOUT_JS = """() => {
  const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5
    && a.bottom <= b.bottom + 0.5;
  const box = document.querySelector('.charts').getBoundingClientRect();
  return [...document.querySelectorAll('svg.chart')].map(s => {
    const r = s.getBoundingClientRect();
    const texts = [...s.querySelectorAll('text')];
    const xt = [...s.querySelectorAll('text.tick.x')].map(t => t.getBoundingClientRect())
      .sort((a, b) => a.left - b.left);
    return {
      name: s.dataset.chart, points: +s.dataset.points, log: s.dataset.log === '1',
      x0: s.dataset.x0 === undefined ? null : +s.dataset.x0,
      w: r.width, left: r.left, right: r.right, content: box.width,
      marks: s.querySelectorAll('polyline, rect.bar, circle.dot').length,
      nodata: [...s.querySelectorAll('text.empty')].length,
      outside: texts.filter(t => !inside(t.getBoundingClientRect(), r)).map(t => t.textContent),
      ticks: [...s.querySelectorAll('text.tick')].map(t => t.textContent),
      yticks: [...s.querySelectorAll('text.tick.y')].map(t => t.textContent),
      overlap: xt.some((a, i) => i > 0 && a.left < xt[i - 1].right),
    };
  });
}"""


@pytest.mark.browser
@pytest.mark.parametrize("which", ["backtest", "crowded", "empty"])
@pytest.mark.parametrize("width", [1360, 820])
def test_html_layout_in_headless_chromium(
    backtest_outputs: tuple[Path, Path], tmp_path: Path, which: str, width: int
) -> None:
    """The report in a real headless Chromium: offline, every chart at the page's full width inside margins,
    no text outside its chart, plain tick labels (no e-notation, no 0 on a log axis), histograms of
    durations and lengths from 0 or above. The screenshot is kept in the test's folder to be looked at."""
    if not CHROMIUM.exists():
        pytest.skip("no Chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    html = tmp_path / f"{which}.html"
    if which == "backtest":
        out, _ = backtest_outputs
        assert main(["report", str(out), "--html", str(html)]) == 0
    else:
        html.write_text(_crowded_report() if which == "crowded" else _empty_report(), encoding="utf-8")
    blocked: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": 1000})

            def route(r):  # type: ignore[no-untyped-def]
                if r.request.url.startswith("file://"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(html.as_uri())
            shot = tmp_path / f"report-{which}-{width}.png"
            page.screenshot(path=str(shot), full_page=True)
            info = page.evaluate(LAYOUT_JS)
        finally:
            browser.close()
    assert blocked == []
    assert shot.stat().st_size > 20_000
    by = {c["name"]: c for c in info}
    assert set(by) == {"equity", "drawdown", "calibration", "streaks", "tick_intervals", "latency"}
    for c in info:
        assert c["outside"] == [], c  # e.g. a clipped y tick label
        assert c["w"] >= 0.99 * c["content"], c  # full width, one chart a row
        assert c["left"] >= 24 and c["right"] <= width - 24, c  # page margins
        assert not c["overlap"], c
        assert not [t for t in c["ticks"] if re.search(r"\de[+-]?\d", t)], c  # no 1.874e+04
        if c["log"]:
            assert "0" not in c["yticks"], c
        if c["name"] in ("streaks", "tick_intervals", "latency") and c["x0"] is not None:
            assert c["x0"] >= 0, c  # durations and lengths do not start at -0.25
    if which == "backtest":
        for c in info:
            assert c["w"] > 300 and c["points"] > 0 and c["marks"] > 0, c
    if which == "crowded":
        assert "20,000" in by["tick_intervals"]["yticks"]
        assert "15,000" in by["equity"]["ticks"]
        assert by["streaks"]["log"] and by["streaks"]["yticks"][:2] == ["1", "10"]
    if which == "empty":  # no bets: no made-up rates, and every chart says "no data" instead of empty axes
        text = html.read_text()
        assert "0.0000 (95%" not in text and text.count("— (no bets)") == 4
        assert all(c["marks"] == 0 and c["ticks"] == [] and c["nodata"] == 1 for c in info), info


# ------------------------------------------------------------------------------------------ axes
@pytest.mark.parametrize(
    ("v", "step", "text"),
    [
        (18_740.0, 5_000.0, "18,740"),
        (15_000.0, 5_000.0, "15,000"),
        (0.25, 0.05, "0.25"),
        (0.2, 0.05, "0.20"),
        (-0.5, 0.1, "-0.5"),
        (1e-12, 0.1, "0"),
        (2_500_000.0, 500_000.0, "2.5M"),
        (1.5, 0.5, "1.5"),
        (0.005, 0.001, "0.005"),
    ],
)
def test_tick_labels_are_plain_numbers(v: float, step: float, text: str) -> None:
    assert charts.fmt_tick(v, step) == text


@pytest.mark.parametrize(
    ("lo", "hi", "floor0", "first", "last"),
    [
        (0.0, 19_920.0, False, 0.0, 20_000.0),
        (-0.4612, 0.0, False, -0.5, 0.0),
        (9.749, 10.21, False, 9.7, 10.3),
        (-0.25, 0.75, True, 0.0, 0.8),
        (0.25, 0.25, True, 0.2, 0.3),
    ],
)
def test_axis_ranges(lo: float, hi: float, floor0: bool, first: float, last: float) -> None:
    axis = charts.linear_axis(lo, hi, floor0=floor0)
    assert axis.ticks[0] == pytest.approx(first) and axis.ticks[-1] == pytest.approx(last)
    assert axis.lo <= lo or (floor0 and axis.lo == 0)
    assert len(axis.ticks) >= 2


def test_log_axis_has_no_zero() -> None:
    axis = charts.log_count_axis(537.8)
    assert axis.labels == ("1", "10", "100", "1,000") and axis.lo == charts.LOG_FLOOR
    svg = charts.bar_chart("s", "t", [0.5, 1.5, 2.5, 3.5], [500, 0, 3], x_label="x", y_label="y", log_y=True)
    assert ">0<" not in svg.split('class="tick y"', 1)[1] and 'data-log="1"' in svg
    assert svg.count('class="bar"') == 2  # a zero count draws nothing on a log axis


def test_histogram_of_one_value_does_not_start_below_zero() -> None:
    edges = [round(-0.25 + i / 30, 6) for i in range(31)]  # numpy's widened range for a constant 0.25
    counts = [0] * 30
    counts[15] = 18_740
    svg = charts.bar_chart("t", "t", edges, counts, x_label="s", y_label="n")
    x0 = float(re.search(r'data-x0="([^"]+)"', svg).group(1))  # type: ignore[union-attr]
    assert 0 <= x0 < 0.25 and "e+" not in svg and "20,000" in svg
