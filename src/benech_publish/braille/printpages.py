"""Where the pages of the printed edition begin, for the braille edition's print page numbers.

Takes: the standard edition's print layout as the leaflet or booklet writer
made it (:class:`~benech_publish.writers.leaflet.LaidOutLeaflet`,
:class:`~benech_publish.writers.booklet.Booklet`: the build makes the braille
in the same job as that PDF, so the print is laid out once and the page
numbers are those of the PDF as copy-fitted). Gives: a
:class:`~.layout.PrintLayout`, plain data the braille layout reads without
knowing WeasyPrint.

This is the only module of the braille package that touches the print
layout; it uses :mod:`benech_publish.typeset.pagelist` (``stamp``, ``page_starts``)
as the booklet's EPUB page-list does, on the **standard (clear print)
edition**:

* leaflet: the leaflet writer stamps its print XHTML (``data-unit="leaflet"``
  on ``body``) and lays it out, copy-fitting included; the page starts of the
  layout it kept are read here (a one-page leaflet starts at its first block);
* booklet: ``writers.booklet.write_booklet`` gives its page starts and stamp
  (the EPUB page-list's).

Each page start ``(block key, offset)`` becomes ``(region, offset)``: the
region is the ``id`` of the nearest enclosing ``section`` (a section anchor,
``leaflet-info``, ``<condition>``, ``<condition>-<anchor>``, ``intro``...),
and the offset counts the non-space characters of that region's blocks
before it, in document order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import i18n
from .. import model as m
from ..errors import RenderError
from ..render import XHTML_NS, Edition
from ..typeset import pagelist
from ..writers.booklet import Booklet
from ..writers.leaflet import LaidOutLeaflet
from .layout import PrintLayout, PrintRegion, PrintStart

_SECTION = f"{{{XHTML_NS}}}section"


def _region(element: Any) -> str:
    el = element
    while el is not None:
        if el.tag == _SECTION and el.get("id"):
            return str(el.get("id"))
        el = el.getparent()
    return "document"


def to_layout(stamped: pagelist.Stamped, starts: Iterable[pagelist.PageStart], source: str) -> PrintLayout:
    """Page starts keyed by stamped blocks → page starts keyed by print region."""
    region_of: dict[str, str] = {}
    before: dict[str, int] = {}
    texts: dict[str, list[str]] = {}
    for key, element in stamped.blocks.items():
        region = _region(element)
        region_of[key] = region
        parts = texts.setdefault(region, [])
        before[key] = sum(len(p) for p in parts)
        parts.append(stamped.texts.get(key, ""))
    regions = tuple(PrintRegion(k, "".join(v)) for k, v in texts.items())
    out = [
        PrintStart(s.page, region_of[s.key], before[s.key] + s.offset)
        for s in starts
        if s.key is not None and s.key in region_of
    ]
    return PrintLayout(regions, tuple(out), source)


def leaflet_layout(laid: LaidOutLeaflet, condition: m.Condition, ed: Edition) -> PrintLayout:
    """The page starts of ``condition``'s PDF leaflet as laid out (the standard edition's)."""
    label = i18n.labels(condition.lang)["standard_print"]
    source = f"{condition.title} ({label}, PDF, {ed.paper})"
    stamp = laid.stamp
    if stamp is None:
        raise RenderError(f"{source}: laid out without its page stamps (lay_out_leaflet(..., stamp=True))")
    if laid.layout.page_count == 1:
        first = next(iter(stamp.blocks))
        return to_layout(stamp, [pagelist.PageStart(1, first, 0)], source)
    return to_layout(stamp, pagelist.page_starts(laid.layout.document, stamp.texts), source)


def booklet_layout(booklet: Booklet, lang: str, ed: Edition) -> PrintLayout:
    """The page starts of ``lang``'s PDF booklet as laid out (the standard edition's)."""
    label = i18n.labels(lang)["standard_print"]
    return to_layout(booklet.stamp, booklet.starts, f"{booklet.plan.pdf_title} ({label}, PDF, {ed.paper})")
