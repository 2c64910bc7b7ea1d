"""The worked examples of docs/CONTRIBUTING.md are real code, run through the real parts.

The guard (tests/docs/examples/guard_share.py) is registered as the doc says and judged by the real Governor:
in the table-driven scenarios, in the one assembled trading loop (dry-run and replay) and in the exact Monte Carlo
runner. The broker (tests/docs/examples/remote_broker.py) places bets for the real TradingLoop in practice mode,
with the real bet tracker confirming and settling them from real-format frames. And every code block of the two
examples in CONTRIBUTING.md must equal the source here, so the doc cannot rot.
"""

from __future__ import annotations

import asyncio
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from pydantic import Field

import bot.risk.guards as guard_registry
from bot.app.assembly import LoopConfig, assemble
from bot.app.loop import DecisionRecord
from bot.bets.model import BetIntent, BetStatus, BrokerReport, Evidence
from bot.brokers.paper import PaperBroker
from bot.config import sections
from bot.config.profile import Profile, profile_from_dict
from bot.game.rules import PAYOUT_MULTIPLIER
from bot.mode import Mode
from bot.money import SOL_MINT, sol_to_lamports
from bot.optimize.montecarlo import Runner, plan_for, simulate
from bot.protocol.frames import encode_event
from bot.risk.governor import Level
from bot.risk.verdict import Action
from bot.sim.config import SimConfig
from bot.sim.game import iter_timeline
from bot.store.db import Store
from bot.store.rows import BetRow
from tests.bets.frames import event, game_frame, player_update, practice_profile, sidebet
from tests.docs.examples.guard_share import MaxStakeShare
from tests.docs.examples.remote_broker import RemoteClickBroker
from tests.risk.helpers import MILLI, QUIET
from tests.risk.scenario import Propose, Report, Step, run_scenario

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "CONTRIBUTING.md"
EXAMPLES = Path(__file__).parent / "examples"
A, D = Action.ALLOW, Action.DENY
LOST = BetStatus.LOST


class GuardsConfig(sections.GuardsConfig):
    """The profile section with the example's field, as bot/config/sections.py would have it."""

    # bot/config/sections.py: a field of class GuardsConfig
    max_stake_share_pct: float | None = Field(
        None, gt=0, le=100, description="no single stake above this share of the bankroll, in % (a guard)"
    )
    # end of example


