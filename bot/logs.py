"""Logging setup: readable console lines and JSON lines on disk, both labelled with the run mode, both redacted.

Why this shape:

* The operator must never mistake a LIVE run for a dry one, so every line carries the mode label.
* The wallet password must never reach a terminal, a file or a bug report. Redaction happens twice:
  a loguru *patcher* rewrites the record (message, extras, the exception text) before any sink sees
  it, and every sink redacts its final text again — so a secret smuggled in through an f-string, a
  ``bind()`` extra, an exception message or a colour-markup message is caught by at least one layer.
  Tracebacks are rendered without variable values (``diagnose=False``) for the same reason.
* The file is JSON Lines (``rugsbot.jsonl``) so that sessions can be analysed later with the same tools as
  recordings. It rotates at :data:`LOG_ROTATION` (the closed file is gzipped: JSON lines shrink ~10x), and
  rotated files expire: at most :data:`LOG_KEEP_FILES` are kept and none older than :data:`LOG_KEEP_DAYS`
  days (checked at each rotation and at each start), so a bot left alone for weeks keeps a bounded log.
* Alert URLs carry tokens (``tgram://TOKEN/CHAT``): they are secrets like the password (see
  ``Settings.secret_values``), and any ``scheme://user:password@`` in a text is masked as well.

loguru's logger is process-wide by design; :func:`configure` is the one place that changes it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from loguru import logger

from bot.mode import Mode

__all__ = [
    "LOG_FILE_NAME",
    "LOG_KEEP_DAYS",
    "LOG_KEEP_FILES",
    "LOG_ROTATION",
    "Redactor",
    "configure",
    "reset",
]

LOG_FILE_NAME = "rugsbot.jsonl"
LOG_ROTATION = "20 MB"
LOG_KEEP_FILES = 10
LOG_KEEP_DAYS = 14.0
MASK = "***"
_CONSOLE_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {extra[mode]: <8} | {level: <7} | {name}:{line} | {message}{extra[exc_text]}"
# password=..., password: ..., "password": "...", wallet_password=... (any case)
_PASSWORD_RE = re.compile(
    r"""(?ix)
    (\b[\w-]*(?:password|passwd|passphrase|secret|api[_-]?key|token)["']?\s*[=:]\s*)   # key and separator
    ("[^"]*"|'[^']*'|[^\s,;&}\]]+)                                                      # the value
    """
)
# scheme://user:password@host: the password part (apprise URLs, proxies)
_URL_CREDENTIALS_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s/:@]*:)([^\s/@]+)(@)", re.IGNORECASE)
_SECRET_KEY_RE = re.compile(r"(?i)(password|passwd|passphrase|secret|api[_-]?key|token)")
_INTERNAL_EXTRAS = ("mode", "exc_text", "_json")


class Redactor:
    """Replaces every secret value and anything shaped like ``password=…`` with ``***``."""

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        values = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._secrets = re.compile("|".join(re.escape(v) for v in values)) if values else None

    def text(self, s: str) -> str:
        if self._secrets is not None:
            s = self._secrets.sub(MASK, s)
        s = _URL_CREDENTIALS_RE.sub(lambda m: m.group(1) + MASK + m.group(3), s)
        return _PASSWORD_RE.sub(_mask_value, s)

    def value(self, v: Any, key: str = "", depth: int = 0) -> Any:
        """Redact a structured value (extras): strings, containers, secret-named keys."""
        if key and _SECRET_KEY_RE.search(key):
            return MASK
        if depth > 8:
            return MASK
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, bool | int | float) or v is None:
            return v
        if isinstance(v, Mapping):
            return {str(k): self.value(x, str(k), depth + 1) for k, x in v.items()}
        if isinstance(v, list | tuple | set | frozenset):
            return [self.value(x, "", depth + 1) for x in v]
        return self.text(str(v))  # arbitrary objects: their text, redacted (SecretStr prints as ****)


def _mask_value(m: re.Match[str]) -> str:
    value = m.group(2)
    if value[:1] in "\"'":
        return m.group(1) + value[0] + MASK + value[0]
    return m.group(1) + MASK


def _patcher(mode: Mode, red: Redactor) -> Callable[[Any], None]:
    label = mode.label

    def patch(record: Any) -> None:
        record["message"] = red.text(record["message"])
        extra = record["extra"]
        for k in list(extra):
            if k not in _INTERNAL_EXTRAS:
                extra[k] = red.value(extra[k], k)
        exc = record["exception"]
        exc_text = ""
        if exc is not None:
            lines = traceback.format_exception(exc.type, exc.value, exc.traceback)
            exc_text = "\n" + red.text("".join(lines)).rstrip("\n")
            record["exception"] = None  # rendered (and redacted) here, never by loguru itself
        extra["exc_text"] = exc_text
        extra["mode"] = label

    return patch


class _RedactingStream:
    """A sink that redacts the final text once more before writing it.

    With no explicit stream it writes to ``sys.stderr`` *as it is at each write*, not as it was at
    :func:`configure`: while the live view is up, rich's ``Live`` replaces ``sys.stderr`` with a proxy
    that prints each line through the view's own Console above the panel (rich 13+, ``Live(redirect_stderr)``).
    A stream captured at configure time would write under the panel's cursor, and the next redraw would
    erase the line and leave fragments of the panel behind.
    """

    def __init__(self, stream: TextIO | None, red: Redactor) -> None:
        self._stream = stream
        self._red = red

    def _target(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    def write(self, message: str) -> None:
        self._target().write(self._red.text(str(message)))

    def flush(self) -> None:
        self._target().flush()


def _json_formatter(red: Redactor) -> Callable[[Any], str]:
    def fmt(record: Any) -> str:
        extra = record["extra"]
        doc = {
            "t": record["time"].timestamp(),
            "time": record["time"].isoformat(),
            "mode": extra.get("mode", ""),
            "level": record["level"].name,
            "logger": record["name"],
            "function": record["function"],
            "line": record["line"],
            "message": record["message"],
            "extra": {k: v for k, v in extra.items() if k not in _INTERNAL_EXTRAS},
        }
        if extra.get("exc_text"):
            doc["exception"] = extra["exc_text"].lstrip("\n")
        extra["_json"] = red.text(json.dumps(doc, default=str, ensure_ascii=False))
        return "{extra[_json]}\n"

    return fmt


class _InterceptHandler(logging.Handler):
    """Routes stdlib ``logging`` records (websockets, playwright, asyncio) through loguru, so library
    messages get the mode label and the redaction too."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.bind(stdlib=record.name).opt(depth=6, exception=record.exc_info).log(
            level, record.getMessage()
        )


class Retention:
    """Loguru retention: keep the newest ``keep_files`` rotated log files and none older than ``keep_days``.

    Loguru takes one rule (a count or an age); a bot left alone needs both (a burst of errors must not fill
    the disk, and a quiet month must not keep a year). ``clock`` is injectable for tests.
    """

    def __init__(self, keep_files: int, keep_days: float, clock: Callable[[], float] = time.time) -> None:
        self.keep_files = keep_files
        self.keep_days = keep_days
        self.clock = clock

    def __call__(self, files: Sequence[str | Path]) -> None:
        dated: list[tuple[float, Path]] = []
        for f in files:
            with contextlib.suppress(OSError):
                dated.append((os.stat(f).st_mtime, Path(f)))
        dated.sort(reverse=True)
        cutoff = self.clock() - self.keep_days * 86400.0
        for i, (mtime, path) in enumerate(dated):
            if i >= self.keep_files or mtime < cutoff:
                with contextlib.suppress(OSError):
                    path.unlink()


def rotated_logs(log_dir: Path) -> list[Path]:
    """Closed log files (``rugsbot.<date>.jsonl[.gz]``), not the one being written."""
    stem, ext = os.path.splitext(LOG_FILE_NAME)
    return sorted(p for p in log_dir.glob(f"{stem}.*{ext}*") if p.name != LOG_FILE_NAME)


def configure(
    mode: Mode,
    *,
    level: str = "INFO",
    log_dir: Path | None = None,
    secrets: Sequence[str] = (),
    console: TextIO | None = None,
    rotation: str | int = LOG_ROTATION,
    retention: Retention | None = None,
    compression: str | None = "gz",
    stdlib_level: int = logging.WARNING,
) -> None:
    """(Re)configure loguru for this run. ``console`` defaults to the current stderr (tests pass a buffer);
    while a :class:`bot.ui.live.LiveView` is up, that stderr prints above the panel.

    The file sink rotates at ``rotation`` (bytes or loguru's ``"20 MB"``), gzips closed files
    (``compression``) and expires them by ``retention`` (default: :data:`LOG_KEEP_FILES` files,
    :data:`LOG_KEEP_DAYS` days), also once now so expired files go even if the log never rotates again.
    Standard-library loggers at ``stdlib_level`` and above are routed through the same sinks.
    """
    retention = retention or Retention(LOG_KEEP_FILES, LOG_KEEP_DAYS)
    red = Redactor(secrets)
    logger.remove()
    logger.configure(patcher=_patcher(mode, red), extra={"mode": mode.label, "exc_text": ""})
    logger.add(
        _RedactingStream(console, red),
        level=level,
        format=_CONSOLE_FORMAT,
        colorize=False,
        backtrace=False,
        diagnose=False,
    )
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        retention(rotated_logs(log_dir))
        logger.add(
            log_dir / LOG_FILE_NAME,
            level=level,
            format=_json_formatter(red),
            rotation=rotation,
            retention=retention,
            compression=compression,
            encoding="utf-8",
            backtrace=False,
            diagnose=False,
            enqueue=False,
        )
    root = logging.getLogger()
    for h in [h for h in root.handlers if isinstance(h, _InterceptHandler)]:
        root.removeHandler(h)
    handler = _InterceptHandler(level=stdlib_level)
    root.addHandler(handler)
    if root.level > stdlib_level:
        root.setLevel(stdlib_level)


def reset() -> None:
    """Remove every sink and the stdlib bridge (tests, and re-configuration from scratch)."""
    logger.remove()
    root = logging.getLogger()
    for h in [h for h in root.handlers if isinstance(h, _InterceptHandler)]:
        root.removeHandler(h)
