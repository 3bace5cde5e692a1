"""The layout check: problems a reader sees on the laid-out pages, measured, not guessed.

Takes: a :class:`~benech_publish.typeset.engine.Layout` and the edition's
limits (:class:`Limits`). Gives: :class:`LayoutFinding`\\ s, each naming a page:

* ``near-empty`` -- a page (when there is more than one) whose content fills
  less than a quarter of its text area; pages of designed front matter (an
  element with a class in ``Limits.designed``: cover, title page, contents)
  are exempt;
* ``split`` -- a block that must not split but did (an element with a class in
  ``Limits.keep``: closing panel, callouts, figures; a table row);
* ``heading-at-foot`` -- a heading followed by fewer than two lines on its
  page (and more content on the next), unless it is followed by the one line
  of its section and the next page starts with a heading;
* ``outside`` -- text outside the page's content area;
* ``overlap`` -- text drawn over an image (a web address too long for its
  column running under the QR code, say);
* ``long-line`` -- a line of running text longer than ``Limits.max_chars`` (85: the
  measure asks for 55–75 on average; a single line may run a little longer).

And :func:`line_lengths`: the characters per line of running text (for the
measure: clear print asks for about 55–75).

Everything is read from WeasyPrint's box tree through :mod:`._weasy`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import _weasy
from .engine import Layout

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
#: Tolerance, in CSS px, for "outside the content area" (rounding in the layout).
_EPSILON = 0.75


class LayoutFinding(NamedTuple):
    page: int  # 1-based
    kind: str  # near-empty | split | heading-at-foot | outside | overlap | long-line
    message: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.message}"


@dataclass(frozen=True)
class Limits:
    """What the check holds a document to (defaults: the leaflet and booklet templates)."""

    min_fill: float = 0.25
    max_chars: int = 85
    keep: frozenset[str] = frozenset({"closing", "note", "figure", "chapter-facts", "unit-cover", "masthead"})
    designed: frozenset[str] = frozenset({"unit-cover", "unit-titlepage", "unit-contents"})
    #: Elements whose lines are not running text (not measured): headings, tables, lists of links.
    unmeasured: frozenset[str] = frozenset(
        {"h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "caption", "dt", "dd", "figcaption"}
    )


class _Page(NamedTuple):
    number: int
    top: float
    bottom: float
    left: float
    right: float
    boxes: list[tuple[Any, tuple[Any, ...]]]  # (box, ancestor elements), layout order


def _pages(layout: Layout) -> list[_Page]:
    engine = _weasy.load()
    margin_box = engine.boxes.MarginBox
    pages = []
    for number, page in enumerate(layout.document.pages, 1):
        root = engine.page_box(page)
        found: list[tuple[Any, tuple[Any, ...]]] = []
        for child in root.children:
            _walk(child, (), margin_box, engine.AbsolutePlaceholder, found)
        top, left = root.content_box_y(), root.content_box_x()
        pages.append(_Page(number, top, top + root.height, left, left + root.width, found))
    return pages


def _walk(
    box: Any, ancestors: tuple[Any, ...], margin_box: type, placeholder: type, found: list[tuple[Any, tuple[Any, ...]]]
) -> None:
    """Every box under ``box`` with its ancestor elements, in layout order, margin boxes left
    out; an absolutely positioned box (the QR code) is visited where it was placed."""
    if isinstance(box, placeholder):
        box = getattr(box, "_box")  # noqa: B009 - WeasyPrint keeps the laid-out box there
    if isinstance(box, margin_box):
        return
    element = box.element
    if element is not None and (not ancestors or ancestors[-1] is not element):
        ancestors = (*ancestors, element)
    found.append((box, ancestors))
    for child in getattr(box, "children", ()):
        _walk(child, ancestors, margin_box, placeholder, found)


def _classes(element: Any) -> set[str]:
    return set((element.get("class") or "").split()) if element is not None else set()


def _tag(element: Any) -> str:
    tag = getattr(element, "tag", "")
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text_over_image(page: _Page, boxes: Any) -> bool:
    """Whether a run of text on ``page`` is drawn over an image (beyond rounding)."""
    images = [
        (b.position_x, b.position_y, b.position_x + b.margin_width(), b.position_y + b.margin_height())
        for b, _ in page.boxes
        if isinstance(b, boxes.ReplacedBox)
    ]
    if not images:
        return False
    for box, _ in page.boxes:
        if not isinstance(box, boxes.TextBox) or not box.text.strip():
            continue
        x0, y0 = box.position_x, box.position_y
        x1, y1 = x0 + box.margin_width(), y0 + box.margin_height()
        for a0, b0, a1, b1 in images:
            if x0 < a1 - _EPSILON and a0 < x1 - _EPSILON and y0 < b1 - _EPSILON and b0 < y1 - _EPSILON:
                return True
    return False


def _lines(page: _Page, boxes: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    for box, ancestors in page.boxes:
        if isinstance(box, boxes.LineBox) and any(
            isinstance(c, boxes.TextBox) and c.text.strip() for c in _descendants(box, boxes)
        ):
            yield box, ancestors


def _descendants(box: Any, boxes: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child, boxes)


def _line_text(line: Any, boxes: Any) -> str:
    return "".join(c.text for c in _descendants(line, boxes) if isinstance(c, boxes.TextBox))


def line_lengths(layout: Layout, limits: Limits | None = None) -> list[int]:
    """Characters per full line of running text: the measure.

    Headings, tables and the like are left out, and so is the last line of
    each block (a paragraph's last line is as short as its text makes it).
    """
    limits = limits or Limits()
    boxes = _weasy.load().boxes
    out = []
    for page in _pages(layout):
        lines = list(_lines(page, boxes))
        for i, (line, ancestors) in enumerate(lines):
            last = i + 1 == len(lines) or lines[i + 1][1][-1:] != ancestors[-1:]
            if _measured(ancestors, limits) and not last:
                out.append(len(_line_text(line, boxes).strip()))
    return out


def _measured(ancestors: tuple[Any, ...], limits: Limits) -> bool:
    tags = {_tag(e) for e in ancestors}
    classes = set().union(*(_classes(e) for e in ancestors)) if ancestors else set()
    return not (tags & limits.unmeasured) and not (classes & (limits.designed | {"closing", "toc", "booklet-toc"}))


def check_layout(layout: Layout, limits: Limits | None = None) -> list[LayoutFinding]:
    """Every layout problem of ``layout`` (see the module docstring), in page order."""
    limits = limits or Limits()
    boxes = _weasy.load().boxes
    pages = _pages(layout)
    findings: list[LayoutFinding] = []
    seen_on: dict[int, tuple[Any, list[int]]] = {}  # id(element) -> (element, pages)
    for page in pages:
        designed = False
        bottom = page.top
        for box, ancestors in page.boxes:
            if ancestors and _classes(ancestors[-1]) & limits.designed:
                designed = True
            element = ancestors[-1] if ancestors else None
            if element is not None and (_classes(element) & limits.keep or _is_body_row(ancestors)):
                entry = seen_on.setdefault(id(element), (element, []))
                if page.number not in entry[1]:
                    entry[1].append(page.number)
            if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)) or (
                isinstance(box, boxes.BlockBox) and not box.children
            ):
                bottom = max(bottom, box.position_y + box.margin_height())
                if (
                    box.position_x + box.margin_width() > page.right + _EPSILON
                    or box.position_y + box.margin_height() > page.bottom + _EPSILON
                    or box.position_x < page.left - _EPSILON
                ):
                    findings.append(LayoutFinding(page.number, "outside", "content outside the page's text area"))
        fill = (bottom - page.top) / (page.bottom - page.top) if page.bottom > page.top else 1
        if len(pages) > 1 and fill < limits.min_fill and not designed:
            findings.append(
                LayoutFinding(
                    page.number,
                    "near-empty",
                    f"near-empty page: content fills {fill:.0%} of the text area (under {limits.min_fill:.0%})",
                )
            )
        if _text_over_image(page, boxes):
            findings.append(LayoutFinding(page.number, "overlap", "text runs over an image"))
        findings.extend(_heading_at_foot(page, pages, boxes))
        for line, ancestors in _lines(page, boxes):
            if _measured(ancestors, limits):
                n = len(_line_text(line, boxes).strip())
                if n > limits.max_chars:
                    findings.append(
                        LayoutFinding(page.number, "long-line", f"a line of {n} characters (over {limits.max_chars})")
                    )
                    break  # one per page is enough
    for element, numbers in seen_on.values():
        if len(numbers) > 1:
            what = "table row" if _tag(element) == "tr" else f"'{' '.join(sorted(_classes(element)))}' block"
            findings.append(LayoutFinding(numbers[0], "split", f"{what} split over pages {numbers[0]}–{numbers[-1]}"))
    findings.sort(key=lambda f: (f.page, f.kind, f.message))
    return _dedupe(findings)


def _is_body_row(ancestors: tuple[Any, ...]) -> bool:
    """A table row outside ``thead`` (a repeated header row is on every page by design)."""
    return bool(ancestors) and _tag(ancestors[-1]) == "tr" and not any(_tag(a) == "thead" for a in ancestors[:-1])


def _heading_at_foot(page: _Page, pages: list[_Page], boxes: Any) -> list[LayoutFinding]:
    if page.number == len(pages):
        return []
    last_heading: Any = None
    lines_after = 0
    for box, ancestors in page.boxes:
        element = ancestors[-1] if ancestors else None
        if isinstance(box, boxes.BlockBox) and _tag(element) in _HEADINGS:
            last_heading, lines_after = element, 0
        elif isinstance(box, boxes.LineBox) and last_heading is not None and last_heading not in ancestors:
            lines_after += 1
    if last_heading is not None and lines_after == 1 and _starts_with_heading(pages[page.number], boxes):
        return []  # a one-line section, whole on its page: the heading is not alone
    if last_heading is not None and lines_after < 2:
        text = " ".join("".join(last_heading.itertext()).split())[:60]
        return [
            LayoutFinding(
                page.number,
                "heading-at-foot",
                f"heading '{text}' at the foot of the page with {lines_after} line(s) after it",
            )
        ]
    return []


def _starts_with_heading(page: _Page, boxes: Any) -> bool:
    """Whether the first line of text on ``page`` is a heading's."""
    for _, ancestors in _lines(page, boxes):
        return any(_tag(element) in _HEADINGS for element in ancestors)
    return False


def _dedupe(findings: list[LayoutFinding]) -> list[LayoutFinding]:
    out: list[LayoutFinding] = []
    for f in findings:
        if not out or out[-1] != f:
            out.append(f)
    return out


def units_on_pages(layout: Layout, attribute: str = "data-unit") -> list[list[str]]:
    """Per page, the values of ``attribute`` of the elements with content on it, in order."""
    out: list[list[str]] = []
    for page in _pages(layout):
        names: list[str] = []
        for _, ancestors in page.boxes:
            for element in ancestors:
                value = element.get(attribute)
                if value and value not in names:
                    names.append(value)
        out.append(names)
    return out
