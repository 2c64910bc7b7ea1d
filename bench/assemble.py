"""Collect every benchmark's markdown section (docs/bench/*.md) into docs/BENCHMARKS.md.

Each bench script writes its own section; this keeps one page for readers without merge conflicts.
    .venv/bin/python bench/assemble.py
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ORDER = ["codec", "session", "engine", "risk", "fair", "sim", "execution", "evidence", "soak", "fuzz"]

HEADER = """# Benchmarks

Measured on the project's machine: 2 cores (AMD EPYC, x86_64), 24 GiB, Python 3.11, Debian Chromium, shared
with up to 8 other agents. Every section says when it was measured (UTC) and the load average (1/5/15 min) at its
start and end, or says that the load was not recorded; a section not re-run after the last restructuring says so
and gives its date. With 2 cores and a load of 5–16, p99s and wall rates move severalfold between runs: read
ratios, medians and the paired runs (new code against the code a section was last measured on, alternating) that
the re-run notes give. Each section below is written by its script in `bench/`; re-run a script to refresh its
section, then `python bench/assemble.py`. The table gives each target's newest measurement and its load.

| target (from the issues) | result | section |
|---|---|---|
{targets}
"""


def main() -> None:
    parts = {p.stem: p.read_text().strip() for p in sorted((REPO / "docs/bench").glob("*.md"))}
    names = [n for n in ORDER if n in parts] + sorted(n for n in parts if n not in ORDER)
    targets_file = REPO / "docs/bench/targets.txt"
    targets = targets_file.read_text().strip() if targets_file.exists() else "| (see sections) | | |"
    body = "\n\n".join(parts[n] for n in names)
    (REPO / "docs/BENCHMARKS.md").write_text(HEADER.format(targets=targets) + "\n" + body + "\n")
    print(f"docs/BENCHMARKS.md: {len(names)} sections ({', '.join(names)})")


if __name__ == "__main__":
    main()
