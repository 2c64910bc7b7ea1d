"""Logs left alone for weeks stay bounded: size rotation, gzip, expiry by count and age; URL tokens redacted."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import pytest
from loguru import logger

from bot.config.settings import Settings, url_secrets
from bot.logs import LOG_FILE_NAME, Redactor, Retention, configure, reset, rotated_logs
from bot.mode import Mode

DAY = 86400.0
NOW = 1_800_000_000.0


def _old_log(log_dir: Path, name: str, age_days: float, now: float = NOW) -> Path:
    p = log_dir / name
    p.write_bytes(b"x")
    os.utime(p, (now - age_days * DAY, now - age_days * DAY))
    return p


@pytest.mark.parametrize(
    ("ages", "keep_files", "keep_days", "kept"),
    [
        ([1, 2, 3], 10, 14, [1, 2, 3]),
        ([1, 20, 30], 10, 14, [1]),  # too old
        ([1, 2, 3, 4, 5], 3, 14, [1, 2, 3]),  # too many: the newest stay
        ([1, 2, 15, 16], 3, 14, [1, 2]),
    ],
)
def test_retention_by_count_and_age(
    tmp_path: Path, ages: list[int], keep_files: int, keep_days: float, kept: list[int]
) -> None:
    files = [_old_log(tmp_path, f"rugsbot.{a:02d}.jsonl.gz", a) for a in ages]
    Retention(keep_files, keep_days, clock=lambda: NOW)(files)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"rugsbot.{a:02d}.jsonl.gz" for a in kept]


def test_expired_logs_go_at_start_and_the_live_file_stays(tmp_path: Path) -> None:
    _old_log(tmp_path, "rugsbot.2026-01-01_00-00-00_000000.jsonl.gz", 40, time.time())
    _old_log(tmp_path, LOG_FILE_NAME, 40, time.time())  # the file being appended to is never expired
    configure(Mode.DRY_RUN, log_dir=tmp_path, console=io.StringIO())
    try:
        logger.info("hello")
    finally:
        reset()
    assert rotated_logs(tmp_path) == []
    assert (tmp_path / LOG_FILE_NAME).exists()


def test_rotation_keeps_the_count_bounded(tmp_path: Path) -> None:
    configure(
        Mode.DRY_RUN,
        log_dir=tmp_path,
        console=io.StringIO(),
        rotation=1_000,
        retention=Retention(3, 14),
    )
    try:
        for i in range(200):
            logger.info("line {}", i)
    finally:
        reset()
    closed = rotated_logs(tmp_path)
    assert 1 <= len(closed) <= 3
    assert all(p.suffix == ".gz" for p in closed)


TOKEN = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
URLS = [
    (f"tgram://123456789:{TOKEN}/987654", TOKEN),
    ("discord://112233445566/AbCdEfGhIjKlMnOp", "AbCdEfGhIjKlMnOp"),
    ("mailto://user:hunter22pass@gmail.com", "hunter22pass"),
    ("ntfy://my-secret-topic-42", "my-secret-topic-42"),
    ("json://127.0.0.1:8080/alert?token=abcdefgh", "abcdefgh"),
]


@pytest.mark.parametrize(("url", "secret"), URLS)
def test_alert_url_tokens_are_secrets(url: str, secret: str) -> None:
    red = Redactor(url_secrets(url))
    text = f"sending to {url}; token part {secret} alone"
    out = red.text(text)
    assert secret not in out and url not in out
    assert "127.0.0.1" not in url_secrets(url)  # hostnames are not blanked everywhere


def test_settings_hand_alert_urls_to_the_redaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUGSBOT_ALERT_URLS", f"  tgram://1:{TOKEN}/9   ntfy://my-secret-topic-42 ")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.alert_url_list() == [f"tgram://1:{TOKEN}/9", "ntfy://my-secret-topic-42"]
    assert TOKEN in s.secret_values() and "my-secret-topic-42" in s.secret_values()
    assert TOKEN not in repr(s) and TOKEN not in str(s.model_dump())


def test_url_credentials_masked_without_being_declared() -> None:
    out = Redactor().text("POST json://bob:s3cr3t-pass@10.0.0.1/x failed")
    assert "s3cr3t-pass" not in out and "json://bob:***@10.0.0.1/x" in out
