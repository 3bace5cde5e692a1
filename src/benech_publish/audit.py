"""Audit a PDF against the machine-checkable PDF/UA-1 rules relevant to leaflets.

``audit_pdf(path_or_bytes)`` returns an :class:`AuditReport`; ``format_text`` and
``format_json`` render reports.  The ``benech-publish audit`` command and
``build`` call these; this module never prints or exits.

Each finding carries the Matterhorn Protocol 1.1 failure condition
("checkpoint") it reports.  Where Matterhorn has no machine-checkable failure
condition for a rule, the checkpoint names the ISO clause instead.

============================  ===========  ========  =====================================
rule_id                       checkpoint   severity  what is checked
============================  ===========  ========  =====================================
struct-tree                   01-005       error     catalog has a StructTreeRoot with kids
mark-info                     01-005       error     /MarkInfo /Marked true (ISO 14289-1 7.1)
suspects                      01-007       error     /MarkInfo /Suspects is not true
untagged-content              01-005       error     no text/graphics outside both tags and artifacts
unreachable-mcid              01-005       error     every MCID is referenced from the structure tree
artifact-in-tagged            01-003       error     no artifact nested in tagged content
tagged-in-artifact            01-004       error     no tagged content nested in an artifact
parent-tree                   01-005       error     ParentTree maps each MCID/annotation to the
                                                     struct element that references it
role-map                      02-001       error     non-standard types role-map to a standard one
document-lang                 11-001       error     catalog /Lang present and a valid language tag
element-lang                  11-001       error     every struct element /Lang is a valid tag
xmp-metadata                  06-001       error     catalog has an XMP metadata stream
pdfua-identifier              06-002       error     XMP has pdfuaid:part
dc-title                      06-003       error     XMP has a non-empty dc:title
display-doc-title             07-001/002   error     /ViewerPreferences /DisplayDocTitle true
headings-present              14-001       warning   the document has headings (H1-H6)
first-heading                 14-002       error     numbered headings start with H1
heading-levels                14-003       error     no skipped heading levels
figure-alt                    13-004       error     every Figure has a non-empty /Alt or /ActualText
table-header-scope            15-003       error     every TH has /Scope, or the table's cells
                                                     use /Headers
table-has-headers             15-005       warning   a Table has TH cells
note-id                       19-003       error     every Note has an /ID
link-annotation-tagged        28-011       error     every Link annotation is in a Link element
                                                     (via OBJR and StructParent)
link-element-objr             28-011       error     every Link element has an OBJR
link-contents                 28-012       error     Link annotations have a meaningful /Contents
                                                     (not empty, not a raw "#id")
annotation-contents           28-004       error     other annotations have /Contents
tab-order                     28-008/009   error     pages with annotations have /Tabs /S
font-embedded                 31-009       error     every font used has an embedded font program
font-tounicode                31-027       error     every font used has a ToUnicode CMap
glyph-unicode                 10-001       error     every character code shown maps to Unicode
split-element                 01-006       error     no P, L, Table split into two struct elements
                                                     at a page break
repeated-table-header         01-001       error     a repeated table header is an artifact
broken-words                  ISO 32000-1  error     text read from the structure tree has no
                              14.8.2.5               words broken by hyphenation
============================  ===========  ========  =====================================
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pikepdf

from ._pdfstruct import (STANDARD_TYPES_17, STANDARD_TYPES_20, MCRef, ObjRef,
                         PdfStructure, StructElem, open_pdf, read_structure)

__all__ = ["AuditReport", "Finding", "RULES", "audit_pdf", "format_json", "format_text"]

#: rule_id -> (checkpoint, severity, short description)
RULES: dict[str, tuple[str, str, str]] = {
    "struct-tree": ("01-005", "error", "Structure tree present"),
    "mark-info": ("01-005", "error", "MarkInfo Marked is true"),
    "suspects": ("01-007", "error", "MarkInfo Suspects is not true"),
    "untagged-content": ("01-005", "error", "Content is tagged or an artifact"),
    "unreachable-mcid": ("01-005", "error", "Marked content is reachable from the tree"),
    "artifact-in-tagged": ("01-003", "error", "No artifact inside tagged content"),
    "tagged-in-artifact": ("01-004", "error", "No tagged content inside an artifact"),
    "parent-tree": ("01-005", "error", "Parent tree is consistent"),
    "role-map": ("02-001", "error", "Non-standard types map to standard types"),
    "document-lang": ("11-001", "error", "Document language"),
    "element-lang": ("11-001", "error", "Element languages are valid"),
    "xmp-metadata": ("06-001", "error", "XMP metadata present"),
    "pdfua-identifier": ("06-002", "error", "PDF/UA identifier in XMP"),
    "dc-title": ("06-003", "error", "dc:title in XMP"),
    "display-doc-title": ("07-001", "error", "DisplayDocTitle is true"),
    "headings-present": ("14-001", "warning", "Headings present"),
    "first-heading": ("14-002", "error", "First numbered heading is H1"),
    "heading-levels": ("14-003", "error", "No skipped heading levels"),
    "figure-alt": ("13-004", "error", "Figures have alternative text"),
    "table-header-scope": ("15-003", "error", "TH cells have Scope (or cells have Headers)"),
    "table-has-headers": ("15-005", "warning", "Tables have header cells"),
    "note-id": ("19-003", "error", "Note elements have an ID"),
    "link-annotation-tagged": ("28-011", "error", "Link annotations are in Link elements"),
    "link-element-objr": ("28-011", "error", "Link elements reference their annotation"),
    "link-contents": ("28-012", "error", "Link annotations have meaningful Contents"),
    "annotation-contents": ("28-004", "error", "Annotations have Contents"),
    "tab-order": ("28-008", "error", "Pages with annotations use structure tab order"),
    "font-embedded": ("31-009", "error", "Fonts are embedded"),
    "font-tounicode": ("31-027", "error", "Fonts have a ToUnicode CMap"),
    "glyph-unicode": ("10-001", "error", "Every glyph used maps to Unicode"),
    "split-element": ("01-006", "error", "Elements are not split at page breaks"),
    "repeated-table-header": ("01-001", "error", "Repeated table headers are artifacts"),
    "broken-words": ("ISO 32000-1 14.8.2.5", "error", "No words broken by hyphenation"),
}

_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_BROKEN_RE = re.compile(r"(\w+)[\u2010\u00ad]\s+(\w+)")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    checkpoint: str
    severity: str  # 'error' | 'warning'
    message: str
    page: int | None = None  # 1-based page number, when the finding is on a page


@dataclass(frozen=True)
class AuditReport:
    path: str
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors


class _Collector:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, rule_id: str, message: str, page: int | None = None, *,
            checkpoint: str | None = None, severity: str | None = None) -> None:
        default_checkpoint, default_severity, _ = RULES[rule_id]
        self.findings.append(Finding(
            rule_id, checkpoint or default_checkpoint, severity or default_severity,
            message, None if page is None else page + 1))


def audit_pdf(path_or_bytes: str | Path | bytes) -> AuditReport:
    """Audit one PDF (a path or the PDF's bytes) and return its report."""
    label = "<bytes>" if isinstance(path_or_bytes, (bytes, bytearray)) else str(path_or_bytes)
    out = _Collector()
    try:
        pdf = open_pdf(path_or_bytes)
    except (pikepdf.PdfError, OSError) as exc:
        out.add("struct-tree", f"cannot open PDF: {exc}")
        return AuditReport(label, tuple(out.findings))
    with pdf:
        structure = read_structure(pdf)
        _catalog_rules(structure, out)
        _content_rules(structure, out)
        _tree_rules(structure, out)
        _annotation_rules(structure, out)
        _font_rules(structure, out)
        _split_rules(structure, out)
        _text_rules(structure, out)
    return AuditReport(label, tuple(out.findings))


# ----------------------------------------------------------------------------


def _catalog_rules(s: PdfStructure, out: _Collector) -> None:
    root = s.pdf.Root
    tree = root.get("/StructTreeRoot")
    if tree is None or "/K" not in tree or not s.roots:
        out.add("struct-tree", "the catalog has no structure tree (StructTreeRoot with kids)")
    mark_info = root.get("/MarkInfo")
    if mark_info is None or not bool(mark_info.get("/Marked", False)):
        out.add("mark-info", "/MarkInfo /Marked is not true")
    elif bool(mark_info.get("/Suspects", False)):
        out.add("suspects", "/MarkInfo /Suspects is true")
    lang = root.get("/Lang")
    if lang is None or not str(lang).strip():
        out.add("document-lang", "the catalog has no /Lang (document language)")
    elif not _LANG_RE.match(str(lang)):
        out.add("document-lang", f"catalog /Lang {str(lang)!r} is not a language tag")
    prefs = root.get("/ViewerPreferences")
    if prefs is None or "/DisplayDocTitle" not in prefs:
        out.add("display-doc-title", "/ViewerPreferences has no /DisplayDocTitle")
    elif not bool(prefs.DisplayDocTitle):
        out.add("display-doc-title", "/DisplayDocTitle is false", checkpoint="07-002")
    if "/Metadata" not in root:
        out.add("xmp-metadata", "the catalog has no XMP metadata stream")
        return
    try:
        meta = s.pdf.open_metadata()
        part = meta.get("pdfuaid:part")
        title = meta.get("dc:title")
    except Exception as exc:  # noqa: BLE001 - malformed XMP is a finding, not a crash
        out.add("xmp-metadata", f"the XMP metadata cannot be read: {exc}")
        return
    if not part:
        out.add("pdfua-identifier", "XMP metadata has no pdfuaid:part (PDF/UA identifier)")
    if not title or not str(title).strip():
        out.add("dc-title", "XMP metadata has no dc:title")


def _reachable(s: PdfStructure) -> dict[tuple[int, int], StructElem]:
    owners: dict[tuple[int, int], StructElem] = {}
    for element in s.elements:
        for kid in element.kids:
            if isinstance(kid, MCRef):
                owners[kid.page, kid.mcid] = element
    return owners


def _content_rules(s: PdfStructure, out: _Collector) -> None:
    owners = _reachable(s)
    for number, page in enumerate(s.pages):
        if page.untagged_text or page.untagged_graphics:
            out.add("untagged-content",
                    f"{page.untagged_text} text and {page.untagged_graphics} graphics "
                    "operations are neither tagged nor artifacts", number)
        unreachable = sorted(m for m in page.marks if (number, m) not in owners)
        if unreachable:
            sample = " / ".join(
                repr(page.marks[m].read.strip()[:40]) for m in unreachable[:3])
            out.add("unreachable-mcid",
                    f"{len(unreachable)} marked-content sequences (MCID "
                    f"{', '.join(map(str, unreachable[:8]))}) are not in the structure tree "
                    f"(e.g. {sample}); repeated page content must be an Artifact", number)
        if page.artifact_in_tagged:
            out.add("artifact-in-tagged",
                    f"{page.artifact_in_tagged} artifacts are nested in tagged content", number)
        if page.tagged_in_artifact:
            out.add("tagged-in-artifact",
                    f"{page.tagged_in_artifact} tagged sequences are nested in artifacts", number)
        if page.duplicate_mcids:
            out.add("parent-tree", f"MCIDs used twice: {sorted(page.duplicate_mcids)}", number)

    # Parent tree consistency.
    tree = s.pdf.Root.get("/StructTreeRoot")
    if tree is None:
        return
    parent_tree = _number_tree(tree.get("/ParentTree"))
    for number, page in enumerate(s.pdf.pages):
        if not s.pages[number].marks:
            continue
        key = page.obj.get("/StructParents")
        if key is None:
            out.add("parent-tree", "page with marked content has no /StructParents", number)
            continue
        entry = parent_tree.get(int(key))
        if not isinstance(entry, pikepdf.Array):
            out.add("parent-tree", "the ParentTree has no array for this page", number)
            continue
        bad = []
        for mcid in s.pages[number].marks:
            owner = owners.get((number, mcid))
            if owner is None:
                continue  # reported as unreachable
            if mcid >= len(entry) or not _same(entry[mcid], owner.obj):
                bad.append(mcid)
        if bad:
            out.add("parent-tree", f"ParentTree entries for MCID {bad[:8]} do not point to the "
                    "struct element that contains them", number)


def _same(a: Any, b: Any) -> bool:
    try:
        return a.objgen == b.objgen and a.objgen != (0, 0)
    except AttributeError:
        return False


def _number_tree(node: Any) -> dict[int, Any]:
    result: dict[int, Any] = {}
    if node is None:
        return result
    stack = [node]
    seen = set()
    while stack:
        current = stack.pop()
        if current.is_indirect:
            if current.objgen in seen:
                continue
            seen.add(current.objgen)
        nums = current.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums) - 1, 2):
                result[int(nums[i])] = nums[i + 1]
        for kid in current.get("/Kids", []):
            stack.append(kid)
    return result


