"""Braille pages → files: BRF (ASCII braille for embossers) and PEF 2008 (Unicode braille in XML).

Takes: the :class:`~.layout.Page` s of a publication (Unicode braille lines)
and, for BRF, a liblouis display table (``en-us-brf.dis``: North American
ASCII braille); for PEF, a :class:`PefMeta`. Gives: bytes.

* BRF: one ASCII character per cell (``0x20``-``0x5F``), lines ending CR LF,
  a form feed after every page; each page has exactly its ``lines`` lines, so
  an embosser set to the same page size keeps the pages aligned.
* PEF 2008 (``http://www.daisy.org/ns/2008/pef``): one ``volume`` (``cols``,
  ``rows``, single-sided), one ``section``, one ``page`` per braille page, one
  ``row`` per line, every line of the page (Unicode braille, trailing blank cells
  dropped), and Dublin
  Core metadata: format, identifier, title, language, date, publisher,
  description (liblouis version and tables), source (the print edition).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from ..errors import RenderError
from .layout import Geometry, Page
from .liblouis import BLANK, load

PEF_NS = "http://www.daisy.org/ns/2008/pef"
DC_NS = "http://purl.org/dc/elements/1.1/"
PEF_MEDIA_TYPE = "application/x-pef+xml"
#: Characters a BRF file may hold besides line ends and form feeds.
BRF_CHARSET = frozenset(chr(c) for c in range(0x20, 0x60))


def to_ascii(cells: str, display: str) -> str:
    """Unicode braille → ASCII braille through liblouis display table ``display``."""
    if not cells:
        return ""
    louis = load()
    dots = "".join(chr(0x8000 | (ord(c) - 0x2800)) for c in cells)
    text = str(louis.dotsToChar([display], dots)).upper()
    bad = sorted({c for c in text if c not in BRF_CHARSET})
    if bad or len(text) != len(cells):
        raise RenderError(
            f"display table {display} gives characters outside ASCII braille: "
            f"{', '.join(repr(c) for c in bad) or 'a different length'}"
        )
    return text


def brf(pages: Sequence[Page], display: str = "en-us-brf.dis") -> bytes:
    """The BRF file of ``pages`` (see the module docstring)."""
    out: list[str] = []
    for page in pages:
        lines = [to_ascii(line, display).rstrip(" ") for line in page.lines]
        out.append("\r\n".join(lines) + "\r\n\f")
    return "".join(out).encode("ascii")


@dataclass(frozen=True)
class PefMeta:
    """Dublin Core metadata of a PEF file."""

    identifier: str
    title: str
    language: str
    date: str  # YYYY-MM-DD
    publisher: str = ""
    description: str = ""
    source: str = ""


def pef(pages: Sequence[Page], meta: PefMeta, geometry: Geometry) -> bytes:
    """The PEF 2008 document of ``pages`` (see the module docstring)."""
    E = f"{{{PEF_NS}}}"
    root = etree.Element(f"{E}pef", nsmap={None: PEF_NS, "dc": DC_NS})
    root.set("version", "2008-1")
    head = etree.SubElement(root, f"{E}head")
    meta_el = etree.SubElement(head, f"{E}meta")
    for name, value in (
        ("format", PEF_MEDIA_TYPE),
        ("identifier", meta.identifier),
        ("title", meta.title),
        ("language", meta.language),
        ("date", meta.date),
        ("publisher", meta.publisher),
        ("description", meta.description),
        ("source", meta.source),
    ):
        if value:
            etree.SubElement(meta_el, f"{{{DC_NS}}}{name}").text = value
    body = etree.SubElement(root, f"{E}body")
    volume = etree.SubElement(
        body, f"{E}volume", cols=str(geometry.cells), rows=str(geometry.lines), rowgap="0", duplex="false"
    )
    section = etree.SubElement(volume, f"{E}section")
    for page in pages:
        page_el = etree.SubElement(section, f"{E}page")
        for line in page.lines:
            row = etree.SubElement(page_el, f"{E}row")
            text = line.rstrip(BLANK)
            if text:
                row.text = text
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data
