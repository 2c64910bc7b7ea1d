"""Strategy plug-ins, interface v2: typed parameters, ``propose(snapshot) -> SideBet | Skip``, ``on_settled``.

In freqtrade's spirit (``IStrategy`` with typed parameter descriptors and documented hooks) but much smaller.
A strategy is one file holding one :class:`Strategy` subclass whose ``name`` equals the file stem. Built-ins
ship inside the package (``bot/strategies/``); a user folder (``settings.strategies_dir``, default
``./strategies``) is searched first, so a user file of the same name replaces a built-in. A strategy sees a
read-only :class:`~bot.engine.types.Snapshot` and never touches the browser, the clock or the database, so
the same object runs live, in replays and in Monte Carlo. How to write one: docs/CONTRIBUTING.md.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

import bot
from bot.config.sections import StrategyParam
from bot.engine.legacy import Param, v1_problems
from bot.engine.params import (
    BoolParam,
    FloatParam,
    IntParam,
    Parameter,
    StrategyError,
    StrParam,
    validate_params,
)
from bot.engine.types import Settled, SideBet, Skip, Snapshot

__all__ = [
    "BUILTIN_STRATEGIES_DIR",
    "INTERFACE_VERSION",
    "BoolParam",
    "FloatParam",
    "IntParam",
    "Param",
    "Parameter",
    "Settled",
    "SideBet",
    "Skip",
    "Snapshot",
    "StrParam",
    "Strategy",
    "StrategyError",
    "available_strategies",
    "make_strategy",
    "strategy_class",
    "validate_params",
]

INTERFACE_VERSION = 2
BUILTIN_STRATEGIES_DIR = Path(bot.__file__).resolve().parent / "strategies"
GUIDE = 'docs/CONTRIBUTING.md, "How to add a strategy"'


class Strategy:
    """Base class. Subclasses set ``name`` (= file stem), declare parameters and implement :meth:`propose`.

    Class attributes: ``name``; ``description`` (one line for listings); ``warning`` (shown loudly in the log
    and on the screen whenever the strategy is loaded: set it for dangerous strategies);
    ``interface_version`` (2; a class that declares another value is refused). Parameters are class
    attributes holding a :class:`~bot.engine.params.Parameter` (``FloatParam``, ``IntParam``, ``BoolParam``,
    ``StrParam``); :attr:`params` collects them (name → declaration, base classes first) for validation and
    sweeps, and each instance reads its validated value as a plain attribute (``self.stake_sol``).
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    warning: ClassVar[str] = ""
    interface_version: ClassVar[int] = INTERFACE_VERSION
    params: ClassVar[Mapping[str, Parameter[Any]]] = MappingProxyType({})

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if isinstance(vars(cls).get("params"), dict):
            return  # a v1 declaration: left as written so the loader can name what to change
        declared: dict[str, Parameter[Any]] = {}
        for klass in reversed(cls.__mro__):
            declared.update((k, v) for k, v in vars(klass).items() if isinstance(v, Parameter))
        clash = sorted(set(declared) & _RESERVED)
        if clash:
            raise StrategyError(
                f"{cls.__name__}: parameter name(s) {clash} are taken by the Strategy interface"
            )
        cls.params = MappingProxyType(declared)

    def __init__(self, params: Mapping[str, object] | None = None) -> None:
        """Validate ``params`` (a profile's table) against the declarations; :class:`StrategyError` if invalid."""
        owner = type(self).name or type(self).__name__
        values = validate_params(type(self).params, params or {}, owner)
        self.__dict__.update(values)  # what ``self.stake_sol`` reads (see Parameter.__get__)
        self.param_values: Mapping[str, StrategyParam] = MappingProxyType(values)

    if not TYPE_CHECKING:  # hidden from mypy, which would otherwise accept any attribute name on assignment

        def __setattr__(self, name: str, value: object) -> None:
            if name in type(self).params:
                raise AttributeError(f"parameter {name!r} is read-only: set it in the profile's params table")
            object.__setattr__(self, name, value)

    # --- the hooks ----------------------------------------------------------------------------------------
    def propose(self, snapshot: Snapshot) -> SideBet | Skip:
        """Bet now or not: return ``self.bet(stake_lamports, reason)`` or ``Skip(reason)``; never ``None``.

        Called on every ACTIVE tick the Decider considers (several times per second live; ~160 times per game
        in Monte Carlo), so convert parameters once in ``__init__`` if the conversion is not trivial.
        ``snapshot`` (all frozen, units in the names):

        - ``game``: ``game_id``, ``phase``, ``tick`` (the last wire tick), ``price`` (multiplier), ``peak``,
          ``t`` (feed receive time of the last frame, seconds), ``timing`` (tick gaps: ``ewma_s``, ``p99_s``, …).
        - ``estimate``: ``p_win`` with its 95 % interval ``p_low``/``p_high``; ``ev``, ``ev_low``, ``ev_high``
          per unit stake (−0.092 = −9.2 %, promotions included); ``break_even`` (0.20); ``kelly`` (fraction of
          the bankroll, 0 when EV ≤ 0); ``landing_tick`` (the tick a bet decided now starts on; its window is
          ``landing_tick`` … ``landing_tick + 40``); ``window_s_mean`` (seconds); ``feasible``.
        - ``ledger``: ``bankroll_lamports``, ``session_pnl_lamports``, ``day_pnl_lamports``,
          ``peak_bankroll_lamports``, ``consecutive_losses``, ``bets_this_session``,
          ``staked_this_game_lamports``, ``open_bet``.
        - ``account``: what the server says (balances in lamports, our active bet); ``t``: feed time of the
          frame that prompted this decision (seconds; never read the wall clock); ``coin``: the mint bet with.

        The stake is integer lamports (1 SOL = 10⁹; ``bot.money.sol_to_lamports``); stakes below 0.001 SOL are
        dropped by the Decider and every stake is reviewed by the governor. An exception here is logged and
        counts as "no bet" for this strategy only.
        """
        raise NotImplementedError

    def on_settled(self, settled: Settled) -> None:
        """A bet this strategy proposed settled (won/lost, ``stake_lamports``, ``payout_lamports``, feed ``t``).

        Called by the Decider once per settled bet, in settlement order, live and in backtests. The Monte Carlo
        object runner of today (bot/optimize/fastsim.run_strategy) reports no settlements, so a progression
        runs there at its base stake. Stateless strategies leave this alone; progressions (martingale) update
        their state here.
        """

    # --- helpers for subclasses ---------------------------------------------------------------------------
    def bet(self, amount_lamports: int, reason: str) -> SideBet:
        """A proposal carrying this strategy's name; put the numbers that justify it in ``reason``."""
        return SideBet(amount_lamports=amount_lamports, reason=reason, strategy=self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.param_values)})"


