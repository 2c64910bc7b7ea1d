"""The process exit codes of every ``rugsbot`` command, documented once (README and ``rugsbot --help`` repeat
this table; a scheduler or a shell script branches on these numbers).

===  ======================================================================================================
0    ok
1    a check failed (verify mismatch, doctor problem, nothing to check)
2    usage or configuration error (bad argument, bad profile, live run not confirmed)
3    halted: refused or stopped because the bot is halted (``rugsbot resume`` clears it)
4    environment problem (browser, extension, network, lock held by another bot, disk, database)
130  interrupted (Ctrl-C / SIGINT / SIGTERM)
===  ======================================================================================================
"""

from __future__ import annotations

from typing import Final

EXIT_OK: Final = 0
EXIT_CHECK_FAILED: Final = 1
EXIT_USAGE: Final = 2
EXIT_HALTED: Final = 3
EXIT_ENVIRONMENT: Final = 4
EXIT_INTERRUPTED: Final = 130

MEANING: Final[tuple[tuple[int, str], ...]] = (
    (EXIT_OK, "ok"),
    (EXIT_CHECK_FAILED, "a check failed"),
    (EXIT_USAGE, "usage or configuration error"),
    (EXIT_HALTED, "halted"),
    (EXIT_ENVIRONMENT, "environment problem (browser, network, lock, disk, database)"),
    (EXIT_INTERRUPTED, "interrupted"),
)
"""(code, meaning) for help texts and docs, in the order above."""
