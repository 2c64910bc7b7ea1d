"""The built-in strategies. Each file is loaded by path (bot.engine.strategy.strategy_class), exactly like a
user's plug-in, so a file of the same name in ``settings.strategies_dir`` replaces it."""
