"""The operator console's start-up for ``rugsbot run``: its token, the address check and the listening socket,
settled before the run writes anything or starts a browser.

Why at start-up and not when the server starts serving:

* the token must be known before the logs are configured, so that it is scrubbed from them like the wallet
  password (an env token already is; a generated one is added here);
* a refusal (a network address without ``RUGSBOT_DASHBOARD_TOKEN``) is one line and exit 2, and an address
  in use one line and exit 4, before any browser starts;
* the socket is bound and listening now and served once the run's event loop runs (bot/app/console_source.py):
  a client that connects in between waits in the socket's backlog instead of being refused.

The default address is best effort (``ConsoleConfig.required`` is False): if another program holds it, the
run says so on stderr and goes on without a console; an address the operator named must be served.
"""

from __future__ import annotations

import socket
import sys
from dataclasses import dataclass

from bot.config import Settings
from bot.console.auth import (
    ConsoleRefused,
    ConsoleToken,
    check_bind,
    dashboard_url,
    is_loopback,
    resolve_token,
)
from bot.console.server import ConsoleConfig
from bot.errors import EnvironmentProblem, UsageError


@dataclass(frozen=True, slots=True)
class ConsolePlan:
    """A console ready to serve: its config, its token and a socket listening on the config's address (the
    run serves on it and closes it). The token is never formatted: ``repr`` shows a masked SecretStr."""

    config: ConsoleConfig
    token: ConsoleToken
    sock: socket.socket

    @property
    def secrets(self) -> list[str]:
        """The raw token, for the log filter to scrub."""
        return [self.token.value.get_secret_value()]

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])


def plan_console(settings: Settings, config: ConsoleConfig | None) -> ConsolePlan | None:
    """The console of this run, or ``None`` (disabled, or the default address is taken).

    A newly generated token is shown once, as its URL, on stdout (printed, never logged). Raises
    :class:`~bot.errors.UsageError` (exit 2) for a network address without a configured token of 16+ characters,
    :class:`~bot.errors.EnvironmentProblem` (exit 4) when the token cannot be written or a named address cannot
    be bound."""
    if config is None or not config.enabled:
        return None
    try:
        if not is_loopback(config.host):  # refuse before anything is bound or generated
            check_bind(config.host, resolve_token(settings, create=False))
    except ConsoleRefused as exc:
        raise UsageError(f"--dashboard: {exc}") from None
    try:
        sock = listen(config.host, config.port)
    except OSError as exc:
        where = f"{config.host}:{config.port}"
        if config.required:
            raise EnvironmentProblem(
                f"console: cannot listen on {where}: {exc.strerror or exc} "
                "(choose another with --dashboard HOST:PORT, or --no-dashboard)"
            ) from None
        print(
            f"rugsbot run: console: cannot listen on {where} ({exc.strerror or exc}); running without it "
            "(choose an address with --dashboard HOST:PORT)",
            file=sys.stderr,
        )
        return None
    try:
        token = resolve_token(settings)
        check_bind(config.host, token)
    except (ConsoleRefused, OSError) as exc:
        sock.close()
        if isinstance(exc, ConsoleRefused):
            raise UsageError(f"--dashboard: {exc}") from None
        raise EnvironmentProblem(f"console: cannot write the token into {settings.data_dir}: {exc}") from None
    assert token is not None  # resolve_token(create=True) always returns one
    plan = ConsolePlan(config, token, sock)
    if token.created:
        print(
            f"rugsbot run: operator console {dashboard_url(config.host, plan.port, token)}\n"
            "  (a new token, shown this once; `rugsbot dashboard-url` prints the URL again)",
            flush=True,  # stdout: information, not an error (stderr stays one line per failure)
        )
    return plan


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6 as the host resolves; port 0: a free port).
    Raises OSError (address in use, host unknown: ``socket.gaierror`` is an OSError)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart right after a stop may bind
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock
