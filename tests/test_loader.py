"""Loader and validation on small test projects under tests/roots/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pytest

from benech_publish import ContentError, load, load_content
from benech_publish import model as m
from conftest import PROJECT, ROOTS

TODAY = dt.date(2026, 1, 1)


def lines(result) -> list[str]:
    return [str(d) for d in result.diagnostics]


def test_basic_root_is_valid_and_complete():
    result = load(ROOTS / "basic", today=TODAY)
    assert lines(result) == []
    content = result.content
    assert content.languages == ("it", "en")
    alpha = next(c for c in content.conditions if c.lang == "en")
    assert (alpha.id, alpha.slug, alpha.title, alpha.status) == ("alpha", "alpha", "Alpha Syndrome", "approved")
    assert alpha.reviewed_on == dt.date(2025, 3, 15) and alpha.reviewers == ("Dr Anna Rossi",)
    assert alpha.anchors == ("definizione", "sintomi", "trattamento", "farmaci", "chirurgia")
    first = alpha.sections[0]
    assert (first.heading, first.nav_label, first.label) == ("What it is", "Definition", "Definition")
    assert first.location.line == 25
    kinds = [type(b).__name__ for b in alpha.sections[1].blocks]
    assert kinds == ["BulletList", "NumberedList", "Table", "Note"]
    table = alpha.sections[1].blocks[2]
    assert [c.header for c in table.head[0]] == [True, True]
    assert table.body[0][1].align == "right"
    para = first.blocks[0]
    nodes = list(m.iter_inlines(para.inlines))
    assert m.Span("la", (m.Text("Latin"),)) in nodes
    assert any(isinstance(n, m.Emphasis) for n in nodes) and any(isinstance(n, m.Strong) for n in nodes)
    assert any(isinstance(n, m.Link) and n.href == "#sintomi" for n in nodes)
    figure = first.blocks[1]
    assert figure == m.Figure(
        src="images/scan.svg",
        alt="An MRI scan showing the lesion",
        caption=(m.Text("The lesion on MRI"),),
        location=figure.location,
    )
    decorative = next(c for c in content.conditions if c.lang == "it").sections[0].blocks[1]
    assert decorative.decorative and decorative.alt == ""


def test_broken_files_each_get_one_line_and_valid_ones_still_load():
    result = load(ROOTS / "broken", today=TODAY)
    assert lines(result) == [
        f"{ROOTS}/broken/en/bad-yaml.md:4: error: malformed YAML: did not find expected ',' or ']'",
        f"{ROOTS}/broken/en/no-alt.md:11: error: image '../images/scan.svg' has no alt text: describe it "
        "in ![...], or mark it {.decorative} if it adds no information",
        f"{ROOTS}/broken/en/no-title.md:1: error: missing title: add 'title: ...' to the front matter",
    ]
    assert [c.slug for c in result.content.conditions] == ["good"]
    assert set(result.failed_files) == {
        f"{ROOTS}/broken/en/bad-yaml.md",
        f"{ROOTS}/broken/en/no-alt.md",
        f"{ROOTS}/broken/en/no-title.md",
    }


def test_every_structural_problem_is_reported_at_once():
    result = load(ROOTS / "problems", today=TODAY)
    assert lines(result) == [
        f"{ROOTS}/problems/en/drift.md:1: error: anchors differ from its translation "
        f"{ROOTS}/problems/it/drift.md: missing #sintomi; extra #symptoms",
        f"{ROOTS}/problems/en/structure.md:5: warning: review overdue: review_due is 2000-01-01",
        f"{ROOTS}/problems/en/structure.md:10: error: link to a missing anchor '#nowhere' "
        "(this condition has: #first, #deep)",
        f"{ROOTS}/problems/en/structure.md:12: error: heading level skipped: '#### Too deep' "
        "follows a level-2 heading; use '###'",
        f"{ROOTS}/problems/en/structure.md:16: error: duplicate anchor '#first' (first used at line 8)",
        f"{ROOTS}/problems/site.yaml:1: warning: site.yaml 'order' names 'ghost', but no condition has that id",
        f"{ROOTS}/problems/xx/unknown.md:1: error: unknown language 'xx': site.yaml's languages are it, en",
    ]


def test_load_content_raises_with_every_diagnostic():
    with pytest.raises(ContentError) as info:
        load_content(ROOTS / "broken", today=TODAY)
    assert len(info.value.diagnostics) == 3
    assert info.value.path == f"{ROOTS}/broken/en/bad-yaml.md" and info.value.line == 4


def test_load_content_measures_reading_levels_only_when_strict(monkeypatch):
    """Their findings are warnings, which fail only under ``strict``; measuring
    loads textstat's pronouncing dictionary, so it is left out otherwise."""
    import benech_publish.readability as readability

    measured: list[int] = []
    original = readability.readability_warnings

    def counting(site, conditions):
        measured.append(len(conditions))
        return original(site, conditions)

    monkeypatch.setattr(readability, "readability_warnings", counting)
    load_content(PROJECT / "content")
    assert measured == []
    try:
        load_content(PROJECT / "content", strict=True)
    except ContentError:
        pass  # the shipped content has warnings (reading levels among them): strict fails on them
    assert measured and measured[0] > 0


