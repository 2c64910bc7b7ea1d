"""Offline verification of one revealed game: regenerate it from its seed and compare it with the wire.

Every ``gameHistory`` entry reveals ``serverSeed``; the generator (:mod:`bot.fair.generator`) must reproduce
its prices bit-exactly and rug at the same loop index, and the seed must hash to the ``serverSeedHash``
committed before the game. Where the rug lands on the wire depends on the era (shared/protocol.md, "Other
eras of the wire"): since Aug 2025 one tick after the generator's rug index (``len(prices) == rug_index +
2``); in May 2025 on the generator's last tick itself (``len(prices) == rug_index + 1``, the rug price in
place of that tick's price). Both are a proof of the same rug index; :attr:`GameAudit.rug_offset` says which
one a game showed, and the live feed and the side-bet settlements are then checked against that wire rug
tick, never against the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from bot.fair.generator import VERSIONS, GeneratedGame, generate_prices, seed_hash
from bot.protocol.events import HistoryGame

__all__ = ["AuditResult", "AuditStatus", "GameAudit", "verify_history_game"]


class AuditStatus(StrEnum):
    VERIFIED = "verified"
    MISMATCH = "mismatch"
    UNVERIFIABLE = "unverifiable"  # missing seed/prices/id, unknown version: counted, never an alarm


@dataclass(frozen=True, slots=True)
class GameAudit:
    """The verdict on one ``gameHistory`` entry.

    ``hash_ok`` is ``None`` when no hash was available to compare; ``first_mismatch`` is the first wire
    price index that differs from the generator (or the shorter length when one list is a prefix of the
    other). ``rug_tick`` is the wire tick of the rug (``rug_index + rug_offset``; from the generator, offset
    1, for an entry without prices). ``peak_ok`` is informational only: ``peakMultiplier`` is a display value, not part of the proof.
    """

    game_id: str | None
    version: str | None
    status: AuditStatus
    hash_ok: bool | None = None
    prices_ok: bool | None = None
    length_ok: bool | None = None
    first_mismatch: int | None = None
    reason: str = ""
    rug_index: int | None = None
    rug_tick: int | None = None
    peak_ok: bool | None = None
    announced_hash_ok: bool | None = None  # None: the pre-game announcement was not seen
    basis: str = ""  # "prices" (full check) or "peak" (entry without prices)
    live_ticks: int = 0  # live ticks (seen while the game ran) compared with the revealed game
    live_ok: bool | None = None  # None: no live ticks of this game were seen
    # wire rug tick - generator rug index: 1 since Aug 2025, 0 in May 2025; None when the length fits neither
    rug_offset: int | None = None

    @property
    def ok(self) -> bool:
        return self.status is AuditStatus.VERIFIED

    @property
    def mismatch(self) -> bool:
        return self.status is AuditStatus.MISMATCH

    def as_dict(self) -> dict[str, object]:
        return {
            "game_id": self.game_id,
            "version": self.version,
            "status": str(self.status),
            "hash_ok": self.hash_ok,
            "prices_ok": self.prices_ok,
            "length_ok": self.length_ok,
            "first_mismatch": self.first_mismatch,
            "reason": self.reason,
            "rug_index": self.rug_index,
            "rug_tick": self.rug_tick,
            "peak_ok": self.peak_ok,
            "announced_hash_ok": self.announced_hash_ok,
            "basis": self.basis,
            "live_ticks": self.live_ticks,
            "live_ok": self.live_ok,
            "rug_offset": self.rug_offset,
        }


AuditResult = GameAudit  # the name used in docs/ARCHITECTURE.md


def _game_version(game: HistoryGame) -> str | None:
    if game.game_version:
        return game.game_version
    if game.provably_fair is not None and game.provably_fair.version:
        return game.provably_fair.version
    return None


# The rug on the generator's last tick (no +1) is a May 2025 convention; from Aug 2025 on every capture shows
# +1 (shared/protocol.md, "Other eras of the wire"). A later game one price short is a truncation, not an era.
_NO_PLUS_ONE_BEFORE = "20250801"


def _may_rug_on_last_tick(game_id: str) -> bool:
    """True for a game id dated (``YYYYMMDD-…``) before Aug 2025, where the wire may rug without the +1."""
    day = game_id[:8]
    return len(day) == 8 and day.isascii() and day.isdigit() and day < _NO_PLUS_ONE_BEFORE


def _compare(
    generated: GeneratedGame, wire: list[float], *, no_plus_one: bool
) -> tuple[bool, bool, int | None, int | None]:
    """(prices_ok, length_ok, first_mismatch, rug_offset) of wire prices (rug price last) against the
    generator. ``rug_offset`` is 1 when the wire rugged one tick after the generator's rug index, 0 when on
    it (allowed with ``no_plus_one``: the rug price then stands where the generator's last price would be,
    so that last element must not be the generator's price), ``None`` for any other length."""
    gen = generated.prices
    body = wire[:-1]
    offset: int | None = None
    if len(wire) == generated.rug_index + 2:
        offset = 1
        prices_ok = body == gen
    elif no_plus_one and len(wire) == generated.rug_index + 1 and wire[-1] != gen[-1]:
        offset = 0
        prices_ok = body == gen[:-1]
    else:
        prices_ok = body == gen
    length_ok = offset is not None
    first: int | None = None
    if not (prices_ok and length_ok):
        n = min(len(body), len(gen))
        first = next((k for k in range(n) if body[k] != gen[k]), n)
    return prices_ok, length_ok, first, offset


class _Try(NamedTuple):
    version: str
    generated: GeneratedGame
    prices_ok: bool | None
    length_ok: bool | None
    first: int | None
    peak_ok: bool | None
    offset: int | None


def verify_history_game(game: HistoryGame, announced_hash: str | None = None) -> GameAudit:
    """Regenerate one finished game from its revealed seed and compare it with what was broadcast.

    ``announced_hash`` is the ``serverSeedHash`` seen *before* the game (live feed); when given, the
    revealed seed must hash to it, which is the actual commitment (the history's own hash field could be
    rewritten together with the seed). A game without a declared version is tried as v3, v2, v1 and
    verified if any matches, so captures of other eras are audited rather than skipped.

    Entries without a price list (the Feb 2026 samples carry none) are checked on ``peakMultiplier``
    instead (``basis == "peak"``): the generator's peak must equal it to the last bit, which pins the run
    down to its highest tick; the rug tick is then taken from the generator, and the side-bet check
    (winning payouts name the rug tick) covers it.

    A game dated before Aug 2025 may also rug on the generator's last tick (``len(prices) == rug_index +
    1``, ``rug_offset == 0``); a later one that does is a truncated game (a mismatch).
    """
    gid = game.id
    version = _game_version(game)
    pf = game.provably_fair
    seed = pf.server_seed if pf is not None else None
    prices = game.prices if game.prices and len(game.prices) >= 2 else None
    if not gid:
        return GameAudit(None, version, AuditStatus.UNVERIFIABLE, reason="no game id")
    if not seed:
        return GameAudit(gid, version, AuditStatus.UNVERIFIABLE, reason="no server seed revealed")
    if prices is None and game.peak_multiplier is None:
        return GameAudit(gid, version, AuditStatus.UNVERIFIABLE, reason="no price list and no peakMultiplier")
    if version is not None and version not in VERSIONS:
        return GameAudit(gid, version, AuditStatus.UNVERIFIABLE, reason=f"unknown version {version!r}")

    actual = seed_hash(seed)
    hashes = [h.lower() for h in (pf.server_seed_hash if pf else None, announced_hash) if h]
    hash_ok = all(h == actual for h in hashes) if hashes else None

    candidates = (version,) if version is not None else ("v3", "v2", "v1")
    no_plus_one = _may_rug_on_last_tick(gid)
    tried: list[_Try] = []
    for v in candidates:
        generated = generate_prices(seed, gid, v)
        peak_ok = None if game.peak_multiplier is None else game.peak_multiplier == generated.peak
        if prices is not None:
            p_ok, l_ok, first, offset = _compare(generated, prices, no_plus_one=no_plus_one)
            matched = p_ok and l_ok
            tried.append(_Try(v, generated, p_ok, l_ok, first, peak_ok, offset))
        else:
            matched = bool(peak_ok)
            tried.append(_Try(v, generated, None, None, None, peak_ok, 1 if matched else None))
        if matched:
            break
    else:
        tried.append(tried[0])  # nothing matched: report against the first candidate
    v, generated, prices_ok, length_ok, first, peak_ok, offset = tried[-1]

    reasons = []
    if hash_ok is False:
        which = "announced" if announced_hash and announced_hash.lower() != actual else "revealed"
        reasons.append(f"sha256(serverSeed) != {which} serverSeedHash")
    if prices is not None:
        if not prices_ok:
            reasons.append(f"price {first} differs from the generator ({v})")
        if not length_ok:
            reasons.append(
                f"{len(prices)} prices on the wire, generator rugs at loop index {generated.rug_index} "
                f"(expects {generated.rug_index + 2}"
                + (f" or, rugging on its last tick, {generated.rug_index + 1})" if no_plus_one else ")")
            )
    elif not peak_ok:
        reasons.append(
            f"peakMultiplier {game.peak_multiplier!r} differs from the generator's {generated.peak!r} "
            f"({v}; no price list in the entry)"
        )
    status = AuditStatus.VERIFIED if not reasons else AuditStatus.MISMATCH
    notes = []
    if version is None:
        notes.append(f"matched as {v} (undeclared)")
    if prices is None:
        notes.append("verified on peakMultiplier (no price list in the entry)")
    if offset == 0:
        notes.append("rugged on the generator's last tick (May 2025 wire, no +1)")
    return GameAudit(
        game_id=gid,
        version=v,
        status=status,
        hash_ok=hash_ok,
        prices_ok=prices_ok,
        length_ok=length_ok,
        first_mismatch=first,
        reason="; ".join(reasons) if reasons else "; ".join(notes),
        rug_index=generated.rug_index,
        rug_tick=generated.rug_index + offset if offset is not None else generated.rug_tick,
        peak_ok=peak_ok,
        announced_hash_ok=None if not announced_hash else announced_hash.lower() == actual,
        basis="prices" if prices is not None else "peak",
        rug_offset=offset,
    )
