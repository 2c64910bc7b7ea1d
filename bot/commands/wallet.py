"""``rugsbot wallet install [--from FILE | --url URL]``: get the real Phantom and install it for the bot.

Downloads the vendor's published package (default ``https://crx-backup.phantom.dev/latest.crx``) or reads one
the operator downloaded by hand, checks that it is a CRX3 signed with Phantom's Chrome Web Store key
(id ``bfnaelmomeimhlpmgjnjophhpkkoljpa``), unpacks it into ``<data dir>/extensions/phantom/<version>`` and
records it; from then on the bot loads it whenever ``RUGSBOT_EXTENSION_DIR`` is unset.

Exit codes: 0 installed · 2 the file was refused (not a CRX3, not Phantom, damaged; one line says which) or a
usage error · 4 the download or the disk failed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import add_json_arg, emit_json
from bot.exitcodes import EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="wallet_action", metavar="ACTION")
    what = (
        "download (or read) Phantom's CRX, check its signature and Web Store id, unpack it into the data dir"
    )
    inst = sub.add_parser(
        "install", help=what, description=what + ". Exit 0 installed, 2 refused, 4 download/disk."
    )
    source = inst.add_mutually_exclusive_group()
    source.add_argument(
        "--from", dest="from_file", type=Path, default=None, metavar="FILE", help="a .crx downloaded by hand"
    )
    source.add_argument(
        "--url", default=None, help="where to download the .crx (default: the vendor's backup)"
    )
    add_json_arg(inst)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "wallet_action", None) != "install":
        print(
            "rugsbot wallet: say what to do: `rugsbot wallet install [--from FILE | --url URL]`",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from bot.browser import crx
    from bot.config import Settings

    settings = Settings()
    if args.from_file is not None:
        source = str(args.from_file)
        try:
            data = args.from_file.read_bytes()
        except OSError as exc:
            print(
                f"rugsbot wallet install: cannot read {args.from_file}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    else:
        source = args.url or crx.PHANTOM_CRX_URL
        try:
            data = crx.download(source)
        except crx.DownloadFailed as exc:
            print(
                f"rugsbot wallet install: download failed: {exc} (download it by hand and use --from FILE)",
                file=sys.stderr,
            )
            return EXIT_ENVIRONMENT
    try:
        # read at call time so a test can substitute its own key's id; production always uses Phantom's
        ext = crx.install(data, settings.data_dir, source=source, expected_id=crx.PHANTOM_EXTENSION_ID)
    except crx.CrxRefused as exc:
        print(f"rugsbot wallet install: refused {source}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"rugsbot wallet install: cannot write under {settings.data_dir}: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    if args.json:
        emit_json(
            {
                "installed": True,
                "name": ext.name,
                "version": ext.version,
                "id": ext.extension_id,
                "path": ext.path,
            }
        )
    else:
        note = "" if settings.extension_dir is None else " (RUGSBOT_EXTENSION_DIR is set and wins over it)"
        print(f"installed {ext.name} {ext.version} (id {ext.extension_id}) at {ext.path}{note}")
    return EXIT_OK
