"""The audit's rule table, its findings and the two report formats.

Every rule has an id, the Matterhorn Protocol 1.1 failure condition ("checkpoint")
it reports, a severity and a one-line description.  A numeric id (``7.2-17``) is
the rule of the same id in veraPDF's PDF/UA-1 validation profile
(``PDF_UA/PDFUA-1.xml``, ISO 14289-1 clause and test number); a word id
(``duplicate-annotation``) is a check of ours beyond that profile.  Where
Matterhorn has no failure condition for a rule, the checkpoint names the ISO
clause or the WCAG 2.2 success criterion instead.  ``docs/audit.md`` has the
table with what each rule checks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import NamedTuple


class Rule(NamedTuple):
    checkpoint: str
    severity: str  # 'error' | 'warning'
    description: str


_TABLE = "09-004"
_LIST = "09-005"
_TOC = "09-006"

#: rule id -> (Matterhorn checkpoint, severity, what it checks)
RULES: dict[str, Rule] = {
    # -- veraPDF PDF/UA-1 profile ------------------------------------------------
    "5-1": Rule("06-002", "error", "XMP metadata has the PDF/UA identification (pdfuaid:part)"),
    "5-2": Rule("06-002", "error", "pdfuaid:part is 1 (2 only in a PDF 2.0 file)"),
    "5-3": Rule("06-002", "error", "pdfuaid:part uses the pdfuaid prefix"),
    "5-4": Rule("06-002", "error", "pdfuaid:amd uses the pdfuaid prefix"),
    "5-5": Rule("06-002", "error", "pdfuaid:corr uses the pdfuaid prefix"),
    "6.1-1": Rule("ISO 14289-1 6.1", "error", "a PDF/UA-1 file's header is %PDF-1.0 to %PDF-1.7"),
    "6.2-1": Rule("ISO 14289-1 6.2", "error", "MarkInfo /Marked is true"),
    "7.1-1": Rule("01-003", "error", "no artifact inside tagged content"),
    "7.1-2": Rule("01-004", "error", "no tagged content inside an artifact"),
    "7.1-3": Rule("01-005", "error", "content is tagged (reachable from the structure tree) or an artifact"),
    "7.1-4": Rule("01-007", "error", "MarkInfo /Suspects is not true"),
    "7.1-5": Rule("02-001", "error", "non-standard structure types role-map to a standard type"),
    "7.1-6": Rule("02-002", "error", "no circular role mapping"),
    "7.1-7": Rule("02-003", "error", "standard structure types are not remapped"),
    "7.1-8": Rule("06-001", "error", "the catalog has an XMP metadata stream (/Type /Metadata, /Subtype /XML)"),
    "7.1-9": Rule("06-003", "error", "XMP metadata has a non-empty dc:title"),
    "7.1-10": Rule("07-001", "error", "ViewerPreferences /DisplayDocTitle is true (07-002 when false)"),
    "7.1-11": Rule("01-005", "error", "the catalog has a StructTreeRoot with kids"),
    "7.1-12": Rule("ISO 32000-1 14.7.2", "error", "every structure element has /P (parent)"),
    "7.2-2": Rule("11-003", "error", "outline entries' language is determined (catalog /Lang)"),
    "7.2-3": Rule(_TABLE, "error", "Table kids are only TR, THead, TBody, TFoot, Caption"),
    "7.2-4": Rule(_TABLE, "error", "TR is in Table, THead, TBody or TFoot"),
    "7.2-5": Rule(_TABLE, "error", "THead is in Table"),
    "7.2-6": Rule(_TABLE, "error", "TBody is in Table"),
    "7.2-7": Rule(_TABLE, "error", "TFoot is in Table"),
    "7.2-8": Rule(_TABLE, "error", "TH is in TR"),
    "7.2-9": Rule(_TABLE, "error", "TD is in TR"),
    "7.2-10": Rule(_TABLE, "error", "TR kids are only TH and TD"),
    "7.2-11": Rule(_TABLE, "error", "a Table has at most one THead"),
    "7.2-12": Rule(_TABLE, "error", "a Table has at most one TFoot"),
    "7.2-13": Rule(_TABLE, "error", "a Table with TFoot has TBody"),
    "7.2-14": Rule(_TABLE, "error", "a Table with THead has TBody"),
    "7.2-16": Rule(_TABLE, "error", "a Table's Caption is its first or last kid"),
    "7.2-17": Rule(_LIST, "error", "LI is in L"),
    "7.2-18": Rule(_LIST, "error", "LBody is in LI"),
    "7.2-19": Rule(_LIST, "error", "L kids are only L, LI and Caption"),
    "7.2-20": Rule(_LIST, "error", "LI kids are only Lbl and LBody"),
    "7.2-21": Rule("11-002", "error", "ActualText has a determined language"),
    "7.2-22": Rule("11-002", "error", "Alt has a determined language"),
    "7.2-23": Rule("11-002", "error", "E (expansion) has a determined language"),
    "7.2-24": Rule("11-004", "error", "annotation Contents have a determined language"),
    "7.2-26": Rule(_TOC, "error", "TOCI is in TOC"),
    "7.2-27": Rule(_TOC, "error", "TOC kids are only TOC, TOCI and Caption"),
    "7.2-28": Rule(_TOC, "error", "a TOC's Caption is its first kid"),
    "7.2-29": Rule("11-001", "error", "every /Lang is a language tag"),
    "7.2-30": Rule("11-002", "error", "ActualText of Span marked content has a determined language"),
    "7.2-31": Rule("11-002", "error", "Alt of Span marked content has a determined language"),
    "7.2-32": Rule("11-002", "error", "E of Span marked content has a determined language"),
    "7.2-33": Rule("11-006", "error", "metadata language is determined (catalog /Lang)"),
    "7.2-34": Rule("11-001", "error", "page text has a determined language"),
    "7.2-36": Rule(_TABLE, "error", "THead kids are only TR"),
    "7.2-37": Rule(_TABLE, "error", "TBody kids are only TR"),
    "7.2-38": Rule(_TABLE, "error", "TFoot kids are only TR"),
    "7.2-39": Rule(_TABLE, "error", "a Table has at most one Caption"),
    "7.2-40": Rule(_LIST, "error", "an L's Caption is its first kid"),
    "7.2-41": Rule(_TABLE, "error", "row spans stay inside the table"),
    "7.2-42": Rule(_TABLE, "error", "every table row has the same number of columns"),
    "7.2-43": Rule(_TABLE, "error", "column spans do not make a row wider than the table"),
    "7.3-1": Rule("13-004", "error", "every Figure has /Alt or /ActualText"),
    "7.4.2-1": Rule("14-003", "error", "numbered headings start at H1 (14-002) and skip no level (14-003)"),
    "7.4.4-1": Rule("14-006", "error", "a node has at most one H kid"),
    "7.4.4-2": Rule("14-007", "error", "no H in a document that uses H1-H6"),
    "7.4.4-3": Rule("14-007", "error", "no H1-H6 in a document that uses H"),
    "7.5-1": Rule("15-003", "error", "every TD has a header (TH with Scope or /Headers)"),
    "7.5-2": Rule("15-003", "error", "/Headers name the IDs of cells in the table"),
    "7.7-1": Rule("17-002", "error", "every Formula has /Alt or /ActualText"),
    "7.9-1": Rule("19-003", "error", "every Note has an /ID"),
    "7.9-2": Rule("19-004", "error", "Note IDs are unique"),
    "7.10-1": Rule("20-001", "error", "optional content configurations have a /Name"),
    "7.10-2": Rule("20-003", "error", "optional content configurations have no /AS"),
    "7.11-1": Rule("21-001", "error", "embedded file specifications have /F and /UF"),
    "7.15-1": Rule("25-001", "error", "no dynamic XFA form"),
    "7.16-1": Rule("26-002", "error", "encryption allows assistive technology to extract text"),
    "7.18.1-1": Rule("28-002", "error", "annotations other than Link, Widget, PrinterMark are in an Annot element"),
    "7.18.1-2": Rule("28-004", "error", "annotations (not Widget) have /Contents or an Alt on their element"),
    "7.18.2-1": Rule("28-007", "error", "no TrapNet annotation"),
    "7.18.3-1": Rule("28-008", "error", "pages with annotations have /Tabs /S (28-009 when another value)"),
    "7.18.4-1": Rule("28-010", "error", "Widget annotations are in a Form element"),
    "7.18.5-1": Rule("28-011", "error", "Link annotations are in a Link element"),
    "7.18.5-2": Rule("28-012", "error", "Link annotations have /Contents"),
    "7.18.8-1": Rule("28-017", "error", "PrinterMark annotations are not in the structure tree"),
    "7.20-1": Rule("30-001", "error", "no reference XObject"),
    "7.21.3.1-1": Rule("31-001", "error", "a Type 0 font's CIDSystemInfo matches its CMap"),
    "7.21.3.2-1": Rule("31-005", "error", "an embedded CIDFontType2 has /CIDToGIDMap"),
    "7.21.3.3-1": Rule("31-006", "error", "a non-predefined CMap is embedded"),
    "7.21.4.1-1": Rule("31-009", "error", "fonts used for text are embedded"),
    "7.21.4.1-2": Rule("31-011", "error", "the embedded font program has every glyph shown"),
    "7.21.4.2-2": Rule("31-014", "error", "a CID subset's CIDSet lists every glyph of the font program"),
    "7.21.5-1": Rule("31-016", "error", "widths in the font dictionary match the font program"),
    "7.21.7-1": Rule("10-001", "error", "every code shown maps to Unicode (31-027: the font has no ToUnicode)"),
    "7.21.7-2": Rule("31-029", "error", "ToUnicode values are not U+0000 (31-028), U+FEFF or U+FFFE"),
    "7.21.8-1": Rule("31-030", "error", "no code shown maps to the .notdef glyph"),
    # -- ours: structure the profile does not check -------------------------------------
    "cannot-read": Rule("ISO 32000-1 7", "error", "the file (or a part of it) can be read"),
    "parent-tree": Rule(
        "ISO 32000-1 14.7.4.4",
        "error",
        "the ParentTree maps every MCID and annotation back to its element; no MCID used twice on a page",
    ),
    "duplicate-id": Rule("ISO 32000-1 14.7.2", "error", "structure element IDs are unique"),
    "split-element": Rule("01-006", "error", "no P, L or Table split into two elements at a page break"),
    "repeated-table-header": Rule("01-001", "error", "a table header repeated on a new page is an artifact"),
    "headings-present": Rule("14-001", "warning", "a multi-page document has headings"),
    "table-has-headers": Rule("15-005", "warning", "a Table has TH cells"),
    "link-description": Rule(
        "28-012", "error", "a Link's /Contents describes it (not a bare URL or #id that differs from the link text)"
    ),
    # -- ours: what a PDF Accessibility Checker (PAC) user expects ----------------------
    "duplicate-annotation": Rule(
        "WCAG 2.4.3", "error", "no two annotations on a page with the same rectangle and target"
    ),
    "zero-area-annotation": Rule("WCAG 2.4.7", "error", "no annotation with a zero-area rectangle"),
    "whitespace-text": Rule("WCAG 1.3.1", "warning", "no tagged content that is only whitespace"),
    "empty-th": Rule("WCAG 1.3.1", "error", "no empty TH"),
    "empty-p": Rule("WCAG 1.3.1", "warning", "no empty P"),
    "broken-word": Rule(
        "ISO 32000-1 14.8.2.5",
        "error",
        "no word read broken at a hyphenation break (a hyphen the typesetter inserted, without /ActualText)",
    ),
}


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
    #: The PDF/UA part the file declares (``pdfuaid:part``), if any. The rules
    #: checked are PDF/UA-1's whatever it declares (see :attr:`checked_against`).
    declared_part: str | None = None

    @property
    def checked_against(self) -> str:
        return "PDF/UA-1"

    @property
    def note(self) -> str:
        """What a reader of the report must know beyond the findings."""
        if self.declared_part and self.declared_part != "1":
            return (
                f"declares PDF/UA-{self.declared_part}, but only the PDF/UA-1 rules were "
                f"checked: PDF/UA-{self.declared_part} conformance is not audited"
            )
        return ""

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(f.rule_id for f in self.findings)


class Collector:
    """Collects the findings of one audit; rules call :meth:`add`."""

    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, rule_id: str, message: str, page: int | None = None, *, checkpoint: str | None = None) -> None:
        """Record a finding; ``page`` is 0-based (reported 1-based)."""
        rule = RULES[rule_id]
        self.findings.append(
            Finding(
                rule_id,
                checkpoint or rule.checkpoint,
                rule.severity,
                message,
                None if page is None or page < 0 else page + 1,
            )
        )


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
        if report.note:
            lines.append(f"  note: {report.note}")
        for f in report.findings:
            where = f" page {f.page}" if f.page is not None else ""
            lines.append(f"  {f.severity:<7} {f.checkpoint:<10} {f.rule_id}{where}: {f.message}")
    lines.append(f"{total_errors} errors, {total_warnings} warnings")
    return "\n".join(lines) + "\n"


def format_json(reports: Iterable[AuditReport]) -> str:
    """The reports as JSON: a list of {path, ok, errors, warnings, declared_part,
    checked_against, note, findings: [...]}."""
    data = [
        {
            "path": r.path,
            "ok": r.ok,
            "errors": len(r.errors),
            "warnings": len(r.warnings),
            "declared_part": r.declared_part,
            "checked_against": r.checked_against,
            "note": r.note,
            "findings": [asdict(f) for f in r.findings],
        }
        for r in reports
    ]
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
