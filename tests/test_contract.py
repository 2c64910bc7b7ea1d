"""The CLI contract (issue 13): every command × every class of bad input ends in one line on stderr, no
traceback, and the exit code of the documented table (bot/exitcodes.py): 1 a check failed or nothing to check,
2 usage or configuration, 3 halted, 4 environment (browser, network, lock, disk, database), 130 interrupted.

Rows run in-process through ``bot.cli.main`` (fast, real files, a real SQLite database); a subprocess only where
the row is about the process itself (a closed stdout, Ctrl-C). The browser rows (an unreachable site) are in
tests/app/test_failed_start.py.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.exitcodes import (
    EXIT_CHECK_FAILED,
    EXIT_ENVIRONMENT,
    EXIT_HALTED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)

REPO = Path(__file__).resolve().parents[1]
CAPTURE = REPO / "tests" / "fixtures" / "real" / "captures" / "2025-12-12_17-16-58_raw.frames.jsonl.gz"

PROFILES = {
    "bin.toml": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\xfd",
    "notoml.toml": b"this is = = not toml\n",
    "wrongtype.toml": b'starting_bankroll_sol = "lots"\n',
    "inf.toml": b"[guards]\nsession_loss_limit_sol = inf\n",
    "nan.toml": b"[guards]\nmax_drawdown_pct = nan\n",
    "daily.toml": b"[guards]\nsession_loss_limit_sol = 0.1\ndaily_loss_limit_sol = 0.05\n",
    "stakecap.toml": (
        b'[[engine.strategies]]\nname = "fixed"\nparams = { stake_sol = 1.0 }\n'
        b"[guards]\nmax_stake_per_bet_sol = 0.5\nmax_stake_per_game_sol = 1.0\n"
    ),
    "bankroll.toml": (  # a dry-run profile: its paper bankroll is this number (logged-in modes use the server's)
        b"starting_bankroll_sol = 0.5\n"
        b'[[engine.strategies]]\nname = "fixed"\nparams = { stake_sol = 1.0 }\n'
        b"[guards]\nmax_stake_per_bet_sol = 2.0\nmax_stake_per_game_sol = 4.0\n"
        b"session_loss_limit_sol = 2.0\ndaily_loss_limit_sol = 4.0\n"
    ),
    "cron.toml": b'[[schedule.windows]]\nname = "w"\ncron = "99 99 * * *"\n',
    "windows.toml": b'[[schedule.windows]]\nname = "w"\ncron = "0 3 * * *"\n',
}


def _inputs(t: Path) -> None:
    """Every kind of bad input a row may name, under ``t``."""
    (t / "empty.jsonl").write_bytes(b"")
    (t / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (t / "text.jsonl").write_text("just some notes\nnot frames\n")
    (t / "other.json").write_text('{"not": 1}')
    (t / "folder").mkdir()
    (t / "corrupt.jsonl.gz").write_bytes(gzip.compress(b'{"t": 1, "dir": "in", "frame": "42"}\n' * 50)[:40])
    for name, data in PROFILES.items():
        (t / name).write_bytes(data)


@pytest.fixture
def t(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch working directory with its own data directory and every bad input."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for key in [k for k in os.environ if k.startswith("RUGSBOT_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("RUGSBOT_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("RUGSBOT_RECORDINGS_DIR", str(tmp_path / "rec"))
    monkeypatch.setenv("RUGSBOT_STRATEGIES_DIR", str(tmp_path / "strategies"))
    monkeypatch.setenv("RUGSBOT_BROWSER_PROFILE_DIR", str(tmp_path / "profile"))
    _inputs(tmp_path)
    yield tmp_path
    from bot.logs import reset

    reset()  # commands that log (run, backtest) add sinks on the captured stderr


def refused_port() -> int:
    """A loopback port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_one_line(err: str, out: str = "") -> str:
    assert "Traceback" not in err and "Traceback" not in out, err[-3000:]
    assert err.endswith("\n") and err.count("\n") == 1, f"expected one line on stderr, got:\n{err[-3000:]}"
    return err.strip()


