"""``rugsbot verify`` through bot.cli.main over the real captures and doctored / damaged copies of them."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main

CAPTURES = sorted(
    (Path(__file__).resolve().parent.parent / "fixtures" / "real" / "captures").glob("*.jsonl.gz")
)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["verify", "--json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out)


def _lines(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _write(path: Path, lines: list[dict[str, Any]]) -> Path:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:  # type: ignore[operator]
        for line in lines:
            fh.write(json.dumps(line) + "\n")
    return path


def _history_frames(lines: list[dict[str, Any]]) -> list[int]:
    return [
        i
        for i, ln in enumerate(lines)
        if ln["dir"] == "in"
        and ln["frame"].startswith('42["gameStateUpdate"')
        and '"gameHistory"' in ln["frame"]
    ]


def _edit_frame(line: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> None:
    args = json.loads(line["frame"][2:])
    edit(args[-1])
    line["frame"] = "42" + json.dumps(args)


def test_both_real_captures_verify(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, *map(str, CAPTURES))
    assert code == 0
    assert out["games"] == out["verified"] == 23
    assert out["mismatched"] == 0 and out["mismatches"] == []
    assert out["sidebets"] == out["sidebets_agree"] == 1071
    assert out["sidebets_disagree"] == 0
    assert out["unverifiable"] == 0 and out["malformed"] == 0
    assert out["announced_checked"] == 3
    # the three games that ran inside the captures: every tick the tracker showed live, and each rug tick with
    # its price, matched the reveal (the first capture joined its first game at tick 4: ticks 4..229)
    assert out["live_games"] == 3 and out["live_ticks"] == 226 + 17 + 100
    assert [f["path"] for f in out["files"]] == list(map(str, CAPTURES))
    assert [f["games_new"] for f in out["files"]] == [12, 11]
    assert all(f["bad_lines"] == 0 for f in out["files"])


def test_directory_argument(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, str(CAPTURES[0].parent))
    assert code == 0 and out["verified"] == 23 and len(out["files"]) == 2


def test_each_capture_alone(capsys: pytest.CaptureFixture[str]) -> None:
    for path, games in zip(CAPTURES, (12, 11), strict=True):
        code, out = _run(capsys, str(path))
        assert code == 0 and out["games"] == out["verified"] == games


def _doctor_price(history: list[dict[str, Any]]) -> str:
    history[2]["prices"][7] *= 1.0000001
    return str(history[2]["id"])


def _doctor_seed(history: list[dict[str, Any]]) -> str:
    pf = history[0]["provablyFair"]
    pf["serverSeed"] = pf["serverSeed"][::-1]
    return str(history[0]["id"])


def _doctor_length(history: list[dict[str, Any]]) -> str:
    history[1]["prices"] = history[1]["prices"][:-3] + history[1]["prices"][-1:]
    return str(history[1]["id"])


def _doctor_payout(history: list[dict[str, Any]]) -> str:
    for game in history:
        for rec in game.get("globalSidebets") or []:
            if rec.get("type") == "payout" and rec.get("payout") == 0:
                rec["payout"] = rec["betAmount"] * 5
                return str(game["id"])
    raise AssertionError("no losing payout record in this frame")


DOCTORS = [
    ("price", _doctor_price, "provably-fair"),
    ("seed", _doctor_seed, "provably-fair"),
    ("length", _doctor_length, "provably-fair"),
    ("payout", _doctor_payout, "settlement"),
]


@pytest.mark.parametrize("which_frame", [0, -1])
@pytest.mark.parametrize(("name", "doctor", "kind"), DOCTORS, ids=[d[0] for d in DOCTORS])
def test_doctored_copy_fails(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    doctor: Callable[[list[dict[str, Any]]], str],
    kind: str,
    which_frame: int,
) -> None:
    """Doctoring one copy of a game in one history frame (first or last) is enough to fail the run."""
    lines = _lines(CAPTURES[0])
    index = _history_frames(lines)[which_frame]
    doctored: list[str] = []
    _edit_frame(lines[index], lambda payload: doctored.append(doctor(payload["gameHistory"])))
    path = _write(tmp_path / f"doctored-{name}.frames.jsonl.gz", lines)
    code, out = _run(capsys, str(path))
    assert code == 1
    assert out["mismatched"] + out["sidebets_disagree"] >= 1
    kinds = {m["kind"] for m in out["mismatches"]}
    assert kind in kinds
    if kind == "settlement":  # a doctored payout must not look like a provably-fair failure
        assert kinds == {"settlement"} and out["mismatched"] == 0
    assert doctored[0] in {m["game_id"] for m in out["mismatches"]}


def _live_frames(lines: list[dict[str, Any]], game_id: str) -> dict[int, int]:
    """tickCount -> line index of the active, not yet rugged frames of one game (first one per tick)."""
    out: dict[int, int] = {}
    for i, ln in enumerate(lines):
        f = ln["frame"]
        if ln["dir"] == "in" and f.startswith('42["gameStateUpdate"') and game_id in f:
            payload = json.loads(f[2:])[-1]
            if payload.get("gameId") == game_id and payload.get("active") and "tickCount" in payload:
                out.setdefault(payload["tickCount"], i)
    return out


GAME = "20251212-25dcb17086a24ad7"  # rugs at wire tick 229 inside the first capture


def _bump_tick(payload: dict[str, Any], tick: int) -> None:
    payload["price"] *= 1.0000001
    values = (payload.get("partialPrices") or {}).get("values") or {}
    if str(tick) in values:
        values[str(tick)] = payload["price"]


def _move_rug(payload: dict[str, Any], tick: int) -> None:
    """The rug frame one tick late, consistently (tickCount and partialPrices), as a late rug would show."""
    payload["tickCount"] = tick + 1
    pp = payload["partialPrices"]
    pp["endTick"] = tick + 1
    pp["values"][str(tick + 1)] = pp["values"].pop(str(tick))


LIVE_DOCTORS = [
    ("price at tick 100", 100, _bump_tick, "live tick 100 showed"),
    ("price at tick 5", 5, _bump_tick, "live tick 5"),
    ("rug frame one tick late", 229, _move_rug, "the feed rugged at tick 230"),
]


@pytest.mark.parametrize(("name", "tick", "doctor", "reason"), LIVE_DOCTORS, ids=[d[0] for d in LIVE_DOCTORS])
def test_doctored_live_ticks_fail(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    tick: int,
    doctor: Callable[[dict[str, Any], int], None],
    reason: str,
) -> None:
    """The history is untouched: only what the feed showed live differs from the revealed game."""
    lines = _lines(CAPTURES[0])
    frames = _live_frames(lines, GAME)
    assert tick in frames
    _edit_frame(lines[frames[tick]], lambda payload: doctor(payload, tick))
    path = _write(tmp_path / "live.frames.jsonl.gz", lines)
    code, out = _run(capsys, str(path))
    assert code == 1
    [m] = out["mismatches"]
    assert m["game_id"] == GAME and m["live_ok"] is False and m["prices_ok"] is True
    assert reason in m["reason"]


def test_human_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(CAPTURES[1])]) == 0
    text = capsys.readouterr().out
    assert "OK" in text and "verified" in text and "FAILED" not in text
    lines = _lines(CAPTURES[1])
    _edit_frame(lines[_history_frames(lines)[0]], lambda p: _doctor_price(p["gameHistory"]))
    path = _write(tmp_path / "bad.frames.jsonl.gz", lines)
    assert main(["verify", str(path)]) == 1
    text = capsys.readouterr().out
    assert "FAILED" in text and "mismatches" in text


def test_seedless_capture_is_unverifiable_not_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _lines(CAPTURES[0])

    def strip(payload: dict[str, Any]) -> None:
        for game in payload["gameHistory"]:
            game.pop("provablyFair", None)
            game.pop("gameVersion", None)

    for i in _history_frames(lines):
        _edit_frame(lines[i], strip)
    path = _write(tmp_path / "seedless.frames.jsonl", lines)  # plain .jsonl too
    code, out = _run(capsys, str(path))
    assert code == 0
    assert out["games"] == out["unverifiable"] == 12 and out["verified"] == 0
    assert out["sidebets_agree"] == out["sidebets"] > 0  # settlements need only prices
    assert len(out["unverifiable_games"]) == 12
    assert main(["verify", "--json", "--strict", str(path)]) == 1  # --strict: unverifiable is a failure
    capsys.readouterr()


@pytest.mark.parametrize(("args", "code"), [([], 0), (["--strict"], 0)])
def test_strict_passes_on_real_captures(
    capsys: pytest.CaptureFixture[str], args: list[str], code: int
) -> None:
    assert main(["verify", "--json", *args, *map(str, CAPTURES)]) == code
    assert json.loads(capsys.readouterr().out)["strict"] is bool(args)


def test_damaged_recording_is_survived(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Garbage lines, a non-frame line, undecodable frames and a gzip stream cut mid-way: no crash."""
    lines = _lines(CAPTURES[0])
    history = _history_frames(lines)
    raw = [json.dumps(ln) for ln in lines]
    raw.insert(5, "{not json")
    raw.insert(9, json.dumps({"t": 1.0, "dir": "in", "frame": '42["gameStateUpdate", {broken'}))
    raw.insert(
        11, json.dumps({"t": 1.0, "dir": "in", "frame": '42["gameStateUpdate", {"gameHistory": 12345}]'})
    )
    # a known field of the wrong type makes the event invalid; its history is still audited on its own
    raw.insert(
        12,
        json.dumps(
            {
                "t": 1.0,
                "dir": "in",
                "frame": '42["gameStateUpdate", {"tickCount": "x", "gameHistory": [1, 2]}]',
            }
        ),
    )
    # keep everything up to just past the second history frame, then cut the compressed file
    keep = raw[: history[1] + 10]
    data = gzip.compress(("\n".join(keep) + "\n").encode())
    path = tmp_path / "cut.frames.jsonl.gz"
    path.write_bytes(data[: int(len(data) * 0.9)])
    code, out = _run(capsys, str(path))
    assert code == 0
    assert out["mismatched"] == 0 and out["verified"] >= 10
    f = out["files"][0]
    assert f["bad_lines"] >= 2  # the bad JSON line and the truncated tail
    assert f["undecodable"] >= 1
    assert out["malformed"] == 3


@pytest.mark.parametrize("content", [b"", b"\n\n", b'{"header": {"v": 1}}\n'])
def test_empty_recordings(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    """Nothing verified is a failed check (issue 13: an audit tool never says OK on nothing)."""
    path = tmp_path / "empty.jsonl"
    path.write_bytes(content)
    code, out = _run(capsys, str(path))
    assert code == 1 and out["games"] == 0 and out["nothing_to_verify"]
    assert main(["verify", "--json", "--strict", str(path)]) == 1  # nothing verified
    capsys.readouterr()


def test_missing_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--json", str(tmp_path / "nope.jsonl")]) == 2
    assert "no such file" in capsys.readouterr().err
