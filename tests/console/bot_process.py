"""``rugsbot run`` as a real process, for the console's acceptance tests: its own data dir, the simulator, the
console on a free port, stdout/stderr in files (no pipe to fill), plain HTTP from the test (urllib)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TOKEN = "T"  # the acceptance's token (loopback: any length is allowed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(tmp: Path, *, token: str | None = TOKEN) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
    env.update(
        RUGSBOT_DATA_DIR=str(tmp / "var"),
        RUGSBOT_RECORDINGS_DIR=str(tmp / "rec"),
        RUGSBOT_BROWSER_PROFILE_DIR=str(tmp / "profile"),
    )
    if token is not None:
        env["RUGSBOT_DASHBOARD_TOKEN"] = token
    return env


@dataclass
class BotProcess:
    proc: subprocess.Popen[bytes]
    port: int
    tmp: Path
    env: dict[str, str]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db(self) -> Path:
        return self.tmp / "var" / "rugsbot.db"

    def output(self) -> str:
        return (self.tmp / "bot.out").read_text(errors="replace") + (self.tmp / "bot.err").read_text(
            errors="replace"
        )

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None, *, token: str | None = None
    ) -> tuple[int, str]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token is not None:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def get(self, path: str, *, token: str | None = None) -> tuple[int, str]:
        return self.request("GET", path, token=token)

    def post(self, path: str, body: dict[str, Any], *, token: str | None = None) -> tuple[int, str]:
        return self.request("POST", path, body, token=token)

    def state(self) -> dict[str, Any]:
        status, text = self.get("/api/state", token=TOKEN)
        assert status == 200, text
        out: dict[str, Any] = json.loads(text)
        return out

    def wait_status(self, path: str, status: int, within_s: float) -> float:
        """Seconds until ``path`` answers ``status`` (fails the test after ``within_s``)."""
        t0 = time.monotonic()
        last: object = None
        while time.monotonic() - t0 < within_s:
            assert self.proc.poll() is None, (
                f"the bot exited ({self.proc.returncode}):\n{self.output()[-3000:]}"
            )
            try:
                got, last = self.get(path)
                if got == status:
                    return time.monotonic() - t0
            except OSError as exc:  # not listening yet
                last = exc
            time.sleep(0.2)
        raise AssertionError(f"{path} did not answer {status} within {within_s} s (last: {last})")

    def wait_exit(self, within_s: float) -> int:
        try:
            return self.proc.wait(timeout=within_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the bot did not exit within {within_s} s:\n{self.output()[-3000:]}"
            ) from None

    def active_halt(self) -> tuple[str, str] | None:
        """(reason, source) of the active halt row, read as ``rugsbot status`` would (read-only)."""
        if not self.db.exists():
            return None
        rows = self.query("SELECT reason, source FROM halts WHERE active = 1 ORDER BY id LIMIT 1")
        return (str(rows[0][0]), str(rows[0][1])) if rows else None

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Rows from the bot's database, read-only (the bot keeps writing meanwhile)."""
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=1)) as conn:
            return list(conn.execute(sql, params))

    def control_rows(self) -> list[dict[str, Any]]:
        return [
            json.loads(r[0])
            for r in self.query("SELECT data FROM events WHERE kind = 'control' ORDER BY seq")
        ]

    def status_json(self) -> tuple[int, dict[str, Any]]:
        done = subprocess.run(
            [sys.executable, "-m", "bot.cli", "status", "--json"],
            env=self.env,
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.returncode, json.loads(done.stdout)


@contextlib.contextmanager
def bot_process(tmp: Path, *args: str, port: int, token: str | None = TOKEN) -> Iterator[BotProcess]:
    """``rugsbot run ARGS`` in ``tmp``; killed at the end if it is still running."""
    env = bot_env(tmp, token=token)
    with open(tmp / "bot.out", "wb") as out, open(tmp / "bot.err", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", *args], env=env, cwd=tmp, stdout=out, stderr=err
        )
        bot = BotProcess(proc, port, tmp, env)
        try:
            yield bot
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
