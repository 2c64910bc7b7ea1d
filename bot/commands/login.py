"""``rugsbot login``: a headed browser on the bot's persistent profile, for the one-time wallet setup by hand.

What the operator does (once per profile directory):
0. ``rugsbot wallet install`` (once per machine): the real Phantom, checked and unpacked into the data dir;
1. ``rugsbot login --profile practice`` (needs a display; on a server use ``xvfb-run`` + VNC, or run it on a
   desktop and copy the profile directory);
2. in the wallet extension tab: import or create the wallet and set its password (the same password goes
   into ``RUGSBOT_WALLET_PASSWORD`` / ``.env`` so the bot can unlock it later);
3. in the site tab: Connect → Phantom → approve the connection and the sign-in message;
4. close the browser window. The bot reuses the profile (wallet vault + site login) from then on.

The bot never automates the real wallet's setup: seed phrases and passwords stay with the human. The
profile lock applies here too, so a login cannot run while a bot uses the same profile.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys

from bot.commands import argtypes
from bot.commands.common import add_profile_arg, load
from bot.config import Profile, Settings
from bot.errors import BrowserProblem, UsageError
from bot.exitcodes import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_profile_arg(parser)
    parser.add_argument(
        "--sim", action="store_true", help="set up the stand-in wallet against a local simulator"
    )
    parser.add_argument("--url", default=None, help="site to open (default: the profile's browser.url)")
    parser.add_argument(
        "--timeout",
        type=argtypes.positive_float,
        default=None,
        metavar="S",
        help="close the browser after S seconds (default: wait until the window is closed)",
    )


def run(args: argparse.Namespace) -> int:
    settings, profile = load(args)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        raise BrowserProblem(
            "needs a display (it opens a visible browser)",
            hint="on a server: `xvfb-run -a rugsbot login ...` with a VNC viewer, or set the profile up on a "
            "desktop",
        )
    return asyncio.run(_login(settings, profile, args))


async def _login(settings: Settings, profile: Profile, args: argparse.Namespace) -> int:
    from bot.browser.launch import launch
    from bot.browser.selectors import PHANTOM_WALLET

    sim = None
    url = args.url or settings.url or profile.browser.url
    ext = settings.wallet_extension_dir(sim=args.sim)
    if ext is None:
        raise UsageError(
            "no wallet extension",
            hint="run `rugsbot wallet install` to get the real Phantom (or set RUGSBOT_EXTENSION_DIR to an "
            "unpacked one)",
        )
    if args.sim:
        from bot.sim.runner import start_sim_in_thread

        sim = start_sim_in_thread()
        url = sim.url
    browser = await launch(settings, profile, headless=False, extension_dir=ext, trace=False)
    try:
        page = await browser.page()
        await page.goto(url, wait_until="domcontentloaded")
        if browser.extension_id:
            setup = await browser.context.new_page()
            await setup.goto(f"chrome-extension://{browser.extension_id}/{PHANTOM_WALLET.popup_page}")
        print(
            f"browser open on profile {browser.profile_dir}: set up the wallet, connect on {url}, then close "
            "the window.",
            file=sys.stderr,
        )
        closed = asyncio.Event()
        browser.context.on("close", lambda _ctx: closed.set())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closed.wait(), timeout=args.timeout)
    finally:
        await browser.close()
        if sim is not None:
            sim.stop()
    return EXIT_OK
