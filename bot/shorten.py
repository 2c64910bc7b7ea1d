"""Long human text (reasons, error messages) cut for a screen cell, a log line or a table: at a word boundary,
with an ellipsis, so a cut is visible and never reads as a different word or number (``EV -9.14% (n`` …)."""

from __future__ import annotations

ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its longest prefix that ends at a word boundary plus
    ``…`` (``limit`` characters at most, the ellipsis included). A first word longer than the limit is cut
    inside it (still with ``…``). ``limit`` < 1 raises ``ValueError``."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    if len(text) <= limit:
        return text
    room = limit - len(ELLIPSIS)
    head = text[:room]
    if not text[room].isspace():  # the cut falls inside a word: drop that word
        space = max(head.rfind(" "), head.rfind("\t"))
        if space > 0:
            head = head[:space]
    return head.rstrip(" \t,;:(") + ELLIPSIS
