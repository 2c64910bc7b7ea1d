"""Coverage-guided fuzzing (atheris / libFuzzer) of the codec, the event models and the tracker.

The hypothesis properties in tests/core/test_fuzz.py explore shapes we thought of; this explores what coverage
feedback finds. One input is split into a sequence of frames (``in``/``out`` direction per frame) fed to one
tracker, after every frame is also decoded on its own. A finding is any exception escaping ``decode``,
``decode_event``/``decode_ack`` or ``GameTracker.on_frame``, the tracker's last-resort guard firing
(``internal_errors``), or the process growing past ``--rss-limit-mb`` (libFuzzer's own flag). The seed corpus is
the real captured frames in tests/fixtures/real (one file per distinct frame shape).

Optional: ``pip install -e .[fuzz]`` (atheris ships manylinux wheels; nothing else in the project needs it).
    python bench/fuzz_atheris.py -max_total_time=600 -rss_limit_mb=1024
Results of the last long run are in docs/bench/fuzz.md.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from bot.game.tracker import GameTracker
    from bot.protocol.events import decode_ack, decode_event
    from bot.protocol.frames import Packet, SioType, Undecodable, decode

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "tests" / "fixtures" / "real" / "captures"
RUNS = {"inputs": 0, "frames": 0, "undecodable": 0}  # for a debugger session; libFuzzer reports the totals


def seed_corpus(directory: Path, window: int = 8) -> int:
    """Real frames: every distinct frame shape alone, and runs of consecutive frames (phase changes, rugs)."""
    frames: list[str] = []
    for p in sorted(REAL.glob("*.frames.jsonl.gz")):
        with gzip.open(p, "rt") as fh:
            frames += [f for f in (json.loads(line)["frame"] for line in fh) if len(f) < 20_000]
    seeds: dict[str, str] = {}
    for f in frames:
        seeds.setdefault(f[:40], f)
    runs = ["\n".join(frames[i : i + window]) for i in range(0, len(frames), max(1, len(frames) // 200))]
    for n, text in enumerate([*seeds.values(), *runs]):
        (directory / f"real-{n:04d}").write_text(text)
    return len(seeds) + len(runs)


def check_frame(frame: str) -> None:
    p = decode(frame)
    if not isinstance(p, Packet | Undecodable):
        raise AssertionError(f"decode returned {type(p).__name__}")
    if isinstance(p, Undecodable):
        RUNS["undecodable"] += 1
    elif p.sio is SioType.EVENT:
        decode_event(p)
    elif p.sio is SioType.ACK:
        decode_ack(p)


def test_one_input(data: bytes) -> None:
    """One input = frames separated by newlines (a leading \\x01 marks a frame the page sent), 250 ms apart."""
    tracker = GameTracker()
    t = 1_000.0
    RUNS["inputs"] += 1
    for line in data.decode("utf-8", "replace").split("\n"):
        direction, frame = ("out", line[1:]) if line.startswith("\x01") else ("in", line)
        t += 0.25
        RUNS["frames"] += 1
        check_frame(frame)
        tracker.on_frame(t, direction, frame)
        tracker.view  # noqa: B018 - building the view must not raise either
    if tracker.counters.internal_errors:
        raise AssertionError(f"tracker guard fired: {tracker.counters}")


def main() -> None:
    corpus = Path(tempfile.mkdtemp(prefix="rugsbot-fuzz-"))
    print(f"rugsbot-fuzz: {seed_corpus(corpus)} seed inputs from real captures in {corpus}", flush=True)
    atheris.Setup([sys.argv[0], *sys.argv[1:], str(corpus)], test_one_input)
    atheris.Fuzz()  # libFuzzer prints its statistics (-print_final_stats=1) and exits


if __name__ == "__main__":
    main()
