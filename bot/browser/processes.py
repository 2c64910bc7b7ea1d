"""The browser's processes, found from /proc: its main pid (to kill it in tests and the soak) and the RSS of all
of them (the watchdog's memory limit).

Why /proc and not psutil: the bot runs on Linux servers only (Chromium, Xvfb, the systemd service of
docs/OPERATIONS.md), and every Chromium process of one profile carries ``--user-data-dir=<dir>`` on its command
line (the browser, zygotes, renderers, GPU and utility processes; the browser is the one without ``--type=``),
so one scan of /proc finds them without a dependency. Chromium rewrites its argv into one space-separated
string, so the flag is matched as a token in either form. RSS counts shared pages in every process that maps
them, so the sum overstates the real footprint; it is a stable measure of growth, which is what a limit needs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class BrowserProcess:
    pid: int
    main: bool  # the browser process itself (no ``--type=``)


def browser_processes(user_data_dir: Path, *, proc: Path = PROC) -> list[BrowserProcess]:
    """Every live process whose command line has ``--user-data-dir=<user_data_dir>`` (resolved path)."""
    flag = re.compile(
        rb"--user-data-dir=" + re.escape(str(Path(user_data_dir).resolve()).encode()) + rb"(?:[\0 ]|$)"
    )
    out: list[BrowserProcess] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if flag.search(cmdline):
            out.append(BrowserProcess(int(entry.name), b"--type=" not in cmdline))
    return out


def main_pid(user_data_dir: Path) -> int | None:
    """The browser process's pid (the one to SIGKILL to crash the browser), or ``None`` when none runs."""
    mains = [p.pid for p in browser_processes(user_data_dir) if p.main]
    return min(mains) if mains else None


def rss_kb(pid: int, *, proc: Path = PROC) -> int:
    """Resident set size of one process in KiB (0 when it is gone)."""
    try:
        for line in (proc / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def browser_rss_mb(user_data_dir: Path) -> float | None:
    """Sum of the RSS of all the browser's processes, MiB; ``None`` when no process is found (no /proc)."""
    procs = browser_processes(user_data_dir)
    if not procs:
        return None
    return sum(rss_kb(p.pid) for p in procs) / 1024


def pid_running(pid: int) -> bool:
    """A process with this pid exists and is not a zombie (a killed browser stays a zombie until reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state = stat.rsplit(")", 1)[-1].split()[:1]
    return state not in (["Z"], ["X"])
