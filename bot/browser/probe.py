"""Check a profile's page controls against a live page, and propose selectors for the missing ones.

Dry: nothing is typed, no login, no wallet. The one click is the profile's side-bet panel toggle, and only
when the bet button is not visible yet: the bot itself opens that panel before arming (shared/protocol.md:
"the side-bet panel may need opening once per session"), and the panel's controls cannot be seen closed.

A control is *found* when one of its selectors has a visible match (:func:`first_visible`, the rule the bot
arms by). For a missing control the page is searched by role, text and nearby structure (the clickable
element whose text says side bet; the number input nearest the bet button) and each candidate gets ranked
selectors (id, data-testid, CSS-module class prefix, the same inside its nearest hashed ancestor, plain
class, text); a selector is *suggested* only if it resolves to exactly one element, visible, and that
element is the candidate.
"""

from __future__ import annotations

import asyncio
import shlex
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.browser.selectors import first_visible
from bot.config.sections import SelectorsConfig

if TYPE_CHECKING:
    from playwright.async_api import ElementHandle, JSHandle, Page

__all__ = ["CONTROLS", "ControlCheck", "Suggestion", "check_controls", "fix_advice"]

# Every control of SelectorsConfig, in the order anchors are needed (the amount input is searched near
# the bet button, the clear button near the amount input).
CONTROLS = (
    "sidebet_panel_toggle",
    "sidebet_button",
    "amount_input",
    "clear_button",
    "coin_selector",
    "connect_button",
    "phantom_option",
)
NOT_DRY = {"phantom_option": "only shown in the wallet dialog after Connect; `rugsbot login` checks it"}
MAX_SUGGESTIONS = 3

# What each control looks like to a person: text (regex, case-insensitive), clickable or an input, and
# which control it sits next to.
_SEARCH: dict[str, dict[str, Any]] = {
    "sidebet_panel_toggle": {"text": r"^side\s*-?\s*bets?$", "clickable": True},
    "sidebet_button": {"text": r"side\s*-?\s*bet", "prefer": r"place|bet\s*now|^bet", "clickable": True},
    "amount_input": {"input": True, "near": "sidebet_button"},
    "clear_button": {
        "text": r"^(×|✕|x|clear)$",
        "title": r"clear",
        "clickable": True,
        "near": "amount_input",
    },
    "coin_selector": {"text": r"^(sol|free)$", "clickable": True},
    "connect_button": {"text": r"^connect( wallet)?$", "clickable": True},
}

