"""Where the simulator's static files live.

The page and the stand-in wallet extension ship inside the package (see ``package-data`` in pyproject.toml), so
the server, the browser launcher and the tests find them the same way from a checkout or an installed wheel.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["extension_dir", "page_dir"]

_HERE = Path(__file__).resolve().parent


def page_dir() -> Path:
    """Folder served at ``/`` by the simulator (``index.html``, ``app.js``, ``style.css``)."""
    return _HERE / "page"


def extension_dir() -> Path:
    """Unpacked MV3 extension for ``--load-extension`` (Chromium needs a real directory path, not a zip)."""
    return _HERE / "wallet_extension"
