"""The operator model's driver: a seeded random operator against one simulator that outlives every bot run.

Each *sequence* is one simulator, one data directory and a few persistent wallets; each *step* is one thing an
operator does — start the bot (practice or dry-run, wallet A, B or a throw-away one, profile calm or tight) and
stop it (``--games N``, SIGINT / SIGTERM / SIGKILL to the bot or to its whole process group at a moment read
from its log: before login, once armed, between the write-ahead and the click, right after the click, after a
settlement; or ``rugsbot halt`` from another terminal at such a moment), ``rugsbot halt``, ``rugsbot resume``.
After every step every invariant of tests/model/invariants.py is checked against the simulator's book, plus the
run's exit code and that the step moved no bet of another account or mode.

Why a seeded driver and not hypothesis' ``RuleBasedStateMachine``: a step is a browser run of 10-30 s whose
outcome depends on wall-clock timing, so shrinking (re-running prefixes) is neither affordable nor faithful; a
seed reproduces the *actions* of a sequence exactly, the report lists them, and ``RUGSBOT_MODEL_SEED`` replays.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.model.invariants import (
    DRY_RUN,
    INVARIANTS,
    PRACTICE,
    History,
    Limits,
    Observation,
    RunRecord,
    untouched,
)
from tests.model.observe import observe
from tests.model.world import OPERATOR_REASON, Simulator, Stop, World

LAMPORTS = 10**9
# The two profiles of tests/model/profiles, as the invariants check them (keep in step with the TOML files).
LIMITS = {
    "model-calm": Limits(
        session_loss=1 * LAMPORTS, daily_loss=2 * LAMPORTS, max_consecutive_losses=30, bets_per_game=2
    ),
    "model-tight": Limits(
        session_loss=60_000_000, daily_loss=200_000_000, max_consecutive_losses=4, bets_per_game=1
    ),
}
DELAYS = {"startup": 3.0, "armed": 2.0, "intent": 0.1, "click": 0.4, "settled": 1.5}  # max extra delay (s)
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL)


@dataclass(frozen=True)
class Action:
    kind: str  # run | halt | resume
    mode: str = ""  # practice | dry-run
    wallet: str = ""  # A | B | fresh
    profile: str = ""  # model-calm | model-tight
    stop: Stop | None = None

    def __str__(self) -> str:
        if self.kind != "run":
            return f"rugsbot {self.kind}"
        return f"run --{self.mode} wallet {self.wallet} profile {self.profile}, stop: {self.stop}"


@dataclass
class SequenceReport:
    seed: str
    steps: list[str] = field(default_factory=list)
    checks: int = 0
    violations: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # not violations: stragglers, moments never reached
    exits: Counter[str] = field(default_factory=Counter)
    bets: int = 0
    wall_s: float = 0.0
    base: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "steps": self.steps,
            "checks": self.checks,
            "violations": self.violations,
            "notes": self.notes,
            "exits": dict(self.exits),
            "bets": self.bets,
            "wall_s": round(self.wall_s, 1),
            "base": self.base,
        }


class Operator:
    """Draws the next action from the seed and what the operator can see (``status``: halted or not)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def next(self, halted: bool) -> Action:
        r = self.rng
        roll = r.random()
        if halted and roll < 0.6:
            return Action("resume")
        if not halted and roll < 0.1:
            return Action("halt")
        if not halted and roll < 0.14:
            return Action("resume")  # nothing to clear: must change nothing
        mode = r.choices(("practice", "dry-run"), (3, 1))[0]
        wallet = r.choices(("A", "B", "fresh"), (5, 3, 2))[0]
        profile = r.choices(("model-calm", "model-tight"), (3, 2))[0]
        kind = r.choices(("games", "signal", "halt"), (7, 10, 2))[0]
        if kind == "games":
            games = r.choice((1, 2, 2, 3))
            stop = Stop("games", games=games, twin=games > 1 and r.random() < 0.3)
            return Action("run", mode, wallet, profile, stop)
        moments = ("startup", "armed", "intent", "click", "settled")
        moment = r.choice(moments if mode == "practice" else ("startup", "armed", "intent", "settled"))
        delay = round(r.uniform(0, DELAYS[moment]), 3)
        if kind == "halt":
            return Action("run", mode, wallet, profile, Stop("halt", moment=moment, delay_s=delay))
        sig = r.choice(SIGNALS)
        twice = sig != signal.SIGKILL and r.random() < 0.25
        stop = Stop("signal", sig=sig, group=r.random() < 0.5, moment=moment, delay_s=delay, twice=twice)
        return Action("run", mode, wallet, profile, stop)


def rug_schedule(rng: random.Random, n: int = 12) -> list[int]:
    """Rug ticks for the sequence's games (provably fair, ``rugsbot sim --rug-at``): mostly short games, with
    windows that win (rug within 40 ticks of a bet at tick 5-8) and lose; some long ones (150-300 ticks, 5-9 s
    at speed 8) so that a restart can land in the game of the bet it left open, and a profile would place more
    bets in one game than its cap allows."""
    return [rng.randint(15, 110) if rng.random() < 0.7 else rng.randint(150, 300) for _ in range(n)]


def expected_exits(stop: Stop, mode: str, refused: bool, hit: bool) -> set[int]:
    """Exit codes (bot/exitcodes.py) an ordinary stop may end with. 3 (halted) also needs a true halt reason,
    which the halt invariant checks; a halted dry-run keeps watching until its games are over (0)."""
    if refused:
        return {3}
    if stop.kind == "games" or not hit:
        return {0, 3}
    if stop.kind == "halt":
        return {3} if mode == "practice" else {0, 3}
    if stop.sig == signal.SIGKILL:
        return {-signal.SIGKILL, 0, 3}
    return {130, 0, 3}


