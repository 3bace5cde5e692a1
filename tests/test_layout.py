"""The layout check on documents made to have each problem, and copy-fitting (issue 14)."""

from __future__ import annotations

import statistics
from pathlib import Path

import pytest

from benech_publish.typeset import Typesetter
from benech_publish.typeset.layout import Limits, check_layout, line_lengths, units_on_pages

PAGE = "@page { size: 100mm 100mm; margin: 10mm } body { font: 10pt/12pt sans-serif; margin: 0 }"


def lay_out(tmp_path: Path, body: str, css: str = ""):
    typesetter = Typesetter(tmp_path)
    xhtml = (
        f'<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>t</title></head><body>{body}</body></html>'
    )
    return typesetter.layout(xhtml, [PAGE + css], hyphenate=False)


def kinds(layout) -> list[tuple[int, str]]:
    return [(f.page, f.kind) for f in check_layout(layout)]


def test_a_good_document_has_no_findings(tmp_path):
    body = "".join(f"<p>Paragraph {i} with a few words in it.</p>" for i in range(6))
    assert kinds(lay_out(tmp_path, body)) == []


def test_near_empty_page(tmp_path):
    body = '<div style="height: 70mm"></div><p>one</p><p>two</p><p>three</p><p>last line</p>'
    assert kinds(lay_out(tmp_path, body, "p { margin: 0 }")) == [(2, "near-empty")]
    # a designed page (cover) is exempt
    designed = body.replace(
        "<p>three</p><p>last line</p>", '<div class="unit-cover" style="break-before: page"><p>cover</p></div>'
    )
    assert kinds(lay_out(tmp_path, designed, "p { margin: 0 }")) == []


def test_kept_block_split(tmp_path):
    note = '<div class="note">' + "<p>a line of the callout</p>" * 12 + "</div>"
    body = '<div style="height: 50mm"></div>' + note
    found = check_layout(lay_out(tmp_path, body))
    assert [(f.page, f.kind) for f in found if f.kind == "split"] == [(1, "split")]
    assert "'note' block split over pages 1–2" in str(found)


def test_table_row_split_but_not_a_repeated_header(tmp_path):
    rows = "".join(f"<tr><td>row {i}</td></tr>" for i in range(30))
    body = f"<table><thead><tr><th>Head</th></tr></thead><tbody>{rows}</tbody></table>"
    assert "split" not in [k for _, k in kinds(lay_out(tmp_path, body))]
    tall = "<table><tr><td>" + "<p>x</p>" * 30 + "</td></tr></table>"
    assert (1, "split") in kinds(lay_out(tmp_path, tall))


def test_heading_at_the_foot_of_a_page(tmp_path):
    body = (
        '<div style="height: 68mm"></div><h2 style="margin:0;font-size:10pt;break-after:auto">'
        "Symptoms</h2><p>first line</p>" + "<p>more</p>" * 6
    )
    found = check_layout(lay_out(tmp_path, body))
    assert any(f.kind == "heading-at-foot" and "'Symptoms'" in f.message for f in found), found


def test_a_one_line_section_ending_a_page_is_not_a_heading_alone(tmp_path):
    """Heading + the one line of its section at a page foot, the next section on the next
    page: the heading is not alone. Heading + the first line of a longer section is."""
    h = '<h3 style="margin:0;font-size:10pt;break-after:auto">Surgery</h3>'
    whole = f'<div style="height: 62mm"></div>{h}<p>Rarely needed.</p><h2>Next</h2>' + "<p>more</p>" * 6
    assert "heading-at-foot" not in [k for _, k in kinds(lay_out(tmp_path, whole))]
    cut = whole.replace("<h2>Next</h2>", "")
    assert (1, "heading-at-foot") in kinds(lay_out(tmp_path, cut))


def test_text_outside_the_text_area(tmp_path):
    assert (1, "outside") in kinds(lay_out(tmp_path, '<p style="margin-left: -8mm">out</p>'))


def test_lines_longer_than_the_measure(tmp_path):
    words = " ".join(["word"] * 200)
    layout = lay_out(tmp_path, f"<p>{words}</p>", "@page { size: 300mm 100mm } body { font-size: 6pt }")
    assert (1, "long-line") in kinds(layout)
    assert max(line_lengths(layout)) > 85
    assert not any(k == "long-line" for _, k in kinds(lay_out(tmp_path, f"<p>{words}</p>")))


def test_units_on_pages(tmp_path):
    body = (
        '<section data-unit="a"><p>A</p></section><section data-unit="b" style="break-before: page"><p>B</p></section>'
    )
    assert units_on_pages(lay_out(tmp_path, body)) == [["a"], ["b"]]


