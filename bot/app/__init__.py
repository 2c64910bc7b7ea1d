"""The application: the trading loop, its assembly, and the live run in a browser."""
