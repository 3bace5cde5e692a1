"""The structure tree under construction: HTML-to-PDF roles, struct nodes, table headers.

Takes: lxml elements of the laid-out HTML. Gives: :class:`Node` (a struct
element being built), the role tables, the accessible-name helpers, and
:func:`assign_table_headers` (``/Scope``, ``/ID`` and ``/Headers`` computed on
the real table grid). No WeasyPrint here; :mod:`.tags` walks the boxes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from lxml.etree import _Element

BLOCK_ROLES = {
    "p": "P",
    "h1": "H1",
    "h2": "H2",
    "h3": "H3",
    "h4": "H4",
    "h5": "H5",
    "h6": "H6",
    "div": "Div",
    "main": "Part",
    "article": "Art",
    "section": "Sect",
    "aside": "Aside",
    "nav": "Sect",
    "header": "Div",
    "footer": "Div",
    "address": "Div",
    "hgroup": "Div",
    "details": "Div",
    "summary": "P",
    "blockquote": "BlockQuote",
    "figure": "Div",
    "figcaption": "Caption",
    "pre": "P",
    "ul": "L",
    "ol": "L",
    "dl": "L",
    "li": "LI",
    "table": "Table",
    "caption": "Caption",
    "thead": "THead",
    "tbody": "TBody",
    "tfoot": "TFoot",
    "tr": "TR",
    "th": "TH",
    "td": "TD",
}
INLINE_ROLES = {
    "em": "Em",
    "strong": "Strong",
    "abbr": "Span",
    "code": "Code",
    "kbd": "Code",
    "samp": "Code",
    "q": "Quote",
}
#: PDF 2.0 structure types used here that PDF 1.7 lacks, and their PDF 1.7 role.
ROLE_MAP_PDF17 = {"Em": "Span", "Strong": "Span", "Aside": "Sect"}
#: Elements whose text content is not real content.
NO_CONTENT = {"script", "style", "template", "head", "title"}
GROUPING = {
    "Document",
    "Part",
    "Art",
    "Sect",
    "Div",
    "Aside",
    "BlockQuote",
    "L",
    "Table",
    "THead",
    "TBody",
    "TFoot",
    "TR",
}
TABLE_PARTS = {"Table", "THead", "TBody", "TFoot", "TR", "TH", "TD"}


def local(tag: Any) -> str:
    """The lower-case local name of an lxml tag ("" for comments)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def lang_of(element: _Element) -> str | None:
    lang = element.get("lang")
    if lang is None:
        lang = element.get("{http://www.w3.org/XML/1998/namespace}lang")
    return lang.strip() if lang is not None else None


def text_of(element: _Element) -> str:
    """Accessible text of an element: text content, img alt included."""
    parts: list[str] = []

    def visit(el: _Element) -> None:
        if el.get("aria-hidden") == "true":
            return
        name = local(el.tag)
        if name in NO_CONTENT:
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


def accessible_name(element: _Element) -> str:
    """aria-label, else text content (img alt included), else title."""
    for candidate in (element.get("aria-label"), text_of(element), element.get("title")):
        if candidate and candidate.strip():
            return " ".join(candidate.split())
    return ""


def is_decorative_image(element: _Element) -> bool:
    return element.get("alt") == "" or element.get("role") in ("presentation", "none")


@dataclass(eq=False)
class Node:
    """A struct element being built; ``kids`` holds Nodes, ("mc", page, mcid) and ("objr", page, annotation)."""

    role: str
    element: Any = None
    parent: Node | None = None
    kids: list = field(default_factory=list)
    lang: str | None = None
    alt: str | None = None
    expansion: str | None = None
    attributes: dict = field(default_factory=dict)
    ident: str | None = None
    first_page: int | None = None
    lbody: Node | None = None
    anonymous: bool = False

    def add(self, kid: Any) -> None:
        self.kids.append(kid)

    def child(self, role: str, element: Any = None, **kwargs: Any) -> Node:
        node = Node(role, element, self, **kwargs)
        self.kids.append(node)
        return node

    def effective_lang(self) -> str | None:
        node: Node | None = self
        while node is not None:
            if node.lang:
                return node.lang
            node = node.parent
        return None


