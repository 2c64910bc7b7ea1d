"""Plain HTTP on the simulator's port: the page's files, JSON answers, and who counts as local.

The page folder is :func:`bot.sim.assets.page_dir`; ``/`` serves the chosen page build
(bot/sim/site_builds.py). Paths never leave that folder.
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
from http import HTTPStatus
from pathlib import Path
from typing import Any

from websockets.datastructures import Headers
from websockets.http11 import Response

from bot.sim.site_builds import page_index

__all__ = ["is_loopback", "json_response", "static_response", "text_response"]

_MINIMAL_PAGE = (
    b"<!doctype html><html><head><title>rugs.fun simulator</title></head><body>"
    b"<h1>rugs.fun simulator</h1><p>The page files are not installed; the socket is at "
    b"/socket.io/?EIO=4&amp;transport=websocket and ground truth at /__sim/state.</p></body></html>"
)


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1 and IPv4-mapped loopback; anything unparsable is not local."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def _response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Connection", "close"),
        ]
    )
    return Response(status.value, status.phrase, headers, body)


def text_response(status: HTTPStatus, text: str) -> Response:
    return _response(status, text.encode(), "text/plain; charset=utf-8")


def json_response(status: HTTPStatus, obj: Any) -> Response:
    return _response(status, json.dumps(obj).encode(), "application/json")


def _page_root() -> Path | None:
    try:
        from bot.sim.assets import page_dir
    except ImportError:
        return None
    root = page_dir()
    return root if root.is_dir() else None


def static_response(path: str, page_build: int = 1) -> Response:
    """The file at ``path`` under the page folder; ``/`` and ``/index.html`` are the build's page."""
    root = _page_root()
    rel = path.lstrip("/") or "index.html"
    if rel == "index.html":
        rel = page_index(page_build)
    if root is not None:
        target = (root / rel).resolve()
        if target.is_relative_to(root.resolve()) and target.is_file():
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            return _response(HTTPStatus.OK, target.read_bytes(), ctype)
    if rel == page_index(page_build):
        return _response(HTTPStatus.OK, _MINIMAL_PAGE, "text/html; charset=utf-8")
    return text_response(HTTPStatus.NOT_FOUND, "not found\n")
