"""Page-list tied to print: where each page of the PDF booklet begins, in the EPUB.

Takes: the booklet XHTML laid out for print (a WeasyPrint ``Document``) and the
EPUB content documents rendered from the same unit templates. Gives: EPUB
documents with ``<span epub:type="pagebreak" role="doc-pagebreak" id="page-N"
aria-label="N"/>`` exactly where page *N* of that PDF begins.

Method (all pure functions except :func:`page_starts`, which reads the layout):

1. **Units and blocks.** Every part of the booklet (cover, title page,
   contents, introduction, each chapter, back matter) is rendered once per
   medium from the *same* unit template, wrapped in an element with
   ``data-unit="<name>"``. :func:`stamp` numbers the block elements of each unit
   in document order (``p``, ``li``, ``h1``..``h6``, ``td``, ``img``...) and
   writes on *every* element of the unit ``data-bp="<unit>/<n>"``, the key of
   its nearest block. Since print and EPUB come from the same template, a key
   names the same block in both. The *own text* of a block is the text whose
   nearest block it is (text of nested blocks belongs to them).
2. **First text of each page.** :func:`page_starts` walks each page's box tree
   (margin boxes, i.e. the running header and page number, are skipped, as
   are ``::before``/``::after``/``::marker`` boxes such as the contents page
   numbers). The text boxes of a block are matched, character by character
   and ignoring white space, against the block's own text, so after each page
   we know how many non-space characters of every block have been laid out.
   The first text box on a page whose block still has unprinted text (a
   repeated table header has none left) gives the page start: ``(block key,
   number of non-space characters of that block on earlier pages)``. An image
   that is the first thing on a page starts the page at its ``img``.
   A hyphen added by automatic hyphenation (``hyphenate-character``) is not
   in the source and is skipped by the matcher.
3. **Insertion.** :func:`insert_markers` finds that character in the EPUB
   document's block and inserts the marker before the *word* that contains
   it. When the page starts at the beginning of a block, the marker goes just
   before the block (inside it when the parent is a list, table row or
   definition list, where a ``span`` may not stand); at the start of an inline
   element (``a``, ``em``...) it goes before that element. A marker never
   stays inside an element whose accessible name comes from its content
   (headings, ``th``, ``dt``, links, captions: :data:`NAME_FROM_CONTENT`): it
   moves just before that element, or, where a ``span`` may not stand (a
   table row, a definition list), to the end of the content right before it.

Exactness: the marker for page *N* is immediately followed by the first word
printed on page *N*. One documented exception: when automatic hyphenation
splits a word across two pages (``treat-`` | ``ment``), page *N* begins
inside a word; the marker is then placed before the whole word, so the word
after the marker ends with the first fragment printed on page *N* (the test
in ``tests/test_pagelist.py`` uses exactly this rule). A page with no new
content (none are produced by the booklet layout) would get its marker just
before the next page's. A page that begins in the *middle* of a link or
heading (never seen in the booklet layout) gets its marker before that element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..errors import RenderError
from ..render import XHTML_NS
from . import _weasy

EPUB_NS = "http://www.idpf.org/2007/ops"
UNIT_ATTR = "data-unit"
KEY_ATTR = "data-bp"

#: Elements that start a block for the purpose of counting (their own text is one unit).
BLOCK_TAGS = frozenset(
    {
        "section",
        "article",
        "div",
        "main",
        "header",
        "footer",
        "nav",
        "aside",
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "figure",
        "figcaption",
        "img",
        "blockquote",
        "address",
    }
)
#: Parents in which a ``span`` may not stand directly: markers go inside the block then.
_NO_PHRASING_PARENTS = frozenset({"ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr"})
#: Elements whose accessible name is computed from their content (or that name
#: their table or figure): a marker inside one would be announced as part of
#: the name ("6 Last updated", "9 Week" on every cell of a column).
NAME_FROM_CONTENT = frozenset(
    {
        "a",
        "th",
        "dt",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "caption",
        "figcaption",
        "summary",
        "button",
        "label",
        "legend",
    }
)
#: Elements a marker may never be put into, even at the end.
_NOT_CONTAINERS = frozenset({"col", "colgroup", "img", "br", "hr", "wbr", "svg", "math"})
#: Characters a layout engine adds at a hyphenation point.
HYPHENS = frozenset("\u2010-\u00ad")


class PageListError(RenderError):
    """The laid-out text does not match the source: the page-list cannot be exact."""


def local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def nonspace(text: str) -> str:
    """``text`` without its white space (``str.split`` splits exactly where ``str.isspace``)."""
    return "".join(text.split())


# --------------------------------------------------------------------------- stamping


@dataclass
class Stamped:
    """The stamped blocks of one tree: key → element, key → own non-space text."""

    blocks: dict[str, Any]
    texts: dict[str, str]


def stamp(root: Any) -> Stamped:
    """Stamp ``data-bp`` on every element inside each ``[data-unit]`` element of ``root``."""
    blocks: dict[str, Any] = {}
    texts: dict[str, list[str]] = {}
    is_block: dict[str, bool] = {}  # tag -> whether it is a block (local name in BLOCK_TAGS)
    for unit in root.iter():
        if not isinstance(unit.tag, str) or unit.get(UNIT_ATTR) is None:
            continue
        name = unit.get(UNIT_ATTR)
        counter = [0]

        def visit(
            el: Any, parent_key: str, unit: Any = unit, name: str | None = name, counter: list[int] = counter
        ) -> None:
            tag = el.tag
            if not isinstance(tag, str):  # comments, processing instructions
                return
            block = is_block.get(tag)
            if block is None:
                block = is_block[tag] = local(tag) in BLOCK_TAGS
            if block or el is unit:
                key = f"{name}/{counter[0]}"
                counter[0] += 1
                blocks[key] = el
            else:
                key = parent_key
            el.set(KEY_ATTR, key)
            parts = texts.get(key)
            if parts is None:
                parts = texts[key] = []
            parts.append(nonspace(el.text or ""))
            for child in el:
                visit(child, key)
                parts.append(nonspace(child.tail or ""))

        visit(unit, f"{name}/0")
    return Stamped(blocks, {k: "".join(v) for k, v in texts.items()})


def unstamp(root: Any) -> None:
    """Remove the stamping attributes (they are not part of the published documents)."""
    for el in root.iter():
        if isinstance(el.tag, str):
            for attr in (KEY_ATTR, UNIT_ATTR):
                if attr in el.attrib:
                    del el.attrib[attr]


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class PageStart:
    """Page ``page`` (1-based) begins at non-space character ``offset`` of block ``key``.

    ``key`` is None for a page with no new content.
    """

    page: int
    key: str | None
    offset: int
    text: str = ""  # the first text box of the page (for diagnostics)


def _content_boxes(page_box: Any, boxes: Any) -> Iterator[tuple[Any, str | None]]:
    """The page's boxes in layout order with their block key, without margin boxes.

    An element without a key (one the print preparation added, e.g. a span around
    a hyphenation exception) takes the key of the nearest box above it that has one.
    """

    def walk(box: Any, inherited: str | None) -> Iterator[tuple[Any, str | None]]:
        if isinstance(box, boxes.MarginBox):
            return
        element = box.element
        key = element.get(KEY_ATTR) if element is not None else None
        key = key or inherited
        yield box, key
        for child in getattr(box, "children", ()):
            if isinstance(child, boxes.Box):
                yield from walk(child, key)

    yield from walk(page_box, None)


def _advance(source: str, pos: int, chars: str, hyphen: str, key: str) -> int:
    for ch in chars:
        if pos < len(source) and (source[pos] == ch or source[pos].lower() == ch.lower()):
            pos += 1
        elif ch in HYPHENS or ch == hyphen:
            continue  # added at a hyphenation point
        else:
            raise PageListError(
                f"laid-out text of block {key} does not match its source at character {pos}: "
                f"{chars!r} vs {source[pos : pos + 20]!r}"
            )
    return pos


def page_starts(document: Any, texts: dict[str, str]) -> list[PageStart]:
    """Where each page of a rendered WeasyPrint ``document`` begins (see module docstring)."""
    engine = _weasy.load()
    boxes = engine.boxes

    consumed: dict[str, int] = {}
    seen_images: set[str] = set()
    starts: list[PageStart] = []
    for number, page in enumerate(document.pages, 1):
        first: PageStart | None = None
        for box, key in _content_boxes(engine.page_box(page), boxes):
            tag = box.element_tag or ""
            if "::" in tag:
                continue  # generated content: markers, page references
            if key is None:
                continue
            if isinstance(box, boxes.TextBox):
                chars = nonspace(box.text)
                if not chars or key not in texts:
                    continue
                pos = consumed.get(key, 0)
                if pos >= len(texts[key]):
                    continue  # repeated on this page (a table header): not new content
                if first is None:
                    first = PageStart(number, key, pos, box.text)
                consumed[key] = _advance(texts[key], pos, chars, box.style["hyphenate_character"], key)
            elif isinstance(box, boxes.ReplacedBox):
                if key in seen_images:
                    continue
                seen_images.add(key)
                if first is None:
                    first = PageStart(number, key, 0, "")
        starts.append(first or PageStart(number, None, 0))
    # A page without new content takes the position of the next page that has some.
    resolved: list[PageStart] = []
    following: PageStart | None = None
    for start in reversed(starts):
        if start.key is None and following is not None:
            start = PageStart(start.page, following.key, following.offset)
        elif start.key is not None:
            following = start
        resolved.append(start)
    return list(reversed(resolved))


# --------------------------------------------------------------------------- insertion


def _segments(block: Any, key: str) -> list[tuple[Any, str, bool]]:
    """The text slots of a block's own text in document order: (element, 'text'|'tail', after_block)."""
    out: list[tuple[Any, str, bool]] = []

    def visit(el: Any) -> None:
        out.append((el, "text", False))
        for child in el:
            if isinstance(child.tag, str) and child.get(KEY_ATTR) == key:
                visit(child)
            out.append((child, "tail", isinstance(child.tag, str) and child.get(KEY_ATTR) != key))

    visit(block)
    return out


