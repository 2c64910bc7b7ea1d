"""Codec + tracker throughput on the real captures (``python bench/bench_codec.py [--passes N] [--write]``).

What is measured: the decision path's feed half — ``GameTracker.on_frame`` (which runs the Socket.IO
codec and the typed event decoder) plus building ``tracker.view`` after every frame, exactly what
``TradingLoop.on_frame`` does — over every frame of both real captures, repeated ``--passes`` times with a
fresh tracker per pass. Frames are classified once up front (untimed) as:

* tick frames: incoming ``gameStateUpdate`` without ``gameHistory`` that advance an ACTIVE game,
* history frames: the ~300 KB ``gameHistory`` transition frames (passed on raw, never parsed),
* other: cooldown/presale frames, trades, chat, account events, outgoing frames.

Per-frame times come from ``perf_counter_ns`` around each call (≈ 0.1 µs of the figure is the timer);
a frame's cost is its median over the passes and throughput is given for the best and the median pass,
because the machine is shared and a single pass can be slowed by other jobs.
A codec-only pass (``decode`` + ``decode_event``) is reported for reference.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_sections import load_average, measured_line  # noqa: E402

from bot.feeds.recording import RecordedFrame, read_recording  # noqa: E402
from bot.game.signals import TickAdvanced  # noqa: E402
from bot.game.tracker import GameTracker  # noqa: E402
from bot.protocol.events import decode_event  # noqa: E402
from bot.protocol.frames import Packet, SioType, decode  # noqa: E402

CAPTURES = sorted((ROOT / "tests" / "fixtures" / "real" / "captures").glob("*.frames.jsonl.gz"))


def classify(frames: list[RecordedFrame]) -> list[str]:
    tr = GameTracker()
    kinds = []
    for f in frames:
        sigs = tr.on_frame(f.t, f.dir, f.frame)
        if (
            f.dir == "in"
            and '"gameHistory"' in f.frame[:200_000]
            and f.frame.startswith('42["gameStateUpdate"')
        ):
            kinds.append("history")
        elif any(isinstance(s, TickAdvanced) for s in sigs):
            kinds.append("tick")
        else:
            kinds.append("other")
    return kinds


def pct(xs: list[int], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))] / 1000.0  # µs


def run(passes: int) -> dict[str, object]:
    frames: list[RecordedFrame] = []
    kinds: list[str] = []
    for p in CAPTURES:
        fr = list(read_recording(p))
        frames.extend(fr)
        kinds.extend(classify(fr))
    n = len(frames)
    per_frame: list[list[int]] = [[] for _ in range(n)]
    pass_all: list[int] = []
    pass_tick: list[int] = []
    gc.collect()
    for _ in range(passes):
        tr = GameTracker()
        tot = tick_tot = 0
        for i, f in enumerate(frames):
            t0 = time.perf_counter_ns()
            tr.on_frame(f.t, f.dir, f.frame)
            tr.view  # noqa: B018 - the session reads the view after every frame
            dt = time.perf_counter_ns() - t0
            per_frame[i].append(dt)
            tot += dt
            if kinds[i] == "tick":
                tick_tot += dt
        assert tr.counters.internal_errors == 0
        pass_all.append(tot)
        pass_tick.append(tick_tot)
    codec_all: list[int] = []
    codec_tick: list[int] = []
    for _ in range(passes):
        tot = tick_tot = 0
        for f, k in zip(frames, kinds, strict=True):
            t0 = time.perf_counter_ns()
            pkt = decode(f.frame)
            if isinstance(pkt, Packet) and pkt.sio is SioType.EVENT:
                decode_event(pkt)
            dt = time.perf_counter_ns() - t0
            tot += dt
            if k == "tick":
                tick_tot += dt
        codec_all.append(tot)
        codec_tick.append(tick_tot)
    # per-frame cost = its median over the passes (robust to other jobs on a shared machine)
    med = [statistics.median(x) for x in per_frame]
    by_kind = {
        k: [int(m) for m, kk in zip(med, kinds, strict=True) if kk == k] for k in ("tick", "history", "other")
    }
    n_tick = len(by_kind["tick"])
    sizes = {
        k: statistics.mean(len(f.frame) for f, kk in zip(frames, kinds, strict=True) if kk == k)
        for k in ("tick", "history", "other")
    }
    return {
        "frames_per_pass": n,
        "tick_frames_per_pass": n_tick,
        "history_frames_per_pass": len(by_kind["history"]),
        "passes": passes,
        "all_frames_per_s": n / (min(pass_all) / 1e9),
        "all_frames_per_s_median_pass": n / (statistics.median(pass_all) / 1e9),
        "tick_frames_per_s": n_tick / (min(pass_tick) / 1e9),
        "tick_frames_per_s_median_pass": n_tick / (statistics.median(pass_tick) / 1e9),
        "tick_p50_us": pct(by_kind["tick"], 0.50),
        "tick_p99_us": pct(by_kind["tick"], 0.99),
        "history_p50_us": pct(by_kind["history"], 0.50),
        "history_max_us": max(by_kind["history"]) / 1000.0,
        "other_p50_us": pct(by_kind["other"], 0.50),
        "codec_all_frames_per_s": n / (min(codec_all) / 1e9),
        "codec_tick_frames_per_s": n_tick / (min(codec_tick) / 1e9),
        "mean_bytes": sizes,
    }


def bench_recording(passes: int) -> dict[str, float]:
    """Per-frame cost of RecordingWriter.write (anonymising on, ids made to look like live Privy ids)."""
    import tempfile

    from bot.feeds.recording import Anonymizer, RecordingWriter

    frames = [
        f.frame.replace("did:anon:", "did:privy:cm").replace('"username":"player_', '"username":"Real')
        for p in CAPTURES
        for f in read_recording(p)
        if len(f.frame) < 50_000
    ]
    out: dict[str, float] = {}
    anon = Anonymizer()
    best = min(_timed(lambda: [anon(x) for x in frames]) for _ in range(max(3, passes // 3)))
    out["anonymize_us"] = best / len(frames) * 1e6
    with tempfile.TemporaryDirectory() as d:
        for suffix in (".jsonl", ".jsonl.gz"):
            runs = []
            for i in range(max(3, passes // 3)):
                with RecordingWriter(Path(d) / f"r{i}{suffix}", {"bench": True}) as w:
                    runs.append(_timed(lambda w=w: [w.write(1.0, "in", x) for x in frames]))
            out[f"write{suffix}_us"] = min(runs) / len(frames) * 1e6
    out["frames"] = float(len(frames))
    return out


def _timed(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, Python {platform.python_version()}, {platform.system()} {platform.release()}"


def markdown(r: dict[str, object], rec: dict[str, float], when: str) -> str:
    sizes = r["mean_bytes"]
    assert isinstance(sizes, dict)
    return f"""## Codec + tracker throughput (bench/bench_codec.py)

