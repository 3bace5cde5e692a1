"""The command line, run in-process: messages, exit codes, no tracebacks."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benech_publish import __version__
from benech_publish.cli import main
from conftest import PROJECT, ROOTS


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return info.value.code, out, err


def test_version_and_help(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out
    for command in ("build", "check"):
        code, out, _ = run(capsys, command, "--help")
        assert code == 0 and "Usage: benech-publish " + command in out


def test_check_reports_each_problem_on_one_line_and_exits_1(capsys):
    code, _, err = run(capsys, "check", "--content", str(ROOTS / "broken"))
    assert code == 1
    assert "Traceback" not in err
    problem_lines = [line for line in err.splitlines() if ": error: " in line]
    assert [line.split(":")[0:2] for line in problem_lines] == [
        [f"{ROOTS}/broken/en/bad-yaml.md", "4"],
        [f"{ROOTS}/broken/en/no-alt.md", "11"],
        [f"{ROOTS}/broken/en/no-title.md", "1"],
    ]
    assert err.splitlines()[-1] == "failed: 1 valid condition file(s), 3 error(s), 0 warning(s)"


def test_check_strict(capsys, tmp_path: Path):
    root = tmp_path / "c"
    shutil.copytree(ROOTS / "basic", root)
    alpha = root / "en" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("2025-03-15", "2000-01-01").replace("2028-03-15", "2001-01-01"))
    assert run(capsys, "check", "--content", str(root))[0] == 0
    code, _, err = run(capsys, "check", "--content", str(root), "--strict")
    assert code == 1 and "warning: review overdue" in err


def test_build_builds_valid_conditions_despite_broken_ones(capsys, tmp_path: Path):
    out = tmp_path / "out"
    code, _, err = run(capsys, "build", "--content", str(ROOTS / "broken"), "--out", str(out), "--format", "html")
    assert code == 1 and "Traceback" not in err
    assert (out / "html" / "en" / "good.html").is_file()
    assert not (out / "html" / "en" / "no-title.html").exists()
    assert f"{ROOTS}/broken/en/no-title.md:1: error: missing title" in err


def test_build_html_for_the_shipped_content(capsys, tmp_path: Path):
    out = tmp_path / "out"
    code, _, err = run(
        capsys, "build", "--content", str(PROJECT / "content"), "--out", str(out), "--format", "html", "--lang", "it,en"
    )
    assert code == 0, err
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert written == [
        "html/en/facial-nerve-hemispasm.html",
        "html/en/facial-nerve-hemispasm.large.html",
        "html/it/emispasmo-facciale.html",
        "html/it/emispasmo-facciale.large.html",
    ]
    assert not list(out.rglob("*.tmp"))


@pytest.mark.parametrize(
    "args, message",
    [
        (("build", "--format", "docx"), "docx (choose from html, pdf, epub, braille)"),
        (("build", "--variant", "huge"), "huge (choose from standard, large)"),
        (("build", "--large-print-size", "30"), "30 is not in the range 16<=x<=24"),
    ],
)
def test_bad_options_exit_2_with_one_line(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_unknown_language_is_a_usage_error(capsys, tmp_path: Path):
    code, _, err = run(
        capsys, "build", "--content", str(ROOTS / "basic"), "--out", str(tmp_path), "--lang", "fr", "--format", "html"
    )
    assert code == 2 and "no content in language(s) fr" in err


def test_missing_content_folder(capsys, tmp_path: Path):
    code, _, err = run(capsys, "check", "--content", str(tmp_path / "nope"))
    assert code == 1 and "content folder not found" in err


def test_atomic_write_keeps_the_old_file_when_a_job_fails(capsys, tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    assert run(capsys, "build", "--content", str(ROOTS / "basic"), "--out", str(out), "--format", "html")[0] == 0
    page = out / "html" / "en" / "alpha.html"
    before = page.read_bytes()

    from dataclasses import replace

    from benech_publish.build import KINDS

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(KINDS, "page", replace(KINDS["page"], produce=explode))
    code, _, err = run(
        capsys, "build", "--content", str(ROOTS / "basic"), "--out", str(out), "--format", "html", "--force"
    )
    assert code == 1 and "internal error: RuntimeError: disk on fire" in err and "Traceback" not in err
    assert page.read_bytes() == before  # the previous good file is kept
    assert (out / "html" / "it" / "alfa.html").is_file()


def test_builds_are_incremental_by_default_and_force_makes_everything(capsys, tmp_path: Path):
    root, out = tmp_path / "c", tmp_path / "out"
    shutil.copytree(ROOTS / "basic", root)
    args = ("build", "--content", str(root), "--out", str(out), "--format", "html")
    assert run(capsys, *args)[0] == 0
    code, _, err = run(capsys, *args)
    assert code == 0 and "0 file(s) written, 4 up to date" in err
    code, _, err = run(capsys, *args, "--incremental")  # deprecated, accepted, ignored
    assert code == 0 and "0 file(s) written, 4 up to date" in err and "--incremental is deprecated" in err
    code, _, err = run(capsys, *args, "--force")
    assert code == 0 and "4 file(s) written, 0 up to date" in err
    alpha = root / "en" / "alpha.md"
    alpha.write_text(alpha.read_text().replace("Medicines help most people.", "Medicines help."))
    code, _, err = run(capsys, *args)
    assert code == 0 and "2 file(s) written, 2 up to date" in err  # alpha's two editions only
    assert "Medicines help." in (out / "html" / "en" / "alpha.html").read_text()


def test_unsupported_weasyprint_stops_the_build_with_one_line_and_no_pdf(capsys, tmp_path, monkeypatch):
    """A WeasyPrint upgrade that moves one internal the typesetter uses: no fallback."""
    import weasyprint.pdf

    monkeypatch.delattr(weasyprint.pdf, "add_tags")
    out = tmp_path / "out"
    code, _, err = run(capsys, "build", "--content", str(ROOTS / "basic"), "--out", str(out), "--jobs", "1")
    assert code == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if "WeasyPrint" in line]
    assert len(lines) == 1, err
    assert "weasyprint.pdf.add_tags is missing" in lines[0]
    assert "supports WeasyPrint 70.x" in lines[0]
    assert not list(out.rglob("*.pdf")) and not list(out.rglob("*.epub"))


def test_unsupported_weasyprint_in_the_workers_stops_the_build_before_writing(capsys, tmp_path, monkeypatch):
    """Worker processes import WeasyPrint themselves: one that finds an unsupported
    version (a package shadowing it on their sys.path) stops the build, one line, nothing written."""
    fake = tmp_path / "fake" / "weasyprint"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('__version__ = "71.0"\n')
    monkeypatch.syspath_prepend(str(tmp_path / "fake"))  # spawned workers get the parent's sys.path
    out = tmp_path / "out"
    code, _, err = run(capsys, "build", "--content", str(ROOTS / "basic"), "--out", str(out), "--jobs", "2")
    assert code == 1 and "Traceback" not in err
    lines = [line for line in err.splitlines() if "WeasyPrint" in line]
    assert lines == [lines[0]] and "WeasyPrint 71.0 is installed" in lines[0], err
    assert not [p for p in out.rglob("*") if p.is_file()]  # not even the web pages


def test_choices_are_case_insensitive_and_come_from_options(capsys, tmp_path):
    out = tmp_path / "out"
    code, _, err = run(
        capsys,
        "build",
        "--content",
        str(ROOTS / "basic"),
        "--out",
        str(out),
        "--format",
        "HTML",
        "--paper",
        "a5",
        "--variant",
        "Standard",
    )
    assert code == 0, err
    assert sorted(p.name for p in (out / "html" / "en").iterdir()) == ["alpha.html"]
    code, out_text, _ = run(capsys, "build", "--help")
    from benech_publish.options import DEFAULT_OPTIONS, FORMATS, PAPERS

    assert ",".join(FORMATS) in out_text and all(p.lower() in out_text.lower() for p in PAPERS)
    assert f"default: {DEFAULT_OPTIONS.large_print_pt}" in out_text


def test_audit_help_speaks_of_pdf_findings_only(capsys):
    code, out, _ = run(capsys, "audit", "--help")
    assert code == 0
    assert "review" not in out and "PDF" in out


def test_notes_speak_only_of_what_was_asked_and_name_left_out_drafts(capsys, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(ROOTS / "basic", root)
    alfa = root / "it" / "alfa.md"
    alfa.write_text(alfa.read_text(encoding="utf-8").replace("status: approved", "status: draft"), encoding="utf-8")
    code, _, err = run(capsys, "build", "--content", str(root), "--out", str(tmp_path / "o1"), "--format", "html")
    assert code == 0 and "booklet" not in err, err
    code, _, err = run(
        capsys,
        "build",
        "--content",
        str(root),
        "--out",
        str(tmp_path / "o2"),
        "--format",
        "epub",
        "--variant",
        "standard",
    )
    assert code == 0, err
    assert (
        "note: no booklet for 'it': every condition is a draft (alfa.md); use --include-drafts "
        "to build it with the drafts marked"
    ) in err
    assert "'en'" not in err


def test_pdf_ua_2_is_audited_honestly(capsys, tmp_path):
    out = tmp_path / "out"
    code, _, err = run(
        capsys,
        "build",
        "--content",
        str(ROOTS / "basic"),
        "--out",
        str(out),
        "--format",
        "pdf",
        "--lang",
        "en",
        "--variant",
        "standard",
        "--pdf-variant",
        "pdf/ua-2",
    )
    assert code == 0, err
    code, text, _ = run(capsys, "audit", str(out / "pdf" / "en" / "alpha.pdf"))
    assert "note: declares PDF/UA-2, but only the PDF/UA-1 rules were checked" in text
    import pikepdf

    with pikepdf.open(out / "pdf" / "en" / "alpha.pdf") as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
    assert 'pdfuaid:part="2"' in xmp or "<pdfuaid:part>2</pdfuaid:part>" in xmp
    assert "pdfuaid:conformance" not in xmp  # ISO 14289-2 defines part and rev only
    code, out_text, _ = run(capsys, "build", "--help")
    assert "experimental" in out_text
