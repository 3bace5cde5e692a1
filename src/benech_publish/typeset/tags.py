"""Tagged PDF/UA-1 output for WeasyPrint 70, with its tagging defects repaired.

WeasyPrint 70 writes a structure tree when ``pdf_variant='pdf/ua-1'`` is set, but
that tree has defects a screen-reader user meets on every page of a leaflet.
This module replaces WeasyPrint's structure-tree builder (``weasyprint.pdf.
add_tags``) for the duration of one :func:`write_pdf` call and builds the tree
from the laid-out box tree, where the HTML element of every box (and so its
``lang``, ``scope``, ``alt``, ``title`` ...) is still known.  Everything else
(content streams, fonts, links, bookmarks, named destinations, XMP metadata) is
WeasyPrint's own output; the content streams are only edited where marked
content has to change (artifacts, MCID numbers, ``/ActualText``).

Defects repaired (each has a test in ``tests/test_pdf_tags.py`` that first shows
the defect on bare WeasyPrint):

1. **Margin boxes** (``@page`` margin content: running headers and footers, page
   numbers, ``position: running()`` elements) are tagged by WeasyPrint but not
   reachable from the structure tree (PDF/UA forbids that: Matterhorn 01-005).
   They become pagination artifacts (``/Artifact <</Type /Pagination /Subtype
   /Header|/Footer>>``): repeated on every page, they must not be read as text.
2. **Page breaks**: WeasyPrint builds one structure element per page fragment,
   so a list split by a page break is read as two lists, a paragraph as two
   paragraphs, a table as two tables.  Here the struct element is keyed by the
   HTML element, so all fragments of one element are one struct element (its
   content on later pages is referenced with ``/MCR`` dictionaries).  A
   ``thead``/``tfoot`` that the layout repeats on a later page is a pagination
   artifact, read once.
3. **Languages**: an element with its own ``lang`` that differs from its
   context gets ``/Lang`` (inline elements become a ``Span`` for it), so an
   Italian phrase in an English leaflet is spoken in Italian.
4. **Table headers**: every ``TH`` gets ``/Scope`` (``Column``/``Row``; from the
   ``scope`` attribute or inferred: header rows and ``thead`` cells are column
   headers, a leading ``th`` in a body row is a row header) and an ``/ID``;
   every ``TD`` gets ``/Headers`` computed on the real table grid, so
   ``colspan``/``rowspan`` headers keep their associations.  The ``/IDTree``
   WeasyPrint omits is written.
5. **Semantics**: ``figure`` (``Div``) with ``figcaption`` (``Caption``),
   ``aside`` (``Aside``), ``nav``, ``header``, ``footer``, ``em`` (``Em``),
   ``strong`` (``Strong``), ``abbr`` (``Span`` with ``/E`` = its ``title``),
   ``code``, ``q``, ``dl``/``dt``/``dd`` (``L``/``LI``/``Lbl``/``LBody``) map to
   standard structure types instead of ``NonStruct``.  For PDF 1.7 (PDF/UA-1)
   the PDF 2.0 names ``Em``, ``Strong`` and ``Aside`` are role-mapped to
   ``Span``/``Span``/``Sect``.
6. **Decorative images**: ``alt=""``, ``role="presentation"``/``"none"`` and
   anything inside ``aria-hidden="true"`` become artifacts, not Figures without
   ``/Alt``.
7. **Links**: the link annotation's ``/Contents`` is the link's accessible name
   (``aria-label``, else its text, else ``title``), never the raw ``#id`` or
   URL; a link that wraps over lines or contains ``em`` is one ``Link`` element
   with one ``/OBJR`` per annotation rectangle.  Link annotations inside
   artifacts (e.g. a URL in a running footer) are dropped, as PDF/UA requires
   every link annotation to be in a ``Link`` element.
8. **Hyphenation**: text with soft hyphens (U+00AD, invisible break points)
   gets ``/ActualText`` without them; a word broken by automatic hyphenation gets ``/ActualText``
   on the marked content of both line fragments (the first carries the whole
   word, the second the rest of its line), so assistive technology and
   ``/ActualText``-aware extraction read ``pharmacokinetically``, not
   ``pharmacokinetic‐ ally``.
9. **Needless Spans**: WeasyPrint wraps each text run (each line of a
   paragraph) in its own ``Span``; here marked content is attached directly to
   the element that owns it, and ``span`` elements without their own ``lang``
   do not create structure.

Why replace the builder rather than post-process the PDF: most repairs need the
HTML (``lang``, ``scope``, ``alt``, ``title``), which the PDF alone does not
carry, and WeasyPrint hands its box-to-MCID mapping only to ``add_tags``.  The
replacement is installed once, dispatches on a context variable (so bare
WeasyPrint calls in the same process are unaffected), and is pinned: a
WeasyPrint major other than
:data:`~benech_publish.typeset._weasy.SUPPORTED_WEASYPRINT_MAJOR`, or one that
lacks an internal used here, raises :class:`~benech_publish.errors.RenderError`
(see :mod:`benech_publish.typeset._weasy`).  ``docs/accessibility.md`` lists which of these
would be better fixed upstream.
"""

