"""WeasyPrint 70 tagging defects: each reproduced on bare WeasyPrint, then absent.

Every test renders a minimal fixture from ``tests/roots/pdf-defects`` twice: with
bare WeasyPrint (``write_pdf(pdf_variant='pdf/ua-1')``), asserting the defect is
there (so the test proves the defect exists on this engine version), and with
``benech_publish.pdf_tags.write_pdf``, asserting it is gone.  Both are checked by
reading the structure tree and content streams with pikepdf.
"""

from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from benech_publish.audit.structure import MCRef, ObjRef, StructElem, read_structure
from benech_publish.typeset import tags as pdf_tags

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent / "roots" / "pdf-defects"
FIXTURES = sorted(p.name for p in ROOT.glob("*.html"))


def _font_css() -> str:
    from fontpkg_atkinson_hyperlegible import ROOT as FONT_ROOT

    faces = []
    for style_name, weight, style in (
        ("Regular", 400, "normal"),
        ("Bold", 700, "normal"),
        ("Italic", 400, "italic"),
        ("BoldItalic", 700, "italic"),
    ):
        url = (FONT_ROOT / "files" / f"AtkinsonHyperlegible-{style_name}.ttf").as_uri()
        faces.append(
            f"@font-face {{ font-family: 'Atkinson Hyperlegible'; src: url({url});"
            f" font-weight: {weight}; font-style: {style} }}"
        )
    return "".join(faces) + "html { font-family: 'Atkinson Hyperlegible' }"


def html_of(name: str) -> HTML:
    source = (ROOT / name).read_text(encoding="utf-8")
    source = source.replace("<head>", f"<head><style>{_font_css()}</style>", 1)
    return HTML(string=source, base_url=str(ROOT) + "/")


@cache
def bare(name: str) -> bytes:
    return html_of(name).write_pdf(pdf_variant="pdf/ua-1")


@cache
def fixed(name: str) -> bytes:
    return pdf_tags.write_pdf(html_of(name).render())


def elements(data: bytes) -> list[StructElem]:
    return list(read_structure(data).elements)


def types(data: bytes) -> list[str]:
    return [e.type for e in elements(data)]


def artifact_props(data: bytes) -> list[dict]:
    """Property lists of all /Artifact marked content, over all pages."""
    found = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) in ("BDC", "BMC") and str(operands[0]) == "/Artifact":
                    props = operands[1] if len(operands) > 1 else {}
                    found.append({str(k): str(v) for k, v in dict(props).items()})
    return found


def unreachable(data: bytes) -> list[str]:
    s = read_structure(data)
    owners = {(k.page, k.mcid) for e in s.elements for k in e.kids if isinstance(k, MCRef)}
    return [
        mark.read
        for number, page in enumerate(s.pages)
        for mcid, mark in page.marks.items()
        if (number, mcid) not in owners
    ]


def text_of(s, element: StructElem) -> str:
    return " ".join(s.pages[r.page].marks[r.mcid].read for r in element.mcrefs()).strip()


# --------------------------------------------------------------------------- 1


def test_margin_boxes_are_pagination_artifacts():
    data = bare("margin-boxes.html")
    lost = " ".join(unreachable(data))
    assert "Page 1 of 2" in lost and "Neurosurgery Clinic" in lost  # defect
    assert not any(p.get("/Type") == "/Pagination" for p in artifact_props(data))

    data = fixed("margin-boxes.html")
    assert unreachable(data) == []
    props = artifact_props(data)
    footers = [p for p in props if p.get("/Type") == "/Pagination" and p.get("/Subtype") == "/Footer"]
    headers = [p for p in props if p.get("/Subtype") == "/Header"]
    assert len(footers) == 4 and len(headers) == 2  # 2 footer boxes, 1 header, 2 pages
    text = read_structure(data).tree_text()
    assert "Page 1" not in text and "Clinic leaflet header" not in text
    assert "Call the clinic if the wound is red." in text


# --------------------------------------------------------------------------- 2


