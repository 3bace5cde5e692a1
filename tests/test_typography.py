"""Typography per language (issue 19): apostrophes, quotation marks, en dashes, non-breaking spaces."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benech_publish.typography import EN_DASH, NBSP, Smartener, smarten

CASES = [
    ("it", "L'emispasmo dell'encefalo, nell'85% dei casi", "L’emispasmo dell’encefalo, nell’85% dei casi"),
    ("it", 'Si chiama "tic convulsivo" da anni', "Si chiama «tic convulsivo» da anni"),
    ("it", "Dura 3-6 mesi", f"Dura 3{EN_DASH}6 mesi"),
    ("it", "circa 85 % dei casi, 5 mg al giorno", f"circa 85{NBSP}% dei casi, 5{NBSP}mg al giorno"),
    ("en", 'It is called "tic" and it\'s rare', "It is called “tic” and it’s rare"),
    ("en", "in the '90s, 'quoted' words", "in the ’90s, ‘quoted’ words"),
    ("en", "Relief lasts 3-6 months (10-12 weeks)", f"Relief lasts 3{EN_DASH}6 months (10{EN_DASH}12 weeks)"),
    # never changed: dates, compound words, codes, addresses
    ("en", "on 2024-09-01", "on 2024-09-01"),
    ("en", "X-ray, follow-up, CT-scan, COVID-19, v2-3", "X-ray, follow-up, CT-scan, COVID-19, v2-3"),
    ("en", "https://clinic.example/a-3-6/", "https://clinic.example/a-3-6/"),
    ("en", "info@clinic.example", "info@clinic.example"),
]


@pytest.mark.parametrize("lang,typed,printed", CASES)
def test_typography_per_language(lang, typed, printed):
    assert smarten(typed, lang) == printed


def test_quotes_open_and_close_around_inline_markup():
    s = Smartener("en")
    assert s.text('he said "') + s.text("very") + s.text('" quietly') == "he said “very” quietly"
    s = Smartener("it")
    parts = [s.text('detto "'), s.child("la").text("morbus"), s.text('"')]
    assert "".join(parts) == "detto «morbus»"


def _reference_text(smart: Smartener, text: str) -> str:
    """Smartener.text as first written: every substitution, then a choice per character."""
    from benech_publish import typography as t

    if not text:
        return text
    if t.looks_like_address(text):
        smart.previous = text[-1]
        return text
    text = t._UNIT.sub(rf"\1{NBSP}\2", t._RANGE.sub(rf"\1{EN_DASH}\2", t._APOSTROPHE.sub(t.APOSTROPHE, text)))
    out = []
    for ch in text:
        if ch == '"':
            ch = smart.quotes.open if smart.previous in t._OPENS_AFTER else smart.quotes.close
        elif ch == "'":
            ch = smart.quotes.inner_open if smart.previous in t._OPENS_AFTER else smart.quotes.inner_close
        out.append(ch)
        smart.previous = ch
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from([*"ab1 2-'\".,/(", "\u00a0", "5 mg", "85 %", "3-6", "l'8", "www."]))),
    st.sampled_from(["en", "it"]),
    st.sampled_from(["", "a", " ", '"', "("]),
)
def test_smartener_shortcuts_change_nothing(pieces, lang, previous):
    """The shortcuts (no substitution without its character, no quotation mark to choose)
    give what the full pass gives, piece after piece of one run."""
    fast, full = Smartener(lang, previous), Smartener(lang, previous)
    for piece in ("".join(p) for p in pieces):
        assert fast.text(piece) == _reference_text(full, piece)
        assert fast.previous == full.previous


def test_source_files_keep_what_the_author_typed(shipped_out):
    text = (Path(__file__).parent.parent / "content" / "it" / "emispasmo-facciale.md").read_text()
    assert "'" in text  # the Italian source keeps its straight apostrophes


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["it", "en"])
def test_outputs_have_no_straight_quotes_and_en_dashes_in_ranges(shipped_out, lang):
    import pypdfium2 as pdfium

    for pdf in sorted((shipped_out / "pdf" / lang).glob("*.pdf")):
        doc = pdfium.PdfDocument(pdf)
        text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        assert "'" not in text and '"' not in text, (pdf.name, re.findall(r".{20}['\"].{20}", text)[:3])
        assert not re.search(r"\b\d{1,2}-\d{1,2} (months|mesi)", text), pdf.name
        assert re.search(rf"\d{EN_DASH}\d", text), pdf.name
    for epub in sorted((shipped_out / "epub" / lang).glob("*.epub")):
        with zipfile.ZipFile(epub) as z:
            for name in z.namelist():
                if name.endswith(".xhtml"):
                    doc = z.read(name).decode("utf-8").split("<body", 1)[-1].split(">", 1)[-1]
                    body = re.sub(r"<[^>]+>", " ", doc)
                    assert "'" not in body and '"' not in body, (epub.name, name)
