"""Replace one marked section of a markdown results file, so several bench scripts can share one file."""

from __future__ import annotations

import os
import time
from pathlib import Path


def replace_section(path: Path, name: str, body: str) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}\n"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail.lstrip("\n")
    else:
        text = (text.rstrip() + "\n\n" if text.strip() else "") + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def load_average() -> str:
    """The 1/5/15-minute load averages from /proc/loadavg, e.g. ``"6.1 7.2 6.0"`` (the machine is shared)."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def measured_line(load_start: str) -> str:
    """One sentence for a section: when (UTC) it was measured and the load at its start and end."""
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    return (
        f"Measured {when} (finished); load average (1/5/15 min) {load_start} at the start, {load_average()} at "
        f"the end, {os.cpu_count()} cores shared with other agents."
    )