def test_limits_are_configurable(tmp_path):
    body = '<div style="height: 70mm"></div>' + "<p>x</p>" * 4
    assert (2, "near-empty") in kinds(lay_out(tmp_path, body, "p { margin: 0 }"))
    assert (2, "near-empty") not in [
        (f.page, f.kind) for f in check_layout(lay_out(tmp_path, body, "p { margin: 0 }"), Limits(min_fill=0.01))
    ]


@pytest.mark.slow
def test_standard_edition_lines_average_55_to_75_characters(shipped_out):
    import pypdfium2 as pdfium

    for pdf in sorted((shipped_out / "pdf").rglob("*.pdf")):
        if ".large" in pdf.name or pdf.name.startswith("booklet"):
            continue
        doc = pdfium.PdfDocument(pdf)
        lengths = []
        for index in range(len(doc)):
            lines = doc[index].get_textpage().get_text_range().splitlines()
            lengths += [len(line.strip()) for line in lines if len(line.strip()) > 40]
        mean = statistics.mean(lengths)
        assert 55 <= mean <= 75, (pdf.name, mean)
        assert max(lengths) <= 90, (pdf.name, max(lengths))


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [
        {"editions": ("standard",), "paper": "A4"},
        {"editions": ("standard",), "paper": "A5"},
        {"editions": ("large",), "large_print_pt": 16},
        {"editions": ("large",), "large_print_pt": 18},
        {"editions": ("large",), "large_print_pt": 24},
    ],
    ids=["standard-A4", "standard-A5", "large-16pt", "large-18pt", "large-24pt"],
)
def test_shipped_content_with_full_contacts_lays_out_without_findings(tmp_path, args):
    """The layout check (run by every build) finds nothing once copy-fitting has run:
    no near-empty page, the closing panel and the cover on one page, no heading at a foot."""
    import re
    import shutil

    from benech_publish import Options, build
    from conftest import PROJECT

    content = tmp_path / "content"
    shutil.copytree(PROJECT / "content", content)
    site = content / "site.yaml"
    text = re.sub(r'  phone: ""[^\n]*', '  phone: "+39 011 123 4567"', site.read_text(), count=1)
    text = re.sub(r'  email: ""[^\n]*', "  email: segreteria@benech-neurochirurgia.it", text, count=1)
    site.write_text(text)
    report = build(content, tmp_path / "out", Options(formats=("pdf",), include_drafts=True, **args))
    problems = [n for n in report.notices if "layout:" in n or "AUDIT" in n]
    assert not problems, problems
    assert len(report.written) == 4  # two leaflets, two booklets
    import pypdfium2 as pdfium

    for pdf in report.written:  # the clinic's name is never hyphenated nor wrapped
        first = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
        assert "Benech Neurochirurgia" in " ".join(first.split()), (pdf.name, first[:200])
        assert "Neurochirur-" not in first and "Neurochi-" not in first


