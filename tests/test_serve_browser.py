"""benech-publish serve in a real browser (Debian's Chromium via Playwright), checked with axe-core.

The staff flow of issue 17: open the catalogue, follow a condition, download
its large-print leaflet, edit a content file and watch the open page update
without a reload; axe-core (WCAG 2.x A/AA and 2.2 AA) finds nothing on any
page; keyboard use with a visible focus; reflow at 320 CSS pixels (400 %
zoom). Also: axe-core on the built web pages of the shipped content.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from serving import copy_project, running
from validators import axe, chromium_browser, require_axe

pytestmark = pytest.mark.slow

PAGES = ("", "conditions/it/emispasmo-facciale", "conditions/en/facial-nerve-hemispasm", "problems", "no-such-page")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_axe()
    with chromium_browser() as b:
        yield b


def test_axe_finds_violations_when_there_are_some(browser: Any, tmp_path: Path):
    """The wrapper can fail: a page with known defects gives their rules."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        '<img src="a.png"><p style="color:#aaa">faint</p></body></html>',
        encoding="utf-8",
    )
    page = browser.new_page()
    page.goto(bad.as_uri())
    assert {f.rule for f in axe(page)} >= {"image-alt", "html-has-lang", "color-contrast"}
    page.close()


def test_staff_flow_download_edit_and_live_preview(browser: Any, tmp_path: Path, shipped_out: Path):
    content, out = copy_project(tmp_path, shipped_out)
    with running(content, out, watch=True) as server:
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(server.url)
        assert axe(page) == []
        # two clicks from the catalogue to the Italian large-print leaflet
        page.get_by_role("link", name="Emispasmo facciale").click()
        page.wait_for_url("**/conditions/it/emispasmo-facciale")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert page.locator("#preview").get_attribute("lang") == "it"
        assert axe(page) == []
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Foglio informativo, caratteri grandi (PDF)").click()
        download = download_info.value
        assert download.suggested_filename == "emispasmo-facciale.large.pdf"
        assert Path(download.path()).read_bytes() == (out / "pdf/it/emispasmo-facciale.large.pdf").read_bytes()

        # live preview: edit a paragraph of the English text; the open page follows, no reload
        page.goto(server.url + "conditions/en/facial-nerve-hemispasm")
        page.evaluate("window.__noReload = true")
        page.wait_for_timeout(1000)  # the event stream is connected
        source = content / "en" / "facial-nerve-hemispasm.md"
        text = source.read_text(encoding="utf-8")
        started = time.monotonic()
        source.write_text(text.replace("Symptoms include", "Symptoms usually include"), encoding="utf-8")
        expect(page.locator("#preview")).to_contain_text("Symptoms usually include", timeout=60_000)
        seconds = time.monotonic() - started
        print(f"preview updated {seconds:.1f} s after the edit")
        assert seconds < 30
        assert page.evaluate("window.__noReload") is True
        assert axe(page) == []

        # a broken edit shows its problems in the open page, which stays usable
        source.write_text(text.replace("title: Facial Nerve Hemispasm\n", ""), encoding="utf-8")
        expect(page.locator("#main")).to_contain_text("missing title", timeout=60_000)
        assert page.evaluate("window.__noReload") is True
        assert "Symptoms usually include" in page.locator("#preview").text_content()
        assert axe(page) == []
        page.goto(server.url + "problems")
        assert "missing title" in page.locator("main").text_content()
        assert axe(page) == []
        source.write_text(text, encoding="utf-8")
        expect(page.locator("#main")).not_to_contain_text("missing title", timeout=60_000)
        assert server.app.state.services.builder.wait_for(lambda s: not s.building, 180)
        context.close()


@pytest.mark.parametrize("width,locale", [(320, "en-GB"), (1280, "en-GB"), (320, "it-IT")])
def test_every_page_axe_keyboard_and_reflow(browser: Any, tmp_path: Path, shipped_out: Path, width: int, locale: str):
    """Every page, in English and (browser set to Italian) in Italian, at 320 px and 1280 px."""
    content, out = copy_project(tmp_path, shipped_out)
    with running(content, out) as server:
        context = browser.new_context(locale=locale, viewport={"width": width, "height": 800})
        page = context.new_page()
        for path in PAGES:
            page.goto(server.url + path)
            assert axe(page) == [], path
            assert page.evaluate("document.documentElement.lang") == locale[:2]
            # reflow: nothing wider than the window (tables scroll inside their own region)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
            # keyboard: the first Tab reaches the skip link, visibly; Enter moves to the content
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.className") == "skip"
            box = page.evaluate(
                "(() => { const r = document.activeElement.getBoundingClientRect();"
                " return [r.top, r.left, r.right]; })()"
            )
            assert box[0] >= 0 and box[1] >= 0 and box[2] <= width
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main"
            # every element Tab reaches shows a focus outline
            for _ in range(12):
                page.keyboard.press("Tab")
                style = page.evaluate(
                    "(() => { const s = getComputedStyle(document.activeElement);"
                    " return [document.activeElement.tagName, s.outlineStyle, s.outlineWidth]; })()"
                )
                if style[0] == "BODY":
                    break
                assert style[1] != "none" and style[2] != "0px", (path, style)
        context.close()


def test_built_web_pages_have_no_axe_violations(browser: Any, shipped_out: Path):
    pages = sorted((shipped_out / "html").glob("*/*.html"))
    assert {(p.parent.name, p.name.endswith(".large.html")) for p in pages} == {
        ("it", False),
        ("it", True),
        ("en", False),
        ("en", True),
    }
    page = browser.new_page()
    for built in pages:
        page.goto(built.as_uri())
        assert axe(page) == [], built
    page.close()
