"""The validators must be able to fail.

Each external validator is run on a tiny hand-built input that is known to be
good (expect silence) and on a deliberately broken variant (expect the specific
finding).  If a validator silently stops working -- wrong binary, browser not
starting, JSON format change -- these tests go red, so the assertions the rest
of the suite makes with the same helpers mean something.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from validators import (
    CHROMIUM_EXTRA_FLAGS,
    AceResult,
    EpubCheckResult,
    ace,
    epubcheck,
    pdfua_check,
    render_page_png,
    require_ace,
    require_epubcheck,
    require_tool,
)

# --------------------------------------------------------------------------
# A tiny EPUB 3, built by hand
# --------------------------------------------------------------------------

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""

A11Y_METADATA = """
    <meta property="schema:accessMode">textual</meta>
    <meta property="schema:accessMode">visual</meta>
    <meta property="schema:accessModeSufficient">textual</meta>
    <meta property="schema:accessibilityFeature">structuralNavigation</meta>
    <meta property="schema:accessibilityFeature">alternativeText</meta>
    <meta property="schema:accessibilityFeature">tableOfContents</meta>
    <meta property="schema:accessibilityHazard">none</meta>
    <meta property="schema:accessibilitySummary">A one-chapter test booklet with a text alternative for its only image.</meta>"""

NAV_ITEM = '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'


def _package_opf(*, nav: bool, a11y: bool) -> str:
    a11y_metadata = A11Y_METADATA if a11y else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid"
         xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:8a5c3b7e-2f0d-4c1e-9a57-0d3c6f1b2e44</dc:identifier>
    <dc:title>Validator self-test</dc:title>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>{a11y_metadata}
  </metadata>
  <manifest>
    {NAV_ITEM if nav else ""}
    <item id="ch1" href="ch1.xhtml" media-type="application/xhtml+xml"/>
    <item id="img" href="dot.png" media-type="image/png"/>
  </manifest>
  <spine>
    <itemref idref="ch1"/>
  </spine>
</package>
"""


NAV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"
      lang="en" xml:lang="en">
<head><title>Contents</title></head>
<body>
  <nav epub:type="toc" role="doc-toc" id="toc" aria-labelledby="toc-h">
    <h1 id="toc-h">Contents</h1>
    <ol><li><a href="ch1.xhtml">Chapter one</a></li></ol>
  </nav>
</body>
</html>
"""


def _chapter(*, img: str, extra: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en" xml:lang="en">
<head><title>Chapter one</title></head>
<body>
  <main>
    <h1>Chapter one</h1>
    <p>Plain text for the validator self-test.</p>
    {img}
    {extra}
  </main>
</body>
</html>
"""


GOOD_IMG = '<img src="dot.png" alt="A black dot." width="8" height="8"/>'
BAD_IMG = '<img src="dot.png" width="8" height="8"/>'  # no alt: WCAG 1.1.1


def _png_8x8() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x00" * 8 for _ in range(8))  # 8 rows, grey 0
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def build_epub(
    path: Path,
    *,
    nav: bool = True,
    a11y: bool = True,
    img: str = GOOD_IMG,
    extra: str = "",
) -> Path:
    """Write a minimal EPUB 3: mimetype stored first, then the rest deflated."""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", zipfile.ZIP_STORED)
        files = {
            "META-INF/container.xml": CONTAINER,
            "EPUB/package.opf": _package_opf(nav=nav, a11y=a11y),
            "EPUB/ch1.xhtml": _chapter(img=img, extra=extra),
        }
        if nav:
            files["EPUB/nav.xhtml"] = NAV
        for name, text in files.items():
            z.writestr(name, text, zipfile.ZIP_DEFLATED)
        z.writestr("EPUB/dot.png", _png_8x8(), zipfile.ZIP_DEFLATED)
    return path


@pytest.fixture(scope="module")
def epub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("epubs")


@pytest.fixture(scope="module")
def good_epub(epub_dir: Path) -> Path:
    return build_epub(epub_dir / "good.epub")


@pytest.fixture(scope="module")
def no_alt_epub(epub_dir: Path) -> Path:
    return build_epub(epub_dir / "no-alt.epub", img=BAD_IMG)


def test_hand_built_epub_layout(good_epub: Path) -> None:
    with zipfile.ZipFile(good_epub) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype"
        assert first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"


# --------------------------------------------------------------------------
# EPUBCheck
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_epubcheck(good_epub: Path) -> EpubCheckResult:
    require_epubcheck()
    return epubcheck(good_epub)


@pytest.mark.slow
def test_epubcheck_accepts_valid_epub(good_epubcheck: EpubCheckResult) -> None:
    r = good_epubcheck
    assert r.checker.get("checkerVersion"), r.raw
    assert r.errors == [], r.summary()
    assert r.warnings == [], r.summary()
    assert r.returncode == 0
    assert r.valid