def _leaflet_with_long_table(tmp_path: Path, paper: str, ed: str):
    """A leaflet of ``tests/roots/basic`` with a section holding a 40-row table, laid out
    as designed (the first layout the leaflet writer tries)."""
    import datetime as dt
    import shutil

    from benech_publish import Options, Renderer, edition, load_content
    from benech_publish.writers import Context
    from benech_publish.writers.leaflet import leaflet_xhtml

    root = tmp_path / "content"
    shutil.copytree(Path(__file__).parent / "roots" / "basic", root)
    shutil.rmtree(root / "it")
    rows = "\n".join(f"| Visit {i} | Check the wound and the stitches |" for i in range(1, 41))
    alpha = root / "en" / "alpha.md"
    alpha.write_text(
        alpha.read_text(encoding="utf-8") + "\n## Follow-up visits {#controlli}\n\n"
        "| Visit | What happens |\n|---|---|\n" + rows + "\n\nAfter the last visit you are discharged.\n",
        encoding="utf-8",
    )
    content = load_content(root)
    options = Options(paper=paper)
    ctx = Context(Renderer(), options, root, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    chosen = edition(ed, options)
    condition = content.conditions[0]
    xhtml = leaflet_xhtml(condition, content.site, chosen, ctx)
    return ctx.typesetter.layout(xhtml, ctx.print_stylesheets(chosen, content.site, "en"), hyphenate=chosen.hyphenate)


@pytest.mark.slow
@pytest.mark.parametrize(
    "paper, ed", [("A4", "standard"), ("A5", "standard"), ("A4", "large"), ("A5", "large")]
)  # large print is always A4
def test_a_table_taller_than_a_page_starts_under_its_heading_and_breaks_between_rows(tmp_path, paper, ed):
    """``table { break-inside: avoid }`` alone left the heading alone on a page and the
    table on the next; now the table follows its heading, breaks between rows (no row
    split, header row repeated on every page): the layout as designed has no heading at
    a foot and no split row. (Only the closing panel's findings may remain: with the
    provenance lines it is taller than an A5 or large-print page, also without a table.)"""
    from benech_publish.typeset import _weasy

    layout = _leaflet_with_long_table(tmp_path, paper, ed)
    findings = check_layout(layout)
    closing = min((f.page for f in findings if "'closing' block" in f.message), default=None)
    assert [f for f in findings if closing is None or f.page < closing] == [], findings
    engine = _weasy.load()
    texts = []
    for page in layout.document.pages:
        found, stack = [], [engine.page_box(page)]
        while stack:
            box = stack.pop()
            if isinstance(box, engine.boxes.TextBox):
                found.append(box.text)
            stack.extend(reversed(getattr(box, "children", [])))
        texts.append(" ".join(found))
    table_pages = [t for t in texts if "Check the wound" in t]
    assert len(table_pages) >= 2
    assert all("Visit What happens" in t for t in table_pages)  # the header repeats
    assert "Follow-up visits Visit What happens Visit 1 " in table_pages[0]


def test_a_table_that_fits_on_a_page_is_not_split(tmp_path):
    """Only a table taller than a page may break: one that fits moves whole to the next."""
    rows = "".join(f"<tr><td>row {i}</td></tr>" for i in range(5))
    body = f'<div style="height: 62mm"></div><table data-unit="t"><tbody>{rows}</tbody></table>'
    css = "table { break-inside: avoid } table.long-table { break-inside: auto }"
    assert units_on_pages(lay_out(tmp_path, body, css)) == [[], ["t"]]
    long_rows = "".join(f"<tr><td>row {i}</td></tr>" for i in range(30))
    body = f'<div style="height: 62mm"></div><table data-unit="t"><tbody>{long_rows}</tbody></table>'
    assert units_on_pages(lay_out(tmp_path, body, css))[:2] == [["t"], ["t"]]
    # The layout looks for tables only where the markup has a <table> tag, in any case
    # (WeasyPrint's HTML parser lowercases tags).
    upper = body.replace("<table", "<TABLE").replace("</table>", "</TABLE>")
    assert upper != body and units_on_pages(lay_out(tmp_path, upper, css))[:2] == [["t"], ["t"]]


def test_text_running_under_a_positioned_image_is_an_overlap(tmp_path):
    """The closing panel's QR code is absolutely positioned beside the facts: an address
    too long for its column must not run under it unnoticed."""
    import base64

    square = b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'><rect width='10' height='10'/></svg>"
    svg = "data:image/svg+xml;base64," + base64.b64encode(square).decode("ascii")
    panel = (
        '<div style="position: relative; padding-right: 32mm; min-height: 30mm">'
        f'<img alt="QR code" src="{svg}" style="position: absolute; top: 0; right: 0; width: 30mm; height: 30mm"/>'
        "<p>{text}</p></div>"
    )
    long_address = "www.anaddresstoolongforitscolumn.example"  # no break opportunity
    assert (1, "overlap") in kinds(lay_out(tmp_path, panel.format(text=long_address)))
    assert (1, "overlap") not in kinds(lay_out(tmp_path, panel.format(text="Short words fit.")))


@pytest.mark.parametrize(
    "args",
    [
        {"editions": ("standard",)},
        {"editions": ("standard",), "paper": "A5"},
        {"editions": ("large",), "large_print_pt": 18},
        {"editions": ("large",), "large_print_pt": 18, "paper": "A5"},
        {"editions": ("large",), "large_print_pt": 16, "paper": "A5"},
    ],
    ids=["standard-A4", "standard-A5", "large-18pt", "large-18pt-A5", "large-16pt-A5"],
)
def test_complete_review_data_and_contacts_lay_out_without_findings(tmp_path, args):
    """A test root with every provenance field filled in (authors, reviewers, dates,
    version, two sources, feedback by e-mail and web, full contacts; it and en): the
    closing panel stays on one page and no address runs under the QR code.

    (At 20 pt and more, where each label stands above its value, this much data is
    taller than an A4 page in Italian; the layout check reports it: docs/editions.md.)"""
    from benech_publish import Options, build
    from conftest import ROOTS

    report = build(ROOTS / "basic", tmp_path / "out", Options(formats=("pdf",), include_drafts=True, **args))
    # The leaflets (a booklet's last page may stay near-empty: nothing is left to run on)
    problems = [n for n in report.notices if (".md (" in n and "layout:" in n) or "AUDIT" in n]
    assert not problems, problems
    assert len([p for p in report.written if p.suffix == ".pdf"]) == 4
