"""Other builds of the site, so the probe and the bot can be tested against a site update.

- **Page build 2** (``--page-build 2``): every CSS-module hash changes (``_clearButton_k2d9q`` →
  ``_clearButton_p4m8s``), and the side-bet controls are rebuilt: the amount input moves into the side-bet
  panel under a new component (``_sidebetAmount_``) and the bet button becomes ``_placeSidebet_`` inside
  ``_sidebetPanel_``; the ``sidebet-container`` / ``sidebet-banner`` / ``bet-button`` classes are gone.
  Texts and roles stay. Build 1 is the Dec 2025 page (shared/protocol.md, "The page").
- **Protocol drift** (``--protocol-drift``): in every ``gameStateUpdate`` ``tickCount`` is renamed
  ``tickIndex`` and ``price`` turns from a number into a decimal string, as a backend update might do. The
  page of that build reads the new fields, so a human sees nothing wrong; a bot that trusts the old models
  must notice.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DRIFT_RENAMED", "DRIFT_RETYPED", "PAGE_BUILDS", "drift_game_state", "page_index"]

PAGE_BUILDS = (1, 2)
DRIFT_RENAMED = ("tickCount", "tickIndex")  # (old name, new name)
DRIFT_RETYPED = "price"  # number → string


def page_index(build: int) -> str:
    """The page file served at ``/`` for a build (both share app.js and style.css)."""
    if build not in PAGE_BUILDS:
        raise ValueError(f"page build {build}: known builds are {', '.join(map(str, PAGE_BUILDS))}")
    return "index.html" if build == 1 else f"index-b{build}.html"


def drift_game_state(frame: dict[str, Any]) -> dict[str, Any]:
    """``frame`` as the drifted backend sends it (a new dict, key order kept)."""
    old, new = DRIFT_RENAMED
    out: dict[str, Any] = {}
    for key, value in frame.items():
        if key == old:
            out[new] = value
        elif key == DRIFT_RETYPED and isinstance(value, float | int):
            out[key] = repr(float(value))
        else:
            out[key] = value
    return out