def int_attr(value: Any) -> int:
    """An integer HTML attribute (colspan, rowspan); 1 when missing or not a number."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 1


def assign_table_headers(table: Any, node_of: Callable[[Any], Node | None], new_id: Callable[[], str]) -> None:
    """Give the TH/TD nodes of HTML ``table`` ``/Scope``, ``/ID`` and ``/Headers``."""
    rows: list[tuple[str, Any]] = []
    for child in table:
        name = local(child.tag)
        if name in ("thead", "tbody", "tfoot"):
            rows.extend((name, row) for row in child if local(row.tag) == "tr")
        elif name == "tr":
            rows.append(("tbody", child))
    grid: dict[tuple[int, int], Any] = {}
    placed = []  # (cell, group, row_index, col_index, rowspan, colspan)
    for r, (group, row) in enumerate(rows):
        c = 0
        for cell in row:
            if local(cell.tag) not in ("th", "td"):
                continue
            while (r, c) in grid:
                c += 1
            rowspan = max(1, int_attr(cell.get("rowspan")))
            colspan = max(1, int_attr(cell.get("colspan")))
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[r + dr, c + dc] = cell
            placed.append((cell, group, r, c, rowspan, colspan))
            c += colspan

    scopes: dict[int, str] = {}
    for cell, group, r, c, _rowspan, _colspan in placed:
        if local(cell.tag) != "th":
            continue
        scope = (cell.get("scope") or "").lower()
        if scope in ("col", "colgroup"):
            value = "Column"
        elif scope in ("row", "rowgroup"):
            value = "Row"
        elif group == "thead":
            value = "Column"
        else:
            row_cells = [x for x in rows[r][1] if local(x.tag) in ("th", "td")]
            if all(local(x.tag) == "th" for x in row_cells):
                value = "Column"
            elif c == 0 or all(local(grid[r, k].tag) == "th" for k in range(c) if (r, k) in grid):
                value = "Row"
            else:
                value = "Column"
        scopes[id(cell)] = value
        node = node_of(cell)
        if node is not None and node.role == "TH":
            node.attributes["Scope"] = value
            node.ident = cell.get("id") or new_id()

    ids_by_html = {}
    for cell, *_ in placed:
        node = node_of(cell)
        if node is not None and node.ident and cell.get("id"):
            ids_by_html[cell.get("id")] = node.ident

    for cell, _group, r, c, rowspan, colspan in placed:
        node = node_of(cell)
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
                    if other is not None and other is not cell and scopes.get(id(other)) == "Column":
                        candidates.append(other)
            for rr in range(r, r + rowspan):  # row headers to the left
                for k in range(c):
                    other = grid.get((rr, k))
                    if other is not None and other is not cell and scopes.get(id(other)) == "Row":
                        candidates.append(other)
            seen = set()
            for other in candidates:
                header = node_of(other)
                if header is not None and header.ident and header.ident not in seen:
                    seen.add(header.ident)
                    headers.append(header.ident)
        if headers and node.role == "TD":
            node.attributes["Headers"] = headers
        elif headers and node.role == "TH" and scopes.get(id(cell)) == "Row":
            node.attributes["Headers"] = headers


def definition_item(parent: Node, element: Any, name: str) -> Node:
    """The struct node of a ``dt`` (``LI``/``Lbl``) or ``dd`` (``LBody``) under list ``parent``."""
    if parent.role != "L":
        return parent.child("Div" if name == "dd" else "P", element)
    if name == "dt":
        item = parent.child("LI")
        return item.child("Lbl", element)
    last = parent.kids[-1] if parent.kids else None
    if isinstance(last, Node) and last.role == "LI" and last.lbody is None:
        item = last
    else:
        item = parent.child("LI")
    item.lbody = item.child("LBody", element)
    return item.lbody


def lbody(item: Node) -> Node:
    """The ``LBody`` of list item ``item``, created on first use."""
    if item.lbody is None:
        item.lbody = item.child("LBody")
    return item.lbody


def marker_node(node: Node) -> Node:
    """The ``Lbl`` a list marker's text goes to (``node`` itself outside a list item)."""
    item = node
    if item.role == "LBody" and item.parent is not None and item.parent.role == "LI":
        item = item.parent
    if item.role != "LI":
        return node
    for kid in item.kids:
        if isinstance(kid, Node) and kid.role == "Lbl":
            return kid
    label = Node("Lbl", None, item)
    item.kids.insert(0, label)
    return label


def list_numbering(style: Any, name: str) -> str:
    """``/ListNumbering`` of a ``ul``/``ol`` from its computed ``list-style-type``."""
    kind = style["list_style_type"] if style is not None else None
    if isinstance(kind, tuple):
        kind = kind[-1] if kind else None
    mapping = {
        "disc": "Disc",
        "circle": "Circle",
        "square": "Square",
        "decimal": "Decimal",
        "lower-roman": "LowerRoman",
        "upper-roman": "UpperRoman",
        "lower-alpha": "LowerAlpha",
        "lower-latin": "LowerAlpha",
        "upper-alpha": "UpperAlpha",
        "upper-latin": "UpperAlpha",
        "none": "None",
    }
    if isinstance(kind, str) and kind in mapping:
        return mapping[kind]
    return "Decimal" if name == "ol" else "Disc"
