"""``rugsbot replay`` through the real CLI entry point on the real captures."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.cli import main

RAW = "2025-12-12_17-16-58_raw.frames.jsonl.gz"
CDP = "2025-12-15_00-39-17_cdp.frames.jsonl.gz"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    rc = main(argv)
    return rc, json.loads(capsys.readouterr().out)


def test_replay_json_on_both_real_captures(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    caps = real_dir / "captures"
    rc, doc = _json(capsys, ["replay", "--json", str(caps / RAW), str(caps / CDP)])
    assert rc == 0
    tot = doc["totals"]
    assert (tot["frames"], tot["frames_in"], tot["frames_out"]) == (973, 966, 7)
    assert tot["undecodable"] == tot["invalid"] == tot["unknown"] == tot["bad_lines"] == 0
    assert tot["drift"] == tot["dropped"] == 0
    assert (tot["games_finished"], tot["games_complete"]) == (3, 2)
    assert tot["events"]["gameStateUpdate"] == 510 + 189
    raw, cdp = doc["files"]
    assert raw["counters"]["events"] == {
        "gameStateUpdate": 510,
        "standard/newTrade": 31,
        "newChatMessage": 11,
        "battleEventUpdate": 1,
    }
    assert raw["counters"]["history_frames"] == 4
    games = {g["game_id"]: g for g in raw["games"]}
    b = games["20251212-6114b2ff44ef4b71"]
    assert (b["rug_tick"], b["complete"], b["first_tick_seen"]) == (16, True, 0)
    assert [p for p, _ in b["phases"]] == ["COOLDOWN", "PRESALE", "ACTIVE", "RUGGED"]
    a = games["20251212-25dcb17086a24ad7"]
    assert (a["rug_tick"], a["complete"], a["first_tick_seen"]) == (229, False, 4)
    assert games["20251212-6f491efbd808458b"]["rug_tick"] is None
    assert cdp["counters"]["events_out"]["authenticate"] == 1
    assert (
        cdp["timing"]["samples"] == 98
    )  # ticks 0..98 (99 frames, 98 gaps); the rug frame (99) is not a tick
    assert raw["timing"]["stalls"] == 1
    assert raw["signals"]["GameRugged"] == 2 and raw["signals"]["HistoryReceived"] == 4
    assert raw["signals"]["TickAdvanced"] == 241  # game A ticks 4..228 (225) + game B ticks 0..15 (16)
    assert cdp["signals"]["AccountUpdated"] == 3  # three full playerUpdate frames in the capture


def test_replay_human_output(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    rc = main(["replay", str(real_dir / "captures" / RAW)])
    out = capsys.readouterr().out
    assert rc == 0
    for text in ("gameStateUpdate", "20251212-6114b2ff44ef4b71", "complete", "229", "tick gaps"):
        assert text in out


def _damaged(tmp_path: Path, real_dir: Path) -> Path:
    lines = gzip.decompress((real_dir / "captures" / CDP).read_bytes()).decode().splitlines()
    lines[10] = lines[10][:40]  # a half-written line mid-file
    lines[20] = json.dumps({"t": 1.0, "dir": "in", "frame": '42["gameStateUpdate",{"tickCount":"x"}]'})
    lines[30] = json.dumps({"t": 1.0, "dir": "in", "frame": "9garbage"})
    path = tmp_path / "damaged.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_replay_reports_damage(capsys: pytest.CaptureFixture[str], tmp_path: Path, real_dir: Path) -> None:
    path = _damaged(tmp_path, real_dir)
    rc, doc = _json(capsys, ["replay", "--json", str(path)])
    assert rc == 0  # damage is reported, not fatal, without --strict
    f = doc["files"][0]
    assert [ln for ln, _ in f["bad_lines"]] == [11]
    assert f["frames_read"] == 418
    assert f["counters"]["undecodable"] == {"bad-eio-type": 1}
    assert f["counters"]["invalid"] == {"gameStateUpdate": 1}
    assert f["counters"]["drift"]["counts"] == {"gameStateUpdate.tickCount": 1}
    rc = main(["replay", "--json", "--strict", str(path)])
    capsys.readouterr()
    assert rc == 1


def _inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "empty-dir").mkdir()
    (tmp_path / "notes-only").mkdir()
    (tmp_path / "notes-only" / "notes.txt").write_text("no recording here")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "random.jsonl").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "text.jsonl").write_text("hello\nworld\n")
    (tmp_path / "corrupt.jsonl.gz").write_bytes(
        gzip.compress(b'{"t": 1, "dir": "in", "frame": "2"}\n' * 50)[:40]
    )
    return {p.name: p for p in tmp_path.iterdir()}


# (input, --json?, exit code, words on the one stderr line)
NOTHING = [
    ("nope.jsonl", False, 2, "no such file or directory"),
    ("nope.jsonl", True, 2, "no such file or directory"),
    ("empty-dir", False, 1, "nothing to replay: no recordings"),
    ("notes-only", False, 1, "nothing to replay: no recordings"),
    ("empty.jsonl", False, 1, "nothing to replay: not a recording: no frame could be read"),
    ("random.jsonl", False, 1, "not a recording: no frame could be read"),
    ("text.jsonl", False, 1, "not a recording: no frame could be read"),
    ("corrupt.jsonl.gz", False, 1, "not a recording: no frame could be read"),
    ("corrupt.jsonl.gz", True, 1, "not a recording: no frame could be read"),
]


@pytest.mark.parametrize(("name", "as_json", "code", "words"), NOTHING)
def test_replay_on_nothing_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, as_json: bool, code: int, words: str
) -> None:
    path = _inputs(tmp_path).get(name, tmp_path / name)
    rc = main(["replay", *(["--json"] if as_json else []), str(path)])
    out, err = capsys.readouterr()
    assert rc == code
    assert len(err.splitlines()) == 1 and err.startswith("rugsbot replay: ") and words in err, err
    assert "Traceback" not in err
    if as_json and code == 1:  # a JSON reader still gets the (empty) result, and says why
        assert json.loads(out)["nothing_to_replay"] in err
    else:
        assert out == ""  # no empty tables


def test_replay_missing_file_fails(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A path that does not exist is a usage error like in every other command (issue 13): exit 2, one line
    naming it, and no empty tables or JSON."""
    rc = main(["replay", "--json", str(tmp_path / "nope.jsonl")])
    out, err = capsys.readouterr()
    assert rc == 2
    assert out == ""
    assert err.count("\n") == 1 and "no such file" in err and "nope.jsonl" in err


