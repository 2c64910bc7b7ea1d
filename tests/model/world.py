"""The operator's world for the model-based test: one ``rugsbot sim`` process that outlives every bot run of a
sequence, one data directory, persistent wallets, and the commands an operator types.

Everything is real: ``rugsbot run --sim-url`` subprocesses in headless Chromium with the stand-in wallet,
``rugsbot halt`` / ``resume`` / ``bets --json --all`` / ``status --json`` as an operator runs them, the SQLite
database on disk (read-only here), and the simulator's ``/__sim/state`` book.

Accounts. The simulator's player id is ``did:sim:<public key>`` (bot/sim/accounts.py ``authenticate``), and the
stand-in wallet draws its key once, when it is created, and keeps it in the browser profile
(bot/sim/wallet_extension/background.js ``createWallet``). With ``RUGSBOT_WALLET_PASSWORD`` set, a simulator run
uses the persistent profile ``<data_dir>/sim-browser-profile`` (bot/app/target.py), so one profile directory is
one account. Wallets ``A`` and ``B`` are two such directories, moved into place before a run (the operator's
"other wallet" on the same data directory); ``fresh`` is a run without a password: a throw-away profile, a new
account every time (the case of issue 11, repro 2).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sim.runner import free_port, state_of, wait_for_sim

REPO = Path(__file__).resolve().parents[2]
PROFILES = Path(__file__).resolve().parent / "profiles"
PASSWORD = "model-test-wallet-pw"  # the stand-in wallet's password (a test secret, never a real one)
OPERATOR_REASON = "operator model: halt"

# Log lines (loguru, one per line) that mark the moments a stop is timed against.
MOMENTS: dict[str, re.Pattern[str]] = {
    "startup": re.compile(r"\| browser \S+ on profile "),  # before the wallet login
    "armed": re.compile(r"\| armed in \S+ mode"),  # controls verified, before any decision
    "intent": re.compile(r"\| bet intent \S+:"),  # written ahead, click not made yet
    "click": re.compile(r"\| clicked side bet "),  # the click left the page
    "settled": re.compile(r"\| bet \S+ (won|lost): "),  # a bet was booked
}
ACCOUNT_LINE = re.compile(r"\| (?:logged in as|account) (did:sim:[1-9A-HJ-NP-Za-km-z]+)")


@dataclass(frozen=True)
class Stop:
    """How a run ends: after ``games`` finished games, or by ``signal`` (to the bot's pid, or to its whole
    process group as a terminal's Ctrl-C or systemd does) at ``moment`` + ``delay_s``, or by an operator
    ``rugsbot halt`` at that moment. ``twin``: once the run is armed, the operator starts a second ``rugsbot run``
    on the same data directory (it must refuse: exit 4, nothing written). ``twice``: an impatient operator sends
    the signal again 0.3 s later."""

    kind: str  # games | signal | halt
    games: int = 0
    twin: bool = False
    twice: bool = False
    sig: int = 0
    group: bool = False
    moment: str = ""
    delay_s: float = 0.0

    def __str__(self) -> str:
        if self.kind == "games":
            return f"--games {self.games}" + (", a second run started once armed" if self.twin else "")
        at = f"at {self.moment}+{self.delay_s:.2f}s"
        if self.kind == "halt":
            return f"rugsbot halt {at}"
        again = " twice" if self.twice else ""
        return f"{signal.Signals(self.sig).name}{again} to the {'group' if self.group else 'pid'} {at}"


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    hit: bool  # the stop's moment was seen in the log (else the run ended first, or the fallback timer fired)
    account: str | None  # the player id the run logged in as
    elapsed_s: float
    stragglers: int  # processes of the run still alive 20 s after it exited (then killed by the harness)
    log: Path
    halt_code: int | None = None  # the exit code of `rugsbot halt` for a halt stop
    twin: tuple[int, str] | None = None  # the second run's exit code and output, while the first still ran


class Simulator:
    """``rugsbot sim`` in its own process for one sequence: ``url``, ``state()``, ``stop()``."""

    def __init__(self, base: Path, *, seed: str, rug_at: list[int], speed: float) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base.mkdir(parents=True, exist_ok=True)
        self._log = (base / "sim.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "sim", "--port", str(self.port), "--seed", seed,
             "--speed", f"{speed:g}", "--rug-at", ",".join(map(str, rug_at)), "--practice-balance", "100"],
            cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_sim(self.url, timeout=60)
        except BaseException:
            self.stop()
            raise

    def state(self) -> dict[str, Any]:
        return state_of(self.url)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self._log.close()


class World:
    """One data directory against one simulator; the operator's commands. Runs are sequential."""

    def __init__(self, base: Path, sim_url: str) -> None:
        self.base = base
        self.sim_url = sim_url
        self.data = base / "var"
        self.wallets = base / "wallets"
        self.logs = base / "logs"
        for d in (self.data, self.wallets, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        self._in_place: str | None = None  # which wallet's profile is <data>/sim-browser-profile
        self._runs = 0

    @property
    def db(self) -> Path:
        return self.data / "rugsbot.db"

    def env(self, wallet: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
        env.update(
            RUGSBOT_DATA_DIR=str(self.data),
            RUGSBOT_RECORDINGS_DIR=str(self.base / "rec"),
            # simulator runs with a password use <data_dir>/sim-browser-profile, never this one
            RUGSBOT_BROWSER_PROFILE_DIR=str(self.base / "unused-profile"),
        )
        if wallet not in (None, "fresh"):
            env["RUGSBOT_WALLET_PASSWORD"] = PASSWORD
        return env

    def _use_wallet(self, wallet: str) -> None:
        """Put ``wallet``'s browser profile in place (the run that creates it makes the directory)."""
        if wallet == "fresh" or wallet == self._in_place:
            return
        live = self.data / "sim-browser-profile"
        if self._in_place is not None and live.exists():
            live.rename(self.wallets / self._in_place)
        stored = self.wallets / wallet
        if stored.exists():
            stored.rename(live)
        self._in_place = wallet

    # ------------------------------------------------------------------ rugsbot run
    def run(self, *, mode: str, wallet: str, profile: str, stop: Stop, timeout_s: float = 240) -> RunResult:
        """One ``rugsbot run`` from start to exit, stopped as ``stop`` says. Never leaves a process behind."""
        self._use_wallet(wallet)
        self._runs += 1
        log = self.logs / f"run{self._runs:03d}-{mode}-{wallet}-{profile}.log"
        # a signal run still ends if its moment never comes; a halted dry-run keeps watching (only clicking modes
        # stop on a halt: bot/app/live.py) until its games are over
        games = {"games": stop.games, "halt": 3}.get(stop.kind, 8)
        # --no-dashboard: the console is not under test, and parallel runs would share its default 127.0.0.1:8780
        args = [sys.executable, "-m", "bot.cli", "run", "--sim-url", self.sim_url,
                "--profile", str(PROFILES / f"{profile}.toml"), f"--{mode}", "--headless", "--no-trace",
                "--games", str(games), "--no-dashboard"]  # fmt: skip
        started = time.monotonic()
        hit, halt_code, twin = False, None, None
        with log.open("w") as out:
            proc = subprocess.Popen(
                args,
                env=self.env(wallet),
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                if stop.twin:
                    hit = self._wait_for(proc, log, MOMENTS["armed"], started + 150)
                    if proc.poll() is None:
                        second = subprocess.run(
                            args, env=self.env(wallet), cwd=REPO, capture_output=True, text=True, timeout=120
                        )
                        if proc.poll() is None:  # the first held the lock all along: a fair test
                            twin = (second.returncode, second.stdout + second.stderr)
                elif stop.kind != "games":
                    hit = self._wait_for(proc, log, MOMENTS[stop.moment], started + 150)
                    if proc.poll() is None:
                        time.sleep(stop.delay_s)
                        if stop.kind == "signal":
                            for i in range(2 if stop.twice else 1):
                                time.sleep(0.3 * i)
                                with contextlib.suppress(ProcessLookupError):
                                    (os.killpg if stop.group else os.kill)(proc.pid, stop.sig)
                        else:
                            halt_code, _ = self.cli("halt", "--reason", OPERATOR_REASON)
                code = proc.wait(timeout=max(5.0, timeout_s - (time.monotonic() - started)))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                code = -999  # did not end in time: reported as an unexpected exit
        stragglers = self._reap(proc.pid)
        text = log.read_text(errors="replace")
        found = ACCOUNT_LINE.findall(text)
        return RunResult(
            code,
            hit,
            found[-1] if found else None,
            time.monotonic() - started,
            stragglers,
            log,
            halt_code,
            twin,
        )

    @staticmethod
    def _wait_for(proc: subprocess.Popen[Any], log: Path, pattern: re.Pattern[str], deadline: float) -> bool:
        while proc.poll() is None and time.monotonic() < deadline:
            if pattern.search(log.read_text(errors="replace")):
                return True
            time.sleep(0.02)
        return False

    @staticmethod
    def _reap(pgid: int, wait_s: float = 20.0) -> int:
        """Wait for the run's process group (node driver, Chromium) to go; kill what is left after ``wait_s``."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return 0
            time.sleep(0.1)
        left = subprocess.run(["ps", "-o", "pid=", "-g", str(pgid)], capture_output=True, text=True).stdout
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        return len(left.split())

    # ------------------------------------------------------------------ the other commands
    def cli(self, *args: str) -> tuple[int, str]:
        proc = subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            env=self.env(),
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return proc.returncode, proc.stdout + proc.stderr

    def read_views(self) -> tuple[dict[str, Any], dict[str, Any], int]:
        """``rugsbot bets --json --all`` and ``rugsbot status --json`` (run side by side) and status's exit code."""
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *args],
                env=self.env(),
                cwd=REPO,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in (("bets", "--json", "--all"), ("status", "--json"))
        ]
        outs = [p.communicate(timeout=120) for p in procs]
        for p, (_, err) in zip(procs, outs, strict=True):
            if p.returncode not in (0, 3):
                raise RuntimeError(f"{p.args[3:]} exited {p.returncode}: {err[-2000:]}")
        return json.loads(outs[0][0]), json.loads(outs[1][0]), procs[1].returncode

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Read the bot's database (read-only; [] before the first run created it)."""
        if not self.db.exists():
            return []
        with contextlib.closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)) as conn:
            return list(conn.execute(sql, params))
