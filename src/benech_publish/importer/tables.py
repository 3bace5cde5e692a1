"""An HTML ``table`` → a :class:`~benech_publish.model.Table` of the content format.

Takes: the ``table`` element, its caption (``<caption>``, or the
``figcaption`` of a block-editor ``figure.wp-block-table``), a function that
turns a cell into inline nodes, and the page's notes. Gives: a table with one
header row, every column with a header, and the caption.

The content format's tables have one header row and no merged cells, so
merged cells are rewritten faithfully (each rewrite is reported):

* several header rows (a group header spanning columns above the column
  headers) become one: each column's header names its group, e.g.
  "Frequency: Adults";
* a header cell spanning columns is repeated over each of them (so no
  header cell is empty and every column keeps its header);
* a body cell spanning rows is repeated in each row (each row reads whole);
  a body cell spanning columns keeps its text in the first column.

Bounds: at most :data:`MAX_SPAN` columns or rows per cell and
:data:`MAX_CELLS` cells per table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import lxml.etree as etree

from .. import model as m

MAX_SPAN = 50
MAX_CELLS = 20_000
_JOIN = ": "


class _Slot:
    __slots__ = ("cell", "first_col", "first_row", "origin")

    def __init__(self, origin: int, cell: m.Cell, first_col: bool, first_row: bool):
        self.origin, self.cell, self.first_col, self.first_row = origin, cell, first_col, first_row


def _span(el: etree._Element, name: str) -> int:
    try:
        value = int(str(el.get(name) or "1").strip())
    except ValueError:
        return 1
    return max(1, min(value, MAX_SPAN))


def convert_table(
    el: etree._Element,
    caption: tuple[m.Inline, ...],
    cell_inlines: Callable[[etree._Element], tuple[m.Inline, ...]],
    review: list[str],
    repaired: list[str],
) -> m.Table | None:
    """Convert ``el`` (see the module docstring); None when it has no cells."""
    rows: list[tuple[etree._Element, bool]] = []
    for tr in el.iter("tr"):
        if any(a.tag == "table" for a in tr.iterancestors() if a is not el and _below(a, el)):
            continue  # a row of a nested table
        rows.append((tr, any(a.tag == "thead" for a in tr.iterancestors() if _below(a, el))))
    grid: dict[tuple[int, int], _Slot] = {}
    merged_head = merged_body = False
    origin = 0
    for r, (tr, in_head) in enumerate(rows):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            cols, span_rows = _span(cell, "colspan"), _span(cell, "rowspan")
            span_rows = min(span_rows, len(rows) - r)
            if cols > 1 or span_rows > 1:
                if in_head or (cell.tag == "th" and r == 0):
                    merged_head = True
                else:
                    merged_body = True
            value = m.Cell(cell_inlines(cell), header=cell.tag == "th")
            origin += 1
            for dr in range(span_rows):
                for dc in range(cols):
                    if len(grid) >= MAX_CELLS:
                        break
                    grid.setdefault((r + dr, c + dc), _Slot(origin, value, dc == 0, dr == 0))
            c += cols
    if not grid:
        return None
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    head_flags = [rows[r][1] if r < len(rows) else False for r in range(height)]
    n_head = sum(1 for flag in head_flags if flag)
    if not n_head:  # no thead: leading rows made only of th cells are the header
        while n_head < height and all((n_head, c) in grid and grid[(n_head, c)].cell.header for c in range(width)):
            n_head += 1
        if not n_head:
            n_head = 1
            review.append("a table had no header row: its first row was made the header")
    n_head = min(n_head, height)
    header: list[m.Cell] = []
    for c in range(width):
        parts: list[tuple[m.Inline, ...]] = []
        last = -1
        for r in range(n_head):
            slot = grid.get((r, c))
            if slot is None or slot.origin == last:
                continue
            last = slot.origin
            if slot.cell.inlines and slot.cell.inlines not in parts:
                parts.append(slot.cell.inlines)
        joined: list[m.Inline] = []
        for i, part in enumerate(parts):
            if i:
                joined.append(m.Text(_JOIN))
            joined.extend(_strip_colon(part) if i < len(parts) - 1 else part)
        header.append(m.Cell(tuple(joined), header=True))
    if n_head > 1:
        repaired.append(
            f"a table's {n_head} header rows were merged into one (each column's "
            "header names its group): check the wording"
        )
    elif merged_head:
        repaired.append("a table header spanning several columns was repeated over each of them: check the wording")
    empty = [str(c + 1) for c, cell in enumerate(header) if not m.plain_text(cell.inlines).strip()]
    if empty:
        review.append(f"a table's column(s) {', '.join(empty)} have no header text: write one")
    body: list[tuple[m.Cell, ...]] = []
    row_headers = False
    for r in range(n_head, height):
        cells: list[m.Cell] = []
        for c in range(width):
            slot = grid.get((r, c))
            if slot is None or not slot.first_col:
                cells.append(m.Cell(()))
                continue
            row_headers = row_headers or slot.cell.header
            cells.append(replace(slot.cell, header=False))
        body.append(tuple(cells))
    if merged_body:
        review.append(
            "a table had merged cells: a cell spanning rows is repeated in each row, "
            "one spanning columns is kept in its first column; check the layout"
        )
    if row_headers:
        review.append("a table had row headers: they are now ordinary cells")
    return m.Table((tuple(header),), tuple(body), caption=caption)


def _below(node: etree._Element, table: etree._Element) -> bool:
    """``node`` is ``table`` or inside it."""
    while node is not None:
        if node is table:
            return True
        node = node.getparent()
    return False


def _strip_colon(nodes: tuple[m.Inline, ...]) -> tuple[m.Inline, ...]:
    if nodes and isinstance(nodes[-1], m.Text) and nodes[-1].text.rstrip().endswith(":"):
        return (*nodes[:-1], m.Text(nodes[-1].text.rstrip().rstrip(":").rstrip()))
    return nodes
