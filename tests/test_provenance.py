"""Provenance, review policy, readability, other formats: content rules and what every output shows.

The complete test condition is tests/roots/basic (fictional clinic, reviewers,
sources with a test DOI prefix 10.5555 and example.org addresses).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from benech_publish import build, load, load_content
from benech_publish import model as m
from benech_publish.abbreviations import expand_abbreviations
from benech_publish.cli import main
from benech_publish.errors import RenderError
from benech_publish.i18n import LABELS
from benech_publish.options import FORMATS, Options
from benech_publish.provenance import availability, facts, json_ld_data
from benech_publish.readability import format_table, read_all, read_source
from conftest import PROJECT, ROOTS

TODAY = dt.date(2026, 1, 1)
XHTML = {"x": "http://www.w3.org/1999/xhtml"}


def copy_basic(tmp_path: Path) -> Path:
    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, start: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(start):
            return number
    raise AssertionError(f"{start!r} not in {path}")


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return info.value.code, out, err


# --------------------------------------------------------------------------- policy


def test_complete_condition_has_every_field():
    content = load_content(ROOTS / "basic", today=TODAY)
    alpha = next(c for c in content.conditions if c.lang == "en")
    assert alpha.authors == ("Dr Marco Bianchi",) and alpha.version == "1.2"
    assert [s.title for s in alpha.sources] == ["Alpha syndrome in adults: a review", "Living with alpha syndrome"]
    doi, guide = alpha.sources
    assert doi.authors == ("A. Example", "B. Sample") and doi.year == 2023
    assert doi.link == "https://doi.org/10.5555/alpha.2023.001"
    assert guide.by == "Example Society of Neurology" and guide.link.startswith("https://society.example/")
    assert doi.location.line == line_of(ROOTS / "basic/en/alpha.md", '  - title: "Alpha')
    assert content.site.feedback == m.Feedback(email="feedback@clinic.example", url="https://clinic.example/feedback")
    assert content.site.review_policy.max_interval_years == 3
    assert [t.lang for t in alpha.translations] == ["it"]


@pytest.mark.parametrize("field", ["reviewers", "reviewed_on", "review_due", "sources"])
def test_approved_without_a_review_field_fails_at_its_line(tmp_path, capsys, field):
    root = copy_basic(tmp_path)
    alfa = root / "it" / "alfa.md"
    text = alfa.read_text()
    # Drop the field (and, for sources, its entries) from the front matter.
    text = re.sub(rf"^{field}:.*\n(?:  .*\n)*", "", text, flags=re.M)
    alfa.write_text(text)
    code, _, err = run_cli(capsys, "check", "--content", str(root))
    assert code == 1
    errors = [line for line in err.splitlines() if ": error: " in line]
    status = line_of(alfa, "status:")
    assert errors == [
        f"{alfa}:{status}: error: approved, but no '{field}': "
        + {
            "reviewers": "name the clinicians who reviewed it (reviewers: [...])",
            "reviewed_on": "give the date of the review (reviewed_on: YYYY-MM-DD)",
            "review_due": "give the date of the next review (review_due: YYYY-MM-DD)",
            "sources": "list at least one source the text is based on (sources: ...)",
        }[field]
    ]


def test_approved_with_every_field_missing_gets_one_line_each(tmp_path):
    root = copy_basic(tmp_path)
    alfa = root / "it" / "alfa.md"
    text = alfa.read_text()
    front, body = text.split("\n---\n", 1)
    kept = [
        line
        for line in front.splitlines()
        if line.split(":")[0] in ("---", "id", "title", "summary", "status", "last_updated")
    ]
    alfa.write_text("\n".join(kept) + "\nreviewers: []\n---\n" + body)
    result = load(root, today=TODAY)
    errors = [d for d in result.errors if d.location.path.endswith("alfa.md")]
    assert len(errors) == 4 and {d.code for d in errors} == {"review-policy"}
    reviewers_line = line_of(alfa, "reviewers:")
    assert [(d.location.line, d.message.split(":")[0]) for d in errors] == [
        (line_of(alfa, "status:"), "approved, but no 'reviewed_on'"),
        (line_of(alfa, "status:"), "approved, but no 'review_due'"),
        (line_of(alfa, "status:"), "approved, but no 'sources'"),
        (reviewers_line, "approved, but no 'reviewers'"),
    ]
    assert "tests" not in str(result.content.conditions)  # the Italian edition is left out
    assert [c.lang for c in result.content.conditions] == ["en"]


def test_review_interval_over_the_policy_fails(tmp_path, capsys):
    root = copy_basic(tmp_path)
    alpha = root / "en" / "alpha.md"
    edit(alpha, "review_due: 2028-03-15", "review_due: 2028-03-16")
    code, _, err = run_cli(capsys, "check", "--content", str(root))
    line = line_of(alpha, "review_due:")
    assert code == 1
    assert (
        f"{alpha}:{line}: error: review_due 2028-03-16 is more than 3 years after reviewed_on "
        "2025-03-15: review by 2028-03-15 at the latest (site.yaml review_policy)"
    ) in err
    # A site that allows five years accepts it.
    with open(root / "site.yaml", "a") as f:
        f.write("review_policy:\n  max_interval_years: 5\n")
    assert run_cli(capsys, "check", "--content", str(root))[0] == 0


def test_review_due_before_review_and_bad_policy_fail(tmp_path):
    root = copy_basic(tmp_path)
    edit(root / "en" / "alpha.md", "review_due: 2028-03-15", "review_due: 2025-01-01")
    with open(root / "site.yaml", "a") as f:
        f.write("review_policy: {max_interval_years: forever}\n")
    messages = [str(d) for d in load(root, today=TODAY).errors]
    assert any("review_due 2025-01-01 is before reviewed_on 2025-03-15" in msg for msg in messages)
    assert (
        f"{root}/site.yaml:19: error: 'review_policy' must be 'max_interval_years: N' with N "
        "from 1 to 10 (the default is 3)" in messages
    )


def test_overdue_review_stays_a_warning(tmp_path):
    root = copy_basic(tmp_path)
    result = load(root, today=dt.date(2029, 1, 1))
    assert result.errors == ()
    assert [d.code for d in result.warnings] == ["review-overdue", "review-overdue"]


def test_site_without_phone_or_email_warns_on_every_approved_leaflet(tmp_path):
    root = copy_basic(tmp_path)
    edit(root / "site.yaml", '  phone: "+39 011 000 0000"\n  email: info@clinic.example\n', "")
    result = load(root, today=TODAY)
    assert result.errors == ()
    found = sorted((Path(d.location.path).name, d.location.line) for d in result.warnings if d.code == "contacts")
    assert found == [
        ("alfa.md", line_of(root / "it/alfa.md", "status:")),
        ("alpha.md", line_of(root / "en/alpha.md", "status:")),
    ]


def test_bad_sources_are_errors_at_their_entry(tmp_path):
    root = copy_basic(tmp_path)
    alpha = root / "en" / "alpha.md"
    edit(alpha, "    year: 2023\n    doi: 10.5555/alpha.2023.001\n", "    doi: not-a-doi\n")
    edit(alpha, "    publisher: Example Society of Neurology\n", "")
    result = load(root, today=TODAY)
    errors = [str(d) for d in result.errors]
    first = line_of(alpha, '  - title: "Alpha')
    second = line_of(alpha, "  - title: Living")
    assert errors == [  # both entries are left out, so no source is left
        f"{alpha}:{line_of(alpha, 'sources:')}: error: approved, but no 'sources': list at least "
        "one source the text is based on (sources: ...)",
        f"{alpha}:{first}: error: source 'Alpha syndrome in adults: a review': no 'year' of "
        "publication (four digits); 'doi' must look like 10.1000/xyz, not 'not-a-doi'",
        f"{alpha}:{second}: error: source 'Living with alpha syndrome': neither 'authors' nor 'publisher'",
    ]


def test_shipped_content_leaves_clinic_fields_visibly_empty_and_builds(tmp_path):
    result = load(PROJECT / "content", today=TODAY)
    assert result.errors == ()
    assert all(c.status == "draft" for c in result.content.conditions)
    to_supply = sorted(
        (Path(d.location.path).name, d.message.split("'")[1])
        for d in result.warnings
        if d.code == "to-be-supplied" and d.location.path.endswith(".md")
    )
    fields = ["review_due", "reviewed_on", "reviewers", "sources"]
    assert to_supply == (
        [("emispasmo-facciale.md", f) for f in fields] + [("facial-nerve-hemispasm.md", f) for f in fields]
    )
    site = PROJECT / "content/site.yaml"
    site_gaps = [
        (d.location.line, d.message.split("'")[1]) for d in result.warnings if d.location.path.endswith("site.yaml")
    ]
    assert site_gaps == [
        (line_of(site, "  phone:"), "contacts: phone"),
        (line_of(site, "  email:"), "contacts: email"),
        (line_of(site, "  url:") - 1, "feedback: email"),
        (line_of(site, "  url:"), "feedback: url"),
        (line_of(site, "  url:") + 1, "feedback: phone"),
    ]
    report = build(PROJECT / "content", tmp_path / "out", Options(formats=("html",), include_drafts=True), today=TODAY)
    assert not report.failures and len(report.written) == 4


# --------------------------------------------------------------------------- readability


def test_check_readability_prints_gulpease_and_flesch_kincaid_per_section(capsys):
    code, out, _ = run_cli(capsys, "check", "--content", str(PROJECT / "content"), "--readability")
    assert code == 0
    en, it = out.split("\n\n")[1:3]
    assert en.startswith("content/en/facial-nerve-hemispasm.md [en]") or "[en]" in en.splitlines()[0]
    assert "FRE" in en and "FK grade" in en and "Gulpease" not in en
    assert "Gulpease" in it and "FK grade" not in it
    for anchor in ("definizione", "sintomi", "diagnosi", "trattamento-chirurgico"):
        assert re.search(rf"#{anchor} .* \d+ +\d+ +-?\d+\.\d[! ] +-?\d+\.\d", en), anchor
        assert re.search(rf"#{anchor} .* \d+ +\d+ +\d+\.\d[! ]", it), anchor
    whole_en = re.search(r"whole text +\d+ +\d+ +(-?\d+\.\d)! +(\d+\.\d)!", en)
    whole_it = re.search(r"whole text +\d+ +\d+ +(\d+\.\d)[! ]", it)
    assert whole_en and float(whole_en.group(2)) > 8  # Flesch-Kincaid grade over the target
    # The Italian draft was rewritten in plain Italian: Gulpease at the target (60) or above.
    assert whole_it and float(whole_it.group(1)) >= 60


def test_long_sentence_is_flagged_at_its_line():
    content = load(PROJECT / "content", today=TODAY)
    en = PROJECT / "content/en/facial-nerve-hemispasm.md"
    long = [d for d in content.warnings if d.code == "long-sentence" and d.location.path.endswith(en.name)]
    assert [d.location.line for d in long] == [line_of(en, "Microvascular decompression is")]
    assert "sentence of 28 words (limit 25)" in long[0].message


def test_sentence_after_markup_and_inside_a_list_gets_its_own_line(tmp_path):
    root = tmp_path / "c"
    (root / "en").mkdir(parents=True)
    (root / "site.yaml").write_text("name: Clinic\nlanguages: [en]\nreadability:\n  en: {max_sentence_words: 8}\n")
    body = (
        '## A {#a}\n\nShort one here. The [CT]{abbr="computed tomography"} scan shows\n'
        "the *whole* head and neck and also the upper part of the spine.\n\n"
        "- first item is fine\n- the second item of this list goes on and on for far too long\n"
    )
    (root / "en" / "x.md").write_text(f"---\nid: x\ntitle: X\nsummary: S.\n---\n\n{body}")
    result = load(root, today=TODAY)
    long = [(d.location.line, d.message.split("'")[1]) for d in result.warnings if d.code == "long-sentence"]
    assert long == [
        (9, "The computed tomography (CT) scan shows the whole ..."),
        (13, "the second item of this list goes on ..."),
    ]


def test_targets_come_from_site_yaml_and_strict_makes_them_errors(tmp_path, capsys):
    root = copy_basic(tmp_path)
    (root / "en" / "alpha.md").write_text(
        (ROOTS / "basic/en/alpha.md")
        .read_text()
        .replace(
            "Medicines help most people.",
            "Pharmacological interventions demonstrate considerable effectiveness, notwithstanding "
            "occasional idiosyncratic adverse manifestations. Comprehensive neurological evaluation "
            "establishes individualised therapeutic strategies, considering comorbidities, "
            "concomitant medications, hepatic metabolism and renal elimination characteristics. "
            "Multidisciplinary consultation facilitates appropriate prioritisation.",
        )
    )
    assert run_cli(capsys, "check", "--content", str(root))[0] == 0
    code, _, err = run_cli(capsys, "check", "--content", str(root), "--strict")
    assert code == 1
    title = line_of(root / "en" / "alpha.md", "title:")
    assert re.search(
        rf"alpha\.md:{title}: warning: harder to read than the site's target: "
        r"Flesch Reading Ease -?\d+(\.\d)? \(target at least 60\), "
        r"Flesch-Kincaid grade \d+(\.\d)? \(target at most 8\) for the whole text",
        err,
    ), err
    # build measures reading levels only where they can fail it (--strict), as check does
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "build", "--content", str(root), "--out", str(out), "--format", "html")
    assert code == 0 and "harder to read" not in err and "sentence of" not in err, err
    measured = {d.code for d in load(root, today=TODAY).warnings}
    assert "long-sentence" in measured or "readability" in measured
    assert not {d.code for d in load(root, today=TODAY, readability=False).warnings} & {"readability", "long-sentence"}
    code, _, err = run_cli(capsys, "build", "--content", str(root), "--out", str(out), "--format", "html", "--strict")
    assert code == 1 and "harder to read than the site's target" in err, err
    with open(root / "site.yaml", "a") as f:
        f.write("readability:\n  en: {flesch_reading_ease_min: null, flesch_kincaid_grade_max: 30}\n")
    assert run_cli(capsys, "check", "--content", str(root), "--strict")[0] == 0


def test_readability_table_of_a_condition():
    content = load_content(ROOTS / "basic", today=TODAY)
    readings = read_all(content.site, content.conditions, read_source)
    table = format_table(readings)
    assert "tests/roots/basic/en/alpha.md [en] Alpha Syndrome" in table
    assert "    #farmaci Medicines" in table  # subsections indented under their section
    it = next(r for r in readings if r.lang == "it")
    assert it.whole.gulpease is not None and it.whole.flesch_kincaid_grade is None
    en = next(r for r in readings if r.lang == "en")
    assert en.whole.flesch_kincaid_grade is not None and en.whole.gulpease is None
    assert [p.anchor for p in en.parts] == list(
        en.parts and next(c for c in content.conditions if c.lang == "en").anchors
    )


# --------------------------------------------------------------------------- abbreviations


def test_abbreviation_written_out_at_first_use_only():
    content = load_content(ROOTS / "booklet", today=TODAY)
    tn = next(c for c in content.conditions if c.id == "trigeminal-neuralgia")
    text = " ".join(
        m.plain_text(b.inlines) for s in tn.walk() for b in m.iter_blocks(s.blocks) if isinstance(b, m.Paragraph)
    )
    assert text.count("magnetic resonance imaging (MRI)") == 1
    abbrs = [
        n
        for s in tn.walk()
        for b in m.iter_blocks(s.blocks)
        for run in m.block_inlines(b)
        for n in m.iter_inlines(run)
        if isinstance(n, m.Abbr)
    ]
    assert abbrs and all(a.title for a in abbrs)  # still tagged for assistive technology


_word = st.text(alphabet="abcdefghij", min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["MRI", "CT", "EEG"]), _word), min_size=1, max_size=8), st.booleans())
def test_each_abbreviation_is_expanded_exactly_once(uses, written_before):
    expansions = {"MRI": "magnetic resonance imaging", "CT": "computed tomography", "EEG": "electroencephalogram"}
    inlines: list[m.Inline] = [m.Text("computed tomography is named. ")] if written_before else []
    for short, word in uses:
        inlines += [m.Text(f"{word} "), m.Abbr(expansions[short], (m.Text(short),)), m.Text(" ")]
    section = m.Section("a", "A", 2, (m.Paragraph(tuple(inlines)),))
    c = m.Condition("x", "x", "en", "X", "", (section,))
    text = m.plain_text(expand_abbreviations(c).sections[0].blocks[0].inlines)
    for short, long in expansions.items():
        used = any(s == short for s, _ in uses)
        expected = 0 if (not used or (written_before and short == "CT")) else 1
        assert text.count(f"{long} ({short})") == expected
    assert text.count("(") == text.count(")")


# --------------------------------------------------------------------------- other formats


def test_other_formats_sentence_follows_the_formats_and_languages():
    content = load_content(ROOTS / "basic", today=TODAY)
    alpha = next(c for c in content.conditions if c.lang == "en")
    a = availability(alpha, content.site)
    assert a.formats == FORMATS
    assert a.formats_sentence == (
        "This information is available as a web page, a PDF leaflet "
        "and booklet, an EPUB e-book and braille (BRF and PEF files), "
        "and in large print."
    )  # braille: from options.FORMATS
    assert a.languages_sentence == "It is also available in Italian (italiano)."
    alfa = next(c for c in content.conditions if c.lang == "it")
    assert availability(alfa, content.site).languages_sentence == "Sono disponibili anche in inglese (English)."
    without = availability(alpha, content.site, tuple(f for f in FORMATS if f != "braille"))
    assert "braille" not in without.formats_sentence
    with pytest.raises(RenderError, match="format 'smoke' has no label 'format_smoke'"):
        availability(alpha, content.site, (*FORMATS, "smoke"))
    for lang in LABELS:
        assert all(f"format_{fmt}" in LABELS[lang] for fmt in FORMATS), lang


def test_an_approved_text_points_only_to_approved_translations(tmp_path):
    root = copy_basic(tmp_path)
    edit(root / "it" / "alfa.md", "status: approved", "status: draft")
    content = load_content(root, today=TODAY)
    alpha = next(c for c in content.conditions if c.lang == "en")
    alfa = next(c for c in content.conditions if c.lang == "it")
    assert availability(alpha, content.site).languages_sentence == ""
    assert "workTranslation" not in json_ld_data(
        facts(alpha, content.site), availability(alpha, content.site).languages
    )
    # A draft may name its approved sibling.
    assert availability(alfa, content.site).languages_sentence.endswith("inglese (English).")


# --------------------------------------------------------------------------- outputs


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("provenance-out")
    report = build(ROOTS / "basic", out, Options(include_drafts=True), today=TODAY)
    assert not report.failures
    return out


EXPECTED = {
    "en": [
        "Sources",
        "A. Example, B. Sample (2023). Alpha syndrome in adults: a review.",
        "https://doi.org/10.5555/alpha.2023.001",
        "Example Society of Neurology (2024). Living with alpha syndrome.",
        "Produced by",
        "Test Clinic",
        "Written by",
        "Dr Marco Bianchi",
        "Reviewed by",
        "Dr Anna Rossi",
        "Last reviewed",
        "15 March 2025",
        "Next review due",
        "15 March 2028",
        "Version",
        "1.2",
        "Tell us what you think",
        "feedback@clinic.example",
        "https://clinic.example/feedback",
        "This information is available as a web page",
        "and in large print.",
        "It is also available in Italian (italiano).",
        "To ask for it in another format or language, contact the clinic.",
        "magnetic resonance imaging",
    ],
    "it": [
        "Fonti",
        "Società Esempio di Neurologia (2024). Vivere con la sindrome alfa.",
        "Realizzato da",
        "Revisione a cura di",
        "Dott.ssa Anna Rossi",
        "Ultima revisione",
        "20 marzo 2025",
        "Prossima revisione",
        "20 marzo 2028",
        "Diteci che cosa ne pensate",
        "feedback@clinic.example",
        "Queste informazioni sono disponibili come pagina web",
        "Sono disponibili anche in inglese (English).",
    ],
}


def _flat(text: str) -> str:
    text = text.replace("\u00ad", "").replace("\ufffe", "").replace("\x02", "").replace("\u200b", "")
    text = re.sub(r"-\r?\n", "-", text)  # an address broken after a hyphen... never happens
    return " ".join(text.split())


def _pdf_text(path: Path) -> str:
    """What assistive technology reads: the structure tree's text (pikepdf), /ActualText applied.

    (pdfium's extraction currently loses the first word of numbered list items on
    main's tagging, so it is not used here.)
    """
    from benech_publish.audit.structure import read_structure

    return _flat(read_structure(path.read_bytes()).tree_text())


def _missing(expected: list[str], text: str) -> list[str]:
    squeezed = text.replace(" ", "")
    return [e for e in expected if e not in text and e.replace(" ", "") not in squeezed]


@pytest.mark.parametrize("lang, slug", [("en", "alpha"), ("it", "alfa")])
@pytest.mark.parametrize("suffix", ["", ".large"])
def test_web_page_shows_provenance_and_has_medical_web_page_json_ld(built, lang, slug, suffix):
    root = etree.parse(str(built / "html" / lang / f"{slug}{suffix}.html")).getroot()
    text = _flat(" ".join(root.xpath("//x:body//text()", namespaces=XHTML)))
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    assert _missing(EXPECTED[lang], text) == []
    scripts = root.xpath("//x:head/x:script[@type='application/ld+json']", namespaces=XHTML)
    assert len(scripts) == 1
    data = json.loads(scripts[0].text)
    assert data["@type"] == "MedicalWebPage" and data["inLanguage"] == lang
    assert data["about"]["@type"] == "MedicalCondition"
    assert data["lastReviewed"] == ("2025-03-15" if lang == "en" else "2025-03-20")
    assert data["reviewedBy"][0]["@type"] == "Person"
    assert data["datePublished"] == data["dateModified"] == "2025-03-01"
    assert all(c["@type"] == "CreativeWork" and c["datePublished"] for c in data["citation"])
    assert data["workTranslation"][0]["inLanguage"] == ("it" if lang == "en" else "en")


@pytest.mark.parametrize("lang, slug", [("en", "alpha"), ("it", "alfa")])
@pytest.mark.parametrize("suffix", ["", ".large"])
def test_pdf_leaflet_shows_provenance(built, lang, slug, suffix):
    text = _pdf_text(built / "pdf" / lang / f"{slug}{suffix}.pdf")
    assert _missing(EXPECTED[lang], text) == []


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("suffix", ["", ".large"])
def test_booklet_pdf_and_epub_chapters_show_provenance(built, lang, suffix):
    assert _missing(EXPECTED[lang], _pdf_text(built / "pdf" / lang / f"booklet{suffix}.pdf")) == []
    slug = "alpha"  # EPUB chapters are named by condition id
    with zipfile.ZipFile(built / "epub" / lang / f"booklet{suffix}.epub") as z:
        chapter = etree.fromstring(z.read(f"EPUB/{slug}.xhtml"))
        opf = z.read("EPUB/content.opf").decode()
    text = _flat(" ".join(chapter.xpath("//x:body//text()", namespaces=XHTML)))
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    assert _missing(EXPECTED[lang], text) == []
    reviewer = "Dr Anna Rossi" if lang == "en" else "Dott.ssa Anna Rossi"
    assert re.search(rf'<dc:contributor id="(contributor\d+)">{reviewer}</dc:contributor>', opf)
    assert '<meta refines="#contributor' in opf and ">rev</meta>" in opf
    assert re.search(r'<meta property="schema:lastReviewed">2025-03-\d\d</meta>', opf)
    assert '<meta property="dcterms:references">' in opf


def test_json_ld_leaves_out_what_the_content_does_not_say():
    content = load_content(PROJECT / "content", today=TODAY)
    en = next(c for c in content.conditions if c.lang == "en")
    data = json_ld_data(facts(en, content.site))
    assert "lastReviewed" not in data and "reviewedBy" not in data and "citation" not in data
    assert data["author"]["@type"] == "MedicalOrganization"  # no authors given: the clinic


@pytest.mark.parametrize(
    "name", ["en/alpha.pdf", "en/alpha.large.pdf", "it/alfa.pdf", "en/booklet.pdf", "it/booklet.large.pdf"]
)
def test_pdf_xmp_carries_contributors_sources_and_dates(built, name):
    import pikepdf

    lang = name.split("/")[0]
    with pikepdf.open(built / "pdf" / name) as pdf:
        meta = pdf.open_metadata()
        dc = "{http://purl.org/dc/elements/1.1/}"
        reviewer = "Dr Anna Rossi" if lang == "en" else "Dott.ssa Anna Rossi"
        assert reviewer in meta[f"{dc}contributor"]
        assert any(
            "Living with alpha syndrome" in r or "Vivere con la sindrome alfa" in r for r in meta[f"{dc}relation"]
        )
        assert "2025-03-01" in meta[f"{dc}date"]
        assert meta[f"{dc}creator"] == ["Test Clinic"]  # the print engine's own properties stay
        assert meta["{http://www.aiim.org/pdfua/ns/id/}part"] == "1"
        if "booklet" not in name:
            assert meta[f"{dc}source"] == (
                "https://clinic.example/en/alpha/" if lang == "en" else "https://clinic.example"
            )


_words = st.lists(
    st.sampled_from(["the", "nerve", "pain", "doctor", "scan", "operation", "well-known", "it's", "face", "medicine"]),
    min_size=1,
    max_size=14,
)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.lists(_words, min_size=1, max_size=4), min_size=1, max_size=4), st.integers(min_value=5, max_value=9)
)
def test_every_long_sentence_is_flagged_once_at_the_line_it_starts(tmp_path_factory, paragraphs, limit):
    root = tmp_path_factory.mktemp("long")
    (root / "en").mkdir()
    (root / "site.yaml").write_text(
        f"name: Clinic\nlanguages: [en]\nreadability:\n  en: {{max_sentence_words: {limit}}}\n"
    )
    lines = ["---", "id: x", "title: X", "summary: S.", "---", "", "## A {#a}", ""]
    expected = []
    for paragraph in paragraphs:
        for k, words in enumerate(paragraph):
            sentence = " ".join(["Start" + str(len(expected) + k), *words]) + "."
            # Sentences wrap over lines the way editors write them: four words a line.
            chunks = [" ".join(sentence.split()[i : i + 4]) for i in range(0, len(sentence.split()), 4)]
            if len(words) + 1 > limit:
                expected.append(len(lines) + 1)
            lines += chunks
        lines.append("")
    (root / "en" / "x.md").write_text("\n".join(lines) + "\n")
    result = load(root, today=TODAY)
    found = [d.location.line for d in result.warnings if d.code == "long-sentence"]
    assert found == expected


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3000, 3000) | st.floats(allow_nan=False, width=32) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "title",
                    "authors",
                    "publisher",
                    "year",
                    "url",
                    "doi",
                    "email",
                    "phone",
                    "max_interval_years",
                    "en",
                    "it",
                    "gulpease_min",
                    "max_sentence_words",
                    "flesch_kincaid_grade_max",
                    "x",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["sources", "version", "authors"]), _json, max_size=3),
    st.dictionaries(st.sampled_from(["feedback", "review_policy", "readability", "contacts"]), _json, max_size=3),
)
def test_hostile_provenance_values_give_diagnostics_never_a_crash(tmp_path_factory, front, site):
    import yaml

    root = tmp_path_factory.mktemp("hostile")
    (root / "en").mkdir()
    (root / "site.yaml").write_text(yaml.safe_dump({"name": "Clinic", "languages": ["en"], **site}))
    header = yaml.safe_dump({"id": "x", "title": "X", "summary": "S.", "status": "approved", **front})
    (root / "en" / "x.md").write_text(f"---\n{header}---\n\n## A {{#a}}\n\nText.\n")
    result = load(root, today=TODAY)
    assert all(d.location.line >= 1 for d in result.diagnostics), [str(d) for d in result.diagnostics]
    # Approved without review data: never built, whatever else the file says.
    assert result.content.conditions == () or result.content.conditions[0].reviewers
