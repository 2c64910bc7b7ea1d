"""Frame recordings: JSON Lines (optionally gzip), one Socket.IO text frame a line.

Format (shared with the real captures in tests/fixtures/real/captures)::

    {"header": {...}}                                   # optional, first line only
    {"t": 1765559818.62, "dir": "in", "frame": "42[...]"}

Recordings are evidence: a crash must lose at most the line being written (every line is flushed,
gzip with a sync flush), and reading must survive what crashes leave behind (a truncated gzip member,
a half-written or corrupt line) by yielding every good line and *reporting* the bad ones instead of
raising. Other players' ids and names are anonymised on the way in with a regex over the frame text,
not a JSON parse, so recording never becomes the expensive part of the tick path.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import msgspec
from loguru import logger

from bot.feeds.parts import part_order, part_path, recording_groups, recording_parts
from bot.shorten import shorten

__all__ = [
    "Anonymizer",
    "RecordedFrame",
    "RecordingReader",
    "RecordingWriter",
    "anonymize_frame",
    "iter_frames",
    "part_order",
    "read_recording",
    "recording_groups",
    "recording_parts",
]

DIRECTIONS = ("in", "out")


@dataclass(frozen=True, slots=True)
class RecordedFrame:
    t: float
    dir: str
    frame: str


class _Line(msgspec.Struct, omit_defaults=True):
    """One line as stored; ``header`` only on the optional first line."""

    t: float | None = None
    dir: str | None = None
    frame: str | None = None
    header: dict[str, Any] | None = None


_LINE = msgspec.json.Decoder(_Line)
_ENC = msgspec.json.Encoder()


# ------------------------------------------------------------------ anonymisation

# Privy and other DID-style ids as they appear inside the frame text. ``did:anon:`` (already hashed) is kept.
_DID_RE = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9_\-.]+")
# "username":"…" inside the frame text (JSON string with escapes). A `null` username is left alone.
_USERNAME_RE = re.compile(r'("username"\s*:\s*")((?:[^"\\]|\\.)*)(")')
_ANON_USER_RE = re.compile(r"player_[0-9a-f]{8}")


_CACHE_MAX = 50_000
_SECRET_KEY_RE = re.compile(r"(?i)password|passwd|passphrase|secret|api[_-]?key|token|private[_-]?key")


def _hash(value: str, n: int) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:n]


class Anonymizer:
    """Replace other players' ids with ``did:anon:<hash16>`` and usernames with ``player_<hash8>``.

    Hashes are unsalted and stable, so one player keeps one pseudonym across files (useful for
    analysing the same opponents over days) while the real id never reaches the disk. The bot's own
    id is kept so its own bets stay recognisable. Already-anonymised values are left unchanged, so
    anonymising twice is the same as once. The same few dozen players fill every leaderboard, so
    pseudonyms are cached (bounded) instead of hashed again on every frame.
    """

    __slots__ = ("_cache", "_own")

    def __init__(self, own_player_id: str | None = None) -> None:
        self._own = own_player_id
        self._cache: dict[str, str] = {}

    def _did(self, m: re.Match[str]) -> str:
        v = m.group(0)
        r = self._cache.get(v)
        if r is None:
            r = v if v.startswith("did:anon:") or v == self._own else "did:anon:" + _hash(v, 16)
            self._remember(v, r)
        return r

    def _user(self, m: re.Match[str]) -> str:
        name = m.group(2)
        key = "\x00" + name
        r = self._cache.get(key)
        if r is None:
            r = name if _ANON_USER_RE.fullmatch(name) else "player_" + _hash(name, 8)
            self._remember(key, r)
        return m.group(1) + r + m.group(3)

    def _remember(self, k: str, v: str) -> None:
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        self._cache[k] = v

    def __call__(self, frame: str) -> str:
        if "did:" in frame:
            frame = _DID_RE.sub(self._did, frame)
        if '"username"' in frame:
            frame = _USERNAME_RE.sub(self._user, frame)
        return frame


def anonymize_frame(frame: str, own_player_id: str | None = None) -> str:
    """One-off form of :class:`Anonymizer` (writers keep one instance and its cache)."""
    return Anonymizer(own_player_id)(frame)


# ------------------------------------------------------------------ reading


def _open_binary(path: Path) -> BinaryIO:
    """Open plain or gzip by content (the magic bytes), not by name: a renamed file still reads."""
    raw = open(path, "rb")  # noqa: SIM115 - handed to the caller, closed by the reader
    try:
        magic = raw.read(2)
        raw.seek(0)
    except OSError:
        raw.close()
        raise
    if magic == b"\x1f\x8b":
        raw.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return raw


class RecordingReader:
    """Iterate the frames of one recording; survives truncation and corrupt lines.

    After (or during) iteration, ``header`` holds the header line's object (or ``None``) and
    ``bad_lines`` lists ``(line_number, reason)`` for every line that was skipped, so commands can
    report them. Iterating again re-reads the file from the start.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.header: dict[str, Any] | None = None
        self.bad_lines: list[tuple[int, str]] = []
        self.frames_read = 0

    def __iter__(self) -> Iterator[RecordedFrame]:
        self.bad_lines = []
        self.frames_read = 0
        lineno = 0
        try:
            fh = _open_binary(self.path)
        except OSError as exc:
            self.bad_lines.append((0, f"cannot open: {exc}"))
            return
        with fh:
            while True:
                try:
                    line = fh.readline()
                except (EOFError, OSError, zlib.error) as exc:
                    # A truncated gzip stream: everything before this point was already yielded.
                    self.bad_lines.append(
                        (lineno + 1, shorten(f"truncated: {type(exc).__name__}: {exc}", 200))
                    )
                    return
                if not line:
                    return
                lineno += 1
                frame = self._parse(lineno, line)
                if frame is not None:
                    self.frames_read += 1
                    yield frame

    def _parse(self, lineno: int, line: bytes) -> RecordedFrame | None:
        stripped = line.strip()
        if not stripped:
            return None
        try:
            rec = _LINE.decode(stripped)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError) as exc:
            reason = "truncated line" if not line.endswith(b"\n") else f"bad json: {exc}"
            self.bad_lines.append((lineno, shorten(reason, 200)))
            return None
        if rec.header is not None:
            if lineno == 1 and rec.frame is None:
                self.header = rec.header
            else:
                self.bad_lines.append((lineno, "header not on the first line"))
            return None
        if rec.t is None or rec.frame is None or rec.dir not in DIRECTIONS:
            self.bad_lines.append((lineno, "missing or invalid t/dir/frame"))
            return None
        return RecordedFrame(float(rec.t), rec.dir, rec.frame)


