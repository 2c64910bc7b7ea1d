"""seedrandom ARC4: documented vector, textbook RC4 vectors, and an independent exact-arithmetic oracle."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.fair.generator import SeedRandom, seedrandom


def _rc4_keystream(key: list[int], n: int) -> list[int]:
    """Textbook RC4 (KSA + PRGA), written independently of bot.fair.generator."""
    s = list(range(256))
    j = 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out = []
    i = j = 0
    for _ in range(n):
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(s[(s[i] + s[j]) % 256])
    return out


def _mixkey(seed: str) -> list[int]:
    """seedrandom.js mixkey, straight from the JS (``undefined`` entries behave as 0)."""
    data = seed.encode("utf-16-le", "surrogatepass")
    units = [data[k] | (data[k + 1] << 8) for k in range(0, len(data), 2)]
    key: dict[int, int] = {}
    smear = 0
    for j, code in enumerate(units):
        smear ^= key.get(j & 255, 0) * 19
        key[j & 255] = (smear + code) & 255
    return [key[k] for k in range(len(key))] or [0]


def _oracle(seed: str, count: int) -> list[float]:
    """prng() in exact integer/rational arithmetic over a textbook RC4 stream (first 256 bytes dropped).

    If the float version ever rounded (it must not: every intermediate is meant to be an exact double)
    or the inlined ARC4 in bot.fair.generator slipped, the two would disagree.
    """
    stream = iter(_rc4_keystream(_mixkey(seed), 256 + count * 16)[256:])
    out = []
    for _ in range(count):
        n = 0
        for _ in range(6):
            n = n * 256 + next(stream)
        d = 256**6
        x = 0
        while n < 2**52:
            n = (n + x) * 256
            d *= 256
            x = next(stream)
        while n >= 2**53:
            assert n % 2 == 0 and d % 2 == 0
            n //= 2
            d //= 2
            x >>= 1
        out.append(float(Fraction(n + x, d)))
    return out


def test_documented_first_value() -> None:
    # seedrandom README: Math.seedrandom('hello.'); Math.random() -> 0.9282578795792454
    assert seedrandom("hello.")() == 0.9282578795792454


@pytest.mark.parametrize(
    ("key", "expected_hex"),
    [  # the classic RC4 test vectors: validate the oracle's RC4 before trusting it
        (b"Key", "eb9f7781b734ca72a719"),
        (b"Wiki", "6044db6d41b7"),
        (b"Secret", "04d46b053ca87b59"),
    ],
)
def test_textbook_rc4_vectors(key: bytes, expected_hex: str) -> None:
    n = len(expected_hex) // 2
    assert bytes(_rc4_keystream(list(key), n)).hex() == expected_hex


@pytest.mark.parametrize(
    "seed",
    [
        "hello.",
        "",  # empty seed: key = [0]
        "a",
        "5b7aade54a1eebc9a7aba52fb436c62ef00ba53502acd8bf5d3cd617f859399a-20251212-dbb443e2e08a45fd",
        "x" * 300,  # longer than 256: mixkey wraps and smear starts to matter
        "€uro ünïcode",  # code units above 255: only their low byte lands in the key after smear
        "astral \U0001f680 seed",  # a surrogate pair: two UTF-16 code units
        "".join(chr(c) for c in range(32, 127)) * 4,
    ],
)
def test_matches_exact_oracle(seed: str) -> None:
    rng = SeedRandom(seed)
    got = [rng() for _ in range(50)]
    assert got == _oracle(seed, 50)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_matches_oracle_on_any_string(seed: str) -> None:
    rng = SeedRandom(seed)
    assert [rng() for _ in range(5)] == _oracle(seed, 5)


def test_outputs_in_unit_interval_and_deterministic() -> None:
    a = SeedRandom("determinism")
    b = SeedRandom("determinism")
    xs = [a() for _ in range(2000)]
    assert xs == [b() for _ in range(2000)]
    assert all(0.0 <= x < 1.0 for x in xs)
    assert 0.45 < sum(xs) / len(xs) < 0.55
    assert SeedRandom("determinism!")() != xs[0]