from __future__ import annotations

import contextvars
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import _weasy

if TYPE_CHECKING:  # pragma: no cover
    from lxml.etree import _Element

__all__ = ["write_pdf"]

# Every WeasyPrint/pydyf name comes through the one checked door (_weasy); a
# WeasyPrint without them raises RenderError on import of this module.
_ENGINE = _weasy.load()
boxes = _ENGINE.boxes
pydyf = _ENGINE.pydyf
AbsolutePlaceholder = _ENGINE.AbsolutePlaceholder


# --------------------------------------------------------------------------
# Entry point and hook installation.

@dataclass
class _Job:
    zoom: float = 1.0


_ACTIVE: contextvars.ContextVar[_Job | None] = contextvars.ContextVar(
    "benech_publish_pdf_tags", default=None)
_INSTALL_LOCK = threading.Lock()


def _install() -> None:
    wpdf = _ENGINE.pdf

    with _INSTALL_LOCK:
        current = wpdf.add_tags
        if getattr(current, "_benech_publish", False):
            return
        original = current

        def add_tags(pdf, document, pdf_version, page_streams):
            job = _ACTIVE.get()
            if job is None:
                return original(pdf, document, pdf_version, page_streams)
            return _Tagger(pdf, document, pdf_version, page_streams, job).run()

        add_tags._benech_publish = True  # type: ignore[attr-defined]
        add_tags.__wrapped__ = original  # type: ignore[attr-defined]
        wpdf.add_tags = add_tags


def write_pdf(document: Any, *, pdf_variant: str = "pdf/ua-1", **write_options: Any) -> bytes:
    """Write a rendered WeasyPrint document as a tagged PDF with the repairs applied; return the bytes."""
    if not pdf_variant or not pdf_variant.startswith("pdf/ua"):
        # Only PDF/UA variants turn tagging on in WeasyPrint; other variants get
        # tags when asked for with pdf_tags=True.
        if not write_options.get("pdf_tags"):
            return document.write_pdf(pdf_variant=pdf_variant, **write_options)
    _install()
    token = _ACTIVE.set(_Job(zoom=float(write_options.get("zoom", 1))))
    try:
        return document.write_pdf(pdf_variant=pdf_variant, **write_options)
    finally:
        _ACTIVE.reset(token)


# --------------------------------------------------------------------------
# HTML to structure-type mapping.

_BLOCK_ROLES = {
    "p": "P", "h1": "H1", "h2": "H2", "h3": "H3", "h4": "H4", "h5": "H5", "h6": "H6",
    "div": "Div", "main": "Part", "article": "Art", "section": "Sect",
    "aside": "Aside", "nav": "Sect", "header": "Div", "footer": "Div",
    "address": "Div", "hgroup": "Div", "details": "Div", "summary": "P",
    "blockquote": "BlockQuote", "figure": "Div", "figcaption": "Caption",
    "pre": "P", "ul": "L", "ol": "L", "dl": "L", "li": "LI",
    "table": "Table", "caption": "Caption", "thead": "THead", "tbody": "TBody",
    "tfoot": "TFoot", "tr": "TR", "th": "TH", "td": "TD",
}
_INLINE_ROLES = {
    "em": "Em", "strong": "Strong", "abbr": "Span", "code": "Code", "kbd": "Code",
    "samp": "Code", "q": "Quote",
}
#: PDF 2.0 structure types used here that PDF 1.7 lacks, and their PDF 1.7 role.
ROLE_MAP_PDF17 = {"Em": "Span", "Strong": "Span", "Aside": "Sect"}
#: Elements whose text content is not real content.
_NO_CONTENT = {"script", "style", "template", "head", "title"}
_GROUPING = {"Document", "Part", "Art", "Sect", "Div", "Aside", "BlockQuote", "L",
             "Table", "THead", "TBody", "TFoot", "TR"}