def test_strict_makes_warnings_fatal(tmp_path: Path):
    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    text = (root / "en" / "alpha.md").read_text().replace("reviewed_on: 2025-03-15", "reviewed_on: 2019-01-01")
    text = text.replace("review_due: 2028-03-15", "review_due: 2020-01-01")
    (root / "en" / "alpha.md").write_text(text)
    assert load_content(root, today=TODAY)  # a warning alone does not stop a build
    with pytest.raises(ContentError, match="review overdue"):
        load_content(root, strict=True, today=TODAY)


@pytest.mark.parametrize(
    "body, message",
    [
        ("# Title\n\nText.\n", "a '# ' heading is not allowed"),
        ("Text before.\n\n## A {#a}\n\nText.\n", "text before the first '## ' section heading"),
        ("## A {#a}\n\n<b>html</b>\n", "raw HTML is not allowed"),
        ("## A {#a}\n\nSee [x](other.html).\n", "link 'other.html' is not supported"),
        ("## A {#A_B}\n\nText.\n", "anchor 'A_B' must be lower-case"),
        ("## A {#a}\n\nText ![x](y.png) inline.\n", "an image must stand alone"),
        ("## A {#a}\n\n![A scan](https://example.com/x.png)\n", "must be a file inside the content folder"),
    ],
)
def test_body_problems(tmp_path: Path, body: str, message: str):
    root = tmp_path / "c"
    (root / "en").mkdir(parents=True)
    (root / "site.yaml").write_text("name: Clinic\nlanguages: [en]\n")
    (root / "en" / "x.md").write_text(f"---\nid: x\ntitle: X\nsummary: S.\n---\n\n{body}")
    result = load(root, today=TODAY)
    assert any(message in d.message for d in result.diagnostics), lines(result)
    assert all(d.location.path.endswith(("x.md", "site.yaml")) and d.location.line >= 1 for d in result.diagnostics)


def test_shipped_content_is_valid_and_translations_share_anchors():
    result = load(PROJECT / "content", today=TODAY)
    assert result.errors == (), lines(result)
    by_lang = {c.lang: c for c in result.content.conditions if c.id == "facial-nerve-hemispasm"}
    assert set(by_lang) == {"it", "en"}
    assert by_lang["it"].anchors == by_lang["en"].anchors
    assert by_lang["en"].anchors[:4] == ("definizione", "sintomi", "diagnosi", "trattamento")
    assert by_lang["it"].status == "draft"


def test_translation_drift_is_caught(tmp_path: Path):
    root = tmp_path / "c"
    shutil.copytree(PROJECT / "content", root)
    it = root / "it" / "emispasmo-facciale.md"
    it.write_text(it.read_text().replace("{#sintomi}", "{#sintomi-it}"))
    result = load(root, today=TODAY)
    assert any(d.code == "translation-anchors" and "#sintomi" in d.message for d in result.errors)


def test_model_is_frozen():
    content = load_content(ROOTS / "basic", today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        content.conditions[0].title = "changed"  # type: ignore[misc]


def test_low_contrast_colours_are_named_with_their_ratio(tmp_path: Path):
    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    with open(root / "site.yaml", "a") as f:
        f.write('colours:\n  primary: "#8fa3c8"\n  text: "#555555"\n')
    messages = [str(d) for d in load(root, today=TODAY).errors]
    prefix = f"{root}/site.yaml:19: error: colour contrast too low for "
    assert (
        prefix + ("body text in panels and notes: 'text' #555555 on 'accent' #eef3ff is 6.71:1, needs at least 7:1")
        in messages
    )
    assert (
        prefix + ("headings and links: 'primary' #8fa3c8 on 'background' #ffffff is 2.55:1, needs at least 4.5:1")
        in messages
    )
    # #555555 on white (7.46:1) is fine for body text, so that pair is not reported
    assert not any("'text' #555555 on 'background'" in msg for msg in messages)


def test_language_without_labels_is_a_warning(tmp_path: Path):
    root = tmp_path / "c"
    (root / "fr").mkdir(parents=True)
    (root / "site.yaml").write_text("name: Clinic\nlanguages: [fr]\n")
    (root / "fr" / "x.md").write_text("---\nid: x\ntitle: X\nsummary: S.\n---\n\n## A {#a}\n\nTexte.\n")
    result = load(root, today=TODAY)
    assert [d.message for d in result.warnings] == [
        "no built-in labels for language 'fr': fixed texts (Contents, Page, ...) will be in English"
    ]
    assert result.errors == ()
