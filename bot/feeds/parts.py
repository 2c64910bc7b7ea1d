"""Rotated recordings: a recording is its first file and its parts (``name.1.jsonl``, ``name.2.jsonl`` …),
and a command line names recordings by file or by folder."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["RECORDING_SUFFIXES", "part_order", "part_path", "recording_groups", "recording_parts"]

RECORDING_SUFFIXES = (".jsonl", ".jsonl.gz")
_PART_RE = re.compile(r"^(.*?)(?:\.(\d+))?(\.jsonl(?:\.gz)?)$")


def recording_parts(path: str | Path) -> list[Path]:
    """The file itself followed by its rotated parts (``name.1.jsonl``, ``name.2.jsonl`` …) that exist."""
    first = Path(path)
    parts = [first] if first.exists() else []
    n = 1
    while True:
        p = part_path(first, n)
        if not p.exists():
            return parts
        parts.append(p)
        n += 1


def part_order(path: Path) -> tuple[str, int, str]:
    """Sort key: ``rec.jsonl`` < ``rec.1.jsonl`` < ``rec.2.jsonl`` (name order would put the parts first)."""
    m = _PART_RE.match(path.name)
    if m is None:
        return (path.name, 0, "")
    return (m.group(1), int(m.group(2) or 0), m.group(3))


def recording_groups(paths: Iterable[str | Path]) -> tuple[list[list[Path]], list[str]]:
    """The recordings named by ``paths``, each as its file followed by its rotated parts (one feed), and the
    paths that do not exist. A directory means every recording in it (``.jsonl`` / ``.jsonl.gz``); a file
    is taken whatever its name. A file named twice is read once."""
    groups: list[list[Path]] = []
    missing: list[str] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(
                (f for f in p.iterdir() if f.is_file() and f.name.endswith(RECORDING_SUFFIXES)),
                key=part_order,
            )
            by_base: dict[tuple[str, str], list[Path]] = {}
            for f in files:
                base, _, suffix = part_order(f)
                by_base.setdefault((base, suffix), []).append(f)
            candidates = list(by_base.values())
        elif p.is_file():
            candidates = [recording_parts(p) or [p]]
        else:
            missing.append(str(raw))
            continue
        for group in candidates:
            fresh = [f for f in group if f not in seen]
            seen.update(fresh)
            if fresh:
                groups.append(fresh)
    return groups, missing


def _split_suffix(path: Path) -> tuple[str, str]:
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl", ".gz"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], suffix
    return name, ""


def part_path(first: Path, n: int) -> Path:
    """The path of part ``n`` of the recording whose first file is ``first``."""
    stem, suffix = _split_suffix(first)
    return first.with_name(f"{stem}.{n}{suffix}")