def guards(**changes: object) -> GuardsConfig:
    """tests/risk/helpers.py's builder on the section with the new field (every other guard quiet)."""
    return GuardsConfig(**{**QUIET.model_dump(), **changes})


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Step 3 of the doc: the class joins GUARD_CLASSES (here for the length of one test)."""
    monkeypatch.setattr(guard_registry, "GUARD_CLASSES", (*guard_registry.GUARD_CLASSES, MaxStakeShare))
    yield


# --------------------------------------------------------------------------- the guard, in the scenario table

GUARD = pytest.mark.usefixtures("registered")

SCENARIOS: list[tuple[str, GuardsConfig, list[Step], dict[str, object]]] = [
    # tests/risk/test_guard_scenarios.py: rows of SCENARIOS
    (
        "max stake share: the limit shrinks with the bankroll",
        guards(max_stake_share_pct=5.0),
        [
            Propose(60 * MILLI, D, "max_stake_share"),  # 5 % of 1 SOL is 0.05
            Propose(50 * MILLI, A),
            Report(BetStatus.CONFIRMED),
            Report(LOST),  # 0.95 SOL left: 5 % is 0.0475
            Propose(50 * MILLI, D, "max_stake_share"),
            Propose(47 * MILLI, A),
        ],
        {},
    ),
    ("max stake share: off unless configured", guards(), [Propose(900 * MILLI, A)], {}),
    # end of example
]


@GUARD
@pytest.mark.parametrize(("name", "cfg", "steps", "kwargs"), SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_scenario(
    tmp_path: Path, name: str, cfg: GuardsConfig, steps: list[Step], kwargs: dict[str, object]
) -> None:
    run_scenario(tmp_path / "bot.db", cfg, steps, **kwargs)  # type: ignore[arg-type]


@GUARD
def test_registration_puts_the_guard_in_every_governor(tmp_path: Path) -> None:
    on = guard_registry.build_guards(guards(max_stake_share_pct=5.0))
    off = guard_registry.build_guards(guards())
    assert [g.name for g in on if isinstance(g, MaxStakeShare)] == ["max_stake_share"]
    assert not [g for g in off if isinstance(g, MaxStakeShare)]


# --------------------------------------------------------------------------- the guard, in every path


def share_profile(pct: float | None, stake_sol: float = 0.06) -> Profile:
    """A paper account of 1 SOL betting ``stake_sol`` with ``fixed``, every other limit out of the way."""
    prof = profile_from_dict(
        {
            "name": "share",
            "starting_bankroll_sol": 1.0,
            "engine": {
                "strategies": [
                    {"name": "fixed", "params": {"stake_sol": stake_sol, "start_tick": 1, "every": 10}}
                ],
                "adaptive": False,
            },
            "guards": {
                "feed_silent_s": 600,
                "max_tick_interval_s": 600,
                "max_stake_per_bet_sol": 0.5,
                "max_stake_per_game_sol": None,
            },
        }
    )
    cfg = GuardsConfig(
        **{
            **prof.guards.model_dump(),
            "session_loss_limit_sol": 0.9,
            "daily_loss_limit_sol": 0.9,
            "max_drawdown_pct": None,
            "loss_streak_cooldown": None,
            "max_consecutive_losses": None,
            "max_bets_per_hour": None,
            "max_stake_share_pct": pct,
        }
    )
    return prof.model_copy(update={"guards": cfg})


@GUARD
@pytest.mark.parametrize("mode", [Mode.DRY_RUN, Mode.REPLAY], ids=["dry-run", "backtest"])
@pytest.mark.parametrize(("pct", "bets"), [(5.0, False), (10.0, True)])
def test_the_one_assembled_loop_applies_it(tmp_path: Path, mode: Mode, pct: float, bets: bool) -> None:
    """`rugsbot run` and `backtest` build their loop with bot/app/assembly.py: the guard is in it, unasked."""
    prof = share_profile(pct)
    fs = [
        (t, encode_event(o.event, *o.args))
        for t, o in iter_timeline(SimConfig(seed="share"), games=2)
        if o.to is None
    ]
    records: list[DecisionRecord] = []
    with Store.open(tmp_path / "db", durable=False) as store:
        parts = assemble(LoopConfig(prof, mode, SOL_MINT, None), store, t=fs[0][0])
        broker = PaperBroker(mode, 0.2)
        loop = parts.attach(broker, on_decision=records.append)
        for t, text in fs:
            intent = loop.on_frame(t, "in", text)
            if intent is not None:
                loop.apply(broker.place(intent))
        parts.close(fs[-1][0])
    proposed = [r for r in records if r.proposal is not None]
    assert proposed
    placed = [r for r in proposed if r.intent is not None]
    if bets:
        assert placed and not [r for r in proposed if "max_stake_share" in r.verdict]
    else:
        assert not placed and all("max_stake_share" in r.verdict for r in proposed)


def bankroll_before_each_bet(stake: np.ndarray, won: np.ndarray, start: int) -> np.ndarray:
    """One open bet at a time: each bet starts from the cash the earlier ones left."""
    pnl = np.where(won, stake * (PAYOUT_MULTIPLIER - 1), -stake)
    return start + np.concatenate(([0], np.cumsum(pnl)[:-1]))


def sim_log(pct: float | None, runner: Runner) -> tuple[np.ndarray, np.ndarray]:
    plan = plan_for(
        share_profile(pct, stake_sol=0.04),
        "fixed",
        {"stake_sol": 0.04, "start_tick": 1, "every": 41, "max_bets_per_game": 1},
        games=400,
        seed=3,
        latency_s=0.22,
        runner=runner,
    )
    log = simulate(plan)
    return log.stake, log.won


@GUARD
def test_the_exact_simulation_applies_it() -> None:
    """`simulate --exact` plays every bet through the real Governor: the share limit binds there too."""
    free_stake, _ = sim_log(None, Runner.EXACT)
    stake, won = sim_log(5.0, Runner.EXACT)
    assert len(stake) < len(free_stake), "the limit never bound: the test proves nothing"
    before = bankroll_before_each_bet(stake, won, sol_to_lamports(1.0))
    assert np.all(stake * 100 <= before * 5)


@GUARD
def test_the_vectorised_simulation_applies_it() -> None:
    stake, won = sim_log(5.0, Runner.AUTO)
    before = bankroll_before_each_bet(stake, won, sol_to_lamports(1.0))
    assert np.all(stake * 100 <= before * 5)


# --------------------------------------------------------------------------- the broker, in the trading loop

ME = "did:test:remote"


class Server:
    """The site's side of a remote click, in real frames: the bet shows up in the feed (or not)."""

    def __init__(self, *, lands: bool = True, raises: bool = False) -> None:
        self.lands, self.raises = lands, raises
        self.clicks: list[BetIntent] = []
        self.loop_on_frame = None  # set to TradingLoop.on_frame: the server answers on the feed
        self.t = 0.0
        self.balance = 100.0

    async def click(self, intent: BetIntent) -> None:
        self.clicks.append(intent)
        if self.raises:
            raise ConnectionError("the remote clicker went away")
        if self.lands and self.loop_on_frame is not None:
            self.balance -= intent.amount_lamports / 1e9
            start = intent.decided_tick + 1
            self.t += 0.05
            self.loop_on_frame(*event(self.t, "currentSidebet", sidebet(ME, start)))
            self.loop_on_frame(*player_update(self.t + 0.01, self.balance, pid=ME, active=sidebet(ME, start)))


@dataclass(frozen=True)
class Outcome:
    reports: list[BrokerReport]  # what submit() answered, in order
    level: Level  # the governor's level at the end
    open_bets: int  # bets the ledger still holds open
    first: BetRow | None  # the database's row of the first bet clicked


