"""Issue 15: the clinic's real page constructs import so that they build without hand edits.

Shortcodes, merged-header tables, table captions, images by default (or
placeholders that ``check`` names), language mismatches, ``--diff``, and the
check at the end of the import. Golden Markdown files for a classic-editor
and a block-editor page (``tests/golden/import/``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from benech_publish import model as m
from benech_publish.cli import main
from benech_publish.errors import Location
from benech_publish.importer import import_wordpress, page_to_condition
from benech_publish.importer.shortcodes import rewrite
from benech_publish.loader import load
from benech_publish.markdown import parse_body
from conftest import check_golden
from wp_pages import IMAGES, block_page, classic_page, make_content, png
from wp_server import LocalSite

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden" / "import"
SHORTCODE = re.compile(r"\[/?(caption|embed|gallery|video|audio|su_note|contact-form-7)\b")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return make_content(tmp_path)


def save(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def walk_blocks(c: m.Condition):
    for s in c.walk():
        yield from m.iter_blocks(s.blocks)


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("make, name", [(classic_page, "classic-editor.md"), (block_page, "block-editor.md")])
def test_golden_markdown(make, name: str, content: Path, update_golden: bool) -> None:
    report = import_wordpress(save(content.parent / "p.json", make()), content)
    page = report.pages[0]
    assert page.status == "written", page.reason
    check_golden(GOLDEN / name, page.path.read_text(encoding="utf-8"), update_golden)


# --------------------------------------------------------------------------- shortcodes


def test_caption_shortcode_becomes_a_figure_and_no_shortcode_is_text(content: Path) -> None:
    condition, result = page_to_condition(classic_page())
    figures = [b for b in walk_blocks(condition) if isinstance(b, m.Figure)]
    assert len(figures) == 1
    assert figures[0].alt == "Sagittal MRI of the brain stem"
    assert m.plain_text(figures[0].caption) == "Sagittal MRI: the artery touches the nerve"
    text = "\n".join(m.plain_text(run) for b in walk_blocks(condition) for run in m.block_inlines(b))
    assert not SHORTCODE.search(text), text
    assert "[1]" in text and "[sic]" in text  # bracketed text that is not a shortcode stays
    review = "\n".join(result.review)
    for what in (
        "[embed] shortcode turned into a link to https://www.youtube.com/watch?v=abc123",
        "[gallery ids=12,13,14] shortcode dropped",
        "[video] shortcode turned into a link",
        "[su_note] shortcode removed, the text inside it kept",
        "[contact-form-7] shortcode dropped",
    ):
        assert what in review, what
    links = [
        n.href
        for b in walk_blocks(condition)
        for run in m.block_inlines(b)
        for n in m.iter_inlines(run)
        if isinstance(n, m.Link)
    ]
    assert "https://www.youtube.com/watch?v=abc123" in links


@pytest.mark.parametrize(
    "html, caption, alt",
    [
        (
            '[caption id="attachment_1" align="alignleft" width="200"]<img src="/a.png" alt="Scan"> Axial CT[/caption]',
            "Axial CT",
            "Scan",
        ),
        (
            "[caption id=\u201dattachment_2\u2033 width=\u201d300\u2033]<a href='/b.png'><img src='/b.png' "
            "alt='Nerve map' /></a>The nerve map[/caption]",
            "The nerve map",
            "Nerve map",
        ),
        ('[caption caption="Old style caption"]<img src="/c.png" alt="Old">[/caption]', "Old style caption", "Old"),
        (
            '[wp_caption width="10"]<img src="/d.png" alt="D"> <em>Emphasised</em> caption[/wp_caption]',
            "Emphasised caption",
            "D",
        ),
    ],
)
def test_caption_shortcode_variants(html: str, caption: str, alt: str) -> None:
    page = classic_page()
    page["content"]["rendered"] = f"<h2 id='a'>A</h2>{html}<p>After.</p>"
    condition, _ = page_to_condition(page)
    figures = [b for b in walk_blocks(condition) if isinstance(b, m.Figure)]
    assert [(f.alt, m.plain_text(f.caption)) for f in figures] == [(alt, caption)]


@pytest.mark.parametrize(
    "html",
    [
        "[audio mp3='https://x.it/a.mp3'][/audio]",
        "[playlist ids='1,2']",
        "[et_pb_section][et_pb_text]Inner text[/et_pb_text][/et_pb_section]",
        "[gallery]",
        "[embed]not a url[/embed]",
        "[video]",
        "[/caption] stray",
        "[caption]no image here[/caption]",
        "[a_b][a_b][a_b][a_b][a_b][a_b][a_b][a_b][a_b][a_b]x[/a_b][/a_b][/a_b][/a_b][/a_b][/a_b][/a_b]"
        "[/a_b][/a_b][/a_b]",
    ],
)
def test_no_shortcode_is_ever_left_as_text(html: str) -> None:
    out = rewrite(f"<p>before</p>{html}<p>after</p>")
    assert not re.search(r"\[/?(audio|playlist|et_pb_\w+|gallery|embed|video|caption|a_b)\b", out.html)
    assert out.review or out.repaired


# --------------------------------------------------------------------------- tables


def test_merged_header_table_has_no_empty_header_and_keeps_its_caption() -> None:
    condition, result = page_to_condition(block_page())
    tables = [b for b in walk_blocks(condition) if isinstance(b, m.Table)]
    assert len(tables) == 2
    first, second = tables
    assert m.plain_text(first.caption) == "Pain relief after each treatment"
    assert [m.plain_text(c.inlines) for c in first.head[0]] == [
        "Treatment",
        "Pain relief: At one year",
        "Pain relief: At ten years",
    ]
    assert [[m.plain_text(c.inlines) for c in row] for row in first.body] == [
        ["Microvascular decompression", "90%", "70%"],
        ["Radiosurgery", "75%", "45%"],
    ]
    assert m.plain_text(second.caption) == "Recovery time"
    assert [m.plain_text(c.inlines) for c in second.head[0]] == ["Stay", "Stay"]
    for table in tables:
        assert all(m.plain_text(c.inlines).strip() for c in table.head[0])
        assert all(len(row) == len(table.head[0]) for row in table.body)
    assert any("header rows were merged" in r for r in result.repaired)
    assert not any(
        "caption" in p.lower()
        for b in walk_blocks(condition)
        if isinstance(b, m.Paragraph)
        for p in [m.plain_text(b.inlines)]
    )


@pytest.mark.parametrize(
    "rows, head, body",
    [
        (
            "<tr><th colspan=3>Dose</th></tr><tr><td>a</td><td>b</td><td>c</td></tr>",
            ["Dose", "Dose", "Dose"],
            [["a", "b", "c"]],
        ),
        (
            "<thead><tr><th>Side</th><th colspan=2>Effect</th></tr><tr><th></th><th>Mild</th><th>Severe"
            "</th></tr></thead><tr><td>L</td><td>1</td><td>2</td></tr>",
            ["Side", "Effect: Mild", "Effect: Severe"],
            [["L", "1", "2"]],
        ),
        (
            "<tr><th>Group</th><th>Value</th></tr><tr><td rowspan=2>Adults</td><td>1</td></tr><tr><td>2</td></tr>",
            ["Group", "Value"],
            [["Adults", "1"], ["Adults", "2"]],
        ),
        ("<tr><th>A</th><th>B</th></tr><tr><td colspan=2>Both</td></tr>", ["A", "B"], [["Both", ""]]),
        ("<tr><th colspan=999>Wide</th></tr><tr><td>x</td></tr>", ["Wide"] * 50, [["x"] + [""] * 49]),
    ],
)
def test_spanning_cells_are_rewritten_faithfully(rows: str, head: list, body: list) -> None:
    page = block_page()
    page["content"]["rendered"] = f"<h2 id='a'>A</h2><table>{rows}</table>"
    condition, _ = page_to_condition(page)
    table = next(b for b in walk_blocks(condition) if isinstance(b, m.Table))
    assert [m.plain_text(c.inlines) for c in table.head[0]] == head
    assert [[m.plain_text(c.inlines) for c in row] for row in table.body] == body


def test_table_caption_syntax_in_the_content_format() -> None:
    text = (
        "## A {#a}\n\nTable: Pain *relief*\n\n| x | y |\n| --- | --- |\n| 1 | 2 |\n\n"
        "Table\\: is ordinary text here.\n\nTable: stray caption\n"
    )
    sections, diags = parse_body(text, Location("t.md"), 1)
    table, plain, _stray = sections[0].blocks
    assert isinstance(table, m.Table)
    assert table.caption == (m.Text("Pain "), m.Emphasis((m.Text("relief"),)))
    assert m.plain_text(plain.inlines) == "Table: is ordinary text here."
    assert [(d.code, d.location.line) for d in diags] == [("table-caption", 11)]


# --------------------------------------------------------------------------- images


def test_images_are_fetched_by_default_from_the_origin_asked(content: Path) -> None:
    with LocalSite() as site:
        for path, colour in IMAGES.items():
            site.route(path, png(colour), "image/png")
        url = site.route("/wp-json/wp/v2/pages", json.dumps([block_page(site.base)]).encode())
        report = import_wordpress(url + "?slug=trigeminal-treatment", content)
    page = report.pages[0]
    assert page.status == "written" and page.valid, page.diagnostics
    saved = content / "images" / "trigeminal-treatment"
    [image] = saved.iterdir()
    assert image.read_bytes() == png(IMAGES["/wp-content/uploads/2024/06/mvd.png"])
    assert re.fullmatch(r"mvd-[0-9a-f]{12}\.png", image.name)
    assert page.images == [image]
    text = page.path.read_text(encoding="utf-8")
    assert f"](../images/trigeminal-treatment/{image.name} " in text and "http://127" not in text.split("---", 2)[2]


def test_file_source_writes_placeholders_and_check_names_them(content: Path, capsys: pytest.CaptureFixture) -> None:
    source = save(content.parent / "p.json", classic_page())
    with pytest.raises(SystemExit) as exit_:
        main(["import", "wordpress", str(source), "--content", str(content)])
    err = capsys.readouterr().err
    assert exit_.value.code == 1
    path = content / "en" / "trigeminal-neuralgia.md"
    text = path.read_text(encoding="utf-8")
    match = re.search(r"\]\(\.\./(images/trigeminal-neuralgia/mri-[0-9a-f]{12}\.png) ", text)
    assert match, text
    line = text[: match.start()].count("\n") + 1
    assert f"save it as {content / match.group(1)}" in err
    assert "check: 0 of 1 written file(s) will build as they are" in err
    assert f"{path}:{line}: error: image file '../{match.group(1)}' not found" in err
    assert "https://" not in text.split("---", 2)[2].split("](")[1].split(")")[0]
    # the check alone names the same file and line
    diags = [d for d in load(content).diagnostics if d.is_error]
    assert [(Path(d.location.path).name, d.location.line) for d in diags] == [(path.name, line)]
    # adding the file is all it takes
    (content / match.group(1)).parent.mkdir(parents=True)
    (content / match.group(1)).write_bytes(png((1, 2, 3)))
    assert not [d for d in load(content).diagnostics if d.is_error]


def test_no_fetch_images_gives_placeholders_too(content: Path) -> None:
    with LocalSite() as site:
        for path, colour in IMAGES.items():
            site.route(path, png(colour), "image/png")
        url = site.route("/pages", json.dumps(block_page(site.base)).encode())
        page = import_wordpress(url, content, fetch_images=False).pages[0]
        assert not any("/wp-content/" in r for r in site.requests)
    assert any("--no-fetch-images was given" in r for r in page.review)
    assert not (content / "images" / "trigeminal-treatment").exists()


# --------------------------------------------------------------------------- language


@pytest.mark.parametrize(
    "text, declared, flagged",
    [
        ("je ne sais pas pourquoi la douleur revient", "la", True),
        ("the pain comes back every morning after breakfast", "it", True),
        ("der Schmerz kommt jeden Morgen wieder zurück", "es", True),
        ("primum non nocere", "la", False),
        ("in situ", "la", False),
        ("status epilepticus", "la", False),
        ("tic douloureux", "fr", False),
        ("lo spasmo emifacciale è una contrazione involontaria", "it", False),
    ],
)
def test_language_mismatch_gets_a_review_note(text: str, declared: str, flagged: bool) -> None:
    page = block_page()
    page["content"]["rendered"] = f"<h2 id='a'>A</h2><p>Say <span lang='{declared}'>{text}</span>.</p>"
    condition, result = page_to_condition(page)
    spans = [
        n
        for b in walk_blocks(condition)
        for run in m.block_inlines(b)
        for n in m.iter_inlines(run)
        if isinstance(n, m.Span)
    ]
    assert [s.lang for s in spans] == [declared]  # the span is kept as declared
    notes = [r for r in result.review if f"marked as language '{declared}'" in r]
    assert bool(notes) == flagged, result.review


# --------------------------------------------------------------------------- --diff


def test_diff_shows_what_changed_per_section_and_writes_nothing(content: Path, capsys: pytest.CaptureFixture) -> None:
    source = content.parent / "p.json"
    save(source, block_page())
    assert import_wordpress(source, content).pages[0].status == "written"
    path = content / "en" / "trigeminal-treatment.md"
    before = path.read_text(encoding="utf-8")
    assert import_wordpress(source, content, diff=True).pages[0].diff == ""
    changed = block_page()
    changed["content"]["rendered"] = (
        changed["content"]["rendered"].replace("90%", "92%") + "<h2 id='rischi'>Risks</h2><p>Rare.</p>"
    )
    save(source, changed)
    with pytest.raises(SystemExit) as exit_:
        main(["import", "wordpress", str(source), "--content", str(content), "--diff"])
    out, err = capsys.readouterr()
    assert exit_.value.code == 0, err
    assert path.read_text(encoding="utf-8") == before  # nothing written
    assert "changed on the site" in err and "nothing written" in err
    assert f"--- {path} (## Treatment)" in out and "+++ site (## Treatment)" in out
    assert "-| Microvascular decompression | 90% | 70% |" in out
    assert "+| Microvascular decompression | 92% | 70% |" in out
    assert "+## Risks {#rischi}" in out and "(## Risks)" in out
    assert "front matter" not in out  # unchanged parts are not shown
