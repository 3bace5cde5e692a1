"""Structure-tree rules: role map, parents, standard types and their nesting (lists,
tables, TOC), headings, figures, formulas, notes, IDs, languages of attributes, and
table headers."""

from __future__ import annotations

import re
from collections import Counter
from typing import NamedTuple

import pikepdf

from .document import LANG_RE, catalog_lang
from .report import Collector
from .structure import STANDARD_TYPES_17, PdfStructure, StructElem

#: Kid types allowed per parent type (7.2-3, 7.2-10, 7.2-19, 7.2-20, 7.2-27, 7.2-36..38).
_ALLOWED_KIDS = {
    "Table": ("7.2-3", {"TR", "THead", "TBody", "TFoot", "Caption"}),
    "TR": ("7.2-10", {"TH", "TD"}),
    "L": ("7.2-19", {"L", "LI", "Caption"}),
    "LI": ("7.2-20", {"Lbl", "LBody"}),
    "TOC": ("7.2-27", {"TOC", "TOCI", "Caption"}),
    "THead": ("7.2-36", {"TR"}),
    "TBody": ("7.2-37", {"TR"}),
    "TFoot": ("7.2-38", {"TR"}),
}
#: Parent types allowed per type (7.2-4..9, 7.2-17, 7.2-18, 7.2-26).
_ALLOWED_PARENT = {
    "TR": ("7.2-4", {"Table", "THead", "TBody", "TFoot"}),
    "THead": ("7.2-5", {"Table"}),
    "TBody": ("7.2-6", {"Table"}),
    "TFoot": ("7.2-7", {"Table"}),
    "TH": ("7.2-8", {"TR"}),
    "TD": ("7.2-9", {"TR"}),
    "LI": ("7.2-17", {"L"}),
    "LBody": ("7.2-18", {"LI"}),
    "TOCI": ("7.2-26", {"TOC"}),
}
_HN = re.compile(r"H[1-6]")


def tree_rules(s: PdfStructure, out: Collector) -> None:
    standard = s.standard_types
    has_catalog_lang = catalog_lang(s) is not None
    reported_types: set[str] = set()
    for raw in sorted(s.circular_roles):
        reported_types.add(raw)
        out.add("7.1-6", f"the RoleMap maps /{raw} in a circle")
    for raw, target in sorted(s.role_map.items()):
        if raw in STANDARD_TYPES_17 or raw in standard:
            out.add("7.1-7", f"the RoleMap remaps the standard type /{raw} to /{target}")
    ids: Counter[str] = Counter()
    note_ids: Counter[str] = Counter()
    headings: list[tuple[int, StructElem]] = []
    plain_h: list[StructElem] = []
    if s.too_deep:
        out.add("cannot-read", "cannot read: the structure tree is deeper than 100 levels")
    for element in s.elements:
        page = element.page
        role = element.role
        if role not in standard and element.type not in reported_types:
            reported_types.add(element.type)
            out.add(
                "7.1-5", f"structure type /{element.type} is not standard and not role-mapped to a standard type", page
            )
        if element.get("/P") is None:  # absent or null
            out.add("7.1-12", f"/{element.type} has no /P (parent) entry", page)
        lang = element.get("/Lang")
        if lang is not None and not LANG_RE.match(str(lang)):
            out.add("7.2-29", f"/{element.type} has /Lang {str(lang)!r}, not a language tag", page)
        if not has_catalog_lang and element.lang() is None:
            for key, rule in (("/ActualText", "7.2-21"), ("/Alt", "7.2-22"), ("/E", "7.2-23")):
                if element.get(key) is not None:
                    out.add(
                        rule,
                        f"/{element.type} has {key} but no language is determined "
                        "(no /Lang on it, its ancestors or the catalog)",
                        page,
                    )
        ident = element.get("/ID")
        if ident is not None:
            ids[str(ident)] += 1
        _nesting(element, out)
        if _HN.fullmatch(role):
            headings.append((int(role[1]), element))
        elif role == "H":
            plain_h.append(element)
        elif role == "Figure" and not _has_alternative(element):
            out.add("7.3-1", "Figure without /Alt or /ActualText (decorative images must be Artifacts)", page)
        elif role == "Formula" and not _has_alternative(element):
            out.add("7.7-1", "Formula without /Alt or /ActualText", page)
        elif role == "Note":
            if ident is None or not str(ident):
                out.add("7.9-1", "Note without /ID", page)
            else:
                note_ids[str(ident)] += 1
        elif role == "Table":
            table_rules(element, out)
    for ident, count in sorted(note_ids.items()):
        if count > 1:
            out.add("7.9-2", f"{count} Note elements share the /ID {ident!r}")
    for ident, count in sorted(ids.items()):
        if count > 1 and note_ids.get(ident, 0) != count:
            out.add("duplicate-id", f"{count} structure elements share the /ID {ident!r}")
    _heading_rules(s, headings, plain_h, out)


