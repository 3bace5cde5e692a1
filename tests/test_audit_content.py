"""The audit's two content-stream readers read the same: the line reader (pydyf's form, no
tokeniser) and qpdf's tokeniser (``audit/content.py``, ``audit/_lines.py``).

The line reader is what makes the build's audit cheap; it may only give up (qpdf then
reads the stream), never read differently. Checked on every page of the PDFs the
pipeline makes (where it must also be the reader that was used), on the PDF/UA defect
fixtures, on streams generated in pydyf's form and then damaged, and on hand-written
streams it must refuse."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pikepdf
import pydyf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benech_publish.audit._lines import line_events
from benech_publish.audit.content import (
    Font,
    PageContent,
    _hex_to_int,
    _hex_to_text,
    bfchar_pairs,
    qpdf_events,
    read_page,
)
from benech_publish.audit.structure import read_structure
from benech_publish.typeset import tags as pdf_tags
from conftest import ROOTS

DEFECTS = Path(__file__).parent / "roots" / "pdf-defects"


def _seen(content: PageContent) -> dict[str, Any]:
    found = dataclasses.asdict(content)
    del found["line_read"], found["qpdf_read"]
    return found


def _fonts(fonts: dict[Any, Font]) -> dict[Any, tuple[str, list[int]]]:
    return {key: (font.name, sorted(font.used)) for key, font in fonts.items()}


def assert_same_reading(data: bytes, *, line_read_only: bool) -> int:
    """Both readers give the same pages and fonts; returns the number of pages."""
    line = read_structure(data)
    general = read_structure(data, line_reader=False)
    assert [_seen(p) for p in line.pages] == [_seen(p) for p in general.pages]
    assert _fonts(line.fonts) == _fonts(general.fonts)
    if line_read_only:
        # Every stream the pipeline writes is in the line form: the fast reader is the one used.
        assert all(p.qpdf_read == 0 and p.line_read >= 1 for p in line.pages), [
            (p.line_read, p.qpdf_read) for p in line.pages
        ]
    return len(line.pages)


def test_every_pdf_of_the_shipped_content_reads_the_same(shipped_out: Path) -> None:
    pdfs = sorted(shipped_out.rglob("*.pdf"))
    assert len(pdfs) >= 6  # leaflets of both languages and editions, booklets
    pages = sum(assert_same_reading(p.read_bytes(), line_read_only=True) for p in pdfs)
    assert pages >= 20


@pytest.mark.parametrize("root", ["booklet", "basic"])
def test_every_pdf_of_the_test_roots_reads_the_same(root: str, tmp_path: Path) -> None:
    """Tables over pages, nested lists, figures (image XObjects), notes, both languages,
    both editions, an Italian leaflet with complete review data."""
    import datetime as dt

    from benech_publish import Options, build

    out = tmp_path / "out"
    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    report = build(ROOTS / root, out, Options(jobs=1, formats=("pdf",), include_drafts=True), created=created)
    assert not report.failures
    pdfs = sorted(out.rglob("*.pdf"))
    assert len(pdfs) >= 4
    for pdf in pdfs:
        assert_same_reading(pdf.read_bytes(), line_read_only=True)


@pytest.mark.parametrize("name", sorted(p.name for p in DEFECTS.glob("*.html")))
def test_the_repaired_defect_fixtures_read_the_same(name: str) -> None:
    from weasyprint import HTML

    document = HTML(string=(DEFECTS / name).read_text(encoding="utf-8"), base_url=str(DEFECTS) + "/").render()
    assert_same_reading(pdf_tags.write_pdf(document), line_read_only=True)


# ---------------------------------------------------------------------------
# Generated streams.

_FONT_CMAP = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfrange <0001> <005E> <0021> <0100> <0110> <00C0> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"""


