"""rugsbot: execution bot for rugs.fun side bets."""

__version__ = "0.1.0"
