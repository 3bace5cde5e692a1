"""What every output says about where its information comes from, and where else it exists.

Takes: a condition (with the translations the loader found) and the site.
Gives, for the templates and the writers:

* :func:`facts` → :class:`Facts`, one frozen record of who produced, wrote
  and reviewed the text, when, its version, sources and feedback route: the
  visible "About this information" block, the web page's JSON-LD, the EPUB's
  and the PDF's metadata are all made from it;
* :func:`availability` → :class:`Availability`: the "other formats and
  languages" sentence, derived from :data:`benech_publish.options.FORMATS`
  (every format the library can build, so a new format appears by itself)
  and the condition's other language editions (only approved ones for an
  approved condition);
* :func:`json_ld` → the ``MedicalWebPage`` JSON-LD of a web page
  (schema.org, as the NHS website content API publishes it);
* :func:`citation` → a source as one line of text.

Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import i18n
from . import model as m
from .errors import RenderError
from .options import FORMATS


@dataclass(frozen=True)
class Facts:
    """Provenance of one condition in one language (input of every metadata writer)."""

    title: str
    lang: str
    summary: str
    keywords: tuple[str, ...]
    publisher: str  # the clinic ("produced by")
    publisher_url: str
    authors: tuple[str, ...]
    reviewers: tuple[str, ...]
    reviewed_on: dt.date | None
    review_due: dt.date | None
    last_updated: dt.date | None
    version: str
    sources: tuple[m.Source, ...]
    url: str  # the online version
    feedback: m.Feedback
    approved: bool


def facts(condition: m.Condition, site: m.Site) -> Facts:
    return Facts(
        title=condition.title,
        lang=condition.lang,
        summary=condition.summary,
        keywords=condition.keywords,
        publisher=site.name,
        publisher_url=site.website,
        authors=condition.authors,
        reviewers=condition.reviewers,
        reviewed_on=condition.reviewed_on,
        review_due=condition.review_due,
        last_updated=condition.last_updated,
        version=condition.version,
        sources=condition.sources,
        url=condition.source_url or site.website,
        feedback=site.feedback,
        approved=condition.status == "approved",
    )


def citation(source: m.Source) -> str:
    """``Authors or publisher (year). Title.`` (the link is shown beside it)."""
    by = source.by
    year = f" ({source.year})" if source.year else ""
    head = f"{by}{year}. " if by else (f"{source.year}. " if source.year else "")
    title = source.title if source.title.endswith((".", "?", "!")) else source.title + "."
    return head + title


# --------------------------------------------------------------------------- other formats


@dataclass(frozen=True)
class Availability:
    """The "other formats and languages" facts of one condition, with its sentences."""

    formats: tuple[str, ...]  # format names, from options.FORMATS
    formats_sentence: str
    languages: tuple[m.Translation, ...]
    languages_sentence: str  # "" when there is no other language
    url: str


def language_name(lang: str, in_lang: str) -> str:
    """``Italian (italiano)`` for an English reader; the code itself for an unknown language."""
    from babel import Locale, UnknownLocaleError  # Babel: only when something is rendered

    try:
        locale = Locale.parse(lang.replace("-", "_"))
        name = locale.get_display_name(in_lang.replace("-", "_")) or lang
        own = locale.get_display_name(locale) or lang
    except (UnknownLocaleError, ValueError):
        return lang
    return name if name.lower() == own.lower() else f"{name} ({own})"


def _list(items: Iterable[str], lang: str) -> str:
    from babel.lists import format_list

    locale = i18n.DATE_LOCALES.get(lang.split("-")[0], "en_GB")
    return format_list(list(items), locale=locale)


def availability(condition: m.Condition, site: m.Site, formats: tuple[str, ...] = FORMATS) -> Availability:
    """Which formats and languages this condition exists in (raises if a format has no label)."""
    L = i18n.labels(condition.lang)
    names = []
    for fmt in formats:
        key = f"format_{fmt}"
        if key not in L:
            raise RenderError(
                f"format '{fmt}' has no label '{key}' in i18n.py: the 'other formats' sentence cannot name it"
            )
        names.append(L[key])
    formats_sentence = L["formats_sentence"].format(formats=_list(names, condition.lang))
    # An approved text points patients only to approved translations.
    others = tuple(
        t for t in condition.translations if t.lang != condition.lang and (t.approved or condition.status != "approved")
    )
    languages_sentence = ""
    if others:
        languages_sentence = L["languages_sentence"].format(
            languages=_list((language_name(t.lang, condition.lang) for t in others), condition.lang)
        )
    return Availability(
        tuple(formats), formats_sentence, others, languages_sentence, condition.source_url or site.website
    )


def with_translations(conditions: list[m.Condition]) -> list[m.Condition]:
    """Each condition with the other language editions of its id (in the given order)."""
    by_id: dict[str, list[m.Condition]] = defaultdict(list)
    for c in conditions:
        if c.id:
            by_id[c.id].append(c)
    out = []
    for c in conditions:
        others = tuple(
            m.Translation(o.lang, o.title, o.source_url, o.status == "approved")
            for o in by_id.get(c.id, [])
            if o.lang != c.lang
        )
        out.append(dataclasses.replace(c, translations=others) if others else c)
    return out


# --------------------------------------------------------------------------- JSON-LD


def _person(name: str) -> dict[str, str]:
    return {"@type": "Person", "name": name}


def _creative_work(source: m.Source) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork", "name": source.title}
    if source.authors:
        work["author"] = [_person(a) for a in source.authors]
    if source.publisher:
        work["publisher"] = {"@type": "Organization", "name": source.publisher}
    if source.year:
        work["datePublished"] = str(source.year)
    if source.url:
        work["url"] = source.url
    if source.doi:
        work["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": source.doi}
        work.setdefault("url", source.link)
    return work


def json_ld_data(f: Facts, translations: tuple[m.Translation, ...] = ()) -> dict[str, Any]:
    """The ``MedicalWebPage`` object of a condition page (only facts the content gives)."""
    publisher: dict[str, Any] = {"@type": "MedicalOrganization", "name": f.publisher}
    if f.publisher_url:
        publisher["url"] = f.publisher_url
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": f.title,
        "inLanguage": f.lang,
        "about": {"@type": "MedicalCondition", "name": f.title},
        "audience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "publisher": publisher,
    }
    if f.summary:
        data["description"] = f.summary
    if f.url:
        data["url"] = f.url
    if f.keywords:
        data["keywords"] = ", ".join(f.keywords)
    data["author"] = [_person(a) for a in f.authors] if f.authors else publisher
    if f.reviewers:
        data["reviewedBy"] = [_person(r) for r in f.reviewers]
    if f.reviewed_on:
        data["lastReviewed"] = f.reviewed_on.isoformat()
    if f.last_updated:
        data["datePublished"] = f.last_updated.isoformat()
        data["dateModified"] = f.last_updated.isoformat()
    if f.version:
        data["version"] = f.version
    if f.sources:
        data["citation"] = [_creative_work(s) for s in f.sources]
    if f.feedback.email or f.feedback.phone or f.feedback.url:
        point: dict[str, Any] = {"@type": "ContactPoint", "contactType": "feedback"}
        if f.feedback.email:
            point["email"] = f.feedback.email
        if f.feedback.phone:
            point["telephone"] = f.feedback.phone
        if f.feedback.url:
            point["url"] = f.feedback.url
        publisher["contactPoint"] = point
    if translations:
        data["workTranslation"] = [
            {"@type": "MedicalWebPage", "inLanguage": t.lang, "name": t.title, **({"url": t.url} if t.url else {})}
            for t in translations
        ]
    return data


def json_ld(condition: m.Condition, site: m.Site) -> str:
    """The JSON-LD text for a ``<script type="application/ld+json">`` (safe in HTML and XML)."""
    text = json.dumps(
        json_ld_data(facts(condition, site), availability(condition, site).languages),
        ensure_ascii=False,
        indent=1,
        sort_keys=False,
    )
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


# --------------------------------------------------------------------------- EPUB metadata


@dataclass(frozen=True)
class BookMetadata:
    """Provenance of a booklet in EPUB package vocabulary (Dublin Core, MARC relators, schema.org)."""

    contributors: tuple[tuple[str, str], ...]  # (name, MARC relator code): aut, rev
    metas: tuple[tuple[str, str], ...]  # (property, value)


def book_metadata(chapters: Iterable[Facts]) -> BookMetadata:
    """What the OPF can say about its chapters' provenance.

    Authors (``aut``) and reviewers (``rev``) of every chapter as
    ``dc:contributor``; every source as ``dcterms:references``; and
    ``schema:lastReviewed`` = the *oldest* review date, only when every chapter
    was reviewed (so it never claims a review a chapter did not have).
    """
    chapters = tuple(chapters)
    people: list[tuple[str, str]] = []
    for f in chapters:
        for name in f.authors:
            if (name, "aut") not in people:
                people.append((name, "aut"))
        for name in f.reviewers:
            if (name, "rev") not in people:
                people.append((name, "rev"))
    metas: list[tuple[str, str]] = []
    dates = [f.reviewed_on for f in chapters]
    if chapters and all(d is not None for d in dates):
        metas.append(("schema:lastReviewed", min(d for d in dates if d).isoformat()))
    seen: set[str] = set()
    for f in chapters:
        for source in f.sources:
            text = citation(source) + (f" {source.link}" if source.link else "")
            if text not in seen:
                seen.add(text)
                metas.append(("dcterms:references", text))
    return BookMetadata(tuple(people), tuple(metas))


def template_globals() -> dict[str, Any]:
    """What the templates call: ``about(condition, site)``, ``availability(...)``,
    ``json_ld(...)``, ``citation(source)``."""
    return {"about": facts, "availability": availability, "json_ld": json_ld, "citation": citation}
