"""Render the numbers of an operator-model run (the JSON report of ``-m model``) as the markdown table of the
"Operator model" section of docs/BENCHMARKS.md (docs/bench/model.md)::

    .venv/bin/python -m tests.model.section /path/to/model-report.json
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_KINDS = (
    ("practice runs", r"\. run --practice "),
    ("dry-runs", r"\. run --dry-run "),
    ("  stopped by --games N", r"stop: --games \d+(?!, a second)"),
    ("  --games N with a second run started on the same data directory", r"a second run started"),
    ("  SIGINT", r"stop: SIGINT"),
    ("  SIGTERM", r"stop: SIGTERM"),
    ("  SIGKILL", r"stop: SIGKILL"),
    ("  the signal to the whole process group (terminal Ctrl-C, systemd)", r"SIG\w+(?: twice)? to the group"),
    ("  the signal sent twice", r"SIG\w+ twice"),
    ("  `rugsbot halt` from another terminal during the run", r"stop: rugsbot halt at"),
    (
        "  practice runs refused at the start (halted)",
        r"\. run --practice .* -> exit 3 in \d+ s \(moment not seen; None",
    ),
    ("`rugsbot halt`", r"\. rugsbot halt ->"),
    ("`rugsbot resume`", r"\. rugsbot resume ->"),
)
_MOMENT = re.compile(r" at (startup|armed|intent|click|settled)\+")


def numbers(report: dict[str, Any]) -> str:
    reps = report["reports"]
    steps = [s for r in reps for s in r["steps"]]
    kinds = Counter({name: sum(1 for s in steps if re.search(rx, s)) for name, rx in _KINDS})
    moments = Counter(m.group(1) for s in steps if (m := _MOMENT.search(s)))
    exits: Counter[str] = Counter()
    for r in reps:
        exits.update(r["exits"])
    wall = sum(r["wall_s"] for r in reps)
    rows = [
        ("sequences (one simulator, one data directory each)", len(reps)),
        ("steps", len(steps)),
        *((k, v) for k, v in kinds.items()),
        ("stop moments (signal or halt)", ", ".join(f"{k} {v}" for k, v in sorted(moments.items()))),
        (
            "run exit codes",
            ", ".join(f"{k}: {v}" for k, v in sorted(exits.items(), key=lambda kv: int(kv[0]))),
        ),
        ("invariant checks (after every step: exit code, untouched bets, each invariant)", report["checks"]),
        (
            "bets in the databases at the end (all held against the server's book)",
            sum(r["bets"] for r in reps),
        ),
        ("sequences with a violation", report["violations"]),
        ("notes (not violations)", sum(len(r["notes"]) for r in reps)),
        ("wall time", f"{wall / 60:.1f} min ({wall / max(1, len(steps)):.1f} s per step)"),
    ]
    out = ["| measure | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(out)


def main() -> None:
    print(numbers(json.loads(Path(sys.argv[1]).read_text())))


if __name__ == "__main__":
    main()
