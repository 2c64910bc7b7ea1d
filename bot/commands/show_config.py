"""``rugsbot show-config``: every value a run would use, with its source (cli / env / profile / default).

TOML by default (each value followed by ``# source``; the ``[profile]`` table loads back as the same profile),
JSON with ``--json`` (each value as ``{"value": …, "source": …}``). The wallet password and any secret-named
key are shown as ``***``. ``--dry-run``/``--practice`` and ``--headless``/``--headed`` are applied as
``rugsbot run`` applies them, so their source shows as ``cli``.

Exit codes: 0 printed · 2 usage or configuration error (one line naming file and key).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys

from bot.commands.common import add_json_arg, add_profile_arg, load
from bot.config.profile import find_profile
from bot.config.resolve import CliOverrides, Plain, Sourced, Tree, configuration
from bot.exitcodes import EXIT_OK
from bot.logs import Redactor
from bot.mode import Mode

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    add_json_arg(parser)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="as `run --dry-run` would resolve it")
    mode.add_argument("--practice", action="store_true", help="as `run --practice` would resolve it")
    head = parser.add_mutually_exclusive_group()
    head.add_argument("--headless", dest="headless", action="store_true", default=None)
    head.add_argument("--headed", dest="headless", action="store_false")


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    cli = CliOverrides(
        mode=Mode.DRY_RUN if args.dry_run else Mode.PRACTICE if args.practice else None,
        headless=args.headless,
    )
    red = Redactor(settings.secret_values())
    tree = _redact(configuration(settings, profile, cli), red)
    if args.json:
        json.dump(_json_tree(tree), sys.stdout, indent=2, allow_nan=False, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    where = str(find_profile(args.profile, settings.profiles_dir)) if args.profile else "built-in defaults"
    sys.stdout.write(
        f"# rugsbot show-config: profile {profile.name} ({where}).\n"
        "# Each value is followed by its source: cli > env (RUGSBOT_* or .env) > profile > default.\n"
        + to_toml(tree)
    )
    return EXIT_OK


def _redact(tree: Tree, red: Redactor) -> Tree:
    out: Tree = {}
    for k, node in tree.items():
        if isinstance(node, Sourced):  # "not set" stays visible: it is not a secret
            out[k] = node if node.value is None else Sourced(red.value(node.value, k), node.source)
        else:
            out[k] = _redact(node, red)
    return out


def _json_tree(tree: Tree) -> dict[str, object]:
    out: dict[str, object] = {}
    for k, node in tree.items():
        if isinstance(node, Sourced):
            out[k] = {"value": _json_value(node.value), "source": node.source}
        else:
            out[k] = _json_tree(node)
    return out


def _json_value(v: Plain) -> object:
    """JSON has no inf/nan: such a float is written as the string TOML would use."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    return v


# ------------------------------------------------------------------ TOML (tomllib reads; nothing in the
# standard library writes it, and this shape needs only tables, arrays of tables and inline values)


def to_toml(tree: Tree) -> str:
    lines: list[str] = []
    _table(lines, [], tree)
    return "\n".join(lines) + "\n"


def _table(lines: list[str], path: list[str], tree: Tree) -> None:
    leaves = [(k, v) for k, v in tree.items() if isinstance(v, Sourced) and not _is_table_array(v.value)]
    arrays = [(k, v) for k, v in tree.items() if isinstance(v, Sourced) and _is_table_array(v.value)]
    subtables = [(k, v) for k, v in tree.items() if not isinstance(v, Sourced)]
    if path and leaves:
        lines.extend(["", f"[{'.'.join(_key(p) for p in path)}]"])
    width = max((len(_key(k)) for k, _ in leaves), default=0)
    for k, s in leaves:
        if s.value is None:
            lines.append(f"# {_key(k):<{width}} = (not set)  # {s.source}")
        else:
            lines.append(f"{_key(k):<{width}} = {_value(s.value)}  # {s.source}")
    for k, sub in subtables:
        assert not isinstance(sub, Sourced)
        _table(lines, [*path, k], sub)
    for k, s in arrays:
        assert isinstance(s.value, list)
        for entry in s.value:
            assert isinstance(entry, dict)
            lines.extend(["", f"[[{'.'.join(_key(p) for p in [*path, k])}]]  # {s.source}"])
            lines.extend(f"{_key(ek)} = {_value(ev)}" for ek, ev in entry.items() if ev is not None)


def _is_table_array(v: Plain) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _key(k: str) -> str:
    return k if _BARE_KEY.fullmatch(k) else _string(k)


def _string(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _value(v: Plain) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items() if x is not None) + " }"
    raise TypeError(f"no TOML form for {v!r}")
