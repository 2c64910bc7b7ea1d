"""The console's token: where it comes from, how a request presents it, and what an address may bind.

* The token is ``RUGSBOT_DASHBOARD_TOKEN`` (env or ``.env``), or else a random one generated once into
  ``<data dir>/dashboard-token`` (mode 0600) and shown once as a URL; ``rugsbot dashboard-url`` shows it again.
* A request presents it as ``Authorization: Bearer <token>`` or as the HttpOnly cookie that opening the
  tokenized URL (``/?token=…``) sets. Comparison is constant-time (:func:`hmac.compare_digest`).
* A non-loopback address is refused unless the token is configured (env) and at least 16 characters long:
  a network-reachable console is a deliberate decision with a secret the operator chose and knows.

The token is never logged or written anywhere else; callers print the URL to the terminal only.
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from bot.config import Settings

TOKEN_FILE = "dashboard-token"
ADDRESS_FILE = "dashboard-address.json"  # where the last run's console listened (no secret in it)
COOKIE = "rugsbot_console"
MIN_NETWORK_TOKEN_CHARS = 16
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8780


class ConsoleRefused(Exception):
    """The console may not start as asked (e.g. a network address without a configured token)."""


@dataclass(frozen=True, slots=True)
class ConsoleToken:
    value: SecretStr
    source: str  # "env" or the token file's path
    created: bool = False  # generated just now: the run shows the URL once

    def matches(self, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode(), self.value.get_secret_value().encode())


def token_path(settings: Settings) -> Path:
    return settings.data_dir / TOKEN_FILE


def resolve_token(settings: Settings, *, create: bool = True) -> ConsoleToken | None:
    """The env token, else the token file's, else (``create``) a new 32-byte token written with mode 0600.

    Returns None only when there is no token and ``create`` is False. Raises OSError when the data dir cannot
    be written. A token file readable by others is tightened to 0600 (it was created by a user, not by us).
    """
    env = settings.dashboard_token
    if env is not None and env.get_secret_value().strip():
        return ConsoleToken(SecretStr(env.get_secret_value().strip()), "env")
    path = token_path(settings)
    existing = _read_token_file(path)
    if existing is not None:
        return ConsoleToken(SecretStr(existing), str(path))
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it between our read and our write: use theirs
        again = _read_token_file(path)
        if again is None:
            raise
        return ConsoleToken(SecretStr(again), str(path))
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return ConsoleToken(SecretStr(value), str(path), created=True)


def _read_token_file(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return text or None


def is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: ConsoleToken | None) -> None:
    """Raises :class:`ConsoleRefused` for a non-loopback ``host`` without a configured (env) token of at least
    :data:`MIN_NETWORK_TOKEN_CHARS` characters, and for any host without a token at all."""
    if is_loopback(host):
        if token is None:
            raise ConsoleRefused(
                "the console needs a token (set RUGSBOT_DASHBOARD_TOKEN or let it be generated)"
            )
        return
    if token is None or token.source != "env":
        raise ConsoleRefused(
            f"refusing to serve the console on {host} (not loopback) without RUGSBOT_DASHBOARD_TOKEN set"
        )
    if len(token.value.get_secret_value()) < MIN_NETWORK_TOKEN_CHARS:
        raise ConsoleRefused(
            f"refusing to serve the console on {host} (not loopback): RUGSBOT_DASHBOARD_TOKEN is shorter than "
            f"{MIN_NETWORK_TOKEN_CHARS} characters"
        )


def parse_address(text: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[v6]:PORT`` or ``:PORT`` (host 127.0.0.1). Raises ValueError with a one-line message."""
    host, sep, port_text = text.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return (host.strip("[]") or DEFAULT_HOST), int(port_text)


def base_url(host: str, port: int) -> str:
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def dashboard_url(host: str, port: int, token: ConsoleToken) -> str:
    """The tokenized URL an operator opens once per browser (it sets the cookie). Contains the secret:
    print it to the terminal, never to a log."""
    return f"{base_url(host, port)}?token={token.value.get_secret_value()}"


def write_address(settings: Settings, host: str, port: int) -> None:
    """Remember where the console listens, for ``rugsbot dashboard-url`` (no secret in it)."""
    path = settings.data_dir / ADDRESS_FILE
    with contextlib.suppress(OSError):
        path.write_text(json.dumps({"host": host, "port": port}), encoding="utf-8")


def read_address(settings: Settings) -> tuple[str, int]:
    try:
        data = json.loads((settings.data_dir / ADDRESS_FILE).read_text(encoding="utf-8"))
        return str(data["host"]), int(data["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_HOST, DEFAULT_PORT


def short_id(value: str | None) -> str | None:
    """A player id or wallet address as ``abcd…wxyz``: enough to recognise, not enough to look up."""
    if value is None or len(value) <= 10:
        return value
    return f"{value[:4]}…{value[-4:]}"
