"""PDF writer: a condition → a tagged, accessible PDF/UA leaflet (standard or large print).

Takes: a :class:`~benech_publish.model.Condition`, the
:class:`~benech_publish.model.Site` and an
:class:`~benech_publish.render.Edition`, plus the shared
:class:`~benech_publish.render.Renderer`, the build
:class:`~benech_publish.options.Options` and the content root (for the logo
and images). Gives: the bytes of one PDF (``out/pdf/<lang>/<slug>[.large].pdf``
is written by the build)::

    writer = PdfWriter(renderer, options, content_root)
    data = writer.leaflet(condition, site, edition("large", options))

What the PDF carries: PDF/UA-1 identification (``pdf/ua-2`` via
``Options.pdf_variant``), a structure tree (built and repaired by
:mod:`benech_publish.pdf_tags`), ``/Lang`` from the content, the title in the
title bar (``DisplayDocTitle``), a bookmark per section and subsection, a named
destination per section anchor (``leaflet.pdf#sintomi`` opens at Symptoms in
every language), working internal links, metadata (title, author = clinic,
subject = summary, keywords, dates from :func:`~benech_publish.util.source_date`,
so ``SOURCE_DATE_EPOCH`` gives byte-identical files) and only the shipped
typeface (:mod:`benech_publish.fonts`), subset-embedded.

Public pieces, reused by the booklet writer (keep them stable):

* :meth:`PdfWriter.font_css` -- ``@font-face`` rules of the shipped typeface;
* :meth:`PdfWriter.print_css` -- paged-media CSS of an edition (``css/print.css``);
* :meth:`PdfWriter.prepare` -- XHTML → XHTML adjustments for print (hyphenation
  exceptions, where web addresses may break); :meth:`render_document` calls it;
* :meth:`PdfWriter.render_document` -- XHTML + CSS texts → ``weasyprint.Document``
  (one ``FontConfiguration`` per writer; parsed CSS cached by text);
* :meth:`PdfWriter.to_pdf` -- document → PDF bytes (tags, metadata, determinism);
* :attr:`PdfWriter.notices` -- plain-language warnings collected while rendering
  (no hyphenation dictionary for a language, characters the typeface lacks).

Heavy imports (WeasyPrint) happen when this module is imported, which the
build does lazily, on the first PDF job.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

import weasyprint
from lxml import etree
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetchingError

from .. import __version__, fonts, hyphenation
from .. import model as m
from ..errors import RenderError
from ..i18n import labels
from ..options import DEFAULT_OPTIONS, Options
from ..qr import qr_for
from ..render import XHTML_NS, Edition, Renderer
from ..util import data_uri, digest, source_date

try:  # the tag repairs (pdf_tags.py); bare WeasyPrint tagging until it exists
    from ..pdf_tags import write_pdf as _write_tagged_pdf
except ImportError:  # pragma: no cover - only while pdf_tags.py is being written
    def _write_tagged_pdf(document: Any, *, pdf_variant: str = "pdf/ua-1",
                          **write_options: Any) -> bytes:
        return document.write_pdf(pdf_variant=pdf_variant, **write_options)

#: Id of the closing panel (contacts, dates, QR) in a leaflet; a named destination too.
CLOSING_ID = "leaflet-info"
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
         "source", "track", "wbr"}
_URL_TEXT = re.compile(r"^(?:https?://|www\.|mailto:)|^[^\s@]+@[^\s@]+\.[a-z]{2,}$", re.I)
# In a web or e-mail address, a break is allowed after these (never after a hyphen).
_URL_BREAK_AFTER = "/.@?&="


class PdfWriter:
    """Makes PDF leaflets; one instance per build, reused for every document.

    Not thread-safe (WeasyPrint's ``FontConfiguration`` is shared); the build
    runs PDF jobs one after another in one process.
    """

    def __init__(self, renderer: Renderer, options: Options = DEFAULT_OPTIONS,
                 content_root: str | Path = "."):
        self.renderer = renderer
        self.options = options
        self.root = Path(content_root).resolve()
        #: Shared by every document: fonts are loaded once per build.
        self.font_config = FontConfiguration()
        #: Plain-language warnings found while rendering, each once (the build reports them).
        self.notices: list[str] = []
        self._css: dict[str, weasyprint.CSS] = {}
        self._print_css: dict[tuple, str] = {}
        # Only local files and data: URIs: a leaflet never fetches from the network,
        # and a missing image fails the job instead of silently vanishing.
        self._fetcher = URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)

    # ------------------------------------------------------------------ leaflet

    def leaflet(self, condition: m.Condition, site: m.Site, edition: Edition) -> bytes:
        """The leaflet of ``condition`` in ``edition``, as PDF bytes.

        A contents list with page numbers is included when the leaflet runs
        past one page (it is rendered with the list first, and again without
        it when everything fits on one page).
        """
        stylesheets = self.stylesheets(edition, site, lang=condition.lang)
        where = condition.location.path
        xhtml = self.leaflet_xhtml(condition, site, edition, contents=True)
        document = self.render_document(xhtml, edition, stylesheets=stylesheets, where=where)
        if len(document.pages) == 1:
            xhtml = self.leaflet_xhtml(condition, site, edition, contents=False)
            document = self.render_document(xhtml, edition, stylesheets=stylesheets, where=where)
        identifier = digest("leaflet", self.options.pdf_variant, xhtml, *stylesheets)[:32]
        return self.to_pdf(document, identifier=identifier)

    def leaflet_xhtml(self, condition: m.Condition, site: m.Site, edition: Edition, *,
                      contents: bool = True) -> str:
        """The print XHTML of a leaflet (``templates/leaflet.xhtml``), before :meth:`prepare`."""
        url = condition.source_url or site.website
        qr = qr_for(url, condition.lang, site.colours) if url else None
        title = condition.title
        if edition.is_large:
            title = f"{title} ({labels(condition.lang)['large_print']})"
        ctx = self.renderer.base_context(
            site, condition.lang, edition, "pdf", self.options,
            condition=condition, doc_title=title, created=w3c_date(),
            show_contents=contents, qr=qr, closing_id=CLOSING_ID,
            generator=f"benech-publish {__version__}",
            asset_url=self.asset_url)
        return self.renderer.render("leaflet.xhtml", **ctx)

    def asset_url(self, src: str) -> str:
        """A content-relative path (``images/logo.svg``) as a ``data:`` URL (see :func:`util.data_uri`)."""
        from ..safety import image_data_uri  # confined, SVG sanitised

        return image_data_uri(self.root, src)

    # ------------------------------------------------------------------ CSS

    def font_css(self) -> str:
        """The ``@font-face`` rules of the shipped typeface (family :data:`fonts.FAMILY`)."""
        return fonts.font_css()

    def print_css(self, edition: Edition, site: m.Site, *, lang: str = "en") -> str:
        """Paged-media CSS (``css/print.css``, which includes ``css/base.css``) for ``edition``.

        Every colour comes from ``site.colours`` (so the build's contrast check
        covers it); ``lang`` localizes the running footer ("Page N of M").
        The same arguments return the same ``str`` object (cheap to cache on).
        """
        key = (edition, site.colours, lang.split("-")[0])
        css = self._print_css.get(key)
        if css is None:
            ctx = self.renderer.base_context(site, lang, edition, "pdf", self.options,
                                             font_family=fonts.FAMILY,
                                             page_of_css=page_of_css(labels(lang)["page_of"]))
            css = self.renderer.render("css/print.css", **ctx)
            self._print_css[key] = css
        return css

    def stylesheets(self, edition: Edition, site: m.Site, *, lang: str = "en") -> list[str]:
        """The CSS texts of a leaflet: fonts, then print CSS."""
        return [self.font_css(), self.print_css(edition, site, lang=lang)]

    def _parsed(self, text: str) -> weasyprint.CSS:
        css = self._css.get(text)
        if css is None:
            css = weasyprint.CSS(string=text, font_config=self.font_config,
                                 base_url=self.root.as_uri() + "/", url_fetcher=self._fetcher)
            self._css[text] = css
        return css

    # ------------------------------------------------------------------ rendering

    def prepare(self, xhtml: str, edition: Edition, *, where: str = "") -> str:
        """Print adjustments to rendered XHTML; returns XHTML that WeasyPrint's HTML parser reads.

        * standard edition: words of the language's hyphenation exception list
          are marked (see :mod:`benech_publish.hyphenation`); a language with
          no pyphen dictionary adds a notice;
        * web and e-mail addresses shown as text may break only after ``/ . @``
          (``<wbr/>``), never at a hyphen, so no line ends in a hyphen that is
          not there (and large print never splits a word);
        * characters the shipped typeface lacks add a notice (they would be
          drawn with a system font).
        """
        try:
            root = etree.fromstring(xhtml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise RenderError(f"print XHTML is not well-formed: {exc}") from exc
        lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
        prefix = f"{where}: " if where else ""
        if edition.hyphenate and lang:
            support = hyphenation.support(lang)
            if support.message:
                self._notice(prefix + support.message)
            hyphenation.apply_exceptions(root, lang)
        for link in root.iter(f"{{{XHTML_NS}}}a"):
            if len(link) == 0 and link.text and _URL_TEXT.search(link.text.strip()):
                _name_address_link(link)
                _mark_breaks(link)
        body = root.find(f"{{{XHTML_NS}}}body")
        missing = fonts.missing_characters("".join(body.itertext()) if body is not None else "")
        if missing:
            chars = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing)
            self._notice(f"{prefix}the shipped typeface ({fonts.TYPEFACE}) has no glyph for "
                         f"{chars}: a system font would be used, so the PDF may differ "
                         "between machines; use another character")
        for element in root.iter():
            if (isinstance(element.tag, str) and element.text is None and len(element) == 0
                    and element.tag.rsplit("}", 1)[-1] not in _VOID):
                element.text = ""  # <span></span>, not <span/> (an HTML parser reads that as open)
        return ('<!DOCTYPE html>\n'
                + etree.tostring(root, encoding="unicode", method="xml"))

    def render_document(self, xhtml: str, edition: Edition, *, stylesheets: Iterable[str],
                        where: str = "", prepare: bool = True) -> weasyprint.Document:
        """Lay out ``xhtml`` (after :meth:`prepare`) with ``stylesheets`` (CSS texts).

        Relative URLs resolve against the content root; only ``file:`` and
        ``data:`` URLs are fetched. Parsed stylesheets are cached by text, and
        every document shares this writer's ``FontConfiguration``.
        """
        source = self.prepare(xhtml, edition, where=where) if prepare else xhtml
        css = [self._parsed(text) for text in stylesheets]
        try:
            html = weasyprint.HTML(string=source, base_url=self.root.as_uri() + "/",
                                   url_fetcher=self._fetcher)
            return html.render(font_config=self.font_config, stylesheets=css,
                               pdf_variant=self.options.pdf_variant)
        except URLFetchingError as exc:
            raise RenderError(f"{where or 'document'}: cannot load a resource: {exc}") from exc

    def to_pdf(self, document: weasyprint.Document, *, identifier: str) -> bytes:
        """Write ``document`` as tagged PDF (``Options.pdf_variant``) and return the bytes.

        ``identifier`` (any string; derive it from the content) becomes the
        PDF ``/ID``, so the same input and ``SOURCE_DATE_EPOCH`` give the same
        bytes. Bookmarks open in the viewer's side panel and the title bar
        shows the document title.
        """
        return _write_tagged_pdf(document, pdf_variant=self.options.pdf_variant,
                                 pdf_identifier=identifier.encode("ascii", "replace"),
                                 finisher=_finish)

    def _notice(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)


def _finish(document: weasyprint.Document, pdf: Any) -> None:
    """Catalog entries WeasyPrint does not write: title bar and bookmarks panel."""
    import pydyf

    prefs = pdf.catalog.get("ViewerPreferences")
    if not isinstance(prefs, pydyf.Dictionary):
        prefs = pydyf.Dictionary()
    prefs["DisplayDocTitle"] = "true"
    pdf.catalog["ViewerPreferences"] = prefs
    if "Outlines" in pdf.catalog:
        pdf.catalog["PageMode"] = "/UseOutlines"


def _name_address_link(link: Any) -> None:
    """Give a link whose text is its own address an accessible name from its label.

    ``<dt>Website</dt><dd><a href="https://x.it">https://x.it</a></dd>`` gets
    ``aria-label="Website: https://x.it"``, so assistive technology (and the
    link annotation's ``/Contents``) says what the address is, not only the address.
    """
    if link.get("aria-label"):
        return
    parent = link.getparent()
    if parent is None or parent.tag != f"{{{XHTML_NS}}}dd" or (parent.text or "").strip():
        return
    label = parent.getprevious()
    while label is not None and label.tag != f"{{{XHTML_NS}}}dt":
        label = label.getprevious()
    if label is not None:
        name = " ".join("".join(label.itertext()).split())
        if name:
            link.set("aria-label", f"{name}: {link.text.strip()}")


def _mark_breaks(link: Any) -> None:
    """Allow a break only after ``/ . @ ? & =`` in the address text of ``link``."""
    text = link.text
    link.text = None
    link.set("class", (link.get("class", "") + " url").strip())
    pieces = re.split(f"(?<=[{re.escape(_URL_BREAK_AFTER)}])(?=.)", text)
    previous = None
    for piece in pieces:
        # Keep each piece on one line (no break after a hyphen inside it).
        span = etree.SubElement(link, f"{{{XHTML_NS}}}span", {"class": "nobr"})
        span.text = piece
        if previous is not None:
            wbr = etree.Element(f"{{{XHTML_NS}}}wbr")
            span.addprevious(wbr)
        previous = span


def page_of_css(template: str) -> str:
    """``"Page {n} of {m}"`` → CSS content ``"Page " counter(page) " of " counter(pages)``."""
    parts: list[str] = []
    for token in re.split(r"(\{n\}|\{m\})", template):
        if token == "{n}":
            parts.append("counter(page)")
        elif token == "{m}":
            parts.append("counter(pages)")
        elif token:
            parts.append('"' + token.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(parts) or "counter(page)"


def w3c_date() -> str:
    """The build date (:func:`source_date`, UTC) as a W3C datetime for ``dcterms.*`` metas."""
    return source_date().strftime("%Y-%m-%dT%H:%M:%SZ")
