"""Link annotations: one per line box of a link, none of zero area, none duplicated.

WeasyPrint 70 gives *every* box inside a link its own ``/Link`` annotation:
each inline fragment, each ``em`` or ``span`` inside the link, each piece of
an address split for line breaking, some of them empty rectangles.  One link
then costs a keyboard user a dozen Tab stops and a screen reader lists it a
dozen times.  :class:`LinkAnnotations` collects the annotations of each
``Link`` element per (page, line box), keeps the first of each group with the
union of the group's rectangles, and drops the rest (and whole groups whose
rectangles are all empty) from the pages' ``/Annots``.  A link that is not in
a line (a block-level link, an image link) gets one annotation per page.

Takes: annotations (pydyf dictionaries) as the structure walk meets them.
Gives: the surviving annotation of each group, already referenced from its
``Link`` node as ``("objr", page, annotation)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ._tagtree import Node

#: Rectangles narrower or lower than this (in points) are empty.
_EMPTY = 0.01


def _rect(annotation: Any) -> tuple[float, float, float, float]:
    x1, y1, x2, y2 = (float(v) for v in annotation["Rect"])
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _empty(rect: tuple[float, float, float, float]) -> bool:
    return rect[2] - rect[0] < _EMPTY or rect[3] - rect[1] < _EMPTY


@dataclass
class _Group:
    node: Node
    page: int
    annotations: list[Any] = field(default_factory=list)


@dataclass
class LinkAnnotations:
    """The link annotations of one document, grouped per link, page and line."""

    groups: dict[tuple[int, int, int], _Group] = field(default_factory=dict)
    #: (page, annotation) to remove from the page's /Annots.
    dropped: list[tuple[int, Any]] = field(default_factory=list)

    def add(self, link: Node, page: int, line: Any, annotation: Any) -> None:
        """Record ``annotation`` of a box of ``link`` on ``page`` in line box ``line`` (or None)."""
        key = (id(link), page, id(line) if line is not None else 0)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = _Group(link, page)
            link.add(("objr", page, annotation))
        group.annotations.append(annotation)

    def drop(self, page: int, annotation: Any) -> None:
        """An annotation that must not stay on the page (e.g. inside an artifact)."""
        self.dropped.append((page, annotation))

    def merge(self, pydyf: Any) -> None:
        """Keep one annotation per group with the union rectangle; drop the others."""
        for group in self.groups.values():
            first = group.annotations[0]
            rects = [r for r in (_rect(a) for a in group.annotations) if not _empty(r)]
            self.dropped.extend((group.page, a) for a in group.annotations[1:])
            if not rects:
                self.dropped.append((group.page, first))
                group.node.kids = [
                    k for k in group.node.kids if not (isinstance(k, tuple) and k[0] == "objr" and k[2] is first)
                ]
                continue
            first["Rect"] = pydyf.Array(
                [
                    round(min(r[0] for r in rects), 3),
                    round(min(r[1] for r in rects), 3),
                    round(max(r[2] for r in rects), 3),
                    round(max(r[3] for r in rects), 3),
                ]
            )

    def remove_dropped(self, pdf: Any, page_refs: list[Any], attached: set[int], pydyf: Any) -> None:
        """Remove the dropped annotations (unless attached to a Link) from the pages' /Annots."""
        gone: dict[int, set[Any]] = {}
        for page, annotation in self.dropped:
            if id(annotation) not in attached:
                gone.setdefault(page, set()).add(annotation.reference)
        for page, references in gone.items():
            page_dict = pdf.objects[int(page_refs[page].split()[0])]
            annots = page_dict.get("Annots")
            if annots is None:
                continue
            kept = pydyf.Array(a for a in annots if a not in references)
            if kept:
                page_dict["Annots"] = kept
            else:
                del page_dict["Annots"]
