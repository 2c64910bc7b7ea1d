"""Backtests run the live session on recorded frames: real captures, and the acceptance test against a
dry run on the simulator (same frames ⇒ same bets and settlements)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from bot.config import Profile
from bot.optimize.backtest import BacktestBet, engine_for, frames_of, run_backtest

STRATEGIES = Path("strategies")


def _profile(**params: Any) -> Profile:
    p = Profile()
    engine = engine_for(p, "fixed", {"max_bets_per_game": 20, **params})
    return p.model_copy(update={"engine": engine})


def test_real_captures_backtest(capture_paths: list[Path], tmp_path: Path) -> None:
    prof = _profile()
    res = run_backtest(
        frames_of(capture_paths), prof, db_path=tmp_path / "bt.db", strategies_dir=STRATEGIES, latency_s=0.22
    )
    assert res.frames > 900 and res.ticks > 300 and res.games >= 3
    settled = res.settled()
    assert len(settled) >= 5
    for b in settled:
        assert b.end_tick == b.start_tick + 40  # type: ignore[operator]
        assert b.start_tick > b.decided_tick  # type: ignore[operator]  # a click lands after the decision
        assert b.payout_lamports in (0, 5 * b.amount_lamports)
        assert b.p_win is not None and 0.1 < b.p_win < 0.3
    # every settlement agrees with the recorded rug ticks (rug_ticks come from the same frames)
    assert res.rug_ticks and all(t > 0 for t in res.rug_ticks)


@pytest.mark.parametrize(("latency", "min_gap"), [(0.05, 1), (0.22, 1), (1.0, 3)])
def test_latency_moves_the_landing_tick(
    capture_paths: list[Path], tmp_path: Path, latency: float, min_gap: int
) -> None:
    res = run_backtest(
        frames_of(capture_paths),
        _profile(),
        db_path=tmp_path / f"bt{latency}.db",
        strategies_dir=STRATEGIES,
        latency_s=latency,
    )
    gaps = [b.start_tick - b.decided_tick for b in res.settled()]  # type: ignore[operator]
    assert gaps and min(gaps) >= min_gap


def test_backtest_cli_json_and_out(
    capture_paths: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bt.json"
    code = main(
        [
            "backtest",
            "--strategy",
            "fixed",
            "--param",
            "max_bets_per_game=20",
            "--json",
            "--out",
            str(out),
            *map(str, capture_paths),
        ]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["bets"] == len([b for b in data["bet_list"] if b["status"] in ("won", "lost")]) > 0
    assert data["meta"]["ticks"] > 300
    assert json.loads(out.read_text())["series"]["tick_hist_counts"]
    assert main(["backtest", str(tmp_path / "missing.jsonl")]) == 2


# --------------------------------------------------------------------------- acceptance: live dry run vs backtest


class _SocketFeed:
    """A raw Engine.IO/Socket.IO websocket client: what a sniffer sees, with receive times."""

    def __init__(self, ws_url: str) -> None:
        import websocket  # websocket-client

        self.ws = websocket.create_connection(ws_url, timeout=5)

    def frames(self, stop: threading.Event):  # type: ignore[no-untyped-def]
        import websocket

        self.ws.settimeout(0.5)
        while not stop.is_set():
            try:
                text = self.ws.recv()
            except websocket.WebSocketTimeoutException:
                continue
            t = time.time()
            if not isinstance(text, str):
                continue
            if text.startswith("0{"):
                self.ws.send("40")
            elif text == "2":
                self.ws.send("3")
            yield t, "in", text

    def close(self) -> None:
        self.ws.close()


def _key(b: BacktestBet) -> tuple[Any, ...]:
    return (b.game, b.decided_tick, b.start_tick, b.end_tick, b.amount_lamports, b.status, b.payout_lamports)


def test_backtest_of_a_simulator_recording_equals_the_live_dry_run(tmp_path: Path) -> None:
    # 0.002 SOL: the ranker's adaptive tightening (down to ×0.5) never pushes a stake below the 0.001 minimum,
    # so a loaded machine (slow ticks → tightening) still yields bets to compare
    from bot.feeds.recording import RecordingWriter
    from bot.sim.config import SimConfig
    from bot.sim.runner import start_sim_in_thread

    latency = 0.03
    sim = start_sim_in_thread(SimConfig(speed=20.0, seed="evidence-acceptance"))
    rec_path = tmp_path / "live.frames.jsonl"
    writer = RecordingWriter(rec_path, {"test": "acceptance"}, anonymize=False)
    stop = threading.Event()
    feed = _SocketFeed(sim.ws_url)

    def live_frames():  # type: ignore[no-untyped-def]
        deadline = time.time() + 10  # ≈ 800 ticks at 20x: several games with several bets each
        for t, d, text in feed.frames(stop):
            writer.write(t, d, text)
            yield t, d, text
            if time.time() > deadline:
                stop.set()

    try:
        # "live": frames straight from the socket into the session with the dry broker's paper bets
        live = run_backtest(
            live_frames(),
            _profile(stake_sol=0.002),
            db_path=tmp_path / "live.db",
            strategies_dir=STRATEGIES,
            latency_s=latency,
            live_dry_run=True,
        )
    finally:
        feed.close()
        writer.close()
        sim.stop()
    replay = run_backtest(
        frames_of([rec_path]),
        _profile(stake_sol=0.002),
        db_path=tmp_path / "replay.db",
        strategies_dir=STRATEGIES,
        latency_s=latency,
    )
    assert live.games >= 2 and live.ticks > 300
    assert len(live.settled()) >= 3, live.no_bet_reasons
    assert [_key(b) for b in live.bets] == [_key(b) for b in replay.bets]
