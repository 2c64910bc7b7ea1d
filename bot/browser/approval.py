"""What a wallet request asks for and whether to grant it: pure functions over what the request window shows.

Side bets are paid from the site's custodial balance, so the wallet is only ever needed to *connect* and to sign
a *login message*. A request to sign a transaction can only come from a hostile or broken page: it is rejected
and the bot halts. Origins are compared exactly (scheme, host, port), never by prefix, so
``https://rugs.fun.evil.example`` is not ``https://rugs.fun``.

What Phantom's request window shows (npm ``@synthetixio/synpress-phantom`` 0.0.14, NotificationPage
selectors): a primary button reading Connect, Confirm or Continue and a secondary button reading Cancel. Confirm
is the same for a message and a transaction, so a signature counts as a login message only when the window
shows a sign-in statement; anything else to be signed is a transaction (fail closed). The window names no
machine-readable origin, so the origin is taken from the pages the bot's own browser has open: exactly one site
must be open, else the request is nobody's and is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from bot.browser.selectors import WalletSelectors

# A sign-in message: Sign In With Solana's statement ("<domain> wants you to sign in with your Solana account")
# or a line starting "Sign in to" (the simulator's login message).
SIGN_IN_MESSAGE = re.compile(r"wants you to sign in with your solana account|^\s*sign in to\b", re.I | re.M)


class RequestKind(StrEnum):
    CONNECT = "connect"
    SIGN_MESSAGE = "signMessage"
    SIGN_TRANSACTION = "signTransaction"
    UNKNOWN = "unknown"


def classify(primary_text: str, window_text: str, table: WalletSelectors) -> RequestKind:
    """The request's kind from its primary button's wording and the window's text.

    ``Connect`` alone is a connect; ``Confirm``/``Sign`` is a message signature only if the window shows a
    sign-in statement and the button does not warn "(unsafe)", else a transaction; any other wording is UNKNOWN.
    """
    words = re.findall(r"[a-z]+", primary_text.lower())
    if not words:
        return RequestKind.UNKNOWN
    if " ".join(words) in {w.lower() for w in table.connect_wording}:
        return RequestKind.CONNECT
    if words[0] in {w.lower() for w in table.sign_wording}:
        if "unsafe" not in words and SIGN_IN_MESSAGE.search(window_text):
            return RequestKind.SIGN_MESSAGE
        return RequestKind.SIGN_TRANSACTION
    return RequestKind.UNKNOWN


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    kind: RequestKind
    origin: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ApprovalDecision:
    approve: bool
    halt: bool
    reason: str


def normalize_origin(url_or_origin: str) -> str | None:
    """``scheme://host[:port]`` in lower case, default ports dropped; None when it is not an http(s) origin."""
    try:
        parts = urlsplit(url_or_origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        return None
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def requesting_origin(page_urls: Iterable[str]) -> tuple[str, str]:
    """(origin, note): the one web origin among the open pages, or ``""`` when none or several are open."""
    origins = sorted({o for o in (normalize_origin(u) for u in page_urls) if o})
    if len(origins) == 1:
        return origins[0], ""
    if not origins:
        return "", "no web page is open"
    return "", "pages of several sites are open (" + ", ".join(origins) + ")"


@dataclass(frozen=True)
class ApprovalPolicy:
    """Approve connect / sign-in only from an allowed origin; everything else is rejected."""

    allowed_origins: frozenset[str]

    @classmethod
    def build(cls, origins: Iterable[str], sim_url: str | None = None) -> ApprovalPolicy:
        allowed = {o for o in (normalize_origin(x) for x in origins) if o}
        if sim_url:
            sim = normalize_origin(sim_url)
            if sim:
                allowed.add(sim)
        return cls(frozenset(allowed))

    def decide(self, request: ApprovalRequest) -> ApprovalDecision:
        origin = normalize_origin(request.origin)
        if request.kind is RequestKind.SIGN_TRANSACTION:
            return ApprovalDecision(
                False,
                True,
                f"transaction signing requested by {request.origin or '?'}: side bets never need a signature",
            )
        if request.kind is RequestKind.UNKNOWN:
            return ApprovalDecision(False, False, f"unknown wallet request '{request.detail}' rejected")
        if origin is None or origin not in self.allowed_origins:
            why = f" ({request.detail})" if request.detail and not request.origin else ""
            return ApprovalDecision(
                False,
                False,
                f"{request.kind} from origin {request.origin or '?'} is not in browser.allowed_origins{why}",
            )
        return ApprovalDecision(True, False, f"{request.kind} from allowed origin {origin}")
