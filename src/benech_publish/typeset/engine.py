"""The print engine: XHTML + CSS texts → a laid-out document → tagged PDF bytes.

Takes: print XHTML rendered by :mod:`benech_publish.render` and the CSS texts
of an edition; the content root (the only place relative URLs may resolve,
``file:`` and ``data:`` only, so a document never reaches the network) and the
PDF variant. Gives: :class:`Layout` (pages laid out, for the page count and the
EPUB page-list) and PDF bytes written through the tag repairs
(:mod:`benech_publish.typeset.tags`)::

    typesetter = Typesetter(content_root, pdf_variant="pdf/ua-1")   # RenderError if WeasyPrint is unsupported
    layout = typesetter.layout(xhtml, [font_css(), print_css], hyphenate=True, where="it/x.md")
    data = typesetter.write_pdf(layout, identifier="…")

One instance per process (per build worker): it owns WeasyPrint's
``FontConfiguration`` (fonts load once) and the parsed-CSS cache (keyed by CSS
text). WeasyPrint's image cache is not shared between documents: the PDF of
a document would then depend on the documents laid out before it. The
prepared XHTML is parsed as XML (:mod:`._xmltree`), not by WeasyPrint's
pure-Python HTML5 parser: the same tree, about forty times cheaper. Not
thread-safe. :attr:`Typesetter.notices` collects plain-language
warnings found while preparing documents (no hyphenation dictionary for a
language, characters the typeface lacks), each once, for the build report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import RenderError
from ..render import XHTML_NS
from ..xmp import merge_rdf
from . import _runon, _weasy, fonts, hyphenation
from ._runon import RunOn
from ._xmltree import html_tree

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_URL_TEXT = re.compile(r"^(?:https?://|www\.|mailto:)|^[^\s@]+@[^\s@]+\.[a-z]{2,}$", re.I)
# In a web or e-mail address, a break is allowed after these only: never after a hyphen
# (it would read as a hyphenated word) nor after a dot (a line ending in "www." reads
# like the end of a sentence).
_URL_BREAK_AFTER = "/@?&="


_TABLE_TAG = re.compile(r"<table[\s/>]", re.IGNORECASE)

#: Class the layout gives a table taller than a page (see :meth:`Typesetter.layout`).
LONG_TABLE = "long-table"


@dataclass(frozen=True)
class Layout:
    """A laid-out document: ``document`` is WeasyPrint's (opaque outside this package)."""

    document: Any
    #: Units that ran on instead of starting a page (a :class:`~._runon.RunOn` policy), in order.
    ran_on: tuple[str, ...] = ()

    @property
    def page_count(self) -> int:
        return len(self.document.pages)


