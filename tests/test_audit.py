"""The built-in PDF/UA audit: clean on repaired output, finds bare WeasyPrint's defects."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from functools import cache
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from benech_publish.audit import AuditReport, Finding, audit_pdf, format_json, format_text
from benech_publish.audit.structure import StructElem, read_structure
from benech_publish.typeset import tags as pdf_tags

ROOT = Path(__file__).parent / "roots" / "pdf-defects"
FIXTURES = sorted(p.name for p in ROOT.glob("*.html"))


def _font_css() -> str:
    from fontpkg_atkinson_hyperlegible import ROOT as FONT_ROOT

    url = (FONT_ROOT / "files" / "AtkinsonHyperlegible-Regular.ttf").as_uri()
    bold = (FONT_ROOT / "files" / "AtkinsonHyperlegible-Bold.ttf").as_uri()
    italic = (FONT_ROOT / "files" / "AtkinsonHyperlegible-Italic.ttf").as_uri()
    return (
        f"@font-face {{ font-family: AH; src: url({url}) }}"
        f"@font-face {{ font-family: AH; src: url({bold}); font-weight: 700 }}"
        f"@font-face {{ font-family: AH; src: url({italic}); font-style: italic }}"
        "html { font-family: AH }"
    )


def _html(source: str) -> HTML:
    source = source.replace("<head>", f"<head><style>{_font_css()}</style>", 1)
    return HTML(string=source, base_url=str(ROOT) + "/")


@cache
def bare(name: str) -> bytes:
    return _html((ROOT / name).read_text(encoding="utf-8")).write_pdf(pdf_variant="pdf/ua-1")


@cache
def fixed(name: str) -> bytes:
    return pdf_tags.write_pdf(_html((ROOT / name).read_text(encoding="utf-8")).render())


def found(report: AuditReport) -> set[tuple[str, str]]:
    return {(f.rule_id, f.checkpoint) for f in report.findings}


@pytest.mark.slow
@pytest.mark.parametrize("name", FIXTURES)
def test_repaired_fixtures_have_zero_findings(name):
    report = audit_pdf(fixed(name))
    assert report.findings == (), format_text([report])
    assert report.ok


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, expected",
    [
        ("margin-boxes.html", {("7.1-3", "01-005")}),
        ("page-break.html", {("split-element", "01-006"), ("repeated-table-header", "01-001")}),
        ("decorative-images.html", {("7.3-1", "13-004")}),
        ("links.html", {("link-description", "28-012")}),
        ("hyphenation.html", {("broken-word", "ISO 32000-1 14.8.2.5")}),
    ],
)
def test_bare_weasyprint_defects_are_found(name, expected):
    report = audit_pdf(bare(name))
    assert expected <= found(report), format_text([report])
    assert not report.ok


@pytest.mark.slow
def test_split_elements_reported_per_kind():
    messages = [f.message for f in audit_pdf(bare("page-break.html")).findings if f.rule_id == "split-element"]
    assert any("/P " in m for m in messages)
    assert any("/L " in m for m in messages)
    assert any("/Table " in m for m in messages)


@pytest.mark.slow
def test_audit_accepts_a_path(tmp_path):
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(bare("margin-boxes.html"))
    report = audit_pdf(path)
    assert report.path == str(path)
    assert [f.page for f in report.findings if f.rule_id == "7.1-3"] == [1, 2]


@pytest.mark.slow
def test_heading_levels():
    source = (
        "<!DOCTYPE html><html lang='en'><head><title>H</title></head><body>"
        "<h2>Starts at two</h2><p>x</p><h4>Skips three</h4><p>y</p></body></html>"
    )
    report = audit_pdf(pdf_tags.write_pdf(_html(source).render()))
    assert {("7.4.2-1", "14-002"), ("7.4.2-1", "14-003")} <= found(report)


@pytest.mark.slow
def test_figure_without_alt_is_an_error_and_table_without_scope():
    source = (
        "<!DOCTYPE html><html lang='en'><head><title>F</title></head><body><h1>F</h1>"
        "<p><img src=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' "
        "width='9' height='9'%3E%3C/svg%3E\"></p></body></html>"
    )
    report = audit_pdf(pdf_tags.write_pdf(_html(source).render()))
    assert ("7.3-1", "13-004") in found(report)


def _blank_pdf(**catalog) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for key, value in catalog.items():
        pdf.Root[f"/{key}"] = value
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_untagged_pdf_catalog_findings():
    report = audit_pdf(_blank_pdf())
    assert {("7.1-11", "01-005"), ("6.2-1", "ISO 14289-1 6.2"), ("7.1-10", "07-001"), ("7.1-8", "06-001")} <= found(
        report
    )
    assert all(f.severity == "error" for f in report.errors)


def test_display_doc_title_false_and_bad_lang():
    data = _blank_pdf(
        Lang=pikepdf.String("english please"), ViewerPreferences=pikepdf.Dictionary(DisplayDocTitle=False)
    )
    report = audit_pdf(data)
    assert ("7.1-10", "07-002") in found(report)
    assert ("7.2-29", "11-001") in found(report)


def test_unreadable_input_is_a_finding():
    report = audit_pdf(b"not a pdf")
    assert not report.ok


def test_report_types_and_formatting():
    finding = Finding("7.3-1", "13-004", "error", "Figure without /Alt", 2)
    warning = Finding("headings-present", "14-001", "warning", "no headings", None)
    report = AuditReport("a.pdf", (finding, warning))
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.page = 3  # type: ignore[misc]
    assert report.errors == (finding,) and not report.ok
    assert AuditReport("b.pdf", (warning,)).ok
    text = format_text([report, AuditReport("b.pdf")])
    assert "a.pdf: FAIL (1 errors, 1 warnings)" in text
    assert "13-004" in text and "page 2" in text and "b.pdf: ok" in text
    data = json.loads(format_json([report]))
    assert data[0]["path"] == "a.pdf" and data[0]["ok"] is False
    assert data[0]["findings"][0] == {
        "rule_id": "7.3-1",
        "checkpoint": "13-004",
        "severity": "error",
        "message": "Figure without /Alt",
        "page": 2,
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    "name", ["semantics.html", "links.html", "page-break.html", "hyphenation.html", "lang.html", "table-headers.html"]
)
def test_structure_text_matches_source_word_for_word(name):
    """The text read from the structure tree is the content's text, word for word."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring((ROOT / name).read_text(encoding="utf-8"))
    body = tree.find("body")
    for hidden in body.xpath(".//*[@aria-hidden='true'] | .//style | .//script"):
        hidden.drop_tree()
    for img in body.xpath(".//img[@alt]"):
        img.tail = f" {img.get('alt')} {img.tail or ''}"
    words = re.findall(r"\w+", " ".join(body.itertext()))
    bullets = {"•"}
    read = [w for w in re.findall(r"\w+", read_structure(fixed(name)).tree_text()) if w not in bullets]
    assert read == words


