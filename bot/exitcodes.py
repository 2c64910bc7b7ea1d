"""The process exit codes of every ``rugsbot`` command, documented once (README and ``rugsbot --help`` repeat
this table; a scheduler or a shell script branches on these numbers).

===  ======================================================================================================
0    ok
1    a check failed (verify mismatch, doctor problem, nothing to check)
2    usage or configuration error (bad argument, bad profile, live run not confirmed)
3    halted: refused or stopped because the bot is halted (``rugsbot resume`` clears it)
4    environment problem (browser, extension, network, lock held by another bot, disk, database); also an
     internal error (a bug: the table has no other code, and like an environment problem it decided nothing
     about the inputs or the money); the one line says which and ``--debug`` prints the traceback
130  interrupted (Ctrl-C / SIGINT / SIGTERM)
===  ======================================================================================================

Every failure is one line on stderr, ``rugsbot COMMAND: what is wrong; what to do`` (bot/cli.py, the types in
bot/errors.py); a traceback only with ``--debug``. A reader that closes stdout early ends nothing: the command
finishes with its own code.
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
    (EXIT_ENVIRONMENT, "environment problem (browser, network, lock, disk, database) or internal error"),
    (EXIT_INTERRUPTED, "interrupted"),
)
"""(code, meaning) for help texts and docs, in the order above."""