def test_replay_continuous_parts(capsys: pytest.CaptureFixture[str], tmp_path: Path, real_dir: Path) -> None:
    """A recording split mid-game: per-file trackers see two partial pictures, --continuous one game."""
    lines = gzip.decompress((real_dir / "captures" / CDP).read_bytes()).decode().splitlines()
    p1, p2 = tmp_path / "rec.jsonl", tmp_path / "rec.1.jsonl"
    p1.write_text("\n".join(lines[:250]) + "\n")
    p2.write_text("\n".join(lines[250:]) + "\n")
    rc, doc = _json(capsys, ["replay", "--json", "--continuous", str(p1), str(p2)])
    assert rc == 0 and len(doc["files"]) == 1
    g = {x["game_id"]: x for x in doc["files"][0]["games"]}["20251215-0229cacf684f458c"]
    assert (g["rug_tick"], g["complete"]) == (99, True)
    rc, doc = _json(capsys, ["replay", "--json", str(p1), str(p2)])
    second = {x["game_id"]: x for x in doc["files"][1]["games"]}["20251215-0229cacf684f458c"]
    assert second["complete"] is False


def test_replay_directory(capsys: pytest.CaptureFixture[str], real_dir: Path) -> None:
    rc, doc = _json(capsys, ["replay", "--json", str(real_dir / "captures")])
    assert rc == 0
    assert [Path(f["path"]).name for f in doc["files"]] == [RAW, CDP]
    assert doc["totals"]["frames"] == 973


def test_directory_order_puts_rotated_parts_after_their_first_file(tmp_path: Path) -> None:
    from bot.commands.replay import expand

    names = [
        "rec.2.jsonl.gz",
        "rec.jsonl.gz",
        "rec.1.jsonl.gz",
        "other.jsonl",
        "notes.txt",
        "a.10.jsonl",
        "a.9.jsonl",
    ]
    for n in names:
        (tmp_path / n).write_text("")
    assert [p.name for p in expand([tmp_path])] == [
        "a.9.jsonl",
        "a.10.jsonl",
        "other.jsonl",
        "rec.jsonl.gz",
        "rec.1.jsonl.gz",
        "rec.2.jsonl.gz",
    ]


def test_replay_of_a_may_2025_recording_sees_every_game(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16.5: cooldown frames carrying the next game's id and repeating the rug are not that game's rug."""
    from tests.fair import may2025

    played = may2025.games(4)
    rc, doc = _json(capsys, ["replay", "--json", str(may2025.FIXTURE)])
    assert rc == 0
    f = doc["files"][0]
    games = {g["game_id"]: g for g in f["games"]}
    for g in played:
        seen = games[g.game_id]
        assert (seen["rug_tick"], seen["complete"], seen["first_tick_seen"]) == (g.rug_index, True, 0)
        assert [p for p, _ in seen["phases"]] == ["COOLDOWN", "PRESALE", "ACTIVE", "RUGGED"]
    assert (doc["totals"]["games_finished"], doc["totals"]["games_complete"]) == (4, 4)
    assert f["signals"]["TickAdvanced"] == sum(g.rug_index for g in played)
    assert f["counters"]["rugged_cooldown"] == 40 and f["counters"]["dropped"] == {}
    assert doc["totals"]["dropped"] == doc["totals"]["drift"] == 0
    assert main(["replay", str(may2025.FIXTURE)]) == 0
    text = capsys.readouterr().out
    assert "cooldown frames saying rugged (May 2025)" in text and "dropped frames" in text


def test_human_output_prints_the_feed_as_text_not_markup(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a relative path: the heading is cut to the console's width, and a long tmp_path (as under pytest-xdist)
    # would cut the file name itself
    monkeypatch.chdir(tmp_path)
    path = Path("[bold]odd.jsonl")
    path.write_text(json.dumps({"t": 1.0, "dir": "in", "frame": '42["[red]x[/red]",{}]'}) + "\n")
    assert main(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert "[bold]odd" in out and "[red]x[/red]" in out