_TABLE_PARTS = {"Table", "THead", "TBody", "TFoot", "TR", "TH", "TD"}


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _lang_of(element: "_Element") -> str | None:
    lang = element.get("lang")
    if lang is None:
        lang = element.get("{http://www.w3.org/XML/1998/namespace}lang")
    return lang.strip() if lang is not None else None


def _text(element: "_Element") -> str:
    """Accessible text of an element: text content, img alt included."""
    parts: list[str] = []

    def visit(el: "_Element") -> None:
        if el.get("aria-hidden") == "true":
            return
        name = _local(el.tag)
        if name in _NO_CONTENT:
            return
        if name == "img":
            parts.append(el.get("alt") or "")
        elif el.text:
            parts.append(el.text)
        for child in el:
            visit(child)
            if child.tail:
                parts.append(child.tail)

    visit(element)
    return " ".join("".join(parts).split())


def _accessible_name(element: "_Element") -> str:
    for candidate in (element.get("aria-label"), _text(element), element.get("title")):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return ""


def _is_decorative_image(element: "_Element") -> bool:
    return (element.get("alt") == "" or
            element.get("role") in ("presentation", "none"))


# --------------------------------------------------------------------------
# The structure tree under construction.

@dataclass(eq=False)
class _Node:
    role: str
    element: Any = None
    parent: "_Node | None" = None
    kids: list = field(default_factory=list)
    lang: str | None = None
    alt: str | None = None
    expansion: str | None = None
    attributes: dict = field(default_factory=dict)
    ident: str | None = None
    first_page: int | None = None
    lbody: "_Node | None" = None
    anonymous: bool = False

    def add(self, kid: Any) -> None:
        self.kids.append(kid)

    def child(self, role: str, element: Any = None, **kwargs: Any) -> "_Node":
        node = _Node(role, element, self, **kwargs)
        self.kids.append(node)
        return node

    def effective_lang(self) -> str | None:
        node: _Node | None = self
        while node is not None:
            if node.lang:
                return node.lang
            node = node.parent
        return None


@dataclass
class _Mark:
    """One marked-content sequence of a page: where its property list is."""
    page: int
    mcid: int
    stream: Any
    index: int  # index of the property list in ``stream.stream``


_DECOR = "decor"


