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
   with **one annotation per line box** (WeasyPrint makes one per box, many of
   them empty or duplicated: merged in :mod:`._links`).  Link annotations inside
   artifacts (e.g. a URL in a running footer) are dropped, as PDF/UA requires
   every link annotation to be in a ``Link`` element.
8. **Text read as written** (:mod:`._readtext`, from what the line breaker
   recorded, :mod:`._breaks`): a word broken by an *inserted* hyphen is read
   whole once, also over several broken lines in a row; a real hyphen at a
   line end ("X-ray") is kept; soft hyphens (U+00AD) are not read; a line
   that ends at a space ends with a space in the read text, and a visible gap
   between two runs of a line is a word space (ISO 32000-1 14.8.2.5).
9. **Needless Spans**: WeasyPrint wraps each text run (each line of a
   paragraph) in its own ``Span``; here marked content is attached directly to
   the element that owns it, and ``span`` elements without their own ``lang``
   do not create structure.
10. **Empty elements**: a ``P`` (or any element) whose content is only white
    space is not in the tree; its marked content becomes an artifact.
11. **Table layout**: every ``Table`` gets ``/BBox`` (Layout attribute owner)
    on its first page, as PDF/UA expects for tables.

Modules: :mod:`._tagtree` (roles, nodes, table headers), :mod:`._readtext`
(``/ActualText``), :mod:`._links` (annotations), :mod:`._emit` (content
streams and the struct tree); this module walks the boxes.

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
import dataclasses
from dataclasses import dataclass
from typing import Any

from . import _breaks, _serialise, _weasy
from ._emit import Mark, emit, rewrite_content
from ._links import LinkAnnotations
from ._readtext import Run, actual_texts
from ._tagtree import (
    BLOCK_ROLES,
    GROUPING,
    INLINE_ROLES,
    NO_CONTENT,
    ROLE_MAP_PDF17,
    TABLE_PARTS,
    Node,
    accessible_name,
    assign_table_headers,
    definition_item,
    int_attr,
    is_decorative_image,
    lang_of,
    lbody,
    list_numbering,
    local,
    marker_node,
)

__all__ = ["ROLE_MAP_PDF17", "write_pdf"]

# Every WeasyPrint/pydyf name comes through the one checked door (_weasy); a
# WeasyPrint without them raises RenderError on import of this module.
_ENGINE = _weasy.load()
boxes = _ENGINE.boxes
pydyf = _ENGINE.pydyf
AbsolutePlaceholder = _ENGINE.AbsolutePlaceholder
# Boxes record their line breaks from the first layout on (see _breaks).
_breaks.install()


# --------------------------------------------------------------------------
# Entry point and hook installation.


@dataclass
class _Job:
    zoom: float = 1.0


_ACTIVE: contextvars.ContextVar[_Job | None] = contextvars.ContextVar("benech_publish_pdf_tags", default=None)


def _install() -> None:
    def add_tags_of(original: _weasy.Function) -> _weasy.Function:
        def add_tags(pdf, document, pdf_version, page_streams):
            job = _ACTIVE.get()
            if job is None:
                return original(pdf, document, pdf_version, page_streams)
            return _Tagger(pdf, document, pdf_version, page_streams, job).run()

        return add_tags

    _weasy.replace(_ENGINE.pdf, "add_tags", add_tags_of)


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
        with _serialise.memoised():  # each object serialised once, /ID included
            return document.write_pdf(pdf_variant=pdf_variant, **write_options)
    finally:
        _ACTIVE.reset(token)


# --------------------------------------------------------------------------
# The walk over the laid-out boxes.

_DEFAULT_HYPHEN = "\u2010"


