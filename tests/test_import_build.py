"""Issue 15 "done when": the clinic's page constructs, served with their images, import and build.

A classic-editor page (``[caption]`` figure, other shortcodes, nested lists,
a foreign-language span) and a block-editor page (a merged-header table with
a caption, a table with ``<caption>``, a figure) are served from a local
server on 127.0.0.1, imported with the CLI, then built in every format:
exit 0, no shortcode text anywhere, the table caption in every output
(``caption`` in the web page and the EPUB, a Caption element in the PDF's
structure tree), no empty header cell, EPUBCheck 0 errors and 0 warnings,
DAISY Ace 0 violations, axe-core 0 violations on the web pages, and a PDF
audit with 0 findings on every PDF (so nothing beyond a plain imported
draft's either).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from bs4 import BeautifulSoup

import validators
from benech_publish.audit import audit_pdf
from benech_publish.cli import main
from wp_pages import IMAGES, block_page, classic_page, make_content, png
from wp_server import LocalSite

SHORTCODE = re.compile(
    r"\[/?(caption|wp_caption|embed|gallery|video|audio|playlist|su_note|"
    r"contact-form-7)\b"
)
CAPTION = "Pain relief after each treatment"
pytestmark = pytest.mark.slow  # builds every format and runs the validators


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("import-build")
    content = make_content(root)
    with LocalSite() as site:
        for path, colour in IMAGES.items():
            site.route(path, png(colour), "image/png")
        seed = json.loads(
            (Path(__file__).parent / "fixtures" / "facial-nerve-hemispasm.en.wp.json").read_text(encoding="utf-8")
        )
        seed["link"] = f"{site.base}/en/facial-nerve-hemispasm/"
        pages = [classic_page(site.base), block_page(site.base), seed]
        url = site.route("/wp-json/wp/v2/pages", json.dumps(pages).encode())
        with pytest.raises(SystemExit) as exit_:
            main(["import", "wordpress", url + "?per_page=100", "--content", str(content)])
        assert exit_.value.code == 0
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--content", str(content), "--out", str(root / "out"), "--include-drafts"])
    assert exit_.value.code == 0
    return root / "out"


def _outputs(out: Path, suffix: str) -> list[Path]:
    found = sorted(out.rglob(f"*{suffix}"))
    assert found, f"no {suffix} output"
    return found


def _pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as doc:
        return " ".join(" ".join((p.extract_text() or "") for p in doc.pages).split())


def _epub_documents(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xhtml")}


def test_no_shortcode_text_in_any_output(built: Path) -> None:
    for page in _outputs(built, ".html"):
        text = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").get_text()
        assert not SHORTCODE.search(text), page
    for pdf in _outputs(built, ".pdf"):
        assert not SHORTCODE.search(_pdf_text(pdf)), pdf
    for epub in _outputs(built, ".epub"):
        for name, doc in _epub_documents(epub).items():
            assert not SHORTCODE.search(BeautifulSoup(doc, "html.parser").get_text()), name


def test_table_caption_and_headers_in_the_web_page_and_the_epub(built: Path) -> None:
    html = (built / "html" / "en" / "trigeminal-treatment.html").read_text(encoding="utf-8")
    soups = [BeautifulSoup(html, "html.parser")]
    for epub in _outputs(built, ".epub"):
        soups += [BeautifulSoup(d, "html.parser") for d in _epub_documents(epub).values() if CAPTION in d]
    assert len(soups) >= 3  # web page, booklet.epub, booklet.large.epub
    for soup in soups:
        table = next(t for t in soup.find_all("table") if t.caption and t.caption.get_text(strip=True) == CAPTION)
        headers = [th.get_text(" ", strip=True) for th in table.find_all("th")]
        assert headers == ["Treatment", "Pain relief: At one year", "Pain relief: At ten years"]
        assert all(headers)
        assert all(th.get_text(strip=True) for th in soup.find_all("th"))  # no empty header
    figure = soups[0].find("figure")
    assert figure.img["src"].startswith("data:image/png") or figure.img["src"].endswith(".png")
    assert figure.figcaption.get_text(strip=True) == "Microvascular decompression"


def _captions_in_tables(pdf: pikepdf.Pdf) -> int:
    role_map = pdf.Root.StructTreeRoot.get("/RoleMap", pikepdf.Dictionary())
    count = 0

    def kind(node: pikepdf.Dictionary) -> str:
        s = str(node.get("/S", ""))
        return str(role_map.get(s, s))

    def walk(node, depth: int = 0) -> None:
        nonlocal count
        if depth > 200:
            return
        if isinstance(node, pikepdf.Array):
            for kid in node:
                walk(kid, depth + 1)
        elif isinstance(node, pikepdf.Dictionary):
            if kind(node) == "/Table":
                kids = node.K if isinstance(node.K, pikepdf.Array) else [node.K]
                first = next(k for k in kids if isinstance(k, pikepdf.Dictionary))
                count += kind(first) == "/Caption"
            if "/K" in node:
                walk(node.K, depth + 1)

    walk(pdf.Root.StructTreeRoot)
    return count


def test_pdf_table_caption_is_tagged_caption(built: Path) -> None:
    from test_import_wordpress import _heading_texts

    for name in ("trigeminal-treatment.pdf", "trigeminal-treatment.large.pdf"):
        data = (built / "pdf" / "en" / name).read_bytes()
        with pikepdf.open(io.BytesIO(data)) as pdf:
            assert _captions_in_tables(pdf) == 2
            assert CAPTION in _heading_texts(pdf, data, "Caption")


def _rules(pdf_path: Path) -> set[str]:
    return {f.rule_id for f in audit_pdf(pdf_path).findings}


def test_the_new_constructs_add_no_pdf_audit_finding(built: Path) -> None:
    """Against a plain imported draft (the seed page, same build): captions, merged-header
    tables, figures and shortcode links bring no audit rule of their own."""
    pdfs = built / "pdf" / "en"
    for suffix in (".pdf", ".large.pdf"):
        baseline = _rules(pdfs / f"facial-nerve-hemispasm{suffix}")
        for name in ("trigeminal-neuralgia", "trigeminal-treatment"):
            extra = _rules(pdfs / f"{name}{suffix}") - baseline
            assert not extra, (name + suffix, extra, baseline)


def test_pdf_audit_zero_findings(built: Path) -> None:
    for pdf_path in _outputs(built, ".pdf"):
        report = audit_pdf(pdf_path)
        assert not report.findings, (pdf_path, [str(f) for f in report.findings])


@pytest.mark.slow
def test_epubcheck_and_ace_pass(built: Path, tmp_path: Path) -> None:
    for epub in _outputs(built, ".epub"):
        result = validators.epubcheck(epub)
        assert not result.errors and not result.warnings, result.summary()
        ace = validators.ace(epub, tmp_path / epub.stem)
        assert not ace.violations, ace.summary()
        assert ace.outcome == "pass"


def test_axe_finds_nothing_on_the_imported_web_pages(built: Path) -> None:
    for name in ("trigeminal-neuralgia", "trigeminal-treatment"):
        for suffix in (".html", ".large.html"):
            findings = validators.axe(built / "html" / "en" / f"{name}{suffix}")
            assert findings == [], "\n".join(map(str, findings))
