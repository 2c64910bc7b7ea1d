"""Start and stop the console's HTTP server on the caller's running event loop (aiohttp AppRunner + TCPSite).

The server shares the run's loop: handlers call the :class:`ConsoleSource` directly (no thread, no lock) and
are short; the event stream's socket writes happen on each client's own task, after the run's frame handler
has returned. Nothing the server does is on the decision path except :meth:`EventHub.publish`.

    console = await start_console(source, settings=settings, config=ConsoleConfig(), audit=store)
    ...                                   # the run publishes to console.hub, updates console.metrics
    await console.stop()
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.config import Settings
from bot.console.auth import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    ConsoleRefused,
    ConsoleToken,
    base_url,
    check_bind,
    dashboard_url,
    parse_address,
    resolve_token,
    write_address,
)
from bot.console.guard import Auditor, RequestGuard
from bot.console.history_cache import HistoryCache
from bot.console.hub import EventHub
from bot.console.metrics import RunMetrics
from bot.console.ratelimit import RateLimiter
from bot.console.routes import Routes
from bot.console.source import AuditSink, ConsoleSource

MAX_BODY_BYTES = 16 * 1024
KEEPALIVE_S = 15.0


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    """Where the console listens and how much it accepts. ``port`` 0 picks a free port (tests).

    ``required``: the run may not go on without its console. True when the operator named the address; the
    default address is best effort, because another program (or a second bot on another data dir) may hold
    it, and a run that bets must not fail to start over a page."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    enabled: bool = True
    required: bool = True
    control_burst: int = 5  # control requests at once per client address ...
    control_per_s: float = 2.0  # ... then one every this many seconds
    max_clients: int = 200  # event-stream clients
    client_buffer: int = 256  # events a stream client may lag before it is dropped

    @classmethod
    def from_flags(cls, address: str | None, *, disabled: bool = False) -> ConsoleConfig:
        """From ``--dashboard HOST:PORT`` / ``--no-dashboard``. Raises ValueError for a malformed address."""
        if disabled:
            return cls(enabled=False)
        if address is None:
            return cls(required=False)
        host, port = parse_address(address)
        return cls(host=host, port=port)


class ConsoleServer:
    """One console: its token, hub and metrics, and the aiohttp runner once started."""

    def __init__(
        self,
        source: ConsoleSource,
        *,
        config: ConsoleConfig,
        token: ConsoleToken,
        metrics: RunMetrics,
        hub: EventHub,
        audit: AuditSink | None,
        db_path: Path | None,
    ) -> None:
        check_bind(config.host, token)
        self.source = source
        self.config = config
        self.token = token
        self.metrics = metrics
        self.hub = hub
        self.port = config.port
        self._runner: web.AppRunner | None = None
        self._keepalive: asyncio.Task[None] | None = None
        auditor = Auditor(audit, lambda: source.snapshot().session)
        self._guard = RequestGuard(
            token,
            RateLimiter(burst=config.control_burst, per_s=config.control_per_s),
            auditor,
            on_control=lambda action, outcome: metrics.controls.labels(action, outcome).inc(),
        )
        self._routes = Routes(
            source,
            hub=hub,
            metrics=metrics,
            token=token,
            auditor=auditor,
            history=HistoryCache(db_path) if db_path is not None else None,
            max_clients=config.max_clients,
        )

    @property
    def url(self) -> str:
        return base_url(self.config.host, self.port)

    @property
    def token_url(self) -> str:
        """The URL with the token: print it to the terminal only (never to a log)."""
        return dashboard_url(self.config.host, self.port, self.token)

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[self._guard.headers, self._guard.auth], client_max_size=MAX_BODY_BYTES
        )
        self._routes.add_to(app)
        return app

    async def start(self, sock: socket.socket | None = None) -> None:
        """Serve on the running loop: on ``sock`` when the caller bound it already (``rugsbot run`` binds at
        start-up, so an address in use is a one-line refusal before any browser starts), else bind here.
        Raises OSError when the address is in use."""
        self.hub.bind(asyncio.get_running_loop())
        # access_log=None: an access log line would carry /?token=… ; handle_signals=False: signals are the run's
        runner = web.AppRunner(self.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site: web.BaseSite = (
                web.SockSite(runner, sock)
                if sock is not None
                else web.TCPSite(runner, self.config.host, self.config.port, reuse_address=True)
            )
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        self._keepalive = asyncio.ensure_future(self._keep_alive())

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_S)
            self.hub.keepalive()

    async def stop(self) -> None:
        """End every event stream, then close the listener (open requests get up to a second)."""
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
        self.hub.close()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()


async def start_console(
    source: ConsoleSource,
    *,
    settings: Settings,
    config: ConsoleConfig | None = None,
    metrics: RunMetrics | None = None,
    hub: EventHub | None = None,
    audit: AuditSink | None = None,
    token: ConsoleToken | None = None,
    sock: socket.socket | None = None,
) -> ConsoleServer:
    """Resolve the token (env, else the data dir's file, generated if missing), check the address, start.

    Raises :class:`bot.console.auth.ConsoleRefused` (a non-loopback address without a configured token),
    OSError (address in use, data dir not writable). ``token.created`` tells the caller to show
    ``server.token_url`` once. The metrics and hub are created here unless the run made them already (it
    needs them from its first frame, before the server is up). ``sock``: a listening socket bound to the
    config's address by the caller (see :meth:`ConsoleServer.start`)."""
    config = config or ConsoleConfig()
    token = token if token is not None else resolve_token(settings)
    if token is None:
        raise ConsoleRefused("no console token")
    metrics = metrics or RunMetrics()
    hub = hub or EventHub(client_buffer=config.client_buffer, on_drop=metrics.client_dropped)
    server = ConsoleServer(
        source,
        config=config,
        token=token,
        metrics=metrics,
        hub=hub,
        audit=audit,
        db_path=settings.db_path,
    )
    await server.start(sock)
    write_address(settings, config.host, server.port)
    return server
