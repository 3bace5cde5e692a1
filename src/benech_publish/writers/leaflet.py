"""Leaflet writer: a condition → a tagged, accessible PDF/UA leaflet (standard or large print).

Takes: a :class:`~benech_publish.model.Condition`, the
:class:`~benech_publish.model.Site`, an :class:`~benech_publish.render.Edition`
and the build's :class:`~benech_publish.writers.Context`. Gives: the bytes of
one PDF (``out/pdf/<lang>/<slug>[.large].pdf`` is written by the build)::

    data = write_leaflet(condition, site, edition("large", options), ctx)

What the PDF carries: PDF/UA-1 identification (``pdf/ua-2`` via
``Options.pdf_variant``), a structure tree (built and repaired by
:mod:`benech_publish.typeset.tags`), ``/Lang`` from the content, the title in
the title bar (``DisplayDocTitle``), a bookmark per section and subsection, a
named destination per section anchor (``leaflet.pdf#sintomi`` opens at Symptoms
in every language), working internal links, metadata (title, author = clinic,
subject = summary, keywords, dates from the build date in the context, so
``SOURCE_DATE_EPOCH`` gives byte-identical files) and only the shipped typeface
(:mod:`benech_publish.typeset.fonts`), subset-embedded.
"""

from __future__ import annotations

from typing import NamedTuple

from .. import __version__
from .. import model as m
from ..errors import RenderError
from ..i18n import labels
from ..provenance import facts
from ..qr import qr_for
from ..render import XHTML_NS, Edition
from ..typeset import pagelist
from ..typeset.engine import Layout, parse_xhtml
from ..typeset.layout import LayoutFinding, check_layout
from ..util import digest
from ..xmp import rdf_description, xmp_properties
from . import Context

#: Id of the closing panel (contacts, dates, QR) in a leaflet; a named destination too.
CLOSING_ID = "leaflet-info"


class _Try(NamedTuple):
    contents: bool
    fit: int  # spacing level: 0 as designed, 1 and 2 tighter (never smaller text)


#: Copy-fitting: the layouts tried, in this order; the first without findings is kept.
_TRIES = (_Try(True, 0), _Try(False, 0), _Try(True, 1), _Try(False, 1), _Try(True, 2), _Try(False, 2))
#: A leaflet of at most this many pages may lose its contents list to fit.
_SHORT = 3


class LaidOutLeaflet(NamedTuple):
    """A leaflet laid out and copy-fitted, before it is written (the PDF and the braille
    edition's print page numbers both come from this one layout)."""

    layout: Layout
    #: The blocks of its XHTML, for the page starts (typeset/pagelist.py); None when laid out without
    #: the stamps (``lay_out_leaflet(..., stamp=False)``: a PDF only, no page starts).
    stamp: pagelist.Stamped | None
    identifier: str  # the PDF /ID: a digest of the rendered XHTML, the stylesheets and the PDF variant


def write_leaflet(condition: m.Condition, site: m.Site, edition: Edition, ctx: Context) -> bytes:
    """The leaflet of ``condition`` in ``edition``, as PDF bytes, copy-fitted (:func:`lay_out_leaflet`)."""
    return leaflet_pdf(condition, site, lay_out_leaflet(condition, site, edition, ctx, stamp=False), ctx)


def leaflet_pdf(condition: m.Condition, site: m.Site, laid: LaidOutLeaflet, ctx: Context) -> bytes:
    """The PDF bytes of a laid-out leaflet (tags repaired, metadata, deterministic /ID)."""
    xmp = rdf_description(xmp_properties([facts(condition, site)]))
    return ctx.typesetter.write_pdf(laid.layout, identifier=laid.identifier, xmp=xmp)


