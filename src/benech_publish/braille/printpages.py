"""Where the pages of the printed edition begin, for the braille edition's print page numbers.

Takes: the build's :class:`~benech_publish.writers.Context` (its typesetter)
and a condition (leaflet) or a language's conditions (booklet). Gives: a :class:`~.layout.PrintLayout`, plain data the
braille layout reads without knowing WeasyPrint.

This is the only module of the braille package that touches the print
layout; it uses :mod:`benech_publish.typeset.pagelist` (``stamp``, ``page_starts``)
as the booklet's EPUB page-list does, on the **standard (clear print)
edition**:

* leaflet: the leaflet's print XHTML is stamped (``data-unit="leaflet"`` on
  ``body``), laid out with the leaflet's stylesheets, and its page starts
  read; a leaflet that fits on one page is printed without its contents list
  (as ``writers.leaflet.write_leaflet`` does), which changes nothing on page 1;
* booklet: ``writers.booklet.write_booklet`` lays out the standard booklet
  with no format asked for (nothing written) and gives its page starts and stamp.

Each page start ``(block key, offset)`` becomes ``(region, offset)``: the
region is the ``id`` of the nearest enclosing ``section`` (a section anchor,
``leaflet-info``, ``<condition>``, ``<condition>-<anchor>``, ``intro``...),
and the offset counts the non-space characters of that region's blocks
before it, in document order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lxml import etree

from .. import i18n
from .. import model as m
from ..render import XHTML_NS, edition
from ..typeset import pagelist
from ..writers import Context
from ..writers.booklet import write_booklet
from ..writers.leaflet import leaflet_xhtml
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


def leaflet_layout(ctx: Context, condition: m.Condition, site: m.Site) -> PrintLayout:
    """The page starts of ``condition``'s standard-edition PDF leaflet."""
    ed = edition("standard", ctx.options)
    root = etree.fromstring(leaflet_xhtml(condition, site, ed, ctx, contents=True).encode("utf-8"))
    body = root.find(f"{{{XHTML_NS}}}body")
    assert body is not None
    body.set(pagelist.UNIT_ATTR, "leaflet")
    stamped = pagelist.stamp(root)
    layout = ctx.typesetter.layout(
        "<!DOCTYPE html>\n" + etree.tostring(root, encoding="unicode"),
        ctx.print_stylesheets(ed, site, condition.lang),
        hyphenate=ed.hyphenate,
        where=condition.location.path,
    )
    label = i18n.labels(condition.lang)["standard_print"]
    source = f"{condition.title} ({label}, PDF, {ed.paper})"
    if layout.page_count == 1:
        first = next(iter(stamped.blocks))
        return to_layout(stamped, [pagelist.PageStart(1, first, 0)], source)
    return to_layout(stamped, pagelist.page_starts(layout.document, stamped.texts), source)


def booklet_layout(ctx: Context, conditions: Iterable[m.Condition], site: m.Site, lang: str) -> PrintLayout:
    """The page starts of ``lang``'s standard-edition PDF booklet (laid out, no file written)."""
    ed = edition("standard", ctx.options)
    booklet = write_booklet(tuple(conditions), site, lang, ed, (), ctx)
    label = i18n.labels(lang)["standard_print"]
    return to_layout(booklet.stamp, booklet.starts, f"{booklet.plan.pdf_title} ({label}, PDF, {ed.paper})")