async def remote_run(tmp_path: Path, server: Server, *, halted: bool = False) -> Outcome:
    prof = practice_profile("remote")
    store = Store.open(tmp_path / "db", durable=False)
    parts = assemble(LoopConfig.live(prof, Mode.PRACTICE, REPO / "strategies"), store, t=99.0)
    broker = RemoteClickBroker(Mode.PRACTICE, server.click, confirm_timeout_s=0.05, clock=lambda: server.t)
    loop = parts.attach(broker)
    server.loop_on_frame = loop.on_frame
    await broker.arm()
    if halted:
        broker.halt("test: halted before the first bet")
    assert parts.gate is not None
    parts.gate.open(99.0, broker)
    submitted = []
    frames = [player_update(100.0, 100.0, pid=ME)] + [game_frame(100.1 + i * 0.25, i) for i in range(0, 30)]
    for f in frames:
        server.t = f[0]
        intent = loop.on_frame(*f)
        if intent is not None:
            report = await broker.submit(intent)
            submitted.append(report)
            loop.apply(report)
    if submitted and server.lands and not server.raises:  # the game rugs inside the bet's window: a win
        start = server.clicks[0].decided_tick + 1
        server.balance += 0.05
        for f in (
            game_frame(108.0, 31, rugged=True),
            event(108.1, "currentSidebetResult", sidebet(ME, start, payout=0.05)),
            player_update(108.2, server.balance, pid=ME),
        ):
            server.t = f[0]
            loop.on_frame(*f)
    gov = parts.governor
    out = Outcome(
        submitted,
        gov.state.level,
        len(gov.ledger.open_bets),
        store.bet(server.clicks[0].bet_id) if server.clicks else None,
    )
    parts.close(server.t)
    store.close()
    return out


def test_the_remote_broker_clicks_once_and_the_tracker_confirms_and_settles(tmp_path: Path) -> None:
    server = Server()
    out = asyncio.run(remote_run(tmp_path, server))
    assert len(server.clicks) == 1
    assert [(r.status, r.evidence) for r in out.reports] == [(BetStatus.CONFIRMED, Evidence.SERVER_ACTIVE)]
    assert out.open_bets == 0, "the tracker settled the bet from the feed"
    row = out.first
    assert row is not None and row.status is BetStatus.WON and row.payout_lamports == 50 * MILLI
    assert out.level is Level.ACTIVE


def test_a_click_that_raised_is_never_repeated_and_blocks_until_the_feed_tells(tmp_path: Path) -> None:
    server = Server(raises=True)
    out = asyncio.run(remote_run(tmp_path, server))
    assert len(server.clicks) == 1, "one decision, at most one click; no bet while its fate is unknown"
    assert [(r.status, r.evidence) for r in out.reports] == [(BetStatus.UNKNOWN, Evidence.TIMEOUT)]
    assert out.open_bets == 1 and out.first is not None and out.first.status is BetStatus.UNKNOWN


def test_a_halted_broker_never_clicks(tmp_path: Path) -> None:
    server = Server()
    out = asyncio.run(remote_run(tmp_path, server, halted=True))
    assert server.clicks == [] and out.reports == [] and out.open_bets == 0


# --------------------------------------------------------------------------- the doc is this code

FENCE = re.compile(r"```python\n(.*?)```", re.DOTALL)


def doc_blocks(section: str) -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {section}")
    end = text.find("\n## ", start + 1)
    return FENCE.findall(text[start : end if end != -1 else len(text)])


def example_sources() -> dict[str, str]:
    """Header line → source: whole example files, and the regions of this file between a header comment and
    ``# end of example`` (dedented)."""
    out = {}
    for p in sorted(EXAMPLES.glob("*.py")):
        src = p.read_text(encoding="utf-8")
        if src.startswith("# "):
            out[src.splitlines()[0]] = src
    lines = Path(__file__).read_text(encoding="utf-8").splitlines(keepends=True)
    for i, line in enumerate(lines):
        head = line.strip()
        if re.fullmatch(r"# (bot|tests)/\S+: .+", head):
            end = next(j for j in range(i, len(lines)) if lines[j].strip() == "# end of example")
            out[head] = textwrap.dedent("".join(lines[i:end]))
    return out


@pytest.mark.parametrize(
    ("section", "headers"),
    [
        (
            "How to add a guard",
            [
                "# bot/risk/guards/share.py",
                "# bot/config/sections.py: a field of class GuardsConfig",
                "# tests/risk/test_guard_scenarios.py: rows of SCENARIOS",
            ],
        ),
        ("How to add a broker", ["# bot/brokers/remote.py"]),
    ],
)
def test_the_doc_shows_this_code(section: str, headers: list[str]) -> None:
    blocks = doc_blocks(section)
    sources = example_sources()
    assert [b.splitlines()[0] for b in blocks] == headers
    for block in blocks:
        assert block == sources[block.splitlines()[0]], (
            f"docs/CONTRIBUTING.md differs from {block.splitlines()[0]}"
        )