_RESERVED = frozenset(name for name in vars(Strategy) if not name.startswith("__")) | {"param_values"}


# --------------------------------------------------------------------------------------------------- loading
def strategy_dirs(user_dir: Path | None) -> list[Path]:
    """The folders searched for ``<name>.py``, in order: the user's (if given), then the built-ins."""
    dirs = [user_dir] if user_dir is not None else []
    if BUILTIN_STRATEGIES_DIR not in dirs:
        dirs.append(BUILTIN_STRATEGIES_DIR)
    return dirs


def available_strategies(user_dir: Path | None = None) -> list[str]:
    names: set[str] = set()
    for d in strategy_dirs(user_dir):
        if d.is_dir():
            names.update(p.stem for p in d.glob("*.py") if not p.stem.startswith("_"))
    return sorted(names)


def _import_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"rugsbot_strategy_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise StrategyError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise StrategyError(f"{path}: syntax error at line {exc.lineno}: {exc.msg}") from exc
    except StrategyError as exc:  # e.g. a parameter whose default is outside its own bounds
        raise StrategyError(f"{path}: {exc}") from exc
    except Exception as exc:
        raise StrategyError(f"{path}: failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def _check_interface(cls: type[Strategy], path: Path) -> None:
    old = v1_problems(cls, path.read_text(encoding="utf-8"))
    if old:
        raise StrategyError(
            f"{path}: {cls.__name__} is written for strategy interface v1; for v{INTERFACE_VERSION}: "
            f"{'; '.join(old)} (see {GUIDE})"
        )
    if cls.interface_version != INTERFACE_VERSION:
        raise StrategyError(
            f"{path}: {cls.__name__} declares interface_version = {cls.interface_version!r}; this rugsbot "
            f"implements {INTERFACE_VERSION} (see {GUIDE})"
        )
    if cls.propose is Strategy.propose:
        raise StrategyError(f"{path}: {cls.__name__} does not implement propose(snapshot)")


def strategy_class(name: str, strategies_dir: Path | None = None) -> type[Strategy]:
    """Find ``<name>.py`` (the user dir first, then the built-ins) and return its one Strategy subclass.

    Raises :class:`StrategyError` naming the file and the problem: unknown name (with the available ones),
    syntax or import error, no or several subclasses, ``name`` not the file stem, v1 interface (naming what
    to change), another ``interface_version``, ``propose`` missing.
    """
    if not name.isidentifier():
        raise StrategyError(f"strategy name {name!r} must be a plain identifier (the file stem)")
    for d in strategy_dirs(strategies_dir):
        path = d / f"{name}.py"
        if path.is_file():
            break
    else:
        searched = ", ".join(str(d) for d in strategy_dirs(strategies_dir))
        raise StrategyError(
            f"no strategy {name!r} (looked for {name}.py in {searched}); available: {available_strategies(strategies_dir)}"
        )
    module = _import_file(path)
    found = [
        obj
        for obj in vars(module).values()
        if inspect.isclass(obj)
        and issubclass(obj, Strategy)
        and obj is not Strategy
        and obj.__module__ == module.__name__
    ]
    if not found:
        raise StrategyError(f"{path}: defines no Strategy subclass")
    if len(found) > 1:
        raise StrategyError(
            f"{path}: defines several Strategy subclasses {[c.__name__ for c in found]}; keep one"
        )
    cls = found[0]
    if cls.name != name:
        raise StrategyError(
            f"{path}: class {cls.__name__} has name = {cls.name!r}; it must equal the file stem {name!r}"
        )
    _check_interface(cls, path)
    return cls


def make_strategy(
    name: str, params: Mapping[str, object] | None = None, strategies_dir: Path | None = None
) -> Strategy:
    """Load and configure a strategy; any problem is one :class:`StrategyError` naming file/parameter and problem."""
    cls = strategy_class(name, strategies_dir)
    try:
        return cls(params)
    except StrategyError as exc:
        raise StrategyError(f"{name}: {exc}") from exc
    except Exception as exc:
        raise StrategyError(f"{name}: constructor failed: {type(exc).__name__}: {exc}") from exc
