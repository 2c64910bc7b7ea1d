"""``rugsbot probe URL``: before a first practice run and after every site update, see what changed.

Loads the page in a throwaway browser profile (no wallet, no login) with the sniffer attached before
navigation, checks every control of the profile (bot/browser/probe.py: found, which selector, visible,
enabled; checked proposals for the missing ones), records a DOM snapshot and a screenshot under
``<data dir>/probe/``, and listens ``--listen`` seconds for protocol drift (bot/protocol/drift.py).
``--fix-profile OUT`` writes the profile again with the first checked proposal in front of each missing
control's selectors.

Exit codes: 0 everything matches · 1 a control is missing or the feed drifted · 2 usage (bad URL, listen
time, profile) · 4 environment (no browser, page unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.browser.errors import BrowserEnvironmentError
from bot.browser.probe import ControlCheck, check_controls
from bot.commands.common import add_json_arg, add_profile_arg, emit_json
from bot.config import Profile, Settings, load_profile
from bot.config.profile import find_profile, profile_from_dict
from bot.config.sections import SelectorsConfig
from bot.exitcodes import EXIT_CHECK_FAILED, EXIT_ENVIRONMENT, EXIT_OK, EXIT_USAGE
from bot.feeds.sniffer import POLLING_MESSAGE, Sniffer
from bot.protocol.drift import DriftMonitor, DriftReport

DEFAULT_LISTEN_S = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the site (or a simulator) to probe, e.g. https://rugs.fun")
    add_profile_arg(parser)
    add_json_arg(parser)
    parser.add_argument(
        "--listen",
        type=float,
        default=DEFAULT_LISTEN_S,
        metavar="S",
        help=f"seconds to listen to the feed for protocol drift (default {DEFAULT_LISTEN_S:g})",
    )
    parser.add_argument(
        "--fix-profile",
        type=Path,
        default=None,
        metavar="OUT",
        help="write a copy of the profile (TOML) with the checked proposals for missing controls",
    )


@dataclass(frozen=True, slots=True)
class ProbeResult:
    url: str
    controls: list[ControlCheck]
    opened_panel: bool
    protocol: DriftReport
    listen_s: float
    transport: str  # websocket | polling | none
    snapshot: Path
    screenshot: Path

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.controls) and not self.protocol.drift

    def as_dict(self) -> dict[str, Any]:
        protocol = self.protocol.as_dict() | {"listen_s": self.listen_s, "transport": self.transport}
        return {
            "url": self.url,
            "ok": self.ok,
            "controls": [c.as_dict() for c in self.controls],
            "opened_panel": self.opened_panel,
            "protocol": protocol,
            "snapshot": str(self.snapshot),
            "screenshot": str(self.screenshot),
        }


async def probe(url: str, settings: Settings, profile: Profile, listen_s: float) -> ProbeResult:
    """Run the probe; raises BrowserEnvironmentError (no browser) or a Playwright error (page unreachable)."""
    from bot.browser.launch import launch

    monitor = DriftMonitor()
    sniffer = Sniffer([monitor])
    with tempfile.TemporaryDirectory(prefix="rugsbot-probe-") as tmp:
        browser = await launch(
            settings, profile, headless=True, extension_dir=None, profile_dir=Path(tmp), trace=False
        )
        try:
            page = await browser.page()
            sniffer.attach(page)  # before goto: a socket opened earlier would be invisible
            started = time.monotonic()
            await page.goto(url, wait_until="load", timeout=30_000)
            deadline = started + min(listen_s, 10.0)
            while not monitor.events.get("gameStateUpdate") and time.monotonic() < deadline:
                await asyncio.sleep(0.1)  # the controls of a real site render once its feed is up
            checks, opened = await check_controls(page, profile.browser.selectors)
            snapshot, screenshot = await _record(page, settings.data_dir / "probe")
            await asyncio.sleep(max(0.0, started + listen_s - time.monotonic()))
            report = monitor.report()
        finally:
            await browser.close()
    transport = sniffer.health.transport  # the run refuses to arm on "polling" by the same rule
    for item in report.drift:
        if item.kind == "no_feed" and transport == "polling":
            item.sample = POLLING_MESSAGE
    return ProbeResult(url, checks, opened, report, listen_s, transport, snapshot, screenshot)


async def _record(page: Any, directory: Path) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    snapshot, screenshot = directory / f"{stamp}-dom.html", directory / f"{stamp}-page.png"
    snapshot.write_text(await page.content(), encoding="utf-8")
    await page.screenshot(path=str(screenshot), full_page=True)
    return snapshot, screenshot


# ------------------------------------------------------------ --fix-profile


def fixed_selectors(controls: list[ControlCheck], current: SelectorsConfig) -> dict[str, list[str]]:
    """Selector lists to change: the first checked proposal in front of each missing control's list."""
    return {
        c.name: [c.suggestions[0].selector, *getattr(current, c.name)]
        for c in controls
        if not c.found and c.checked and c.suggestions
    }


