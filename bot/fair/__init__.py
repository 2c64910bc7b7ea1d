"""Provably fair: the generator (seedrandom ARC4, v1/v2/v3), verification of revealed games, re-settlement of
side bets and the live auditor."""
