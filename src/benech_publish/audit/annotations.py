"""Annotation rules: tagging (Annot, Link, Form elements), /Contents, tab order, and the
checks a PAC user expects (duplicate and zero-area annotations, link descriptions)."""

from __future__ import annotations

import re
from typing import Any

import pikepdf

from .document import catalog_lang, same
from .report import Collector
from .structure import PdfStructure, StructElem, key_of

_HIDDEN = 2  # annotation flag bit 2: Hidden


def _rect(value: Any) -> tuple[float, float, float, float] | None:
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)


def _outside(rect: tuple[float, float, float, float] | None, crop: tuple[float, float, float, float] | None) -> bool:
    if rect is None or crop is None:
        return False
    return rect[2] < crop[0] or rect[0] > crop[2] or rect[3] < crop[1] or rect[1] > crop[3]


def _target(annot: dict[str, Any]) -> str:
    """Where a link goes (``annot``: the annotation's entries)."""
    action = annot.get("/A")
    if isinstance(action, pikepdf.Dictionary):
        if "/URI" in action:
            return "uri:" + str(action.URI)
        if "/D" in action:
            return "dest:" + repr(action.D)
    if "/Dest" in annot:
        return "dest:" + repr(annot["/Dest"])
    return ""


def annotation_rules(
    s: PdfStructure, parent_tree: dict[int, Any], objr: dict[tuple[int, int], StructElem], out: Collector
) -> None:
    has_catalog_lang = catalog_lang(s) is not None
    for number, page in enumerate(s.pdf.pages):
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array) or not len(annots):
            continue
        tabs = page.obj.get("/Tabs")
        if tabs != "/S":
            out.add(
                "7.18.3-1",
                "page with annotations has no /Tabs /S"
                if tabs is None
                else f"page with annotations has /Tabs {tabs}, not /S",
                number,
                checkpoint="28-008" if tabs is None else "28-009",
            )
        crop = _rect(page.obj.get("/CropBox", page.obj.get("/MediaBox")))
        links: list[tuple[str, tuple[float, float, float, float]]] = []
        zero = 0
        for annot_obj in annots:
            if not isinstance(annot_obj, pikepdf.Dictionary):
                continue
            # Read once (one call instead of one per key); a null entry is an absent one.
            annot = {key: value for key, value in annot_obj.items() if value is not None}
            subtype = str(annot.get("/Subtype", ""))
            rect = _rect(annot.get("/Rect"))
            try:
                flags = int(annot.get("/F", 0))
            except (TypeError, ValueError):
                flags = 0
            exempt = bool(flags & _HIDDEN) or _outside(rect, crop)
            element = objr.get(key_of(annot_obj))  # the element with an OBJR to it
            role = element.role if element is not None else None
            contents = annot.get("/Contents")
            text = str(contents).strip() if contents is not None else ""
            if subtype == "/PrinterMark":
                if element is not None and not exempt:
                    out.add("7.18.8-1", "a PrinterMark annotation is in the structure tree", number)
                continue
            if subtype == "/Popup":
                continue
            if subtype == "/TrapNet" and not exempt:
                out.add("7.18.2-1", "a TrapNet annotation", number)
            if not exempt:
                if subtype == "/Link" and role != "Link":
                    out.add(
                        "7.18.5-1",
                        f"Link annotation ({text or _target(annot)!r}) is not in a Link structure element",
                        number,
                    )
                elif subtype == "/Widget" and role != "Form":
                    out.add("7.18.4-1", "Widget annotation is not in a Form element", number)
                elif subtype not in ("/Link", "/Widget") and role != "Annot":
                    out.add(
                        "7.18.1-1", f"{subtype or 'untyped'} annotation is not in an Annot structure element", number
                    )
                alt = element.alt if element is not None else None
                if subtype == "/Link" and not text:
                    out.add("7.18.5-2", "Link annotation without /Contents", number)
                elif subtype not in ("/Widget", "/Link") and not text and not (alt or "").strip():
                    out.add("7.18.1-2", f"{subtype} annotation without /Contents or an /Alt on its element", number)
            if contents is not None and not has_catalog_lang and "/Lang" not in annot:
                out.add("7.2-24", "annotation /Contents without a determined language", number)
            if (
                element is not None
                and "/StructParent" in annot
                and not same(parent_tree.get(_int(annot.get("/StructParent"))), element.obj)
            ):
                out.add(
                    "parent-tree", "annotation /StructParent does not map back to the element with its OBJR", number
                )
            if subtype == "/Link" and element is not None and text and _raw_target(annot, text):
                if _plain(text) not in _link_texts(s, element):
                    out.add(
                        "link-description",
                        f"Link annotation /Contents {text!r} is the raw target, not a description",
                        number,
                    )
            if (
                rect is not None
                and subtype in ("/Link", "/Widget")
                and (rect[2] - rect[0] < 0.01 or rect[3] - rect[1] < 0.01)
            ):
                zero += 1
            elif rect is not None and subtype == "/Link":
                links.append((_target(annot), rect))
        duplicates = _redundant(links)
        if zero:
            out.add(
                "zero-area-annotation", f"{zero} annotations have a zero-area /Rect (an invisible focus stop)", number
            )
        if duplicates:
            out.add(
                "duplicate-annotation",
                f"{duplicates} link annotations repeat (or lie "
                "inside) another's rectangle with the same target: one link, several tab "
                "stops",
                number,
            )


#: Characters that show and say nothing: a break opportunity (<wbr>) and a soft hyphen.
_INVISIBLE = str.maketrans("", "", "\u200b\u00ad")


def _plain(text: str) -> str:
    return "".join(text.translate(_INVISIBLE).split())


def _link_texts(s: PdfStructure, element: StructElem) -> set[str]:
    """A Link's text as read (``/ActualText`` applied) and as shown (its glyphs).

    Both count: the read text of a link that wraps at a line end can carry the rest of
    the word it ends (``…/explainer.mp4`` + ``.`` read as one word, ISO 32000-1
    14.8.2.5), while the glyphs are what the reader sees as the link.
    """
    shown = []
    for ref in element.mcrefs():
        mark = s.pages[ref.page].marks.get(ref.mcid) if 0 <= ref.page < len(s.pages) else None
        if mark is not None:
            shown.append(mark.text)
    return {_plain(s.text_of(element)), _plain("".join(shown))}


def _redundant(links: list[tuple[str, tuple[float, float, float, float]]]) -> int:
    """How many link rectangles equal or lie inside another with the same target."""
    count = 0
    for i, (target, (x1, y1, x2, y2)) in enumerate(links):
        for j, (other, (a1, b1, a2, b2)) in enumerate(links):
            if (
                i != j
                and target == other
                and a1 - 0.05 <= x1
                and b1 - 0.05 <= y1
                and x2 <= a2 + 0.05
                and y2 <= b2 + 0.05
                and (j < i or (a1, b1, a2, b2) != (x1, y1, x2, y2))
            ):
                count += 1
                break
    return count


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _raw_target(annot: dict[str, Any], text: str) -> bool:
    """Whether /Contents is just the link target (URL, "#id", destination name)."""
    if text.startswith("#") or re.fullmatch(r"[a-z][a-z0-9+.-]*:\S+", text):
        return True
    dest = annot.get("/Dest")
    if isinstance(dest, (pikepdf.String, pikepdf.Name)) and str(dest).lstrip("/") == text:
        return True
    action = annot.get("/A")
    return isinstance(action, pikepdf.Dictionary) and str(action.get("/URI", "")) == text