class _Tagger:
    def __init__(self, pdf, document, pdf_version, page_streams, job: _Job):
        self.pdf = pdf
        self.document = document
        self.pdf_version = str(pdf_version or "1.7")
        self.page_streams = page_streams
        self.job = job
        self.page_refs = pdf.page_references
        self.nodes: dict[int, _Node] = {}  # id(element) -> node
        self.node_elements: list = []  # keep elements alive for id() keys
        self.marks: dict[tuple[int, int], _Mark] = {}
        self.box_marks: list[dict] = []
        self.used: set[tuple[int, int]] = set()
        self.artifacts: dict[tuple[int, int], dict | None] = {}
        self.actual_text: dict[tuple[int, int], str] = {}
        self.annotations: list[tuple[Any, _Node, int]] = []
        self.dropped_annotations: list[tuple[int, Any]] = []
        self.pending_hyphen: tuple | None = None
        self.last_line: Any = None
        self.id_counter = 0

    # -- marked content ---------------------------------------------------

    def _index_marks(self) -> None:
        streams_by_tags: dict[int, list] = {}
        for obj in self.pdf.objects:
            tags = getattr(obj, "_tags", None)
            if isinstance(tags, dict):
                streams_by_tags.setdefault(id(tags), []).append(obj)
        for page, stream in enumerate(self.page_streams):
            tags = stream._tags
            self.box_marks.append({id(box): value["mcid"] for box, value in tags.items()})
            for candidate in streams_by_tags.get(id(tags), [stream]):
                items = candidate.stream
                for index, item in enumerate(items):
                    if isinstance(item, pydyf.Dictionary) and "MCID" in item:
                        self.marks[page, item["MCID"]] = _Mark(
                            page, item["MCID"], candidate, index)
            # Keep the boxes alive while ids are used as keys.
            self.node_elements.append(tuple(tags))

    def _mcid(self, box, page: int) -> int | None:
        return self.box_marks[page].get(id(box))

    # -- walking boxes ----------------------------------------------------

    def run(self) -> None:
        pdf = self.pdf
        self._index_marks()
        lang = self.document.metadata.lang
        self.root = _Node("Document", lang=None)
        self.doc_lang = lang
        for page_number, page in enumerate(self.document.pages):
            self.last_line = None
            self._walk(_ENGINE.page_box(page), self.root, page_number, None)
        self._finish_hyphen(None)
        self._tables()
        self._prune(self.root)
        self._rewrite_content()
        self._emit()
        pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
        pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
        if "Lang" not in pdf.catalog:
            pdf.catalog["Lang"] = pydyf.String(lang or "")

    def _walk(self, box, node: _Node, page: int, line) -> None:
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        if isinstance(box, boxes.MarginBox):
            keyword = getattr(box, "at_keyword", "")
            subtype = ("Header" if "top" in keyword else
                       "Footer" if "bottom" in keyword else None)
            self._artifact_subtree(box, page, {"Type": "Pagination", "Subtype": subtype})
            return
        if isinstance(box, boxes.TextBox):
            self._text_box(box, node, page, line)
            return
        if isinstance(box, boxes.LineBox):
            for child in box.children:
                self._walk(child, node, page, box)
            return

        element = box.element
        tag = box.element_tag or ""
        name, _, pseudo = tag.partition("::")
        name = _local(name)
        if isinstance(box, boxes.PageBox) or element is None or name in ("html", "body"):
            target = node
        elif element.get("aria-hidden") == "true":
            self._artifact_subtree(box, page, None)
            return
        elif pseudo == "marker":
            target = self._marker_node(node)
        elif pseudo:
            target = node  # ::before/::after content belongs to its element
        else:
            target = self._node_for(box, element, name, node, page)
            if target is None:
                return

        annotation = getattr(box, "link_annotation", None)
        if annotation is not None:
            self._link_annotation(box, annotation, target, page)

        if isinstance(box, boxes.ReplacedBox):
            mcid = self._mcid(box, page)
            if mcid is not None:
                self._use(target, page, mcid)
            if target.role == "Figure" and target.attributes.get("BBox") is None:
                target.attributes["BBox"] = self._bbox(box, page)
            return
        if isinstance(box, boxes.ParentBox):
            content_target = target
            if target.role == "LI":
                content_target = self._lbody(target)
            elif (target.role in _GROUPING and box.children and
                  isinstance(box.children[0], boxes.LineBox) and _has_text(box)):
                content_target = self._anonymous_paragraph(target, box)
            for child in box.children:
                self._walk(child, content_target, page, line)

    def _link_annotation(self, box, annotation, target: _Node, page: int) -> None:
        if target.role != "Link":
            ancestor = target.parent
            while ancestor is not None and ancestor.role not in _GROUPING:
                if ancestor.role == "Link":
                    # WeasyPrint gives every box inside a link its own, overlapping
                    # annotation (em inside a, img inside a): the link's own
                    # annotation already covers it, so read it once.
                    self.dropped_annotations.append((page, annotation))
                    return
                ancestor = ancestor.parent
            # A link on an element that is not an <a href> (CSS -weasy-link).
            target = target.child("Link", box.element)
        self.annotations.append((annotation, target, page))
        target.add(("objr", page, annotation))
        label = _accessible_name(target.element) if target.element is not None else ""
        if not label:
            label = "Link"
        annotation["Contents"] = pydyf.String(label)

    def _node_for(self, box, element, name: str, parent: _Node, page: int) -> _Node | None:
        key = id(element)
        existing = self.nodes.get(key)
        if existing is not None:
            if (existing.role in ("THead", "TFoot") and
                    existing.first_page is not None and existing.first_page < page):
                # A header (or footer) group repeated by the layout on a later page.
                self._artifact_subtree(box, page, {"Type": "Pagination"})
                return None
            return existing

        if name in _NO_CONTENT:
            return None
        if name in ("img", "svg", "object", "embed", "video", "canvas") or \
                isinstance(box, boxes.ReplacedBox):
            if _is_decorative_image(element):
                self._artifact_subtree(box, page, None)
                return None
            node = parent.child("Figure", element)
            alt = element.get("alt")
            if name == "svg":
                title = element.find("{http://www.w3.org/2000/svg}title")
                alt = title.text if title is not None else element.get("aria-label")
            if alt is None:
                alt = element.get("aria-label") or element.get("title")
            node.alt = " ".join(alt.split()) if alt else None
            node.attributes = {"O": "Layout", "BBox": None, "Placement":
                               "Block" if isinstance(box, boxes.BlockLevelBox) else "Inline"}
            self._register(element, node, page)
            self._set_lang(node, element, parent)
            return node

        role: str | None
        if name == "a" and element.get("href") is not None:
            role = "Link"
        elif name in _INLINE_ROLES:
            role = _INLINE_ROLES[name]
        elif name in _BLOCK_ROLES:
            role = _BLOCK_ROLES[name]
        elif isinstance(box, (boxes.InlineBox, boxes.TextBox)):
            role = None  # presentational inline (b, i, span, small, time ...)
        else:
            role = "Div"
        if name == "span" and _lang_of(element) is None:
            role = None

        own_lang = _lang_of(element)
        parent_lang = parent.effective_lang() or self.doc_lang
        needs_lang = bool(own_lang) and (parent_lang or "").lower() != own_lang.lower()
        if role is None and needs_lang:
            role = "Span"
        if role is None:
            self.nodes[key] = parent
            self.node_elements.append(element)
            return parent

        if name in ("dt", "dd"):
            node = self._definition_item(parent, element, name)
        else:
            if role == "LI" and parent.role != "L":
                role = "Div" if isinstance(box, boxes.BlockLevelBox) else "Span"
            if parent.role == "LI":
                parent = self._lbody(parent)
            node = parent.child(role, element)
        if needs_lang:
            node.lang = own_lang
        if name == "abbr" and element.get("title"):
            node.expansion = " ".join(element.get("title").split())
        if role in ("TH", "TD"):
            node.attributes = {"O": "Table"}
            colspan = _int(element.get("colspan"))
            rowspan = _int(element.get("rowspan"))
            if colspan > 1:
                node.attributes["ColSpan"] = colspan
            if rowspan > 1:
                node.attributes["RowSpan"] = rowspan
        if role == "L" and name in ("ul", "ol"):
            node.attributes = {"O": "List", "ListNumbering": _list_numbering(box, name)}
        self._register(element, node, page)
        return node

    def _register(self, element, node: _Node, page: int) -> None:
        self.nodes[id(element)] = node
        self.node_elements.append(element)
        node.first_page = page

    def _set_lang(self, node: _Node, element, parent: _Node) -> None:
        own = _lang_of(element)
        parent_lang = parent.effective_lang() or self.doc_lang
        if own and (parent_lang or "").lower() != own.lower():
            node.lang = own

    def _definition_item(self, parent: _Node, element, name: str) -> _Node:
        if parent.role != "L":
            return parent.child("Div" if name == "dd" else "P", element)
        if name == "dt":
            item = parent.child("LI")
            return item.child("Lbl", element)
        last = parent.kids[-1] if parent.kids else None
        if isinstance(last, _Node) and last.role == "LI" and last.lbody is None:
            item = last
        else:
            item = parent.child("LI")
        item.lbody = item.child("LBody", element)
        return item.lbody

    def _lbody(self, item: _Node) -> _Node:
        if item.lbody is None:
            item.lbody = item.child("LBody")
        return item.lbody

    def _marker_node(self, node: _Node) -> _Node:
        item = node
        if item.role == "LBody" and item.parent is not None and item.parent.role == "LI":
            item = item.parent
        if item.role != "LI":
            return node
        for kid in item.kids:
            if isinstance(kid, _Node) and kid.role == "Lbl":
                return kid
        label = _Node("Lbl", None, item)
        item.kids.insert(0, label)
        return label

    def _anonymous_paragraph(self, node: _Node, box) -> _Node:
        last = node.kids[-1] if node.kids else None
        if isinstance(last, _Node) and last.anonymous and last.element is box.element:
            return last
        if node.role in ("TR", "THead", "TBody", "TFoot", "Table", "L"):
            return node
        paragraph = node.child("P", box.element)
        paragraph.anonymous = True
        return paragraph

    def _text_box(self, box, node: _Node, page: int, line) -> None:
        mcid = self._mcid(box, page)
        if mcid is None:
            return
        if node.role in _GROUPING and node.role not in _TABLE_PARTS and node.role != "L":
            node = self._anonymous_paragraph(node, box)
        self._use(node, page, mcid)
        text = box.text or ""
        if self.pending_hyphen is not None:
            self._finish_hyphen((box, page, mcid, line))
        if "\u00ad" in text:
            # Soft hyphens (explicit break points, e.g. from the hyphenation
            # exception list) are invisible but still text: read the word whole.
            self.actual_text.setdefault((page, mcid), text.replace("\u00ad", ""))
        hyphen = box.style["hyphenate_character"] if box.style else None
        if hyphen and text.endswith(hyphen) and len(text) > len(hyphen) and \
                not text[-len(hyphen) - 1].isspace():
            self.pending_hyphen = (box, page, mcid, line, hyphen)

    def _finish_hyphen(self, following) -> None:
        pending, self.pending_hyphen = self.pending_hyphen, None
        if pending is None:
            return
        box, page, mcid, line, hyphen = pending
        head = box.text[:-len(hyphen)]
        if following is None or following[3] is line:
            self.actual_text[page, mcid] = head.replace("\u00ad", "")
            return
        next_box, next_page, next_mcid, _ = following
        rest = next_box.text or ""
        match = re.match(r"\S*", rest)
        fragment = match.group(0) if match else ""
        # The hyphenate character is "-": a line may also end at a real hyphen
        # ("space-" / "occupying"), which must be read, not dropped.
        kept = hyphen if _real_hyphen(box, head, hyphen, fragment) else ""
        self.actual_text[page, mcid] = (head + kept + fragment).replace("\u00ad", "")
        # An empty /ActualText is ignored by some extractors (pdfium), which
        # would then read the fragment twice: a space stands for "nothing".
        self.actual_text[next_page, next_mcid] = rest[len(fragment):].replace("\u00ad", "") or " "

    def _use(self, node: _Node, page: int, mcid: int) -> None:
        key = (page, mcid)
        if key in self.used or key in self.artifacts:
            return
        self.used.add(key)
        node.add(("mc", page, mcid))

    def _artifact_subtree(self, box, page: int, properties: dict | None) -> None:
        stack = [box]
        while stack:
            current = stack.pop()
            if isinstance(current, AbsolutePlaceholder):
                current = current._box
            mcid = self._mcid(current, page)
            if mcid is not None and (page, mcid) not in self.used:
                self.artifacts[page, mcid] = properties
            annotation = getattr(current, "link_annotation", None)
            if annotation is not None:
                self.dropped_annotations.append((page, annotation))
            if isinstance(current, boxes.ParentBox):
                stack.extend(current.children)

    def _bbox(self, box, page: int) -> list[float]:
        scale = self.job.zoom * 0.75
        height = self.document.pages[page].height
        x1 = box.content_box_x() * scale
        x2 = (box.content_box_x() + box.width) * scale
        top = (height - box.content_box_y()) * scale
        bottom = (height - box.content_box_y() - box.height) * scale
        return [round(x1, 3), round(bottom, 3), round(x2, 3), round(top, 3)]

    # -- tables -----------------------------------------------------------

    def _tables(self) -> None:
        done: set[int] = set()
        for element in self.node_elements:
            if not hasattr(element, "tag") or _local(element.tag) != "table":
                continue
            if id(element) in done:
                continue
            done.add(id(element))
            self._table(element)

    def _table(self, table) -> None:
        rows = []
        for child in table:
            name = _local(child.tag)
            if name in ("thead", "tbody", "tfoot"):
                rows.extend((name, row) for row in child if _local(row.tag) == "tr")
            elif name == "tr":
                rows.append(("tbody", child))
        grid: dict[tuple[int, int], Any] = {}
        placed = []  # (cell, group, row_index, col_index, rowspan, colspan)
        for r, (group, row) in enumerate(rows):
            c = 0
            for cell in row:
                if _local(cell.tag) not in ("th", "td"):
                    continue
                while (r, c) in grid:
                    c += 1
                rowspan = max(1, _int(cell.get("rowspan")))
                colspan = max(1, _int(cell.get("colspan")))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        grid[r + dr, c + dc] = cell
                placed.append((cell, group, r, c, rowspan, colspan))
                c += colspan

        scopes: dict[int, str] = {}
        for cell, group, r, c, rowspan, colspan in placed:
            if _local(cell.tag) != "th":
                continue
            scope = (cell.get("scope") or "").lower()
            if scope in ("col", "colgroup"):
                value = "Column"
            elif scope in ("row", "rowgroup"):
                value = "Row"
            elif group == "thead":
                value = "Column"
            else:
                row_cells = [x for x in rows[r][1] if _local(x.tag) in ("th", "td")]
                if all(_local(x.tag) == "th" for x in row_cells):
                    value = "Column"
                elif c == 0 or all(_local(grid.get((r, k)).tag) == "th"
                                   for k in range(c) if grid.get((r, k)) is not None):
                    value = "Row"
                else:
                    value = "Column"
            scopes[id(cell)] = value
            node = self.nodes.get(id(cell))
            if node is not None and node.role == "TH":
                node.attributes["Scope"] = value
                self.id_counter += 1
                node.ident = cell.get("id") or f"benech-th-{self.id_counter}"

        ids_by_html = {}
        for cell, *_ in placed:
            node = self.nodes.get(id(cell))
            if node is not None and node.ident and cell.get("id"):
                ids_by_html[cell.get("id")] = node.ident

        for cell, group, r, c, rowspan, colspan in placed:
            node = self.nodes.get(id(cell))
            if node is None or node.role not in ("TD", "TH"):
                continue
            headers: list[str] = []
            explicit = cell.get("headers")
            if explicit:
                headers = [ids_by_html[i] for i in explicit.split() if i in ids_by_html]
            else:
                candidates = []
                for k in range(c, c + colspan):  # column headers above
                    for rr in range(r):
                        other = grid.get((rr, k))
                        if other is not None and other is not cell and \
                                scopes.get(id(other)) == "Column":
                            candidates.append(other)
                for rr in range(r, r + rowspan):  # row headers to the left
                    for k in range(c):
                        other = grid.get((rr, k))
                        if other is not None and other is not cell and \
                                scopes.get(id(other)) == "Row":
                            candidates.append(other)
                seen = set()
                for other in candidates:
                    header = self.nodes.get(id(other))
                    if header is not None and header.ident and header.ident not in seen:
                        seen.add(header.ident)
                        headers.append(header.ident)
            if headers and node.role == "TD":
                node.attributes["Headers"] = headers
            elif headers and node.role == "TH" and scopes.get(id(cell)) == "Row":
                node.attributes["Headers"] = headers

    # -- output -----------------------------------------------------------

    def _prune(self, node: _Node) -> bool:
        """Drop struct elements with no content; return True if node is empty."""
        kept = []
        for kid in node.kids:
            if isinstance(kid, _Node):
                if not self._prune(kid) or kid.role in _TABLE_PARTS:
                    kept.append(kid)
            else:
                kept.append(kid)
        node.kids = kept
        return not kept

    def _rewrite_content(self) -> None:
        # New MCIDs: contiguous per page, in paint order.
        self.new_mcid: dict[tuple[int, int], int] = {}
        for page in range(len(self.page_streams)):
            counter = 0
            for (p, mcid) in sorted(k for k in self.marks if k[0] == page):
                if (p, mcid) in self.used:
                    self.new_mcid[p, mcid] = counter
                    counter += 1
        for key, mark in self.marks.items():
            items = mark.stream.stream
            properties = items[mark.index]
            if key in self.used:
                properties["MCID"] = self.new_mcid[key]
                if key in self.actual_text:
                    properties["ActualText"] = pydyf.String(self.actual_text[key])
                continue
            # Not in the tree: an artifact (margin boxes, repeated headers,
            # decorative images; anything unreachable would break PDF/UA).
            artifact = self.artifacts.get(key)
            items[mark.index - 1] = "/Artifact"
            if artifact:
                items[mark.index] = pydyf.Dictionary({
                    k: f"/{v}" for k, v in artifact.items() if v})
            else:
                items[mark.index] = b""
                items[mark.index + 1] = b"BMC"

    def _emit(self) -> None:
        pdf = self.pdf
        page_refs = self.page_refs
        parent_tree_pages: list[dict[int, Any]] = [{} for _ in self.page_streams]
        ids: list[tuple[str, bytes]] = []
        annotation_parents: list[tuple[Any, Any]] = []

        root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
        pdf.add_object(root)
        pdf.catalog["StructTreeRoot"] = root.reference

        def emit(node: _Node, parent_ref) -> Any:
            element = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{node.role}",
                                        "P": parent_ref})
            pdf.add_object(element)
            pages = [kid[1] for kid in node.kids if isinstance(kid, tuple)]
            own_page = pages[0] if pages else None
            if own_page is not None:
                element["Pg"] = page_refs[own_page]
            if node.lang:
                element["Lang"] = pydyf.String(node.lang)
            if node.alt is not None and node.role == "Figure":
                element["Alt"] = pydyf.String(node.alt)
            if node.expansion:
                element["E"] = pydyf.String(node.expansion)
            if node.ident:
                element["ID"] = pydyf.String(node.ident)
                ids.append((node.ident, element.reference))
            if node.attributes:
                attrs = pydyf.Dictionary()
                for key, value in node.attributes.items():
                    if value is None:
                        continue
                    if key == "O" or key in ("Scope", "Placement", "ListNumbering"):
                        attrs[key] = f"/{value}"
                    elif key == "Headers":
                        attrs[key] = pydyf.Array(pydyf.String(v) for v in value)
                    elif key == "BBox":
                        attrs[key] = pydyf.Array(value)
                    else:
                        attrs[key] = value
                element["A"] = attrs
            kids = pydyf.Array()
            for kid in node.kids:
                if isinstance(kid, _Node):
                    kids.append(emit(kid, element.reference))
                elif kid[0] == "mc":
                    _, page, mcid = kid
                    new = self.new_mcid[page, mcid]
                    parent_tree_pages[page][new] = element.reference
                    if page == own_page:
                        kids.append(new)
                    else:
                        kids.append(pydyf.Dictionary({
                            "Type": "/MCR", "Pg": page_refs[page], "MCID": new}))
                else:
                    _, page, annotation = kid
                    objr = pydyf.Dictionary({"Type": "/OBJR", "Obj": annotation.reference,
                                             "Pg": page_refs[page]})
                    kids.append(objr)
                    annotation_parents.append((annotation, element.reference))
            element["K"] = kids
            return element.reference

        document_ref = emit(self.root, root.reference)
        root["K"] = pydyf.Array([document_ref])

        nums = pydyf.Array()
        for page, mapping in enumerate(parent_tree_pages):
            nums.append(page)
            nums.append(pydyf.Array(mapping[i] for i in range(len(mapping))))
        key = len(parent_tree_pages)
        for annotation, struct_ref in annotation_parents:
            annotation["StructParent"] = key
            nums.append(key)
            nums.append(struct_ref)
            key += 1
        parent_tree = pydyf.Dictionary({"Nums": nums})
        pdf.add_object(parent_tree)
        root["ParentTree"] = parent_tree.reference
        root["ParentTreeNextKey"] = key
        if ids:
            names = pydyf.Array()
            for ident, ref in sorted(ids):
                names.append(pydyf.String(ident))
                names.append(ref)
            root["IDTree"] = pydyf.Dictionary({"Names": names})
        if not self.pdf_version.startswith("2"):
            used_roles = set()
            stack = [self.root]
            while stack:
                node = stack.pop()
                used_roles.add(node.role)
                stack.extend(k for k in node.kids if isinstance(k, _Node))
            role_map = {k: f"/{v}" for k, v in ROLE_MAP_PDF17.items() if k in used_roles}
            if role_map:
                root["RoleMap"] = pydyf.Dictionary(role_map)
        else:
            namespace = pydyf.Dictionary({
                "Type": "/Namespace", "NS": pydyf.String("http://iso.org/pdf2/ssn")})
            pdf.add_object(namespace)
            root["Namespaces"] = pydyf.Array([namespace.reference])

        # Link annotations that ended up in artifacts are not allowed in
        # PDF/UA (every link annotation must be in a Link element): drop them.
        attached = {id(a) for a, _ in annotation_parents}
        for page, annotation in self.dropped_annotations:
            if id(annotation) in attached:
                continue
            page_dict = self.pdf.objects[int(page_refs[page].split()[0])]
            annots = page_dict.get("Annots")
            if annots is not None:
                reference = annotation.reference
                page_dict["Annots"] = pydyf.Array(a for a in annots if a != reference)
                if not page_dict["Annots"]:
                    del page_dict["Annots"]


