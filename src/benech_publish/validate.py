"""Checks that need more than one file: anchors, links, translations, review dates and policy.

Takes: the site and the conditions the loader parsed. Gives: diagnostics
grouped by the file they belong to (``""`` for site-level ones). Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

from . import model as m
from . import urls
from .errors import Diagnostic, Location, Severity
from .policy import check_policy, check_site_policy


def validate_content(
    site: m.Site, conditions: list[m.Condition], root: Path, today: dt.date
) -> dict[str, list[Diagnostic]]:
    out: dict[str, list[Diagnostic]] = defaultdict(list)
    for c in conditions:
        out[c.location.path].extend(_check_condition(c, today))
        out[c.location.path].extend(check_policy(site, c))
    out_site = out[""]
    out_site.extend(check_site_policy(site))
    by_id: dict[str, list[m.Condition]] = defaultdict(list)
    for c in conditions:
        if c.id:
            by_id[c.id].append(c)
    lang_rank = {lang: i for i, lang in enumerate(site.languages)}
    for cid, group in by_id.items():
        seen: dict[str, m.Condition] = {}
        for c in group:
            if c.lang in seen:
                out[c.location.path].append(
                    Diagnostic(
                        c.at("id"),
                        f"id '{cid}' is already used by {seen[c.lang].location.path} in the same language",
                        code="duplicate-id",
                    )
                )
            seen[c.lang] = c
        reference = min(seen.values(), key=lambda c: lang_rank.get(c.lang, 99))
        for c in seen.values():
            if c is not reference:
                out[c.location.path].extend(_compare_translation(c, reference))
    known = set(by_id)
    for cid in site.order:
        if cid not in known:
            out_site.append(
                Diagnostic(
                    site.location,
                    f"site.yaml 'order' names '{cid}', but no condition has that id",
                    Severity.WARNING,
                    "order",
                )
            )
    return out


def _check_condition(c: m.Condition, today: dt.date) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    anchors: dict[str, m.Section] = {}
    for section in c.walk():
        if section.anchor in anchors:
            first = anchors[section.anchor]
            diags.append(
                Diagnostic(
                    section.location,
                    f"duplicate anchor '#{section.anchor}' (first used at line {first.location.line})",
                    code="duplicate-anchor",
                )
            )
        else:
            anchors[section.anchor] = section
    for section in c.walk():
        for block in m.iter_blocks(section.blocks):
            where = getattr(block, "location", section.location)
            for run in m.block_inlines(block):
                for node in m.iter_inlines(run):
                    if isinstance(node, m.Link):
                        diags.extend(_check_link(node, anchors, where))
    if c.review_due and c.review_due < today:
        diags.append(
            Diagnostic(
                c.at("review_due"),
                f"review overdue: review_due is {c.review_due.isoformat()}",
                Severity.WARNING,
                "review-overdue",
            )
        )
    if c.reviewed_on and c.reviewed_on > today:
        diags.append(Diagnostic(c.at("reviewed_on"), "reviewed_on is in the future", Severity.WARNING, "review-date"))
    return diags


def _check_link(link: m.Link, anchors: dict[str, m.Section], where: Location) -> list[Diagnostic]:
    href = link.href
    if href.startswith("#"):
        if href[1:] not in anchors:
            return [
                Diagnostic(
                    where,
                    f"link to a missing anchor '{href}' (this condition has: "
                    f"{', '.join('#' + a for a in anchors) or 'none'})",
                    code="link-anchor",
                )
            ]
        return []
    problem = urls.check_link(href)
    if not problem:
        return []
    return [
        Diagnostic(
            where,
            f"link '{href[:80]}' is not supported ({problem}): use '#anchor' "
            "for this condition, or a full https://, mailto: or tel: address",
            code="link-target",
        )
    ]


def _compare_translation(c: m.Condition, ref: m.Condition) -> list[Diagnostic]:
    mine, theirs = c.anchors, ref.anchors
    if mine == theirs:
        return []
    missing = [a for a in theirs if a not in mine]
    extra = [a for a in mine if a not in theirs]
    parts = []
    if missing:
        parts.append("missing " + ", ".join("#" + a for a in missing))
    if extra:
        parts.append("extra " + ", ".join("#" + a for a in extra))
    if not parts:
        parts.append("same anchors in a different order")
    return [
        Diagnostic(
            c.location,
            f"anchors differ from its translation {ref.location.path}: " + "; ".join(parts),
            code="translation-anchors",
        )
    ]
