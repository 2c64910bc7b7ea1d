"""The web app's icons, drawn at first request (numpy + zlib, no image library, no binary files in the repo):
a rising green line that drops in red — a rug — on a dark, full-bleed background, so the same PNG serves as a
"maskable" icon (everything drawn lies inside the central safe circle of radius 0.4).
"""

from __future__ import annotations

import itertools
import struct
import zlib

import numpy as np

SIZES = {"icon-192.png": 192, "icon-512.png": 512}
BACKGROUND = (15, 23, 42)
RISE = ((0.22, 0.66), (0.36, 0.52), (0.48, 0.58), (0.66, 0.30))  # unit square, y down
RUG = ((0.66, 0.30), (0.74, 0.74))
GREEN = (34, 197, 94)
RED = (239, 68, 68)
STROKE = 0.065  # line width as a fraction of the icon's size


class IconSet:
    """PNG bytes by file name, rendered once per server (a few ms for 512 px)."""

    def __init__(self) -> None:
        self._cache: dict[str, bytes] = {}

    def get(self, name: str) -> bytes | None:
        size = SIZES.get(name)
        if size is None:
            return None
        if name not in self._cache:
            self._cache[name] = render_icon(size)
        return self._cache[name]


def render_icon(size: int) -> bytes:
    """A ``size``×``size`` RGB PNG."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    px, py = (xx + 0.5) / size, (yy + 0.5) / size
    img = np.empty((size, size, 3), dtype=np.float64)
    img[:] = BACKGROUND
    for points, colour in ((RISE, GREEN), (RUG, RED)):
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            d = _distance(px, py, x0, y0, x1, y1) * size
            alpha = np.clip(STROKE * size / 2 - d + 0.5, 0.0, 1.0)[..., None]  # 1 px anti-aliased edge
            img = img * (1 - alpha) + np.array(colour, dtype=np.float64) * alpha
    return encode_png(np.round(img).astype(np.uint8))


def _distance(px: np.ndarray, py: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Distance of every pixel centre to the segment (x0, y0)–(x1, y1) (round caps)."""
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0)
    return np.hypot(px - (x0 + t * dx), py - (y0 + t * dy))


def encode_png(rgb: np.ndarray) -> bytes:
    """8-bit RGB PNG (filter 0 on every row, zlib level 9). ``rgb``: uint8 array of shape (h, w, 3)."""
    h, w, _ = rgb.shape
    raw = np.concatenate([np.zeros((h, 1), dtype=np.uint8), rgb.reshape(h, w * 3)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
