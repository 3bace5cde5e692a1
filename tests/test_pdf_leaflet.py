"""PDF leaflets (issue 3), checked on the real bytes.

The shipped content/ is copied and built once per session (standard and
large print, Italian and English); every test then reads the PDFs back with
pikepdf, pypdf or pdfplumber. Properties: PDF/UA identification, structure
tree, /Lang, DisplayDocTitle, metadata, bookmarks, named destinations, links,
embedded (shipped) fonts, text sizes, no hyphen at a large-print line end,
every paragraph in the extracted text, byte-identical rebuilds.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from benech_publish import BuildError, Options, Renderer, build, edition, load_content
from benech_publish import model as m
from benech_publish.i18n import labels
from benech_publish.typography import smarten
from benech_publish.writers import Context
from benech_publish.writers.leaflet import write_leaflet

PROJECT = Path(__file__).resolve().parent.parent
EPOCH = "1725148800"  # 2024-09-01T00:00:00Z
CREATED = __import__("datetime").datetime.fromtimestamp(int(EPOCH), tz=__import__("datetime").timezone.utc)


def context(root: Path, options: Options | None = None) -> Context:
    return Context(Renderer(), options or Options(), root, CREATED)


EPOCH_PDF_DATE = "D:20240901000000Z"

slow = pytest.mark.slow  # every test that renders or reads a built PDF


# --------------------------------------------------------------------------- fixtures


class Built:
    def __init__(self, root: Path, out: Path, report):
        self.root, self.out, self.report = root, out, report
        self.content = load_content(root)
        self.conditions = [c for c in self.content.conditions]

    def path(self, c: m.Condition, ed: str) -> Path:
        return self.out / "pdf" / c.lang / f"{c.slug}{'.large' if ed == 'large' else ''}.pdf"

    def cases(self):
        for c in self.conditions:
            for ed in ("standard", "large"):
                yield c, ed, self.path(c, ed)


@pytest.fixture(scope="session")
def leaflets(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every leaflet of a copy of content/, built once with SOURCE_DATE_EPOCH set."""
    base = tmp_path_factory.mktemp("leaflets")
    root = base / "content"
    shutil.copytree(PROJECT / "content", root)
    out = base / "out"
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        try:
            report = build(root, out, Options(formats=("pdf",), include_drafts=True))
        except BuildError as exc:  # booklets may not be writable yet: leaflets must be
            report = exc.report
            leaflet_failures = [f for f in report.failures if "booklet" not in str(f)]
            assert not leaflet_failures, leaflet_failures
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return Built(root, out, report)


def _cases():
    """(lang, edition) pairs; conditions come from the fixture."""
    return [("en", "standard"), ("en", "large"), ("it", "standard"), ("it", "large")]


@pytest.fixture(params=_cases(), ids=lambda p: f"{p[0]}-{p[1]}")
def case(request, leaflets: Built):
    lang, ed = request.param
    (condition,) = [c for c in leaflets.conditions if c.lang == lang]
    path = leaflets.path(condition, ed)
    return condition, ed, path


# --------------------------------------------------------------------------- helpers


def _outline(pdf: pikepdf.Pdf) -> list[tuple[str, list]]:
    def walk(items):
        return [(item.title, walk(item.children)) for item in items]

    with pdf.open_outline() as outline:
        return walk(outline.root)


