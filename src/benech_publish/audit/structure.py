"""Read a tagged PDF's structure tree and marked content (used by the audit rules and tests).

:func:`read_structure` takes an open ``pikepdf.Pdf`` (or a path or bytes) and returns
a :class:`PdfStructure`: the structure tree as :class:`StructElem` objects (with
role-mapped standard types), every marked-content sequence of every page with its
decoded text (``/ActualText`` honoured) and baseline, counters for content that is
neither tagged nor an artifact, and for every font the character codes the pages
show.  Each page's content stream is parsed exactly once here; the rules work on
the result.  :meth:`PdfStructure.tree_text` reads the text in structure-tree order,
the way assistive technology does.

Only pikepdf is used: this package never imports the typesetting code.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pikepdf

from .content import Font, Mark, PageContent, read_page
from .objects import Key, key_of, name_text

__all__ = [
    "Font",
    "Key",
    "MCRef",
    "Mark",
    "ObjRef",
    "PageContent",
    "PdfStructure",
    "StructElem",
    "key_of",
    "read_structure",
]

STANDARD_TYPES_17 = frozenset(
    """
Document Part Art Sect Div BlockQuote Caption TOC TOCI Index NonStruct Private
P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Span Quote
Note Reference BibEntry Code Link Annot Ruby RB RT RP Warichu WT WP Figure Formula
Form""".split()
)
STANDARD_TYPES_20 = STANDARD_TYPES_17 | frozenset("DocumentFragment Aside Title FENote Sub Em Strong Artifact".split())
#: Roles after which a reader pauses: text on either side is never one word.
BLOCK_ROLES = frozenset(
    """Document Part Art Sect Div Aside BlockQuote Caption TOC TOCI
