"""docs/ARCHITECTURE.md says what the code is: every path it names exists, and every package and module of bot/
is in its tables (a module added, moved or removed without the map redrawn fails here)."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "ARCHITECTURE.md"
ROOTS = ("bot/", "tests/", "bench/", "docs/", "profiles/", "strategies/", "scripts/")
# `path` or `path::test_name`, as the doc writes them in backticks
PATH = re.compile(r"`((?:" + "|".join(re.escape(r) for r in ROOTS) + r")[^`\s:]*)(?:::\w+)?`")


def named_paths() -> list[str]:
    return sorted(set(PATH.findall(DOC.read_text(encoding="utf-8"))))


def exists(pattern: str) -> bool:
    if any(c in pattern for c in "*?["):
        return any(REPO.glob(pattern))
    return (REPO / pattern).exists()


def covered(module: str, patterns: list[str]) -> bool:
    """Named by its path or by a glob (``bot/store/*.py``); a folder's name alone covers nothing."""
    return any(module == p or ("*" in p and p.endswith(".py") and fnmatch(module, p)) for p in patterns)


def test_the_doc_names_paths() -> None:
    """The extraction itself works (a regex that matched nothing would make the other tests pass vacuously)."""
    paths = named_paths()
    assert "bot/app/assembly.py" in paths and "tests/risk/test_guard_scenarios.py" in paths
    assert len(paths) > 100


def test_every_path_named_exists() -> None:
    missing = [p for p in named_paths() if not exists(p)]
    assert missing == [], f"docs/ARCHITECTURE.md names paths that do not exist: {missing}"


def test_every_test_named_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for path, name in re.findall(r"`(tests/[^`\s:]+\.py)::(\w+)`", text):
        source = (REPO / path).read_text(encoding="utf-8")
        if not re.search(rf"^(?:async )?def {name}\(", source, re.MULTILINE):
            missing.append(f"{path}::{name}")
    assert missing == []


def test_every_package_of_bot_is_mentioned() -> None:
    text = DOC.read_text(encoding="utf-8")
    packages = sorted(
        p.relative_to(REPO).as_posix()
        for p in (REPO / "bot").rglob("*")
        if p.is_dir() and "__pycache__" not in p.parts and any(p.glob("*.py"))
    )
    assert "bot/risk/guards" in packages
    missing = [p for p in packages if f"`{p}/" not in text]
    assert missing == [], f"packages of bot/ not in docs/ARCHITECTURE.md: {missing}"


def test_every_module_of_bot_is_in_the_tables() -> None:
    patterns = named_paths()
    modules = sorted(
        p.relative_to(REPO).as_posix()
        for p in (REPO / "bot").rglob("*.py")
        if "__pycache__" not in p.parts and not (p.name == "__init__.py" and p.stat().st_size < 400)
    )
    missing = [m for m in modules if not covered(m, patterns)]
    assert missing == [], f"modules of bot/ not in docs/ARCHITECTURE.md: {missing}"
