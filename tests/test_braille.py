"""The braille edition (BRF + PEF) with the real liblouis: words, pages, contents, PEF, print pages.

liblouis missing: skipped locally with the reason, a failure under CI=true
(tests/validators.py). See docs/braille.md.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from benech_publish import model as m
from benech_publish.braille.liblouis import unavailable_reason
from conftest import GOLDEN, PROJECT, ROOTS, check_golden
from validators import require_tool

REASON = unavailable_reason()


@pytest.fixture(autouse=True)
def _liblouis() -> None:
    require_tool(
        "liblouis",
        not REASON and shutil.which("lou_translate") is not None,
        REASON or "lou_translate not found (apt-get install liblouis-bin)",
    )


def _content(root: Path) -> m.Content:
    from benech_publish.loader import load

    return load(root).content


def _writer(content: m.Content):
    from benech_publish.braille import BrailleWriter

    return BrailleWriter(content.site)


def condition_text(c: m.Condition) -> str:
    """Every word a reader of the condition gets: title, summary, headings, blocks, alt texts."""
    parts = [c.title, c.summary]
    for s in c.walk():
        parts.append(s.heading)
        for block in m.iter_blocks(s.blocks):
            for inlines in m.block_inlines(block):
                parts.append(m.plain_text(inlines))
            if isinstance(block, m.Figure) and not block.decorative:
                parts.append(block.alt)
    return " ".join(parts)


def pieces(text: str) -> str:
    """Split after / . - @ as well as at spaces: a long address is divided across lines."""
    return re.sub(r"([/.\-@\u00ad])", r"\1 ", text)


def lou_back(brf: Path, tables: str) -> str:
    """docs/braille.md's check of a BRF, run as a user runs it, with ``sh``::

        sed 's/\\\\/\\\\\\\\/g' FILE.brf | tr -d '\\f\\r' | lou_translate -b en-us-brf.dis,<tables>

    (the backslash is lou_translate's escape character; shipped tables by their path).
    """
    from benech_publish.braille.liblouis import resolve_tables

    table_list = ",".join(("en-us-brf.dis", *resolve_tables(tables)))
    command = (
        f"sed 's/\\\\/\\\\\\\\/g' {shlex.quote(str(brf))} | tr -d '\\f\\r' | lou_translate -b {shlex.quote(table_list)}"
    )
    done = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=120, check=True)
    assert done.stderr == "", done.stderr
    return done.stdout


def _without_page_numbers(back: str, lines: int) -> str:
    """The read-back text without the numbers at the right of each page's first and last line.

    ``lou_translate`` keeps the BRF's lines, ``lines`` to a page: the print
    page number (first line) and the braille page number (last line) stand
    after two spaces or more.
    """
    rows = back.split("\n")
    return "\n".join(
        re.sub(r" {2,}\S+$", "", row) if n % lines in (0, lines - 1) else row for n, row in enumerate(rows)
    )


def _words(text: str) -> Counter[str]:
    """Words (letters and digits) of a text, lower-cased, counted."""
    return Counter(w.lower() for w in re.findall(r"\w+", text))


def _built(root: Path, out: Path) -> m.Content:
    """``benech-publish build --format braille --include-drafts`` of ``root`` into ``out``."""
    from benech_publish import Options, build

    build(root, out, Options(formats=("braille",), include_drafts=True))
    return _content(root)


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize("root", [PROJECT / "content", ROOTS / "basic", ROOTS / "booklet"], ids=lambda p: p.name)
def test_lou_translate_of_every_built_brf_gives_back_every_word(root: Path, tmp_path: Path) -> None:
    """Done when: `lou_translate -b` of each BRF gives back the condition's words.

    Every built BRF (leaflets and booklets, Italian and English) is read back
    with docs/braille.md's command and compared word by word, in order, with
    the text of the braille edition (title page, headings, paragraphs, table
    rows, transcriber's notes): nothing may differ but case, and for
    contracted English what a contraction makes ambiguous (``cc`` for ``:``).
    Italian gets no allowance. Every word of the condition itself (title,
    summary, headings, text, alt texts) must be there too.
    """
    from benech_publish.braille.fidelity import compare
    from benech_publish.braille.liblouis import Translator

    content = _built(root, tmp_path / "out")
    writer = _writer(content)
    checked = []
    for lang in ("it", "en"):
        conditions = list(content.in_language(lang))
        if not conditions:
            continue
        tables = content.site.braille.tables[lang]
        translator = Translator(tables)
        publications = [(c.slug, [c], lambda c=c: writer.leaflet(c)) for c in conditions]
        booklet = tmp_path / "out" / "braille" / lang / "booklet.brf"
        if booklet.exists():
            publications.append(("booklet", conditions, lambda: writer.booklet(conditions, lang)))
        for slug, about, make in publications:
            brf = tmp_path / "out" / "braille" / lang / f"{slug}.brf"
            back = _without_page_numbers(lou_back(brf, tables), content.site.braille.lines)
            make()
            assert writer.last is not None
            source = " ".join(block.text for block, cells in writer.last.blocks if cells)
            missing = compare(pieces(source), pieces(back), translator)
            assert missing == [], f"{brf.name} ({lang}): {missing[:5]}"
            assert translator.contracted == (lang == "en")
            words = _words(" ".join(condition_text(c) for c in about))
            lost = words - _words(back)
            assert not lost, f"{brf.name} ({lang}): {sorted(lost)[:10]}"
            checked.append((lang, slug, sum(words.values())))
    assert {lang for lang, _, _ in checked} == {"it", "en"} or root.name == "booklet", checked


def test_italian_numbers_letters_and_signs_read_back() -> None:
    """benech-it.utb: Italian 6-dot braille (Codice Braille, Monza) that liblouis 3.24 reads back.

    liblouis 3.24's own it-it-comp6.utb read every a-j as a digit ("5m9sp1smo"
    for "emispasmo"); the cells here are those of the Italian code.
    """
    from benech_publish.braille.fidelity import compare
    from benech_publish.braille.liblouis import BOLD, ITALIC, Translator

    t = Translator("benech-it.utb")
    cases = {
        "emispasmo": "⠑⠍⠊⠎⠏⠁⠎⠍⠕",
        "3-6 mesi": "⠼⠉⠤⠼⠋⠀⠍⠑⠎⠊",  # number sign before each number
        "l'85%": "⠇⠄⠼⠓⠑⠼⠴",
        "3a": "⠼⠉⠸⠁",  # a letter a-j after a number takes dots 4-5-6
        "10,5 e 8.531": "⠼⠁⠚⠂⠑⠀⠑⠀⠼⠓⠄⠑⠉⠁",
        "(RM)": "⠶⠨⠨⠗⠍⠶",  # parentheses 2-3-5-6, capitals 4-6 (4-6 4-6 for a word)
        "È così, più": "⠨⠮⠀⠉⠕⠎⠌⠂⠀⠏⠊⠾",
        "Città": "⠨⠉⠊⠞⠞⠷",
        "À": "⠨⠷",
        "un po' di": "⠥⠝⠀⠏⠕⠄⠀⠙⠊",
        "nel 2025.": "⠝⠑⠇⠀⠼⠃⠚⠃⠑⠲",
        "1. Primo": "⠼⠁⠲⠀⠨⠏⠗⠊⠍⠕",
        "e/o": "⠑⠌⠕",
        "2/3": "⠼⠃⠲⠼⠉",
        "https://clinica.example/a-b_c": "⠓⠞⠞⠏⠎⠒⠌⠌⠉⠇⠊⠝⠊⠉⠁⠲⠑⠭⠁⠍⠏⠇⠑⠌⠁⠤⠃⠸⠉",
        "\u201cDott.\u201d": "⠦⠨⠙⠕⠞⠞⠲⠴",
    }
    for text, cells in cases.items():
        assert t.translate(text)[0] == cells, text
        back = t.back_translate(cells)
        assert back == text or t.fold(back) == t.fold(text), (text, back)
        assert compare(text, back, t) == []
    for ch in "-\u2013\u2014\u201c\u201d\u2018\u2019\u2011\u2022ÀÉÌÒÙàèéìòù€%°":
        assert not t.is_undefined(ch), ch
    # Emphasis indicators (bold 2356-456 ... 456-2356) are read back as nothing.
    for flag in (BOLD, ITALIC):
        text = "molto bene, il 30 (poco)"
        cells = t.translate(text, [flag] * 5 + [0] * (len(text) - 5))[0]
        assert cells != t.translate(text)[0]
        assert t.back_translate(cells) == text
    # A number is never read back as letters, nor letters as a number.
    assert t.back_translate(t.translate("5 e")[0]) == "5 e"
    # The check is strict for Italian: "5" read back as "e" (liblouis 3.24's own table) is a loss;
    # typographic quotes read back straight are not (the same cells).
    assert compare("5 anni", "e anni", t) == ["5 (braille reads back as 'e')"]
    assert compare("emispasmo", "5m9sp1smo", t) != []
    assert compare("\u201cDott.\u201d", '"Dott."', t) == []
    assert not t.contracted


_it_plain = st.text(alphabet="abcdefghilmnopqrstuvz", min_size=1, max_size=10)
_it_word = st.one_of(
    _it_plain,
    _it_plain.map(str.capitalize),
    _it_plain.map(str.upper),
    st.integers(0, 10**7).map(str),
    st.tuples(st.integers(0, 999), st.integers(0, 99)).map(lambda p: f"{p[0]},{p[1]}"),  # decimals
    st.integers(1000, 999999).map(lambda n: f"{n:,}".replace(",", ".")),  # thousands
    st.tuples(st.integers(0, 99), st.sampled_from("abcdefghij")).map(lambda p: f"{p[0]}{p[1]}"),
    st.integers(0, 100).map(lambda n: f"{n}%"),
    _it_plain.map(lambda w: "l'" + w),
    _it_plain.map(lambda w: "dell'" + w),
    st.sampled_from(
        [
            "po'",
            "così",
            "più",
            "perché",
            "città",
            "È",
            "lunedì",
            "e/o",
            "3-6",
            "2/3",
            "1.",
            "(RM)",
            "“Dott.”",
            "https://www.clinica.example/a-b",
            "info@clinica.example",
            "10:30",
            "n. 5",
            "pag. 12-14",
            "À",
            "però",
            "l’ospedale",
            "e-mail",
        ]
    ),
)
_it_token = st.one_of(
    st.tuples(_it_word, st.sampled_from(["", "", "", ",", ".", ";", ":", "?", "!"])).map("".join),
    _it_word.map(lambda w: f"({w})"),
    _it_word.map(lambda w: f'"{w}"'),
    st.sampled_from(["–", "—", "a—b"]),  # dashes (alone: "(—)" is the bold indicator 2356-456 and "-")
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(st.tuples(_it_token, st.sampled_from([0, 0, 0, 1, 2])), min_size=1, max_size=8))
def test_italian_text_reads_back_exactly(tokens: list[tuple[str, int]]) -> None:
    """Hard Italian text (numbers, letters after numbers, %, elisions, parentheses, quotes,
    accents, addresses, emphasis) translated with benech-it.utb reads back word for word."""
    from benech_publish.braille.fidelity import compare
    from benech_publish.braille.liblouis import BOLD, ITALIC, Translator

    t = Translator("benech-it.utb")
    text = " ".join(w for w, _ in tokens)
    typeform: list[int] = []
    for n, (w, emphasis) in enumerate(tokens):
        typeform += [(0, ITALIC, BOLD)[emphasis]] * len(w) + ([0] if n < len(tokens) - 1 else [])
    cells = t.translate(text, typeform)[0]
    plain = t.translate(text)[0]
    assert compare(text, t.back_translate(plain), t) == []
    assert compare(text, t.back_translate(cells), t) == []


def test_a_lost_word_is_a_finding_naming_condition_and_section() -> None:
    from benech_publish.braille.fidelity import compare
    from benech_publish.braille.liblouis import Translator

    t = Translator("en-ueb-g2.ctb")
    assert compare("the facial nerve", "the nerve", t) == ["facial (missing)"]
    assert compare("the facial nerve", "the fecial nerve", t)
    # A contraction read back another way is not a loss: ':' and 'cc' are both dots 2-5.
    assert compare("https://x.example", "httpscc//x.example", t) == []


def test_an_undefined_character_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    alpha = root / "en" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("Medicines help most people.", "Medicines help most people \u2603."))
    content = _content(root)
    writer = _writer(content)
    c = next(c for c in content.conditions if c.id == "alpha" and c.lang == "en")
    writer.leaflet(c)
    found = [str(f) for f in writer.findings]
    assert any("U+2603" in f and "Medicines" in f and "alpha.md" in f for f in found), found


# --------------------------------------------------------------------------- pages


def _pages_of_brf(data: bytes) -> list[list[str]]:
    text = data.decode("ascii")
    assert text.endswith("\r\n\f")
    return [page.split("\r\n")[:-1] for page in text.split("\f")[:-1]]


def test_shipped_brf_geometry(shipped_out: Path) -> None:
    """No line over 40 cells, no page over 25 lines, ASCII braille only, for every BRF."""
    files = sorted((shipped_out / "braille").rglob("*.brf"))
    names = {p.relative_to(shipped_out / "braille").as_posix() for p in files}
    assert names == {"en/booklet.brf", "en/facial-nerve-hemispasm.brf", "it/booklet.brf", "it/emispasmo-facciale.brf"}
    assert {p.with_suffix(".pef") for p in files} == set((shipped_out / "braille").rglob("*.pef"))
    for path in files:
        pages = _pages_of_brf(path.read_bytes())
        assert len(pages) >= 3
        for page in pages:
            assert len(page) == 25, path
            for line in page:
                assert len(line) <= 40, (path, line)
                assert all(0x20 <= ord(c) <= 0x5F for c in line), (path, line)


words = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd")), min_size=1, max_size=70)
hard = st.sampled_from(
    [
        "neurovascular",
        "space-occupying",
        "3-6",
        "85%",
        "(sedation).",
        "https://www.example.org/a/very/long/address/that/never/fits/on/one/line/",
        "x" * 95,
        "e-mail:",
        "“quoted”",
        "l’ospedale",
        "già",
        "perché",
    ]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    paragraphs=st.lists(st.lists(st.one_of(words, hard), min_size=1, max_size=60), min_size=1, max_size=12),
    cells=st.integers(min_value=20, max_value=44),
    lines=st.integers(min_value=10, max_value=28),
    lang=st.sampled_from(["en", "it"]),
)
def test_any_text_fits_the_page(paragraphs: list[list[str]], cells: int, lines: int, lang: str) -> None:
    from benech_publish.braille.document import leaflet
    from benech_publish.braille.fidelity import structure
    from benech_publish.braille.layout import Geometry, lay_out
    from benech_publish.braille.translate import Codes, join

    blocks: tuple[m.Block, ...] = tuple(m.Paragraph((m.Text(" ".join(p)),)) for p in paragraphs)
    long_cell = (m.Text(" ".join(paragraphs[0])),)
    nested = m.BulletList(
        (m.ListItem((m.Paragraph(long_cell), m.NumberedList((m.ListItem((m.Paragraph(long_cell),)),)))),)
    )
    table = m.Table(
        ((m.Cell((m.Text("Head " * 6),), header=True), m.Cell((m.Text("B"),), True)),),
        ((m.Cell(long_cell), m.Cell((m.Text("x"),))),),
        caption=long_cell,
    )
    note = m.Note("warning", (m.Paragraph(long_cell), nested))
    blocks = (*blocks, nested, table, note, m.Figure("a.png", " ".join(paragraphs[-1])))
    sections = (m.Section("uno", "Heading " + "long " * 12, 2, blocks[:1], (m.Section("due", "Sub", 3, blocks[1:]),)),)
    c = m.Condition("x", "x", lang, "Title " * 9, "A summary.", sections, status="approved")
    site = m.Site(name="Clinic")
    codes = Codes(lang, m.DEFAULT_BRAILLE_TABLES)
    geometry = Geometry(cells, lines)
    laid = lay_out(leaflet(c, site, identifier="x"), codes, geometry)
    assert structure(laid.pages, geometry, "x") == []
    # Nothing is lost between translation and pages: the body pages (without their number
    # lines) hold exactly the cells of the body's blocks, in order.
    body = [p for p in laid.pages if p.number >= laid.body_start]
    on_pages = "".join(line for p in body for line in p.lines[1:-1]).replace("\u2800", "")
    assert on_pages == "".join(join(ws) for _, ws in laid.blocks).replace("\u2800", "")


# --------------------------------------------------------------------------- contents


def _find(pages, cells: str) -> list[int]:
    return [
        p.number
        for p in pages
        if any(line.strip("\u2800").startswith(cells) or line.strip("\u2800") == cells for line in p.lines)
    ]


@pytest.mark.parametrize(
    "root,lang", [(PROJECT / "content", "en"), (PROJECT / "content", "it"), (ROOTS / "booklet", "en")]
)
def test_contents_page_lists_every_section_with_its_braille_page(root: Path, lang: str) -> None:
    content = _content(root)
    writer = _writer(content)
    conditions = content.in_language(lang)
    for c in conditions:
        writer.leaflet(c)
        laid = writer.last
        assert laid is not None
        headings = [s.heading for s in c.walk()]
        entries = laid.contents
        codes = writer.codes(lang)
        texts = [e.text for e in entries]
        for heading in headings:
            cells = codes.cells(heading)
            assert cells in texts, heading
        for e in entries:
            body = [p for p in laid.pages if p.number >= e.page]
            first = next(p for p in laid.pages if p.number == e.page)
            assert any(e.text in line for line in first.lines), (e, "heading not on its page")
            assert body
        # The contents page shows each entry with its page number at the right margin.
        contents_pages = [p for p in laid.pages if 1 < p.number < min(e.page for e in entries)]
        shown = "\n".join(line for p in contents_pages for line in p.lines)
        for e in entries:
            assert codes.cells(str(e.page)) in shown
    writer.booklet(conditions, lang)
    laid = writer.last
    assert laid is not None
    for c in conditions:
        for s in c.walk():
            assert writer.codes(lang).cells(s.heading) in [e.text for e in laid.contents]


# --------------------------------------------------------------------------- PEF


PEF = "{http://www.daisy.org/ns/2008/pef}"
DC = "{http://purl.org/dc/elements/1.1/}"


def test_pef_structure_and_metadata(shipped_out: Path) -> None:
    from benech_publish.braille.liblouis import version

    for path in sorted((shipped_out / "braille").rglob("*.pef")):
        root = etree.parse(str(path)).getroot()
        assert root.tag == f"{PEF}pef" and root.get("version") == "2008-1"
        meta = root.find(f"{PEF}head/{PEF}meta")
        assert meta is not None
        values = {el.tag.removeprefix(DC): el.text for el in meta}
        assert values["format"] == "application/x-pef+xml"
        assert values["identifier"].startswith("urn:benech:braille:")
        assert values["language"] == path.parent.name
        assert values["title"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", values["date"])
        assert f"liblouis {version()}" in values["description"]
        assert "PDF" in values["source"]
        volumes = root.findall(f"{PEF}body/{PEF}volume")
        assert len(volumes) == 1
        cols, rows = int(volumes[0].get("cols")), int(volumes[0].get("rows"))
        assert (cols, rows) == (40, 25) and volumes[0].get("duplex") == "false"
        pages = volumes[0].findall(f"{PEF}section/{PEF}page")
        brf_pages = _pages_of_brf(path.with_suffix(".brf").read_bytes())
        assert len(pages) == len(brf_pages)
        for page, brf_page in zip(pages, brf_pages, strict=False):
            row_els = page.findall(f"{PEF}row")
            assert len(row_els) == rows
            for row, brf_line in zip(row_els, brf_page, strict=False):
                text = row.text or ""
                assert len(text) <= cols and all("\u2801" <= c <= "\u28ff" or c == "\u2800" for c in text)
                assert len(text) == len(brf_line)


# --------------------------------------------------------------------------- golden


def test_golden_brf_of_a_test_root_condition(update_golden: bool) -> None:
    """Reviewed by hand: tests/golden/braille/alpha.en.brf (see docs/braille.md)."""
    from benech_publish.braille.layout import PrintLayout, PrintRegion, PrintStart

    content = _content(ROOTS / "basic")
    c = next(c for c in content.conditions if c.id == "alpha" and c.lang == "en")
    writer = _writer(content)
    # Print pages as plain data: page 1 starts at the top, page 2 at "tiredness".
    symptoms = "Symptomsheadachetiredness,oftenintheevening"
    layout = PrintLayout(
        (PrintRegion("document", "x"), PrintRegion("definizione", ""), PrintRegion("sintomi", symptoms)),
        (PrintStart(1, "document", 0), PrintStart(2, "sintomi", symptoms.index("tiredness"))),
        "test print",
    )
    data = writer.leaflet(c, layout)
    text = data["brf"].decode("ascii").replace("\r\n", "\n").replace("\f", "\f\n")
    check_golden(GOLDEN / "braille" / "alpha.en.brf", text, update_golden)
    assert writer.findings == []


def test_golden_italian_brf_of_a_test_root_condition(update_golden: bool) -> None:
    """Reviewed by hand: tests/golden/braille/alfa.it.brf, Italian 6-dot braille (benech-it.utb)."""
    content = _content(ROOTS / "basic")
    c = next(c for c in content.conditions if c.id == "alpha" and c.lang == "it")
    writer = _writer(content)
    data = writer.leaflet(c)
    text = data["brf"].decode("ascii").replace("\r\n", "\n").replace("\f", "\f\n")
    check_golden(GOLDEN / "braille" / "alfa.it.brf", text, update_golden)
    assert writer.findings == []


# --------------------------------------------------------------------------- build


def test_print_page_numbers_follow_the_pdf(tmp_path: Path) -> None:
    """Each print page marker in the braille stands before the first word of that PDF page."""
    import pypdfium2

    from benech_publish import Options, build

    out = tmp_path / "out"
    build(ROOTS / "booklet", out, Options(formats=("pdf", "braille"), editions=("standard",)))
    from benech_publish.braille.liblouis import Translator

    en = Translator("en-ueb-g2.ctb")
    checked = 0
    for brf in sorted((out / "braille" / "en").glob("*.brf")):
        pdf = pypdfium2.PdfDocument(out / "pdf" / "en" / brf.with_suffix(".pdf").name)
        lines = [line for page in _pages_of_brf(brf.read_bytes()) for line in page[1:-1]]
        for i, line in enumerate(lines):
            match = re.fullmatch(r"-+(#[A-J]+)", line)
            if not match:
                continue
            number = int(en.back_translate(_cells(match.group(1))))
            following = next(text for text in lines[i + 1 :] if text.strip())
            # The first word of the print text (a label such as "Caption:" is not print text).
            shown = [w for w in en.back_translate(_cells(following.strip())).split() if not w.endswith(":")]
            word = re.sub(r"\W", "", shown[0])
            page_text = pdf[number - 1].get_textpage().get_text_range().split()
            before = pdf[number - 2].get_textpage().get_text_range().split()

            # The running header (booklet chapter title) may come first on the PDF page. A
            # word hyphenated across two pages ("drowsi-" | "ness,") is marked before the
            # whole word (the pagelist.py rule); the PDF text shows it on the earlier page.
            def folded(ws: list[str]) -> list[str]:
                return [en.fold(re.sub(r"\W", "", w)) for w in ws]

            if en.fold(word) not in folded(page_text[:8]):
                following_word = re.sub(r"\W", "", shown[1])
                assert en.fold(word) in folded(before[-30:]), (brf.name, number, word)
                assert en.fold(following_word) in folded(page_text[:8]), (brf.name, number, word)
            checked += 1
    assert checked >= 3


def _cells(ascii_braille: str) -> str:
    """North American ASCII braille → Unicode braille (the 64 cells in BRF order)."""
    order = " A1B'K2L@CIF/MSP\"E3H9O6R^DJG>NTQ,*5<-U8V.%[$+X!&;:4\\0Z7(_?W]#Y)="
    return "".join(chr(0x2800 + order.index(ch)) for ch in ascii_braille)


def test_default_formats_leave_braille_out_with_a_note_when_liblouis_is_missing(tmp_path: Path):
    script = (
        "import sys, pathlib\n"
        "import benech_publish.braille.liblouis as l\n"
        "l.DEBIAN_BINDING = pathlib.Path('/nonexistent/louis/__init__.py')\n"
        "import importlib.util\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda n, *a: None if n == 'louis' else real(n, *a)\n"
        "from benech_publish.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    base = [
        sys.executable,
        "-c",
        script,
        "build",
        "--content",
        str(ROOTS / "basic"),
        "--out",
        str(tmp_path / "out"),
        "--variant",
        "standard",
        "--lang",
        "en",
    ]
    asked = subprocess.run([*base, "--format", "braille"], capture_output=True, text=True, timeout=300)
    assert asked.returncode == 2, asked.stderr
    assert "liblouis-bin liblouis-data python3-louis" in asked.stderr
    assert "Traceback" not in asked.stderr
    default = subprocess.run(base, capture_output=True, text=True, timeout=600)
    assert default.returncode == 0, default.stderr
    notes = [n for n in default.stderr.splitlines() if "braille" in n]
    assert len(notes) == 1 and notes[0].startswith("note: braille edition left out")
    assert not (tmp_path / "out" / "braille").exists()
    assert (tmp_path / "out" / "pdf" / "en" / "alpha.pdf").is_file()


def test_braille_settings_in_site_yaml_are_checked(tmp_path: Path) -> None:
    from benech_publish.loader import load

    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    site = root / "site.yaml"
    site.write_text(site.read_text() + "braille:\n  cells: 100\n  tables: {en: en-ueb-g1.ctb}\n  colour: red\n")
    result = load(root)
    messages = [str(d) for d in result.diagnostics]
    assert any("site.yaml:" in d and "braille 'cells' must be a whole number from 20 to 60" in d for d in messages), (
        messages
    )
    assert any("unknown braille setting 'colour'" in d for d in messages)
    assert result.content.site.braille.tables["en"] == "en-ueb-g1.ctb"
    assert result.content.site.braille.tables["it"] == m.DEFAULT_BRAILLE_TABLES["it"]


def test_uncontracted_english_and_a_bad_table_name(tmp_path: Path) -> None:
    from benech_publish import Options, build
    from benech_publish.errors import BuildError

    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    site = root / "site.yaml"
    site.write_text(site.read_text() + "braille:\n  tables: {en: en-ueb-g1.ctb, it: no-such.utb}\n")
    with pytest.raises(BuildError) as info:
        build(root, tmp_path / "out", Options(formats=("braille",), languages=("en", "it")))
    failures = [f.message for f in info.value.report.failures]
    assert failures and all("no-such.utb" in f for f in failures), failures
    g1 = (tmp_path / "out" / "braille" / "en" / "alpha.brf").read_bytes().decode("ascii")
    assert ",ALPHA ,SYNDROME" in g1 and " AND " in g1.replace("\r\n", " ")  # 'and' not contracted


def test_a_span_uses_its_own_language_table_and_addresses_are_uncontracted() -> None:
    from benech_publish.braille.document import Run
    from benech_publish.braille.liblouis import Translator
    from benech_publish.braille.translate import Codes, join, translate_runs

    codes = Codes("it", m.DEFAULT_BRAILLE_TABLES)
    ueb = Translator("en-ueb-g2.ctb")
    words = translate_runs(
        [Run("la tossina "), Run("and the", lang="en"), Run(" e il latino "), Run("morbus", lang="la")], codes
    )
    assert join(words[2:4]) == ueb.translate("and the")[0]  # contracted UEB inside Italian
    assert [w.lang for w in words] == ["it", "it", "en", "en", "it", "it", "it", "it"]
    # An address in English is written uncontracted ("www", "ch", "en" not contracted).
    en = Codes("en", m.DEFAULT_BRAILLE_TABLES)
    address = join(translate_runs([Run("www.bench.org/en/", literal=True)], en))
    assert address == ueb.translate("www.bench.org/en/", [0x1000] * 17)[0]
    assert address != ueb.translate("www.bench.org/en/")[0]


def test_incremental_braille_build(tmp_path: Path, capsys) -> None:
    from benech_publish.cli import main

    args = [
        "build",
        "--content",
        str(ROOTS / "basic"),
        "--out",
        str(tmp_path / "out"),
        "--format",
        "braille",
        "--incremental",
    ]
    for expected in ("8 file(s) written, 0 up to date", "0 file(s) written, 8 up to date"):
        with pytest.raises(SystemExit) as info:
            main(args)
        assert info.value.code == 0
        assert expected in capsys.readouterr().err


def test_the_leaflet_closing_region_is_the_print_closing_id() -> None:
    from benech_publish.braille.document import CLOSING_REGION
    from benech_publish.writers.leaflet import CLOSING_ID

    assert CLOSING_REGION == CLOSING_ID


def test_build_notes_name_condition_and_section_and_strict_fails(tmp_path: Path) -> None:
    from benech_publish import Options, build
    from benech_publish.errors import BuildError

    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    alpha = root / "en" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("Surgery is rarely needed.", "Surgery is rarely needed \u2603."))
    options = Options(formats=("braille",), languages=("en",))
    report = build(root, tmp_path / "out", options)
    notes = [n for n in report.notices if "braille:" in n]
    assert len(notes) == 2, report.notices  # the leaflet and the booklet
    assert all("alpha.md" in n and "section 'Surgery'" in n and "U+2603" in n for n in notes)
    assert notes[0].startswith(str(tmp_path / "out" / "braille" / "en"))
    with pytest.raises(BuildError) as info:
        build(root, tmp_path / "strict", options.with_(strict=True))
    assert any("U+2603" in f.message for f in info.value.report.failures)


def test_braille_is_made_from_the_pdf_layout_not_a_layout_of_its_own(tmp_path: Path, monkeypatch) -> None:
    """Every print document is laid out once, braille included: the braille leaflets and
    booklet take their print page numbers from the layout the PDF was written from."""
    from benech_publish import Options, build
    from benech_publish.typeset.engine import Typesetter

    laid: list[str] = []
    original = Typesetter.layout

    def counting(self, xhtml, stylesheets, **kwargs):  # type: ignore[no-untyped-def]
        laid.append(kwargs.get("where", ""))
        return original(self, xhtml, stylesheets, **kwargs)

    monkeypatch.setattr(Typesetter, "layout", counting)
    out = tmp_path / "out"
    report = build(ROOTS / "booklet", out, Options(formats=("pdf", "braille"), jobs=1, force=True))
    pdfs = [p for p in report.written if p.suffix == ".pdf"]
    brfs = [p for p in report.written if p.suffix == ".brf"]
    assert brfs and len(brfs) == len([p for p in pdfs if ".large" not in p.name])
    assert len(laid) == len(pdfs), laid  # one layout per PDF, none for braille
    laid.clear()
    build(ROOTS / "booklet", tmp_path / "braille-only", Options(formats=("braille",), jobs=1))
    assert len(laid) == len(brfs)  # braille alone: the standard edition laid out, no PDF written
    assert not list((tmp_path / "braille-only").glob("pdf/**/*.pdf"))
