"""The review policy: what an approved condition must carry before it reaches a patient.

Takes: the site (contacts, feedback route, ``review_policy``) and one
condition. Gives: diagnostics at ``file:line``. Pure: no I/O.

Rules (PIF TICK criteria; NHS Accessible Information Standard):

* an **approved** condition without ``reviewers``, ``reviewed_on``,
  ``review_due`` or at least one ``sources`` entry is an error, one line each;
* ``review_due`` more than ``review_policy.max_interval_years`` (default 3)
  after ``reviewed_on``, or before it, is an error;
* an approved condition while ``site.yaml`` has no phone and no e-mail, or
  no ``feedback`` route, is a warning (patients could not contact the clinic);
* a review field written but left empty (``reviewers: []``, ``reviewed_on:``)
  in a **draft**, and a ``contacts`` or ``feedback`` entry written but left
  empty in ``site.yaml`` (``phone: ""``), are warnings at their line: the
  clinic sees every field it still has to supply.

(An overdue ``review_due`` stays a warning: see :mod:`.validate`.)
"""

from __future__ import annotations

import datetime as dt

from . import model as m
from .errors import Diagnostic, Severity


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def missing_review_fields(c: m.Condition) -> tuple[str, ...]:
    """The review fields ``c`` lacks, by their front-matter names."""
    have = {
        "reviewers": bool(c.reviewers),
        "reviewed_on": c.reviewed_on is not None,
        "review_due": c.review_due is not None,
        "sources": bool(c.sources),
    }
    return tuple(name for name, ok in have.items() if not ok)


def check_policy(site: m.Site, c: m.Condition) -> list[Diagnostic]:
    """Every review-policy problem of one condition."""
    diags: list[Diagnostic] = []
    missing = missing_review_fields(c)
    if c.status == "approved":
        for name in missing:
            diags.append(
                Diagnostic(
                    c.at(name) if name in c.field_lines else c.at("status"),
                    f"approved, but no '{name}': {_WHY[name]}",
                    code="review-policy",
                )
            )
        diags.extend(_interval(site, c))
        contacts = site.contacts
        if not (contacts.phone or contacts.email):
            diags.append(
                Diagnostic(
                    c.at("status"),
                    "approved, but site.yaml 'contacts' has no "
                    "phone and no email: the leaflet gives patients no way to "
                    "contact the clinic",
                    Severity.WARNING,
                    "contacts",
                )
            )
        if not site.feedback:
            diags.append(
                Diagnostic(
                    c.at("status"),
                    "approved, but site.yaml has no 'feedback' "
                    "route (email, url or phone): patients cannot say what they "
                    "think of this information",
                    Severity.WARNING,
                    "feedback",
                )
            )
    else:
        diags.extend(_interval(site, c))
        for name in missing:
            if name in c.field_lines:  # written but left empty: the clinic must supply it
                diags.append(
                    Diagnostic(
                        c.at(name),
                        f"'{name}' is empty: to be supplied before the condition can be approved",
                        Severity.WARNING,
                        "to-be-supplied",
                    )
                )
    return diags


def check_site_policy(site: m.Site) -> list[Diagnostic]:
    """Contact and feedback entries written but left empty in site.yaml, one warning each."""
    return [
        Diagnostic(
            where,
            f"'{name}' is empty: to be supplied by the clinic (leaflets show "
            "how to contact the clinic and where to send comments)",
            Severity.WARNING,
            "to-be-supplied",
        )
        for name, where in site.to_supply
    ]


_WHY = {
    "reviewers": "name the clinicians who reviewed it (reviewers: [...])",
    "reviewed_on": "give the date of the review (reviewed_on: YYYY-MM-DD)",
    "review_due": "give the date of the next review (review_due: YYYY-MM-DD)",
    "sources": "list at least one source the text is based on (sources: ...)",
}


def _interval(site: m.Site, c: m.Condition) -> list[Diagnostic]:
    if not (c.reviewed_on and c.review_due):
        return []
    years = site.review_policy.max_interval_years
    latest = add_years(c.reviewed_on, years)
    if c.review_due < c.reviewed_on:
        return [
            Diagnostic(
                c.at("review_due"),
                f"review_due {c.review_due.isoformat()} is before reviewed_on {c.reviewed_on.isoformat()}",
                code="review-interval",
            )
        ]
    if c.review_due > latest:
        return [
            Diagnostic(
                c.at("review_due"),
                f"review_due {c.review_due.isoformat()} is more "
                f"than {years} years after reviewed_on {c.reviewed_on.isoformat()}: "
                f"review by {latest.isoformat()} at the latest (site.yaml "
                "review_policy)",
                code="review-interval",
            )
        ]
    return []
