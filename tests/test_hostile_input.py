"""Every failure class of issue 11 ("untrusted input"), re-tried with new inputs.

Each case builds a content folder in ``tmp_path`` from ``tests/roots/basic``
(``en/alpha.md`` and its translation ``it/alfa.md``) plus a known-good
``en/beta.md``, breaks one thing, and runs the real CLI in-process. Each
asserts: exactly one clear line naming ``file:line`` for the problem, a
non-zero exit, no traceback, nothing written outside the output folder, and
the valid conditions still built (when the problem is in a condition; a
broken ``site.yaml`` stops every output, since every output carries the site).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from benech_publish.cli import main
from conftest import ROOTS

DIAGNOSTIC = re.compile(r"^[^\s].*?(:\d+)?: (error|warning): \S")
SUMMARY = re.compile(r"^(ok|failed|done): |^\[\d+/\d+\] (written|skipped) |^note: ")
SECRET = "top-secret-7f3a"

BETA = """---
id: beta
title: Beta Disease
summary: A second, valid condition.
status: draft
---

## What it is {#definizione}

Beta is a second condition, written correctly.
"""


def run(capsys, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out + err


def snapshot(folder: Path, skip: Path) -> dict[str, bytes]:
    """Every file under ``folder`` except under ``skip`` (links are not followed)."""
    files = {}
    for dirpath, _dirnames, filenames in os.walk(folder):
        if Path(dirpath) == skip or skip in Path(dirpath).parents:
            continue
        for name in filenames:
            path = Path(dirpath) / name
            files[str(path)] = path.read_bytes() if path.is_file() else b"<special>"
    return files


@pytest.fixture
def root(tmp_path: Path, monkeypatch) -> Path:
    """``tmp_path/c``: a valid content folder; the test runs from ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOTS / "basic", tmp_path / "c")
    (tmp_path / "c" / "en" / "beta.md").write_text(BETA, encoding="utf-8")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text(SECRET)
    (tmp_path / "outside" / "secret.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><text>{SECRET}</text></svg>'
    )
    return tmp_path / "c"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def assert_clean_output(output: str) -> None:
    assert "Traceback" not in output and "internal error" not in output
    for line in output.splitlines():
        assert DIAGNOSTIC.match(line) or SUMMARY.match(line), f"not a one-line message: {line!r}"


def check_and_build(
    capsys,
    root: Path,
    expected: str,
    *,
    site_broken: bool = False,
    broken: tuple[str, ...] = ("en/alpha",),
    lang: str = "",
) -> str:
    """Run check and build; ``expected`` must match exactly one output line."""
    code, output = run(capsys, "check", "--content", "c")
    assert code == 1, output
    assert_clean_output(output)
    hits = [line for line in output.splitlines() if re.search(expected, line)]
    assert len(hits) == 1, f"expected one line matching {expected!r}:\n{output}"
    assert re.match(r"^c/[^:]+(:\d+)?: error: ", hits[0]), hits[0]

    before = snapshot(root.parent, root.parent / "out")
    args = ["build", "--content", "c", "--out", "out", "--format", "html", "--variant", "standard"]
    code, output = run(capsys, *(args + (["--lang", lang] if lang else [])))
    assert code == 1, output
    assert_clean_output(output)
    assert sum(bool(re.search(expected, line)) for line in output.splitlines()) == 1, output
    assert snapshot(root.parent, root.parent / "out") == before, "something written outside out/"
    built = sorted(  # the outputs (the build's manifest of what it wrote is not one)
        p.relative_to(root.parent / "out").as_posix()
        for p in (root.parent / "out").rglob("*")
        if p.is_file() and p.name != ".benech-manifest.json"
    )
    if site_broken:
        assert built == []
    else:
        expected_built = {"html/en/alpha.html", "html/en/beta.html", "html/it/alfa.html"}
        expected_built -= {f"html/{b}.html" for b in broken}
        if lang:
            expected_built = {b for b in expected_built if b.startswith(f"html/{lang}/")}
        assert set(built) == expected_built, built
    for page in (root.parent / "out").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert SECRET not in text and "javascript:" not in text.lower()
    return hits[0]


