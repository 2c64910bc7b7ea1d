"""The live view in a real terminal: a tmux pane shows every log line above one panel, with no stale fragments.

The program (tests/ui/live_program.py) logs 100 lines through loguru while the LiveView is up; tmux renders the
bytes exactly as an operator's terminal would, and ``capture-pane`` reads back the screen and the scrollback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
N = 100
PANEL_TOP = "╭"  # the panel's top-left corner: one per drawn panel
PANEL_LINES = 14  # border, 11 rows, bottom border (the Screen the program builds)

pytestmark = pytest.mark.skipif(
    shutil.which("tmux") is None, reason="tmux is not installed (scripts/setup.sh installs it)"
)


class Pane:
    def __init__(self, sock: Path) -> None:
        self.sock = sock

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-S", str(self.sock), "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout

    def capture(self) -> list[str]:
        # -S - -E -: the whole scrollback and the screen; -J joins lines the terminal wrapped
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-E", "-").rstrip("\n").splitlines()


@pytest.fixture
def work() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rbtmux", dir="/tmp"))  # a unix socket path must stay short
    try:
        yield path
    finally:
        subprocess.run(["tmux", "-S", str(path / "s"), "kill-server"], capture_output=True, timeout=10)
        shutil.rmtree(path, ignore_errors=True)


def _start(work: Path, redirect: str = "") -> tuple[Pane, Path]:
    p = Pane(work / "s")
    hold = work / "hold"
    cmd = f"cd {ROOT} && {sys.executable} -m tests.ui.live_program {N} {hold} {redirect}; sleep 30"
    p.tmux("new-session", "-d", "-x", "120", "-y", "40", cmd)
    return p, hold


def _wait(cond: object, what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(cond) and cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _check_screen(lines: list[str]) -> None:
    logged = [ln for ln in lines if "log line " in ln]
    numbers = [int(ln.split("log line ")[1][:3]) for ln in logged]
    assert numbers == list(range(N)), f"log lines missing, repeated or out of order: {numbers}"
    warning = lines.index(logged[N // 2])
    assert logged[N // 2].split(" | ")[2].strip() == "WARNING"
    # rich folds a line wider than the terminal onto the next lines: all of it is still on screen
    after = lines[warning : lines.index(logged[N // 2 + 1])]
    assert "".join(after).endswith("wrap: " + "w" * 90), after
    tops = [i for i, ln in enumerate(lines) if ln.startswith(PANEL_TOP)]
    assert len(tops) == 1, f"{len(tops)} panels on screen (stale fragments):\n" + "\n".join(lines)
    panel = [ln for ln in lines if ln[:1] in "╭│╰"]
    assert len(panel) == PANEL_LINES, "\n".join(lines)
    assert tops[0] > lines.index(logged[-1]), "the panel must sit below every log line"
    assert f"tick / phase   {N - 1}  ACTIVE" in "\n".join(panel)  # the panel is current, not a stale copy


def test_log_lines_print_above_one_panel(work: Path) -> None:
    p, hold = _start(work)
    _wait(hold.exists, "the program to log its lines")
    _check_screen(p.capture())  # while the panel is live
    hold.unlink()
    _wait(lambda: "__END__" in p.capture(), "the program to close the view")
    lines = p.capture()
    _check_screen(lines[: lines.index("__END__")])  # and after it was closed: the last frame stays once


def test_stderr_redirected_to_a_file_keeps_the_log_lines_there(work: Path) -> None:
    p, hold = _start(work, redirect=f"2>{work / 'err.log'}")
    _wait(hold.exists, "the program to log its lines")
    hold.unlink()
    _wait(lambda: "__END__" in p.capture(), "the program to close the view")
    screen = p.capture()
    assert not [ln for ln in screen if "log line" in ln], "log lines leaked onto the terminal"
    assert sum(ln.startswith(PANEL_TOP) for ln in screen) == 1
    logged = [ln for ln in (work / "err.log").read_text().splitlines() if "log line" in ln]
    assert [int(ln.split("log line ")[1][:3]) for ln in logged] == list(range(N))