class Sequence:
    """One sequence: a simulator, a data directory, ``steps`` actions (an ``opening`` first, if given)."""

    def __init__(
        self, base: Path, seed: str, steps: int, *, speed: float = 8.0, opening: tuple[Action, ...] = ()
    ) -> None:
        self.base = base
        self.seed = seed
        self.steps = steps
        self.speed = speed
        self.opening = opening
        self.rng = random.Random(seed)
        self.history = History(limits=dict(LIMITS))
        self.report = SequenceReport(seed, base=str(base))
        self._recordings = 0

    def run(self) -> SequenceReport:
        started = time.monotonic()
        sim = Simulator(self.base, seed=self.seed, rug_at=rug_schedule(self.rng), speed=self.speed)
        try:
            world = World(self.base, sim.url)
            operator = Operator(self.rng)
            before = observe(world, sim.state())
            for step in range(1, self.steps + 1):
                action = (
                    self.opening[step - 1]
                    if step <= len(self.opening)
                    else operator.next(before.active_halt is not None)
                )
                owner, mode, problems = self._do(world, step, action, before)
                after = observe(world, sim.state())
                self._check(step, action, before, after, owner, mode, problems)
                before = after
                if self.report.violations:
                    break
            self.report.bets = len(before.bets)
        finally:
            sim.stop()
            self.report.wall_s = time.monotonic() - started
        return self.report

    def _do(
        self, world: World, step: int, action: Action, before: Observation
    ) -> tuple[str | None, str | None, list[str]]:
        """Carry out one action; returns whose bets it may move (account, mode) and problems seen doing it."""
        problems: list[str] = []
        if action.kind == "halt":
            self.history.operator_halts.append(time.time())
            code, out = world.cli("halt", "--reason", OPERATOR_REASON)
            self.report.steps.append(f"{step}. {action} -> exit {code}")
            if code != 0:
                problems.append(f"rugsbot halt exited {code}: {out[-500:]}")
            return None, None, problems
        if action.kind == "resume":
            code, out = world.cli("resume")
            if "cleared halt" in out:
                self.history.resumes.append(time.time())
            self.report.steps.append(f"{step}. {action} -> exit {code}: {out.strip().splitlines()[:1]}")
            if code != 0 or ("cleared halt" in out) != (before.active_halt is not None):
                problems.append(
                    f"rugsbot resume exited {code} with a halt active={before.active_halt}: {out}"
                )
            return None, None, problems
        assert action.stop is not None
        refused = before.active_halt is not None
        if action.stop.kind == "halt":
            self.history.operator_halts.append(time.time())
        result = world.run(mode=action.mode, wallet=action.wallet, profile=action.profile, stop=action.stop)
        label = PRACTICE if action.mode == "practice" else DRY_RUN
        sessions = {sid for (sid,) in world.query("SELECT id FROM sessions")} - set(before.sessions)
        session = max(sessions) if sessions else None
        account = result.account if label == PRACTICE else f"paper:{action.profile}"
        self.history.runs.append(
            RunRecord(
                step,
                label,
                action.wallet,
                action.profile,
                str(action.stop),
                action.stop.games if action.stop.kind == "games" else None,
                result.exit_code,
                session,
                account,
                refused,
            )
        )
        self.report.exits[str(result.exit_code)] += 1
        self.report.steps.append(
            f"{step}. {action} -> exit {result.exit_code} in {result.elapsed_s:.0f} s "
            f"({'moment seen' if result.hit else 'moment not seen'}; {account}; log {result.log.name})"
        )
        if len(sessions) > 1:
            problems.append(f"one run wrote {len(sessions)} sessions: {sorted(sessions)}")
        if result.exit_code not in expected_exits(action.stop, action.mode, refused, result.hit):
            tail = result.log.read_text(errors="replace")[-2500:]
            problems.append(f"run exited {result.exit_code} after {action.stop} (refused={refused}):\n{tail}")
        if action.stop.kind != "games" and not result.hit and not refused:
            self.report.notes.append(
                f"step {step}: moment {action.stop.moment} never came ({result.log.name})"
            )
        if result.stragglers:
            self.report.notes.append(f"step {step}: {result.stragglers} process(es) outlived the run by 20 s")
        if action.stop.twin and result.twin is None:
            self.report.notes.append(f"step {step}: the first run ended before the second one was refused")
        if result.twin is not None:
            twin_code, twin_out = result.twin
            if twin_code != 4 or "in use" not in twin_out:
                problems.append(f"a second run on the data directory exited {twin_code}: {twin_out[-1500:]}")
        recordings = len(list((world.base / "rec").glob("*.frames.jsonl.gz")))
        if recordings - self._recordings > 1:
            problems.append(f"one run step left {recordings - self._recordings} recordings")
        self._recordings = recordings
        if result.halt_code not in (None, 0):
            problems.append(f"rugsbot halt during the run exited {result.halt_code}")
        return account, label, problems

    def _check(
        self,
        step: int,
        action: Action,
        before: Observation,
        after: Observation,
        owner: str | None,
        mode: str | None,
        problems: list[str],
    ) -> None:
        found = [f"step {step} ({action}): {p}" for p in problems]
        self.report.checks += 2  # the command's exit code, and that no other account's bet moved
        found += [f"step {step} untouched: {p}" for p in untouched(before.bets, after.bets, owner, mode)]
        for inv in INVARIANTS:
            self.report.checks += 1
            found += [f"step {step} {inv.__name__}: {p}" for p in inv(after, self.history)]
        if found:
            self.report.violations += found
            self.report.violations.append("steps so far:\n  " + "\n  ".join(self.report.steps))
