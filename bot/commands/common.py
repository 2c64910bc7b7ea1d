"""Arguments and helpers shared by several subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.config import Profile, Settings, load_profile


def add_profile_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", "-p", default=None, help="profile name (profiles/NAME.toml) or path")


def add_json_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def load(args: argparse.Namespace) -> tuple[Settings, Profile]:
    settings = Settings()
    profile = load_profile(getattr(args, "profile", None), settings.profiles_dir)
    return settings, profile


def emit_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, indent=2, sort_keys=True, default=str)
    sys.stdout.write("\n")
