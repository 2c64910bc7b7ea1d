"""A drawing bug is reported once, at WARNING (the operator should look; betting is not affected)."""

from __future__ import annotations

import asyncio
from typing import Any

from loguru import logger

from bot.ui.live import LiveView
from bot.ui.screen import Screen


def _has_traceback(record: Any) -> bool:
    # once a run has called bot.logs.configure in this process, its patcher renders the traceback
    # (redacted) into extra["exc_text"] and clears record["exception"]
    return record["exception"] is not None or "a drawing bug" in record["extra"].get("exc_text", "")


def test_a_drawing_bug_is_one_warning_with_its_traceback() -> None:
    records: list[tuple[str, str, bool]] = []
    sink = logger.add(
        lambda m: records.append((m.record["level"].name, m.record["message"], _has_traceback(m.record))),
        level="DEBUG",
    )

    def build() -> Screen:
        raise RuntimeError("a drawing bug")

    async def go() -> None:
        async with LiveView(build, tty=False, log_every_s=0.02):
            await asyncio.sleep(0.2)

    try:
        asyncio.run(go())
    finally:
        logger.remove(sink)
    assert records == [("WARNING", "live view could not be drawn (the bot keeps running)", True)]