# --------------------------------------------------------------------------- the site logo


@pytest.mark.parametrize(
    "src, message",
    [
        (
            "../../outside/secret.txt",
            r"c/site\.yaml:13: error: logo '\.\./\.\./outside/secret\.txt' "
            r"is outside the content folder",
        ),
        (
            "/proc/self/environ",
            r"c/site\.yaml:13: error: logo '/proc/self/environ' must be a path "
            r"relative to the content",
        ),
        ("images/../../outside/secret.svg", r"c/site\.yaml:13: error: logo .* is outside the content"),
        (
            "file:///etc/hostname",
            r"c/site\.yaml:13: error: logo 'file:///etc/hostname' must be a file "
            r"inside the content folder, not an address",
        ),
    ],
)
def test_logo_outside_the_content_folder_is_refused(capsys, root: Path, src: str, message: str):
    edit(root / "site.yaml", "src: images/logo.svg", f"src: {src}")
    check_and_build(capsys, root, message, site_broken=True)


def test_logo_through_a_symbolic_link_is_refused(capsys, root: Path):
    (root / "images" / "brand.svg").symlink_to(root.parent / "outside" / "secret.svg")
    edit(root / "site.yaml", "src: images/logo.svg", "src: images/brand.svg")
    check_and_build(
        capsys,
        root,
        r"c/site\.yaml:13: error: logo 'images/brand\.svg' is outside "
        r"the content folder \(through a symbolic link\)",
        site_broken=True,
    )


def test_logo_of_an_unsupported_type_is_refused(capsys, root: Path):
    (root / "images" / "logo.html").write_text("<script>alert(1)</script>")
    edit(root / "site.yaml", "src: images/logo.svg", "src: images/logo.html")
    check_and_build(
        capsys,
        root,
        r"c/site\.yaml:13: error: logo 'images/logo\.html' has an "
        r"unsupported type",
        site_broken=True,
    )


# --------------------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    "value, message",
    [
        ('"JaVaScRiPt:alert(document.domain)"', r"'javascript:' address"),
        ('"data:text/html;base64,PHNjcmlwdD4="', r"'data:' address"),
        ('"java\\tscript:alert(1)"', r"contains spaces, control characters"),
        ('"//evil.example/x"', r"not a full address"),
        ('"https://user:pw@clinic.example/"', r"user name or password"),
        ("[https://a.example]", r"'source_url' must be a web address"),
    ],
)
def test_unsafe_source_url_is_refused(capsys, root: Path, value: str, message: str):
    edit(root / "en" / "alpha.md", "source_url: https://clinic.example/en/alpha/", f"source_url: {value}")
    line = check_and_build(capsys, root, message)
    assert line.startswith("c/en/alpha.md:6: error: ")


@pytest.mark.parametrize(
    "setting, message",
    [
        ('  website: "vbscript:msgbox(1)"\n', r"c/site\.yaml:7: error: 'contacts\.website': .*'vbscript:'"),
        ('  email: "x@y.example?body=<script>"\n', r"c/site\.yaml:7: error: 'contacts\.email'"),
        ('  phone: "javascript:alert(1)"\n', r"c/site\.yaml:7: error: 'contacts\.phone'"),
    ],
)
def test_unsafe_contact_addresses_are_refused(capsys, root: Path, setting: str, message: str):
    text = (root / "site.yaml").read_text()
    text = re.sub(r"  (phone|email): .*\n", "", text)
    (root / "site.yaml").write_text(
        text.replace("  address: Via Roma 1, Torino\n", "  address: Via Roma 1, Torino\n" + setting)
    )
    check_and_build(capsys, root, message, site_broken=True)


