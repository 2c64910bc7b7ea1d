"""The operator's live view of a running bot (rich on a TTY, periodic log lines otherwise)."""
