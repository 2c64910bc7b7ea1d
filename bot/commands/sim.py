"""``rugsbot sim``: run the local rugs.fun simulator (socket + page) until Ctrl-C.

Binds 127.0.0.1 by default: the simulator has a fault-injection endpoint and fake money, and is never
meant to be reachable from another machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import signal
import sys

from bot.commands import argtypes
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from bot.money import PRACTICE_COIN, SOL_MINT, sol_to_lamports
from bot.sim.config import SimConfig, parse_rug_schedule
from bot.sim.faults import parse_faults
from bot.sim.site_builds import PAGE_BUILDS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=argtypes.port, default=8787, help="port (0 = any free port; default 8787)"
    )
    parser.add_argument(
        "--seed", default=None, help="seed for a reproducible run (server seeds, players, jitter)"
    )
    parser.add_argument(
        "--speed", type=argtypes.speed, default=1.0, help="clock multiplier (20 → 12.5 ms ticks)"
    )
    parser.add_argument(
        "--faults",
        type=argtypes.faults,
        default="",
        help="e.g. drop@30,stall:5@60,maintenance:20@120 (sim seconds)",
    )
    parser.add_argument("--no-jitter", action="store_true", help="exact 250 ms ticks instead of real jitter")
    parser.add_argument("--presale-sidebets", action="store_true", help="accept side bets during presale")
    parser.add_argument(
        "--sol-balance",
        type=argtypes.sol_amount,
        default=1.0,
        help="SOL a new player starts with (default 1)",
    )
    parser.add_argument(
        "--practice-balance",
        type=argtypes.sol_amount,
        default=10_000.0,
        help="practice coin (FREE) a new player starts with (default 10000)",
    )
    parser.add_argument(
        "--rug-at",
        default="",
        metavar="TICKS",
        help="every game rugs at this tick, or at each of a comma list in turn (e.g. 60 or 30,90); "
        "drawn provably fair up to tick 300 (/__sim/rug?at=N rugs the running game)",
    )
    parser.add_argument(
        "--page-build",
        type=int,
        default=1,
        choices=PAGE_BUILDS,
        help="which build of the page to serve: 1 = Dec 2025 (default), 2 = renamed hashes, side-bet "
        "controls moved",
    )
    parser.add_argument(
        "--protocol-drift",
        action="store_true",
        help="a site update: gameStateUpdate renames tickCount to tickIndex and sends price as a string",
    )
    parser.add_argument(
        "--no-websocket",
        action="store_true",
        help="a proxy that blocks websockets: upgrades are refused (403) and the page's socket falls back to "
        "HTTP long-polling, which the bot cannot read",
    )


def build_config(args: argparse.Namespace) -> SimConfig:
    parse_faults(args.faults)  # fail before binding
    if args.speed <= 0:
        raise ValueError("--speed must be > 0")
    if args.sol_balance < 0 or args.practice_balance < 0:
        raise ValueError("balances must be >= 0")
    start = {
        SOL_MINT: sol_to_lamports(args.sol_balance),
        PRACTICE_COIN: sol_to_lamports(args.practice_balance),
    }
    coins = tuple(
        dataclasses.replace(c, start_balance=start.get(c.address, c.start_balance)) for c in SimConfig().coins
    )
    return SimConfig(
        rug_at=parse_rug_schedule(args.rug_at),
        page_build=args.page_build,
        protocol_drift=args.protocol_drift,
        no_websocket=args.no_websocket,
        host=args.host,
        port=args.port,
        seed=args.seed,
        speed=args.speed,
        faults=args.faults,
        jitter=not args.no_jitter,
        presale_sidebets=args.presale_sidebets,
        coins=coins,
    )


async def _serve(config: SimConfig) -> None:
    from bot.sim.server import SimServer

    server = SimServer(config)
    await server.start()
    print(f"rugs.fun simulator: open {server.url}/ in a browser", flush=True)
    print(f"  socket  {server.url.replace('http', 'ws', 1)}/socket.io/?EIO=4&transport=websocket", flush=True)
    print(
        f"  truth   {server.url}/__sim/state   faults  {server.url}/__sim/fault?name=stall&value=5",
        flush=True,
    )
    print(f"  rug     {server.url}/__sim/rug?at=N   (page build {config.page_build}", end="", flush=True)
    extras = [
        x
        for x, on in (("protocol drift", config.protocol_drift), ("no websocket", config.no_websocket))
        if on
    ]
    print("".join(f", {x}" for x in extras) + ")", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # non-Unix loops
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()
        print("rugs.fun simulator stopped", flush=True)


def run(args: argparse.Namespace) -> int:
    try:
        config = build_config(args)
    except ValueError as exc:  # FaultError included
        print(f"rugsbot sim: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        asyncio.run(_serve(config))
    except OSError as exc:
        print(f"rugsbot sim: cannot listen on {config.host}:{config.port}: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    return EXIT_OK