{when} {machine()}; numbers are a floor, not a peak.
Input: both real captures in tests/fixtures/real/captures ({r["frames_per_pass"]} frames a pass:
{r["tick_frames_per_pass"]} tick frames, {r["history_frames_per_pass"]} `gameHistory` frames), {r["passes"]} passes,
fresh `GameTracker` each pass; a frame's cost is its median over the passes. Timed: `tracker.on_frame(t, dir, text)` (codec + typed events + tracker) plus
reading `tracker.view` after every frame, as the session does. Mean frame sizes: tick {sizes["tick"]:.0f} B,
history {sizes["history"]:.0f} B, other {sizes["other"]:.0f} B.

| measure | value |
|---|---|
| tick frames/s (codec + tracker + view), best pass | **{r["tick_frames_per_s"]:,.0f}** (target ≥ 50,000) |
| tick frames/s, median pass | {r["tick_frames_per_s_median_pass"]:,.0f} |
| all frames/s (incl. 300 KB history frames), best / median pass | {r["all_frames_per_s"]:,.0f} / {r["all_frames_per_s_median_pass"]:,.0f} |
| tick frame p50 / p99 | {r["tick_p50_us"]:.1f} µs / {r["tick_p99_us"]:.1f} µs |
| history frame p50 / max | {r["history_p50_us"]:.0f} µs / {r["history_max_us"]:.0f} µs |
| other frames p50 | {r["other_p50_us"]:.1f} µs |
| codec only (decode + decode_event), tick frames/s | {r["codec_tick_frames_per_s"]:,.0f} |
| codec only, all frames/s | {r["codec_all_frames_per_s"]:,.0f} |

Recording (same frames minus the history frames, ids rewritten to look like live `did:privy:` ids, so
the anonymiser has real work; best of several passes over {rec["frames"]:.0f} frames): anonymise
{rec["anonymize_us"]:.1f} µs/frame; `RecordingWriter.write` with anonymisation and a flush per line
{rec["write.jsonl_us"]:.1f} µs/frame (`.jsonl`), {rec["write.jsonl.gz_us"]:.1f} µs/frame (`.jsonl.gz`, sync-flushed
gzip). The live feed brings ~4–10 frames/s, so recording costs well under 0.2 % of a core.

A history frame costs one scan by the codec (the `gameHistory` array stays `msgspec.Raw` and is handed
to the auditor off the decision path); at ~2 such frames a game it does not stall the tick path
(a tick arrives every ~250 ms; a history frame takes well under 1 ms).
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--passes", type=int, default=30)
    ap.add_argument("--write", action="store_true", help="write docs/bench/codec.md")
    args = ap.parse_args()
    load_start = load_average()
    r = run(args.passes)
    rec = bench_recording(args.passes)
    when = measured_line(load_start)
    md = markdown(r, rec, when)
    print(md)
    if args.write:
        out = ROOT / "docs" / "bench" / "codec.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(md)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
