"""Property-based tests of the WordPress importer on arbitrary HTML (hypothesis).

For any HTML built from a strategy of tags (headings at any level, bold-only
paragraphs, lists, tables, images with and without alt, file:/javascript:/data:
addresses, scripts, iframes, objects, styles, event handlers, entities, odd
characters), the importer:

* never crashes (a page is written, or fails with a reason);
* never writes anything executable;
* ends with the loader's own check of the file, and every error left is one
  the import announced for a person to fix (an image to add, an alt text);
* writes Markdown that round-trips: loading it gives back the model it wrote.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benech_publish import model as m
from benech_publish.importer import import_wordpress, page_to_condition
from benech_publish.importer.clean import MAX_DEPTH
from benech_publish.importer.markdown_out import to_markdown
from benech_publish.loader import load, load_condition, load_site

PROJECT = Path(__file__).parent.parent
SEED = json.loads(
    (Path(__file__).parent / "fixtures" / "facial-nerve-hemispasm.en.wp.json").read_text(encoding="utf-8")
)

WORDS = st.sampled_from(
    [
        "spasm",
        "nerve",
        "Botulinum",
        "85%",
        "3-6",
        "a*b",
        "_x_",
        "[link]",
        "<b>",
        "&amp;",
        "&nbsp;",
        "&lt;script&gt;",
        "#1",
        "1.",
        "- item",
        "> quote",
        "{#id}",
        "`code`",
        "\\",
        "|",
        "!",
        "é",
        "ß",
        "中文",
        "\u200b",
        "\u00a0",
        "::: note",
        "---",
        "===",
        "~~~",
        "**",
        "'",
        '"',
        ":",
        ".",
        " ",
        "\t",
        "\n",
        "http://x",
        "onclick",
        "javascript:alert(1)",
    ]
)
TEXT = st.lists(WORDS, min_size=0, max_size=6).map(" ".join)
HREFS = st.sampled_from(
    [
        "#definizione",
        "#missing",
        "https://example.org/a b",
        "http://x.org/(p)",
        "mailto:a@b.it",
        "tel:+39011",
        "javascript:alert(1)",
        " JAVASCRIPT:alert(1)",
        "java\nscript:x",
        "data:text/html,x",
        "file:///etc/passwd",
        "vbscript:x",
        "/relative/page",
        "../up",
        "",
        "ftp://x.org/f",
    ]
)
SRCS = st.sampled_from(
    [
        "https://www.benech-neurochirurgia.it/wp-content/uploads/a.jpg",
        "/wp-content/b.png",
        "file:///C:/x.png",
        "data:image/png;base64,AAAA",
        "javascript:x",
        "",
        "c d.png",
    ]
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    inline = st.one_of(
        TEXT.map(lambda t: t.replace("<", "&lt;")),
        st.tuples(st.sampled_from(["strong", "b", "em", "i", "code", "span", "u", "abbr", "q", "sup"]), children).map(
            lambda p: f"<{p[0]} title='t'>{p[1]}</{p[0]}>"
        ),
        st.tuples(HREFS, children).map(lambda p: f'<a href="{p[0]}" onclick="x()">{p[1]}</a>'),
        st.tuples(SRCS, st.one_of(st.none(), TEXT)).map(
            lambda p: f'<img src="{p[0]}"' + ("" if p[1] is None else f' alt="{p[1]}"') + ">"
        ),
        st.just("<br>"),
        st.tuples(st.sampled_from(["la", "en", "it", "xx-YY", "1"]), children).map(
            lambda p: f'<span lang="{p[0]}">{p[1]}</span>'
        ),
    )
    return inline


INLINE = st.recursive(TEXT, lambda kids: st.lists(_element(kids), max_size=4).map("".join), max_leaves=12)

BLOCK = st.one_of(
    INLINE.map(lambda t: f"<p>{t}</p>"),
    INLINE.map(lambda t: f"<p><strong>{t}</strong></p>"),
    st.tuples(st.integers(1, 6), st.sampled_from(["", "definizione", "sintomi", "Bad Id", "1x"]), INLINE).map(
        lambda p: f'<h{p[0]} id="{p[1]}">{p[2]}</h{p[0]}>'
    ),
    st.lists(INLINE, max_size=3).map(lambda items: "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"),
    st.lists(INLINE, max_size=3).map(
        lambda items: "<ol start='2'>" + "".join(f"<li><p>{i}</p><ul><li>{i}</li></ul></li>" for i in items) + "</ol>"
    ),
    st.tuples(INLINE, INLINE, INLINE).map(
        lambda c: (
            f"<table><caption>{c[0]}</caption><tr><th>{c[1]}</th></tr>"
            f"<tr><td colspan=2>{c[2]}</td><td>x</td></tr></table>"
        )
    ),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "<style>body{}</style>",
            "<iframe src='https://e.x'></iframe>",
            "<object data='x'></object>",
            "<embed src='y'>",
            "<svg onload='x()'><script>x</script></svg>",
            "<form><input><button onclick='x()'>b</button></form>",
            "<hr>",
            "<div class='wp-block-spacer'></div>",
            "<blockquote><p>quoted</p></blockquote>",
            "<pre>pre  text</pre>",
            "<!-- comment -->",
            "<div class='wp-block-cover'><p>Cover</p></div>",
            "<p>Home » Cat » Page</p>",
            "<div class='ancore'><a href='#definizione'>Def</a><a href='#sintomi'>Sym</a></div>",
            "<figure><img src='/f.png' alt='Fig'><figcaption>Cap</figcaption></figure>",
            "<p>unclosed <b>bold <i>both</p>",
            "</div></p>",
            "<math><mi>x</mi></math>",
            "<noscript><p>ns</p></noscript>",
            "<template><p>t</p></template>",
        ]
    ),
)
HTML = st.lists(BLOCK, max_size=10).map("\n".join)

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# markup that Markdown would pass through, or a link/image target with a dangerous scheme
# (text such as "javascript:alert(1)" in a sentence is only text)
EXECUTABLE = re.compile(
    r"(?<!\\)<\s*/?\s*[a-z!?]"
    r"|\]\(\s*<?\s*(javascript|vbscript|file|data):",
    re.I,
)


def _page(html: str, title: str = "Facial Nerve Hemispasm") -> dict:
    page = dict(SEED)
    page["content"] = {"rendered": html}
    page["title"] = {"rendered": title}
    return page


def _without_locations(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {
            f.name: (m.NOWHERE if f.name == "location" else _without_locations(getattr(value, f.name)))
            for f in dataclasses.fields(value)
            if f.name != "field_lines"
        }
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_without_locations(v) for v in value)
    return value


def _links_and_sources(c: m.Condition, *, written: bool = True) -> list[str]:
    """Every link target. Image sources are checked here: in a written file, local paths
    (never addresses); before the import localises them, http(s) addresses."""
    out = []
    for s in c.walk():
        for b in m.iter_blocks(s.blocks):
            if isinstance(b, m.Figure) and not written:
                assert b.src.split(":", 1)[0] in ("http", "https"), b.src
            elif isinstance(b, m.Figure):
                assert re.fullmatch(r"images/[a-z0-9-]+/[a-z0-9-]+-[0-9a-f]{12}\.(png|jpg|gif|webp)", b.src), b.src
            for run in m.block_inlines(b):
                out += [n.href for n in m.iter_inlines(run) if isinstance(n, m.Link)]
    return out


@SETTINGS
@given(html=HTML, title=TEXT)
def test_import_never_crashes_never_emits_executable_and_validates_or_says_why(html: str, title: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp) / "content"
        (content / "images").mkdir(parents=True)
        shutil.copy(PROJECT / "content" / "site.yaml", content / "site.yaml")
        shutil.copy(PROJECT / "content" / "images" / "logo.svg", content / "images" / "logo.svg")
        source = Path(tmp) / "page.json"
        source.write_text(json.dumps(_page(html, title)), encoding="utf-8")

        report = import_wordpress(source, content)
        assert len(report.pages) == 1
        page = report.pages[0]
        assert page.status == "written", page.reason
        # the body is Markdown (text is escaped); the front matter is plain-text
        # values (a title "<script>" is text, shown escaped) and the page's address
        text = page.path.read_text(encoding="utf-8")
        front, body = text.split("\n---\n", 1)
        match = EXECUTABLE.search(re.sub(r"(`+).*?\1", "", body, flags=re.S))  # code is literal
        assert match is None, (match.group(0), body)
        assert re.search(r"^source_url: https?://", front, re.M)
        loaded, _ = load_condition(page.path, "en", load_site(content, []), content)
        assert loaded is not None
        for href in _links_and_sources(loaded):
            scheme = href.split(":", 1)[0].lower() if ":" in href else ""
            assert href.startswith("#") or scheme in ("http", "https", "mailto", "tel"), href
        # the import's closing check is the loader's own check of that file ...
        independent = [d for d in load(content).diagnostics if Path(d.location.path).resolve() == page.path.resolve()]
        assert sorted(map(str, page.diagnostics)) == sorted(map(str, independent))
        # ... and every error left is one the import announced for a person to fix
        announced = {"image-alt": "alt", "image-src": "save it as", "title": "no title", "sections": "no sections"}
        errors = {d.code for d in page.diagnostics if d.is_error}
        assert errors <= set(announced), page.diagnostics
        for code in errors:
            assert any(announced[code] in note for note in page.review), (code, page.review)


@SETTINGS
@given(html=HTML)
def test_written_markdown_round_trips_to_the_same_model(html: str) -> None:
    condition, _ = page_to_condition(_page(html), languages=("it", "en"))
    for href in _links_and_sources(condition, written=False):
        scheme = href.split(":", 1)[0].lower() if ":" in href else ""
        assert href.startswith("#") or scheme in ("http", "https", "mailto", "tel"), href
    with tempfile.TemporaryDirectory() as tmp:
        content = Path(tmp)
        shutil.copy(PROJECT / "content" / "site.yaml", content / "site.yaml")
        path = content / "en" / f"{condition.slug}.md"
        path.parent.mkdir()
        path.write_text(to_markdown(condition), encoding="utf-8")
        site = load_site(content, [])
        loaded, diags = load_condition(path, "en", site, content)
        assert loaded is not None, diags
        assert not [
            d
            for d in diags
            if d.code in ("raw-html", "yaml", "front-matter", "orphan-text", "heading-skip", "anchor-syntax", "h1")
        ], diags
        assert _without_locations(loaded) == _without_locations(condition)


# --------------------------------------------------------------------------- fuzzing (issue 11)

TAGS = st.sampled_from(
    [
        "div",
        "p",
        "span",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "table",
        "tr",
        "td",
        "th",
        "thead",
        "figure",
        "figcaption",
        "caption",
        "h2",
        "h3",
        "a",
        "blockquote",
        "section",
        "em",
        "strong",
        "code",
        "q",
        "abbr",
        "x-custom",
        "svg",
        "script",
    ]
)
PIECES = st.one_of(
    TEXT.map(lambda t: t.replace("<", "&lt;")),
    st.sampled_from(
        [
            "[caption]",
            "[/caption]",
            "[gallery ids='1']",
            "[embed]https://e.x/v[/embed]",
            "[x_y a=1]",
            "[/x_y]",
            "<img src='/i.png' alt='I'>",
            "<br>",
            "</div>",
            "</i>",
            "<td colspan=99 rowspan=99>",
            "<th colspan='-3'>",
            "<span lang='fr'>",
            "<a href='javascript:x'>",
            "&#0;",
            "\x00",
            "<!--",
            "-->",
            "<![CDATA[x]]>",
        ]
    ),
)


@st.composite
def nested_html(draw) -> str:
    """Random tags nested up to beyond the converter's depth limit, with random pieces."""
    depth = draw(st.integers(0, MAX_DEPTH + 60))
    opened = [draw(TAGS) for _ in range(depth)]
    inner = "".join(draw(st.lists(PIECES, max_size=8)))
    closing = "".join(f"</{t}>" for t in reversed(opened)) if draw(st.booleans()) else ""
    tail = "".join(draw(st.lists(PIECES, max_size=8)))
    return "".join(f"<{t}>" for t in opened) + inner + closing + tail


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(html=nested_html(), slug=st.text(max_size=20))
def test_fuzz_only_library_errors_never_a_crash_never_a_file_outside(html: str, slug: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        content = root / "content"
        (content / "images").mkdir(parents=True)
        shutil.copy(PROJECT / "content" / "site.yaml", content / "site.yaml")
        source = root / "page.json"
        page = _page("<h2 id='a'>A</h2>" + html)
        page["slug"] = slug
        source.write_text(json.dumps(page), encoding="utf-8")
        before = {p for p in root.rglob("*")}
        report = import_wordpress(source, content)  # any exception fails the test
        [result] = report.pages
        assert result.status in ("written", "failed")
        if result.status == "failed":
            assert re.search(r"nested too deeply|too many elements|no usable slug", result.reason), result.reason
        for path in {p for p in root.rglob("*")} - before:
            path.resolve().relative_to(content.resolve())
        if result.status == "written":
            body = result.path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
            assert not re.search(r"\[/?(caption|gallery|embed|x_y)\b", body), body