def _toml_string(s: str) -> str:
    return (
        f"'{s}'"
        if "'" not in s and "\n" not in s
        else '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    )


def fixed_profile_text(original: str, changes: dict[str, list[str]], note: str) -> str:
    """``original`` (a profile's TOML text) with ``changes`` applied to ``[browser.selectors]``.

    The table is rewritten at the end of the file with its other keys kept; raises ValueError when the
    selectors are written in a form this cannot rewrite (inline tables, dotted keys).
    """
    data = tomllib.loads(original)
    existing = dict(data.get("browser", {}).get("selectors", {}))
    lines = original.splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip() == "[browser.selectors]"), None)
    if header is not None:
        end = next(
            (i for i in range(header + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines)
        )
        lines = lines[:header] + lines[end:]
    elif existing:
        raise ValueError("its selectors are not in a [browser.selectors] table; move them there first")
    body = [f"# {note}"] if note else []
    body.append("[browser.selectors]")
    for key, value in {**existing, **changes}.items():
        if isinstance(value, list):
            body.append(f"{key} = [{', '.join(_toml_string(v) for v in value)}]")
        else:
            body.append(f"{key} = {_toml_string(str(value))}")
    text = "\n".join(lines).rstrip("\n")
    text = (text + "\n\n" if text else "") + "\n".join(body) + "\n"
    got = profile_from_dict(tomllib.loads(text)).browser.selectors
    for key, value in changes.items():
        if getattr(got, key) != value:
            raise ValueError(f"rewriting {key} did not take effect")
    return text


def _write_fix(args: argparse.Namespace, settings: Settings, result: ProbeResult, profile: Profile) -> str:
    original = ""
    if args.profile is not None:
        original = find_profile(args.profile, settings.profiles_dir).read_text(encoding="utf-8")
    changes = fixed_selectors(result.controls, profile.browser.selectors)
    note = f"rugsbot probe {result.url} {time.strftime('%Y-%m-%d %H:%M')}: " + (
        ("checked proposals for " + ", ".join(changes)) if changes else "no change needed"
    )
    args.fix_profile.parent.mkdir(parents=True, exist_ok=True)  # e.g. the profiles folder a halt names
    args.fix_profile.write_text(fixed_profile_text(original, changes, note), encoding="utf-8")
    return note


# ------------------------------------------------------------ the command


def _usage(args: argparse.Namespace) -> str | None:
    parts = urlsplit(args.url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{args.url!r} is not an http(s) URL"
    if not math.isfinite(args.listen) or args.listen < 0:
        return f"--listen {args.listen:g}: seconds must be a finite number >= 0"
    return None


def _print(result: ProbeResult, profile: Profile) -> None:
    print(
        f"probe {result.url} (profile {profile.name}){'; opened the side-bet panel' if result.opened_panel else ''}"
    )
    for c in result.controls:
        state = "ok  " if c.found else ("skip" if not c.checked else "MISS")
        where = c.selector or f"none of {c.tried}"
        extra = f" ({c.note})" if c.note else ""
        print(f"  {state} {c.name:<21} {where}{extra}")
        for s in c.suggestions:
            print(f"       try {s.selector}   ({s.why})")
        if not c.found and c.checked and not c.suggestions:
            print("       no proposal resolves to exactly one visible element")
    rep = result.protocol
    print(
        f"protocol: {rep.frames_in} frames in {result.listen_s:g} s over {result.transport}, "
        f"{len(rep.drift)} drift item(s)"
    )
    for d in rep.drift:
        print(f"  {d.describe()}")
    print(f"snapshot: {result.snapshot}\nscreenshot: {result.screenshot}")


def run(args: argparse.Namespace) -> int:
    problem = _usage(args)
    if problem:
        print(f"rugsbot probe: {problem}", file=sys.stderr)
        return EXIT_USAGE
    settings = Settings()
    # ConfigError (a bad key, limit or strategy parameter) → exit 2 in bot.cli, before a browser starts
    profile = load_profile(args.profile, settings.profiles_dir, settings.strategies_dir)
    try:
        result = asyncio.run(probe(args.url, settings, profile, args.listen))
    except BrowserEnvironmentError as exc:
        print(f"rugsbot probe: {exc}", file=sys.stderr)
        return EXIT_ENVIRONMENT
    except Exception as exc:
        if type(exc).__module__.startswith("playwright"):
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            print(f"rugsbot probe: cannot load {args.url}: {first}", file=sys.stderr)
            return EXIT_ENVIRONMENT
        raise
    note = None
    if args.fix_profile is not None:
        try:
            note = _write_fix(args, settings, result, profile)
        except (OSError, ValueError) as exc:
            print(f"rugsbot probe: cannot write {args.fix_profile}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.json:
        out = result.as_dict()
        out["fixed_profile"] = None if args.fix_profile is None else str(args.fix_profile)
        emit_json(out)
    else:
        _print(result, profile)
        if note is not None:
            print(f"wrote {args.fix_profile}: {note}")
    return EXIT_OK if result.ok else EXIT_CHECK_FAILED
