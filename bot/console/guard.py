"""Who may do what: the console's aiohttp middlewares and the audit of control requests.

Order for every request: security headers on the way out; /health and /ready are open; a GET needs the token
(Bearer header or the console's cookie); a POST (a control) is first rate-limited per client address, then
needs the token *in the Authorization header* — a cookie alone is not enough, because a browser attaches a
cookie to a forged cross-site request but cannot attach a header it does not know — and an Origin (or,
without one, a Referer) equal to the console's own. A request with neither header is not from a browser page
(curl, a monitoring system), so there is no page that could have forged it.

Every control request that is not rate-limited is audited: an ``events`` row of kind ``control`` with the
action, the outcome, the time, the client address and a shortened user agent — refusals included.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from loguru import logger

from bot.console.auth import COOKIE, ConsoleToken
from bot.console.ratelimit import RateLimiter
from bot.console.source import AuditSink

OPEN_PATHS = frozenset({"/health", "/ready"})
AUDIT_KIND = "control"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "manifest-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the page's own POSTs
    "Referrer-Policy": "same-origin",
}


def _secure(headers: Any) -> None:
    for k, v in SECURITY_HEADERS.items():
        headers.setdefault(k, v)
    headers.setdefault("Cache-Control", "no-store")


def error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def bearer(request: web.Request) -> str | None:
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def same_origin(request: web.Request) -> bool:
    """Origin (else Referer) names this server's host and port as the client addressed it (the Host header);
    True when neither is sent. The scheme is not compared: behind a TLS proxy the page is https while this
    server sees http, and no other site can serve on the same host and port."""
    own = request.host.lower()
    origin = request.headers.get("Origin")
    if origin is not None:
        return urlsplit(origin).netloc.lower() == own
    referer = request.headers.get("Referer")
    if referer:
        return urlsplit(referer).netloc.lower() == own
    return True


def client_of(request: web.Request) -> str:
    return request.remote or "unknown"


class Auditor:
    """Writes control rows through an :class:`AuditSink`; a failing write is logged, never raised (a halt that
    has happened must not be reported as failed because its audit row could not be written)."""

    def __init__(self, sink: AuditSink | None, session: Callable[[], str | None]) -> None:
        self._sink = sink
        self._session = session

    def record(self, request: web.Request, action: str, outcome: str, **extra: Any) -> None:
        if self._sink is None:
            return
        data: Mapping[str, Any] = {
            "action": action,
            "outcome": outcome,
            "remote": client_of(request),
            "user_agent": request.headers.get("User-Agent", "")[:80],
            **extra,
        }
        try:
            self._sink.append_event(time.time(), self._session(), AUDIT_KIND, data)
        except Exception as exc:
            logger.error("console: audit row not written ({}): {} {}", type(exc).__name__, action, outcome)


class RequestGuard:
    """The auth middleware. ``on_refused(action, outcome)`` counts refusals in the metrics."""

    def __init__(
        self,
        token: ConsoleToken,
        limiter: RateLimiter,
        auditor: Auditor,
        on_control: Callable[[str, str], None] = lambda action, outcome: None,
    ) -> None:
        self.token = token
        self.limiter = limiter
        self.auditor = auditor
        self.on_control = on_control

    @web.middleware
    async def headers(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            resp = await handler(request)
        except web.HTTPException as exc:  # 404, 405, 413 from aiohttp itself
            _secure(exc.headers)
            raise
        _secure(resp.headers)
        return resp

    @web.middleware
    async def auth(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in OPEN_PATHS:
            return await handler(request)
        if request.method == "POST":
            refused = self._refuse_control(request)
            if refused is not None:
                return refused
            return await handler(request)
        if request.method not in ("GET", "HEAD"):
            return error(405, "method not allowed")
        if request.path == "/" and "token" in request.query:
            return await handler(request)  # the page handler checks the tokenized URL and sets the cookie
        if self.token.matches(bearer(request)) or self.token.matches(request.cookies.get(COOKIE)):
            return await handler(request)
        return error(401, "unauthorized: open the URL from `rugsbot dashboard-url` or send a Bearer token")

    def _refuse_control(self, request: web.Request) -> web.Response | None:
        action = request.path.rsplit("/", 1)[-1]
        wait_s = self.limiter.allow(client_of(request))
        if wait_s > 0:
            self.on_control(action, "rate_limited")
            return error(429, "too many control requests", **{"Retry-After": str(max(1, round(wait_s)))})
        presented = bearer(request)
        if not self.token.matches(presented):
            outcome = "wrong_token" if presented else "no_token"
            if presented is None and request.cookies.get(COOKIE):
                outcome = "cookie_only"
            self._refused(request, action, outcome)
            return error(401, "unauthorized: a control request needs the token in the Authorization header")
        if not same_origin(request):
            self._refused(request, action, "cross_origin")
            return error(403, "forbidden: cross-origin request")
        return None

    def _refused(self, request: web.Request, action: str, outcome: str) -> None:
        self.on_control(action, outcome)
        self.auditor.record(request, action, outcome)
