"""Protocol drift as a named alarm: past ``[watchdog] protocol_drift_limit`` drifted events the run halts with
alarm kind ``protocol_drift`` and leaves the evidence in a sample file, instead of pausing on a misleading
"tick stall" (a feed whose ``tickCount`` turned into a string has no ticks the tracker can read).

The tracker counts the drift (bot/game/drift.py: ``ProtocolDrift.total``, counts by event.field and the first
samples of each, trimmed); this module only compares the total with the limit, once per game frame (an integer
comparison), and writes ``<data_dir>/protocol-drift-<stamp>.json`` when it trips.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bot.game.drift import ProtocolDrift

ALARM_KIND = "protocol_drift"


class DriftAlarm:
    """Trips once. :meth:`check` returns the halt reason the first time the total reaches the limit."""

    def __init__(self, drift: ProtocolDrift, limit: int, data_dir: Path) -> None:
        self.drift = drift
        self.limit = limit
        self.data_dir = data_dir
        self.sample_file: Path | None = None
        self._tripped = False

    def check(self, t: float) -> str | None:
        if self._tripped or self.drift.total < self.limit:
            return None
        self._tripped = True
        self.sample_file = self._save(t)
        keys = ", ".join(f"{k} ×{n}" for k, n in sorted(self.drift.view().counts.items()))
        where = f"; samples in {self.sample_file}" if self.sample_file is not None else ""
        return f"protocol drift: {self.drift.total} events do not fit what the bot reads ({keys}){where}"

    def _save(self, t: float) -> Path | None:
        path = self.data_dir / f"protocol-drift-{time.strftime('%Y%m%d-%H%M%S', time.localtime(t))}.json"
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps({"t": t, "limit": self.limit, **self.drift.as_dict()}, indent=1))
        except OSError:
            return None
        return path
