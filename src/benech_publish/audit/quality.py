"""Reading-quality rules beyond the PDF/UA-1 profile: elements split at page breaks,
repeated table headers, whitespace-only and empty elements, hyphen-broken words."""

from __future__ import annotations

import itertools
import re

from .report import Collector
from .structure import BLOCK_ROLES, MCRef, PdfStructure, StructElem
from .tree import table_grid

_SPLITTABLE = {"P", "L", "Table", "BlockQuote", "Caption", "Code"}
_CONTAINERS = {"Sect", "Div", "Art", "Part", "Aside", "BlockQuote", "L", "LI", "LBody", "Note", "TOC"}
_SENTENCE_END = re.compile(r"[.!?:;…\"”’')\]]\s*$")
#: A word broken at a line end by a hyphen the typesetter inserted (U+2010 or a visible
#: soft hyphen), read as two pieces. A real hyphen (U+002D) at a line end is kept.
_BROKEN_RE = re.compile(r"(\w+)[\u2010\u00ad] (\w+)")


def _split_pair(s: PdfStructure, first: StructElem, second: StructElem, out: Collector) -> None:
    """Report two adjacent siblings that are one element cut by a page break."""
    for _ in range(20):
        if first.role != second.role:
            return
        first_pages, second_pages = first.page_set, second.page_set
        if not first_pages or not second_pages or min(second_pages) != max(first_pages) + 1:
            return
        if first.role in _SPLITTABLE:
            if first.role == "P" and _SENTENCE_END.search(s.text_of(first)):
                return
            if first.role == "Table" and _separate_tables(s, first, second):
                return
            out.add(
                "split-element",
                f"/{first.role} is split into two struct elements at the break to page {min(second_pages) + 1}",
                max(first_pages),
            )
            if first.role == "Table":
                head, first_head = second.element_kids, first.element_kids
                if head and first_head and head[0].role == "THead" and s.text_of(head[0]) == s.text_of(first_head[0]):
                    out.add(
                        "repeated-table-header",
                        "the table header repeated on page "
                        f"{min(second_pages) + 1} is tagged as real content: it is read "
                        "twice",
                        min(second_pages),
                    )
            return
        if first.role not in _CONTAINERS:
            return
        last_kids, first_kids = first.element_kids, second.element_kids
        if not last_kids or not first_kids:
            return
        first, second = last_kids[-1], first_kids[0]


def _columns(table: StructElem) -> int | None:
    """The table's width in columns (spans counted), None when it has no rows."""
    widths = table_grid(table)[1]
    return max(widths) if widths else None


def _head_text(s: PdfStructure, table: StructElem) -> str | None:
    heads = [k for k in table.element_kids if k.role == "THead"]
    return s.text_of(heads[0]) if heads else None


def _separate_tables(s: PdfStructure, first: StructElem, second: StructElem) -> bool:
    """Whether ``second`` is a table of its own, not the continuation of ``first``.

    A table continued on the next page has no caption of its own (the caption stays
    with its first part), the same number of columns, and either no header or the
    first part's header repeated; a second table that differs in any of these is
    another table, however the pages fall.
    """
    if any(k.role == "Caption" for k in second.element_kids):
        return True
    first_columns, second_columns = _columns(first), _columns(second)
    if first_columns is not None and second_columns is not None and first_columns != second_columns:
        return True
    second_head = _head_text(s, second)
    return second_head is not None and second_head != _head_text(s, first)


def quality_rules(s: PdfStructure, out: Collector) -> None:
    # Only text with an inserted hyphen can read as a broken word: skip the reading
    # of every block when no marked content has one.
    hyphens = any("\u2010" in m.read or "\u00ad" in m.read for page in s.pages for m in page.marks.values())
    hyphens = hyphens or any(
        e.actual_text is not None and ("\u2010" in e.actual_text or "\u00ad" in e.actual_text) for e in s.elements
    )
    for parent in s.elements:
        kids = parent.element_kids
        for first, second in itertools.pairwise(kids):
            _split_pair(s, first, second, out)
        role = parent.role
        if role == "Table":
            heads = [e for e in kids if e.role == "THead"]
            texts = [s.text_of(h) for h in heads]
            if len(texts) != len(set(texts)):
                out.add("repeated-table-header", "a table header is tagged twice", parent.page)
        alternative = parent.actual_text is not None or bool((parent.alt or "").strip())
        if role in ("P", "TH") and not alternative:
            if not s.text_of(parent).strip() and not any(k.role in ("Figure", "Formula") for k in parent.walk()):
                out.add(
                    "empty-p" if role == "P" else "empty-th",
                    f"empty /{role}: a screen reader announces nothing, or 'blank'",
                    parent.page,
                )
        elif not alternative and any(isinstance(k, MCRef) for k in parent.kids):
            raw = "".join(m.read for m in _marks(s, parent))
            if raw and not raw.strip():
                out.add("whitespace-text", f"/{parent.type} holds only whitespace", parent.page)
        if (
            hyphens
            and role in BLOCK_ROLES
            and any(
                isinstance(k, MCRef) or (isinstance(k, StructElem) and k.role not in BLOCK_ROLES) for k in parent.kids
            )
        ):
            text = s.read_text(parent)
            broken = _BROKEN_RE.findall(text)
            if broken:
                sample = ", ".join(f"{a}‐ {b}" for a, b in broken[:3])
                out.add(
                    "broken-word",
                    f"/{parent.type} is read with {len(broken)} words broken "
                    f"by hyphenation ({sample}); mark each with /ActualText",
                    parent.page,
                )


def _marks(s: PdfStructure, element: StructElem) -> list:
    found = []
    for ref in element.mcrefs():
        if 0 <= ref.page < len(s.pages) and ref.mcid in s.pages[ref.page].marks:
            found.append(s.pages[ref.page].marks[ref.mcid])
    return found
