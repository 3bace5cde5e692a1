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

from .. import __version__
from .. import model as m
from ..i18n import labels
from ..qr import qr_for
from ..render import Edition
from ..provenance import facts
from ..util import digest
from ..xmp import rdf_description, xmp_properties
from . import Context

#: Id of the closing panel (contacts, dates, QR) in a leaflet; a named destination too.
CLOSING_ID = "leaflet-info"


def write_leaflet(condition: m.Condition, site: m.Site, edition: Edition, ctx: Context) -> bytes:
    """The leaflet of ``condition`` in ``edition``, as PDF bytes.

    A contents list with page numbers is included when the leaflet runs past
    one page (it is laid out with the list first, and again without it when
    everything fits on one page).
    """
    typesetter = ctx.typesetter
    stylesheets = ctx.print_stylesheets(edition, site, condition.lang)
    where = condition.location.path
    xhtml = leaflet_xhtml(condition, site, edition, ctx, contents=True)
    layout = typesetter.layout(xhtml, stylesheets, hyphenate=edition.hyphenate, where=where)
    if layout.page_count == 1:
        xhtml = leaflet_xhtml(condition, site, edition, ctx, contents=False)
        layout = typesetter.layout(xhtml, stylesheets, hyphenate=edition.hyphenate, where=where)
    identifier = digest("leaflet", ctx.options.pdf_variant, xhtml, *stylesheets)[:32]
    xmp = rdf_description(xmp_properties([facts(condition, site)]))
    return typesetter.write_pdf(layout, identifier=identifier, xmp=xmp)


def leaflet_xhtml(condition: m.Condition, site: m.Site, edition: Edition, ctx: Context, *,
                  contents: bool = True) -> str:
    """The print XHTML of a leaflet (``templates/leaflet.xhtml``), before print preparation."""
    url = condition.source_url or site.website
    qr = qr_for(url, condition.lang, site.colours) if url else None
    title = condition.title
    if edition.is_large:
        title = f"{title} ({labels(condition.lang)['large_print']})"
    context = ctx.renderer.base_context(
        site, condition.lang, edition, "pdf", ctx.options,
        condition=condition, doc_title=title, created=ctx.created_w3c,
        show_contents=contents, qr=qr, closing_id=CLOSING_ID,
        generator=f"benech-publish {__version__}",
        asset_url=ctx.asset_url)
    return ctx.renderer.render("leaflet.xhtml", **context)