# ------------------------------------------------- false positives on correct output


def _typeset(tmp_path: Path, body: str, css: str = "") -> bytes:
    """``body`` through the real print engine (address links prepared, tags repaired)."""
    from benech_publish.typeset import Typesetter

    typesetter = Typesetter(tmp_path)
    xhtml = (
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>t</title>'
        f"</head><body><h1>Title</h1>{body}</body></html>"
    )
    page = "@page { size: 120mm 150mm; margin: 10mm } body { font: 16pt/1.4 AH; margin: 0 }"
    layout = typesetter.layout(xhtml, [_font_css(), page + css], hyphenate=False)
    return typesetter.write_pdf(layout, identifier="audit-test")


@pytest.mark.slow
def test_a_wrapped_bare_address_link_is_its_own_description(tmp_path):
    """A link whose text is its address, wrapped over two lines (two annotations, each
    with the address as /Contents) and followed by a full stop: its read text carries
    the rest of the word ("….mp4" + "."), its glyphs are the address; not a finding."""
    url = "https://clinic.example/wp-content/uploads/2024/05/explainer-video.mp4"
    data = _typeset(tmp_path, f'<p>Video: <a href="{url}">{url}</a>. Watch it first.</p>')
    with pikepdf.open(io.BytesIO(data)) as pdf:
        contents = [str(a.Contents) for page in pdf.pages for a in page.obj.get("/Annots", [])]
    assert len(contents) >= 2 and set(contents) == {url}  # one per line, each described
    assert "link-description" not in {f.rule_id for f in audit_pdf(data).findings}
    # A raw address that is not the link's text is still a finding.
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for annot in pdf.pages[0].obj.Annots:
            annot.Contents = pikepdf.String("https://clinic.example/other")
        out = io.BytesIO()
        pdf.save(out)
    assert "link-description" in {f.rule_id for f in audit_pdf(out.getvalue()).findings}