def make_marker(number: int | str, label: str | None = None, *, key: str = "") -> Any:
    """``<span epub:type="pagebreak" role="doc-pagebreak" id="page-N" aria-label="N"/>``."""
    span = etree.Element(f"{{{XHTML_NS}}}span", nsmap={None: XHTML_NS, "epub": EPUB_NS})
    span.set(f"{{{EPUB_NS}}}type", "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("id", f"page-{number}")
    span.set("aria-label", label if label is not None else str(number))
    if key:
        span.set(KEY_ATTR, key)
    return span


def _parent_key(el: Any) -> str:
    parent = el.getparent()
    return (parent.get(KEY_ATTR) or "") if parent is not None else ""


def insert_at(block: Any, key: str, offset: int, marker: Any) -> None:
    """Insert ``marker`` before the word holding non-space character ``offset`` of the block."""
    segs = _segments(block, key)
    # Concatenate the own text; a nested block separates words (virtual space).
    chars: list[tuple[str, int, int]] = []  # (char, segment index, index in segment)
    for si, (el, slot, after_block) in enumerate(segs):
        text = (el.text if slot == "text" else el.tail) or ""
        if after_block or (slot == "text" and el is not block and local(el.tag) == "br"):
            chars.append((" ", si, 0))
        for ci, ch in enumerate(text):
            chars.append((ch, si, ci))
    seen = -1
    g = None
    for index, (ch, _, _) in enumerate(chars):
        if not ch.isspace():
            seen += 1
            if seen == offset:
                g = index
                break
    if g is None:
        if offset == 0:  # a block without text (an image): before it
            _insert_before_block(block, marker)
            return
        raise PageListError(f"block {key} has fewer than {offset + 1} non-space characters")
    while g > 0 and not chars[g - 1][0].isspace():
        g -= 1  # back to the start of the word
    if all(ch.isspace() for ch, _, _ in chars[:g]):
        _insert_before_block(block, marker)
        return
    _, si, ci = chars[g]
    el, slot, _ = segs[si]
    marker.set(KEY_ATTR, key)
    if slot == "text":
        # At the start of an inline element (the word starts there): before the
        # element rather than inside it, climbing while it is the first content.
        if ci == 0 and el is not block:
            while True:
                parent = el.getparent()
                if parent is block or el.getprevious() is not None or (parent.text or "").strip():
                    break
                el = parent
            parent = el.getparent()
            parent.insert(parent.index(el), marker)
            return
        text = el.text or ""
        el.text, marker.tail = text[:ci], text[ci:] or None
        el.insert(0, marker)
    else:
        text = el.tail or ""
        el.tail, marker.tail = text[:ci], text[ci:] or None
        parent = el.getparent()
        parent.insert(parent.index(el) + 1, marker)


def _insert_before_block(block: Any, marker: Any) -> None:
    parent = block.getparent()
    if (
        parent is None
        or local(parent.tag) in _NO_PHRASING_PARENTS
        or local(block.tag) in ("li", "dt", "dd", "td", "th", "caption", "tr", "thead", "tbody", "tfoot")
        or block.get(UNIT_ATTR) is not None
    ):
        marker.set(KEY_ATTR, block.get(KEY_ATTR) or "")
        marker.tail = block.text
        block.text = None
        block.insert(0, marker)
        return
    marker.set(KEY_ATTR, parent.get(KEY_ATTR) or "")
    parent.insert(parent.index(block), marker)


def _detach(el: Any) -> None:
    """Remove ``el`` from its parent, keeping its tail text in place."""
    parent = el.getparent()
    tail, el.tail = el.tail or "", None
    previous = el.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail or None
    else:
        parent.text = (parent.text or "") + tail or None
    parent.remove(el)


def _named_ancestor(el: Any) -> Any:
    """The outermost ancestor of ``el`` whose accessible name comes from its content."""
    found = None
    node = el.getparent()
    while node is not None and node.get(UNIT_ATTR) is None:
        if local(node.tag) in NAME_FROM_CONTENT:
            found = node
        node = node.getparent()
    return found


def _last_container(el: Any) -> Any:
    """The element at the very end of ``el`` (in document order) a marker may end, or None."""
    name = local(el.tag) if isinstance(el.tag, str) else ""
    if not name or name in NAME_FROM_CONTENT or name in _NOT_CONTAINERS:
        return None
    if name in _NO_PHRASING_PARENTS:
        for child in reversed(el):
            found = _last_container(child)
            if found is not None:
                return found
        return None
    return el


def _place_before(node: Any, marker: Any) -> None:
    """Put ``marker`` right before ``node`` in document order, where a span may stand."""
    while True:
        parent = node.getparent()
        if parent is None:
            raise PageListError(f"no place for page marker {marker.get('id')}")
        if local(parent.tag) not in _NO_PHRASING_PARENTS and _named_ancestor(node) is None:
            marker.set(KEY_ATTR, parent.get(KEY_ATTR) or "")
            parent.insert(parent.index(node), marker)
            return
        previous = node.getprevious()
        while previous is not None:
            container = _last_container(previous)
            if container is not None and _named_ancestor(previous) is None:
                marker.set(KEY_ATTR, container.get(KEY_ATTR) or "")
                container.append(marker)
                return
            previous = previous.getprevious()
        node = parent


def _settle(marker: Any) -> None:
    """Move a marker that landed inside a heading, ``th``, ``dt`` or link out of it.

    The marker goes just before that element (between blocks), or, where a
    ``span`` may not stand there (a table row, a definition list), at the end
    of the content before it: nothing is read between the marker and the
    element. A page that begins in the *middle* of such an element (a link
    whose text runs over two pages) gets its marker before the element.
    """
    named = _named_ancestor(marker)
    if named is None:
        return
    _detach(marker)
    _place_before(named, marker)


def insert_markers(
    stamped: Stamped, starts: Iterable[PageStart], label: Callable[[int], str] = str
) -> list[tuple[int, str]]:
    """Insert one marker per page start into the stamped EPUB tree(s).

    Returns ``(page, unit)`` for each marker, in page order (the page-list).
    """
    placed: list[tuple[int, str]] = []
    for start in starts:
        if start.key is None:
            continue
        block = stamped.blocks.get(start.key)
        if block is None:
            raise PageListError(
                f"page {start.page} begins in block {start.key}, which the EPUB "
                "does not have (print and EPUB units differ)"
            )
        marker = make_marker(start.page, label(start.page))
        insert_at(block, start.key, start.offset, marker)
        _settle(marker)
        placed.append((start.page, start.key.split("/", 1)[0]))
    return placed


def check_same_text(print_texts: dict[str, str], epub_texts: dict[str, str], units: Iterable[str]) -> None:
    """Raise if a unit's blocks differ between print and EPUB (the page-list would drift)."""
    for unit in units:
        a = {k: v for k, v in print_texts.items() if k.split("/", 1)[0] == unit}
        b = {k: v for k, v in epub_texts.items() if k.split("/", 1)[0] == unit}
        if a != b:
            diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))[:3]
            raise PageListError(f"unit {unit}: print and EPUB blocks differ at {', '.join(diff)}")