def _has_alternative(element: StructElem) -> bool:
    return bool(element.alt and element.alt.strip()) or element.actual_text is not None


def _nesting(element: StructElem, out: Collector) -> None:
    role = element.role
    kids = [k.role for k in element.element_kids]
    if role in _ALLOWED_KIDS:
        rule, allowed = _ALLOWED_KIDS[role]
        wrong = sorted({k for k in kids if k not in allowed})
        if wrong:
            out.add(
                rule,
                f"/{role} has kids of type {', '.join('/' + w for w in wrong)}; allowed: {', '.join(sorted(allowed))}",
                element.page,
            )
    if role in _ALLOWED_PARENT:
        rule, allowed = _ALLOWED_PARENT[role]
        parent = element.parent.role if element.parent is not None else "StructTreeRoot"
        if parent not in allowed:
            out.add(rule, f"/{role} is inside /{parent}, not {' or '.join(sorted(allowed))}", element.page)
    if kids.count("H") > 1:
        out.add("7.4.4-1", f"/{element.type} has {kids.count('H')} H kids", element.page)
    if role in ("L", "TOC") and "Caption" in kids[1:]:
        out.add("7.2-40" if role == "L" else "7.2-28", f"/{role} has a Caption that is not its first kid", element.page)
    if role == "Table":
        counts = Counter(kids)
        if counts["THead"] > 1:
            out.add("7.2-11", f"Table has {counts['THead']} THead kids", element.page)
        if counts["TFoot"] > 1:
            out.add("7.2-12", f"Table has {counts['TFoot']} TFoot kids", element.page)
        if counts["TFoot"] and not counts["TBody"]:
            out.add("7.2-13", "Table has TFoot but no TBody", element.page)
        if counts["THead"] and not counts["TBody"]:
            out.add("7.2-14", "Table has THead but no TBody", element.page)
        if counts["Caption"] > 1:
            out.add("7.2-39", f"Table has {counts['Caption']} Caption kids", element.page)
        if "Caption" in kids[1:-1]:
            out.add("7.2-16", "Table has a Caption that is neither its first nor its last kid", element.page)


def _heading_rules(
    s: PdfStructure, headings: list[tuple[int, StructElem]], plain_h: list[StructElem], out: Collector
) -> None:
    if plain_h and headings:
        out.add("7.4.4-2", f"{len(plain_h)} H elements in a document that uses H1-H6", plain_h[0].page)
        out.add("7.4.4-3", f"{len(headings)} H1-H6 elements in a document that uses H", headings[0][1].page)
    if not headings and not plain_h and len(s.pages) > 1:
        out.add("headings-present", "no headings in a multi-page document")
    previous = 0
    for level, element in headings:
        if previous == 0 and level != 1:
            out.add("7.4.2-1", f"the first numbered heading is H{level}, not H1", element.page, checkpoint="14-002")
        elif previous and level > previous + 1:
            out.add("7.4.2-1", f"H{level} follows H{previous}: level skipped", element.page)
        previous = level