Index P H H1 H2 H3 H4 H5 H6 L LI Lbl LBody Table TR TH TD THead TBody TFoot Figure
Formula Form Note Title""".split()
)
#: Deeper structure trees are cut here (and reported): no recursion without bound.
MAX_DEPTH = 100


class MCRef(NamedTuple):
    """A marked-content reference: the page (-1: none) and the MCID."""

    page: int
    mcid: int


class ObjRef(NamedTuple):
    """An object reference (an annotation) and its page."""

    page: int | None
    annotation: Any


@dataclass(eq=False, slots=True)
class StructElem:
    obj: Any
    type: str
    role: str
    parent: StructElem | None
    page: int | None = None
    kids: list[StructElem | MCRef | ObjRef] = field(default_factory=list)
    depth: int = 0
    pdf: Any = field(default=None, repr=False)  # keeps the pikepdf.Pdf open
    #: /ActualText and /Alt, read once (they are read for every element, often)
    actual_text: str | None = None
    alt: str | None = None
    #: The dictionary's entries as read when the tree was built (None: read ``obj``).
    entries: dict[str, Any] | None = field(default=None, repr=False)
    #: The kids that are struct elements, and the pages of the marked content of the
    #: element and its descendants (:meth:`pages`): filled in as the tree is built.
    element_kids: list[StructElem] = field(default_factory=list, repr=False)
    page_set: frozenset[int] = field(default=frozenset(), repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        return (self.obj if self.entries is None else self.entries).get(key, default)

    def text_attr(self, key: str) -> str | None:
        value = self.get(key)
        return str(value) if value is not None else None

    def attribute(self, name: str) -> Any:
        attrs = self.get("/A")
        if attrs is None:
            return None
        items = attrs if isinstance(attrs, pikepdf.Array) else [attrs]
        for item in items:
            if isinstance(item, pikepdf.Dictionary) and name in item:
                return item[name]
        return None

    def lang(self) -> str | None:
        """The element's /Lang, or the nearest ancestor's."""
        node: StructElem | None = self
        while node is not None:
            value = node.get("/Lang")
            if value is not None:
                return str(value)
            node = node.parent
        return None

    def walk(self) -> Iterator[StructElem]:
        stack: list[StructElem] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.element_kids))

    def mcrefs(self) -> Iterator[MCRef]:
        """The marked-content references of the element and its descendants, in document
        (kid) order: a P's text after a nested Link is read after the link's."""
        stack: list[StructElem | MCRef | ObjRef] = [self]
        while stack:
            item = stack.pop()
            if isinstance(item, MCRef):
                yield item
            elif isinstance(item, StructElem):
                stack.extend(reversed(item.kids))

    def pages(self) -> set[int]:
        return {ref.page for ref in self.mcrefs()}


@dataclass
class PdfStructure:
    pdf: Any
    roots: list[StructElem]
    role_map: dict[str, str]
    pages: list[PageContent]
    page_index: dict[Key, int]
    fonts: dict[Key, Font]
    pdf_version: str
    circular_roles: frozenset[str] = frozenset()
    too_deep: bool = False
    #: Every struct element, in tree order (each root's :meth:`StructElem.walk`).
    elements: list[StructElem] = field(default_factory=list)

    @property
    def standard_types(self) -> frozenset[str]:
        return STANDARD_TYPES_20 if self.pdf_version.startswith("2") else STANDARD_TYPES_17

    def text_of(self, element: StructElem) -> str:
        """The element's content text in document order (marked content of the element and
        its descendants, ActualText of marks applied)."""
        parts = []
        for ref in element.mcrefs():
            if 0 <= ref.page < len(self.pages):
                mark = self.pages[ref.page].marks.get(ref.mcid)
                if mark is not None:
                    parts.append(mark.read)
        return " ".join(" ".join(parts).split())

    def tree_text(self) -> str:
        """The text read from the structure tree, in tree order."""
        return self._read(self.roots, nested_blocks=True)

    def read_text(self, element: StructElem) -> str:
        """The text of one block element as read aloud, without its nested blocks."""
        return self._read([element], nested_blocks=False)

    def _read(self, roots: list[StructElem], *, nested_blocks: bool) -> str:
        out: list[str] = []
        last: tuple[int, float | None] | None = None
        pause = True
        # Iterative walk over events: (0, element) enter, (1, element) leave, (2, MCRef).
        stack: list[tuple[int, Any]] = [(0, r) for r in reversed(roots)]
        while stack:
            event, item = stack.pop()
            if event == 2:
                mark = self.pages[item.page].marks.get(item.mcid) if 0 <= item.page < len(self.pages) else None
                if mark is None:
                    continue
                position = (mark.page, mark.y)
                if pause or last != position:
                    out.append(" ")
                out.append(mark.read)
                last = position
                pause = False
                continue
            if item.role in BLOCK_ROLES:
                pause = True
            if event == 1:
                continue
            actual = item.actual_text
            alt = item.alt
            if actual is not None or (alt is not None and item.role == "Figure"):
                out.append(" " + (actual if actual is not None else alt or ""))
                pause = True
                continue
            stack.append((1, item))
            for kid in reversed(item.kids):
                if isinstance(kid, StructElem):
                    if nested_blocks or kid.role not in BLOCK_ROLES:
                        stack.append((0, kid))
                elif isinstance(kid, MCRef):
                    stack.append((2, kid))
        return " ".join("".join(out).split())


# ----------------------------------------------------------------------------


def open_pdf(source: str | Path | bytes | Any) -> Any:
    if isinstance(source, pikepdf.Pdf):
        return source
    if isinstance(source, (bytes, bytearray)):
        return pikepdf.open(io.BytesIO(bytes(source)))
    return pikepdf.open(source)


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def read_structure(source: str | Path | bytes | Any, *, line_reader: bool = True) -> PdfStructure:
    """The structure tree and page content of a PDF (``line_reader``: see :mod:`.content`)."""
    pdf = open_pdf(source)
    page_index = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    root = pdf.Root.get("/StructTreeRoot")
    role_map: dict[str, str] = {}
    if isinstance(root, pikepdf.Dictionary) and isinstance(root.get("/RoleMap"), pikepdf.Dictionary):
        role_map = {name_text(k): name_text(v) for k, v in root.RoleMap.items()}
    version = str(pdf.pdf_version)
    standard = STANDARD_TYPES_20 if version.startswith("2") else STANDARD_TYPES_17
    circular: set[str] = set()

    def standard_role(raw: str) -> str:
        seen = set()
        role = raw
        while role not in standard and role in role_map:
            if role in seen:
                circular.add(raw)
                break
            seen.add(role)
            role = role_map[role]
        return role

    seen_objs: set[Key] = set()
    too_deep = False
    elements: list[StructElem] = []  # in tree order: each element before its kids

    dictionary = pikepdf.Dictionary

    def build(obj: Any, parent: StructElem | None, page: int | None, depth: int) -> StructElem | MCRef | ObjRef | None:
        nonlocal too_deep
        if not isinstance(obj, dictionary):
            try:
                return MCRef(page if page is not None else -1, int(obj))
            except (TypeError, ValueError):
                return None
        entries = dict(obj.items())  # one call instead of one per key read
        kind = entries.get("/Type")
        pg = entries.get("/Pg")
        if pg is not None and isinstance(pg, dictionary):
            page = page_index.get(pg.objgen, page)
        if kind == "/MCR":
            mcid: Any = entries.get("/MCID")
            try:
                return MCRef(page if page is not None else -1, int(mcid))
            except (TypeError, ValueError):
                return None
        if kind == "/OBJR":
            return ObjRef(page, entries.get("/Obj"))
        if "/S" not in entries:
            return None
        key = obj.objgen
        if key == (0, 0):  # a direct object
            key = key_of(obj)
        if key in seen_objs:
            return None
        seen_objs.add(key)
        raw = name_text(entries["/S"])
        actual, alt = entries.get("/ActualText"), entries.get("/Alt")
        elem = StructElem(  # positional: thousands are made for a booklet
            obj,
            raw,
            standard_role(raw),
            parent,
            page,
            [],
            depth,
            pdf,
            None if actual is None else str(actual),
            None if alt is None else str(alt),
            entries,
            [],
        )
        elements.append(elem)
        if depth >= MAX_DEPTH:
            too_deep = True
            return elem
        kids = entries.get("/K")
        if kids is not None:
            pages: set[int] = set()
            mark_page = page if page is not None else -1
            for kid in _as_list(kids):
                if type(kid) is int:  # an MCID: most kids
                    elem.kids.append(MCRef(mark_page, kid))
                    pages.add(mark_page)
                    continue
                built = build(kid, elem, page, depth + 1)
                if built is None:
                    continue
                elem.kids.append(built)
                if isinstance(built, StructElem):
                    elem.element_kids.append(built)
                    pages.update(built.page_set)
                elif isinstance(built, MCRef):
                    pages.add(built.page)
            elem.page_set = frozenset(pages)
        return elem

    roots: list[StructElem] = []
    if isinstance(root, pikepdf.Dictionary) and "/K" in root:
        for kid in _as_list(root.K):
            built = build(kid, None, None, 0)
            if isinstance(built, StructElem):
                roots.append(built)

    fonts: dict[Key, Font] = {}
    pages = [read_page(page, fonts, line_reader=line_reader) for page in pdf.pages]
    for number, content in enumerate(pages):
        for mark in content.marks.values():
            mark.page = number
    return PdfStructure(
        pdf, roots, role_map, pages, page_index, fonts, version, frozenset(circular), too_deep, elements
    )