def read_recording(path: str | Path) -> Iterator[RecordedFrame]:
    """Frames of one ``.jsonl`` / ``.jsonl.gz`` file; bad lines are skipped (use RecordingReader to see them)."""
    return iter(RecordingReader(path))


def iter_frames(paths: Iterable[str | Path]) -> Iterator[RecordedFrame]:
    """Frames of several recordings, file after file, in the order given."""
    for p in paths:
        yield from RecordingReader(p)


# ------------------------------------------------------------------ writing


class RecordingWriter:
    """Append frames to a recording, one flushed line each; optional rotation by size.

    ``rotate_bytes``: when the current file reaches that many bytes on disk, it is closed and the next
    part ``name.1.jsonl`` (``name.2.jsonl`` …) is started, each with the header (plus ``"part": n``).
    """

    def __init__(
        self,
        path: str | Path,
        header: dict[str, Any],
        *,
        anonymize: bool = True,
        own_player_id: str | None = None,
        rotate_bytes: int | None = None,
    ) -> None:
        self.path = Path(path)
        # recordings are shared as evidence: a secret-looking header value never reaches the file
        self.header = {k: ("***" if _SECRET_KEY_RE.search(str(k)) else v) for k, v in header.items()}
        self.anonymize = anonymize
        self.own_player_id = own_player_id
        self._anon = Anonymizer(own_player_id)
        self.rotate_bytes = rotate_bytes
        self.part = 0
        self.frames_written = 0
        self.paths: list[Path] = []
        self.failed: str | None = None
        self.dropped = 0
        self._raw: BinaryIO | None = None
        self._out: BinaryIO | None = None
        self._open_part()

    # the file currently written
    @property
    def current_path(self) -> Path:
        return self.paths[-1]

    def _open_part(self) -> None:
        p = self.path if self.part == 0 else part_path(self.path, self.part)
        p.parent.mkdir(parents=True, exist_ok=True)
        raw = open(p, "wb")  # noqa: SIM115 - closed in close()
        self._raw = raw
        if p.name.endswith(".gz"):
            # level 5: most of level 9's ratio at a fraction of the cost (every line is sync-flushed)
            self._out = gzip.GzipFile(filename=p.name, mode="wb", fileobj=raw, compresslevel=5)  # type: ignore[assignment]
        else:
            self._out = raw
        self.paths.append(p)
        header = dict(self.header)
        if self.part:
            header["part"] = self.part
        self._write_line(_ENC.encode({"header": header}))

    def _write_line(self, data: bytes) -> None:
        out = self._out
        if out is None:
            raise ValueError("recording is closed")
        out.write(data + b"\n")
        if out is not self._raw:
            out.flush(zlib.Z_SYNC_FLUSH)  # type: ignore[call-arg]
        assert self._raw is not None
        self._raw.flush()

    def write(self, t: float, direction: str, frame: str) -> None:
        """Append one frame. A disk error (full, gone) stops recording instead of stopping the bot:
        ``failed`` says why and ``dropped`` counts the frames not written after it."""
        if direction not in DIRECTIONS:
            raise ValueError(f"direction must be 'in' or 'out', not {direction!r}")
        if self.failed is not None:
            self.dropped += 1
            return
        if self.anonymize:
            frame = self._anon(frame)
        try:
            self._write_line(_ENC.encode({"t": t, "dir": direction, "frame": frame}))
            self.frames_written += 1
            if (
                self.rotate_bytes is not None
                and self._raw is not None
                and self._raw.tell() >= self.rotate_bytes
            ):
                self._close_part()
                self.part += 1
                self._open_part()
        except OSError as exc:
            self.failed = f"{type(exc).__name__}: {exc}"
            self.dropped += 1
            logger.error("recording stopped ({}): {}", self.current_path, self.failed)
            with contextlib.suppress(OSError):
                self._close_part()

    def _close_part(self) -> None:
        out, raw = self._out, self._raw
        self._out = self._raw = None
        try:
            if out is not None and out is not raw:
                out.close()
        finally:
            if raw is not None:
                raw.close()

    def close(self) -> None:
        self._close_part()

    @property
    def closed(self) -> bool:
        return self._out is None

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
