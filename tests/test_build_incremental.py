"""Incremental builds: the manifest makes exactly the outputs whose inputs or options changed.

Every check compares what a rebuild wrote with what it should have written,
and the result with a fresh ``force`` build (byte for byte), so an output
that was wrongly skipped is caught, not only one wrongly rebuilt. Builds run
in-process (``jobs=1``) on small test roots, English only where that is enough.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from benech_publish import BuildError, Options, build
from benech_publish.build import MANIFEST_NAME
from benech_publish.build.manifest import LIBRARIES, _library_versions
from conftest import ROOTS

CREATED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
EN = Options(languages=("en",), jobs=1, formats=("html", "pdf", "epub"))  # braille: test_braille.py


def make_root(tmp_path: Path) -> Path:
    """tests/roots/basic plus a second English condition (beta), so edits have neighbours."""
    root = tmp_path / "content"
    shutil.copytree(ROOTS / "basic", root)
    alpha = (root / "en" / "alpha.md").read_text(encoding="utf-8")
    beta = (
        alpha.replace("id: alpha", "id: beta")
        .replace("Alpha Syndrome", "Beta Syndrome")
        .replace("source_url: https://clinic.example/en/alpha/", "source_url: https://clinic.example/en/beta/")
        .replace('![An MRI scan showing the lesion](../images/scan.svg "The lesion on MRI")\n', "")
    )
    (root / "en" / "beta.md").write_text(beta, encoding="utf-8")
    return root


def files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != MANIFEST_NAME
    }


def rel(out: Path, paths: list[Path]) -> set[str]:
    return {Path(p).relative_to(out).as_posix() for p in paths}


def stamps(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*")}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A content root and a complete English build of it (default options)."""
    tmp = tmp_path_factory.mktemp("base")
    root = make_root(tmp)
    out = tmp / "out"
    build(root, out, EN, created=CREATED)
    return root, out