def lay_out_leaflet(
    condition: m.Condition, site: m.Site, edition: Edition, ctx: Context, *, stamp: bool = True
) -> LaidOutLeaflet:
    """The leaflet of ``condition`` in ``edition``, laid out and copy-fitted.

    A contents list with page numbers is included when the leaflet runs past
    one page. The layout check (:mod:`benech_publish.typeset.layout`) runs on
    every layout; when it finds a problem (a near-empty page, a kept block
    split, a heading at the foot of a page), better layouts are tried in a
    fixed order -- without the contents list (short leaflets only), then
    tighter spacing (two levels; text sizes never change) -- and the first
    without findings is kept (else the one with fewest). Deterministic: the
    same input makes the same choice. What was tried is logged
    (``build --verbose``); findings that remain are warnings, or fail the
    leaflet under ``--strict``. The body is stamped (:func:`~benech_publish.
    typeset.pagelist.stamp`; attributes only, nothing printed) so the page
    starts of the kept layout can be read; with ``stamp=False`` (the PDF alone
    is wanted) the XHTML is laid out without the stamps, which WeasyPrint
    would otherwise parse and match on every element, and
    :attr:`LaidOutLeaflet.stamp` is None. The PDF is the same either way (its
    ``/ID`` digests the XHTML as rendered, before stamps and preparation).
    """
    typesetter = ctx.typesetter
    stylesheets = ctx.print_stylesheets(edition, site, condition.lang)
    where = condition.location.path
    best: tuple[list[LayoutFinding], Layout, str, pagelist.Stamped | None, _Try] | None = None
    for attempt in _TRIES:
        if best is not None and not attempt.contents and best[1].page_count > _SHORT:
            continue
        xhtml = leaflet_xhtml(condition, site, edition, ctx, contents=attempt.contents, fit=attempt.fit)
        stamped, prepared = _prepared(xhtml, ctx, hyphenate=edition.hyphenate, where=where, stamp=stamp)
        layout = typesetter.layout(prepared, stylesheets, hyphenate=edition.hyphenate, where=where, prepare=False)
        if attempt.contents and layout.page_count == 1:
            continue  # one page: no contents list (the next try lays it out without)
        findings = check_layout(layout)
        if best is None or len(findings) < len(best[0]):
            best = (findings, layout, xhtml, stamped, attempt)
        if not findings:
            break
        ctx.log(f"{where} ({edition.name}): tried {_describe(attempt)}: " + "; ".join(map(str, findings)))
    assert best is not None
    findings, layout, xhtml, stamped, chosen = best
    if chosen != _TRIES[0] and (chosen.fit or layout.page_count > 1):
        ctx.log(f"{where} ({edition.name}): kept {_describe(chosen)}")
    if findings:
        message = f"{where} ({edition.name} edition): layout: " + "; ".join(map(str, findings))
        if ctx.options.strict:
            raise RenderError(message)
        ctx.warn(message)
    identifier = digest("leaflet", ctx.options.pdf_variant, xhtml, *stylesheets)[:32]
    return LaidOutLeaflet(layout, stamped, identifier)


def _prepared(
    xhtml: str, ctx: Context, *, hyphenate: bool, where: str, stamp: bool
) -> tuple[pagelist.Stamped | None, str]:
    """The stamped blocks of ``xhtml`` (its body stamped as the unit ``leaflet``: data
    attributes only) or None without ``stamp``, and the XHTML to lay out: ``xhtml``
    after print preparation, stamped or not. One parse: the stamped tree is prepared
    in place (preparation only adds inside elements, so the blocks keep their ancestors)."""
    if not stamp:
        return None, ctx.typesetter.prepare(xhtml, hyphenate=hyphenate, where=where)
    root = parse_xhtml(xhtml)
    body = root.find(f"{{{XHTML_NS}}}body")
    if body is None:
        raise RenderError("leaflet XHTML has no body")
    body.set(pagelist.UNIT_ATTR, "leaflet")
    stamped = pagelist.stamp(root)
    return stamped, ctx.typesetter.prepare(root, hyphenate=hyphenate, where=where)


def _describe(attempt: _Try) -> str:
    return (
        f"contents list {'in' if attempt.contents else 'left out'}, "
        f"spacing {('as designed', 'tighter', 'tightest')[attempt.fit]}"
    )


def leaflet_xhtml(
    condition: m.Condition, site: m.Site, edition: Edition, ctx: Context, *, contents: bool = True, fit: int = 0
) -> str:
    """The print XHTML of a leaflet (``templates/leaflet.xhtml``), before print preparation."""
    url = condition.source_url or site.website
    qr = qr_for(url, condition.lang, site.colours) if url else None
    title = condition.title
    if edition.is_large:
        title = f"{title} ({labels(condition.lang)['large_print']})"
    context = ctx.renderer.base_context(
        site,
        condition.lang,
        edition,
        "pdf",
        ctx.options,
        condition=condition,
        doc_title=title,
        created=ctx.created_w3c,
        show_contents=contents,
        fit=fit,
        qr=qr,
        closing_id=CLOSING_ID,
        short_urls=True,
        generator=f"benech-publish {__version__}",
        asset_url=ctx.asset_url,
    )
    return ctx.renderer.render("leaflet.xhtml", **context)