@pytest.mark.slow
def test_text_is_read_in_document_order_and_a_finished_sentence_is_no_split(tmp_path):
    """A P whose link comes before its last word is read in kid order ("Video: <link>."),
    so ending a page with it is not a paragraph split at the page break (01-006)."""
    url = "https://clinic.example/v.mp4"
    data = _typeset(
        tmp_path, f'<p>Video: <a href="{url}">{url}</a>.</p><p style="break-before: page">Bring your scans.</p>'
    )
    s = read_structure(data)
    first = next(e for e in s.elements if e.role == "P")
    assert "".join(s.text_of(first).split()) == f"Video:{url}."
    assert [r.mcid for r in first.mcrefs()] == sorted(r.mcid for r in first.mcrefs())
    assert "split-element" not in {f.rule_id for f in audit_pdf(data).findings}


@pytest.mark.slow
def test_two_tables_in_a_row_on_two_pages_are_not_a_split_table(tmp_path):
    """Two source tables, the second starting a new page: with its own caption, or a
    header of its own, it is another table (01-006 only for a table cut in two)."""

    def table(caption: str, head: str, cells: str) -> str:
        return (
            f'<table style="break-before: page">{caption}<thead><tr><th scope="col">{head}'
            f'</th><th scope="col">Note</th></tr></thead><tbody><tr><td>{cells}</td>'
            "<td>x</td></tr></tbody></table>"
        )

    captioned = _typeset(
        tmp_path, table("<caption>Doses</caption>", "Drug", "A") + table("<caption>Side effects</caption>", "Drug", "B")
    )
    other_head = _typeset(tmp_path, table("", "Drug", "A") + table("", "Visit", "B"))
    for data in (captioned, other_head):
        assert [e.role for e in read_structure(data).elements].count("Table") == 2
        assert "split-element" not in {f.rule_id for f in audit_pdf(data).findings}
    # One table cut at a page break by bare WeasyPrint is still found (a header repeated).
    assert ("split-element", "01-006") in found(audit_pdf(bare("page-break.html")))


def _tree_order(element: StructElem) -> list[StructElem]:
    found = [element]
    for kid in element.kids:
        if isinstance(kid, StructElem):
            found.extend(_tree_order(kid))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", FIXTURES)
def test_what_the_tree_keeps_as_it_is_built_is_what_walking_it_finds(name):
    """Element kids, pages and the order of elements are filled in while the tree is
    built (the rules read them instead of walking the tree again)."""
    for data in (bare(name), fixed(name)):
        s = read_structure(data)
        assert s.elements == [e for root in s.roots for e in _tree_order(root)]
        for element in s.elements:
            assert element.element_kids == [k for k in element.kids if isinstance(k, StructElem)]
            assert element.page_set == frozenset(element.pages())