def copy_of(base: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    root, out = tmp_path / "content", tmp_path / "out"
    shutil.copytree(base[0], root)
    shutil.copytree(base[1], out)
    return root, out


def same_as_fresh(root: Path, out: Path, options: Options, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    build(root, fresh, options, created=CREATED)
    assert files(out) == files(fresh)


STANDARD_PRINT = {"pdf/en/alpha.pdf", "pdf/en/beta.pdf", "pdf/en/booklet.pdf", "epub/en/booklet.epub"}
LARGE_PRINT = {
    "pdf/en/alpha.large.pdf",
    "pdf/en/beta.large.pdf",
    "pdf/en/booklet.large.pdf",
    "epub/en/booklet.large.epub",
}


@pytest.mark.parametrize(
    "change, expected",
    [
        # Large print is always A4; the EPUB's page-list follows the print layout.
        ({"paper": "A5"}, STANDARD_PRINT),
        ({"large_print_pt": 20}, LARGE_PRINT),
        ({"standard_pt": 14}, STANDARD_PRINT),
        ({"pdf_variant": "pdf/ua-2"}, STANDARD_PRINT | LARGE_PRINT),
    ],
)
def test_each_option_rebuilds_exactly_the_outputs_it_affects(base, tmp_path, change, expected):
    root, out = copy_of(base, tmp_path)
    options = EN.with_(**change)
    report = build(root, out, options, created=CREATED)
    assert rel(out, report.written) == expected
    same_as_fresh(root, out, options, tmp_path)


def test_strict_alone_remakes_nothing_and_reports_the_recorded_audit_findings(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    lax = build(root, out, EN, created=CREATED)  # the copy changed every mtime: made once more
    recorded = [n for n in lax.notices if "FAILS ITS PDF AUDIT" in n]
    try:
        report = build(root, out, EN.with_(strict=True), created=CREATED)
    except BuildError as exc:
        report = exc.report
    assert report.written == []
    assert sorted(f.message for f in report.failures) == sorted(recorded)


def test_include_drafts_rebuilds_the_booklets_whose_members_change(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    beta = root / "en" / "beta.md"
    beta.write_text(beta.read_text().replace("status: approved", "status: draft"))
    report = build(root, out, EN, created=CREATED)  # beta's own outputs, and beta leaves the booklets
    assert rel(out, report.written) == {
        "html/en/beta.html",
        "html/en/beta.large.html",
        "pdf/en/beta.pdf",
        "pdf/en/beta.large.pdf",
        "pdf/en/booklet.pdf",
        "epub/en/booklet.epub",
        "pdf/en/booklet.large.pdf",
        "epub/en/booklet.large.epub",
    }
    with_drafts = EN.with_(include_drafts=True)
    report = build(root, out, with_drafts, created=CREATED)
    assert rel(out, report.written) == {
        "pdf/en/booklet.pdf",
        "epub/en/booklet.epub",
        "pdf/en/booklet.large.pdf",
        "epub/en/booklet.large.epub",
    }
    same_as_fresh(root, out, with_drafts, tmp_path)


def test_override_templates_rebuild_everything_and_their_edits_count(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    templates = tmp_path / "templates" / "css"
    templates.mkdir(parents=True)
    packaged = Path(__file__).parent.parent / "src" / "benech_publish" / "templates" / "css" / "web.css"
    (templates / "web.css").write_text(packaged.read_text() + "\n/* clinic */\n")
    options = EN.with_(templates=tmp_path / "templates")
    report = build(root, out, options, created=CREATED)
    assert rel(out, report.written) == set(files(out))
    (templates / "web.css").write_text(packaged.read_text() + "\n/* clinic, again */\n")
    report = build(root, out, options, created=CREATED)
    assert rel(out, report.written) == set(files(out))  # any option may be read by an override
    assert "clinic, again" in (out / "html" / "en" / "alpha.html").read_text()
    same_as_fresh(root, out, options, tmp_path)


ALPHA_AND_BOOKLETS = {
    "html/en/alpha.html",
    "html/en/alpha.large.html",
    "pdf/en/alpha.pdf",
    "pdf/en/alpha.large.pdf",
    "pdf/en/booklet.pdf",
    "epub/en/booklet.epub",
    "pdf/en/booklet.large.pdf",
    "epub/en/booklet.large.epub",
}


@pytest.mark.parametrize(
    "edited, old, new",
    [
        ("en/alpha.md", "Medicines help most people.", "Medicines help."),
        ("images/scan.svg", "</svg>", "<!-- edited --></svg>"),  # only alpha shows the scan in en
    ],
)
def test_an_edit_rebuilds_the_outputs_that_show_it_and_nothing_else(base, tmp_path, edited, old, new):
    root, out = copy_of(base, tmp_path)
    path = root / edited
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new))
    report = build(root, out, EN, created=CREATED)
    assert rel(out, report.written) == ALPHA_AND_BOOKLETS
    assert len(report.skipped) == 4  # beta's
    same_as_fresh(root, out, EN, tmp_path)


def test_a_site_edit_rebuilds_everything(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    site = root / "site.yaml"
    site.write_text(site.read_text().replace("Via Roma 1", "Via Roma 2"))
    report = build(root, out, EN, created=CREATED)
    assert rel(out, report.written) == set(files(out))
    same_as_fresh(root, out, EN, tmp_path)


def test_a_noop_rebuild_writes_nothing(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    build(root, out, EN, created=CREATED)  # the copy changed every mtime: made once more
    before = stamps(out)
    report = build(root, out, EN, created=CREATED)
    assert report.written == [] and report.removed == [] and len(report.skipped) == len(files(out))
    assert stamps(out) == before  # not even the manifest


def _importlib_versions() -> list[str]:
    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return versions


def _distribution(site: Path, folder: str, files: dict[str, str]) -> None:
    (site / folder).mkdir(parents=True)
    for name, text in files.items():
        (site / folder / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    "shadow",
    [
        {},
        # spelled as distributions spell themselves; the long description has its own "Version:"
        {"WeasyPrint-99.0.dist-info": {"METADATA": "Name: WeasyPrint\nVersion: 99.0\n\nVersion: 1\n"}},
        {"PyYAML-7.0-py3.11.egg-info": {"PKG-INFO": "Metadata-Version: 1.1\nName: PyYAML\nversion:  7.0b1\n"}},
        {"markdown.it.py-9.dist-info": {"METADATA": "", "PKG-INFO": "Name: markdown-it-py\nVersion: 9.1\n"}},
        {"segno-2.dist-info": {"METADATA": "Name: segno\nSummary: no version\n"}},
        {"lxml-1.dist-info": {"METADATA": "Version: 1.0\n"}, "LXML-2.dist-info": {"METADATA": "Version: 2.0\n"}},
    ],
)
def test_library_versions_are_exactly_what_importlib_metadata_finds(tmp_path, monkeypatch, shadow):
    """The manifest reads the libraries' versions itself (importing importlib.metadata costs a
    no-op rebuild ~25 ms): it must find the same distribution and version, whatever shadows it."""
    for folder, texts in shadow.items():
        _distribution(tmp_path, folder, texts)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _library_versions() == _importlib_versions()
    assert "weasyprint=none" not in _library_versions()  # the installed ones are found


def test_library_versions_in_an_archive_on_sys_path_are_found_too(tmp_path, monkeypatch):
    archive = tmp_path / "libs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pyphen-42.dist-info/METADATA", "Name: pyphen\nVersion: 42\n")
    _distribution(tmp_path / "site", "lxml-3.dist-info", {"METADATA": "Version: 3\n"})
    monkeypatch.syspath_prepend(str(archive))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))  # before the archive
    versions = _library_versions()
    assert "pyphen=42" in versions and "lxml=3" in versions
    assert versions == _importlib_versions()


PAGES = ("alpha", "beta", "alpha.large", "beta.large")


def test_a_changed_library_version_rebuilds_everything(base, tmp_path, monkeypatch):
    html = Options(languages=("en",), jobs=1, formats=("html",))
    root, out = base[0], tmp_path / "out"
    build(root, out, html, created=CREATED)
    _distribution(tmp_path / "site", "weasyprint-99.0.dist-info", {"METADATA": "Name: weasyprint\nVersion: 99.0\n"})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert importlib.metadata.version("weasyprint") == "99.0"
    report = build(root, out, html, created=CREATED)
    assert rel(out, report.written) == set(files(out)) == {f"html/en/{n}.html" for n in PAGES}
    assert build(root, out, html, created=CREATED).written == []  # and then it is up to date


def test_an_output_deleted_or_changed_by_hand_is_made_again(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    build(root, out, EN, created=CREATED)
    (out / "pdf" / "en" / "beta.pdf").unlink()
    page = out / "html" / "en" / "alpha.html"
    page.write_bytes(page.read_bytes() + b"<!-- hand edit -->")
    report = build(root, out, EN, created=CREATED)
    assert rel(out, report.written) == {"pdf/en/beta.pdf", "html/en/alpha.html"}
    same_as_fresh(root, out, EN, tmp_path)


def test_deleting_a_condition_removes_its_outputs_and_its_chapter(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    build(root, out, EN, created=CREATED)
    mine = out / "pdf" / "en" / "mine.pdf"  # not the build's: never touched
    mine.write_bytes(b"%PDF-1.7 someone else's")
    (out / "notes.txt").write_text("keep me")
    (root / "en" / "beta.md").unlink()
    report = build(root, out, EN, created=CREATED)
    assert rel(out, report.removed) == {
        "html/en/beta.html",
        "html/en/beta.large.html",
        "pdf/en/beta.pdf",
        "pdf/en/beta.large.pdf",
    }
    assert rel(out, report.written) == {
        "pdf/en/booklet.pdf",
        "epub/en/booklet.epub",
        "pdf/en/booklet.large.pdf",
        "epub/en/booklet.large.epub",
    }
    assert mine.read_bytes() == b"%PDF-1.7 someone else's" and (out / "notes.txt").exists()
    with zipfile.ZipFile(out / "epub" / "en" / "booklet.epub") as epub:
        text = b"".join(epub.read(n) for n in epub.namelist() if n.endswith(".xhtml"))
    assert b"Beta Syndrome" not in text and b"Alpha Syndrome" in text
    manifest = json.loads((out / MANIFEST_NAME).read_text())["outputs"]
    assert not [k for k in manifest if "beta" in k]
    fresh = tmp_path / "fresh"
    build(root, fresh, EN, created=CREATED)
    assert {k: v for k, v in files(out).items() if k not in ("pdf/en/mine.pdf", "notes.txt")} == files(fresh)


def test_deleting_a_language_removes_its_booklets_too(tmp_path):
    root, out = make_root(tmp_path), tmp_path / "out"
    build(root, out, Options(formats=("html", "epub"), editions=("standard",), jobs=1), created=CREATED)
    assert (out / "epub" / "it" / "booklet.epub").is_file()
    shutil.rmtree(root / "it")
    report = build(root, out, Options(formats=("html", "epub"), editions=("standard",), jobs=1), created=CREATED)
    assert rel(out, report.removed) == {"html/it/alfa.html", "epub/it/booklet.epub"}
    assert not (out / "it").exists() and not (out / "html" / "it").exists()


def test_a_condition_with_errors_keeps_its_outputs_and_its_language_booklet(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    build(root, out, EN, created=CREATED)
    before = files(out)
    beta = root / "en" / "beta.md"
    beta.write_text(beta.read_text().replace("title: Beta Syndrome\n", ""))
    with pytest.raises(BuildError) as info:
        build(root, out, EN, created=CREATED)
    report = info.value.report
    assert report.removed == [] and report.written == []
    assert files(out) == before  # beta's outputs and the booklet it is in are kept
    assert any("booklet for 'en' not rebuilt" in n for n in report.notices)


def test_removal_never_leaves_the_output_folder(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("precious")
    data = json.loads((out / MANIFEST_NAME).read_text())
    entry = dict(next(iter(data["outputs"].values())), slug="gone", size=8, mtime_ns=outside.stat().st_mtime_ns)
    data["outputs"]["../outside.txt"] = entry
    (out / MANIFEST_NAME).write_text(json.dumps(data))
    report = build(root, out, EN, created=CREATED)
    assert outside.read_text() == "precious" and report.removed == []


def test_an_unreadable_manifest_means_a_full_build(base, tmp_path):
    root, out = copy_of(base, tmp_path)
    (out / MANIFEST_NAME).write_text("{not json")
    report = build(root, out, EN, created=CREATED)
    assert rel(out, report.written) == set(files(out))
    assert json.loads((out / MANIFEST_NAME).read_text())["version"] == 1


def test_findings_of_an_output_that_is_up_to_date_are_reported_again(tmp_path):
    """A skipped output's recorded check findings (the PDF audit's) still reach the report:
    as notes, or as failures under --strict (strict alone remakes nothing)."""
    out = tmp_path / "out"
    options = Options(formats=("html",), editions=("standard",), jobs=1)
    build(ROOTS / "basic", out, options, created=CREATED)
    data = json.loads((out / MANIFEST_NAME).read_text())
    text = f"{out / 'html' / 'en' / 'alpha.html'}: PDF audit: 01-005 forged finding"
    data["outputs"]["html/en/alpha.html"]["findings"] = text
    (out / MANIFEST_NAME).write_text(json.dumps(data))
    report = build(ROOTS / "basic", out, options, created=CREATED)
    assert report.written == [] and text in report.notices
    with pytest.raises(BuildError) as info:
        build(ROOTS / "basic", out, options.with_(strict=True), created=CREATED)
    assert [(f.output, f.message) for f in info.value.report.failures] == [
        (str(out / "html" / "en" / "alpha.html"), text)
    ]
    assert info.value.report.written == []
