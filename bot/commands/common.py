"""Arguments and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Profile, Settings, load_profile
from bot.errors import database_problem

if TYPE_CHECKING:
    from bot.store.db import Store


def add_profile_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", "-p", default=None, help="profile name (profiles/NAME.toml) or path")


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def load(args: argparse.Namespace) -> tuple[Settings, Profile]:
    settings = Settings()
    profile = load_profile(getattr(args, "profile", None), settings.profiles_dir, settings.strategies_dir)
    return settings, profile


def emit_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")


@contextlib.contextmanager
def open_store(path: Path) -> Iterator[Store]:
    """The bot's database at ``path`` (created if needed), closed at the end. A file that is not a database,
    is read-only or cannot be created is a :class:`~bot.errors.DatabaseProblem` naming it (exit 4), whether it
    shows when opening or at the first write."""
    from bot.store.db import Store

    try:
        store = Store.open(path)
    except (sqlite3.Error, OSError) as exc:
        raise database_problem(path, exc) from exc
    with store:
        try:
            yield store
        except sqlite3.Error as exc:
            raise database_problem(path, exc) from exc