@pytest.mark.parametrize(
    "link", ["ftp://files.example/leaflet.pdf", "other-page.html", "sms:+390110000000", "mailto:not-an-address"]
)
def test_unsupported_links_in_text_are_refused(capsys, root: Path, link: str):
    edit(root / "en" / "beta.md", "written correctly.", f"written [correctly]({link}).")
    line = check_and_build(capsys, root, r"c/en/beta\.md:\d+: error: link", broken=("en/beta",))
    assert line.startswith("c/en/beta.md:10: error: link")


# --------------------------------------------------------------------------- SVG images


@pytest.mark.parametrize(
    "svg, message",
    [
        ('<image href="../../outside/secret.svg" width="9" height="9"/>', r"refers to '\.\./\.\./outside"),
        ('<use xlink:href="file:///etc/passwd#x"/>', r"refers to 'file:///etc/passwd#x'"),
        ('<g onclick="alert(1)"><rect width="9" height="9"/></g>', r"event handler 'onclick'"),
        ('<script type="application/ecmascript">alert(1)</script>', r"contains <script>"),
        ('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>', r"contains <foreignObject>"),
        (
            '<rect width="9" height="9" style="fill:url(https://tracker.example/a.svg#p)"/>',
            r"refers to 'https://tracker\.example",
        ),
        ('<set attributeName="fill" to="red"/>', r"contains <set>"),
    ],
)
def test_unsafe_svg_figures_are_refused(capsys, root: Path, svg: str, message: str):
    (root / "images" / "diagram.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'width="10" height="10">{svg}</svg>'
    )
    edit(root / "en" / "beta.md", "written correctly.", "written correctly.\n\n![A diagram](../images/diagram.svg)")
    line = check_and_build(capsys, root, message, broken=("en/beta",))
    assert line.startswith("c/en/beta.md:12: error: image '../images/diagram.svg' is refused: ")


def test_svg_with_an_entity_declaration_is_refused(capsys, root: Path):
    (root / "images" / "scan.svg").write_text(
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY s SYSTEM "../../outside/secret.txt">]>'
        '<svg xmlns="http://www.w3.org/2000/svg"><text>&s;</text></svg>'
    )
    code, output = run(capsys, "check", "--content", "c")
    assert code == 1 and "DOCTYPE with its own entities" in output
    assert output.count("error:") == 2  # both conditions use the image


def test_figure_outside_the_content_folder_or_through_a_link_is_refused(capsys, root: Path):
    edit(root / "en" / "beta.md", "written correctly.", "written correctly.\n\n![A scan](../../outside/secret.svg)")
    check_and_build(
        capsys,
        root,
        r"c/en/beta\.md:12: error: image '\.\./\.\./outside/secret\.svg' "
        r"is outside the content folder",
        broken=("en/beta",),
    )


# --------------------------------------------------------------------------- dates and types


@pytest.mark.parametrize(
    "field, value, message",
    [
        (
            "reviewed_on",
            "2023-04-31",
            r"c/en/alpha\.md:8: error: 'reviewed_on': 2023-04-31 is not a "
            r"date that exists",
        ),
        ("review_due", "2025-00-10", r"c/en/alpha\.md:9: error: 'review_due': 2025-00-10 is not a date"),
        (
            "last_updated",
            "2023-02-29 10:00:00",
            r"c/en/alpha\.md:7: error: 'last_updated' must be a "
            r"date written YYYY-MM-DD",
        ),
        ("last_updated", "[2024, 1, 1]", r"c/en/alpha\.md:7: error: 'last_updated' must be a date"),
        ("reviewers", "{a: 1}", r"c/en/alpha\.md:10: error: 'reviewers' must be a list of names"),
        ("status", "[approved]", r"c/en/alpha\.md:5: error: status must be 'draft' or 'approved'"),
    ],
)
def test_impossible_dates_and_wrong_types_in_a_condition(capsys, root: Path, field: str, value: str, message: str):
    path = root / "en" / "alpha.md"
    path.write_text(re.sub(rf"(?m)^{field}: .*$", f"{field}: {value}", path.read_text()))
    check_and_build(capsys, root, message)


