"""Machines for doctor: a clean working directory, real small filesystems, an unprivileged user."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

NOBODY = 65534


@pytest.fixture()
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working directory with every path the settings use pointing inside it."""
    monkeypatch.chdir(tmp_path)
    for var in list(os.environ):
        if var.startswith("RUGSBOT_"):
            monkeypatch.delenv(var)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RUGSBOT_BROWSER_PROFILE_DIR", str(tmp_path / "var" / "profile"))
    monkeypatch.setenv("RUGSBOT_RECORDINGS_DIR", str(tmp_path / "recordings"))
    return tmp_path


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A real tmpfs of ``size`` mounted at ``where`` (root only; the caller skips otherwise)."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def remount_read_only(where: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True, capture_output=True)


@pytest.fixture()
def shared_dir() -> Iterator[Path]:
    """A folder an unprivileged user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="rbdoctor", dir="/tmp"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        for p in [path, *path.rglob("*")]:  # undo chmods and immutable flags so it can be removed
            with contextlib.suppress(OSError):
                subprocess.run(["chattr", "-i", str(p)], capture_output=True)
                if p.is_dir():
                    p.chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def as_nobody() -> Iterator[None]:
    """Run the body with the effective user and group ``nobody`` (65534): root passes every permission
    check, an operator does not. Only the effective ids change, so root takes them back afterwards; the
    code under test asks with ``os.access(..., effective_ids=True)``. Skips unless this process is root."""
    if os.geteuid() != 0:
        pytest.skip("needs root to act as another user")
    os.setegid(NOBODY)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def chattr_immutable(path: Path) -> None:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not possible here: {done.stderr.strip()}")
