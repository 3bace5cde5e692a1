"""Audit a PDF against the machine-checkable rules of PDF/UA-1 and reading-quality checks.

``audit_pdf(path_or_bytes)`` returns an :class:`AuditReport` whose ``findings`` each
name a rule (:data:`RULES`: a veraPDF PDF/UA-1 profile rule id such as ``7.2-17``, or
a word id for a check of ours), its Matterhorn Protocol checkpoint, a severity and a
message.  ``format_text`` and ``format_json`` render reports.  The
``benech-publish audit`` command and ``build`` call these; nothing here prints or exits.

The audit never raises on a damaged file: what cannot be read is a ``cannot-read``
finding.  It reads PDFs with pikepdf (and font programs with fontTools) and never
imports the typesetting code.  Each page's content is parsed once
(:mod:`.structure`); the rules live in :mod:`.document`, :mod:`.tree`,
:mod:`.annotations`, :mod:`.fonts` and :mod:`.quality`.  ``docs/audit.md`` lists
every rule and what is not covered.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pikepdf

from .annotations import annotation_rules
from .document import (
    catalog_rules,
    content_rules,
    header_rules,
    metadata_rules,
    number_tree,
    owners,
)
from .fonts import font_rules
from .quality import quality_rules
from .report import RULES, AuditReport, Collector, Finding, Rule, format_json, format_text
from .structure import PdfStructure, read_structure
from .tree import tree_rules

T = TypeVar("T")

__all__ = [
    "RULES",
    "AuditReport",
    "Finding",
    "Rule",
    "audit_pdf",
    "format_json",
    "format_text",
]


def audit_pdf(path_or_bytes: str | Path | bytes) -> AuditReport:
    """Audit one PDF (a path or the PDF's bytes) and return its report."""
    out = Collector()
    if isinstance(path_or_bytes, (bytes, bytearray)):
        label, data = "<bytes>", bytes(path_or_bytes)
    else:
        label = str(path_or_bytes)
        try:
            data = Path(path_or_bytes).read_bytes()
        except OSError as exc:
            out.add("cannot-read", f"cannot read: {exc.strerror or exc}")
            return AuditReport(label, tuple(out.findings))
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except (pikepdf.PdfError, ValueError, OSError, RecursionError) as exc:
        out.add("cannot-read", f"cannot read: not a readable PDF ({_short(exc)})")
        return AuditReport(label, tuple(out.findings))
    with pdf:
        structure = _guarded(out, "the structure tree and page content", lambda: read_structure(pdf))
        part = _run_rules(data, structure, out) if structure is not None else None
    return AuditReport(label, tuple(out.findings), declared_part=part)


def _run_rules(data: bytes, s: PdfStructure, out: Collector) -> str | None:
    """Every rule group; returns the PDF/UA part the file declares (pdfuaid:part)."""
    part = _guarded(out, "the XMP metadata", lambda: metadata_rules(s, out))
    _guarded(out, "the file header", lambda: header_rules(data[:1024], s, part, out))
    _guarded(out, "the catalog", lambda: catalog_rules(s, out))
    tree = s.pdf.Root.get("/StructTreeRoot")
    parent_tree = (
        _guarded(
            out,
            "the ParentTree",
            lambda: number_tree(tree.get("/ParentTree") if isinstance(tree, pikepdf.Dictionary) else None),
        )
        or {}
    )
    owned, objr = owners(s)
    _guarded(out, "the marked content", lambda: content_rules(s, owned, parent_tree, out))
    _guarded(out, "the structure tree", lambda: tree_rules(s, out))
    _guarded(out, "the annotations", lambda: annotation_rules(s, parent_tree, objr, out))
    _guarded(out, "the fonts", lambda: font_rules(s, out))
    _guarded(out, "the reading text", lambda: quality_rules(s, out))
    return part


def _guarded(out: Collector, what: str, run: Callable[[], T]) -> T | None:
    """Run one group of rules; a damaged object it trips on is a finding, not a crash."""
    try:
        return run()
    except Exception as exc:
        out.add("cannot-read", f"cannot read {what}: {_short(exc)}")
        return None


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