def _tree_rules(s: PdfStructure, out: _Collector) -> None:
    standard = STANDARD_TYPES_20 if s.pdf_version.startswith("2") else STANDARD_TYPES_17
    headings: list[tuple[int, StructElem]] = []
    reported_roles: set[str] = set()
    ids: dict[str, int] = {}
    for element in s.elements:
        page = element.page
        if element.role not in standard and element.type not in reported_roles:
            reported_roles.add(element.type)
            out.add("role-map", f"structure type /{element.type} is not standard and not "
                    "role-mapped to a standard type", page)
        lang = element.get("/Lang")
        if lang is not None and not _LANG_RE.match(str(lang)):
            out.add("element-lang", f"/{element.type} has /Lang {str(lang)!r}, "
                    "not a language tag", page)
        ident = element.get("/ID")
        if ident is not None:
            ids[str(ident)] = ids.get(str(ident), 0) + 1
        role = element.role
        if re.fullmatch(r"H[1-6]", role):
            headings.append((int(role[1]), element))
        elif role == "Figure":
            alt = element.text_attr("/Alt") or element.text_attr("/ActualText")
            if not alt or not alt.strip():
                out.add("figure-alt", "Figure without /Alt (decorative images must be "
                        "Artifacts)", page)
        elif role == "Table":
            _table_rule(element, out)
        elif role == "Note" and ident is None:
            out.add("note-id", "Note without /ID", page)
    if not headings and len(s.pages) > 1:
        out.add("headings-present", "no H1-H6 headings in a multi-page document")
    previous = 0
    for level, element in headings:
        if previous == 0 and level != 1:
            out.add("first-heading", f"the first heading is H{level}, not H1", element.page)
        elif previous and level > previous + 1:
            out.add("heading-levels", f"H{level} follows H{previous}: level skipped",
                    element.page)
        previous = level


