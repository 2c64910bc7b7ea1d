"""A bet's life, written once: the bet model, its tracker (matching, settlement, expiry) and reconciliation."""
