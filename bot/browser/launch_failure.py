"""A browser that would not start, explained in one line with Chromium's own reason.

Playwright reports every early exit of Chromium as ``TargetClosedError: Target page, context or browser has been
closed`` and appends the browser's stderr after ``Browser logs:`` (Playwright 1.65). The reason is in there, in
Chromium's log format ``[pid:tid:date:LEVEL:file.cc:line] message``, among noise (the distribution's wrapper
script, "Can't open display" once the browser is already going down). This module picks the reason out so the
operator reads, e.g., "The profile appears to be in use by another Chromium process (4242) on another computer
(otherbox)" instead of a traceback.
"""

from __future__ import annotations

import re

from bot.browser.errors import BrowserEnvironmentError
from bot.shorten import shorten

# [8367:8367:1130/102242.351097:ERROR:chrome/browser/process_singleton_posix.cc:367] The profile appears ...
_CHROMIUM_LOG = re.compile(r"\[\d+:\d+:[^:\]]*:(ERROR|FATAL):[^\]]*\]\s*(.+)")
# "Browser logs:" lines, or the same lines in the "Call log:" ("  - [pid=N][err] …") when Playwright replaced them
_STDERR = re.compile(r"^\s*(?:-\s+)?\[pid=\d+\]\[err\]\s*(.+)$", re.MULTILINE)
_NOISE = ("unexpected operator", "Can't open display", "dbus", "DevTools listening")
MAX_CHARS = 300


class BrowserLaunchFailed(BrowserEnvironmentError):
    """Chromium exited while starting; ``reason`` is its own explanation (or Playwright's first line)."""

    def __init__(self, reason: str, executable: str) -> None:
        self.reason = reason
        super().__init__(f"the browser {executable} did not start: {reason}")


def chromium_reason(message: str) -> str:
    """The most telling line of a Playwright launch error ``message``: Chromium's first FATAL/ERROR log line,
    else its first other stderr line that is not noise, else the message's first line. At most MAX_CHARS."""
    lines = _STDERR.findall(message)
    logged = [m for line in lines if (m := _CHROMIUM_LOG.search(line))]
    for level in ("FATAL", "ERROR"):
        for m in logged:
            if m.group(1) == level:
                return _cut(m.group(2))
    for line in lines:
        if not any(n in line for n in _NOISE):
            return _cut(line)
    first = (message.strip().splitlines() or ["unknown error"])[0]
    return _cut(first)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return shorten(text, MAX_CHARS)