@pytest.mark.slow
@pytest.mark.parametrize(
    ("variant", "expected_id", "where"),
    [
        # No manifest item with properties="nav".
        (dict(nav=False), "RSC-005", "EPUB/package.opf"),
        # Link to a file that is not in the container.
        (dict(extra='<p><a href="missing.xhtml">dangling</a></p>'), "RSC-007", "EPUB/ch1.xhtml"),
    ],
    ids=["missing-nav", "dangling-href"],
)
def test_epubcheck_reports_broken_epub(
    tmp_path: Path, variant: dict[str, object], expected_id: str, where: str
) -> None:
    r = epubcheck(build_epub(tmp_path / "broken.epub", **variant))  # type: ignore[arg-type]
    assert not r.valid
    assert r.returncode != 0
    hits = [m for m in r.errors if m.id == expected_id]
    assert hits, f"expected {expected_id}, got:\n{r.summary()}"
    assert hits[0].location.startswith(where), hits[0]
    assert hits[0].severity in ("ERROR", "FATAL")


@pytest.mark.slow
def test_no_alt_epub_is_otherwise_valid(no_alt_epub: Path) -> None:
    # So that the Ace finding below is attributable to the missing alt only.
    r = epubcheck(no_alt_epub)
    assert r.errors == [], r.summary()


# --------------------------------------------------------------------------
# DAISY Ace
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_ace(good_epub: Path, epub_dir: Path) -> AceResult:
    require_ace()
    return ace(good_epub, epub_dir / "ace-good")


@pytest.mark.slow
def test_ace_accepts_accessible_epub(good_ace: AceResult) -> None:
    r = good_ace
    assert (r.report_dir / "report.json").is_file()
    assert r.violations == (), r.summary()
    assert r.outcome == "pass"
    # The schema.org metadata we declared is seen as present.
    present = set(r.a11y_metadata.get("present", []))
    assert {"schema:accessMode", "schema:accessibilitySummary"} <= present, r.a11y_metadata
    # Ace really looked at the content documents (not just the package).
    urls = {a["earl:testSubject"]["url"] for a in r.raw["assertions"]}
    assert any(u.endswith("ch1.xhtml") for u in urls), urls


@pytest.mark.slow
def test_ace_reports_image_without_alt(no_alt_epub: Path, tmp_path: Path) -> None:
    r = ace(no_alt_epub, tmp_path / "ace-no-alt")
    hits = r.by_rule("image-alt")
    assert hits, f"expected image-alt, got:\n{r.summary()}"
    assert hits[0].location.endswith("ch1.xhtml")
    assert hits[0].impact == "critical"
    assert "dot.png" in hits[0].html
    assert r.outcome == "fail"


@pytest.mark.slow
def test_ace_reports_missing_a11y_metadata(tmp_path: Path) -> None:
    r = ace(build_epub(tmp_path / "no-meta.epub", a11y=False), tmp_path / "ace-no-meta")
    assert "metadata-accessmode" in r.rules, r.summary()
    assert "schema:accessMode" in r.a11y_metadata.get("missing", [])


def test_chromium_flags_block_network() -> None:
    assert any(f.startswith("--host-resolver-rules=MAP * ~NOTFOUND") for f in CHROMIUM_EXTRA_FLAGS)
    assert "--disable-component-update" in CHROMIUM_EXTRA_FLAGS


# --------------------------------------------------------------------------
# PDF/UA (pdfua) and page rendering (pypdfium2)
# --------------------------------------------------------------------------


def _untagged_pdf(path: Path) -> Path:
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(144, 72))  # 2 x 1 inch
    page = pdf.pages[0]
    page.obj.Contents = pikepdf.Stream(pdf, b"BT /F1 12 Tf 10 30 Td (Hello) Tj ET")
    page.obj.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(
                Type=pikepdf.Name.Font,
                Subtype=pikepdf.Name.Type1,
                BaseFont=pikepdf.Name.Helvetica,
            )
        )
    )
    pdf.save(path)
    return path


def test_pdfua_reports_untagged_pdf(tmp_path: Path) -> None:
    errors = pdfua_check(_untagged_pdf(tmp_path / "untagged.pdf"))
    ids = {e.rule_id for e in errors}
    assert "UA-01-005" in ids, errors  # no /StructTreeRoot
    assert "UA-06-001" in ids, errors  # no /Lang
    assert all(e.severity in ("error", "skipped") for e in errors)


def test_render_page_png(tmp_path: Path) -> None:
    from PIL import Image

    out = render_page_png(_untagged_pdf(tmp_path / "p.pdf"), 1, tmp_path / "p1.png", dpi=72)
    with Image.open(out) as im:
        assert im.format == "PNG"
        assert im.size == (144, 72)
        assert im.convert("L").getextrema()[0] < 128  # the text was drawn
    with pytest.raises(IndexError):
        render_page_png(tmp_path / "p.pdf", 2, tmp_path / "p2.png")


# --------------------------------------------------------------------------
# require_tool: skip locally, fail in CI
# --------------------------------------------------------------------------


def test_require_tool_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    require_tool("present", True, "never raised")
    with pytest.raises(pytest.skip.Exception, match="nope not available"):
        require_tool("nope", False, "not installed")


def test_require_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="nope not available"):
        require_tool("nope", False, "not installed")
