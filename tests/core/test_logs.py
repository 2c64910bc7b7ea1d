"""Logging: mode label on every line, JSON lines on disk, secrets never reach any sink."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from loguru import logger

from bot.logs import LOG_FILE_NAME, Redactor, configure, reset
from bot.mode import Mode

SECRET = "hunter2-Sup3r$ecret"


@pytest.fixture
def sinks(tmp_path: Path) -> Iterator[tuple[io.StringIO, Path]]:
    buf = io.StringIO()
    configure(Mode.LIVE, level="DEBUG", log_dir=tmp_path, secrets=[SECRET], console=buf)
    yield buf, tmp_path / LOG_FILE_NAME
    reset()


def _emit_secret_everywhere() -> None:
    logger.info("message with the secret {} inside", SECRET)
    logger.info(f"f-string with {SECRET} inside")
    logger.bind(wallet=SECRET, nested={"a": [SECRET]}).info("extra with the secret")
    logger.bind(wallet_password="anything-at-all").info("secret-named extra")
    try:
        raise RuntimeError(f"login failed for password {SECRET}")
    except RuntimeError:
        logger.exception("exception with the secret")
    logger.info("connect string password=plainvalue123 user=bob")
    logger.opt(colors=True).info(f"<red>coloured {SECRET}</red>")


def test_secret_never_reaches_console_or_file(sinks: tuple[io.StringIO, Path]) -> None:
    buf, path = sinks
    _emit_secret_everywhere()
    console = buf.getvalue()
    file_text = path.read_text(encoding="utf-8")
    for text in (console, file_text):
        assert SECRET not in text
        assert "hunter2" not in text
        assert "plainvalue123" not in text
        assert "anything-at-all" not in text
        assert "***" in text
    assert "RuntimeError" in console and "Traceback" in console  # the exception is still shown, redacted
    assert console.count("message with the secret *** inside") == 1


def test_mode_label_on_every_console_line(sinks: tuple[io.StringIO, Path]) -> None:
    buf, _ = sinks
    logger.info("one")
    logger.warning("two")
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    assert len(lines) == 2
    assert all("| LIVE " in ln for ln in lines)


def test_file_is_json_lines(sinks: tuple[io.StringIO, Path]) -> None:
    _, path = sinks
    logger.bind(game="20251212-x", tick=5).info("tick {}", 5)
    try:
        1 / 0  # noqa: B018
    except ZeroDivisionError:
        logger.exception("boom")
    docs = [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines()]
    assert [d["message"] for d in docs] == ["tick 5", "boom"]
    assert all(d["mode"] == "LIVE" for d in docs)
    assert docs[0]["extra"] == {"game": "20251212-x", "tick": 5}
    assert docs[0]["level"] == "INFO"
    assert "ZeroDivisionError" in docs[1]["exception"]


@pytest.mark.parametrize("mode", list(Mode))
def test_each_mode_label(mode: Mode) -> None:
    buf = io.StringIO()
    configure(mode, console=buf)
    try:
        logger.info("hello")
    finally:
        reset()
    assert f"| {mode.label}" in buf.getvalue()


def test_level_filters(tmp_path: Path) -> None:
    buf = io.StringIO()
    configure(Mode.DRY_RUN, level="WARNING", console=buf)
    try:
        logger.info("quiet")
        logger.warning("loud")
    finally:
        reset()
    assert "quiet" not in buf.getvalue() and "loud" in buf.getvalue()


REDACT = [
    ("password=abc123", "password=***"),
    ("PASSWORD: abc123 next", "PASSWORD: *** next"),
    ('{"wallet_password": "abc 123"}', '{"wallet_password": "***"}'),
    ("url?token=xyz&x=1", "url?token=***&x=1"),
    ("nothing to hide", "nothing to hide"),
    (f"a{SECRET}b", "a***b"),
]


@pytest.mark.parametrize(("text", "want"), REDACT)
def test_redactor_table(text: str, want: str) -> None:
    assert Redactor([SECRET]).text(text) == want


def test_empty_secret_is_ignored() -> None:
    assert Redactor(["", SECRET]).text("plain") == "plain"


def test_file_rotates_by_size(tmp_path: Path) -> None:
    configure(Mode.PRACTICE, log_dir=tmp_path, console=io.StringIO(), rotation=2_000, secrets=[SECRET])
    try:
        for i in range(60):
            logger.info("line {} {}", i, SECRET)
    finally:
        reset()
    files = sorted(tmp_path.glob("rugsbot*.jsonl*"))  # closed files are gzipped
    assert len(files) >= 3
    assert any(f.suffix == ".gz" for f in files)

    def text(f: Path) -> str:
        return (
            gzip.decompress(f.read_bytes()).decode() if f.suffix == ".gz" else f.read_text(encoding="utf-8")
        )

    lines = [json.loads(ln) for f in files for ln in text(f).splitlines()]
    assert len(lines) == 60
    assert all(d["mode"] == "PRACTICE" and SECRET not in d["message"] for d in lines)


def test_stdlib_logging_is_routed_labelled_and_redacted(sinks: tuple[io.StringIO, Path]) -> None:
    import logging

    buf, path = sinks
    logging.getLogger("websockets.client").warning("connect failed with password %s", SECRET)
    logging.getLogger("websockets.client").debug("noise below the stdlib level")
    console = buf.getvalue()
    assert "connect failed with password" in console and "| LIVE " in console
    assert SECRET not in console and "noise" not in console
    assert SECRET not in path.read_text(encoding="utf-8")