def _table_rule(table: StructElem, out: _Collector) -> None:
    cells = [e for e in table.walk() if e.role in ("TH", "TD")]
    headers_used = any(e.attribute("/Headers") is not None for e in cells if e.role == "TD")
    ths = [e for e in cells if e.role == "TH"]
    if not ths:
        out.add("table-has-headers", "Table without TH cells", table.page)
        return
    tds_without = [e for e in cells if e.role == "TD" and e.attribute("/Headers") is None]
    missing = [e for e in ths if e.attribute("/Scope") is None]
    if missing and (not headers_used or tds_without):
        out.add("table-header-scope", f"{len(missing)} TH cells have no /Scope and the "
                "table's cells do not all use /Headers", missing[0].page)


def _annotation_rules(s: PdfStructure, out: _Collector) -> None:
    tree = s.pdf.Root.get("/StructTreeRoot")
    parent_tree = _number_tree(tree.get("/ParentTree")) if tree is not None else {}
    linked: set[tuple[int, int]] = set()
    link_text: dict[tuple[int, int], str] = {}
    for element in s.elements:
        objrs = [k for k in element.kids if isinstance(k, ObjRef)]
        if element.role == "Link" and not objrs:
            out.add("link-element-objr", "Link element without an OBJR to its annotation",
                    element.page)
        for objr in objrs:
            if objr.annotation is not None and objr.annotation.is_indirect:
                linked.add(objr.annotation.objgen)
                link_text[objr.annotation.objgen] = _text_of(s, element)
                key = objr.annotation.get("/StructParent")
                if key is None or not _same(parent_tree.get(int(key)), element.obj):
                    out.add("parent-tree", "annotation /StructParent does not map back to "
                            "its struct element", objr.page)
    for number, page in enumerate(s.pdf.pages):
        annots = page.obj.get("/Annots")
        if not annots:
            continue
        if page.obj.get("/Tabs") != "/S":
            out.add("tab-order", "page with annotations has no /Tabs /S", number,
                    checkpoint="28-008" if "/Tabs" not in page.obj else "28-009")
        for annot in annots:
            subtype = annot.get("/Subtype")
            if subtype in ("/Popup", "/PrinterMark"):
                continue
            contents = annot.get("/Contents")
            text = str(contents).strip() if contents is not None else ""
            if subtype == "/Link":
                if annot.objgen not in linked:
                    out.add("link-annotation-tagged", "Link annotation is not in a Link "
                            f"structure element (/Contents {text!r})", number)
                if not text:
                    out.add("link-contents", "Link annotation without /Contents", number)
                elif _raw_target(annot, text) and "".join(text.split()) != "".join(
                        link_text.get(annot.objgen, "").split()):
                    out.add("link-contents", f"Link annotation /Contents {text!r} is a raw "
                            "target, not a description", number)
            elif subtype != "/Widget" and not text:
                out.add("annotation-contents", f"{subtype} annotation without /Contents",
                        number)


