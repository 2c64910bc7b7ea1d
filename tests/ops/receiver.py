"""A real HTTP receiver on 127.0.0.1 for apprise's ``json://`` alerts (no mock: apprise sends real requests)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """``mode``: "ok" answers 200, "error" answers 500, "hang" reads the request and never answers
    (until the test ends)."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.payloads: list[dict[str, Any]] = []
        self.arrived = threading.Event()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.payloads.append(json.loads(body))
                receiver.arrived.set()
                if receiver.mode == "hang":
                    receiver.release.wait(30)
                    return
                self.send_response(200 if receiver.mode == "ok" else 500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/alert"

    def messages(self) -> list[str]:
        return [str(p.get("message", "")) for p in self.payloads]


@contextmanager
def receiver(mode: str = "ok") -> Iterator[Receiver]:
    r = Receiver(mode)
    r._thread.start()
    try:
        yield r
    finally:
        r.release.set()
        r.server.shutdown()
        r.server.server_close()


def closed_port() -> int:
    """A port nothing listens on (bound, then released): connections are refused at once."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port
