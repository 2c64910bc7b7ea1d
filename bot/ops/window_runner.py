"""The production runner of a schedule window: ``rugsbot run`` as a child process, watched from outside."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from loguru import logger

STOP_GRACE_S = 30.0


@dataclass(frozen=True, slots=True)
class RunRequest:
    window: str
    scheduled_at: datetime
    max_duration_s: float
    max_games: int | None = None
    stop_on_loss_sol: float | None = None
    stop_on_profit_sol: float | None = None


@dataclass
class SubprocessRunner:
    """``rugsbot run --profile P --duration S [--games N] [--yes-live]`` as a child process.

    ``session_pnl_sol`` (optional) reads the running session's P&L (from the database); the runner stops
    the child with SIGTERM — a clean stop — when a window's loss or profit limit is reached, and kills it
    if it outlives the window by :data:`STOP_GRACE_S`. The child's stdin is ``/dev/null``: nobody is there
    to answer a prompt, so a prompt fails at once instead of waiting for the whole window.
    """

    profile: str | None
    extra_args: Sequence[str] = field(default_factory=tuple)
    session_pnl_sol: Callable[[], float | None] | None = None
    poll_s: float = 2.0
    command: Sequence[str] | None = None  # tests: replace the child command
    last_stop_reason: str = ""
    _stop_requested: threading.Event = field(default_factory=threading.Event)

    def request_stop(self) -> None:
        """The schedule itself is stopping: a running child gets SIGTERM at the next poll (≤ ``poll_s``)."""
        self._stop_requested.set()

    def argv(self, req: RunRequest) -> list[str]:
        if self.command is not None:
            return list(self.command)
        argv = [sys.executable, "-m", "bot.cli", "run", "--duration", f"{req.max_duration_s:.0f}"]
        if self.profile:
            argv += ["--profile", self.profile]
        if req.max_games is not None:
            argv += ["--games", str(req.max_games)]
        return argv + list(self.extra_args)

    def __call__(self, req: RunRequest) -> int:
        proc = subprocess.Popen(self.argv(req), stdin=subprocess.DEVNULL)
        started = time.monotonic()
        self.last_stop_reason = ""
        while True:
            try:
                return proc.wait(timeout=self.poll_s)
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - started
            reason = self._stop_reason(req, elapsed)
            if reason:
                self.last_stop_reason = reason
                logger.warning("window {w}: stopping the run ({r})", w=req.window, r=reason)
                proc.terminate()
                try:
                    return proc.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    return proc.wait()

    def _stop_reason(self, req: RunRequest, elapsed: float) -> str:
        if self._stop_requested.is_set():
            return "the schedule was interrupted"
        if elapsed > req.max_duration_s + min(STOP_GRACE_S, req.max_duration_s):
            return f"outlived the window ({elapsed:.0f} s)"
        pnl = self.session_pnl_sol() if self.session_pnl_sol is not None else None
        if pnl is not None:
            if req.stop_on_loss_sol is not None and pnl <= -req.stop_on_loss_sol:
                return f"loss limit {req.stop_on_loss_sol} SOL reached ({pnl:+.4f})"
            if req.stop_on_profit_sol is not None and pnl >= req.stop_on_profit_sol:
                return f"profit target {req.stop_on_profit_sol} SOL reached ({pnl:+.4f})"
        return ""
