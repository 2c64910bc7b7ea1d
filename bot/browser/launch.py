"""Start Chromium with the wallet extension on a persistent profile, one bot per profile directory.

Why a persistent context: the wallet extension keeps its vault (and the site its login) in the profile,
so the operator sets it up once with ``rugsbot login`` and every later run reuses it. Why a lock file:
two bots on one profile would share a wallet and a socket and could bet twice for one decision.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, ClassVar

from bot.browser.errors import BrowserNotFound, ExtensionInvalid, ProfileInUse
from bot.browser.launch_failure import BrowserLaunchFailed, chromium_reason
from bot.browser.singleton import sweep_stale, user_data_dir
from bot.config import Profile, Settings

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Playwright, Worker

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
LOCK_NAME = "rugsbot.lock"
FALLBACK_CHROME_VERSION = "131.0.0.0"
# Keep the browser quiet: nothing but the site (and, in tests, 127.0.0.1) should ever be contacted.
CLOSED_NETWORK_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
)


def _playwright_chromium() -> Path | None:
    """Playwright's own Chromium build if one happens to be installed (we never download it)."""
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    for candidate in sorted(root.glob("chromium-*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def find_browser(settings: Settings) -> Path:
    """Setting → /usr/bin/chromium → chromium/chromium-browser on PATH → Playwright's build → BrowserNotFound."""
    tried: list[str] = []
    if settings.browser_path is not None:
        p = Path(settings.browser_path)
        if p.is_file() and os.access(p, os.X_OK):
            return p
        # An explicit setting that is wrong is an error, not a hint: silently using another browser would
        # run the bot on a binary the operator did not choose.
        raise BrowserNotFound([f"RUGSBOT_BROWSER_PATH={p} (not an executable file)"])
    tried.append(str(SYSTEM_CHROMIUM))
    if SYSTEM_CHROMIUM.is_file() and os.access(SYSTEM_CHROMIUM, os.X_OK):
        return SYSTEM_CHROMIUM
    for name in ("chromium", "chromium-browser", "google-chrome"):
        tried.append(f"{name} on PATH")
        found = shutil.which(name)
        if found:
            return Path(found)
    tried.append("Playwright's Chromium")
    own = _playwright_chromium()
    if own is not None:
        return own
    raise BrowserNotFound(tried)


def browser_version(executable: Path) -> str:
    """``156.0.8078.79`` from ``--version``; a fixed recent version if the binary will not say."""
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return FALLBACK_CHROME_VERSION
    m = re.search(r"(\d+)\.\d+\.\d+\.\d+", out)
    return f"{m.group(1)}.0.0.0" if m else FALLBACK_CHROME_VERSION


def realistic_user_agent(version: str) -> str:
    """What a desktop Chrome on Linux sends (reduced UA); headless would otherwise say ``HeadlessChrome``."""
    return f"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{version} Safari/537.36"


def check_extension(directory: Path) -> str:
    """Return the extension's name (localised text if it has one); raise :class:`ExtensionInvalid` otherwise."""
    return extension_names(directory)[-1]


def extension_names(directory: Path) -> tuple[str, ...]:
    """The manifest's ``name`` and, for a localised ``__MSG_x__`` name, its default-locale text as well.

    Raises :class:`ExtensionInvalid` with the exact problem when the directory holds no valid manifest.
    """
    if not directory.is_dir():
        raise ExtensionInvalid(directory, "directory not found")
    manifest = directory / "manifest.json"
    if not manifest.is_file():
        raise ExtensionInvalid(directory, "no manifest.json")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ExtensionInvalid(directory, f"manifest.json is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ExtensionInvalid(directory, "manifest.json is not an object")
    for key in ("manifest_version", "name", "version"):
        if key not in data:
            raise ExtensionInvalid(directory, f"manifest.json lacks '{key}'")
    name = str(data["name"])
    m = re.fullmatch(r"__MSG_(\w+)__", name)
    if m is None:
        return (name,)
    messages = directory / "_locales" / str(data.get("default_locale", "en")) / "messages.json"
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        table = {k.lower(): v for k, v in json.loads(messages.read_text(encoding="utf-8-sig")).items()}
        return (name, str(table[m.group(1).lower()]["message"]))
    return (name,)


@dataclass
class ProfileLock:
    """An exclusive ``fcntl`` lock on ``<profile>/rugsbot.lock``; released by the OS if the process dies.

    Subclasses lock other directories with the same mechanism (bot/app/lock.py: one run per data directory):
    they set ``lock_name`` and say what is in use in :meth:`in_use`."""

    directory: Path
    _fh: IO[str] | None = None
    lock_name: ClassVar[str] = LOCK_NAME

    def in_use(self, holder: str) -> Exception:
        """The error raised when another process holds the lock (``holder``: what it wrote, ``pid N``)."""
        return ProfileInUse(self.directory, holder)

    def acquire(self) -> ProfileLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / self.lock_name
        fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the lifetime of the bot
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip()
            fh.close()
            raise self.in_use(holder) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    @property
    def held(self) -> bool:
        return self._fh is not None


def launch_args(extension_dir: Path | None, *, as_root: bool) -> list[str]:
    # English UI: the wallet table reads Phantom's button wording (Connect, Confirm, Not Now), which is localised.
    args = [*CLOSED_NETWORK_ARGS, "--lang=en-US"]
    if as_root:
        args.append("--no-sandbox")
    if extension_dir is not None:
        ext = str(extension_dir.resolve())
        args += [f"--disable-extensions-except={ext}", f"--load-extension={ext}"]
    return args


@dataclass
class LaunchedBrowser:
    """A running persistent context plus what is needed to shut it down and to explain a failure."""

    playwright: Playwright
    context: BrowserContext
    lock: ProfileLock
    executable: Path
    profile_dir: Path
    extension_id: str | None
    tracing: bool
    user_agent: str
    _closed: bool = field(default=False, repr=False)

    async def page(self) -> Page:
        return self.context.pages[0] if self.context.pages else await self.context.new_page()

    async def rotate_trace(self) -> None:
        """Drop the trace so far and start a new chunk, so a saved trace covers only the last moments."""
        if not self.tracing or self._closed:
            return
        with contextlib.suppress(Exception):
            await self.context.tracing.stop_chunk()
            await self.context.tracing.start_chunk()

    async def save_failure(self, directory: Path, label: str) -> list[Path]:
        """Screenshot of every open page + the current trace chunk, next to the logs. Never raises."""
        directory.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label)[:60] or "failure"
        saved: list[Path] = []
        if self._closed:
            return saved
        for i, pg in enumerate(list(self.context.pages)):
            path = directory / f"{stamp}-{safe}-page{i}.png"
            with contextlib.suppress(Exception):
                await pg.screenshot(path=str(path), timeout=5000)
                saved.append(path)
        if self.tracing:
            path = directory / f"{stamp}-{safe}-trace.zip"
            with contextlib.suppress(Exception):
                await self.context.tracing.stop_chunk(path=str(path))
                saved.append(path)
                await self.context.tracing.start_chunk()
        return saved

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.tracing:
                with contextlib.suppress(Exception):
                    await self.context.tracing.stop()
            with contextlib.suppress(Exception):
                await self.context.close()
            with contextlib.suppress(Exception):
                await self.playwright.stop()
        finally:
            self.lock.release()


async def launch(
    settings: Settings,
    profile: Profile,
    *,
    headless: bool,
    extension_dir: Path | None,
    profile_dir: Path | None = None,
    trace: bool = True,
) -> LaunchedBrowser:
    """Launch Chromium on the persistent profile with the wallet extension loaded.

    Checks everything cheap first (browser, extension manifest, profile lock) so a misconfiguration
    fails in milliseconds with one clear message instead of a Playwright stack trace; sweeps Chromium's stale
    lock files (bot/browser/singleton.py) and raises :class:`BrowserLaunchFailed` with Chromium's own reason
    when the browser exits while starting.
    """
    executable = find_browser(settings)
    names = extension_names(extension_dir) if extension_dir is not None else ()
    directory = Path(profile_dir or settings.browser_profile_dir).resolve()
    lock = ProfileLock(directory).acquire()
    pw: Playwright | None = None
    try:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        sweep_stale(user_data_dir(directory))  # safe: we hold the profile's lock (bot/browser/singleton.py)
        ua = profile.browser.user_agent or realistic_user_agent(browser_version(executable))
        pw = await async_playwright().start()
        try:
            context = await pw.chromium.launch_persistent_context(
                str(user_data_dir(directory)),
                executable_path=str(executable),
                headless=headless,
                ignore_default_args=["--disable-extensions"],
                args=launch_args(extension_dir, as_root=os.geteuid() == 0),
                user_agent=ua,
                viewport={"width": 1400, "height": 900},
            )
        except PlaywrightError as exc:  # Chromium exited while starting: its stderr says why, in one line
            raise BrowserLaunchFailed(chromium_reason(str(exc)), str(executable)) from None
        if trace:
            await context.tracing.start(screenshots=True, snapshots=False)
            await context.tracing.start_chunk()
        ext_id = await extension_id_by_name(context, names) if names else None
        return LaunchedBrowser(pw, context, lock, executable, directory, ext_id, trace, ua)
    except BaseException:
        if pw is not None:
            with contextlib.suppress(Exception):
                await pw.stop()
        lock.release()
        raise


async def extension_id_by_name(
    context: BrowserContext, names: tuple[str, ...], timeout_s: float = 10.0
) -> str | None:
    """The id of the loaded extension whose manifest name is one of ``names``, read at run time.

    chrome://extensions is not scriptable, but each extension's service worker (or background page) runs at
    ``chrome-extension://<id>/`` and can say its own name (``chrome.runtime.getManifest().name``). None when no
    such extension shows up within ``timeout_s``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    asked: set[str] = set()
    while True:
        workers: list[Worker | Page] = [*context.service_workers, *context.background_pages]
        for worker in workers:
            m = re.match(r"chrome-extension://([a-p]{32})/", worker.url)
            if m is None or worker.url in asked:
                continue
            try:
                name = await worker.evaluate("chrome.runtime.getManifest().name")
            except Exception:  # a worker that stopped meanwhile: ask again on the next round
                continue
            asked.add(worker.url)
            if name in names:
                return m.group(1)
        if loop.time() >= deadline:
            return None
        with contextlib.suppress(Exception):
            await context.wait_for_event("serviceworker", timeout=500)
