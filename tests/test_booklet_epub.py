"""The EPUB booklet: structure, navigation, accessibility metadata, validators, reproducibility.

Everything is built once per session (:func:`built`, shared with
``test_booklet_pdf.py`` and ``test_pagelist.py``): the shipped ``content/``
(it + en, the Italian chapter a draft) and ``tests/roots/booklet`` (three
English conditions, one a draft, with a table, lists, notes, a figure and a
Latin phrase), both with ``include_drafts`` and a fixed ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

import validators
from benech_publish import Options, build, load_content
from benech_publish.typography import smarten

TESTS = Path(__file__).parent
PROJECT = TESTS.parent
EPOCH = "1733011200"  # 2024-12-01T00:00:00Z
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
EDITIONS = ("", ".large")


@dataclass(frozen=True)
class Built:
    name: str  # "content" | "booklet"
    root: Path  # content root used
    out: Path

    def epub(self, lang: str, suffix: str = "") -> Path:
        return self.out / "epub" / lang / f"booklet{suffix}.epub"

    def pdf(self, lang: str, suffix: str = "") -> Path:
        return self.out / "pdf" / lang / f"booklet{suffix}.pdf"

    @property
    def content(self):
        return load_content(self.root)

    @property
    def languages(self) -> tuple[str, ...]:
        return self.content.languages


def build_root(src: Path, out: Path, **options) -> None:
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        opts = Options(formats=("pdf", "epub"), include_drafts=True).with_(**options)
        build(src, out, opts)
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


@functools.cache
def _build_all(base: Path) -> dict[str, Built]:
    roots = {"content": PROJECT / "content", "booklet": TESTS / "roots" / "booklet"}
    result = {}
    for name, src in roots.items():
        root = base / f"{name}-src"
        shutil.copytree(src, root)
        out = base / f"{name}-out"
        build_root(root, out)
        result[name] = Built(name, root, out)
    return result


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    return _build_all(tmp_path_factory.getbasetemp() / "booklets")


def all_epubs() -> list[tuple[str, str, str]]:
    """(root, lang, suffix) of every EPUB the session builds."""
    return [
        (r, lang, s)
        for r, langs in (("content", ("it", "en")), ("booklet", ("en",)))
        for lang in langs
        for s in EDITIONS
    ]


class Epub:
    """An EPUB opened for XPath assertions."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = container.xpath("//*[local-name()='rootfile']/@full-path")[0]
        self.base = self.opf_path.rsplit("/", 1)[0] + "/" if "/" in self.opf_path else ""
        self.opf = etree.fromstring(self.zip.read(self.opf_path))

    def meta(self, prop: str) -> list[str]:
        return self.opf.xpath(f"//opf:meta[@property='{prop}']/text()", namespaces=NS)

    def doc(self, href: str):
        return etree.fromstring(self.zip.read(self.base + href.split("#")[0]))

    @property
    def nav_href(self) -> str:
        return self.opf.xpath("//opf:item[contains(@properties,'nav')]/@href", namespaces=NS)[0]

    @property
    def nav(self):
        return self.doc(self.nav_href)

    @property
    def spine(self) -> list[str]:
        ids = self.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)
        hrefs = {i.get("id"): i.get("href") for i in self.opf.xpath("//opf:item", namespaces=NS)}
        return [hrefs[i] for i in ids]

    def xhtml_docs(self) -> list[str]:
        return self.opf.xpath("//opf:item[@media-type='application/xhtml+xml']/@href", namespaces=NS)


# --------------------------------------------------------------------------- outputs


def test_four_booklet_files_per_language(built):
    for b in built.values():
        for lang in b.languages:
            for suffix in EDITIONS:
                assert b.epub(lang, suffix).stat().st_size > 0
                assert b.pdf(lang, suffix).stat().st_size > 0


