"""Rendering: model → semantic XHTML, localized, shared by every format."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from lxml import etree, html as lxml_html

from benech_publish import Renderer, edition, load_content
from benech_publish.i18n import LABELS, format_date
from conftest import GOLDEN, PROJECT, ROOTS, SEED_JSON, check_golden

XHTML = {"x": "http://www.w3.org/1999/xhtml"}
TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def shipped():
    return load_content(PROJECT / "content", today=TODAY)


def page(content, lang: str, ed: str = "standard", templates=None) -> etree._Element:
    condition = next(c for c in content.conditions if c.lang == lang)
    text = Renderer(templates).condition_page(condition, content.site, edition(ed))
    return etree.fromstring(text.encode())  # must be well-formed XML


def seed_main_content():
    """The seed page's main column: (paragraph texts, bold-only intro lines), chrome excluded."""
    data = json.loads(SEED_JSON.read_text())
    tree = lxml_html.fromstring(data["content"]["rendered"])
    column = tree.xpath('//div[contains(@class, "patologie-content")]')[0]
    paragraphs, bold_intros = [], []
    for p in column.xpath(".//p"):
        text = " ".join(p.text_content().split())
        if text == "Treated conditions":
            continue
        if p.xpath("./strong") and not (p.text or "").strip() and len(p) == 1:
            bold_intros.append(text)
        else:
            paragraphs.append(text)
    return paragraphs, bold_intros


def test_seed_golden_xhtml(shipped, update_golden):
    condition = next(c for c in shipped.conditions if c.lang == "en")
    text = Renderer().condition_page(condition, shipped.site, edition("standard"))
    # The golden is about markup; stylesheets have their own tests.
    text = re.sub(r"<style>.*?</style>", "<style>/* css */</style>", text, flags=re.S)
    check_golden(GOLDEN / "facial-nerve-hemispasm.en.xhtml", text, update_golden)


def test_seed_page_has_every_paragraph_no_chrome_four_anchors_and_h3_subsections(shipped):
    root = page(shipped, "en")
    body_text = " ".join(" ".join(root.xpath("//x:main//text()", namespaces=XHTML)).split())
    body_text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", body_text))  # "( <abbr>MRI</abbr> )"
    paragraphs, intros = seed_main_content()
    assert len(paragraphs) == 6 and len(intros) == 3
    from benech_publish.typography import smarten

    for para in paragraphs:  # as typed on the site, with English typography ("3–6 months")
        # The loader writes an abbreviation out at its first use (abbreviations.py).
        para = para.replace("Brain MRI", "Brain magnetic resonance imaging (MRI)")
        assert smarten(para, "en") in body_text
    assert "Treated conditions" not in body_text and "Areas of expertise" not in body_text
    assert "»" not in body_text
    ids = root.xpath("//x:section/@id", namespaces=XHTML)
    assert ids[:4] == ["definizione", "sintomi", "diagnosi", "trattamento"]
    h3 = [" ".join(h.itertext()) for h in root.xpath("//x:section[@id='trattamento']//x:h3", namespaces=XHTML)]
    assert [h.lower() for h in h3] == [t.lower() for t in intros]


@pytest.mark.parametrize("lang", ["it", "en"])
def test_semantic_structure(shipped, lang):
    root = page(shipped, lang)
    assert root.get("lang") == lang and root.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    assert len(root.xpath("//x:h1", namespaces=XHTML)) == 1
    for section in root.xpath("//x:main//x:section", namespaces=XHTML):
        heading = section[0]
        assert heading.tag in {f"{{{XHTML['x']}}}h2", f"{{{XHTML['x']}}}h3"}
    # contents links resolve to sections
    ids = set(root.xpath("//@id"))
    for href in root.xpath("//x:nav//x:a/@href", namespaces=XHTML):
        assert href[1:] in ids


def test_labels_and_dates_are_localized(shipped):
    it = etree.tostring(page(shipped, "it"), encoding="unicode")
    en = etree.tostring(page(shipped, "en"), encoding="unicode")
    assert "Ultimo aggiornamento" in it and "1 settembre 2024" in it and "Indice" in it
    assert "Last updated" in en and "1 September 2024" in en and "Contents" in en
    assert "Bozza: non ancora revisionata" in it  # the Italian edition is a draft
    assert set(LABELS["it"]) == set(LABELS["en"])
    assert format_date(dt.date(2025, 3, 15), "it") == "15 marzo 2025"


def test_blocks_render_as_real_lists_tables_figures_and_lang_spans():
    content = load_content(ROOTS / "basic", today=TODAY)
    root = page(content, "en")
    q = lambda xp: root.xpath(xp, namespaces=XHTML)  # noqa: E731
    assert q("//x:span[@lang='la']/text()") == ["Latin", "morbus alpha"]
    assert len(q("//x:main//x:section//x:ul/x:li")) == 2 and len(q("//x:main//x:section//x:ol/x:li")) == 2
    assert q("//x:table/x:thead/x:tr/x:th/@scope") == ["col", "col"]
    assert q("//x:figure/x:img/@alt") == ["An MRI scan showing the lesion"]
    assert q("//x:figure/x:figcaption/text()") == ["The lesion on MRI"]
    assert q("//x:div[@role='note']//x:strong/text()") == ["Important"]
    assert q("//x:a[text()='the symptoms']/@href") == ["#sintomi"]
    assert q("//x:nav//x:a[@href='#definizione']/text()") == ["Definition"]  # navigation label
    it = page(content, "it")
    assert it.xpath("//x:section//x:img[@role='presentation']/@alt", namespaces=XHTML) == [""]


def test_large_print_css_has_no_italics(shipped):
    root = page(shipped, "en", "large")
    css = "".join(root.xpath("//x:style/text()", namespaces=XHTML))
    assert re.search(r"em, i, cite \{ font-style: normal; font-weight: bold; \}", css)


def test_user_templates_override_packaged_ones(shipped, tmp_path: Path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "web.css").write_text("/* clinic override */ body { color: black; }")
    root = page(shipped, "en", templates=tmp_path)
    assert "clinic override" in "".join(root.xpath("//x:style/text()", namespaces=XHTML))
