"""Real processes for the watchdog's acceptance tests: ``rugsbot sim`` and ``rugsbot run`` as subprocesses, the
database read as ``status`` will read it (read-only), and the browser's pid from /proc."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.browser.processes import browser_processes, main_pid
from bot.browser.singleton import user_data_dir
from bot.sim.runner import free_port, state_of, wait_for_sim
from bot.store.db import Store

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "watchdog-test-password"  # the stand-in wallet's; it makes the profile persist in the data dir
T = TypeVar("T")


@contextlib.contextmanager
def sim_process(tmp: Path, *args: str) -> Iterator[str]:
    """``rugsbot sim`` on a free port (its truth outlives the bot); yields its URL; stopped by its pid."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp / "sim.log").open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "sim", "--port", str(port), *args],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            wait_for_sim(url)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@dataclass
class Bot:
    """A ``rugsbot run`` subprocess on its own data directory."""

    tmp: Path
    proc: subprocess.Popen[bytes]
    out: Path

    @property
    def db(self) -> Path:
        return self.tmp / "var" / "rugsbot.db"

    @property
    def profile_dir(self) -> Path:
        return self.tmp / "var" / "sim-browser-profile"  # bot/app/target.py, with a wallet password

    def output(self) -> str:
        return self.out.read_text(errors="replace")

    def browser_pid(self) -> int | None:
        return main_pid(user_data_dir(self.profile_dir))

    def read(self, fn: Callable[[Store], T]) -> T | None:
        """``fn`` on the database opened read-only (None while it does not exist yet)."""
        if not self.db.exists():
            return None
        try:
            with Store.open_readonly(self.db) as store:
                return fn(store)
        except Exception:
            return None

    def wait(self, cond: Callable[[], bool], timeout_s: float, what: str) -> None:
        deadline = time.monotonic() + timeout_s
        while not cond():
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"the bot exited ({self.proc.returncode}) waiting for {what}:\n{self.output()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{self.output()[-3000:]}")
            time.sleep(0.25)

    def finish(self, timeout_s: float) -> int:
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(
                f"the bot did not finish in {timeout_s} s:\n{self.output()[-3000:]}"
            ) from None

    def stop(self) -> None:
        """Stop the bot (by its pid) and any browser process of its profile left behind."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for p in browser_processes(user_data_dir(self.profile_dir)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(p.pid, signal.SIGKILL)


def bot_env(tmp: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "RUGSBOT_DATA_DIR": str(tmp / "var"),
        "RUGSBOT_RECORDINGS_DIR": str(tmp / "rec"),
        "RUGSBOT_BROWSER_PROFILE_DIR": str(tmp / "profile"),
        "RUGSBOT_STRATEGIES_DIR": str(tmp / "strategies"),
        "RUGSBOT_WALLET_PASSWORD": PASSWORD,
    }
    env.pop("RUGSBOT_URL", None)
    return env


def start_bot(tmp: Path, *args: str) -> Bot:
    out = tmp / "run.out"
    fh = out.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "run", *args],
        cwd=REPO,
        env=bot_env(tmp),
        stdout=fh,
        stderr=subprocess.STDOUT,
    )
    fh.close()  # the child has its own copy
    return Bot(tmp, proc, out)


def cli(tmp: Path, *args: str, timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=REPO,
        env=bot_env(tmp),
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def last_session_id(store: Store) -> str | None:
    last = store.last_session()
    return None if last is None else last.id


def our_truth(url: str, player_ids: set[str]) -> dict[str, Any]:
    """The simulator's truth about the bot's own player(s): requests, bets it booked, balances."""
    truth = state_of(url)
    bets = [b for b in truth["bets"] if b["player_id"] in player_ids]
    requests = sum(n for pid, n in truth["sidebet_requests"].items() if pid in player_ids)
    accounts = [a for a in truth["accounts"] if a["player_id"] in player_ids]
    return {"bets": bets, "requests": requests, "accounts": accounts, "truth": truth}