def test_python_api_returns_both_formats(built):
    import datetime as dt

    from benech_publish.render import Renderer, edition
    from benech_publish.writers import Context
    from benech_publish.writers.booklet import write_booklet

    b = built["booklet"]
    content = b.content
    opts = Options(include_drafts=True)
    ctx = Context(Renderer(), opts, b.root, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    members = content.in_language("en", include_drafts=True)
    booklet = write_booklet(members, content.site, "en", edition("standard", opts), {"epub"}, ctx)
    only_epub = booklet.outputs
    assert set(only_epub) == {"epub"}
    # The PDF was laid out anyway: the EPUB has its page-list.
    assert booklet.pages > 5
    assert Epub(_bytes_path(only_epub["epub"], b.out / "api.epub")).nav.xpath(
        "//x:nav[@epub:type='page-list']//x:a", namespaces=NS
    )


def _bytes_path(data: bytes, path: Path) -> Path:
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- structure


def test_spine_order_cover_front_matter_chapters_in_configured_order(built):
    b = built["booklet"]
    e = Epub(b.epub("en"))
    order = list(b.content.site.order)
    assert e.spine == [
        "cover.xhtml",
        "titlepage.xhtml",
        "contents.xhtml",
        "intro.xhtml",
        *[f"{cid}.xhtml" for cid in order],
        "backmatter.xhtml",
    ]


def test_nav_lists_every_condition_and_its_sections_with_the_same_anchors(built):
    for b in built.values():
        for lang in b.languages:
            for suffix in EDITIONS:
                e = Epub(b.epub(lang, suffix))
                nav = e.nav
                toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]
                hrefs = toc.xpath(".//x:a/@href", namespaces=NS)
                for c in b.content.in_language(lang, include_drafts=True):
                    assert f"{c.id}.xhtml" in hrefs
                    chapter = e.doc(f"{c.id}.xhtml")
                    for s in c.walk():
                        assert f"{c.id}.xhtml#{s.anchor}" in hrefs, (c.id, s.anchor)
                        # The anchor in the chapter is the section with that heading.
                        target = chapter.xpath(f"//*[@id='{s.anchor}']", namespaces=NS)
                        assert len(target) == 1
                        heading = target[0].xpath(f"x:h{s.level}", namespaces=NS)[0]
                        assert "".join(heading.itertext()).strip() == smarten(s.heading, c.lang)
                # Nesting follows the sections: a subsection is inside its section's li.
                for c in b.content.in_language(lang, include_drafts=True):
                    for s in c.sections:
                        for sub in s.subsections:
                            li = toc.xpath(f".//x:li[x:a/@href='{c.id}.xhtml#{s.anchor}']", namespaces=NS)[0]
                            assert li.xpath(f".//x:a[@href='{c.id}.xhtml#{sub.anchor}']", namespaces=NS)


def test_following_sintomi_inside_a_chapter_lands_on_symptoms(built):
    e = Epub(built["content"].epub("en"))
    href = e.nav.xpath("//x:nav[@epub:type='toc']//x:a[contains(@href,'#sintomi')]/@href", namespaces=NS)[0]
    assert href == "facial-nerve-hemispasm.xhtml#sintomi"
    target = e.doc(href).xpath("//*[@id='sintomi']/x:h2", namespaces=NS)[0]
    assert target.text == "Symptoms"
    it = Epub(built["content"].epub("it"))
    assert it.doc(href).xpath("//*[@id='sintomi']/x:h2", namespaces=NS)[0].text == "Sintomi"


def test_landmarks_cover_toc_bodymatter(built):
    e = Epub(built["booklet"].epub("en"))
    marks = {
        a.get(f"{{{NS['epub']}}}type"): a.get("href")
        for a in e.nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)
    }
    assert marks == {"cover": "cover.xhtml", "toc": "contents.xhtml", "bodymatter": "intro.xhtml"}
    for href in marks.values():
        e.doc(href)  # exists


def test_page_list_has_one_entry_per_pdf_page(built):
    import pypdf

    for b in built.values():
        for lang in b.languages:
            for suffix in EDITIONS:
                e = Epub(b.epub(lang, suffix))
                entries = e.nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)
                pages = len(pypdf.PdfReader(b.pdf(lang, suffix)).pages)
                assert [a.text for a in entries] == [str(n) for n in range(1, pages + 1)]
                for a in entries:  # every entry resolves to a page-break marker
                    doc_href, frag = a.get("href").split("#")
                    marker = e.doc(doc_href).xpath(f"//*[@id='{frag}']", namespaces=NS)[0]
                    assert marker.get("role") == "doc-pagebreak"
                    assert marker.get(f"{{{NS['epub']}}}type") == "pagebreak"
                    assert marker.get("aria-label") == a.text


