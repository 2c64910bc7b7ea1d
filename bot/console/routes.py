"""The console's endpoints (aiohttp handlers). Auth, origin checks and rate limits are in bot/console/guard.py.

GET  /health          200 while the event loop runs (open)
GET  /ready           200 when running, armed and the feed is live; else 503 with the reason (open)
GET  /metrics         Prometheus text exposition
GET  /api/state       the ConsoleState snapshot as JSON
GET  /api/events      server-sent events: tick, decision, bet, guard, control (Last-Event-ID resumes)
GET  /api/history     P&L per day and per strategy, win rate against expectation (all sessions)
POST /api/pause       {"reason": "..."} (optional)
POST /api/halt        {"reason": "..."} (required)
POST /api/resume      {"confirm": "RESUME"} (required)
GET  /                the page; /?token=... sets the console's cookie
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web
from loguru import logger

from bot.console.auth import COOKIE, ConsoleToken, short_id
from bot.console.guard import SECURITY_HEADERS, Auditor, error
from bot.console.history_cache import HistoryCache
from bot.console.hub import Dropped, EventHub
from bot.console.icons import IconSet
from bot.console.metrics import RunMetrics
from bot.console.source import ConsoleSource
from bot.console.state import ConsoleState, ControlEvent
from bot.shorten import shorten

STATIC = Path(__file__).parent / "static"
COOKIE_MAX_AGE_S = 30 * 24 * 3600
MAX_REASON_CHARS = 200
RESUME_WORD = "RESUME"
STATIC_TYPES = {
    "app.js": "text/javascript",
    "app.css": "text/css",
    "sw.js": "text/javascript",
    "manifest.webmanifest": "application/manifest+json",
}


class Routes:
    """The handlers of one console server; everything they use is passed in (no module state)."""

    def __init__(
        self,
        source: ConsoleSource,
        *,
        hub: EventHub,
        metrics: RunMetrics,
        token: ConsoleToken,
        auditor: Auditor,
        history: HistoryCache | None,
        max_clients: int,
    ) -> None:
        self.source = source
        self.hub = hub
        self.metrics = metrics
        self.token = token
        self.auditor = auditor
        self.history = history
        self.max_clients = max_clients
        self.icons = IconSet()
        self.started = time.monotonic()
        self._encoder = msgspec.json.Encoder()

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/health", self.health)
        app.router.add_get("/ready", self.ready)
        app.router.add_get("/metrics", self.metrics_text)
        app.router.add_get("/api/state", self.state)
        app.router.add_get("/api/events", self.events)
        app.router.add_get("/api/history", self.history_json)
        app.router.add_post("/api/pause", self.pause)
        app.router.add_post("/api/halt", self.halt)
        app.router.add_post("/api/resume", self.resume)
        app.router.add_get("/", self.page)
        app.router.add_get("/icons/{name}", self.icon)
        for name in STATIC_TYPES:
            app.router.add_get(f"/{name}", self.static)

    # ------------------------------------------------------------------ open
    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "uptime_s": round(time.monotonic() - self.started, 1)})

    async def ready(self, request: web.Request) -> web.Response:
        s = self.source.snapshot()
        reason = not_ready_reason(s)
        if reason is not None:
            return web.json_response({"ready": False, "reason": reason}, status=503)
        return web.json_response({"ready": True})

    # ------------------------------------------------------------------ read
    async def metrics_text(self, request: web.Request) -> web.Response:
        self.metrics.refresh(self.source.snapshot(), clients=self.hub.stats.clients)
        return web.Response(body=self.metrics.render(), headers={"Content-Type": self.metrics.content_type})

    async def state(self, request: web.Request) -> web.Response:
        return self._json(public(self.source.snapshot()))

    async def history_json(self, request: web.Request) -> web.Response:
        if self.history is None:
            return error(404, "no database configured")
        try:
            return self._json(await self.history.get())
        except Exception as exc:
            logger.error("console: history query failed: {}", type(exc).__name__)
            return error(500, f"history query failed ({type(exc).__name__})")

    async def events(self, request: web.Request) -> web.StreamResponse:
        if self.hub.stats.clients >= self.max_clients:
            return error(503, "too many event-stream clients", **{"Retry-After": "10"})
        last = request.headers.get("Last-Event-ID") or request.query.get("last_id")
        sub = self.hub.subscribe(int(last) if last and last.isdigit() else None)
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", **SECURITY_HEADERS})
        resp.headers["Cache-Control"] = "no-store"
        try:
            await resp.prepare(request)
            await resp.write(b"retry: 2000\n: stream open\n\n")
            while True:
                await resp.write(await sub.next_batch())
        except (Dropped, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self.hub.unsubscribe(sub)
        return resp

    # ------------------------------------------------------------------ control (guard.py ran first)
    async def pause(self, request: web.Request) -> web.Response:
        body = await self._body(request, "pause")
        if isinstance(body, web.Response):
            return body
        reason = _text(body.get("reason")) or "paused from the console"
        by = f"console:{request.remote or 'unknown'}"
        result = self.source.pause(shorten(reason, MAX_REASON_CHARS), by)
        return self._controlled(request, "pause", result.ok, result.level, by, {"reason": reason}, result)

    async def halt(self, request: web.Request) -> web.Response:
        body = await self._body(request, "halt")
        if isinstance(body, web.Response):
            return body
        reason = _text(body.get("reason"))
        if not reason:
            self._record(request, "halt", "no_reason")
            return error(400, 'a halt needs a reason: {"reason": "..."}')
        by = f"console:{request.remote or 'unknown'}"
        result = self.source.halt(shorten(reason, MAX_REASON_CHARS), by)
        return self._controlled(request, "halt", result.ok, result.level, by, {"reason": reason}, result)

    async def resume(self, request: web.Request) -> web.Response:
        body = await self._body(request, "resume")
        if isinstance(body, web.Response):
            return body
        if body.get("confirm") != RESUME_WORD:
            self._record(request, "resume", "not_confirmed")
            return error(400, f'resume needs a confirmation: {{"confirm": "{RESUME_WORD}"}}')
        by = f"console:{request.remote or 'unknown'}"
        result = self.source.resume(by)
        extra = {"cleared": [h.id for h in result.cleared], "unknown_bets": list(result.unknown_bets)}
        return self._controlled(request, "resume", True, result.level, by, extra, result)

    async def _body(self, request: web.Request, action: str) -> dict[str, Any] | web.Response:
        refusal = ""
        data: Any = {}
        if request.body_exists:
            try:
                data = await request.json()
            except ValueError:
                refusal = "the body must be JSON"
            else:
                if not isinstance(data, dict):
                    refusal = "the body must be a JSON object"
        if refusal:
            self._record(request, action, "bad_body")
            return error(400, refusal)
        return dict(data)

    def _controlled(
        self,
        request: web.Request,
        action: str,
        ok: bool,
        level: str,
        by: str,
        extra: dict[str, Any],
        result: Any,
    ) -> web.Response:
        outcome = "ok" if ok else "refused_by_run"
        self._record(request, action, outcome, **extra)
        if ok:
            self.hub.publish(ControlEvent(time.time(), action, level, by))
        return self._json(result, status=200 if ok else 409)

    def _record(self, request: web.Request, action: str, outcome: str, **extra: Any) -> None:
        self.metrics.controls.labels(action, outcome).inc()
        self.auditor.record(request, action, outcome, **extra)

    # ------------------------------------------------------------------ the page
    async def page(self, request: web.Request) -> web.StreamResponse:
        resp = web.FileResponse(STATIC / "index.html", headers={"Content-Type": "text/html; charset=utf-8"})
        if "token" in request.query:
            # The tokenized URL: the cookie is set here; the page script keeps the token for its POSTs and
            # takes it out of the address bar (history.replaceState) — no response ever carries it back.
            if not self.token.matches(request.query.get("token")):
                return error(401, "unauthorized: wrong token in the URL")
            resp.set_cookie(
                COOKIE,
                self.token.value.get_secret_value(),
                max_age=COOKIE_MAX_AGE_S,
                path="/",
                httponly=True,
                samesite="Strict",
            )
        return resp

    async def static(self, request: web.Request) -> web.StreamResponse:
        name = request.path.lstrip("/")
        headers = {"Content-Type": STATIC_TYPES[name], "Cache-Control": "no-cache"}
        if name == "sw.js":
            headers["Service-Worker-Allowed"] = "/"
        return web.FileResponse(STATIC / name, headers=headers)

    async def icon(self, request: web.Request) -> web.Response:
        png = self.icons.get(request.match_info["name"])
        if png is None:
            return error(404, "no such icon")
        return web.Response(body=png, headers={"Content-Type": "image/png", "Cache-Control": "no-cache"})

    def _json(self, value: Any, status: int = 200) -> web.Response:
        return web.Response(body=self._encoder.encode(value), status=status, content_type="application/json")


def public(state: ConsoleState) -> ConsoleState:
    """The snapshot as it may leave the process: the player id shortened."""
    if state.player is None:
        return state
    return dataclasses.replace(state, player=short_id(state.player))


def not_ready_reason(s: ConsoleState) -> str | None:
    if not s.running:
        return "not running"
    if not s.armed:
        return "not armed (connecting the wallet or verifying the controls)"
    if not s.feed.connected:
        return "feed not connected"
    if not s.feed.live:
        age = "no frame yet" if s.feed.age_s is None else f"last frame {s.feed.age_s:.1f} s ago"
        return f"feed not live ({age})"
    return None


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
