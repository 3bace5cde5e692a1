"""Web pages in a real browser (Debian's Chromium): reflow at 320 CSS px and the dark scheme.

Each built page is loaded in a 320 px wide iframe of a small probe page
(``--allow-file-access-from-files`` makes the two file: pages one origin), and
the probe writes what it measured into its title, which ``--dump-dom`` prints.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import validators
from benech_publish.contrast import contrast_ratio

PROBE = """<html><body><iframe id="f" src="{src}" style="width:{width}px;height:900px;border:0"></iframe>
<script>
function rgb(c) {{ var m = c.match(/\\d+(\\.\\d+)?/g).map(Number); return m; }}
function hex(m) {{ return "#" + m.slice(0, 3).map(function (x) {{ return ("0" + Math.round(x).toString(16)).slice(-2); }}).join(""); }}
function background(w, el) {{
  while (el) {{ var m = rgb(w.getComputedStyle(el).backgroundColor);
    if (m.length < 4 || m[3] > 0) return hex(m); el = el.parentElement; }}
  return "#ffffff";
}}
document.getElementById("f").onload = function () {{
  var w = this.contentWindow, d = w.document, pairs = [];
  d.querySelectorAll("h1, h2, p, li, a, dt, dd, th, td, .clinic-name").forEach(function (el) {{
    if (!el.textContent.trim()) return;
    pairs.push([el.tagName + "." + el.className, hex(rgb(w.getComputedStyle(el).color)), background(w, el)]);
  }});
  document.title = JSON.stringify({{scroll: d.documentElement.scrollWidth, client: d.documentElement.clientWidth,
    dark: w.matchMedia("(prefers-color-scheme: dark)").matches, pairs: pairs}});
}};
</script></body></html>"""


def probe(page: Path, tmp_path: Path, *, width: int = 320, dark: bool = False) -> dict:
    chromium = validators.chromium_executable()
    validators.require_tool("chromium", chromium is not None, "install Debian's chromium (make tools)")
    assert chromium is not None
    probe_page = page.parent / f".probe-{page.stem}.html"
    probe_page.write_text(PROBE.format(src=page.name, width=width), encoding="utf-8")
    args = [
        chromium,
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--allow-file-access-from-files",
        "--virtual-time-budget=5000",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        *validators.CHROMIUM_EXTRA_FLAGS,
        "--dump-dom",
        probe_page.as_uri(),
    ]
    if dark:
        args.insert(1, "--force-dark-mode")
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=120).stdout
    finally:
        probe_page.unlink()
    start, end = out.find("<title>") + len("<title>"), out.find("</title>")
    assert start > len("<title>") - 1 and end > start, out[-2000:]
    import html

    return json.loads(html.unescape(out[start:end]))


def pages(shipped_out: Path) -> list[Path]:
    found = sorted((shipped_out / "html").rglob("*.html"))
    assert len(found) == 4
    return found


@pytest.mark.slow
def test_web_pages_reflow_at_320_css_px(shipped_out, tmp_path):
    for page in pages(shipped_out):
        result = probe(page, tmp_path)
        assert result["scroll"] <= result["client"], (page.name, result["scroll"], result["client"])


@pytest.mark.slow
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_text_keeps_its_contrast_in_both_colour_schemes(shipped_out, tmp_path, dark):
    for page in pages(shipped_out):
        result = probe(page, tmp_path, width=800, dark=dark)
        assert result["dark"] is dark
        assert len(result["pairs"]) > 20
        low = [
            (what, fg, bg, round(contrast_ratio(fg, bg), 2))
            for what, fg, bg in result["pairs"]
            if contrast_ratio(fg, bg) < 4.5
        ]
        assert not low, (page.name, low[:5])


def test_dark_colours_pass_every_pair_for_any_primary():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from benech_publish.contrast import check_colours, dark_colours
    from benech_publish.model import Colours

    @settings(max_examples=200, deadline=None)
    @given(st.integers(0, 0xFFFFFF))
    def check(value: int) -> None:
        dark = dark_colours(Colours(primary=f"#{value:06x}"))
        assert check_colours(dark) == []

    check()
