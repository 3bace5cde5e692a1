"""Template overrides (top-level templates/), the template commands and `init` (issue 18)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest

import validators
from benech_publish import Options, build
from benech_publish.cli import main
from benech_publish.overrides import PROTECTED, check_overrides, copy_template, override_folder, packaged_templates
from conftest import PROJECT, ROOTS


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return info.value.code, out, err


def project(tmp_path: Path, root: str = "basic") -> Path:
    """A project folder: content/ (a copy of a test root) and an empty templates/."""
    shutil.copytree(ROOTS / root, tmp_path / "content")
    (tmp_path / "templates").mkdir()
    return tmp_path


# --------------------------------------------------------------------------- the repository's own


def test_the_repository_ships_a_real_override_that_make_build_uses(shipped_out: Path):
    assert override_folder(PROJECT / "content") == PROJECT / "templates"
    assert (PROJECT / "templates" / "css" / "clinic.css").is_file()
    assert check_overrides(PROJECT / "templates") == []
    for page in (shipped_out / "html").rglob("*.html"):
        assert "Benech Neurochirurgia: brand additions" in page.read_text(encoding="utf-8"), page
    epub = next((shipped_out / "epub").rglob("booklet.epub"))
    with zipfile.ZipFile(epub) as z:
        assert "brand additions" in z.read("EPUB/css/booklet.css").decode()


# --------------------------------------------------------------------------- warnings


def test_a_misspelt_override_is_a_warning_naming_the_closest_template(tmp_path, capsys):
    p = project(tmp_path)
    (p / "templates" / "leaflet.xtml").write_text("<x/>", encoding="utf-8")
    (p / "templates" / "README.md").write_text("notes", encoding="utf-8")  # notes are fine
    code, _, err = run(capsys, "check", "--content", str(p / "content"))
    assert code == 0  # a warning
    lines = [line for line in err.splitlines() if "overrides nothing" in line]
    assert lines == [
        f"{(p / 'templates' / 'leaflet.xtml').as_posix()}: warning: leaflet.xtml "
        "overrides nothing: no packaged template has that name (did you mean leaflet.xhtml?)"
    ]
    code, _, err = run(capsys, "check", "--content", str(p / "content"), "--strict")
    assert code == 1


def test_an_override_that_breaks_an_edition_rule_is_reported_and_undone(tmp_path, capsys):
    p = project(tmp_path)
    css = p / "templates" / "css" / "clinic.css"
    css.parent.mkdir()
    css.write_text(
        "/* ours */\nem { font-style: italic; color: #ff0000; }\n"
        "p { font-size: 8pt; text-align: justify; }\n"
        "h2 { color: {{ colours.primary }}; }\n",
        encoding="utf-8",
    )
    (p / "templates" / PROTECTED).write_text("* {}", encoding="utf-8")
    _code, _, err = run(capsys, "check", "--content", str(p / "content"))
    warnings = [line for line in err.splitlines() if ": warning: " in line]
    where = css.as_posix()
    assert any(w.startswith(f"{where}:2: warning: 'font-style: italic'") for w in warnings), err
    assert any(w.startswith(f"{where}:2: warning: colour '#ff0000'") for w in warnings), err
    assert any(w.startswith(f"{where}:3: warning: 'font-size: 8pt' is 8.0 pt") for w in warnings), err
    assert any(w.startswith(f"{where}:3: warning: 'text-align: justify'") for w in warnings), err
    assert not any(f"{where}:4:" in w for w in warnings), "site colours are fine"
    assert any("css/protect.css cannot be overridden" in w for w in warnings), err
    # The protections still win: the large-print leaflet has no italic face.
    out = tmp_path / "out"
    build(p / "content", out, Options(formats=("pdf",), editions=("large",), languages=("en",)))
    with pikepdf.open(out / "pdf" / "en" / "alpha.large.pdf") as pdf:
        fonts = {str(f.get("/BaseFont")) for page in pdf.pages for f in page.Resources.get("/Font", {}).values()}
    assert fonts and not any("Italic" in f for f in fonts), fonts


# --------------------------------------------------------------------------- every template, every format


@pytest.mark.slow
def test_overriding_templates_changes_every_format(tmp_path):
    p = project(tmp_path)
    folder = p / "templates"
    markers = {
        "leaflet.xhtml": ("<body", "OVERRIDE-LEAFLET"),
        "page.xhtml": ("<body", "OVERRIDE-PAGE"),
        "epub/chapter.xhtml": ("{{ mx.sections", "OVERRIDE-CHAPTER"),
    }
    for name, (before, marker) in markers.items():
        target = copy_template(name, folder)
        text = target.read_text(encoding="utf-8")
        head, tail = text.split(before, 1)
        if before == "<body":  # after the body's start tag
            close = tail.index(">") + 1
            text = head + before + tail[:close] + f"\n<p>{marker}</p>" + tail[close:]
        else:
            text = head + f"<p>{marker}</p>\n" + before + tail
        target.write_text(text, encoding="utf-8")
    (folder / "css").mkdir(exist_ok=True)
    (folder / "css" / "clinic.css").write_text(".override-css-marker { color: {{ colours.text }}; }", encoding="utf-8")
    out = tmp_path / "out"
    build(p / "content", out, Options(languages=("en",), editions=("standard",)))
    page = (out / "html" / "en" / "alpha.html").read_text(encoding="utf-8")
    assert "OVERRIDE-PAGE" in page and "override-css-marker" in page
    leaflet = _pdf_text(out / "pdf" / "en" / "alpha.pdf")
    assert "OVERRIDE-LEAFLET" in leaflet
    assert "OVERRIDE-CHAPTER" in _pdf_text(out / "pdf" / "en" / "booklet.pdf")
    with zipfile.ZipFile(out / "epub" / "en" / "booklet.epub") as z:
        assert "OVERRIDE-CHAPTER" in z.read("EPUB/alpha.xhtml").decode()
        assert "override-css-marker" in z.read("EPUB/css/booklet.css").decode()


def _pdf_text(path: Path) -> str:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


# --------------------------------------------------------------------------- commands


def test_templates_list_and_copy(tmp_path, capsys):
    p = project(tmp_path)
    code, out, _ = run(capsys, "templates", "list", "--content", str(p / "content"))
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == list(packaged_templates())
    code, _, err = run(capsys, "templates", "copy", "css/clinic.css", "--content", str(p / "content"))
    assert code == 0 and (p / "templates" / "css" / "clinic.css").is_file()
    code, out, _ = run(capsys, "templates", "list", "--content", str(p / "content"))
    assert "css/clinic.css" in out and "overridden by" in out
    code, _, err = run(capsys, "templates", "copy", "css/clinic.css", "--content", str(p / "content"))
    assert code == 2 and "exists already" in err and "Traceback" not in err
    code, _, err = run(capsys, "templates", "copy", "leaflet.xtml", "--content", str(p / "content"))
    assert code == 2 and "did you mean leaflet.xhtml" in err
    code, _, err = run(capsys, "templates", "copy", PROTECTED, "--content", str(p / "content"))
    assert code == 2 and "cannot be overridden" in err


def test_explicit_templates_option_wins_over_the_folder_beside_content(tmp_path):
    p = project(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    assert override_folder(p / "content") == p / "templates"
    assert override_folder(p / "content", other) == other
    assert override_folder(ROOTS / "basic") is None


def test_init_refuses_a_folder_that_holds_anything(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine", encoding="utf-8")
    code, _, err = run(capsys, "init", str(tmp_path / "x"))
    assert code == 2 and "not an empty folder" in err
    assert (tmp_path / "x" / "keep.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.slow
def test_init_builds_with_zero_errors_and_passes_the_validators(tmp_path, capsys):
    dest = tmp_path / "new-clinic"
    code, _, err = run(capsys, "init", str(dest), "--name", "Clinica: Nuova")
    assert code == 0, err
    site = (dest / "content" / "site.yaml").read_text(encoding="utf-8")
    assert 'name: "Clinica: Nuova"' in site and site.count("#") > 20  # every field commented
    assert "status: draft" in (dest / "content" / "en" / "example-condition.md").read_text()
    code, _, err = run(capsys, "check", "--content", str(dest / "content"))
    assert code == 0 and err.splitlines()[-1].endswith("0 error(s), 0 warning(s)"), err
    out = dest / "out"
    code, _, err = run(capsys, "build", "--content", str(dest / "content"), "--out", str(out), "--include-drafts")
    assert code == 0, err
    code, text, _ = run(capsys, "audit", *map(str, sorted(out.rglob("*.pdf"))))
    assert code == 0, text
    for epub in sorted(out.rglob("*.epub")):
        result = validators.epubcheck(epub)
        assert not result.errors and not result.warnings, result.summary()
    ace = validators.ace(out / "epub" / "it" / "booklet.epub", tmp_path / "ace")
    assert not ace.violations, ace.summary()


@pytest.mark.slow
def test_init_works_from_an_installed_wheel_alone(tmp_path):
    """The scaffold ships in the wheel: init and build run with no file from this repository."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(PROJECT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("benech_publish-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert "benech_publish/scaffold/content/site.yaml" in names
    assert "benech_publish/templates/css/protect.css" in names
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import benech_publish; "
        "assert benech_publish.__file__.startswith(sys.argv[1]), benech_publish.__file__; "
        "from benech_publish.cli import main; main(sys.argv[2:])"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for args in (
        ["init", "new-clinic"],
        [
            "build",
            "--content",
            "new-clinic/content",
            "--out",
            "new-clinic/out",
            "--include-drafts",
            "--format",
            "html,pdf",
        ],
    ):
        proc = subprocess.run(
            [sys.executable, "-c", script, str(site), *args], cwd=work, env=env, capture_output=True, text=True
        )
        assert proc.returncode == 0, proc.stderr
    assert len(list((work / "new-clinic" / "out").rglob("*.pdf"))) == 8
    with pikepdf.open(
        io.BytesIO((work / "new-clinic" / "out" / "pdf" / "en" / "example-condition.pdf").read_bytes())
    ) as pdf:
        assert pdf.Root.get("/StructTreeRoot") is not None