# ----------------------------------------------------------------------------
# Tables: rows and columns (7.2-41..43), headers (7.5-1, 7.5-2).


class Cell(NamedTuple):
    element: StructElem
    row: int
    column: int
    rows: int
    columns: int


def _span(element: StructElem, name: str) -> int:
    value = element.attribute(name)
    try:
        return max(1, int(value)) if value is not None else 1
    except (TypeError, ValueError):
        return 1


def table_rows(table: StructElem) -> list[StructElem]:
    rows: list[StructElem] = []
    for kid in table.element_kids:
        if kid.role == "TR":
            rows.append(kid)
        elif kid.role in ("THead", "TBody", "TFoot"):
            rows.extend(k for k in kid.element_kids if k.role == "TR")
    return rows


def table_grid(table: StructElem) -> tuple[list[Cell], list[int], list[int]]:
    """The table's cells placed on a grid; also each row's width and the row spans
    that reach past the last row."""
    rows = table_rows(table)
    taken: set[tuple[int, int]] = set()
    cells: list[Cell] = []
    overflow: list[int] = []
    for r, row in enumerate(rows):
        column = 0
        for element in row.element_kids:
            if element.role not in ("TH", "TD"):
                continue
            while (r, column) in taken:
                column += 1
            height, width = _span(element, "/RowSpan"), _span(element, "/ColSpan")
            if r + height > len(rows):
                overflow.append(r)
            for dr in range(height):
                for dc in range(width):
                    taken.add((r + dr, column + dc))
            cells.append(Cell(element, r, column, height, width))
            column += width
    widths = [len({c for (rr, c) in taken if rr == r}) for r in range(len(rows))]
    return cells, widths, overflow


def table_rules(table: StructElem, out: Collector) -> None:
    cells, widths, overflow = table_grid(table)
    if overflow:
        out.add("7.2-41", f"a row span in row {overflow[0] + 1} reaches past the table's last row", table.page)
    if widths and len(set(widths)) > 1:
        expected = Counter(widths).most_common(1)[0][0]
        for r, width in enumerate(widths):
            if width == expected:
                continue
            spans = any(c.columns > 1 for c in cells if c.row == r)
            out.add(
                "7.2-43" if spans and width > expected else "7.2-42",
                f"table row {r + 1} has {width} columns, the table {expected}",
                table.page,
            )
    ths = [c for c in cells if c.element.role == "TH"]
    if not ths:
        out.add("table-has-headers", "Table without TH cells", table.page)
        return
    ids = {str(c.element.get("/ID")) for c in cells if c.element.get("/ID") is not None}
    unconnected = []
    for cell in cells:
        if cell.element.role != "TD":
            continue
        headers = cell.element.attribute("/Headers")
        if headers is not None:
            names = [str(h) for h in (headers if isinstance(headers, pikepdf.Array) else [headers])]
            unknown = [n for n in names if n not in ids]
            if unknown:
                out.add("7.5-2", f"a TD's /Headers name unknown IDs {unknown[:3]}", cell.element.page)
            if names:
                continue
        if not any(_header_of(th, cell) for th in ths):
            unconnected.append(cell)
    if unconnected:
        out.add(
            "7.5-1",
            f"{len(unconnected)} TD cells have no header: no /Headers and no TH with /Scope in their row or column",
            unconnected[0].element.page,
        )


def _header_of(th: Cell, cell: Cell) -> bool:
    scope = th.element.attribute("/Scope")
    scope = str(scope) if scope is not None else ""
    same_row = th.row < cell.row + cell.rows and cell.row < th.row + th.rows
    same_column = th.column < cell.column + cell.columns and cell.column < th.column + th.columns
    return (same_row and scope in ("/Row", "/Both")) or (same_column and scope in ("/Column", "/Both"))
