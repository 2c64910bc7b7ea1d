"""``rugsbot verify`` never says OK on nothing (issue 13): every input with nothing to verify exits 1 with one
line on stderr and no OK; a path that does not exist exits 2 with one line."""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import CAPTURES
from tests.core.builders import G1, active, presale


def _empty(tmp: Path) -> Path:
    (tmp / "empty.jsonl").write_bytes(b"")
    return tmp / "empty.jsonl"


def _random_bytes(tmp: Path) -> Path:
    (tmp / "noise.jsonl.gz").write_bytes(os.urandom(4096).replace(b"\x1f\x8b", b"xx"))
    return tmp / "noise.jsonl.gz"


def _corrupt_gzip(tmp: Path) -> Path:
    (tmp / "corrupt.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(2048))
    return tmp / "corrupt.jsonl.gz"


def _truncated_gzip(tmp: Path) -> Path:
    (tmp / "cut.jsonl.gz").write_bytes(CAPTURES[0].read_bytes()[:40])  # cut before the first line ends
    return tmp / "cut.jsonl.gz"


def _text_file(tmp: Path) -> Path:
    (tmp / "notes.txt").write_text("these are my notes\nnot a recording\n")
    return tmp / "notes.txt"


def _empty_folder(tmp: Path) -> Path:
    (tmp / "recs").mkdir()
    return tmp / "recs"


def _folder_without_recordings(tmp: Path) -> Path:
    (tmp / "recs").mkdir()
    (tmp / "recs" / "readme.txt").write_text("nothing here")
    return tmp / "recs"


def _frames_without_a_reveal(tmp: Path) -> Path:
    lines = [presale(G1), *(active(G1, k) for k in range(30))]
    path = tmp / "short.frames.jsonl.gz"
    path.write_bytes(
        gzip.compress(
            "".join(
                json.dumps({"t": 1.0 + k, "dir": "in", "frame": f}) + "\n" for k, f in enumerate(lines)
            ).encode()
        )
    )
    return path


NOTHING: list[tuple[str, Callable[[Path], Path], str]] = [
    ("empty file", _empty, "no frame could be read"),
    ("random bytes", _random_bytes, "no frame could be read"),
    ("corrupt gzip", _corrupt_gzip, "no frame could be read"),
    ("truncated gzip", _truncated_gzip, "no frame could be read"),
    ("text file", _text_file, "no frame could be read"),
    ("empty folder", _empty_folder, "no recordings"),
    ("folder with no recordings", _folder_without_recordings, "no recordings"),
    ("frames but no revealed game", _frames_without_a_reveal, "no revealed game"),
]


@pytest.mark.parametrize("as_json", [False, True], ids=["human", "json"])
@pytest.mark.parametrize(("name", "make", "why"), NOTHING, ids=[n[0] for n in NOTHING])
def test_nothing_to_verify_exits_1_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    make: Callable[[Path], Path],
    why: str,
    as_json: bool,
) -> None:
    path = make(tmp_path)
    code = main(["verify", *(["--json"] if as_json else []), str(path)])
    out, err = capsys.readouterr()
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rugsbot verify: nothing to verify: ") and why in lines[0]
    assert "Traceback" not in err
    assert "OK" not in out
    if as_json:
        doc = json.loads(out)
        assert doc["games"] == 0 and doc["nothing_to_verify"]
    else:
        assert out == ""


def test_truncated_gzip_with_revealed_games_still_verifies_what_it_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A cut file is not nothing: the games it holds are checked, the damage reported (and no error line)."""
    path = tmp_path / "cut.frames.jsonl.gz"
    path.write_bytes(CAPTURES[0].read_bytes()[: CAPTURES[0].stat().st_size // 2])
    code = main(["verify", "--json", str(path)])
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert code == 0 and err == ""
    assert doc["verified"] >= 10 and doc["files"][0]["bad_lines"] == 1


@pytest.mark.parametrize("extra", [[], ["also-missing.jsonl"]], ids=["one", "two"])
def test_missing_path_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    code = main(
        ["verify", str(tmp_path / "nope.jsonl"), *[str(tmp_path / e) for e in extra], str(CAPTURES[0])]
    )
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and "no such file or directory" in lines[0] and "nope.jsonl" in lines[0]
