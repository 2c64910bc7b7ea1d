"""Browser-side failures, each saying what the operator must do (exit code 4 = environment, 3 = halted).

The run command maps :class:`BrowserEnvironmentError` to exit 4 (fix the machine and retry) and
:class:`HaltRequired` to a persisted halt (a human must look before the bot bets again).
"""

from __future__ import annotations

from pathlib import Path

from bot.errors import BrowserProblem, Halted


class BrowserEnvironmentError(BrowserProblem):
    """The browser cannot start as configured; retrying without a change will not help."""


class BrowserNotFound(BrowserEnvironmentError):
    def __init__(self, tried: list[str]) -> None:
        self.tried = tried
        super().__init__(
            "no Chromium/Chrome found (tried: " + ", ".join(tried) + "). Install chromium "
            "(e.g. `apt-get install chromium`) or set RUGSBOT_BROWSER_PATH to the executable."
        )


class ProfileInUse(BrowserEnvironmentError):
    def __init__(self, directory: Path, holder: str = "") -> None:
        self.directory = directory
        who = f" (held by {holder})" if holder else ""
        super().__init__(
            f"browser profile directory {directory} is in use by another rugsbot{who}: one bot per profile. "
            "Stop the other bot or set RUGSBOT_BROWSER_PROFILE_DIR to another directory."
        )


class ExtensionInvalid(BrowserEnvironmentError):
    def __init__(self, directory: Path, problem: str) -> None:
        self.directory = directory
        super().__init__(
            f"wallet extension at {directory}: {problem}. Run `rugsbot wallet install` or set RUGSBOT_EXTENSION_DIR "
            "to an unpacked extension."
        )


class HaltRequired(Halted):
    """Something a human must look at before any further bet (missing control, signing request, ...)."""

    def __init__(self, reason: str, evidence: Path | None = None) -> None:
        self.reason = reason
        self.evidence = evidence
        super().__init__(reason if evidence is None else f"{reason} (evidence: {evidence})")


class ControlMissing(HaltRequired):
    """A required page control matched none of its selectors: the site build changed or the profile is wrong."""


class SigningRequested(HaltRequired):
    """The page asked the wallet to sign a transaction: side bets never need one, so this is hostile or broken."""


class WalletError(HaltRequired):
    """The wallet could not be unlocked, onboarded or connected."""
