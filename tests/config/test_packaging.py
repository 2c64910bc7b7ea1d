"""Packaging metadata: the license as an SPDX expression, which setuptools ≥ 77 reads without the
SetuptoolsDeprecationWarning a ``{ text = "MIT" }`` table prints on every build (checked by hand with a fresh
``pip wheel --no-deps .``; a build in a test would need the package index)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_license_is_an_spdx_string_and_the_build_backend_reads_it() -> None:
    doc = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert doc["project"]["license"] == "MIT"
    setuptools = next(r for r in doc["build-system"]["requires"] if r.startswith("setuptools"))
    m = re.fullmatch(r"setuptools>=(\d+)", setuptools)
    assert m is not None and int(m.group(1)) >= 77  # PEP 639 license expressions
    assert "license-files" not in doc["project"] or doc["project"]["license-files"]