def test_nav_page_list_ignores_sections_with_epub_type(built):
    # ebooklib would list every element with epub:type and id (e.g. a chapter) as a page.
    e = Epub(built["booklet"].epub("en"))
    hrefs = e.nav.xpath("//x:nav[@epub:type='page-list']//x:a/@href", namespaces=NS)
    assert all(re.search(r"#page-\d+$", h) for h in hrefs)


def test_language_on_package_and_every_document(built):
    for b in built.values():
        for lang in b.languages:
            e = Epub(b.epub(lang))
            assert e.opf.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
            assert e.opf.xpath("//dc:language/text()", namespaces=NS) == [lang]
            for href in e.xhtml_docs():
                html = e.doc(href)
                assert html.get("lang") == lang, href
                assert html.get("{http://www.w3.org/XML/1998/namespace}lang") == lang, href


def test_foreign_language_span_keeps_its_language(built):
    e = Epub(built["booklet"].epub("en"))
    span = e.doc("trigeminal-neuralgia.xhtml").xpath("//x:span[@lang='la']", namespaces=NS)
    assert span and span[0].text == "nervus trigeminus"


def test_figure_has_alt_text_and_image_is_packaged(built):
    e = Epub(built["booklet"].epub("en"))
    img = e.doc("lumbar-disc-herniation.xhtml").xpath("//x:figure/x:img", namespaces=NS)[0]
    assert img.get("alt").startswith("Drawing of the lower spine")
    assert e.zip.read(e.base + img.get("src"))[:4] == b"\x89PNG"


def test_no_scripts_and_reflowable_css(built):
    for lang in ("it", "en"):
        for suffix in EDITIONS:
            e = Epub(built["content"].epub(lang, suffix))
            assert not e.opf.xpath("//opf:item[contains(@properties,'scripted')]", namespaces=NS)
            for href in e.xhtml_docs():
                assert not e.doc(href).xpath("//x:script|//@*[starts-with(name(),'on')]", namespaces=NS)
            css = e.zip.read(e.base + "css/booklet.css").decode()
            assert "!important" not in css
            assert "position: fixed" not in css and "position:fixed" not in css
            # Text sizes are relative (em, %): never px or pt.
            for size in re.findall(r"font-size:\s*([^;}\n]+)", css):
                assert re.fullmatch(r"[\d.]+(em|%)", size.strip()), size
            if suffix:
                assert re.search(r"body\s*\{[^}]*font-size:\s*1\.5em", css)
                assert "font-style: normal" in css and "hyphens: none" in css
            else:
                assert "hyphens: auto" in css


def test_drafts_are_marked(built):
    e = Epub(built["booklet"].epub("en"))
    chapter = e.doc("chronic-subdural-haematoma.xhtml")
    assert chapter.xpath("//x:p[@class='draft-mark']", namespaces=NS)
    labels = e.nav.xpath("//x:nav[@epub:type='toc']/x:ol/x:li/x:a/text()", namespaces=NS)
    assert "Chronic Subdural Haematoma (Draft)" in labels
    assert "Trigeminal Neuralgia" in labels  # approved: no mark
    assert e.doc("titlepage.xhtml").xpath("//x:p[contains(@class,'draft-mark')]", namespaces=NS)


def test_a_booklet_with_a_draft_claims_no_conformance(built):
    e = Epub(built["booklet"].epub("en"))  # chronic-subdural-haematoma is a draft
    assert e.meta("dcterms:conformsTo") == [] and e.meta("a11y:certifiedBy") == []
    summary = e.meta("schema:accessibilitySummary")[0]
    assert "claims no conformance" in summary and "Chronic Subdural Haematoma" in summary
    assert "not evaluated" in summary and "meets WCAG" not in summary