def _raw_target(annot: Any, text: str) -> bool:
    """Whether /Contents is just the link target (URL, "#id", destination name)."""
    if text.startswith("#") or re.fullmatch(r"[a-z][a-z0-9+.-]*:\S+", text):
        return True
    dest = annot.get("/Dest")
    if isinstance(dest, (pikepdf.String, pikepdf.Name)) and str(dest).lstrip("/") == text:
        return True
    action = annot.get("/A")
    if action is not None and str(action.get("/URI", "")) == text:
        return True
    return False


def _font_rules(s: PdfStructure, out: _Collector) -> None:
    for font in s.fonts.values():
        obj = font.obj
        descendants = obj.get("/DescendantFonts")
        target = descendants[0] if descendants is not None else obj
        if obj.get("/Subtype") == "/Type3":
            embedded = True
        else:
            descriptor = target.get("/FontDescriptor")
            embedded = descriptor is not None and any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if not embedded:
            out.add("font-embedded", f"font {font.name} is not embedded")
        if not font.has_to_unicode:
            out.add("font-tounicode", f"font {font.name} has no ToUnicode CMap")
    for number, page in enumerate(s.pages):
        for name, codes in sorted(page.unmapped.items()):
            out.add("glyph-unicode", f"{len(codes)} character codes of font {name} have no "
                    "Unicode mapping", number)