def _dests(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Named destination → 0-based page index."""
    pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
    result = {}
    tree = pikepdf.NameTree(pdf.Root.Names.Dests)
    for name, dest in tree.items():
        array = dest.D if isinstance(dest, pikepdf.Dictionary) else dest
        result[str(name)] = pages[array[0].objgen]
    return result


def _norm(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def _lines(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [line for page in pdf.pages for line in (page.extract_text() or "").splitlines()]


def _content_text(path: Path) -> str:
    """The page text without artifacts (running footers), pages joined by newlines."""
    with pdfplumber.open(path) as pdf:
        return "\n".join(
            page.filter(lambda o: o.get("object_type") != "char" or o.get("tag") != "Artifact").extract_text() or ""
            for page in pdf.pages
        )


def _paragraphs(c: m.Condition) -> list[str]:
    texts = []
    for section in c.walk():
        for block in m.iter_blocks(section.blocks):
            if isinstance(block, m.Paragraph):
                texts.append(m.plain_text(block.inlines))
            elif isinstance(block, (m.BulletList, m.NumberedList)):
                for item in block.items:
                    for sub in item.blocks:
                        if isinstance(sub, m.Paragraph):
                            texts.append(m.plain_text(sub.inlines))
    # as printed: with the language's typography ("3–6 months", "L’emispasmo")
    return [t for t in (_norm(smarten(t, c.lang)) for t in texts) if t]


def _struct_alts(pdf: pikepdf.Pdf) -> list[str]:
    alts, stack, seen = [], [pdf.Root.StructTreeRoot], set()
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Dictionary):
            if node.objgen != (0, 0):
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            if "/Alt" in node:
                alts.append(str(node.Alt))
            kids = node.get("/K")
            if kids is not None:
                stack.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
        elif isinstance(node, pikepdf.Array):
            stack.extend(node)
    return alts


# --------------------------------------------------------------------------- outputs


@slow
def test_every_condition_has_standard_and_large_leaflet(leaflets: Built):
    for _c, _ed, path in leaflets.cases():
        assert path.is_file(), path
        assert path.read_bytes().startswith(b"%PDF-")
    assert leaflets.path(leaflets.conditions[0], "standard").parent.parent.name == "pdf"


# --------------------------------------------------------------------------- tagged PDF/UA


@slow
def test_pdf_ua_identification_and_structure_tree(case):
    c, _ed, path = case
    with pikepdf.open(path) as pdf:
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"
        assert pdf.Root.MarkInfo.Marked is True
        root = pdf.Root.StructTreeRoot
        kids = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
        assert len(kids) >= 1 and str(kids[0].S) == "/Document"
        assert "/ParentTree" in root
        # Headings are in the tree: the H1 and one H2/H3 per section.
        roles = Counter()
        stack = list(kids)
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary) and node.get("/Type") == "/StructElem":
                roles[str(node.S)] += 1
                k = node.get("/K")
                if k is not None:
                    stack.extend(k if isinstance(k, pikepdf.Array) else [k])
        assert roles["/H1"] == 1
        assert roles["/H2"] + roles["/H3"] >= len(list(c.walk()))


@slow
def test_lang_title_and_display_doc_title(case):
    c, ed, path = case
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == c.lang
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        title = str(pdf.docinfo.Title)
        assert title.startswith(c.title)
        if ed == "large":
            assert labels(c.lang)["large_print"] in title
        with pdf.open_metadata() as xmp:
            assert xmp.get("dc:title") == title


@slow
def test_metadata_author_subject_keywords_dates(case, leaflets: Built):
    c, _ed, path = case
    with pikepdf.open(path) as pdf:
        info = pdf.docinfo
        assert str(info.Author) == leaflets.content.site.name
        assert str(info.Subject) == smarten(c.summary, c.lang)  # the language's typography
        assert [k.strip() for k in str(info.Keywords).split(",")] == list(c.keywords)
        # SOURCE_DATE_EPOCH was set for the build: the dates are that instant.
        assert str(info.CreationDate) == EPOCH_PDF_DATE
        assert str(info.ModDate) == EPOCH_PDF_DATE


# --------------------------------------------------------------------------- navigation


@slow
def test_one_bookmark_per_section_and_subsection(case, leaflets: Built):
    c, _ed, path = case
    with pikepdf.open(path) as pdf:
        outline = _outline(pdf)
    assert len(outline) == 1, "one top-level bookmark: the title"
    title, children = outline[0]
    assert title == c.title
    expected = [
        (smarten(s.heading, c.lang), [(smarten(sub.heading, c.lang), []) for sub in s.subsections]) for s in c.sections
    ]
    L = labels(c.lang)
    # Sources, feedback and other formats (provenance.py) come before the closing panel.
    parts = [L["sources"]] if c.sources else []
    parts += [L["feedback"]] if leaflets.content.site.feedback else []
    parts.append(L["other_formats"])
    expected += [(smarten(t, c.lang), []) for t in parts] + [(L["about"], [])]
    assert children == expected
    flat = [t for t, _ in children] + [t for _, kids in children for t, _ in kids]
    assert all("\u00ad" not in t for t in flat), "no soft hyphens in bookmark titles"


@slow
def test_named_destination_per_anchor_lands_on_its_heading(case):
    c, _ed, path = case
    with pikepdf.open(path) as pdf:
        dests = _dests(pdf)
    assert set(c.anchors) <= set(dests)
    assert "sintomi" in dests  # leaflet.pdf#sintomi works in every language
    with pdfplumber.open(path) as plumb:
        page_texts = [_norm(p.extract_text() or "") for p in plumb.pages]
    for section in c.walk():
        assert _norm(smarten(section.heading, c.lang)) in page_texts[dests[section.anchor]], section.anchor


@slow
def test_internal_links_resolve_and_contents_page_numbers_are_right(case):
    c, _ed, path = case
    with pikepdf.open(path) as pdf:
        dests = _dests(pdf)
        internal = []
        for page in pdf.pages:
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                    internal.append(str(annot.Dest))
        pages = len(pdf.pages)
    assert internal, "the contents list links to the sections"
    assert all(name in dests for name in internal)
    if pages > 1:
        # Contents: every section is linked, with the page it starts on.
        assert {s.anchor for s in c.sections} <= set(internal)
        lines = _lines(path)
        for s in c.sections:
            wanted = f"{_norm(s.label)} {dests[s.anchor] + 1}"
            assert any(_norm(line) == wanted for line in lines), (wanted, lines[:20])


@slow
def test_qr_code_with_alt_text(case, leaflets: Built):
    c, _ed, path = case
    url = c.source_url or leaflets.content.site.website
    with pikepdf.open(path) as pdf:
        alts = _struct_alts(pdf)
    assert labels(c.lang)["qr_alt"].format(url=url) in alts


# --------------------------------------------------------------------------- fonts


@slow
def test_every_font_embedded_and_only_the_shipped_typeface(case):
    _c, _ed, path = case
    with pikepdf.open(path) as pdf:
        fonts = {}
        for page in pdf.pages:
            for _, font in page.Resources.get("/Font", {}).items():
                descendants = font.get("/DescendantFonts")
                descriptor = (descendants[0] if descendants else font).FontDescriptor
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(font.BaseFont)] = embedded
    assert fonts
    assert all(fonts.values()), fonts
    for name in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+[\w-]*Atkinson-Hyperlegible(-\w+)?", name), name


# --------------------------------------------------------------------------- print rules


@slow
def test_text_sizes_clear_print_and_large_print(case):
    _c, ed, path = case
    body = 12 if ed == "standard" else 18
    with pdfplumber.open(path) as pdf:
        sizes = [round(ch["size"], 1) for page in pdf.pages for ch in page.chars if ch["text"].strip()]
    assert min(sizes) >= body, "every character is at least body size (labels, page numbers)"
    assert Counter(sizes).most_common(1)[0][0] == body, "body text is the most common size"
    assert min(sizes) >= (12 if ed == "standard" else 16)


@slow
def test_large_print_never_ends_a_line_with_a_hyphen(leaflets: Built):
    for _c, ed, path in leaflets.cases():
        if ed != "large":
            continue
        for line in _lines(path):
            assert not line.rstrip().endswith(("-", "\u00ad", "\u2010")), (path.name, line)


@slow
def test_standard_edition_is_hyphenated_with_pyphen(leaflets: Built):
    """Auto hyphenation is on: at least one line of the standard leaflets ends in a word break."""
    broken = []
    for _c, ed, path in leaflets.cases():
        if ed == "standard":
            broken += [line for line in _lines(path) if re.search(r"\w-$", line)]
    assert broken


@slow
def test_extracted_text_contains_every_paragraph(case):
    """Every paragraph of the content is in the PDF's text.

    Large print: exactly (whitespace-normalised). Standard print is
    hyphenated, so a word may be split as ``neuro-`` + line break +
    ``vascular``; only that (a hyphen and a line break inside a word, or a
    line break after a real hyphen) is allowed between characters. The
    running footer is a pagination artifact, so it is not content text and
    does not interrupt a paragraph that crosses a page break.
    """
    c, ed, path = case
    text = _content_text(path).replace("\u00ad", "")
    flat = _norm(text)
    for paragraph in _paragraphs(c):
        if ed == "large":
            assert paragraph in flat, paragraph
            continue
        pattern = []
        for a, b in zip(paragraph, paragraph[1:] + " ", strict=False):
            if a == " ":
                pattern.append(r"\s+")
            else:
                pattern.append(re.escape(a))
                if a.isalpha() and b.isalpha():
                    pattern.append(r"(?:-\n)?")
                elif a == "-":
                    pattern.append(r"\n?")
        assert re.search("".join(pattern), text), paragraph


@slow
def test_same_input_gives_the_same_bytes(leaflets: Built, monkeypatch):
    (c,) = [c for c in leaflets.conditions if c.lang == "en"]
    ctx = context(leaflets.root)
    first = write_leaflet(c, leaflets.content.site, edition("standard"), ctx)
    second = write_leaflet(c, leaflets.content.site, edition("standard"), context(leaflets.root))
    assert first == second
    assert first == leaflets.path(c, "standard").read_bytes()


@slow
def test_the_page_stamps_change_nothing_in_the_pdf(leaflets: Built):
    """Laid out without the page stamps (a PDF alone is wanted), the leaflet is the same PDF."""
    from benech_publish.braille.printpages import leaflet_layout
    from benech_publish.errors import RenderError
    from benech_publish.writers.leaflet import lay_out_leaflet, leaflet_pdf

    site = leaflets.content.site
    for c in leaflets.conditions:
        ed = edition("standard")
        ctx = context(leaflets.root)
        stamped = lay_out_leaflet(c, site, ed, ctx)
        plain = lay_out_leaflet(c, site, ed, ctx, stamp=False)
        assert stamped.stamp is not None and stamped.stamp.blocks
        assert plain.stamp is None
        assert plain.identifier == stamped.identifier
        assert plain.layout.page_count == stamped.layout.page_count
        assert leaflet_pdf(c, site, plain, ctx) == leaflet_pdf(c, site, stamped, ctx)
        with pytest.raises(RenderError, match="page stamps"):
            leaflet_layout(plain, c, ed)


# --------------------------------------------------------------------------- options


@slow
def test_a5_option_and_configurable_large_print_size(leaflets: Built):
    (c,) = [c for c in leaflets.conditions if c.lang == "it"]
    options = Options(paper="A5", large_print_pt=24)
    ctx = context(leaflets.root, options)
    a5 = write_leaflet(c, leaflets.content.site, edition("standard", options), ctx)
    with pikepdf.open(__import__("io").BytesIO(a5)) as pdf:
        width, height = [float(v) for v in pdf.pages[0].MediaBox[2:]]
    assert (round(width), round(height)) == (420, 595)  # A5 in points
    large = write_leaflet(c, leaflets.content.site, edition("large", options), ctx)
    with pdfplumber.open(__import__("io").BytesIO(large)) as pdf:
        sizes = [round(ch["size"], 1) for p in pdf.pages for ch in p.chars if ch["text"].strip()]
        width = float(pdf.pages[0].width)
    assert min(sizes) >= 24 and Counter(sizes).most_common(1)[0][0] == 24
    assert round(width) == 595  # large print is always A4


@slow
def test_pdf_ua_2_option(leaflets: Built):
    (c,) = [c for c in leaflets.conditions if c.lang == "en"]
    options = Options(pdf_variant="pdf/ua-2")
    data = write_leaflet(c, leaflets.content.site, edition("standard", options), context(leaflets.root, options))
    assert data.startswith(b"%PDF-2.0")
    with pikepdf.open(__import__("io").BytesIO(data)) as pdf:
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "2"


# --------------------------------------------------------------------------- units (fast)


def test_hyphenation_exceptions_override_pyphen():
    from benech_publish.typeset import hyphenation

    assert hyphenation.hyphenate("neurovascular", "en") == "neu-ro-vas-cu-lar"
    assert hyphenation.hyphenate("Botulinum", "en") == "Bot-u-li-num"
    assert hyphenation.hyphenate("baclofen", "en") == "baclofen"  # never broken
    assert hyphenation.hyphenate("elettroencefalogramma", "it") == "elet-tro-en-ce-fa-lo-gram-ma"
    assert hyphenation.hyphenate("intermittent", "en") == "in-ter-mit-tent"  # pyphen's own
    for lang in ("en", "it"):
        assert hyphenation.exceptions(lang), f"exception list for {lang} is loaded"
    with pytest.raises(ValueError, match="x.txt:2"):
        hyphenation.parse_exceptions("ok-word\nbad word\n", "x.txt")


def test_exception_words_are_marked_outside_headings_links_and_other_languages():
    from lxml import etree

    from benech_publish.typeset import hyphenation

    root = etree.fromstring(
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><body>'
        "<h2>Neurovascular</h2><p>A neurovascular <em>conflict</em>, "
        '<span lang="it">neurovascular</span>, <a href="#x">neurovascular</a>.</p></body></html>'
    )
    assert hyphenation.apply_exceptions(root, "en") == 1
    spans = root.findall(".//{http://www.w3.org/1999/xhtml}span[@class='hyph-x']")
    assert [s.text for s in spans] == ["neu\u00adro\u00advas\u00adcu\u00adlar"]


def test_language_without_dictionary_is_a_notice_not_a_crash(tmp_path):
    from benech_publish.typeset import hyphenation

    support = hyphenation.support("zz")
    assert not support.available and "'zz'" in support.message
    assert hyphenation.support("it").available and hyphenation.support("en-GB").available
    writer = context(tmp_path).typesetter
    xhtml = (
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="zz"><head><title>t</title></head>'
        '<body><p>Zzz \u2192 zz.</p><span class="toc-page" data-ref="#a"></span></body></html>'
    )
    prepared = writer.prepare(xhtml, hyphenate=True, where="zz/x.md")
    assert any(n.startswith("zz/x.md: no hyphenation dictionary") for n in writer.notices)
    assert any("U+2192" in n for n in writer.notices), "a character the typeface lacks is reported"
    assert '<span class="toc-page" data-ref="#a"></span>' in prepared  # not self-closed
    writer.prepare(xhtml, hyphenate=False, where="zz/x.md")  # not hyphenated: no new notice
    assert len(writer.notices) == 2


def test_web_addresses_break_only_after_slashes(tmp_path):
    writer = context(tmp_path).typesetter
    xhtml = (
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><body><dl>'
        '<dt>Website</dt><dd><a href="https://a-b.it/x-y/">https://a-b.it/x-y/</a></dd>'
        "</dl></body></html>"
    )
    prepared = writer.prepare(xhtml, hyphenate=False)
    assert 'aria-label="Website: https://a-b.it/x-y/"' in prepared
    # never after a dot ("www." at a line end reads like a full stop) nor a hyphen
    assert (
        '<span class="nobr">https:/</span><wbr/><span class="nobr">/</span><wbr/>'
        '<span class="nobr">a-b.it/</span><wbr/>'
        '<span class="nobr">x-y/</span>'
    ) in prepared


def test_shipped_fonts_and_localized_footer():
    from benech_publish.typeset import fonts, page_of_css

    assert all(face.path.is_file() for face in fonts.FACES)
    assert fonts.missing_characters("àèéìòù ÀÈÉÌÒÙ «perché?» – 85% · ’") == []
    assert fonts.FAMILY in fonts.font_css() and "sans-serif" not in fonts.font_css()
    assert page_of_css("Page {n} of {m}") == '"Page " counter(page) " of " counter(pages)'
    assert page_of_css("Pagina {n} di {m}") == '"Pagina " counter(page) " di " counter(pages)'


def test_print_css_uses_only_site_colours(tmp_path):
    colours = m.Colours(primary="#123456", text="#010203", background="#fefdfc", accent="#eeeeef", muted="#404142")
    site = m.Site(name="Clinic", colours=colours)
    ctx = context(tmp_path)
    for name in ("standard", "large"):
        css = ctx.print_stylesheets(edition(name), site, "it")[1]
        used = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b", css)}
        assert used <= {colours.primary, colours.text, colours.background, colours.accent, colours.muted}, used
        assert not re.search(r"\b(rgb|hsl)a?\(|(?<![-\w])(black|white|gray|grey)(?![-\w])", css)
        assert '"Pagina " counter(page)' in css


@slow
def test_large_print_never_ends_a_line_inside_an_address_at_a_dot_and_has_no_underlines(shipped_out):
    import pypdfium2 as pdfium

    content = load_content(PROJECT / "content")
    addresses = {a for c in content.conditions for a in (c.source_url, content.site.website) if a}
    addresses |= {content.site.contacts.website, content.site.contacts.email} - {""}
    assert addresses
    for pdf in sorted((shipped_out / "pdf").rglob("*.large.pdf")):
        doc = pdfium.PdfDocument(pdf)
        for index in range(len(doc)):
            for line in doc[index].get_textpage().get_text_range().splitlines():
                last = line.strip().split(" ")[-1] if line.strip() else ""
                assert not last.endswith("www."), (pdf.name, line)
                if last.endswith("."):
                    assert not any(a.startswith(last) or f"//{last}" in a for a in addresses if len(last) > 4), (
                        pdf.name,
                        line,
                    )
    from benech_publish import Renderer
    from benech_publish.writers import Context

    ctx = Context(Renderer(), Options(), PROJECT / "content", CREATED)
    large_css = "\n".join(ctx.print_stylesheets(edition("large"), content.site, "en"))
    decorations = re.findall(r"(?:^|[\s,}])a \{[^}]*text-decoration: (\w+)", large_css)
    assert decorations and decorations[-1] == "none", decorations  # the last rule wins


# --------------------------------------------------------------------------- audit gate

_NO_ALT_IMAGE = (
    '<img src="data:image/svg+xml;charset=utf-8,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22'
    ' width=%2210%22 height=%2210%22%3E%3Crect width=%2210%22 height=%2210%22/%3E%3C/svg%3E"/>'
)


def _template_with_a_defect(tmp_path: Path) -> Path:
    """A user template that puts an image without a text alternative into every leaflet."""
    from benech_publish.overrides import PACKAGE_TEMPLATES

    templates = tmp_path / "templates"
    templates.mkdir()
    source = (Path(PACKAGE_TEMPLATES) / "leaflet.xhtml").read_text(encoding="utf-8")
    (templates / "leaflet.xhtml").write_text(
        source.replace('<div class="leaflet-body">', f'<div class="leaflet-body">{_NO_ALT_IMAGE}', 1), encoding="utf-8"
    )
    return templates


@slow
def test_a_leaflet_failing_its_audit_is_not_written_under_strict(tmp_path):
    templates = _template_with_a_defect(tmp_path)
    options = Options(
        formats=("pdf",), languages=("en",), editions=("standard",), templates=templates, include_drafts=True
    )  # content/en is a draft
    with pytest.raises(BuildError) as caught:
        build(PROJECT / "content", tmp_path / "strict", options.with_(strict=True))
    report = caught.value.report
    # The leaflet (its template has the defect) is refused; the booklet is fine.
    assert [p.name for p in (tmp_path / "strict").rglob("*.pdf")] == ["booklet.pdf"]
    assert any("not written: its PDF audit found" in f.message for f in report.failures)

    # Without strict: written, and the build summary marks it.
    report = build(PROJECT / "content", tmp_path / "lax", options)
    written = [p for p in report.written if p.suffix == ".pdf"]
    assert written
    marked = [n for n in report.notices if "FAILS ITS PDF AUDIT" in n]
    assert all(any(str(p) in n for n in marked) for p in written if "booklet" not in p.name)


def test_a_wrapped_address_is_read_whole_without_zero_width_spaces(tmp_path):
    """An address broken at its <wbr> points over lines is read once, as printed,
    with no U+200B (WeasyPrint's character for <wbr>) in what a screen reader gets."""
    from benech_publish.audit.structure import read_structure

    url = "https://www.example-clinic.it/patient-information/neurosurgery/conditions/facial-hemispasm/"
    xhtml = (
        '<html xmlns="http://www.w3.org/1999/xhtml" lang="en"><head><title>t</title></head><body>'
        f'<p style="width: 30mm">Read it at <a href="{url}">{url}</a> today.</p></body></html>'
    )
    ts = context(tmp_path).typesetter
    layout = ts.layout(xhtml, [], hyphenate=False)
    data = ts.write_pdf(layout, identifier="wrapped-address")
    structure = read_structure(data)
    text = structure.tree_text()
    assert "\u200b" not in text
    assert url in text.replace(" ", "") and f"at {url} today" in " ".join(text.split()), text
