"""The PDF booklet: tagged PDF/UA-1, contents with page numbers, bookmarks, named destinations."""

from __future__ import annotations

import re

import pdfplumber
import pikepdf
import pypdf
import pytest

import validators
from benech_publish.audit import audit_pdf
from benech_publish.typography import smarten
from test_booklet_epub import EDITIONS, built  # noqa: F401 (fixture)


def _all_pdfs():
    return [
        (r, lang, s)
        for r, langs in (("content", ("it", "en")), ("booklet", ("en",)))
        for lang in langs
        for s in EDITIONS
    ]


def _outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) of every bookmark, in order."""
    out: list[tuple[int, str, int]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return out


@pytest.mark.parametrize("root,lang,suffix", _all_pdfs())
def test_named_destination_for_every_condition_anchor(built, root, lang, suffix):
    b = built[root]
    reader = pypdf.PdfReader(b.pdf(lang, suffix))
    dests = reader.named_destinations
    for c in b.content.in_language(lang, include_drafts=True):
        assert c.id in dests
        for anchor in c.anchors:
            assert f"{c.id}-{anchor}" in dests, f"{c.id}-{anchor}"
        # The destination of #sintomi is the page where Symptoms is printed.
        if "sintomi" in c.anchors:
            page = reader.get_destination_page_number(dests[f"{c.id}-sintomi"])
            heading = next(s.heading for s in c.walk() if s.anchor == "sintomi")
            assert heading in reader.pages[page].extract_text()


@pytest.mark.parametrize("root,lang,suffix", _all_pdfs())
def test_bookmarks_for_chapters_and_sections(built, root, lang, suffix):
    b = built[root]
    outline = _outline(pypdf.PdfReader(b.pdf(lang, suffix)))
    titles = [(level, title) for level, title, _ in outline]
    for c in b.content.in_language(lang, include_drafts=True):
        assert (1, c.title) in titles
        start = titles.index((1, c.title))
        following = titles[start + 1 :]
        end = next((i for i, (lvl, _) in enumerate(following) if lvl == 1), len(following))
        chapter = following[:end]
        for s in c.walk():
            assert (s.level, smarten(s.heading, c.lang)) in chapter, (c.id, s.heading)


@pytest.mark.parametrize("root,lang,suffix", _all_pdfs())
def test_lang_structure_tree_and_pdfua_identification(built, root, lang, suffix):
    with pikepdf.open(built[root].pdf(lang, suffix)) as pdf:
        root_obj = pdf.Root
        assert str(root_obj.Lang) == lang
        assert "/StructTreeRoot" in root_obj
        assert bool(root_obj.MarkInfo.Marked)
        assert root_obj.ViewerPreferences.DisplayDocTitle
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"
            assert xmp.get("dc:title")


def test_contents_page_numbers_match_the_destinations(built):
    b = built["booklet"]
    reader = pypdf.PdfReader(b.pdf("en"))
    dests = reader.named_destinations
    with pdfplumber.open(b.pdf("en")) as pdf:
        lines = pdf.pages[2].extract_text().splitlines()
    assert lines[0] == "Contents"
    found = 0
    for c in b.content.in_language("en", include_drafts=True):
        page = reader.get_destination_page_number(dests[c.id]) + 1
        line = next(l for l in lines if l.startswith(c.title))
        assert line.endswith(f" {page}"), (line, page)
        found += 1
    intro = next(l for l in lines if l.startswith("Introduction"))
    assert intro.endswith(f" {reader.get_destination_page_number(dests['intro']) + 1}")
    assert found == 3


def test_contents_links_work(built):
    b = built["booklet"]
    with pikepdf.open(b.pdf("en")) as pdf:
        annots = [a for a in pdf.pages[2].get("/Annots", []) if a.Subtype == "/Link"]
        targets = {str(a.get("/Dest", a.get("/A", {}).get("/D", ""))) for a in annots}
    assert len(annots) >= 3 + 12
    assert any("trigeminal-neuralgia-sintomi" in t for t in targets), targets


def test_running_header_names_the_chapter(built):
    b = built["booklet"]
    reader = pypdf.PdfReader(b.pdf("en"))
    dests = reader.named_destinations
    start = reader.get_destination_page_number(dests["lumbar-disc-herniation"])
    with pdfplumber.open(b.pdf("en")) as pdf:

        def header(index: int) -> str:
            return "".join(
                c["text"] for c in pdf.pages[index].chars if c.get("tag") == "Artifact" and c["top"] < 50
            ).replace(" ", "")

        # No running header on the page where the chapter's title is printed (it would
        # repeat the title just above it); the chapter's later pages name it.
        assert header(start) == ""
        assert header(start + 1) == "LumbarDiscHerniation"
        # The cover has no header or page number.
        assert not [c for c in pdf.pages[0].chars if c.get("tag") == "Artifact"]


def test_drafts_visibly_marked_in_print(built):
    b = built["booklet"]
    with pdfplumber.open(b.pdf("en")) as pdf:
        contents = pdf.pages[2].extract_text()
        assert "Chronic Subdural Haematoma (Draft)" in contents
        reader = pypdf.PdfReader(b.pdf("en"))
        page = reader.get_destination_page_number(reader.named_destinations["chronic-subdural-haematoma"])
        assert "Draft: not yet reviewed by the clinic" in pdf.pages[page].extract_text()


def test_large_print_is_large(built):
    b = built["content"]
    with pdfplumber.open(b.pdf("en", ".large")) as large, pdfplumber.open(b.pdf("en")) as std:

        def body_size(pdf):
            sizes = [round(c["size"], 1) for p in pdf.pages[4:5] for c in p.chars if c.get("tag") != "Artifact"]
            return max(set(sizes), key=sizes.count)

        assert body_size(large) == 18.0
        assert body_size(std) == 12.0
    b = built["booklet"]
    assert len(pypdf.PdfReader(b.pdf("en", ".large")).pages) > len(pypdf.PdfReader(b.pdf("en")).pages)


@pytest.mark.slow
@pytest.mark.parametrize("root,lang,suffix", _all_pdfs())
def test_audit_and_pdfua_find_no_errors(built, root, lang, suffix):
    path = built[root].pdf(lang, suffix)
    report = audit_pdf(path)
    assert not [f for f in report.findings if f.severity == "error"], report.findings
    errors = validators.pdfua_check(path, include_skipped=False)
    assert not errors, "\n".join(map(str, errors))
    # pdfua 0.1.x crashes in UA-14-001 on every WeasyPrint PDF (leaflets too); any
    # other rule that cannot run is a failure.
    skipped = {e.rule_id for e in validators.pdfua_check(path) if e.severity == "skipped"}
    assert skipped <= {"UA-14-001"}, skipped


@pytest.mark.slow
def test_pages_render(built, tmp_path):
    b = built["booklet"]
    for n in (1, 3, 5):
        png = validators.render_page_png(b.pdf("en"), n, tmp_path / f"p{n}.png")
        assert png.stat().st_size > 5000
    assert re.match(r"%PDF-1\.7", b.pdf("en").read_bytes()[:8].decode("latin-1"))


def test_copy_fitting_fixes_every_near_empty_page_of_a_layout_at_once(tmp_path, monkeypatch):
    """Six chapters that each end with a near-empty page: fixed in one round (two
    layouts), not one layout per chapter, and no near-empty page is left."""
    import datetime as dt
    import importlib.util
    from pathlib import Path

    from benech_publish import Options, Renderer, edition, load_content
    from benech_publish.typeset.engine import Typesetter
    from benech_publish.typeset.layout import check_layout
    from benech_publish.writers import Context
    from benech_publish.writers.booklet import write_booklet

    spec = importlib.util.spec_from_file_location("catalogue", Path(__file__).parent.parent / "bench" / "catalogue.py")
    assert spec and spec.loader
    catalogue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalogue)
    root = catalogue.make_catalogue(tmp_path / "content", 6)
    content = load_content(root)
    ctx = Context(Renderer(), Options(), root, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    layouts = []
    original = Typesetter.layout

    def counting(self, *args, **kwargs):
        layout = original(self, *args, **kwargs)
        layouts.append(layout)
        return layout

    monkeypatch.setattr(Typesetter, "layout", counting)
    members = content.in_language("it")
    write_booklet(members, content.site, "it", edition("standard"), ("pdf",), ctx)
    run_ons = [line for line in ctx.logged if "runs on instead of starting a page" in line]
    assert len(run_ons) >= 3, ctx.logged  # several chapters needed it ...
    assert len(layouts) == 2, ctx.logged  # ... all fixed after the first layout
    assert not [f for f in check_layout(layouts[-1]) if f.kind == "near-empty"]