# In-page search: returns {elements: [...], info: [{selectors: [[sel, why]...], text, score}]}.
_FIND_JS = r"""
([spec, exclude, anchor]) => {
  const HASHED = /^(_[A-Za-z][A-Za-z0-9]*_)[a-z0-9]{5}$/;
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim();
  const prefixes = (el) => [...el.classList].map((c) => HASHED.exec(c)).filter(Boolean).map((m) => m[1]);
  const plain = (el) => [...el.classList].filter((c) => !HASHED.test(c) && /^[A-Za-z][\w-]*$/.test(c));
  const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
  const clickable = (el) => ["BUTTON", "A"].includes(el.tagName) || el.getAttribute("role") === "button"
    || el.hasAttribute("onclick") || getComputedStyle(el).cursor === "pointer";
  const excluded = (el) => exclude.some((x) => x && (x === el || x.contains(el) || el.contains(x)));
  let pool;
  if (spec.input) {
    pool = [...document.querySelectorAll('input[type="number"], input[inputmode="decimal"]')];
  } else {
    const re = new RegExp(spec.text, "i");
    const title = spec.title ? new RegExp(spec.title, "i") : null;
    pool = [...document.querySelectorAll("body *")].filter((el) => !["SCRIPT", "STYLE"].includes(el.tagName)
      && (re.test(norm(el.textContent)) || (title && title.test(el.getAttribute("title") || ""))));
    if (spec.clickable) pool = pool.filter(clickable);
    pool = pool.filter((el) => !pool.some((o) => o !== el && el.contains(o)));  // the innermost
  }
  pool = pool.filter((el) => visible(el) && !excluded(el));
  const depth = (el) => { let d = 0; for (let e = el; e; e = e.parentElement) d++; return d; };
  const distance = (el) => {
    if (!anchor) return 0;
    let common = el; while (common && !common.contains(anchor)) common = common.parentElement;
    return common ? depth(el) + depth(anchor) - 2 * depth(common) : 1000;
  };
  const prefer = spec.prefer ? new RegExp(spec.prefer, "i") : null;
  const score = (el) => distance(el) - (prefer && prefer.test(norm(el.textContent)) ? 100 : 0);
  pool.sort((a, b) => score(a) - score(b));
  const selectorsFor = (el) => {
    const tag = el.tagName.toLowerCase();
    const typed = tag === "input" && el.getAttribute("type") ? `input[type="${el.getAttribute("type")}"]` : tag;
    const out = [];
    if (el.id && /^[A-Za-z][\w-]*$/.test(el.id) && !/\d{3,}/.test(el.id)) out.push([`#${el.id}`, "its id"]);
    const tid = el.getAttribute("data-testid");
    if (tid) out.push([`[data-testid="${tid}"]`, "its data-testid"]);
    const own = prefixes(el);
    for (const p of own) out.push([`${tag}[class*="${p}"]`, `its class ${p}<hash>`]);
    let up = el.parentElement; while (up && !prefixes(up).length) up = up.parentElement;
    if (up) {
      const ap = prefixes(up)[0];
      for (const p of own) out.push([`[class*="${ap}"] ${tag}[class*="${p}"]`, `its class inside ${ap}<hash>`]);
      out.push([`[class*="${ap}"] ${typed}`, `the ${typed} inside ${ap}<hash>`]);
    }
    for (const c of plain(el)) out.push([`${tag}.${c}`, `its class ${c}`]);
    const words = norm(el.textContent).split(/[0-9]/)[0].trim().replace(/"/g, "");
    if (words && words.length <= 40) out.push([`${tag}:has-text("${words}")`, `its text "${words}"`]);
    return out;
  };
  pool = pool.slice(0, 5);
  return { elements: pool, info: pool.map((el) => ({ selectors: selectorsFor(el), text: norm(el.textContent).slice(0, 60) })) };
}
"""