def test_epub_self_check_finds_each_problem():
    from benech_publish.writers import epub as epubpkg

    def doc(body: str, lang: str = ' lang="en"') -> epubpkg.Document:
        return epubpkg.Document(
            uid="d",
            file_name="d.xhtml",
            content=(
                f'<html xmlns="http://www.w3.org/1999/xhtml"{lang}><head><title>t</title></head>'
                f"<body>{body}</body></html>"
            ).encode(),
        )

    assert epubpkg.self_check([doc("<h1>A</h1><h2>B</h2><p>x</p>")]) == ()
    found = epubpkg.self_check(
        [
            doc('<h1>A</h1><h3>C</h3><h2></h2><img src="i.png"/>', lang=""),
            doc('<table><tr><th><span role="doc-pagebreak" id="page-9" aria-label="9"/>Week</th></tr></table>'),
        ]
    )
    assert found == (
        "d.xhtml: no language",
        "d.xhtml: an image without alt (i.png)",
        "d.xhtml: h3 after h1",
        "d.xhtml: an empty h2",
        "d.xhtml: page marker page-9 inside th",
    )


def test_drafts_left_out_without_include_drafts(built, tmp_path):
    b = built["booklet"]
    build_root(b.root, tmp_path, formats=("epub",), include_drafts=False, editions=("large",))
    e = Epub(tmp_path / "epub" / "en" / "booklet.large.epub")
    # Approved chapters only: the conformance claim is made.
    assert e.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert "chronic-subdural-haematoma.xhtml" not in e.spine
    assert "trigeminal-neuralgia.xhtml" in e.spine
    assert not e.doc("titlepage.xhtml").xpath("//x:p[contains(@class,'draft-mark')]", namespaces=NS)


# --------------------------------------------------------------------------- metadata


def test_accessibility_metadata_is_derived_from_the_content(built):
    with_images = Epub(built["booklet"].epub("en"))
    without = Epub(built["content"].epub("en"))
    assert with_images.meta("schema:accessMode") == ["textual", "visual"]
    assert without.meta("schema:accessMode") == ["textual"]
    assert "alternativeText" in with_images.meta("schema:accessibilityFeature")
    assert "alternativeText" not in without.meta("schema:accessibilityFeature")
    assert with_images.meta("schema:accessModeSufficient") == ["textual", "textual,visual"]
    assert without.meta("schema:accessModeSufficient") == ["textual"]
    for e in (with_images, without):
        features = e.meta("schema:accessibilityFeature")
        for f in (
            "structuralNavigation",
            "tableOfContents",
            "readingOrder",
            "printPageNumbers",
            "pageNavigation",
            "displayTransformability",
        ):
            assert f in features
        assert "largePrint" not in features
        assert e.meta("schema:accessibilityHazard") == ["none"]
    # Conformance is claimed only when every chapter is approved: content/en is a draft
    # until the clinic records its review, so no claim there.
    assert without.meta("dcterms:conformsTo") == []
    assert without.meta("a11y:certifiedBy") == []
    large = Epub(built["content"].epub("en", ".large"))
    assert "largePrint" in large.meta("schema:accessibilityFeature")
    # The summary says what this booklet offers, in its language.
    s_img = with_images.meta("schema:accessibilitySummary")[0]
    s_none = without.meta("schema:accessibilitySummary")[0]
    assert "Every image has a text alternative" in s_img
    assert "no images that carry information" in s_none
    assert "large-print" in large.meta("schema:accessibilitySummary")[0]
    it = Epub(built["content"].epub("it"))
    assert "Questo opuscolo" in it.meta("schema:accessibilitySummary")[0]


def test_page_break_source_names_the_pdf_of_the_same_edition(built):
    import pypdf

    b = built["content"]
    for lang in ("it", "en"):
        for suffix in EDITIONS:
            source = Epub(b.epub(lang, suffix)).meta("pageBreakSource")
            assert len(source) == 1
            pdf_id = pypdf.PdfReader(b.pdf(lang, suffix)).trailer["/ID"][0]
            pdf_id = pdf_id.decode("ascii") if isinstance(pdf_id, bytes) else str(pdf_id)
            assert pdf_id in source[0]
            assert ("large" in source[0] or "grandi" in source[0]) == bool(suffix)
    std = Epub(b.epub("en")).meta("pageBreakSource")[0]
    large = Epub(b.epub("en", ".large")).meta("pageBreakSource")[0]
    assert std != large