def test_paragraph_crossing_page_break_is_one_element():
    s = read_structure(bare("page-break.html"))
    fragments = [e for e in s.elements if e.role == "P"]
    assert len(fragments) == 2 and fragments[0].pages() != fragments[1].pages()  # defect

    s = read_structure(fixed("page-break.html"))
    paragraphs = [e for e in s.elements if e.role == "P"]
    assert len(paragraphs) == 1
    assert paragraphs[0].pages() == {0, 1}
    # Content on the second page is referenced with an MCR dictionary.
    kids = paragraphs[0].obj.K
    assert any(isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/MCR" for k in kids)


def test_list_crossing_page_break_is_one_list():
    s = read_structure(bare("page-break.html"))
    assert len([e for e in s.elements if e.role == "L"]) == 2  # defect

    s = read_structure(fixed("page-break.html"))
    lists = [e for e in s.elements if e.role == "L"]
    assert len(lists) == 1
    items = [k for k in lists[0].kids if isinstance(k, StructElem)]
    assert [i.role for i in items] == ["LI"] * 8
    assert lists[0].pages() == {2, 3}


def test_table_crossing_page_break_is_one_table_with_header_read_once():
    data = bare("page-break.html")
    s = read_structure(data)
    assert len([e for e in s.elements if e.role == "Table"]) == 2  # defect
    assert s.tree_text().count("Day What to do") == 2  # header read twice

    data = fixed("page-break.html")
    s = read_structure(data)
    tables = [e for e in s.elements if e.role == "Table"]
    assert len(tables) == 1
    assert len([e for e in tables[0].walk() if e.role == "THead"]) == 1
    assert len([e for e in tables[0].walk() if e.role == "TR"]) == 15
    assert s.tree_text().count("Day What to do") == 1
    assert any(p.get("/Type") == "/Pagination" for p in artifact_props(data))


# --------------------------------------------------------------------------- 3


def test_elements_with_own_lang_carry_lang():
    assert not [e for e in elements(bare("lang.html")) if "/Lang" in e.obj]  # defect

    s = read_structure(fixed("lang.html"))
    with_lang = [e for e in s.elements if "/Lang" in e.obj]
    assert [(e.type, str(e.obj.Lang)) for e in with_lang] == [("Span", "it"), ("P", "it")]
    assert text_of(s, with_lang[0]) == "buongiorno, come sta?"
    with pikepdf.open(io.BytesIO(fixed("lang.html"))) as pdf:
        assert str(pdf.Root.Lang) == "en"


# --------------------------------------------------------------------------- 4


def test_th_scope_and_spanned_header_associations():
    s = read_structure(bare("table-headers.html"))
    assert [e for e in s.elements if e.role == "TH" and e.attribute("/Scope") is None]

    s = read_structure(fixed("table-headers.html"))
    ths = {text_of(s, e): e for e in s.elements if e.role == "TH"}
    scopes = {name: str(e.attribute("/Scope")) for name, e in ths.items()}
    assert scopes == {
        "Medicine": "/Column",
        "Dose": "/Column",
        "Morning": "/Column",
        "Evening": "/Column",
        "Paracetamol": "/Row",
        "Ibuprofen": "/Row",
    }
    ids = {name: str(e.obj.ID) for name, e in ths.items()}
    tds = [e for e in s.elements if e.role == "TD"]
    headers = [{str(h) for h in e.attribute("/Headers")} for e in tds]
    # "Dose" spans both dose columns: both cells keep it; each gets its own column.
    assert headers[0] == {ids["Dose"], ids["Morning"], ids["Paracetamol"]}
    assert headers[1] == {ids["Dose"], ids["Evening"], ids["Paracetamol"]}
    assert headers[3] == {ids["Dose"], ids["Evening"], ids["Ibuprofen"]}
    assert int(ths["Dose"].attribute("/ColSpan")) == 2
    assert int(ths["Medicine"].attribute("/RowSpan")) == 2
    with pikepdf.open(io.BytesIO(fixed("table-headers.html"))) as pdf:
        names = pdf.Root.StructTreeRoot.IDTree.Names
        assert sorted(str(names[i]) for i in range(0, len(names), 2)) == sorted(ids.values())


# --------------------------------------------------------------------------- 5


def test_semantic_elements_map_to_standard_types():
    bare_types = types(bare("semantics.html"))
    assert bare_types.count("NonStruct") >= 6  # nav, figure, em, strong, abbr, aside

    data = fixed("semantics.html")
    s = read_structure(data)
    found = [e.type for e in s.elements]
    assert "NonStruct" not in found
    for expected in ("Em", "Strong", "Aside", "Caption", "Figure", "Link"):
        assert expected in found
    assert s.role_map == {"Em": "Span", "Strong": "Span", "Aside": "Sect"}
    abbr = [e for e in s.elements if "/E" in e.obj]
    assert [(e.type, str(e.obj.E), text_of(s, e)) for e in abbr] == [("Span", "general practitioner", "GP")]
    figure_group = next(e for e in s.elements if any(isinstance(k, StructElem) and k.role == "Caption" for k in e.kids))
    assert figure_group.type == "Div"
    assert [e.type for e in figure_group.walk()][1:] == ["Figure", "Caption"]


# --------------------------------------------------------------------------- 6


def test_decorative_images_are_artifacts():
    figures = [e for e in elements(bare("decorative-images.html")) if e.role == "Figure"]
    assert len(figures) == 3
    assert any("/Alt" not in f.obj for f in figures)  # defect: alt="" -> no /Alt
    assert any(str(f.obj.get("/Alt")) == "ornament" for f in figures)  # aria-hidden read

    data = fixed("decorative-images.html")
    figures = [e for e in elements(data) if e.role == "Figure"]
    assert [str(f.obj.Alt) for f in figures] == ["The clinic entrance"]
    bbox = [float(v) for v in figures[0].attribute("/BBox")]
    assert bbox[0] < bbox[2] and bbox[1] < bbox[3]
    assert unreachable(data) == []


# --------------------------------------------------------------------------- 7


def _annotations(data: bytes) -> list[tuple[str, int | None]]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [
            (str(a.get("/Contents")), a.get("/StructParent")) for page in pdf.pages for a in page.get("/Annots", [])
        ]


def test_links_have_meaningful_contents_and_one_link_element():
    data = bare("links.html")
    contents = [c for c, _ in _annotations(data)]
    assert "after" in contents and "https://example.org/neurosurgery/leaflets" in contents
    assert types(data).count("Link") > 2  # wrapped link = several Link elements

    data = fixed("links.html")
    s = read_structure(data)
    links = [e for e in s.elements if e.role == "Link"]
    assert len(links) == 2
    first, _second = links
    assert [k.type for k in first.kids if isinstance(k, StructElem)] == ["Em"]
    first_objrs = [k for k in first.kids if isinstance(k, ObjRef)]
    assert len(first_objrs) >= 2  # one annotation rectangle per line
    contents = {c for c, _ in _annotations(data)}
    assert contents == {"the section about looking after your wound at home", "the clinic website"}
    # Each annotation maps back (ParentTree) to its Link element.
    with pikepdf.open(io.BytesIO(data)) as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                assert tree[int(annot.StructParent)].S == "/Link"


def test_bookmarks_destinations_and_metadata_survive():
    def summary(data: bytes):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            names = pdf.Root.Names.Dests.Names
            outline = [str(o.title) for o in pdf.open_outline().root]
            meta = pdf.open_metadata()
            return (
                [str(names[i]) for i in range(0, len(names), 2)],
                outline,
                meta.get("pdfuaid:part"),
                str(pdf.docinfo.get("/Title")),
                [str(a.get("/Dest")) for p in pdf.pages for a in p.get("/Annots", []) if "/Dest" in a][:1],
            )

    assert summary(fixed("links.html")) == summary(bare("links.html"))


# --------------------------------------------------------------------------- 8


def test_hyphenated_words_read_whole():
    broken = re.compile(r"\w‐\s+\w")
    assert broken.search(read_structure(bare("hyphenation.html")).tree_text())  # defect

    data = fixed("hyphenation.html")
    text = read_structure(data).tree_text()
    assert not broken.search(text)
    assert "pharmacokinetically" in text.split()
    # /ActualText-aware extraction (pdfium) reads the whole word too.
    pdfium = pytest.importorskip("pypdfium2")
    extracted = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert "pharmacokinetically" in extracted.split()
    assert "‐" not in extracted


@pytest.mark.parametrize("width", [42, 46])
def test_a_real_hyphen_at_the_end_of_a_line_is_read(width):
    # print.css sets hyphenate-character "-": a line that ends at the hyphen of
    # "space-occupying" must not be read as the automatic break "spaceoccupying".
    source = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Real hyphen'
        f"</title><style>{_font_css()} p {{ width: {width}mm; hyphens: auto; "
        'hyphenate-character: "-"; font-size: 12pt }</style></head><body><h1>Real hyphen'
        "</h1><p>Scans exclude space-occupying lesions and neurovascular conflicts.</p>"
        "</body></html>"
    )
    data = pdf_tags.write_pdf(HTML(string=source).render())
    pdfium = pytest.importorskip("pypdfium2")
    visible = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert "space-occupying\r\n" in visible  # the line really ends at the hyphen
    assert "space-occupying" in read_structure(data).tree_text().split()