def test_impossible_date_under_an_unknown_key_is_a_warning_not_a_crash(capsys, root: Path):
    edit(root / "en" / "beta.md", "status: draft", "status: draft\nfounded: 1900-02-29")
    code, output = run(capsys, "check", "--content", "c")
    assert code == 0 and "c/en/beta.md:6: warning: unknown field 'founded'" in output


@pytest.mark.parametrize(
    "line, message",
    [
        ("opened: 2023-02-29\n", r"c/site\.yaml:18: warning: unknown setting 'opened'"),
        ("certified_by: 2021-12-01\n", r"c/site\.yaml:18: error: 'certified_by' must be text"),
        ("colours: [red]\n", r"c/site\.yaml:18: error: 'colours' must be a mapping"),
        ("website: 42\n", r"c/site\.yaml:18: error: 'website' must be text"),
    ],
)
def test_site_yaml_dates_and_types(capsys, root: Path, line: str, message: str):
    text = (root / "site.yaml").read_text()
    text = re.sub(r"(?m)^website: .*\n", "", text)
    (root / "site.yaml").write_text(text + line)
    code, output = run(capsys, "check", "--content", "c")
    assert_clean_output(output)
    assert sum(bool(re.search(message, x)) for x in output.splitlines()) == 1, output
    if "error" in message:
        check_and_build(capsys, root, message, site_broken=True)
    else:
        assert code == 0


def test_front_matter_nested_too_deeply(capsys, root: Path):
    edit(root / "en" / "alpha.md", "keywords: [alpha, syndrome]", "keywords: " + "[" * 3000)
    check_and_build(capsys, root, r"c/en/alpha\.md:\d+: error: malformed YAML")


# --------------------------------------------------------------------------- characters and encodings


@pytest.mark.parametrize(
    "old, new, where",
    [
        (
            "title: Alpha Syndrome",
            "title: Alpha\x01 Syndrome",
            "c/en/alpha.md:3: error: invisible control character U+0001 in column 13",
        ),
        ("is *rare*", "is \x1b[31m*rare*", "c/en/alpha.md:27: error: invisible control character U+001B"),
        ("summary: What", "summary: \x00What", "c/en/alpha.md:4: error: invisible control character U+0000"),
        ("described in", "described\u2029in", "c/en/alpha.md:27: error: invisible control character U+2029"),
        ("described in", "described\x85in", "c/en/alpha.md:27: error: invisible control character U+0085"),
        ("described in", "described \u202eni", "c/en/alpha.md:27: error: invisible control character U+202E"),
    ],
)
def test_control_characters_are_reported_at_their_line(capsys, root: Path, old: str, new: str, where: str):
    edit(root / "en" / "alpha.md", old, new)
    check_and_build(capsys, root, re.escape(where))


def test_bom_and_crlf_and_lone_cr_are_accepted(capsys, root: Path):
    alpha = root / "en" / "alpha.md"
    alpha.write_bytes(b"\xef\xbb\xbf" + alpha.read_text().replace("\n", "\r\n").encode())
    beta = root / "en" / "beta.md"
    beta.write_bytes(beta.read_text().replace("\n", "\r").encode())
    site = root / "site.yaml"
    site.write_bytes(b"\xef\xbb\xbf" + site.read_bytes())
    code, output = run(capsys, "check", "--content", "c")
    assert code == 0, output
    assert "ok: 3 valid condition file(s), 0 error(s), 0 warning(s)" in output


def test_a_broken_line_is_reported_at_its_line_with_crlf(capsys, root: Path):
    alpha = root / "en" / "alpha.md"
    text = alpha.read_text().replace("## Symptoms", "#### Symptoms")
    alpha.write_bytes(text.replace("\n", "\r\n").encode())
    expected = next(n for n, line in enumerate(text.split("\n"), 1) if "#### Symptoms" in line)
    check_and_build(capsys, root, rf"c/en/alpha\.md:{expected}: error: heading level skipped")