_SPLITTABLE = {"P", "L", "Table", "BlockQuote", "Caption", "Code"}
_CONTAINERS = {"Sect", "Div", "Art", "Part", "Aside", "BlockQuote", "L", "LI", "LBody",
               "Note", "TOC"}
_SENTENCE_END = re.compile(r"[.!?:;…\"”’')\]]\s*$")


def _text_of(s: PdfStructure, element: StructElem) -> str:
    parts = []
    for ref in element.mcrefs():
        if 0 <= ref.page < len(s.pages):
            mark = s.pages[ref.page].marks.get(ref.mcid)
            if mark is not None:
                parts.append(mark.read)
    return " ".join(" ".join(parts).split())


def _split_pair(s: PdfStructure, first: StructElem, second: StructElem,
                out: _Collector, depth: int = 0) -> bool:
    """Report whether two adjacent siblings are one element cut by a page break."""
    if first.role != second.role or depth > 20:
        return False
    first_pages, second_pages = first.pages(), second.pages()
    if not first_pages or not second_pages or min(second_pages) != max(first_pages) + 1:
        return False
    if first.role in _SPLITTABLE:
        if first.role == "P" and _SENTENCE_END.search(_text_of(s, first)):
            return False
        out.add("split-element", f"/{first.role} is split into two struct elements at "
                f"the break to page {min(second_pages) + 1}", max(first_pages))
        if first.role == "Table":
            head = [e for e in second.kids if isinstance(e, StructElem)]
            first_head = [e for e in first.kids if isinstance(e, StructElem)]
            if head and first_head and head[0].role == "THead" and \
                    _text_of(s, head[0]) == _text_of(s, first_head[0]):
                out.add("repeated-table-header", "the table header repeated on page "
                        f"{min(second_pages) + 1} is tagged as real content: it is read "
                        "twice", min(second_pages))
        return True
    if first.role in _CONTAINERS:
        last_kids = [k for k in first.kids if isinstance(k, StructElem)]
        first_kids = [k for k in second.kids if isinstance(k, StructElem)]
        if last_kids and first_kids:
            return _split_pair(s, last_kids[-1], first_kids[0], out, depth + 1)
    return False


