"""The v1 strategy interface, recognised only to say what to change, and the adapter for v1-style callers.

v1 (rugsbot 0.1, before issue 12) declared ``params = {"k": Param("float", …)}``, read them with
``self.num("k")`` / ``self.integer("k")`` / ``self.p["k"]``, returned ``None`` after ``self.skip(reason)``
(which stored the reason in a mutable ``self.why``) and learned outcomes in ``on_result(won, stake)``.
A v1 file still imports (``Param`` is kept as an inert stand-in), so the loader can inspect the class and
raise one :class:`~bot.engine.params.StrategyError` line listing exactly what to rewrite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

_V2_CLASS = {"int": "IntParam", "float": "FloatParam", "bool": "BoolParam", "str": "StrParam"}


class Param:
    """v1's parameter declaration. Inert: it exists so a v1 strategy file imports and gets a precise error."""

    def __init__(
        self,
        type: str,
        default: object,
        help: str = "",
        min: float | None = None,
        max: float | None = None,
        choices: tuple[object, ...] | None = None,
    ) -> None:
        self.type, self.default, self.min, self.max = type, default, min, max

    def v2_spelling(self, name: str) -> str:
        """``stake_sol = FloatParam(0.001, min=0.001, max=10.0)``: what this declaration becomes in v2."""
        bounds = "".join(f", {k}={v!r}" for k, v in (("min", self.min), ("max", self.max)) if v is not None)
        return f"{name} = {_V2_CLASS.get(self.type, 'FloatParam')}({self.default!r}{bounds})"


# (text in the source, what to write instead)
_SOURCE_HINTS = (
    ("self.num(", 'self.num("k") → self.k'),
    ("self.integer(", 'self.integer("k") → self.k'),
    ("self.p[", 'self.p["k"] → self.k'),
    ("self.skip(", "return self.skip(reason) → return Skip(reason)"),
    ("self.why", "self.why → the reason inside Skip(reason)"),
)


def v1_problems(cls: type, source: str) -> list[str]:
    """What in ``cls`` (defined by ``source``) is v1, each as "old → new"; empty for a v2 class."""
    hints: list[str] = []
    declared = vars(cls).get("params")
    if isinstance(declared, dict):
        olds = [(k, p) for k, p in declared.items() if isinstance(p, Param)]
        example = olds[0][1].v2_spelling(olds[0][0]) if olds else "k = IntParam(1, min=0, max=10)"
        hints.append(f"params dict → one class attribute per parameter ({example})")
    elif any(isinstance(v, Param) for v in vars(cls).values()):
        hints.append("Param(type, …) → IntParam / FloatParam / BoolParam / StrParam(default, min=, max=)")
    hints.extend(new for old, new in _SOURCE_HINTS if old in source)
    propose = vars(cls).get("propose")
    returns = getattr(propose, "__annotations__", {}).get("return")
    if returns is not None and "None" in str(returns):
        hints.append("propose(snapshot) -> SideBet | None → -> SideBet | Skip")
    if "on_result" in vars(cls):
        hints.append("on_result(won, stake_lamports) → on_settled(self, settled: Settled)")
    return hints
