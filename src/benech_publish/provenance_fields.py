"""Front-matter and site.yaml fields for provenance and review policy, parsed with their lines.

Takes: a parsed YAML mapping from the loader (anything with ``data``,
``node`` and ``at(key)``) and the diagnostics list. Gives: model values:

* per condition: ``sources`` (:class:`~benech_publish.model.Source`, each
  with the line it was written on) and ``version``;
* in ``site.yaml``: ``feedback``, ``review_policy`` and per-language
  ``readability`` targets.

Problems are added to ``diags`` at ``file:line``; a bad value is left out,
never guessed. The loader calls these; the rules that need more than one
value (an approved condition without sources, ...) are in :mod:`.policy`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any, Protocol

import yaml

from . import model as m
from .errors import Diagnostic, Location, Severity

SOURCE_KEYS = ("title", "authors", "publisher", "year", "url", "doi")
FEEDBACK_KEYS = ("email", "url", "phone")
_KIND_OF = {"email": "e-mail address", "url": "https:// address", "phone": "phone number"}
TARGET_KEYS = tuple(f.name for f in dataclasses.fields(m.ReadabilityTarget))
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_URL_RE = re.compile(r"^https?://[^\s/]+\.[^\s]+$", re.I)
_EMAIL_RE = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


class YamlLike(Protocol):
    data: dict[str, Any]
    node: Any
    location: Location

    def at(self, key: str) -> Location: ...


def _value_node(y: YamlLike, key: str) -> Any:
    if isinstance(y.node, yaml.MappingNode):
        for key_node, value_node in y.node.value:
            if key_node.value == key:
                return value_node
    return None


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


# --------------------------------------------------------------------------- condition


def sources(y: YamlLike, diags: list[Diagnostic]) -> tuple[m.Source, ...]:
    """``sources:`` → one :class:`~benech_publish.model.Source` per valid entry."""
    value = y.data.get("sources")
    if value is None:
        return ()
    if not isinstance(value, list):
        diags.append(
            Diagnostic(
                y.at("sources"),
                "'sources' must be a list of entries, each with title, authors or publisher, year, and url or doi",
                code="sources",
            )
        )
        return ()
    node = _value_node(y, "sources")
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    out: list[m.Source] = []
    for i, raw in enumerate(value):
        where = y.location.at(y.location.line + items[i].start_mark.line) if i < len(items) else y.at("sources")
        source = _source(raw, where, diags)
        if source is not None:
            out.append(source)
    return tuple(out)


def _source(raw: Any, where: Location, diags: list[Diagnostic]) -> m.Source | None:
    if not isinstance(raw, dict):
        diags.append(
            Diagnostic(
                where,
                "a source must be written as 'title: ...', 'publisher: "
                "...' (or 'authors: [...]'), 'year: ...' and 'url: ...' (or "
                "'doi: ...')",
                code="sources",
            )
        )
        return None
    problems: list[str] = []
    for key in raw:
        if key not in SOURCE_KEYS:
            diags.append(
                Diagnostic(
                    where,
                    f"unknown source field '{key}' (known: {', '.join(SOURCE_KEYS)})",
                    Severity.WARNING,
                    "sources",
                )
            )
    title = _text(raw.get("title"))
    if not title:
        problems.append("no 'title'")
    authors_raw = raw.get("authors") or ()
    if isinstance(authors_raw, str):
        authors_raw = [authors_raw]
    authors = tuple(_text(a) for a in authors_raw if _text(a)) if isinstance(authors_raw, list) else ()
    publisher = _text(raw.get("publisher"))
    if not authors and not publisher:
        problems.append("neither 'authors' nor 'publisher'")
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1800 <= year <= dt.date.today().year + 1:
        problems.append(
            "no 'year' of publication (four digits)"
            if year is None
            else f"'year' must be a year such as 2023, not {year!r}"
        )
        year = None
    url, doi = _text(raw.get("url")), _text(raw.get("doi"))
    if doi.lower().startswith(("https://doi.org/", "http://doi.org/", "doi:")):
        doi = doi.split("doi.org/", 1)[-1].removeprefix("doi:").strip()
    if url and not _URL_RE.match(url):
        problems.append(f"'url' must be an http:// or https:// address, not {url!r}")
        url = ""
    if doi and not _DOI_RE.match(doi):
        problems.append(f"'doi' must look like 10.1000/xyz, not {doi!r}")
        doi = ""
    label = f"source '{title}'" if title else "source"
    if problems:
        diags.append(Diagnostic(where, f"{label}: " + "; ".join(problems), code="sources"))
        return None
    if not url and not doi:
        diags.append(
            Diagnostic(where, f"{label}: no 'url' or 'doi': readers cannot find it", Severity.WARNING, "sources")
        )
    return m.Source(title=title, authors=authors, publisher=publisher, year=year, url=url, doi=doi, location=where)


def version(y: YamlLike, diags: list[Diagnostic]) -> str:
    value = y.data.get("version")
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        diags.append(Diagnostic(y.at("version"), "'version' must be short text such as 2 or 2.1", code="front-matter"))
        return ""
    return str(value).strip()


# --------------------------------------------------------------------------- site.yaml


def site_feedback(y: YamlLike, diags: list[Diagnostic]) -> m.Feedback:
    """``feedback: {email, url, phone}``: how patients comment on the information."""
    raw = y.data.get("feedback")
    if raw is None:
        return m.Feedback()
    if not isinstance(raw, dict):
        diags.append(
            Diagnostic(y.at("feedback"), "'feedback' must be a mapping with email, url and/or phone", code="site")
        )
        return m.Feedback()
    values: dict[str, str] = {}
    for key, value in raw.items():
        if key not in FEEDBACK_KEYS:
            diags.append(
                Diagnostic(
                    y.at("feedback"),
                    f"unknown feedback route '{key}' (known: {', '.join(FEEDBACK_KEYS)})",
                    Severity.WARNING,
                    "site",
                )
            )
            continue
        text = _text(value) if value is not None else ""
        ok = (
            not text
            or (key == "email" and _EMAIL_RE.match(text))
            or (key == "url" and _URL_RE.match(text))
            or (key == "phone" and re.fullmatch(r"\+?[0-9 ()./-]{6,}", text))
        )
        if not ok:
            diags.append(
                Diagnostic(y.at("feedback"), f"feedback {key} {text!r} is not a valid {_KIND_OF[key]}", code="site")
            )
            continue
        values[key] = text
    return m.Feedback(**values)


def to_supply(y: YamlLike) -> tuple[tuple[str, Location], ...]:
    """``contacts`` and ``feedback`` entries written but left empty: the clinic must fill them in."""
    out: list[tuple[str, Location]] = []
    for block in ("contacts", "feedback"):
        node = _value_node(y, block)
        if not isinstance(node, yaml.MappingNode):
            continue
        for key_node, value_node in node.value:
            empty = isinstance(value_node, yaml.ScalarNode) and not str(value_node.value).strip()
            if empty and key_node.value in ("phone", "email", "url"):
                out.append((f"{block}: {key_node.value}", y.location.at(y.location.line + key_node.start_mark.line)))
    return tuple(out)


def review_policy(y: YamlLike, diags: list[Diagnostic]) -> m.ReviewPolicy:
    """``review_policy: {max_interval_years: 3}``."""
    raw = y.data.get("review_policy")
    if raw is None:
        return m.ReviewPolicy()
    years = raw.get("max_interval_years") if isinstance(raw, dict) else None
    if (
        not isinstance(raw, dict)
        or set(raw) - {"max_interval_years"}
        or isinstance(years, bool)
        or not isinstance(years, int)
        or not 1 <= years <= 10
    ):
        diags.append(
            Diagnostic(
                y.at("review_policy"),
                "'review_policy' must be 'max_interval_years: N' with N from 1 to 10 (the default is 3)",
                code="site",
            )
        )
        return m.ReviewPolicy()
    return m.ReviewPolicy(max_interval_years=years)


def readability_targets(y: YamlLike, diags: list[Diagnostic]) -> dict[str, m.ReadabilityTarget]:
    """``readability: {<lang>: {gulpease_min: 60, ...}}`` over the built-in defaults."""
    targets = dict(m.DEFAULT_READABILITY)
    raw = y.data.get("readability")
    if raw is None:
        return targets
    where = y.at("readability")
    if not isinstance(raw, dict):
        diags.append(
            Diagnostic(
                where, "'readability' must give targets per language, e.g. 'it: {gulpease_min: 60}'", code="site"
            )
        )
        return targets
    for lang, values in raw.items():
        if not isinstance(values, dict):
            diags.append(
                Diagnostic(
                    where, f"readability targets of '{lang}' must be a mapping of {', '.join(TARGET_KEYS)}", code="site"
                )
            )
            continue
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key not in TARGET_KEYS:
                diags.append(
                    Diagnostic(
                        where,
                        f"unknown readability target '{key}' for '{lang}' (known: {', '.join(TARGET_KEYS)})",
                        code="site",
                    )
                )
            elif key == "max_sentence_words" and not (
                isinstance(value, int) and not isinstance(value, bool) and value >= 5
            ):
                diags.append(
                    Diagnostic(
                        where,
                        f"readability '{lang}': max_sentence_words must be a whole number of at least 5, not {value!r}",
                        code="site",
                    )
                )
            elif (
                key != "max_sentence_words"
                and value is not None
                and (isinstance(value, bool) or not isinstance(value, (int, float)))
            ):
                diags.append(
                    Diagnostic(
                        where,
                        f"readability '{lang}': {key} must be a number (or null to not measure it), not {value!r}",
                        code="site",
                    )
                )
            else:
                changes[key] = value
        base = targets.get(str(lang), m.ReadabilityTarget())
        targets[str(lang)] = dataclasses.replace(base, **changes)
    return targets