class _Tagger:
    def __init__(self, pdf: Any, document: Any, pdf_version: Any, page_streams: list[Any], job: _Job):
        self.pdf = pdf
        self.document = document
        self.pdf_version = str(pdf_version or "1.7")
        self.page_streams = page_streams
        self.job = job
        self.page_refs = pdf.page_references
        self.nodes: dict[int, Node] = {}  # id(element) -> node
        self.node_elements: list[Any] = []  # keep elements alive for id() keys
        self.marks: dict[tuple[int, int], Mark] = {}
        self.box_marks: list[dict[int, int]] = []
        self.used: set[tuple[int, int]] = set()
        self.artifacts: dict[tuple[int, int], dict | None] = {}
        self.links = LinkAnnotations()
        self.runs: list[Run] = []
        self.run_texts: dict[tuple[int, int], str] = {}
        self.line_serial: dict[int, int] = {}  # id(line box) -> serial
        self.flow_serial: dict[int, int] = {}  # id(block element) -> serial
        self.line_flow: dict[int, int] = {}  # id(line box) -> flow serial
        self.last_run_box: Any = None
        self.pending_gap = False
        self.table_boxes: dict[int, tuple[Any, int]] = {}  # id(table element) -> first box, page
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
                        self.marks[page, item["MCID"]] = Mark(page, item["MCID"], candidate, index)
            # Keep the boxes alive while ids are used as keys.
            self.node_elements.append(tuple(tags))

    def _mcid(self, box: Any, page: int) -> int | None:
        return self.box_marks[page].get(id(box))

    # -- walking boxes ----------------------------------------------------

    def run(self) -> None:
        pdf = self.pdf
        self._index_marks()
        lang = self.document.metadata.lang
        self.root = Node("Document", lang=None)
        self.doc_lang = lang
        for page_number, page in enumerate(self.document.pages):
            self._walk(_ENGINE.page_box(page), self.root, page_number, None)
        for element, (box, page) in self.table_boxes.items():
            self._table_bbox(element, box, page)
        self._tables()
        actual_text = actual_texts(self.runs)
        self._drop_blank(self.root)
        self._prune(self.root)
        self.links.merge(pydyf)
        new_mcid = rewrite_content(self.marks, self.used, self.artifacts, actual_text, len(self.page_streams), pydyf)
        attached = emit(pdf, self.root, self.page_refs, new_mcid, self.pdf_version, len(self.page_streams), pydyf)
        self.links.remove_dropped(pdf, self.page_refs, attached, pydyf)
        pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
        pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
        if "Lang" not in pdf.catalog:
            pdf.catalog["Lang"] = pydyf.String(lang or "")

    def _walk(self, box: Any, node: Node, page: int, line: Any) -> None:
        if isinstance(box, AbsolutePlaceholder):
            box = getattr(box, "_box")  # noqa: B009
        if isinstance(box, boxes.MarginBox):
            keyword = getattr(box, "at_keyword", "")
            subtype = "Header" if "top" in keyword else "Footer" if "bottom" in keyword else None
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
        name = local(name)
        if isinstance(box, boxes.PageBox) or element is None or name in ("html", "body"):
            target = node
        elif element.get("aria-hidden") == "true":
            self._artifact_subtree(box, page, None)
            return
        elif name == "br":
            if self.runs:  # a forced line break separates words
                self.runs[-1] = dataclasses.replace(self.runs[-1], line_space=True)
            return
        elif pseudo == "marker":
            target = marker_node(node)
        elif pseudo:
            target = node  # ::before/::after content belongs to its element
        else:
            found = self._node_for(box, element, name, node, page)
            if found is None:
                return
            target = found

        annotation = getattr(box, "link_annotation", None)
        if annotation is not None:
            self._link_annotation(box, annotation, target, page, line)

        if isinstance(box, boxes.ReplacedBox):
            self.pending_gap = True
            mcid = self._mcid(box, page)
            if mcid is not None:
                self._use(target, page, mcid)
            if target.role == "Figure" and target.attributes.get("BBox") is None:
                target.attributes["BBox"] = self._bbox(box, page)
            return
        if isinstance(box, boxes.ParentBox):
            content_target = target
            if target.role == "LI":
                content_target = lbody(target)
            elif (
                target.role in GROUPING
                and box.children
                and isinstance(box.children[0], boxes.LineBox)
                and _has_text(box)
            ):
                content_target = self._anonymous_paragraph(target, box)
            if target.role == "Table" and not pseudo and id(element) not in self.table_boxes:
                self.table_boxes[id(element)] = (box, page)
                self.node_elements.append(element)
            for child in box.children:
                if isinstance(child, boxes.LineBox):
                    self._enter_line(child, box)
                self._walk(child, content_target, page, line)

    def _enter_line(self, line: Any, block: Any) -> None:
        """Number a line box and the flow (block element) it belongs to.

        A pseudo-element's block (an outside list marker is one) is a flow of
        its own: its line is not the first line of the element's text, so the
        item's first word never joins the marker ("1. chewing" in ``Lbl``,
        nothing left in ``LBody``).
        """
        self.line_serial[id(line)] = len(self.line_serial)
        pseudo = "::" in (block.element_tag or "")
        key = id(block.element) if block.element is not None and not pseudo else id(block)
        if key not in self.flow_serial:
            self.flow_serial[key] = len(self.flow_serial)
            self.node_elements.append(block.element if block.element is not None else block)
        self.line_flow[id(line)] = self.flow_serial[key]
        self.node_elements.append(line)
        self.pending_gap = False
        self.last_run_box = None

    def _link_annotation(self, box: Any, annotation: Any, target: Node, page: int, line: Any) -> None:
        link = target
        if link.role != "Link":
            ancestor = target.parent
            while ancestor is not None and ancestor.role not in GROUPING:
                if ancestor.role == "Link":
                    break
                ancestor = ancestor.parent
            if ancestor is not None and ancestor.role == "Link":
                # WeasyPrint gives every box inside a link its own, overlapping
                # annotation (em inside a, img inside a): it joins the link's.
                link = ancestor
            else:
                # A link on an element that is not an <a href> (CSS -weasy-link).
                link = target.child("Link", box.element)
        label = accessible_name(link.element) if link.element is not None else ""
        annotation["Contents"] = pydyf.String(label or "Link")
        self.links.add(link, page, line, annotation)

    def _node_for(self, box, element, name: str, parent: Node, page: int) -> Node | None:
        key = id(element)
        existing = self.nodes.get(key)
        if existing is not None:
            if existing.role in ("THead", "TFoot") and existing.first_page is not None and existing.first_page < page:
                # A header (or footer) group repeated by the layout on a later page.
                self._artifact_subtree(box, page, {"Type": "Pagination"})
                return None
            return existing

        if name in NO_CONTENT:
            return None
        if name in ("img", "svg", "object", "embed", "video", "canvas") or isinstance(box, boxes.ReplacedBox):
            if is_decorative_image(element):
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
            node.attributes = {
                "O": "Layout",
                "BBox": None,
                "Placement": "Block" if isinstance(box, boxes.BlockLevelBox) else "Inline",
            }
            self._register(element, node, page)
            self._set_lang(node, element, parent)
            return node

        role: str | None
        if name == "a" and element.get("href") is not None:
            role = "Link"
        elif name in INLINE_ROLES:
            role = INLINE_ROLES[name]
        elif name in BLOCK_ROLES:
            role = BLOCK_ROLES[name]
        elif isinstance(box, (boxes.InlineBox, boxes.TextBox)):
            role = None  # presentational inline (b, i, span, small, time ...)
        else:
            role = "Div"
        if name == "span" and lang_of(element) is None:
            role = None

        own_lang = lang_of(element)
        parent_lang = parent.effective_lang() or self.doc_lang
        needs_lang = own_lang is not None and own_lang != "" and (parent_lang or "").lower() != own_lang.lower()
        if role is None and needs_lang:
            role = "Span"
        if role is None:
            self.nodes[key] = parent
            self.node_elements.append(element)
            return parent

        if name in ("dt", "dd"):
            node = definition_item(parent, element, name)
        else:
            if role == "LI" and parent.role != "L":
                role = "Div" if isinstance(box, boxes.BlockLevelBox) else "Span"
            if parent.role == "LI":
                parent = lbody(parent)
            node = parent.child(role, element)
        if needs_lang:
            node.lang = own_lang
        if name == "abbr" and element.get("title"):
            node.expansion = " ".join(element.get("title").split())
        if role in ("TH", "TD"):
            node.attributes = {"O": "Table"}
            colspan = int_attr(element.get("colspan"))
            rowspan = int_attr(element.get("rowspan"))
            if colspan > 1:
                node.attributes["ColSpan"] = colspan
            if rowspan > 1:
                node.attributes["RowSpan"] = rowspan
        if role == "L" and name in ("ul", "ol"):
            node.attributes = {"O": "List", "ListNumbering": list_numbering(getattr(box, "style", None), name)}
        self._register(element, node, page)
        return node

    def _register(self, element, node: Node, page: int) -> None:
        self.nodes[id(element)] = node
        self.node_elements.append(element)
        node.first_page = page

    def _set_lang(self, node: Node, element, parent: Node) -> None:
        own = lang_of(element)
        parent_lang = parent.effective_lang() or self.doc_lang
        if own and (parent_lang or "").lower() != own.lower():
            node.lang = own

    def _anonymous_paragraph(self, node: Node, box) -> Node:
        last = node.kids[-1] if node.kids else None
        if isinstance(last, Node) and last.anonymous and last.element is box.element:
            return last
        if node.role in ("TR", "THead", "TBody", "TFoot", "Table", "L"):
            return node
        paragraph = node.child("P", box.element)
        paragraph.anonymous = True
        return paragraph

    def _text_box(self, box: Any, node: Node, page: int, line: Any) -> None:
        mcid = self._mcid(box, page)
        text = box.text or ""
        if mcid is None:
            if text and text.isspace():
                self.pending_gap = True  # undrawn white space between two runs
            return
        if text and not text.strip(_ZERO_WIDTH):
            return  # a <wbr> (U+200B): nothing to read, so not in the tree (an artifact)
        if node.role in GROUPING and node.role not in TABLE_PARTS and node.role != "L":
            node = self._anonymous_paragraph(node, box)
        self._use(node, page, mcid)
        if (page, mcid) in self.run_texts:
            return
        self.run_texts[page, mcid] = text
        line_key = id(line) if line is not None else None
        gap = self.pending_gap
        previous = self.last_run_box
        if previous is not None and line is not None and not gap:
            end = previous.position_x + previous.width
            gap = box.position_x - end > 0.2 * (box.style["font_size"] or 0)
        hyphen = box.style["hyphenate_character"] if box.style else _DEFAULT_HYPHEN
        alone = -1 - len(self.runs)  # a run outside any line box is a flow of its own
        self.runs.append(
            Run(
                key=(page, mcid),
                text=text,
                line=self.line_serial.get(line_key, alone) if line_key is not None else alone,
                flow=self.line_flow.get(line_key, alone) if line_key is not None else alone,
                break_after=_breaks.break_after(box),
                line_space=_breaks.line_space(line) if line is not None else False,
                space_before=_breaks.space_before(box),
                gap_before=bool(gap),
                hyphen=hyphen or "",
            )
        )
        self.last_run_box = box
        self.pending_gap = False

    def _use(self, node: Node, page: int, mcid: int) -> None:
        key = (page, mcid)
        if key in self.used or key in self.artifacts:
            return
        self.used.add(key)
        node.add(("mc", page, mcid))

    def _artifact_subtree(self, box: Any, page: int, properties: dict | None) -> None:
        stack = [box]
        while stack:
            current = stack.pop()
            if isinstance(current, AbsolutePlaceholder):
                current = getattr(current, "_box")  # noqa: B009
            mcid = self._mcid(current, page)
            if mcid is not None and (page, mcid) not in self.used:
                self.artifacts[page, mcid] = properties
            annotation = getattr(current, "link_annotation", None)
            if annotation is not None:
                self.links.drop(page, annotation)
            if isinstance(current, boxes.ParentBox):
                stack.extend(current.children)

    def _bbox(self, box: Any, page: int, border: bool = False) -> list[float]:
        scale = self.job.zoom * 0.75
        height = self.document.pages[page].height
        if border:
            x, y, w, h = (box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height())
        else:
            x, y, w, h = box.content_box_x(), box.content_box_y(), box.width, box.height
        return [
            round(x * scale, 3),
            round((height - y - h) * scale, 3),
            round((x + w) * scale, 3),
            round((height - y) * scale, 3),
        ]

    def _table_bbox(self, element_id: int, box: Any, page: int) -> None:
        node = self.nodes.get(element_id)
        if node is not None and node.role == "Table":
            node.attributes.setdefault("O", "Layout")
            node.attributes["BBox"] = self._bbox(box, page, border=True)

    # -- tables -----------------------------------------------------------

    def _tables(self) -> None:
        done: set[int] = set()
        for element in self.node_elements:
            if not hasattr(element, "tag") or local(element.tag) != "table":
                continue
            if id(element) in done:
                continue
            done.add(id(element))
            assign_table_headers(element, lambda cell: self.nodes.get(id(cell)), self._new_id)

    def _new_id(self) -> str:
        self.id_counter += 1
        return f"benech-th-{self.id_counter}"

    # -- output -----------------------------------------------------------

    def _drop_blank(self, node: Node) -> bool:
        """An element whose text is only white space is not content: its marks become artifacts.

        Returns whether ``node`` holds content (text, an image, an annotation).
        """
        has_content = False
        for kid in node.kids:
            if isinstance(kid, Node):
                has_content = self._drop_blank(kid) or has_content
            elif kid[0] != "mc" or self.run_texts.get((kid[1], kid[2]), "x").strip():
                has_content = True
        if not has_content:
            for kid in node.kids:
                if not isinstance(kid, Node) and kid[0] == "mc":
                    self.used.discard((kid[1], kid[2]))
                    self.artifacts[kid[1], kid[2]] = None
            node.kids = [kid for kid in node.kids if isinstance(kid, Node)]
        return has_content

    def _prune(self, node: Node) -> bool:
        """Drop struct elements with no content; return True if node is empty."""
        kept = []
        for kid in node.kids:
            if isinstance(kid, Node):
                if not self._prune(kid) or kid.role in TABLE_PARTS:
                    kept.append(kid)
            else:
                kept.append(kid)
        node.kids = kept
        return not kept


#: Characters that show nothing and say nothing: a run of only these is not read.
_ZERO_WIDTH = "\u200b"


def _has_text(box: Any) -> bool:
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
