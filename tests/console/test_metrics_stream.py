"""/metrics through prometheus_client's own parser, and the event stream (order, resume, slow clients)."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import aiohttp
import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot.console import ConsoleConfig, EventHub, RunMetrics, TickEvent
from bot.game.rules import P_WIN
from tests.console.conftest import arun, bearer, serving
from tests.console.scripted import START_LAMPORTS

REQUIRED = {
    "rugsbot_frames_received": "counter",
    "rugsbot_decisions": "counter",
    "rugsbot_bets": "counter",
    "rugsbot_decision_latency_seconds": "histogram",
    "rugsbot_click_latency_seconds": "histogram",
    "rugsbot_pwin": "gauge",
    "rugsbot_pwin_low": "gauge",
    "rugsbot_pwin_high": "gauge",
    "rugsbot_bankroll_lamports": "gauge",
    "rugsbot_session_pnl_lamports": "gauge",
    "rugsbot_halted": "gauge",
    "rugsbot_paused": "gauge",
    "rugsbot_feed_age_seconds": "gauge",
    "rugsbot_recoveries": "counter",
}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_parse_and_carry_the_run(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, aiohttp.ClientSession() as http:
            m = s.metrics
            for _ in range(5):
                m.frame()
            for latency in (0.0002, 0.0004, 0.003):
                m.decision(latency)
            m.click(0.041)
            m.bet("won")
            m.bet("lost")
            m.bet("lost")
            m.bet("confirmed")  # not a result: not counted
            m.recovery()
            s.run.settle(won=True)
            async with http.get(s.url + "/metrics", headers=bearer()) as r:
                assert r.status == 200
                assert r.headers["Content-Type"].startswith("text/plain")
                text = await r.text()
            families = {f.name: f.type for f in text_string_to_metric_families(text)}
            for name, kind in REQUIRED.items():
                assert families.get(name) == kind, name
            v = samples(text)
            assert v[("rugsbot_frames_received_total", ())] == 5
            assert v[("rugsbot_decisions_total", ())] == 3
            assert v[("rugsbot_decision_latency_seconds_count", ())] == 3
            assert v[("rugsbot_decision_latency_seconds_bucket", (("le", "0.00025"),))] == 1
            assert v[("rugsbot_decision_latency_seconds_bucket", (("le", "0.001"),))] == 2
            assert v[("rugsbot_click_latency_seconds_count", ())] == 1
            assert v[("rugsbot_bets_total", (("result", "won"),))] == 1
            assert v[("rugsbot_bets_total", (("result", "lost"),))] == 2
            assert v[("rugsbot_bets_total", (("result", "unknown"),))] == 0
            assert v[("rugsbot_recoveries_total", ())] == 1
            assert v[("rugsbot_pwin", ())] == P_WIN
            assert v[("rugsbot_pwin_low", ())] < P_WIN < v[("rugsbot_pwin_high", ())]
            assert v[("rugsbot_bankroll_lamports", ())] == START_LAMPORTS + 40_000_000
            assert v[("rugsbot_session_pnl_lamports", ())] == 40_000_000
            assert v[("rugsbot_halted", ())] == 0
            assert v[("rugsbot_feed_age_seconds", ())] == 0.2

            s.run.pause("coffee", "test")
            async with http.get(s.url + "/metrics", headers=bearer()) as r:
                v = samples(await r.text())
            assert v[("rugsbot_paused", (("guard", "operator"),))] == 1
            s.run.resume("test")
            s.run.halt("enough", "test")
            async with http.get(s.url + "/metrics", headers=bearer()) as r:
                v = samples(await r.text())
            assert v[("rugsbot_paused", (("guard", "operator"),))] == 0  # cleared, still listed
            assert v[("rugsbot_halted", ())] == 1

    arun(body())


def test_each_run_has_its_own_registry_and_the_global_one_is_untouched() -> None:
    a, b = RunMetrics(), RunMetrics()
    a.frame()
    a.frame()
    b.frame()
    assert samples(a.render().decode())[("rugsbot_frames_received_total", ())] == 2
    assert samples(b.render().decode())[("rugsbot_frames_received_total", ())] == 1
    assert not [n for n in REGISTRY._names_to_collectors if n.startswith("rugsbot_")]


async def read_events(resp: aiohttp.ClientResponse, n: int) -> list[tuple[int, str, dict[str, object]]]:
    """The next ``n`` events of an SSE response as (id, kind, data)."""
    out: list[tuple[int, str, dict[str, object]]] = []
    fields: dict[str, str] = {}
    while len(out) < n:
        line = (await asyncio.wait_for(resp.content.readline(), 5)).decode().rstrip("\n")
        if not line:
            if "event" in fields:
                out.append((int(fields["id"]), fields["event"], json.loads(fields["data"])))
            fields = {}
        elif not line.startswith(":") and ":" in line:
            key, _, value = line.partition(":")
            fields[key] = value.lstrip(" ")
    return out


def test_the_stream_delivers_in_order_and_resumes_after_a_reconnect(tmp_path: Path) -> None:
    async def body() -> None:
        async with serving(tmp_path) as s, aiohttp.ClientSession() as http:
            async with http.get(s.url + "/api/events", headers=bearer()) as r:
                assert r.headers["Content-Type"] == "text/event-stream"
                await asyncio.sleep(0.05)
                s.run.advance()
                s.run.advance()
                got = await read_events(r, 4)
            assert [k for _, k, _ in got] == ["tick", "decision", "tick", "decision"]
            assert [d["tick"] for _, k, d in got if k == "tick"] == [1, 2]
            assert got[1][2]["decision"]["reason"].startswith("EV")  # type: ignore[index]
            last_id = got[-1][0]
            s.run.advance()  # while no client is connected
            s.run.settle(won=False)
            async with http.get(
                s.url + "/api/events", headers={**bearer(), "Last-Event-ID": str(last_id)}
            ) as r:
                missed = await read_events(r, 3)
            assert [k for _, k, _ in missed] == ["tick", "decision", "bet"]
            assert [i for i, _, _ in missed] == [last_id + 1, last_id + 2, last_id + 3]
            assert missed[2][2]["bet"]["status"] == "lost"  # type: ignore[index]

    arun(body())


def test_a_client_that_stops_reading_is_dropped_and_the_publisher_never_waits(tmp_path: Path) -> None:
    async def body() -> None:
        cfg = ConsoleConfig(port=0, client_buffer=16)
        async with serving(tmp_path, config=cfg) as s:
            _reader, writer = await asyncio.open_connection("127.0.0.1", s.server.port)
            writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            writer.write(
                f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {bearer()['Authorization'][7:]}"
                "\r\n\r\n".encode()
            )
            await writer.drain()
            while s.server.hub.stats.clients == 0:
                await asyncio.sleep(0.01)
            # never read: the socket buffers fill, the server's write waits, its queue fills, it is dropped
            for _ in range(200):
                for _ in range(100):
                    s.run.advance()  # synchronous: the run cannot be made to wait
                await asyncio.sleep(0.005)
                if s.server.hub.stats.dropped:
                    break
            assert s.server.hub.stats.dropped == 1
            assert s.server.hub.stats.clients == 0
            async with aiohttp.ClientSession() as http, http.get(s.url + "/metrics", headers=bearer()) as r:
                v = samples(await r.text())
            assert v[("rugsbot_console_clients_dropped_total", ())] == 1
            writer.close()

    arun(body())


def test_hub_queue_is_bounded_per_client_and_replays_only_what_it_still_holds() -> None:
    async def body() -> None:
        dropped: list[int] = []
        hub = EventHub(client_buffer=4, replay=4, on_drop=lambda: dropped.append(1))
        hub.bind(asyncio.get_running_loop())
        fast, slow = hub.subscribe(), hub.subscribe()
        for tick in range(4):
            hub.publish(TickEvent(0.0, "g", tick, "ACTIVE", 1.0))
            assert (await fast.next_batch()).count(b"event: tick") == 1
        assert not slow.dropped
        hub.publish(TickEvent(0.0, "g", 4, "ACTIVE", 1.0))  # the slow one already holds 4: dropped ...
        assert not slow.dropped and hub.stats.clients == 2  # ... by the fan-out, after the publisher returned
        await asyncio.sleep(0)
        assert slow.dropped and not fast.dropped and dropped == [1]
        assert hub.stats.clients == 1
        for tick in range(5, 8):
            hub.publish(TickEvent(0.0, "g", tick, "ACTIVE", 1.0))
        late = hub.subscribe(last_event_id=2)  # ids 3 and 4 are out of the ring (it holds 5..8)
        batch = await late.next_batch()
        assert [int(x.split(b"\n")[0]) for x in batch.split(b"id: ")[1:]] == [5, 6, 7, 8]
        with pytest.raises(ValueError):
            EventHub(client_buffer=4, replay=5)
        hub.keepalive()  # a comment, not an event: no id
        assert await late.next_batch() == b": keep-alive\n\n"
        hub.close()
        try:
            await late.next_batch()
        except Exception as exc:
            assert type(exc).__name__ == "Dropped"
        else:
            raise AssertionError("a closed hub must end the stream")

    arun(body())