# --------------------------------------------------------------------------- 9


def test_lines_of_a_paragraph_are_not_each_a_span():
    s = read_structure(bare("spans.html"))
    paragraph = next(e for e in s.elements if e.role == "P")
    spans = [k for k in paragraph.kids if isinstance(k, StructElem) and k.role == "Span"]
    assert len(spans) >= 3  # defect: one Span per line

    s = read_structure(fixed("spans.html"))
    paragraph = next(e for e in s.elements if e.role == "P")
    assert all(isinstance(k, MCRef) for k in paragraph.kids)
    assert len(paragraph.kids) >= 3
    assert "Span" not in [e.type for e in s.elements]


# --------------------------------------------------------------------------- all


@pytest.mark.parametrize("name", FIXTURES)
def test_pdfua_checker_reports_no_errors(name, tmp_path):
    from pdfua import Severity, validate

    path = tmp_path / "out.pdf"
    path.write_bytes(fixed(name))
    report = validate(str(path))
    errors = [
        (f.rule_id, f.message)
        for f in report.findings
        if f.severity in (Severity.ERROR,) or getattr(f.severity, "name", "") == "ERROR"
    ]
    assert errors == []
    assert report.exit_code == 0


@pytest.mark.parametrize("name", FIXTURES)
def test_every_marked_content_is_in_tree_or_artifact(name):
    s = read_structure(fixed(name))
    assert unreachable(fixed(name)) == []
    for page in s.pages:
        assert page.untagged_text == 0 and page.untagged_graphics == 0
        assert page.artifact_in_tagged == 0 and page.tagged_in_artifact == 0


