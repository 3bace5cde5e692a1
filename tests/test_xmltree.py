"""The typesetter parses the prepared XHTML as XML (typeset/_xmltree.py), not with tinyhtml5.

WeasyPrint's own ``HTML(string=...)`` parses with tinyhtml5, a pure-Python
HTML5 parser (about 3.7 ms of a 125 ms leaflet). The typesetter reads the same
text with Expat and gives WeasyPrint the tree in the shape tinyhtml5 builds.
These tests hold the two to the same tree -- tag, attributes in order, text and
tail of every node -- on every document the shipped content and the test roots
lay out (leaflets in both editions, both booklets), on generated conditions
(hypothesis: markup characters, tables, nested lists, foreign
spans, non-Latin text), and on hand-written edge cases; the PDF of a leaflet is
the same byte for byte either way; ``weasyprint.HTML`` gets exactly the
attributes its own constructor sets.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import tinyhtml5
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benech_publish import Options, Renderer, edition, load_content
from benech_publish.errors import RenderError
from benech_publish.typeset import _xmltree, engine
from benech_publish.typeset.engine import Typesetter
from benech_publish.writers import Context
from benech_publish.writers.booklet import write_booklet
from benech_publish.writers.leaflet import leaflet_xhtml, write_leaflet

PROJECT = Path(__file__).resolve().parent.parent
ROOTS = [PROJECT / "content", PROJECT / "tests" / "roots" / "basic", PROJECT / "tests" / "roots" / "booklet"]
CREATED = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)


def _html5(source: str) -> Any:
    return tinyhtml5.parse(io.BytesIO(source.encode("utf-8")), namespace_html_elements=False)


def _nodes(root: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []

    def walk(element: Any, depth: int) -> None:
        tag = element.tag if isinstance(element.tag, str) else repr(element.tag)
        out.append((depth, tag, tuple(element.attrib.items()), element.text, element.tail))
        for child in element:
            walk(child, depth + 1)

    walk(root, 0)
    return out


def _same_tree(source: str) -> None:
    mine, theirs = _nodes(_xmltree.html_tree(source)), _nodes(_html5(source))
    for a, b in zip(mine, theirs, strict=False):
        assert a == b, f"Expat: {a!r}\ntinyhtml5: {b!r}"
    assert len(mine) == len(theirs)


@pytest.fixture
def recorded(monkeypatch):
    """Every source the typesetter parses, in order."""
    sources: list[str] = []

    def recording(source: str) -> Any:
        sources.append(source)
        return _xmltree.html_tree(source)

    monkeypatch.setattr(engine, "html_tree", recording)
    return sources


@pytest.mark.slow
@pytest.mark.parametrize("root", ROOTS, ids=lambda p: p.name)
def test_every_document_of_the_roots_parses_to_the_html5_tree(root, tmp_path, recorded):
    shutil.copytree(root, tmp_path / "c")
    content = load_content(tmp_path / "c")
    ctx = Context(Renderer(), Options(), tmp_path / "c", CREATED)
    for name in ("standard", "large"):
        ed = edition(name, ctx.options)
        for condition in content.conditions:
            write_leaflet(condition, content.site, ed, ctx)
        for lang in content.site.languages:
            members = [c for c in content.conditions if c.lang == lang]
            if members:
                write_booklet(members, content.site, lang, ed, {"pdf"}, ctx)
    assert len(recorded) >= 2 * len(content.conditions) + 2
    for source in recorded:
        _same_tree(source)


@pytest.mark.slow
def test_a_leaflet_is_the_same_pdf_whichever_parser_read_it(tmp_path, monkeypatch):
    content = load_content(PROJECT / "content")
    ctx = Context(Renderer(), Options(), PROJECT / "content", CREATED)
    condition = content.conditions[0]
    for name in ("standard", "large"):
        ed = edition(name, ctx.options)
        with monkeypatch.context() as patch:
            expat = write_leaflet(condition, content.site, ed, ctx)
            patch.setattr(engine, "html_tree", _html5)
            html5 = write_leaflet(condition, content.site, ed, ctx)
        assert expat == html5, name


def test_weasyprint_html_gets_the_attributes_its_constructor_sets(tmp_path):
    typesetter = Typesetter(tmp_path)
    source = typesetter.prepare(
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>T</title>'
        '<base href="sub/"/></head><body><p>x</p></body></html>',
        hyphenate=False,
    )
    fetcher = typesetter.engine.URLFetcher(allowed_protocols={"file"})
    base = tmp_path.as_uri() + "/"
    theirs = typesetter.engine.HTML(string=source, base_url=base, url_fetcher=fetcher)
    mine = typesetter.engine.html_from_tree(_xmltree.html_tree(source), base_url=base, url_fetcher=fetcher)
    assert set(vars(mine)) == set(vars(theirs))
    for name in ("base_url", "url_fetcher", "media_type"):
        assert getattr(mine, name) == getattr(theirs, name), name
    assert mine.base_url == base + "sub/"
    assert _nodes(mine.etree_element) == _nodes(theirs.etree_element)


EDGE_CASES = [
    # whitespace before <head> dropped, after </body> moved into the body
    '<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n<title>t</title>\n</head>\n'
    "<body>\n<p>a</p>\n</body>\n</html>",
    '<html xmlns="http://www.w3.org/1999/xhtml"><head></head><body>\n</body>\n</html>',
    '<html xmlns="http://www.w3.org/1999/xhtml"><head></head><body></body></html>',
    # the first newline of <pre> (and only the first) is dropped
    '<html xmlns="http://www.w3.org/1999/xhtml"><head></head><body><pre>\n\nx\n</pre><pre>\n</pre>'
    "<textarea>\nt</textarea></body></html>",
    # an HTML5 parser reads tag and attribute names in lower case
    '<html xmlns="http://www.w3.org/1999/xhtml"><head></head><body><TABLE Class="x" DATA-unit="t"><TBODY><tr>'
    '<TD>1</TD></tr></TBODY></TABLE><P ID="p">p</P></body></html>',
    # namespaced attributes and declarations, as written
    '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" lang="it" '
    'xml:lang="it"><head></head><body><section epub:type="chapter" id="a"><span xml:lang="en" lang="en">'
    "x</span></section></body></html>",
    # inline SVG keeps its namespace (xlink attributes too); character references resolved
    '<html xmlns="http://www.w3.org/1999/xhtml"><head></head><body><p>a &amp; b &lt; c &#233; &#x1F600;</p>'
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 1 1">'
    '<a xlink:href="#x"><rect width="1" height="1"/></a></svg></body></html>',
    # tables with their row groups, a caption and whitespace between rows
    '<html xmlns="http://www.w3.org/1999/xhtml"><head></head><body><table>\n<caption>c</caption>\n<thead>'
    '<tr><th scope="col">h</th></tr></thead>\n<tbody>\n<tr><td>1</td></tr>\n</tbody>\n</table></body></html>',
]


@pytest.mark.parametrize("source", EDGE_CASES)
def test_edge_cases_parse_to_the_html5_tree(source):
    _same_tree(source)


def test_a_source_that_is_not_well_formed_is_a_render_error():
    with pytest.raises(RenderError, match="not well-formed"):
        _xmltree.html_tree('<html xmlns="http://www.w3.org/1999/xhtml"><body><p>a</body></html>')


# --------------------------------------------------------------------------- generated conditions

SITE = """name: Tree Clinic
website: https://clinic.example
languages: [en]
contacts: {email: info@clinic.example, address: "Via Roma 1, Torino"}
"""
FRONT = """---
id: tree
title: {title}
summary: {title}
status: draft
---