class Typesetter:
    """Lays out XHTML and writes tagged PDF; one per process, reused for every document."""

    def __init__(self, content_root: str | Path, *, pdf_variant: str = "pdf/ua-1"):
        self.engine = _weasy.load()
        from . import tags  # checks the internals the repairs use, once

        self._tags = tags
        self.root = Path(content_root).resolve()
        self.pdf_variant = pdf_variant
        #: Shared by every document: fonts are loaded once per process.
        self.font_config = self.engine.FontConfiguration()
        #: Plain-language warnings found while preparing documents, each once.
        self.notices: list[str] = []
        #: What the writers decided while laying out (copy-fitting), for ``--verbose``.
        self.log: list[str] = []
        self._css: dict[str, Any] = {}
        # Only local files and data: URIs: a document never fetches from the network,
        # and a missing image fails the job instead of silently vanishing.
        self._fetcher = self.engine.URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)

    # ------------------------------------------------------------------ layout

    def layout(
        self,
        xhtml: str,
        stylesheets: Iterable[str],
        *,
        hyphenate: bool,
        where: str = "",
        prepare: bool = True,
        run_on: RunOn | None = None,
    ) -> Layout:
        """Lay out ``xhtml`` (after :meth:`prepare`) with ``stylesheets`` (CSS texts).

        Tables are kept whole on a page (``break-inside: avoid``); a table taller
        than a page cannot be, so where the first layout had to break one, that
        table gets the class :data:`LONG_TABLE` and the document is laid out again:
        the print stylesheet lets such a table start right after its heading and
        break between rows (never inside one, the header row repeated), instead of
        leaving the heading alone on a page.

        ``run_on``: units (``section[data-unit]`` starting a page) that run on
        below the unit before when its last page would be near-empty, decided
        while paginating (:mod:`._runon`); :attr:`Layout.ran_on` says which did.
        """
        source = self.prepare(xhtml, hyphenate=hyphenate, where=where) if prepare else xhtml
        css = [self._parsed(text) for text in stylesheets]
        with _runon.active(run_on) if run_on else nullcontext() as decisions:
            try:
                html = self.engine.html_from_tree(
                    html_tree(source), base_url=self.root.as_uri() + "/", url_fetcher=self._fetcher
                )
                document = html.render(font_config=self.font_config, stylesheets=css, pdf_variant=self.pdf_variant)
                # Only a document with a <table> tag can have one (WeasyPrint's parser lowercases tags).
                long_tables = self._tables_over_pages(document) if _TABLE_TAG.search(source) else []
                if long_tables:
                    for table in long_tables:  # the parsed document's own elements
                        table.set("class", f"{table.get('class') or ''} {LONG_TABLE}".strip())
                    if decisions is not None:
                        decisions.ran_on.clear()
                    document = html.render(font_config=self.font_config, stylesheets=css, pdf_variant=self.pdf_variant)
            except self.engine.URLFetchingError as exc:
                raise RenderError(f"{where or 'document'}: cannot load a resource: {exc}") from exc
        return Layout(document, tuple(decisions.ran_on) if decisions is not None else ())

    def _tables_over_pages(self, document: Any) -> list[Any]:
        """The table elements (not yet :data:`LONG_TABLE`) laid out on more than one page."""
        pages_of: dict[int, tuple[Any, set[int]]] = {}
        for number, page in enumerate(document.pages):
            stack = [self.engine.page_box(page)]
            while stack:
                box = stack.pop()
                element = box.element
                if (box.element_tag or "").rsplit("}", 1)[-1] == "table" and LONG_TABLE not in (
                    element.get("class") or ""
                ).split():
                    pages_of.setdefault(id(element), (element, set()))[1].add(number)
                    continue
                stack.extend(getattr(box, "children", ()))
        return [element for element, pages in pages_of.values() if len(pages) > 1]

    def write_pdf(self, layout: Layout, *, identifier: str, xmp: bytes = b"") -> bytes:
        """Write ``layout`` as tagged PDF (the variant given at construction); return the bytes.

        ``identifier`` (any string; derive it from the content) becomes the
        PDF ``/ID``, so the same input and build date give the same bytes.
        Bookmarks open in the viewer's side panel and the title bar shows the
        document title. ``xmp`` is an ``rdf:Description`` (see
        :func:`benech_publish.xmp.rdf_description`) added to the XMP packet.
        """
        if self.pdf_variant == "pdf/ua-2":
            _without_ua1_conformance(layout.document.metadata)
        if xmp:
            metadata = layout.document.metadata
            generate = metadata.generate_rdf_metadata  # where WeasyPrint makes the rdf:RDF
            metadata.generate_rdf_metadata = lambda *args: merge_rdf(generate(*args), xmp)
        return self._tags.write_pdf(
            layout.document,
            pdf_variant=self.pdf_variant,
            pdf_identifier=identifier.encode("ascii", "replace"),
            finisher=self._finish,
        )

    def _finish(self, document: Any, pdf: Any) -> None:
        """Catalog entries WeasyPrint does not write: title bar and bookmarks panel."""
        pydyf = self.engine.pydyf
        prefs = pdf.catalog.get("ViewerPreferences")
        if not isinstance(prefs, pydyf.Dictionary):
            prefs = pydyf.Dictionary()
        prefs["DisplayDocTitle"] = "true"
        pdf.catalog["ViewerPreferences"] = prefs
        if "Outlines" in pdf.catalog:
            pdf.catalog["PageMode"] = "/UseOutlines"

    def _parsed(self, text: str) -> Any:
        css = self._css.get(text)
        if css is None:
            css = self.engine.CSS(
                string=text, font_config=self.font_config, base_url=self.root.as_uri() + "/", url_fetcher=self._fetcher
            )
            self._css[text] = css
        return css

    # ------------------------------------------------------------------ preparation

    def prepare(self, xhtml: str | Any, *, hyphenate: bool, where: str = "") -> str:
        """Print adjustments to rendered XHTML; returns well-formed XHTML that an HTML5 parser reads the same.

        ``xhtml`` is the XHTML text, or its root element already parsed
        (:func:`parse_xhtml`), which is then adjusted in place (one parse for a
        writer that also reads the tree).

        * ``hyphenate`` (standard edition): words of the language's hyphenation
          exception list are marked (see :mod:`.hyphenation`); a language with
          no pyphen dictionary adds a notice;
        * web and e-mail addresses shown as text may break only after ``/ @ ? & =``
          (``<wbr/>``), never at a hyphen, so no line ends in a hyphen that is
          not there (and large print never splits a word);
        * characters the shipped typeface lacks add a notice (they would be
          drawn with a system font).
        """
        root = parse_xhtml(xhtml) if isinstance(xhtml, str) else xhtml
        lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
        prefix = f"{where}: " if where else ""
        if hyphenate and lang:
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
            self._notice(
                f"{prefix}the shipped typeface ({fonts.TYPEFACE}) has no glyph for "
                f"{chars}: a system font would be used, so the PDF may differ "
                "between machines; use another character"
            )
        for element in root.iter():
            if (
                isinstance(element.tag, str)
                and element.text is None
                and len(element) == 0
                and element.tag.rsplit("}", 1)[-1] not in _VOID
            ):
                element.text = ""  # <span></span>, not <span/> (an HTML parser reads that as open)
        return "<!DOCTYPE html>\n" + etree.tostring(root, encoding="unicode", method="xml")

    def _notice(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)


def parse_xhtml(xhtml: str) -> Any:
    """The root element of rendered XHTML (:class:`RenderError` when it is not well-formed)."""
    try:
        return etree.fromstring(xhtml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"print XHTML is not well-formed: {exc}") from exc


def _without_ua1_conformance(metadata: Any) -> None:
    """PDF/UA-2 XMP names ``pdfuaid:part`` and ``pdfuaid:rev`` only (ISO 14289-2);
    WeasyPrint 70 also writes PDF/UA-1's ``pdfuaid:conformance``: leave it out."""
    generate = metadata.generate_rdf_metadata

    def cleaned(*args: Any) -> bytes:
        data: bytes = generate(*args)
        return re.sub(rb'\s*pdfuaid:conformance="[^"]*"', b"", data)

    metadata.generate_rdf_metadata = cleaned


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
    """Allow a break only after ``/ @ ? & =`` in the address text of ``link``."""
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
