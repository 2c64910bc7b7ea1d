"""Typed strategy parameters: class-attribute descriptors with a default, bounds, unit and help.

Declared on a :class:`~bot.engine.strategy.Strategy` subclass as ``stake_sol = FloatParam(0.001, min=0.001,
max=10.0, unit="SOL", help="stake per bet")`` and read as ``self.stake_sol``: the descriptor's ``__get__``
overloads make that a ``float`` to mypy (an ``IntParam`` an ``int``, …), where the v1 API's
``self.num("stake_sol")`` was invisible to it. A profile's ``params`` table (or ``--param k=v``) sets the
values; :func:`validate_params` checks them once, when the strategy is built, and they are read-only after.
``sweep_values`` gives ``rugsbot sweep`` its grid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Never, Self, TypeVar, overload

from bot.config.errors import ConfigError
from bot.config.sections import StrategyParam

T = TypeVar("T", int, float, bool, str)


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


class Parameter(Generic[T]):
    """One declared parameter. Subclasses fix the type (``T``) and how a profile value is coerced to it.

    Raises :class:`StrategyError` at class definition when the default itself is invalid (wrong type, outside
    the bounds, not one of the choices).
    """

    kind: ClassVar[str] = ""  # "int" | "float" | "bool" | "str": what the error messages and docs call it

    def __init__(
        self,
        default: T,
        *,
        min: float | None = None,
        max: float | None = None,
        choices: tuple[T, ...] | None = None,
        unit: str = "",
        help: str = "",
    ) -> None:
        self.name = ""  # set by __set_name__ when the class body is executed
        self.min = min
        self.max = max
        self.choices: tuple[T, ...] | None = choices
        self.unit = unit
        self.help = help
        self.default: T = self.validate(default, "default")

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    # Reads: Strategy.__init__ stores each validated value in the instance __dict__ under the parameter's
    # name. This is a non-data descriptor (no __set__ at run time), so ``self.stake_sol`` is a plain attribute
    # read (propose runs on every tick of every simulated game); __get__ only answers for the class
    # (the declaration) and for an instance whose __init__ never ran. Strategy.__setattr__ refuses
    # assignment at run time; the __set__ below exists for mypy only, so it flags ``self.k = …`` too.
    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> Self | T:
        if obj is None:
            return self
        raise AttributeError(
            f"parameter {self.name!r} has no value: {type(obj).__name__}.__init__ must call super().__init__(params)"
        )

    if TYPE_CHECKING:

        def __set__(self, obj: object, value: Never) -> None: ...

    def coerce(self, value: object, name: str) -> T:
        """The value as ``T`` or :class:`StrategyError`; bounds and choices are checked by :meth:`validate`."""
        raise NotImplementedError

    def validate(self, value: object, name: str = "value") -> T:
        """Return the value coerced to the declared type or raise :class:`StrategyError` saying why."""
        out = self.coerce(value, name)
        if self.choices is not None and out not in self.choices:
            raise StrategyError(f"{name}: {out!r} is not one of {list(self.choices)}")
        if not isinstance(out, bool | str):
            if self.min is not None and out < self.min:
                raise StrategyError(f"{name}: {out} is below the minimum {self.min:g}")
            if self.max is not None and out > self.max:
                raise StrategyError(f"{name}: {out} is above the maximum {self.max:g}")
        return out

    def sweep_values(self, n: int = 5) -> list[StrategyParam]:
        """A grid for sweeps: ``n`` evenly spaced values between min and max, all choices, or both booleans."""
        if self.choices is not None:
            return list(self.choices)
        return [self.default]

    def describe(self) -> str:
        """One line for docs and ``--help``: ``stake_sol: float = 0.001 SOL [0.001, 10] — stake per bet``."""
        unit = f" {self.unit}" if self.unit else ""
        lo = "" if self.min is None else f"{self.min:g}"
        hi = "" if self.max is None else f"{self.max:g}"
        bounds = f" [{lo}, {hi}]" if lo or hi else ""
        choices = f" one of {list(self.choices)}" if self.choices is not None else ""
        text = f" — {self.help}" if self.help else ""
        return f"{self.name}: {self.kind} = {self.default!r}{unit}{bounds}{choices}{text}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.default!r}, min={self.min}, max={self.max}, unit={self.unit!r})"


def _numeric_grid(lo: float | None, hi: float | None, n: int) -> list[float] | None:
    if lo is None or hi is None or n < 2:
        return None
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


class FloatParam(Parameter[float]):
    """A number; ints are accepted and become floats; NaN and infinities are refused."""

    kind = "float"

    def coerce(self, value: object, name: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise StrategyError(f"{name}: expected a number, got {value!r}")
        if not math.isfinite(float(value)):
            raise StrategyError(f"{name}: must be finite, got {value!r}")
        return float(value)

    def sweep_values(self, n: int = 5) -> list[StrategyParam]:
        grid = None if self.choices is not None else _numeric_grid(self.min, self.max, n)
        return list(grid) if grid is not None else super().sweep_values(n)


class IntParam(Parameter[int]):
    """An integer; a float with no fractional part (``80.0`` from ``--param every=80.0``) is accepted."""

    kind = "int"

    def coerce(self, value: object, name: str) -> int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise StrategyError(f"{name}: expected an integer, got {value!r}")
        return value

    def sweep_values(self, n: int = 5) -> list[StrategyParam]:
        grid = None if self.choices is not None else _numeric_grid(self.min, self.max, n)
        return list(dict.fromkeys(round(v) for v in grid)) if grid is not None else super().sweep_values(n)


class BoolParam(Parameter[bool]):
    """``true``/``false`` only (no 0/1, no strings)."""

    kind = "bool"

    def coerce(self, value: object, name: str) -> bool:
        if not isinstance(value, bool):
            raise StrategyError(f"{name}: expected true/false, got {value!r}")
        return value

    def sweep_values(self, n: int = 5) -> list[StrategyParam]:
        return [False, True]


class StrParam(Parameter[str]):
    """A string, usually one of ``choices``."""

    kind = "str"

    def coerce(self, value: object, name: str) -> str:
        if not isinstance(value, str):
            raise StrategyError(f"{name}: expected a string, got {value!r}")
        return value


def validate_params(
    declared: Mapping[str, Parameter[Any]], given: Mapping[str, object], owner: str
) -> dict[str, StrategyParam]:
    """Every declared parameter's value: the given one validated, else the default.

    ``owner`` prefixes the messages (``fixed.every: 0 is below the minimum 1``). Raises :class:`StrategyError`
    for unknown keys (naming the declared ones) and for invalid values.
    """
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise StrategyError(f"{owner}: unknown parameter(s) {unknown}; declared: {sorted(declared)}")
    out: dict[str, StrategyParam] = {}
    for key, param in declared.items():
        out[key] = param.validate(given[key], f"{owner}.{key}") if key in given else param.default
    return out