"""
PIECE = st.sampled_from([*"abc xyz ÀéŁ—–‑-'\"&<>*_`~#|.,;:!?()[]{}/\\", "Ελληνικά", "中文", "עברית", "  "])
# Each text starts with a word, so it never opens a Markdown block of its own.
TEXT = st.lists(PIECE, min_size=1, max_size=30).map(lambda s: "w" + "".join(s).rstrip())
BLOCK = st.one_of(
    TEXT,
    TEXT.map(lambda t: f"*{t}* and **{t}**"),
    TEXT.map(lambda t: f"[{t}]{{lang=it}}"),
    TEXT.map(lambda t: f"- {t}\n    - {t}\n- {t}"),
    TEXT.map(lambda t: f"1. {t}\n2. {t}"),
    TEXT.map(lambda t: f"::: note\n{t}\n:::"),
    TEXT.map(lambda t: f"| a | b |\n|---|---|\n| {t} | {t} |"),
    TEXT.map(lambda t: f"[{t}](https://example.org/a?b=c&d=e)"),
    TEXT.map(lambda t: f"line one  \n{t}"),
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(title=TEXT, sections=st.lists(st.lists(BLOCK, min_size=1, max_size=4), min_size=1, max_size=3))
def test_generated_conditions_parse_to_the_html5_tree(tmp_path, title, sections):
    root = tmp_path / "gen"
    if root.exists():
        shutil.rmtree(root)
    (root / "en").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    anchors = ["definizione", "sintomi", "diagnosi"]
    body = "\n\n".join(f"## Part {n} {{#{anchors[n]}}}\n\n" + "\n\n".join(blocks) for n, blocks in enumerate(sections))
    safe_title = '"' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'
    (root / "en" / "tree.md").write_text(FRONT.format(title=safe_title) + body + "\n", encoding="utf-8")
    content = load_content(root)
    ctx = Context(Renderer(), Options(), root, CREATED)
    for name in ("standard", "large"):
        ed = edition(name, ctx.options)
        for condition in content.conditions:
            for contents in (True, False):
                xhtml = leaflet_xhtml(condition, content.site, ed, ctx, contents=contents, fit=0)
                _same_tree(ctx.typesetter.prepare(xhtml, hyphenate=ed.hyphenate))
