"""Shows the LiveView and logs N lines through loguru: the program the tmux screen test runs in a real pane.

``python -m tests.ui.live_program N HOLD`` (from the repository root) logs N lines while the panel is up, then
creates the file HOLD and keeps the panel up until HOLD is deleted (at most 20 s), so the test can look at the
screen while the view is live; prints ``__END__`` after the view is closed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from loguru import logger

from bot.logs import configure
from bot.mode import Mode
from bot.ui.live import LiveView
from bot.ui.screen import Screen


async def main(n: int, hold: Path) -> None:
    configure(Mode.PRACTICE, level="INFO")
    count = {"i": 0}

    def build() -> Screen:
        return Screen(mode="PRACTICE", profile="tmux", coin_label="FREE", tick=count["i"], phase="ACTIVE")

    async with LiveView(build, refresh_s=0.05):
        await asyncio.sleep(0.3)
        for i in range(n):
            count["i"] = i
            if i == n // 2:
                logger.warning(
                    "log line {:03d} of {} is a warning that is long enough to wrap: {}", i, n, "w" * 90
                )
            else:
                logger.info("log line {:03d} of {}", i, n)
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.4)  # a few redraws after the last line
        hold.touch()
        deadline = time.monotonic() + 20
        while hold.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    print("__END__", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2])))