def _split_rules(s: PdfStructure, out: _Collector) -> None:
    for parent in s.elements:
        kids = [k for k in parent.kids if isinstance(k, StructElem)]
        for first, second in zip(kids, kids[1:]):
            _split_pair(s, first, second, out)
    # Repeated header inside one Table element (two THead with the same text).
    for table in s.elements:
        if table.role != "Table":
            continue
        heads = [e for e in table.kids if isinstance(e, StructElem) and e.role == "THead"]
        texts = [_text_of(s, h) for h in heads]
        if len(texts) != len(set(texts)):
            out.add("repeated-table-header", "a table header is tagged twice", table.page)


def _text_rules(s: PdfStructure, out: _Collector) -> None:
    text = s.tree_text()
    broken = _BROKEN_RE.findall(text)
    if broken:
        sample = ", ".join(f"{a}‐ {b}" for a, b in broken[:5])
        out.add("broken-words", f"{len(broken)} words read broken by hyphenation from the "
                f"structure tree (e.g. {sample}); mark them with /ActualText")


# ----------------------------------------------------------------------------


def format_text(reports: Iterable[AuditReport]) -> str:
    """A readable report: one block per file, one line per finding."""
    lines: list[str] = []
    total_errors = total_warnings = 0
    for report in reports:
        errors, warnings = len(report.errors), len(report.warnings)
        total_errors += errors
        total_warnings += warnings
        status = "ok" if report.ok else "FAIL"
        lines.append(f"{report.path}: {status} ({errors} errors, {warnings} warnings)")
        for f in report.findings:
            where = f" page {f.page}" if f.page is not None else ""
            lines.append(f"  {f.severity:<7} {f.checkpoint:<10} {f.rule_id}{where}: "
                         f"{f.message}")
    lines.append(f"{total_errors} errors, {total_warnings} warnings")
    return "\n".join(lines) + "\n"


def format_json(reports: Iterable[AuditReport]) -> str:
    """The reports as JSON: a list of {path, ok, findings: [...]}."""
    data = [{"path": r.path, "ok": r.ok, "errors": len(r.errors),
             "warnings": len(r.warnings),
             "findings": [asdict(f) for f in r.findings]} for r in reports]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