def test_non_utf8_condition_and_site(capsys, root: Path):
    (root / "en" / "gamma.md").write_bytes(
        BETA.replace("beta", "gamma").replace("written correctly.", "scritto perché").encode("cp1252")
    )
    code, output = run(capsys, "check", "--content", "c")
    assert "c/en/gamma.md:10: error: not UTF-8 text" in output and code == 1
    assert_clean_output(output)
    (root / "en" / "gamma.md").unlink()
    (root / "site.yaml").write_bytes((root / "site.yaml").read_text().encode("utf-16"))
    check_and_build(capsys, root, r"c/site\.yaml:1: error: not UTF-8 text", site_broken=True)


# --------------------------------------------------------------------------- files and folders


def test_folder_named_like_a_condition(capsys, root: Path):
    (root / "it" / "beta.md").mkdir()
    (root / "it" / "beta.md" / "notes.txt").write_text("x")
    check_and_build(capsys, root, r"c/it/beta\.md: error: 'beta\.md' is a folder, not a file", broken=())


@pytest.mark.parametrize(
    "folder, severity", [("En", "error"), ("italiano", "error"), ("en-GB copy", "error"), ("drafts", "warning")]
)
def test_unknown_language_folders_are_reported(capsys, root: Path, folder: str, severity: str):
    (root / folder).mkdir()
    if severity == "error":
        shutil.copy(root / "en" / "beta.md", root / folder / "delta.md")
    else:
        (root / folder / "todo.txt").write_text("x")
    code, output = run(capsys, "check", "--content", "c")
    assert_clean_output(output)
    line = next(x for x in output.splitlines() if f"folder '{folder}'" in x)
    assert line.startswith(f"c/{folder}: {severity}: folder '{folder}' is not a language folder")
    assert code == (1 if severity == "error" else 0)


def test_symlinked_condition_pointing_outside_is_refused(capsys, root: Path):
    (root.parent / "outside" / "beta.md").write_text(BETA.replace("beta", "leak") + SECRET)
    (root / "en" / "leak.md").symlink_to("../../outside/beta.md")
    check_and_build(
        capsys,
        root,
        r"c/en/leak\.md:1: error: 'en/leak\.md' is a link to a file "
        r"outside the folder",
        broken=(),
    )


def test_symlinked_language_folder_pointing_outside_is_refused(capsys, root: Path):
    (root.parent / "outside" / "fr").mkdir()
    (root.parent / "outside" / "fr" / "beta.md").write_text(BETA + SECRET)
    (root / "en" / "beta.md").unlink()
    shutil.move(root / "en", root.parent / "outside" / "en")
    (root / "en").symlink_to(root.parent / "outside" / "en")
    code, output = run(capsys, "check", "--content", "c")
    assert code == 1 and "c/en/alpha.md:1: error: 'en/alpha.md' is a link to a file outside" in output


def test_dangling_editor_lock_file_is_ignored(capsys, root: Path):
    (root / "en" / ".#alpha.md").symlink_to("user@host.1234:1700000000")
    code, output = run(capsys, "check", "--content", "c")
    assert code == 0, output


# --------------------------------------------------------------------------- anchors


@pytest.mark.parametrize(
    "attrs, shown",
    [
        ("{#what it is}", r"\{#what it is\} not understood \(at 'it is'\)"),
        ("{#../../etc/x}", r"\{#\.\./\.\./etc/x\} not understood"),
        ("{#defin#izione}", r"\{#defin#izione\} not understood"),
        ("{#Definizione}", r"anchor 'Definizione' must be lower-case"),
        ("{#définition}", r"anchor 'définition' must be lower-case"),
    ],
)
def test_hostile_anchors_are_reported_not_shortened(capsys, root: Path, attrs: str, shown: str):
    edit(root / "en" / "beta.md", "{#definizione}", attrs)
    check_and_build(capsys, root, rf"c/en/beta\.md:8: error: .*{shown}", broken=("en/beta",))