def _pdf(content: bytes) -> pikepdf.Pdf:
    """A PDF of one page with ``content``, a two-byte font /F1 with a ToUnicode CMap, a simple font
    /F2 without, a named property list /P0, an image /Im0 and a form /Fm0 (that shows text)."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    page = pdf.pages[0]
    two_byte = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type0,
            BaseFont=pikepdf.Name("/Two"),
            ToUnicode=pdf.make_stream(_FONT_CMAP),
        )
    )
    simple = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name("/Simple"))
    )
    fonts = pikepdf.Dictionary(F1=two_byte, F2=simple)
    image = pdf.make_stream(b"\x00", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=1, Height=1)
    form = pdf.make_stream(
        b"/Span\n<</MCID 90>>\nBDC\nBT\n/F1 10 Tf\n[<0021>] TJ\nET\nEMC\n0 0 1 1 re\nf\n",
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Form,
        BBox=[0, 0, 10, 10],
        Resources=pikepdf.Dictionary(Font=fonts),
    )
    page.obj.Resources = pikepdf.Dictionary(
        Font=fonts,
        Properties=pikepdf.Dictionary(P0=pikepdf.Dictionary(MCID=77, ActualText=pikepdf.String("named"))),
        XObject=pikepdf.Dictionary(Im0=image, Fm0=form),
    )
    page.obj.Contents = pdf.make_stream(content)
    return pdf


def _both(content: bytes) -> tuple[PageContent, PageContent, bool]:
    pdf = _pdf(content)  # kept open while its page is read
    page = pdf.pages[0]
    line_fonts: dict[Any, Font] = {}
    general_fonts: dict[Any, Font] = {}
    line = read_page(page, line_fonts)
    general = read_page(page, general_fonts, line_reader=False)
    assert _fonts(line_fonts) == _fonts(general_fonts)
    return line, general, line.qpdf_read == 0


def _number(value: float) -> bytes:
    return pydyf.Array([value]).data[1:-1]  # pydyf's own number format


numbers = st.one_of(st.integers(-2000, 2000).map(float), st.floats(-2000, 2000, allow_nan=False)).map(_number)
#: Text as the tag repairs write it (no control characters: those are qpdf's to read) ...
texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
#: ... and any text.
any_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def marked(draw: st.DrawFn, texts: st.SearchStrategy[str] = texts) -> bytes:
    tag = draw(st.sampled_from([b"/Span", b"/P", b"/Artifact", b"/Figure"]))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return tag + b"\nBMC"
    if kind == 1:
        return tag + b"\n\nBMC"  # the tag repairs leave an empty line where a property list was
    if kind == 2:
        return tag + b"\n/P0\nBDC"
    props: dict[str, Any] = {"MCID": draw(st.integers(0, 40))}
    for key in draw(st.lists(st.sampled_from(["ActualText", "Lang", "Alt", "E"]), unique=True, max_size=3)):
        props[key] = pydyf.String(draw(texts))
    if draw(st.booleans()):
        props = {"Type": "/Pagination", "Subtype": "/Footer"} if tag == b"/Artifact" else props
    return tag + b"\n" + pydyf.Dictionary(props).data + b"\nBDC"


def _tj(codes: list[tuple[int, bytes]]) -> bytes:
    return b"[" + b"".join(b"<%04x>" % code + kern for code, kern in codes) + b"] TJ"


def lines_of(marks: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return st.one_of(marks, *_OTHER_LINES)


_OTHER_LINES = (
    st.just(b"EMC"),
    st.sampled_from([b"BT", b"ET", b"q", b"Q", b"n", b"W*", b"f", b"f*", b"S", b"h", b"T*", b"/Im0 Do", b"/Fm0 Do"]),
    st.sampled_from([b"/F1", b"/F2", b"/F9"]).map(lambda f: f + b" 12 Tf"),
    st.tuples(numbers, numbers).map(lambda n: b"1 0 0 -1 " + n[0] + b" " + n[1] + b" Tm"),
    st.tuples(numbers, numbers).map(lambda n: n[0] + b" " + n[1] + b" Td"),
    st.lists(st.tuples(st.integers(0, 0x120), st.sampled_from([b"", b"0", b"-26", b"0.5", b"12"])), max_size=6).map(
        _tj
    ),
    st.binary(max_size=4).map(lambda b: b"<" + b.hex().encode() + b"> Tj"),
    st.lists(numbers, min_size=2, max_size=6).map(lambda n: b" ".join(n) + b" " + (b"re" if len(n) == 4 else b"l")),
    st.tuples(numbers, numbers, numbers).map(lambda n: b" ".join(n) + b" rg"),
    st.just(b"/a1.0 gs"),
    st.just(b"[3 2] 0 d"),
)
lines = lines_of(marked())
any_lines = lines_of(marked(any_texts))

#: Damage that pydyf never writes; the line reader must refuse it or read as qpdf does.
damage = st.sampled_from(
    [
        lambda s, i: s[:i] + b" " + s[i:],
        lambda s, i: s[:i] + b"\n" + s[i:],
        lambda s, i: s[:i] + s[i + 1 :],
        lambda s, i: s[:i] + b"%" + s[i:],
        lambda s, i: s[:i] + b"(" + s[i:],
        lambda s, i: s[:i] + b"\r\n" + s[i:],
        lambda s, i: s[:i] + b" f " + s[i:],
        lambda s, i: s[:i] + b"/N#20 " + s[i:],
        lambda s, i: s[:i] + b"<" + s[i:],
        lambda s, i: s[:i] + b".5.5" + s[i:],
    ]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines, max_size=30))
def test_generated_streams_in_pydyf_form_are_read_by_the_line_reader_and_read_the_same(body: list[bytes]) -> None:
    line, general, used = _both(b"\n".join(body) + b"\n")
    assert used, b"\n".join(body)
    assert _seen(line) == _seen(general)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_lines, min_size=1, max_size=20), st.lists(st.tuples(damage, st.integers(0, 10_000)), max_size=3))
def test_damaged_streams_are_refused_or_read_the_same(body: list[bytes], edits: list[tuple[Any, int]]) -> None:
    stream = b"\n".join(body)
    for edit, where in edits:
        stream = edit(stream, where % (len(stream) + 1))
    line, general, _ = _both(stream)
    assert _seen(line) == _seen(general)


@pytest.mark.parametrize(
    "stream",
    [
        b"/Span\n<</MCID 0/ActualText (two\nlines)>>\nBDC\nEMC",  # a string over lines: qpdf's business
        b"0 0 m f 1 1 l",  # a painting operator hidden in a line
        b"q Q",
        b"% a comment\nq",
        b"BI /W 1 /H 1 ID \x00 EI",
        b"/N#41me gs",
        b"[(lit) 5 <0021>] TJ",
        b"[<021>] TJ",
        b"/Span\nq\n<</MCID 0>>\nBDC\nEMC",  # an operator between a tag and its property list
        b"1..2 0 m",
        b"/Span\n<</MCID 1.5>>\nBDC\nEMC",
        b"/Span\n<</MCID 0/ActualText (\x18)>>\nBDC\nEMC",  # PDFDocEncoding is not ASCII there
    ],
)
def test_forms_the_line_reader_refuses(stream: bytes) -> None:
    assert_left_to_qpdf(stream)


def assert_left_to_qpdf(stream: bytes) -> None:
    """The line reader refuses ``stream``; qpdf reads it, as the audit does."""
    assert line_events(stream) is None
    line, general, used = _both(stream)
    assert not used
    assert _seen(line) == _seen(general)


@pytest.mark.parametrize(
    "stream",
    [
        b"/Span BMC\nEMC",  # a tag on the line of its operator
        b"/Span <</MCID 0>> BDC\nEMC",
        b"/Span /P0 BDC\nEMC",
        b"/Span\n<</MCID 0>> BDC\nEMC",  # a property list on the line of its operator
        b"/Span\n<</MCID 0>>\n/P0\nBDC\nEMC",  # two operands
        b"/Span\n<</MCID 0>>\nBMC\nEMC",
        b"/Span\n<</MCID 0>>\nEMC",  # a property list and no BDC
        b"/Span\n<</MCID 0>> \nBDC\nEMC",  # a space after the property list
        b"/Span\n\n",  # a tag and the end
        b"<</MCID 0>>\nBDC\nEMC",  # a property list without its tag
    ],
)
def test_marked_content_not_in_pydyf_form_is_left_to_qpdf(stream: bytes) -> None:
    """The line reader reads a tag, its property list and BMC/BDC each on a line of its
    own (as pydyf writes them, with empty lines between where the tag repairs leave
    them); anything else qpdf reads."""
    assert_left_to_qpdf(stream)


@pytest.mark.parametrize(
    "stream",
    [
        b"/Span\n\n<</MCID 0/ActualText (a)>>\n\nBDC\nBT\n/F1 12 Tf\n[<0021>] TJ\nET\nEMC",
        b"/Artifact\n\n\nBMC\n0 0 1 1 re\nf\nEMC",
        b"/P\n/P0\nBDC\nEMC\n/Span\n<</MCID 1>>\nBDC\nBT\n/F1 12 Tf\n<0022> Tj\nET\nEMC",
    ],
)
def test_marked_content_with_empty_lines_is_read_by_the_line_reader(stream: bytes) -> None:
    assert line_events(stream) is not None
    line, general, used = _both(stream)
    assert used
    assert _seen(line) == _seen(general)


def test_the_line_reader_reads_what_qpdf_reads_event_for_event() -> None:
    stream = (
        b"/Span\n<</MCID 3/ActualText (Hemi\\(facial\\) \\\\ spasm)>>\nBDC\nBT\n1 0 0 -1 10 20.5 Tm\n"
        b"/F1 12 Tf\n[<0021>-26<0022>0.5<>0] TJ\n0 -14.4 Td\n<0023> Tj\nT*\nET\nEMC\n"
        b"/Artifact\n<</Type /Pagination/Subtype /Footer>>\nBDC\n0 0 1 1 re\nf\nEMC\n"
        b"/Span\n" + pydyf.Dictionary({"MCID": 4, "ActualText": pydyf.String("città")}).data + b"\nBDC\nEMC\n"
        b"/P\n/P0\nBDC\n/Im0 Do\nEMC\n"
    )
    events = line_events(stream)
    assert events is not None
    with _pdf(stream) as pdf:
        assert events == list(qpdf_events(pdf.pages[0]))
    marks = [value for kind, value in events if kind == "mc"]
    assert [tag for tag, _ in marks] == ["Span", "Artifact", "Span", "P"]
    assert marks[0][1].actual_text == "Hemi(facial) \\ spasm"
    assert marks[2][1].actual_text == "città"
    assert marks[3][1] == "/P0"


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.8])
def test_a_page_of_several_content_streams_reads_as_one(cut: float) -> None:
    """/Contents may be an array of streams, read as their concatenation; split at a line
    end the line reader reads it, split inside a line qpdf does: the same either way."""
    body = (
        b"/Span\n<</MCID 0/ActualText (one)>>\nBDC\nBT\n1 0 0 -1 10 20 Tm\n/F1 12 Tf\n[<0021>] TJ\nET\nEMC\n"
        b"/Span\n<</MCID 1>>\nBDC\nBT\n1 0 0 -1 10 40 Tm\n/F1 12 Tf\n[<0022>3<0023>] TJ\nET\nEMC\n0 0 5 5 re\nf\n"
    )
    at = int(len(body) * cut)
    # At a line end, and inside a line at a space (streams split only between tokens).
    for split in (body.rfind(b"\n", 0, at) + 1, body.rfind(b" ", 0, at) + 1):
        with _pdf(body) as pdf:
            page = pdf.pages[0]
            page.obj.Contents = pikepdf.Array([pdf.make_stream(body[:split]), pdf.make_stream(body[split:])])
            whole, general = read_page(page, {}), read_page(page, {}, line_reader=False)
            assert _seen(whole) == _seen(general)
            assert [m.text for m in whole.marks.values()] == ["A", "BC"]
            assert whole.untagged_graphics == 1


#: bfchar tokens: mostly one UTF-16 unit (surrogates too), and the forms the fast path leaves alone.
_cmap_tokens = st.one_of(
    st.integers(0, 0xFFFF).map(lambda v: b"%04x" % v),
    st.integers(0xD800, 0xDFFF).map(lambda v: b"%04X" % v),
    st.integers(0, 0xFFFFFFFF).map(lambda v: b"%08x" % v),
    st.sampled_from([b"", b"12", b"1 23", b"0 41", b"abcdef"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_cmap_tokens, max_size=10))
def test_bfchar_targets_decoded_at_once_read_as_one_by_one(tokens: list[bytes]) -> None:
    """A CMap's bfchar block of four-digit codes and one-unit targets is decoded in one
    call; what it gives is what decoding each token gives (or the same error)."""

    def read(pairs: Any) -> Any:
        try:
            return list(pairs())
        except ValueError as exc:
            return type(exc)

    general = read(lambda: zip(map(_hex_to_int, tokens[::2]), map(_hex_to_text, tokens[1::2]), strict=False))
    assert read(lambda: bfchar_pairs(tokens)) == general