@pytest.mark.parametrize("name", ["links.html", "page-break.html", "semantics.html"])
def test_output_is_deterministic(name):
    first = pdf_tags.write_pdf(html_of(name).render())
    assert first == pdf_tags.write_pdf(html_of(name).render())


def test_write_options_pass_through():
    data = pdf_tags.write_pdf(html_of("lang.html").render(), uncompressed_pdf=True, pdf_identifier=b"benech-test-id")
    assert b"/Lang (it)" in data
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert bytes(pdf.trailer.ID[0]) == b"benech-test-id"


def test_bare_weasyprint_is_not_changed_by_the_repair():
    fixed("margin-boxes.html")
    data = html_of("margin-boxes.html").write_pdf(pdf_variant="pdf/ua-1")
    assert unreachable(data)  # still WeasyPrint's own tagging


def test_version_pin_fails_loudly(monkeypatch, tmp_path):
    import weasyprint

    from benech_publish.errors import RenderError
    from benech_publish.typeset import Typesetter

    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(RenderError, match=r"WeasyPrint 71\.0 is installed.*supports WeasyPrint 70\.x"):
        Typesetter(tmp_path)


# --------------------------------------------------------------------------- text fidelity

from readback import pdfium_words, pdftotext_words, structure_words  # noqa: E402

#: The words of tests/roots/pdf-defects/text-fidelity.html, as written.
FIDELITY_WORDS = """Text fidelity It is monoultramicroscopicsilicovolcanoconiosis and
pharmacokinetically hard. See the X-ray follow-up and CT-scan quattro-sei results.
X-ray follow-up CT-scan quattro-sei
Trigeminal neuralgia of the face; we treat it. Read the contents list of this sheet
now please. Draft: not yet reviewed Definition 1 Week Rest""".split()


def test_consecutive_hyphenated_lines_and_real_hyphens_read_as_written():
    bare_words = structure_words(bare("text-fidelity.html"))
    assert "mon‐oultramicro‐scopic‐silicovol‐canoconios‐is" in bare_words  # defect: fragments
    assert "X-rayfollow-up" in bare_words  # defect: no space at a line end
    pdfium_bare = pdfium_words(bare("text-fidelity.html"))
    # defect: pdfium takes a real hyphen at a line end for a hyphenation point ("X\uffferay")
    assert any("\ufffe" in w for w in pdfium_bare)
    assert "mon‐" in pdfium_bare and "oultramicro‐" in pdfium_bare  # defect: fragments

    data = fixed("text-fidelity.html")
    assert structure_words(data) == FIDELITY_WORDS
    # pdfium (Chrome, Edge read aloud from it) returns each word once, whole.
    assert pdfium_words(data) == [*FIDELITY_WORDS[:-4], "Week", "Rest", "Definition", "1"]
    # poppler honours /ActualText in pdftotext, in its own (layout) order.
    assert sorted(pdftotext_words(data)) == sorted(FIDELITY_WORDS)