# --------------------------------------------------------------------------- hidden problems


def test_build_one_language_whose_every_condition_is_broken_prints_their_errors(capsys, root: Path):
    edit(root / "it" / "alfa.md", "last_updated: 2025-03-01", "last_updated: 2025-02-29")
    code, output = run(capsys, "build", "--content", "c", "--out", "out", "--lang", "it", "--format", "html")
    assert code == 1
    assert_clean_output(output)
    assert "c/it/alfa.md:6: error: 'last_updated': 2025-02-29 is not a date that exists" in output
    assert "no content in language" not in output


def test_a_message_is_always_one_line(capsys, root: Path):
    edit(root / "en" / "beta.md", "status: draft", 'status: draft\n"two\\nlines\\u2028here": 1')
    code, output = run(capsys, "check", "--content", "c")
    assert code == 1
    assert_clean_output(output)
    assert "c/en/beta.md:6: warning: unknown field 'two\\nlines\\u2028here'" in output
    assert ("c/en/beta.md:6: error: 'two\\nlines\\u2028here': invisible control character U+2028") in output


@pytest.mark.parametrize("value", ['"Alpha\\aBeta"', '"Alpha\\u2028Beta"', '"\\x00"', '"A\\u202eB"'])
def test_control_characters_written_as_yaml_escapes_are_reported(capsys, root: Path, value: str):
    edit(root / "en" / "alpha.md", "title: Alpha Syndrome", f"title: {value}")
    check_and_build(capsys, root, r"c/en/alpha\.md:3: error: 'title': invisible control character")


def test_control_characters_written_as_entities_never_reach_the_output(capsys, root: Path, tmp_path: Path):
    edit(root / "en" / "beta.md", "written correctly.", "written &#7; &#x1b; correctly.")
    code, output = run(capsys, "build", "--content", "c", "--out", "out", "--format", "html")
    assert code == 0, output
    page = (tmp_path / "out" / "html" / "en" / "beta.html").read_text()
    assert "written \ufffd \ufffd correctly." in page  # markdown-it's replacement character
    assert "\x07" not in page and "\x1b" not in page


def test_file_name_with_a_control_character(capsys, root: Path):
    shutil.copy(root / "en" / "beta.md", root / "en" / "gam\x07ma.md")
    (root / "en" / "beta.md").unlink()
    code, output = run(capsys, "check", "--content", "c")
    assert code == 1
    assert_clean_output(output)
    assert "c/en/gam\\x07ma.md: error: file name: invisible control character U+0007" in output


def test_template_override_linking_outside_is_refused(capsys, root: Path):
    """``templates/`` beside ``content/``: a file that links outside is never read."""
    templates = root.parent / "templates"
    templates.mkdir()
    (templates / "page.xhtml").symlink_to(root.parent / "outside" / "secret.txt")
    code, output = run(capsys, "check", "--content", "c")
    assert code == 1
    assert_clean_output(output)
    errors = [x for x in output.splitlines() if ": error: " in x]
    assert len(errors) == 1 and re.match(
        r"^\S*templates/page\.xhtml: error: 'page\.xhtml' is a link "
        r"to a file outside the folder \S*templates: templates are "
        r"read only from their folder$",
        errors[0],
    ), errors
    code, output = run(capsys, "build", "--content", "c", "--out", "out", "--format", "html")
    assert code == 2 and output.count("\n") == 1 and "outside the folder" in output, output
    assert "Traceback" not in output and not (root.parent / "out").exists()


@pytest.mark.parametrize(
    "setting", ["tables: {en: ../../outside/secret.txt}", "tables: {en: /etc/hostname}", "display: ../x.dis"]
)
def test_braille_tables_are_names_not_paths(capsys, root: Path, setting: str):
    (root / "site.yaml").write_text((root / "site.yaml").read_text() + f"braille:\n  {setting}\n")
    check_and_build(capsys, root, r"c/site\.yaml:\d+: error: braille '(tables|display)'", site_broken=True)