def test_identifier_and_dates_are_derived_not_random(built):
    e = Epub(built["content"].epub("en"))
    ident = e.opf.xpath("//dc:identifier/text()", namespaces=NS)[0]
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", ident)
    assert e.meta("dcterms:modified") == ["2024-12-01T00:00:00Z"]
    other = Epub(built["content"].epub("en", ".large"))
    assert other.opf.xpath("//dc:identifier/text()", namespaces=NS)[0] != ident


def test_zip_container_is_deterministic_ocf(built):
    with zipfile.ZipFile(built["booklet"].epub("en")) as z:
        infos = z.infolist()
        assert infos[0].filename == "mimetype"
        assert infos[0].compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"
        assert {i.date_time for i in infos} == {(2024, 12, 1, 0, 0, 0)}
    raw = built["booklet"].epub("en").read_bytes()
    assert raw[30:38] == b"mimetype"  # first local header, no extra field


def test_ebooklib_errors_surface_as_errors(monkeypatch):
    from ebooklib import epub as ebooklib_epub

    from benech_publish.errors import RenderError
    from benech_publish.writers import epub as epubpkg

    def broken(self):
        raise OSError("disk full")

    monkeypatch.setattr(ebooklib_epub.EpubWriter, "write", broken)
    package = epubpkg.Package(
        identifier="urn:uuid:00000000-0000-8000-8000-000000000000",
        title="t",
        lang="en",
        publisher="p",
        description="",
        documents=[],
        resources=[],
        a11y=epubpkg.Accessibility("en", False, False, False, "p"),
        modified=__import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").timezone.utc),
    )
    with pytest.raises(RenderError, match="disk full"):
        epubpkg.write(package)


# --------------------------------------------------------------------------- validators


@pytest.mark.slow
@pytest.mark.parametrize("root,lang,suffix", all_epubs())
def test_epubcheck_zero_errors_zero_warnings(built, root, lang, suffix):
    result = validators.epubcheck(built[root].epub(lang, suffix))
    assert not result.errors and not result.warnings, result.summary()


@pytest.mark.slow
@pytest.mark.parametrize("root,lang,suffix", all_epubs())
def test_ace_zero_violations(built, root, lang, suffix, tmp_path):
    result = validators.ace(built[root].epub(lang, suffix), tmp_path / "ace")
    assert not result.violations, result.summary()
    assert result.outcome == "pass"
    assert not result.a11y_metadata.get("empty")


@pytest.mark.slow
def test_same_source_date_epoch_gives_identical_bytes(built, tmp_path):
    b = built["booklet"]
    # Another copy in another place: paths must not leak into the output.
    root = tmp_path / "again-src"
    shutil.copytree(b.root, root)
    build_root(root, tmp_path / "again")
    again = Built("booklet", root, tmp_path / "again")
    for suffix in EDITIONS:
        assert again.epub("en", suffix).read_bytes() == b.epub("en", suffix).read_bytes()
        assert again.pdf("en", suffix).read_bytes() == b.pdf("en", suffix).read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("root,lang,suffix", all_epubs())
def test_page_markers_never_inside_an_accessible_name(built, root, lang, suffix):
    """No "6 Last updated", no "9 Week": markers are empty and outside named elements."""
    from benech_publish.typeset.pagelist import NAME_FROM_CONTENT

    e = Epub(built[root].epub(lang, suffix))
    markers = 0
    for href in e.spine:
        for marker in e.doc(href).xpath("//*[@role='doc-pagebreak']"):
            markers += 1
            assert marker.get("aria-label") and not "".join(marker.itertext()) and len(marker) == 0
            named = [
                a.tag.rsplit("}", 1)[-1]
                for a in marker.iterancestors()
                if a.tag.rsplit("}", 1)[-1] in NAME_FROM_CONTENT
            ]
            assert not named, (href, marker.get("id"), named)
    assert markers >= 5
