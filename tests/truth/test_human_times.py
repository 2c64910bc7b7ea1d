"""Human output shows times as ISO 8601 UTC, never raw epoch seconds (issue 13, "raw epochs in messages").
``rugsbot halt`` and ``status`` run as real subprocesses on a real SQLite database."""

from __future__ import annotations

import re
from pathlib import Path

from bot.exitcodes import EXIT_HALTED, EXIT_OK
from tests.risk.test_cli_halt import cli

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
EPOCH = re.compile(r"(?<![\d.])1\d{9}(\.\d+)?(?![\d])")


def test_halt_and_status_print_iso_utc_not_epochs(tmp_path: Path) -> None:
    data = tmp_path / "var"
    assert cli(data, "halt", "--reason", "first").returncode == EXIT_OK
    again = cli(data, "halt", "--reason", "second")
    assert again.returncode == EXIT_OK, again.stderr
    assert "already halted since" in again.stdout and ISO.search(again.stdout), again.stdout
    assert not EPOCH.search(again.stdout), again.stdout
    st = cli(data, "status")
    assert st.returncode == EXIT_HALTED, st.stderr
    assert "halted since" in st.stdout and ISO.search(st.stdout), st.stdout
    assert not EPOCH.search(st.stdout), st.stdout
