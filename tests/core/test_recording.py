"""Recording format: round trip, gzip, rotation, crash leftovers, anonymisation."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bot.feeds.recording import (
    RecordedFrame,
    RecordingReader,
    RecordingWriter,
    anonymize_frame,
    iter_frames,
    read_recording,
    recording_parts,
)

RAW_CAPTURE = "2025-12-12_17-16-58_raw.frames.jsonl.gz"
CDP_CAPTURE = "2025-12-15_00-39-17_cdp.frames.jsonl.gz"


@pytest.mark.parametrize(
    ("name", "frames", "first_dir"), [(RAW_CAPTURE, 554, "in"), (CDP_CAPTURE, 419, "out")]
)
def test_real_captures_read_completely(real_dir: Path, name: str, frames: int, first_dir: str) -> None:
    reader = RecordingReader(real_dir / "captures" / name)
    got = list(reader)
    assert len(got) == frames
    assert reader.bad_lines == []
    assert reader.header is None
    assert got[0].dir == first_dir
    assert all(isinstance(f, RecordedFrame) and f.dir in ("in", "out") for f in got)
    assert [f.t for f in got] == sorted(f.t for f in got) or name == CDP_CAPTURE


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_round_trip_exact(tmp_path: Path, real_dir: Path, suffix: str) -> None:
    src = list(read_recording(real_dir / "captures" / CDP_CAPTURE))
    path = tmp_path / f"rec{suffix}"
    with RecordingWriter(path, {"bot": "test", "profile": "x"}, anonymize=False) as w:
        for f in src:
            w.write(f.t, f.dir, f.frame)
    assert w.closed
    reader = RecordingReader(path)
    back = list(reader)
    assert back == src
    assert reader.header == {"bot": "test", "profile": "x"}
    assert reader.bad_lines == []
    if suffix.endswith(".gz"):
        with gzip.open(path, "rt") as fh:  # a real gzip file, readable by the standard tools
            assert json.loads(fh.readline()) == {"header": {"bot": "test", "profile": "x"}}


def test_every_line_is_flushed_before_close(tmp_path: Path) -> None:
    """A crash (no close) loses nothing already written: the file is readable while still open."""
    for suffix in (".jsonl", ".jsonl.gz"):
        path = tmp_path / f"open{suffix}"
        w = RecordingWriter(path, {}, anonymize=False)
        for i in range(5):
            w.write(100.0 + i, "in", f'42["e",{i}]')
        reader = RecordingReader(path)
        got = list(reader)
        assert [f.t for f in got] == [100.0, 101.0, 102.0, 103.0, 104.0], suffix
        w.close()


def test_truncated_gzip_yields_good_part(tmp_path: Path, real_dir: Path) -> None:
    src = list(read_recording(real_dir / "captures" / RAW_CAPTURE))
    full = tmp_path / "full.jsonl.gz"
    with RecordingWriter(full, {}, anonymize=False) as w:
        for f in src:
            w.write(f.t, f.dir, f.frame)
    data = full.read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    reader = RecordingReader(cut)
    got = list(reader)
    assert 50 < len(got) < len(src)
    assert got == src[: len(got)]  # exactly a prefix, nothing garbled
    assert reader.bad_lines and reader.bad_lines[-1][1].startswith(("truncated", "bad json"))


def test_truncated_real_capture_gzip(tmp_path: Path, real_dir: Path) -> None:
    data = (real_dir / "captures" / RAW_CAPTURE).read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: int(len(data) * 0.7)])
    reader = RecordingReader(cut)
    got = list(reader)
    assert 0 < len(got) < 554
    assert reader.bad_lines


CORRUPT = [
    ("not json", b"this is not json"),
    ("half line", b'{"t": 1.0, "dir": "in", "fra'),
    ("bad dir", b'{"t": 1.0, "dir": "sideways", "frame": "2"}'),
    ("missing frame", b'{"t": 1.0, "dir": "in"}'),
    ("t not number", b'{"t": "x", "dir": "in", "frame": "2"}'),
    ("frame not str", b'{"t": 1.0, "dir": "in", "frame": 5}'),
    ("late header", b'{"header": {"a": 1}}'),
    ("bad utf8", b'{"t": 1.0, "dir": "in", "frame": "\xff\xfe"}'),
    ("array", b"[1,2,3]"),
]


@pytest.mark.parametrize(("label", "bad"), CORRUPT, ids=[c[0] for c in CORRUPT])
def test_corrupt_line_mid_file_is_skipped_and_reported(tmp_path: Path, label: str, bad: bytes) -> None:
    good1 = b'{"t": 1.5, "dir": "in", "frame": "2"}'
    good2 = b'{"t": 2.5, "dir": "out", "frame": "3"}'
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"header": {"v": 1}}\n' + good1 + b"\n" + bad + b"\n" + good2 + b"\n")
    reader = RecordingReader(path)
    got = list(reader)
    assert got == [RecordedFrame(1.5, "in", "2"), RecordedFrame(2.5, "out", "3")], label
    assert [n for n, _ in reader.bad_lines] == [3], label
    assert reader.header == {"v": 1}


def test_missing_file_reports_instead_of_raising(tmp_path: Path) -> None:
    reader = RecordingReader(tmp_path / "nope.jsonl")
    assert list(reader) == []
    assert reader.bad_lines[0][0] == 0


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_rotation_parts_in_order(tmp_path: Path, real_dir: Path, suffix: str) -> None:
    src = list(read_recording(real_dir / "captures" / RAW_CAPTURE))
    path = tmp_path / f"rot{suffix}"
    with RecordingWriter(path, {"run": 7}, anonymize=False, rotate_bytes=150_000) as w:
        for f in src:
            w.write(f.t, f.dir, f.frame)
    parts = recording_parts(path)
    assert parts == w.paths
    assert len(parts) >= 3
    assert parts[1].name == f"rot.1{suffix}"
    assert list(iter_frames(parts)) == src
    headers = [RecordingReader(p) for p in parts]
    for i, r in enumerate(headers):
        list(r)
        assert r.header == ({"run": 7} if i == 0 else {"run": 7, "part": i})


ANON = [
    # (frame, own id, must contain, must not contain)
    ('42["playerUpdate",{"id":"did:privy:cm1abcdEF"}]', None, ["did:anon:"], ["cm1abcdEF"]),
    (
        '42["playerUpdate",{"id":"did:privy:cm1abcdEF"}]',
        "did:privy:cm1abcdEF",
        ["did:privy:cm1abcdEF"],
        ["did:anon"],
    ),
    (
        '42["x",{"playerId":"did:key:z6Mk123","username":"RealName"}]',
        None,
        ["player_", "did:anon:"],
        ["RealName", "z6Mk123"],
    ),
    ('42["x",{"username":"quo\\"ted"}]', None, ["player_"], ["quo"]),
    ('42["x",{"username":null}]', None, ['"username":null'], []),
    (
        '42["x",{"id":"did:anon:0123456789abcdef","username":"player_0123abcd"}]',
        None,
        ["did:anon:0123456789abcdef", "player_0123abcd"],
        [],
    ),
    ("2", None, ["2"], []),
]


@pytest.mark.parametrize(("frame", "own", "present", "absent"), ANON)
def test_anonymize_table(frame: str, own: str | None, present: list[str], absent: list[str]) -> None:
    out = anonymize_frame(frame, own)
    for s in present:
        assert s in out
    for s in absent:
        assert s not in out
    assert anonymize_frame(out, own) == out  # idempotent
    if frame.startswith("42"):
        json.loads(out[2:])  # still valid JSON


def test_anonymize_is_stable_and_distinct() -> None:
    a1 = anonymize_frame('{"id":"did:privy:aaa","username":"alice"}')
    a2 = anonymize_frame('{"id":"did:privy:aaa","username":"alice"}')
    b = anonymize_frame('{"id":"did:privy:bbb","username":"bob"}')
    assert a1 == a2
    assert json.loads(a1)["id"] != json.loads(b)["id"]
    assert len(json.loads(a1)["id"]) == len("did:anon:") + 16
    assert len(json.loads(a1)["username"]) == len("player_") + 8


def test_writer_anonymizes_by_default_but_keeps_own(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    with RecordingWriter(path, {}, own_player_id="did:privy:me") as w:
        w.write(1.0, "in", '42["playerUpdate",{"id":"did:privy:me","username":"MyName"}]')
        w.write(
            2.0, "in", '42["gameStateUpdate",{"leaderboard":[{"id":"did:privy:other","username":"Them"}]}]'
        )
    text = path.read_text()
    assert "did:privy:me" in text
    assert "did:privy:other" not in text and "Them" not in text and "MyName" not in text


def test_writer_rejects_bad_direction(tmp_path: Path) -> None:
    with RecordingWriter(tmp_path / "d.jsonl", {}) as w, pytest.raises(ValueError):
        w.write(1.0, "both", "2")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_disk_full_stops_recording_without_raising(tmp_path: Path) -> None:
    path = tmp_path / "full.jsonl"
    w = RecordingWriter(path, {}, anonymize=False)
    w.write(1.0, "in", "2")
    assert w._raw is not None
    w._raw.close()
    w._raw = w._out = open("/dev/full", "wb")  # noqa: SIM115 - the disk fills up mid-run
    w.write(2.0, "in", "3")  # must not raise
    w.write(3.0, "in", "2")
    assert w.failed is not None and "No space" in w.failed
    assert (w.frames_written, w.dropped) == (1, 2)
    w.close()
    assert [f.t for f in read_recording(path)] == [1.0]


def test_format_is_sniffed_not_taken_from_the_name(tmp_path: Path, real_dir: Path) -> None:
    gz_named_plain = tmp_path / "capture.jsonl"
    gz_named_plain.write_bytes((real_dir / "captures" / CDP_CAPTURE).read_bytes())
    plain_named_gz = tmp_path / "capture2.jsonl.gz"
    plain_named_gz.write_text('{"t": 1.0, "dir": "in", "frame": "2"}\n')
    r1, r2 = RecordingReader(gz_named_plain), RecordingReader(plain_named_gz)
    assert len(list(r1)) == 419 and r1.bad_lines == []
    assert list(r2) == [RecordedFrame(1.0, "in", "2")] and r2.bad_lines == []


def test_secret_looking_header_values_are_masked(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    with RecordingWriter(path, {"profile": "live", "wallet_password": "hunter2", "apiKey": "k-123"}) as w:
        w.write(1.0, "in", "2")
    text = path.read_text()
    assert "hunter2" not in text and "k-123" not in text
    reader = RecordingReader(path)
    list(reader)
    assert reader.header == {"profile": "live", "wallet_password": "***", "apiKey": "***"}
