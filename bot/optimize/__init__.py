"""Offline evidence: backtests of recordings, Monte Carlo on generated games, parameter sweeps, metrics."""