def call(t: Path, argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    args = shlex.split(argv.format(t=t, capture=CAPTURE, refused=refused_port()))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


# (row id, argv with {t} = the scratch folder, exit code, what the one line must say)
ROWS: list[tuple[str, str, int, str]] = [
    # usage
    ("no command", "", EXIT_USAGE, "no command"),
    ("unknown command", "frobnicate", EXIT_USAGE, "invalid choice"),
    ("missing argument", "backtest", EXIT_USAGE, "required"),
    ("unknown option", "status --frob", EXIT_USAGE, "unrecognized"),
    ("wallet without action", "wallet", EXIT_USAGE, "wallet install"),
    # missing paths: 2 everywhere
    *[
        (f"{cmd} missing", f"{cmd} {{t}}/nope.jsonl", EXIT_USAGE, "no such file")
        for cmd in ("replay", "verify", "backtest", "calibrate", "sweep --games 10")
    ],
    ("report missing", "report {t}/nope.json", EXIT_USAGE, "nope.json"),
    ("wallet missing", "wallet install --from {t}/nope.crx", EXIT_USAGE, "nope.crx"),
    ("profile missing", "show-config --profile {t}/nope.toml", EXIT_USAGE, "not found"),
    # empty, a folder, garbage, a corrupt gzip, a text file: nothing to check (1) for recordings
    *[
        (f"{cmd} {what}", f"{cmd} {{t}}/{what}", EXIT_CHECK_FAILED, say)
        for cmd in ("replay", "verify", "backtest", "calibrate", "sweep --games 10")
        for what, say in (
            ("empty.jsonl", "empty.jsonl"),
            ("folder", "folder"),
            ("garbage.bin", "garbage.bin"),
            ("corrupt.jsonl.gz", "corrupt.jsonl.gz"),
            ("text.jsonl", "text.jsonl"),
        )
    ],
    ("report empty", "report {t}/empty.jsonl", EXIT_USAGE, "not a simulate/backtest/report result file"),
    ("report folder", "report {t}/folder", EXIT_USAGE, "cannot read"),
    ("report garbage", "report {t}/garbage.bin", EXIT_USAGE, "not a simulate/backtest/report result file"),
    (
        "report recording",
        "report {t}/corrupt.jsonl.gz",
        EXIT_USAGE,
        "not a simulate/backtest/report result file",
    ),
    ("report other json", "report {t}/other.json", EXIT_USAGE, "fields do not match"),
    ("sweep merge garbage", "sweep --merge {t}/garbage.bin", EXIT_USAGE, "--merge"),
    ("wallet folder", "wallet install --from {t}/folder", EXIT_USAGE, "folder"),
    ("wallet garbage", "wallet install --from {t}/garbage.bin", EXIT_USAGE, "not a CRX"),
    ("profile folder", "show-config --profile {t}/folder", EXIT_USAGE, "folder"),
    ("profile binary", "show-config --profile {t}/bin.toml", EXIT_USAGE, "not a text file"),
    ("profile not toml", "show-config --profile {t}/notoml.toml", EXIT_USAGE, "not valid TOML"),
    # wrong types
    ("games not a number", "simulate --games many", EXIT_USAGE, "--games"),
    ("jobs not an integer", "simulate --jobs 1.5", EXIT_USAGE, "--jobs"),
    ("port not a number", "sim --port http", EXIT_USAGE, "--port"),
    ("latency not a number", "backtest --latency soon {capture}", EXIT_USAGE, "--latency"),
    ("duration not a number", "run --duration long", EXIT_USAGE, "--duration"),
    ("param wrong type", "simulate --games 10 --param stake_sol=abc", EXIT_USAGE, "stake_sol"),
    ("grid wrong type", "sweep --games 10 --grid stake_sol=abc", EXIT_USAGE, "--grid stake_sol"),
    ("profile wrong type", "show-config --profile {t}/wrongtype.toml", EXIT_USAGE, "starting_bankroll_sol"),
    # out of range: negative, zero, nan, inf, too large
    *[
        (f"backtest latency {v}", f"backtest --latency {v} {{capture}}", EXIT_USAGE, "--latency")
        for v in ("-1", "nan", "inf", "6")
    ],
    *[(f"simulate games {v}", f"simulate --games {v}", EXIT_USAGE, "--games") for v in ("0", "-5", "1e3")],
    ("simulate jobs 0", "simulate --jobs 0", EXIT_USAGE, "--jobs"),
    ("simulate latency nan", "simulate --latency nan", EXIT_USAGE, "--latency"),
    ("simulate seed negative", "simulate --seed -1", EXIT_USAGE, "--seed"),
    *[(f"sweep games {v}", f"sweep --games {v}", EXIT_USAGE, "--games") for v in ("-5", "0")],
    ("sweep points 0", "sweep --points 0", EXIT_USAGE, "--points"),
    ("sweep grid above bound", "sweep --games 10 --grid stake_sol=20", EXIT_USAGE, "above the maximum"),
    ("sweep grid below bound", "sweep --games 10 --grid stake_sol=0", EXIT_USAGE, "below the minimum"),
    ("sweep grid nan", "sweep --games 10 --grid stake_sol=nan", EXIT_USAGE, "finite"),
    ("sweep grid unknown", "sweep --games 10 --grid nope=1,2", EXIT_USAGE, "no such parameter"),
    *[(f"sim port {v}", f"sim --port {v}", EXIT_USAGE, "--port") for v in ("99999", "-1", "65536")],
    *[(f"sim speed {v}", f"sim --speed {v}", EXIT_USAGE, "--speed") for v in ("0", "-2", "nan", "inf")],
    *[(f"sim balance {v}", f"sim --sol-balance {v}", EXIT_USAGE, "--sol-balance") for v in ("-1", "inf")],
    ("sim faults garbage", "sim --faults garbage@@", EXIT_USAGE, "--faults"),
    *[
        (f"run sim-speed {v}", f"run --sim --headless --sim-speed {v}", EXIT_USAGE, "--sim-speed")
        for v in ("0", "-2", "nan", "inf")
    ],
    *[(f"run duration {v}", f"run --duration {v}", EXIT_USAGE, "--duration") for v in ("0", "-1", "nan")],
    ("run games 0", "run --games 0", EXIT_USAGE, "--games"),
    ("run sim-faults garbage", "run --sim --headless --sim-faults garbage@@", EXIT_USAGE, "--sim-faults"),
    *[(f"login timeout {v}", f"login --timeout {v}", EXIT_USAGE, "--timeout") for v in ("0", "nan")],
    *[
        (f"schedule misfire {v}", f"schedule --misfire-grace {v}", EXIT_USAGE, "--misfire-grace")
        for v in ("-1", "nan")
    ],
    ("loss limit inf", "simulate --games 100 --profile {t}/inf.toml", EXIT_USAGE, "session_loss_limit_sol"),
    ("drawdown nan", "show-config --profile {t}/nan.toml", EXIT_USAGE, "max_drawdown_pct"),
    ("daily below session", "show-config --profile {t}/daily.toml", EXIT_USAGE, "daily_loss_limit_sol"),
    ("stake above the cap", "simulate --games 100 --profile {t}/stakecap.toml", EXIT_USAGE, "stake_sol"),
    ("stake above bankroll", "simulate --games 100 --profile {t}/bankroll.toml", EXIT_USAGE, "bankroll"),
    # the network
    (
        "wallet download refused",
        "wallet install --url http://127.0.0.1:{refused}/x.crx",
        EXIT_ENVIRONMENT,
        "download failed",
    ),
    ("schedule without windows", "schedule", EXIT_USAGE, "schedule.windows"),
]


@pytest.mark.parametrize(("argv", "code", "says"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_is_one_line_and_its_exit_code(
    t: Path, capsys: pytest.CaptureFixture[str], argv: str, code: int, says: str
) -> None:
    got, out, err = call(t, argv, capsys)
    line = assert_one_line(err, out)
    assert got == code, line
    assert says in line, line
    assert line.startswith("rugsbot"), line


PROFILE_COMMANDS = [
    "show-config",
    "doctor",
    "run",
    "login",
    "backtest {capture}",
    "simulate --games 10",
    "sweep --games 10",
    "calibrate {capture}",
    "schedule",
]


@pytest.mark.parametrize(
    "profile", ["nope.toml", "folder", "bin.toml", "notoml.toml", "inf.toml", "daily.toml"]
)
@pytest.mark.parametrize("command", PROFILE_COMMANDS)
def test_every_command_refuses_a_bad_profile_in_one_line(
    t: Path, capsys: pytest.CaptureFixture[str], command: str, profile: str
) -> None:
    got, out, err = call(t, f"{command} --profile {{t}}/{profile}", capsys)
    line = assert_one_line(err, out)
    assert got == EXIT_USAGE, line
    assert profile in line, line


def test_a_bad_cron_is_refused_at_load(t: Path, capsys: pytest.CaptureFixture[str]) -> None:
    got, out, err = call(t, "schedule --list --profile {t}/cron.toml", capsys)
    line = assert_one_line(err, out)
    assert got == EXIT_USAGE and "cron" in line, line


# ---------------------------------------------------------------- the database


def _corrupt(t: Path) -> None:
    (t / "var").mkdir(exist_ok=True)
    (t / "var" / "rugsbot.db").write_bytes(b"this is not a database, just text " * 40)


DB_COMMANDS = [
    ("halt", "halt"),
    ("resume", "resume"),
    ("status", "status"),
    ("status json", "status --json"),
    ("report", "report --session last"),
    ("run", "run --headless --games 1"),
    ("schedule", "schedule --profile {t}/windows.toml"),
]


@pytest.mark.parametrize("argv", [c[1] for c in DB_COMMANDS], ids=[c[0] for c in DB_COMMANDS])
def test_a_corrupt_database_is_one_line_and_exit_4(
    t: Path, capsys: pytest.CaptureFixture[str], argv: str
) -> None:
    _corrupt(t)
    got, out, err = call(t, argv, capsys)
    line = assert_one_line(err, out)
    assert got == EXIT_ENVIRONMENT, line
    assert "not a database" in line, line


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """``path`` and its folder read-only for this process: permissions for a user, the immutable flag for
    root (whom permissions do not stop)."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        path.parent.chmod(0o555)
        try:
            yield
        finally:
            path.parent.chmod(0o755)
            path.chmod(0o644)
        return
    made = subprocess.run(["chattr", "+i", str(path), str(path.parent)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot make a file read-only for root here: {made.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path), str(path.parent)], check=True)


def test_halt_on_a_read_only_database_says_so_in_one_line(
    t: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["halt"]) == EXIT_OK and main(["resume"]) == EXIT_OK
    capsys.readouterr()
    db = t / "var" / "rugsbot.db"
    with read_only(db):
        got, out, err = call(t, "halt --reason test", capsys)
    line = assert_one_line(err, out)
    assert got == EXIT_ENVIRONMENT, line
    assert str(db) in line and "HALTED" not in out, line
    assert main(["status", "--json"]) == EXIT_OK  # no halt was claimed that was not written


# ---------------------------------------------------------------- halted, locked


def test_run_and_schedule_refuse_while_halted(t: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["halt", "--reason", "contract"]) == EXIT_OK
    capsys.readouterr()
    for argv in ("run --headless --games 1", "schedule --profile {t}/windows.toml"):
        got, out, err = call(t, argv, capsys)
        line = assert_one_line(err, out)
        assert got == EXIT_HALTED and "contract" in line and "resume" in line, line
    from bot.store.db import Store

    with Store.open(t / "var" / "rugsbot.db") as store:
        assert store.last_session() is None  # refused before a session row


def test_run_on_a_data_directory_in_use_is_one_line(t: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bot.app.lock import DataDirLock

    lock = DataDirLock(t / "var").acquire()
    try:
        got, out, err = call(t, "run --headless --games 1", capsys)
    finally:
        lock.release()
    line = assert_one_line(err, out)
    assert got == EXIT_ENVIRONMENT and "in use" in line, line
    assert out == ""


# ---------------------------------------------------------------- the process: stdout closed, Ctrl-C


def _env(t: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUGSBOT_")}
    return {**env, "RUGSBOT_DATA_DIR": str(t / "var"), "RUGSBOT_RECORDINGS_DIR": str(t / "rec")}


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["status"], EXIT_HALTED),  # `rugsbot status | head`: the halt is still exit 3
        (["replay", str(CAPTURE)], EXIT_OK),
        (["verify", str(CAPTURE)], EXIT_OK),
    ],
    ids=["status halted", "replay", "verify"],
)
def test_a_closed_stdout_ends_quietly_with_the_commands_own_code(
    t: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int
) -> None:
    assert main(["halt", "--reason", "pipe"]) == EXIT_OK
    capsys.readouterr()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *argv],
        cwd=t,
        env=_env(t),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write: every write meets EPIPE
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == code, err[-3000:]
    assert err == "", err[-3000:]


def test_a_closed_stdout_in_process(t: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same through ``main`` with a pipe whose reader has gone: no BrokenPipeError escapes."""
    r, w = os.pipe()
    os.close(r)
    stream = open(w, "w", encoding="utf-8", buffering=1)  # noqa: SIM115 - closed below
    monkeypatch.setattr(sys, "stdout", stream)
    try:
        assert main(["replay", str(CAPTURE)]) == EXIT_OK
        assert main(["status"]) == EXIT_OK
    finally:
        monkeypatch.undo()
        with contextlib.suppress(OSError):
            stream.close()


def test_ctrl_c_is_exit_130_and_one_line(t: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "simulate", "--games", "50000000", "--json", "--no-baseline"],
        cwd=t,
        env=_env(t),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)  # imports done, simulating
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == EXIT_INTERRUPTED, err[-3000:]
    assert assert_one_line(err, out) == "rugsbot simulate: interrupted"
