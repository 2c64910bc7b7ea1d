"""Fixtures for the sim-page tests: a Chromium check, a plain static origin for wallet-only tests."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.sim_page.harness import CHROMIUM


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return CHROMIUM


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture(scope="session")
def dapp_origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A blank http page: the wallet's provider is injected into any http page, no simulator needed."""
    root = tmp_path_factory.mktemp("dapp")
    (root / "index.html").write_text("<!doctype html><html><body><p>dapp</p></body></html>")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        with contextlib.suppress(Exception):
            server.shutdown()
        server.server_close()