def _real_hyphen(box: Any, head: str, hyphen: str, fragment: str) -> bool:
    """Was a line-final ``hyphen`` in the text itself, not added by hyphenation?

    True when the element's text has the word with the hyphen
    (``space-occupying``) and not without it (``spaceoccupying``).
    """
    element = getattr(box, "element", None)
    if element is None or not fragment or not hasattr(element, "itertext"):
        return False
    text = "".join(element.itertext()).replace("\u00ad", "")
    found = re.search(r"\S*$", head)
    word = (found.group(0) if found else "").replace("\u00ad", "")
    return bool(word) and (word + hyphen + fragment) in text and (word + fragment) not in text


def _has_text(box) -> bool:
    """Whether a block's lines hold text (not only images) worth a paragraph."""
    stack = list(box.children)
    while stack:
        current = stack.pop()
        if isinstance(current, boxes.TextBox):
            if current.text and current.text.strip():
                return True
        elif isinstance(current, (boxes.LineBox, boxes.InlineBox)):
            stack.extend(current.children)
    return False


def _int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 1


def _list_numbering(box, name: str) -> str:
    style = getattr(box, "style", None)
    kind = style["list_style_type"] if style is not None else None
    if isinstance(kind, tuple):
        kind = kind[-1] if kind else None
    mapping = {"disc": "Disc", "circle": "Circle", "square": "Square",
               "decimal": "Decimal", "lower-roman": "LowerRoman",
               "upper-roman": "UpperRoman", "lower-alpha": "LowerAlpha",
               "lower-latin": "LowerAlpha", "upper-alpha": "UpperAlpha",
               "upper-latin": "UpperAlpha", "none": "None"}
    if isinstance(kind, str) and kind in mapping:
        return mapping[kind]
    return "Decimal" if name == "ol" else "Disc"
