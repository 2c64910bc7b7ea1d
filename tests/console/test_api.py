"""The console's HTTP API against the real server: who is refused, what is audited, what the endpoints say."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.bets.model import BetStatus
from bot.console import ConsoleConfig
from bot.console.auth import COOKIE
from tests.console.conftest import TOKEN, arun, bearer, serving
from tests.console.scripted import PLAYER

GUARDED_GETS = [
    "/metrics",
    "/api/state",
    "/api/events",
    "/api/history",
    "/",
    "/app.js",
    "/app.css",
    "/sw.js",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/no-such-page",
]
BAD_CREDENTIALS: list[tuple[str, dict[str, str]]] = [
    ("none", {}),
    ("wrong bearer", {"Authorization": "Bearer not-the-token"}),
    ("wrong cookie", {"Cookie": f"{COOKIE}=not-the-token"}),
    ("token as basic auth", {"Authorization": f"Basic {TOKEN}"}),
    ("prefix of the token", {"Authorization": f"Bearer {TOKEN[:-1]}"}),
]


def session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())


def test_health_and_ready_are_open_everything_else_needs_the_token(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, session() as http:
            for path in ("/health", "/ready"):
                async with http.get(s.url + path) as r:
                    assert r.status == 200, path
            for path in GUARDED_GETS:
                for label, headers in BAD_CREDENTIALS:
                    async with http.get(s.url + path, headers=headers) as r:
                        assert r.status == 401, (path, label)
                        assert TOKEN not in await r.text()
            for path in GUARDED_GETS[:-1]:
                async with http.get(s.url + path, headers=bearer()) as r:
                    assert r.status == 200, path
                    if path == "/api/events":
                        continue  # an endless stream; its status is what counts here

    arun(body())


# (label, headers, expected status, audited outcome or None when the source is called)
POST_CASES: list[tuple[str, dict[str, str], int, str | None]] = [
    ("no token", {}, 401, "no_token"),
    ("wrong token", {"Authorization": "Bearer wrong"}, 401, "wrong_token"),
    ("cookie only", {"Cookie": f"{COOKIE}={TOKEN}"}, 401, "cookie_only"),
    ("cookie and a same-site origin", {"Cookie": f"{COOKIE}={TOKEN}", "Origin": "{own}"}, 401, "cookie_only"),
    ("cross-origin", {**bearer(), "Origin": "http://evil.example"}, 403, "cross_origin"),
    ("other port, same host", {**bearer(), "Origin": "http://127.0.0.1:1"}, 403, "cross_origin"),
    ("opaque origin", {**bearer(), "Origin": "null"}, 403, "cross_origin"),
    ("cross-site referer", {**bearer(), "Referer": "http://evil.example/page"}, 403, "cross_origin"),
    ("same origin", {**bearer(), "Origin": "{own}"}, 200, None),
    ("same-origin referer", {**bearer(), "Referer": "{own}/"}, 200, None),
    ("no browser headers (curl)", bearer(), 200, None),
]


@pytest.mark.parametrize(
    ("label", "headers", "status", "outcome"), POST_CASES, ids=[c[0] for c in POST_CASES]
)
def test_control_requests_need_the_bearer_token_and_the_same_origin(
    tmp_path: Path, label: str, headers: dict[str, str], status: int, outcome: str | None
) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, session() as http:
            sent = {k: v.replace("{own}", s.url) for k, v in headers.items()}
            async with http.post(s.url + "/api/halt", json={"reason": "from a test"}, headers=sent) as r:
                assert r.status == status, await r.text()
            rows = s.control_rows()
            assert len(rows) == 1
            assert rows[0]["action"] == "halt"
            if outcome is None:
                assert [c[0] for c in s.run.calls] == ["halt"]
                assert rows[0]["outcome"] == "ok"
                halt = s.store.active_halt()
                assert (
                    halt is not None and halt.reason == "from a test" and halt.source == "console:127.0.0.1"
                )
            else:
                assert s.run.calls == []
                assert rows[0]["outcome"] == outcome
                assert s.store.active_halt() is None

    arun(body())


def test_an_accepted_control_is_audited_with_what_when_and_where(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, session() as http:
            before = time.time()
            async with http.post(
                s.url + "/api/pause", json={"reason": "coffee"}, headers={**bearer(), "User-Agent": "phone/1"}
            ) as r:
                assert r.status == 200
                assert (await r.json())["level"] == "PAUSED"
            [row] = s.control_rows()
            assert row["action"] == "pause" and row["outcome"] == "ok" and row["reason"] == "coffee"
            assert row["remote"] == "127.0.0.1" and row["user_agent"] == "phone/1"
            assert before <= row["_t"] <= time.time()
            assert row["_session"] == s.run.session

    arun(body())


def test_halt_needs_a_reason_and_resume_needs_the_confirmation_word(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path, config=ConsoleConfig(port=0, control_burst=50)) as s, session() as http:
            for payload in ({}, {"reason": "   "}, {"reason": 7}):
                async with http.post(s.url + "/api/halt", json=payload, headers=bearer()) as r:
                    assert r.status == 400
            async with http.post(s.url + "/api/halt", data=b"not json", headers=bearer()) as r:
                assert r.status == 400
            assert s.store.active_halt() is None
            async with http.post(s.url + "/api/halt", json={"reason": "stop"}, headers=bearer()) as r:
                assert r.status == 200 and (await r.json())["level"] == "HALTED"
            for payload in ({}, {"confirm": True}, {"confirm": "resume"}, {"confirm": "yes"}):
                async with http.post(s.url + "/api/resume", json=payload, headers=bearer()) as r:
                    assert r.status == 400, payload
            assert s.store.active_halt() is not None
            # an unknown bet still blocks betting after a resume, and the resume says so (as the CLI does)
            bet_id = s.store.insert_bet_intent(
                session=s.run.session,
                game="g1",
                decided_tick=5,
                decided_t=time.time(),
                amount_lamports=1_000_000,
                coin="0xPractice",
                strategy="fixed",
                reason="test",
            )
            s.store.update_bet(bet_id, BetStatus.UNKNOWN, t=time.time())
            async with http.post(s.url + "/api/resume", json={"confirm": "RESUME"}, headers=bearer()) as r:
                assert r.status == 200
                data = await r.json()
            assert [h["reason"] for h in data["cleared"]] == ["stop"]
            assert data["unknown_bets"] == [bet_id]
            assert s.store.active_halt() is None
            outcomes = [(row["action"], row["outcome"]) for row in s.control_rows()]
            assert outcomes == [("halt", "no_reason")] * 3 + [("halt", "bad_body"), ("halt", "ok")] + [
                ("resume", "not_confirmed")
            ] * 4 + [("resume", "ok")]

    arun(body())


def test_control_requests_are_rate_limited_per_client(tmp_path: Path) -> None:
    async def body() -> None:
        cfg = ConsoleConfig(port=0, control_burst=3, control_per_s=60.0)
        async with serving(tmp_path, config=cfg) as s, session() as http:
            statuses = []
            for _ in range(5):
                async with http.post(s.url + "/api/pause", json={}, headers=bearer()) as r:
                    statuses.append(r.status)
                    retry = r.headers.get("Retry-After")
            assert statuses == [200, 200, 200, 429, 429]
            assert retry is not None and int(retry) >= 1
            # guessing tokens is limited too: a wrong token uses up the same bucket
            async with http.post(s.url + "/api/halt", json={"reason": "x"}, headers=bearer("guess")) as r:
                assert r.status == 429
            assert len(s.run.calls) == 3
            assert len(s.control_rows()) == 3  # rate-limited requests are counted in the metrics, not audited
            async with http.get(s.url + "/metrics", headers=bearer()) as r:
                text = await r.text()
            assert 'rugsbot_control_requests_total{action="pause",outcome="rate_limited"} 2.0' in text

    arun(body())


@pytest.mark.parametrize(
    ("armed", "live", "status", "reason"),
    [
        (True, True, 200, None),
        (False, True, 503, "not armed"),
        (True, False, 503, "feed not live (last frame 30.0 s ago)"),
    ],
)
def test_ready_says_why_not(tmp_path: Path, armed: bool, live: bool, status: int, reason: str | None) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, session() as http:
            s.run.armed, s.run.feed_live = armed, live
            async with http.get(s.url + "/ready") as r:
                assert r.status == status
                data = await r.json()
            assert data["ready"] is (status == 200)
            if reason is not None:
                assert data["reason"].startswith(reason)

    arun(body())


def test_no_secret_and_no_full_player_id_in_any_response(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, session() as http:
            s.run.advance()
            s.run.settle(won=True)
            seen: list[str] = []
            for path in ("/health", "/ready", "/metrics", "/api/state", "/api/history", "/", "/app.js"):
                async with http.get(s.url + path, headers=bearer()) as r:
                    seen.append(await r.text() + str(dict(r.headers)))
            async with http.get(s.url + f"/?token={TOKEN}") as r:
                assert r.status == 200
                seen.append(await r.text() + str([(k, v) for k, v in r.headers.items() if k != "Set-Cookie"]))
            async with http.post(s.url + "/api/pause", json={}, headers=bearer()) as r:
                seen.append(await r.text())
            for text in seen:
                assert TOKEN not in text
                assert PLAYER not in text
            async with http.get(s.url + "/api/state", headers=bearer()) as r:
                state: dict[str, Any] = await r.json()
            assert state["player"] == "did:…6t1y"
            assert state["settled_bets"][0]["pnl_lamports"] == 40_000_000

    arun(body())


def test_the_tokenized_url_sets_an_httponly_strict_cookie_that_reads_but_cannot_control(
    tmp_path: Path,
) -> None:
    async def body() -> None:
        jar = aiohttp.CookieJar(unsafe=True)  # unsafe: accept cookies from an IP address host
        async with serving(tmp_path) as s, aiohttp.ClientSession(cookie_jar=jar) as http:
            async with http.get(s.url + "/?token=wrong") as r:
                assert r.status == 401
            assert len(jar) == 0
            async with http.get(s.url + f"/?token={TOKEN}") as r:
                assert r.status == 200
                cookie = r.cookies[COOKIE]
            assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
            async with http.get(s.url + "/api/state") as r:
                assert r.status == 200
            async with http.post(
                s.url + "/api/halt", json={"reason": "csrf"}, headers={"Origin": s.url}
            ) as r:
                assert r.status == 401
            assert s.store.active_halt() is None

    arun(body())


def test_security_headers(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, session() as http:
            for path in ("/", "/api/state", "/health"):
                async with http.get(s.url + path, headers=bearer()) as r:
                    csp = r.headers["Content-Security-Policy"]
                    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
                    assert r.headers["X-Content-Type-Options"] == "nosniff"
                    assert r.headers["Referrer-Policy"] == "same-origin"
                    assert r.headers["Cache-Control"] == "no-store"

    arun(body())


def test_history_endpoint_reads_the_database(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, session() as http:
            t = time.time()
            for i, status in enumerate((BetStatus.WON, BetStatus.LOST, BetStatus.LOST)):
                b = s.store.insert_bet_intent(
                    session=s.run.session,
                    game=f"g{i}",
                    decided_tick=3,
                    decided_t=t,
                    amount_lamports=10_000_000,
                    coin="0xPractice",
                    strategy="fixed",
                    reason="test",
                )
                s.store.update_bet(b, BetStatus.CONFIRMED, t=t, start_tick=4, end_tick=44)
                s.store.update_bet(
                    b, status, t=t, payout_lamports=50_000_000 if status is BetStatus.WON else 0
                )
            async with http.get(s.url + "/api/history", headers=bearer()) as r:
                assert r.status == 200
                h = await r.json()
            assert h["sessions"] == 1
            assert h["overall"]["bets"] == 3 and h["overall"]["wins"] == 1
            [day] = h["days"]
            assert (day["mode"], day["coin"], day["pnl_lamports"]) == (
                "PRACTICE",
                "FREE",
                40_000_000 - 20_000_000,
            )

    arun(body())
