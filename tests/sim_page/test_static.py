"""Fast checks on the shipped files: no browser, no network."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot.config.sections import SelectorsConfig
from bot.sim.assets import extension_dir, page_dir

URL = re.compile(r"""(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", re.I)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.elements.append((tag, a))
        for key in ("src", "href"):
            if key in a and not a[key].startswith("data:"):
                self.refs.append(a[key])


def parse(name: str) -> _Collect:
    c = _Collect()
    c.feed((page_dir() / name).read_text())
    return c


@pytest.mark.parametrize("folder", [page_dir(), extension_dir()], ids=["page", "extension"])
def test_no_external_urls_and_every_reference_exists(folder: Path) -> None:
    files = [p for p in folder.iterdir() if p.suffix in {".html", ".js", ".css", ".json"}]
    assert files
    for f in files:
        text = f.read_text()
        assert not URL.search(text), f"{f.name} names an external URL: {URL.search(text)}"
        if f.suffix == ".html":
            c = _Collect()
            c.feed(text)
            for ref in c.refs:
                assert (folder / ref).is_file(), f"{f.name} references missing {ref}"


PREFIX_CLASSES = {
    # SelectorsConfig field → class prefix the page must carry (hashed suffix, CSS-module style)
    "amount_input": "_amountInputContainer_",
    "clear_button": "_clearButton_",
    "coin_selector": "_coinSelector_",
    "sidebet_panel_toggle": "_sidebetToggle_",
}


@pytest.mark.parametrize(("field", "prefix"), sorted(PREFIX_CLASSES.items()))
def test_default_selectors_name_classes_the_page_has(field: str, prefix: str) -> None:
    assert any(prefix in s for s in getattr(SelectorsConfig(), field)), "selector defaults changed"
    classes = [a.get("class", "") for _t, a in parse("index.html").elements]
    hashed = [c for cls in classes for c in cls.split() if c.startswith(prefix)]
    assert len(hashed) == 1 and re.fullmatch(re.escape(prefix) + r"[a-z0-9]{5}", hashed[0]), hashed


def test_quick_buttons_have_the_exact_real_texts() -> None:
    html = (page_dir() / "index.html").read_text()
    texts = re.findall(r'class="_controlBtn_[a-z0-9]+"[^>]*>([^<]*)<', html)
    assert texts == ["+0.001", "+0.01", "+0.1", "+1", "1/2", "X2", "MAX"]


def test_manifest_is_mv3_with_main_world_provider_at_document_start() -> None:
    m = json.loads((extension_dir() / "manifest.json").read_text())
    assert m["manifest_version"] == 3
    assert (extension_dir() / m["background"]["service_worker"]).is_file()
    worlds = {cs.get("world", "ISOLATED"): cs for cs in m["content_scripts"]}
    assert set(worlds) == {"MAIN", "ISOLATED"}
    for cs in worlds.values():
        assert cs["run_at"] == "document_start"
        assert all((extension_dir() / js).is_file() for js in cs["js"])
    assert "host_permissions" not in m  # the wallet needs no network access
    assert (extension_dir() / m["action"]["default_popup"]).is_file()
    for page in ("notification.html", "onboarding.html", "popup.html", "ui.js", "README.md"):
        assert (extension_dir() / page).is_file(), page


def test_page_build_2_moves_the_side_bet_controls_but_keeps_texts() -> None:
    """Build 2 breaks exactly the structural selectors (bet button, amount input); prefix selectors survive."""
    one, two = parse("index.html"), parse("index-b2.html")

    def classes(c: _Collect) -> list[str]:
        return [k for _t, a in c.elements for k in a.get("class", "").split()]

    def prefixes(c: _Collect) -> set[str]:
        return {m.group(1) for k in classes(c) if (m := re.fullmatch(r"(_[a-zA-Z]+_)[a-z0-9]{5}", k))}

    assert not set(classes(one)) & set(classes(two)) - {"but-button-active"}  # every hash changed
    assert prefixes(one) - prefixes(two) == {"_amountInputContainer_"}
    assert {"_sidebetPanel_", "_sidebetAmount_", "_placeSidebet_"} <= prefixes(two)
    assert not {"sidebet-container", "sidebet-banner", "bet-button"} & set(classes(two))
    html = (page_dir() / "index-b2.html").read_text()
    for text in ("Side Bet", "PLACE SIDEBET", "SIDEBET 5x", "Connect", "Phantom", "BUY+0.001 SOL"):
        assert text in html, text
    texts = re.findall(r'class="_controlBtn_[a-z0-9]+"[^>]*>([^<]*)<', html)
    assert texts == ["+0.001", "+0.01", "+0.1", "+1", "1/2", "X2", "MAX"]
    assert 'value="0.001"' in html and 'value="0.001"' in (page_dir() / "index.html").read_text()
