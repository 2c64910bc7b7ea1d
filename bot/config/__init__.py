"""Configuration: ``Settings`` (env / .env, machine-level, secrets) and ``Profile`` (TOML, what the bot does).

Precedence: CLI > env > profile > defaults (see :func:`bot.config.resolve.resolve`).
"""

from bot.config.errors import ConfigError
from bot.config.profile import Profile, RunMode, load_profile
from bot.config.settings import Settings

__all__ = ["ConfigError", "Profile", "RunMode", "Settings", "load_profile"]
