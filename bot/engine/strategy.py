"""Strategy plug-ins: declared, validated, sweepable parameters and one hook, ``propose(snapshot)``.

In freqtrade's spirit but much smaller. A strategy is a file in ``strategies/`` (built-ins live there too, as
examples) holding one :class:`Strategy` subclass. It sees a read-only :class:`~bot.engine.types.Snapshot` and
returns a :class:`~bot.engine.types.SideBet` or ``None``; it never touches the browser, the clock or the
database, so the same object runs live, in replays and in Monte Carlo. Stateful progressions (martingale) learn
outcomes through :meth:`Strategy.on_result`.
"""

from __future__ import annotations

import importlib.util
import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import ClassVar

import bot
from bot.config.errors import ConfigError
from bot.config.sections import StrategyParam
from bot.engine.types import SideBet, Snapshot

BUILTIN_STRATEGIES_DIR = Path(bot.__file__).resolve().parent.parent / "strategies"

_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}


class StrategyError(ConfigError):
    """A strategy could not be loaded or configured; the message names the file or parameter and the problem.

    A :class:`ConfigError`, so the CLI prints it as one line and exits 2 like any other configuration problem.
    """

    def __init__(self, message: str) -> None:
        Exception.__init__(self, message)
        self.source = "strategies"
        self.key = ""
        self.problem = message

    def __str__(self) -> str:
        return self.problem


@dataclass(frozen=True, slots=True)
class Param:
    """One declared parameter: ``type`` is "int" | "float" | "bool" | "str"."""

    type: str
    default: StrategyParam
    help: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[StrategyParam, ...] | None = None

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise StrategyError(f"param type must be one of {sorted(_TYPES)}, got {self.type!r}")
        self.validate(self.default, "default")

    def validate(self, value: object, name: str = "value") -> StrategyParam:
        """Return the value coerced to the declared type or raise :class:`StrategyError` saying why."""
        kind = self.type
        if kind == "bool":
            if not isinstance(value, bool):
                raise StrategyError(f"{name}: expected true/false, got {value!r}")
            out: StrategyParam = value
        elif kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                else:
                    raise StrategyError(f"{name}: expected an integer, got {value!r}")
            out = int(value)
        elif kind == "float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise StrategyError(f"{name}: expected a number, got {value!r}")
            if not math.isfinite(float(value)):
                raise StrategyError(f"{name}: must be finite, got {value!r}")
            out = float(value)
        else:
            if not isinstance(value, str):
                raise StrategyError(f"{name}: expected a string, got {value!r}")
            out = value
        if self.choices is not None and out not in self.choices:
            raise StrategyError(f"{name}: {out!r} is not one of {list(self.choices)}")
        if kind in ("int", "float"):
            num = float(out)
            if self.min is not None and num < self.min:
                raise StrategyError(f"{name}: {out} is below the minimum {self.min:g}")
            if self.max is not None and num > self.max:
                raise StrategyError(f"{name}: {out} is above the maximum {self.max:g}")
        return out

    def sweep_values(self, n: int = 5) -> list[StrategyParam]:
        """A grid for sweeps: ``n`` evenly spaced values between min and max, all choices, or both booleans."""
        if self.choices is not None:
            return list(self.choices)
        if self.type == "bool":
            return [False, True]
        if self.type in ("int", "float") and self.min is not None and self.max is not None and n >= 2:
            lo, hi = float(self.min), float(self.max)
            raw = [lo + (hi - lo) * i / (n - 1) for i in range(n)]
            if self.type == "int":
                return list(dict.fromkeys(round(v) for v in raw))
            return list(raw)
        return [self.default]


def validate_params(
    declared: Mapping[str, Param], given: Mapping[str, object], owner: str
) -> dict[str, StrategyParam]:
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise StrategyError(f"{owner}: unknown parameter(s) {unknown}; declared: {sorted(declared)}")
    out: dict[str, StrategyParam] = {}
    for key, param in declared.items():
        out[key] = param.validate(given[key], f"{owner}.{key}") if key in given else param.default
    return out


class Strategy:
    """Base class. Subclasses set ``name``, ``params`` (and ``warning`` if they are dangerous) and ``propose``."""

    name: ClassVar[str] = ""
    params: ClassVar[dict[str, Param]] = {}
    warning: ClassVar[str] = ""  # shown loudly (log + screen) whenever the strategy is loaded
    description: ClassVar[str] = ""

    def __init__(self, params: Mapping[str, object] | None = None) -> None:
        self.p: Mapping[str, StrategyParam] = MappingProxyType(
            validate_params(type(self).params, params or {}, type(self).name or type(self).__name__)
        )
        self.why = ""  # why the last propose() returned None (the ranker shows it)

    # --- the hook -----------------------------------------------------------------------------------------
    def propose(self, snapshot: Snapshot) -> SideBet | None:
        raise NotImplementedError

    def on_result(self, won: bool, stake_lamports: int) -> None:
        """A bet this strategy proposed settled. Stateless strategies ignore it."""

    # --- helpers for subclasses ---------------------------------------------------------------------------
    def skip(self, reason: str) -> SideBet | None:
        """Record why there is no bet and return None (``return self.skip(...)``)."""
        self.why = reason
        return None

    def bet(self, amount_lamports: int, reason: str) -> SideBet:
        self.why = ""
        return SideBet(amount_lamports=amount_lamports, reason=reason, strategy=self.name)

    def num(self, key: str) -> float:
        return float(self.p[key])

    def integer(self, key: str) -> int:
        return int(self.p[key])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.p)})"


def strategy_dirs(user_dir: Path | None) -> list[Path]:
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
    except Exception as exc:
        raise StrategyError(f"{path}: failed to import: {type(exc).__name__}: {exc}") from exc
    return module


def strategy_class(name: str, strategies_dir: Path | None = None) -> type[Strategy]:
    """Find ``<name>.py`` (the user dir first, then the built-ins) and return its one Strategy subclass."""
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
    if not isinstance(cls.params, dict) or not all(isinstance(p, Param) for p in cls.params.values()):
        raise StrategyError(f"{path}: {cls.__name__}.params must be a dict of Param")
    if cls.propose is Strategy.propose:
        raise StrategyError(f"{path}: {cls.__name__} does not implement propose(snapshot)")
    return cls


def load_strategy(
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