def test_word_spaces_at_line_ends_and_between_inline_elements():
    bare_words = structure_words(bare("text-fidelity.html"))
    assert "Trigeminalneuralgia" in bare_words and "wetreat" in bare_words  # defect
    assert "Definition1" in bare_words  # defect: a contents entry and its page number

    words = structure_words(fixed("text-fidelity.html"))
    for pair in (["Trigeminal", "neuralgia"], ["we", "treat"], ["Definition", "1"]):
        i = words.index(pair[0])
        assert words[i : i + 2] == pair


def test_one_link_annotation_per_line_box_none_empty_none_duplicated():
    def rects(data: bytes) -> list[tuple[float, ...]]:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return [tuple(round(float(v), 2) for v in a.Rect) for page in pdf.pages for a in page.get("/Annots", [])]

    bare_rects = rects(bare("text-fidelity.html"))
    assert len(bare_rects) == 5  # defect: the em inside the 3-line link adds its own
    bare_links = rects(bare("links.html"))
    assert len(bare_links) > len(set(bare_links)) or len(bare_links) > 5

    data = fixed("text-fidelity.html")
    found = rects(data)
    assert len(found) == 4  # 3 lines of one link + the contents entry
    assert len(set(found)) == len(found)
    assert all(abs(r[2] - r[0]) > 0.01 and abs(r[3] - r[1]) > 0.01 for r in found)
    s = read_structure(data)
    link = next(e for e in s.elements if e.role == "Link")
    assert len([k for k in link.kids if isinstance(k, ObjRef)]) == 3


def test_no_blank_elements_and_tables_have_bbox():
    def blank(data: bytes) -> list[str]:
        s = read_structure(data)
        return [
            e.role
            for e in s.elements
            if e.role not in ("TD", "TH", "TR", "Table")
            and not any(True for _ in e.mcrefs())
            and not any(isinstance(k, ObjRef) for k in e.kids)
            and e.role != "Document"
            and e.obj.get("/Alt") is None
        ]

    def table_bbox(data: bytes):
        return [e.attribute("/BBox") for e in read_structure(data).elements if e.role == "Table"]

    assert table_bbox(bare("text-fidelity.html")) == [None]  # defect
    data = fixed("text-fidelity.html")
    assert blank(data) == []
    (bbox,) = table_bbox(data)
    assert bbox is not None and float(bbox[2]) > float(bbox[0]) and float(bbox[3]) > float(bbox[1])


# --------------------------------------------------------------------------- nested lists

#: Markdown's shape of a nested list: loose items (``<p>``) holding tight ones, whose
#: outside marker is laid out on a line of its own next to the item's first line.
NESTED_LIST = """<html lang="en"><head><title>Nested</title></head><body><h1>Symptoms</h1>
<ul>
<li>
<p>Pain attacks</p>
<ul>
<li>
<p>lasting seconds</p>
</li>
<li>
<p>triggered by</p>
<ol>
<li>chewing</li>
<li>touching the face</li>
</ol>
</li>
</ul>
</li>
<li>
<p>Numbness (rare)</p>
</li>
</ul></body></html>"""


def test_nested_list_marker_is_the_label_and_the_item_text_its_body():
    """The first word of a tight item is not read as part of its marker: ``Lbl`` is "1.",
    ``LBody`` "chewing" (it was "1. chewing" and an LBody of only white space)."""
    from benech_publish.audit import audit_pdf

    source = NESTED_LIST.replace("<head>", f"<head><style>{_font_css()}</style>", 1)
    data = pdf_tags.write_pdf(HTML(string=source).render())
    s = read_structure(data)
    labels = [s.text_of(e) for e in s.elements if e.type == "Lbl"]
    bodies = [s.text_of(e) for e in s.elements if e.type == "LBody"]
    assert labels == ["•", "◦", "◦", "1.", "2.", "•"]
    assert bodies[-3:] == ["chewing", "touching the face", "Numbness (rare)"]
    assert all(body.strip() for body in bodies)
    assert s.tree_text() == (
        "Symptoms • Pain attacks ◦ lasting seconds ◦ triggered by 1. chewing 2. touching the face • Numbness (rare)"
    )
    assert not audit_pdf(data).findings
