"""Execution fixtures: a real headless Chromium (launched by our own launcher) on a dedicated event loop.

Playwright's async objects belong to the loop that created them, so a module shares one loop and one
browser; each test drives it with ``run(coro)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.browser.errors import BrowserNotFound
from bot.browser.launch import LaunchedBrowser, find_browser, launch
from bot.config import Profile, Settings

T = TypeVar("T")


def browser_available() -> bool:
    try:
        find_browser(Settings())
    except BrowserNotFound:
        return False
    return True


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    lp = asyncio.new_event_loop()
    yield lp
    lp.close()


@pytest.fixture(scope="module")
def run(loop: asyncio.AbstractEventLoop) -> Callable[[Awaitable[T]], T]:
    def _run(coro: Awaitable[Any]) -> Any:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout=120))

    return _run


@pytest.fixture(scope="module")
def plain_browser(
    tmp_path_factory: pytest.TempPathFactory, run: Callable[[Awaitable[Any]], Any]
) -> Iterator[LaunchedBrowser]:
    """Headless Chromium without an extension, for page-level broker tests."""
    if not browser_available():
        pytest.skip("no Chromium found")
    prof: Path = tmp_path_factory.mktemp("plain-profile")
    b = run(launch(Settings(), Profile(), headless=True, extension_dir=None, profile_dir=prof, trace=False))
    yield b
    run(b.close())
