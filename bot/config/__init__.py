"""Configuration: ``Settings`` (env / .env, machine-level, secrets) and ``Profile`` (TOML, what the bot does).

Precedence: CLI > env > profile > defaults (see :func:`bot.config.resolve.resolve`).
"""

from bot.config.errors import ConfigError
from bot.config.profile import Profile, load_profile
from bot.config.settings import Settings
from bot.mode import Mode

__all__ = ["ConfigError", "Mode", "Profile", "Settings", "load_profile"]
