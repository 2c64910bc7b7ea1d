"""The console under test: the real server on 127.0.0.1 (a free port), a real SQLite store, and
:class:`tests.console.scripted.ScriptedRun` as the run behind it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr

from bot.config import Settings
from bot.console import ConsoleConfig, ConsoleServer, EventHub, RunMetrics, start_console
from bot.store.db import Store
from tests.console.scripted import ScriptedRun

T = TypeVar("T")
TOKEN = "console-test-token-0123456789abcdef"


@dataclass
class Served:
    server: ConsoleServer
    run: ScriptedRun
    store: Store
    settings: Settings
    metrics: RunMetrics

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def control_rows(self) -> list[dict[str, Any]]:
        return [e.data | {"_t": e.t, "_session": e.session} for e in self.store.events(kinds=["control"])]


@asynccontextmanager
async def serving(
    data_dir: Path, *, token: str | None = TOKEN, config: ConsoleConfig | None = None, mode: str = "PRACTICE"
) -> AsyncIterator[Served]:
    settings = Settings(data_dir=data_dir, dashboard_token=SecretStr(token) if token else None)
    store = Store.open(settings.db_path, durable=False)
    metrics = RunMetrics()
    cfg = config or ConsoleConfig(port=0)
    hub = EventHub(client_buffer=cfg.client_buffer, on_drop=metrics.client_dropped)
    run = ScriptedRun(store, hub, mode=mode)
    server = await start_console(run, settings=settings, config=cfg, metrics=metrics, hub=hub, audit=store)
    try:
        yield Served(server, run, store, settings, metrics)
    finally:
        await server.stop()
        store.close()


def arun(coro: Awaitable[T], timeout_s: float = 60) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, timeout_s)

    return asyncio.run(bounded())


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