def fix_advice(url: str, profile_ref: str | None, profiles_dir: Path, name: str) -> str:
    """What to do when a control of profile ``name`` is missing on ``url``: the exact probe command that proposes
    checked selectors and writes them into ``<profiles_dir>/<name>-fixed.toml``, then resume and run on that
    profile. ``profile_ref``: the run's ``--profile`` as given (``None``: the default profile, as the probe's)."""
    out = profiles_dir / f"{name}-fixed.toml"
    words = [
        "rugsbot",
        "probe",
        url,
        *(("--profile", profile_ref) if profile_ref else ()),
        "--fix-profile",
        str(out),
    ]
    command = shlex.join(words)
    return (
        f"the site's page changed or the profile is wrong: run `{command}`, check its proposals, "
        f"then `rugsbot resume` and run with `--profile {shlex.quote(str(out))}`"
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    selector: str
    why: str
    matches: int  # elements the selector resolves to
    visible: bool
    same: bool  # resolves to the candidate the search found

    @property
    def ok(self) -> bool:
        return self.matches == 1 and self.visible and self.same


@dataclass(slots=True)
class ControlCheck:
    """One control: ``selector`` is the profile selector that matched (or the hidden match when not visible)."""

    name: str
    found: bool
    selector: str | None
    visible: bool
    enabled: bool | None
    tried: list[str]
    checked: bool = True  # False: a dry probe cannot see it (NOT_DRY); never fails the probe
    note: str = ""
    suggestions: list[Suggestion] = field(default_factory=list)
    rejected: list[Suggestion] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.found or not self.checked

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["suggestions"] = [asdict(s) for s in self.suggestions]
        out["rejected"] = [asdict(s) for s in self.rejected]
        return out


async def check_controls(
    page: Page, cfg: SelectorsConfig, *, wait_s: float = 1.0
) -> tuple[list[ControlCheck], bool]:
    """Every control of ``cfg`` on ``page`` (suggestions for the missing); and whether the panel was opened.

    ``wait_s`` is one budget for the whole page (its controls render together), not a wait per control.
    """
    clock = asyncio.get_running_loop().time
    until = clock() + wait_s
    opened = await _open_panel(page, cfg, wait_s)
    checks: dict[str, ControlCheck] = {}
    elements: dict[str, ElementHandle] = {}
    for name in CONTROLS:
        tried = list(getattr(cfg, name))
        hit = await first_visible(
            page, tried, timeout_s=max(0.0, until - clock()) if name not in NOT_DRY else 0.0
        )
        if hit is not None:
            sel, loc = hit
            check = ControlCheck(name, True, sel, True, await loc.is_enabled(), tried)
            handle = await loc.element_handle()
            if handle is not None:
                elements[name] = handle
        else:
            check = ControlCheck(name, False, await _hidden_match(page, tried), False, None, tried)
            if check.selector is not None:
                check.note = "present but not visible"
        if name in NOT_DRY:
            check.checked, check.note = False, NOT_DRY[name]
        checks[name] = check
    for name in CONTROLS:
        check = checks[name]
        if check.found or not check.checked or name not in _SEARCH:
            continue
        spec = _SEARCH[name]
        anchor = elements.get(spec.get("near", ""))
        others = [h for n, h in elements.items() if n != name]
        check.suggestions, check.rejected, best = await _propose(page, spec, others, anchor)
        if best is not None:
            elements[name] = best  # the next control's anchor
    return [checks[n] for n in CONTROLS], opened


async def _open_panel(page: Page, cfg: SelectorsConfig, wait_s: float) -> bool:
    """Click the panel toggle once, unless a side-bet button (the profile's, or by its text) already shows."""
    toggle = await first_visible(page, cfg.sidebet_panel_toggle, timeout_s=wait_s)
    if await first_visible(page, cfg.sidebet_button) is not None:
        return False
    if toggle is None:
        return False
    found = await page.evaluate_handle(
        _FIND_JS, [_SEARCH["sidebet_button"], [await toggle[1].element_handle()], None]
    )
    if await found.evaluate("r => r.elements.length > 0"):
        return False  # the panel is open already (a click would close it)
    await toggle[1].click()
    await page.wait_for_timeout(300)  # let the page render the panel
    return True


async def _hidden_match(page: Page, selectors: list[str]) -> str | None:
    for sel in selectors:
        try:
            if await page.locator(sel).count():
                return sel
        except Exception:  # an invalid selector in the profile: reported as not found
            continue
    return None


async def _propose(
    page: Page, spec: dict[str, Any], exclude: list[ElementHandle], anchor: ElementHandle | None
) -> tuple[list[Suggestion], list[Suggestion], ElementHandle | None]:
    found: JSHandle = await page.evaluate_handle(_FIND_JS, [spec, exclude, anchor])
    info = await (await found.get_property("info")).json_value()
    elements = await (await found.get_property("elements")).get_properties()
    ok: list[Suggestion] = []
    rejected: list[Suggestion] = []
    best: ElementHandle | None = None
    for i, cand in enumerate(info):
        element = elements[str(i)].as_element()
        if element is None:
            continue
        for sel, why in cand["selectors"]:
            if any(s.selector == sel for s in ok + rejected):
                continue
            s = await _try(page, sel, why, element)
            (ok if s.ok else rejected).append(s)
            if s.ok and best is None:
                best = element
    return ok[:MAX_SUGGESTIONS], rejected, best


async def _try(page: Page, selector: str, why: str, element: ElementHandle) -> Suggestion:
    loc = page.locator(selector)
    try:
        n = await loc.count()
        if n != 1:
            return Suggestion(selector, why, n, False, False)
        visible = await loc.is_visible()
        same = bool(await page.evaluate("([a, b]) => a === b", [await loc.element_handle(), element]))
    except Exception:  # a selector Playwright cannot parse is not a suggestion
        return Suggestion(selector, why, 0, False, False)
    return Suggestion(selector, why, 1, visible, same)
