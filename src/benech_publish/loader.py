"""content/ folder → :class:`~benech_publish.model.Content`, with every problem found.

Takes: a content folder laid out as::

    content/site.yaml             the clinic (see docs/content-format.md)
    content/<lang>/<slug>.md      one condition in one language
    content/images/...            images the conditions and site refer to

Gives: :class:`LoadResult`: the conditions that are valid, and a diagnostic
(``file:line: message``) for every problem in every file, collected before
anything fails (MkDocs-style); reading each file (encoding, control
characters, confinement, YAML lines) is :mod:`.sources`. :func:`load_content` raises
:class:`~benech_publish.errors.ContentError` when there are errors (or, with
``strict``, warnings) and otherwise returns the content.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import model as m
from . import safety, urls
from .abbreviations import expand_abbreviations
from .contrast import check_colours
from .errors import ConfigError, ContentError, Diagnostic, Location, Severity
from .i18n import has_labels
from .markdown import control_char_problem, parse_body
from .provenance import with_translations
from .provenance_fields import readability_targets, review_policy, site_feedback, sources, to_supply, version
from .sources import YamlMap, display_path, read_source, read_yaml, split_front_matter
from .validate import validate_content

FRONT_MATTER_KEYS = {
    "id": "translation-independent id shared by every language edition",
    "title": "title of the condition",
    "summary": "one or two sentences: the leaflet's subject and the booklet's chapter summary",
    "status": "draft or approved",
    "source_url": "address of the condition's page on the clinic's website",
    "last_updated": "date the text was last changed (YYYY-MM-DD)",
    "reviewed_on": "date a clinician last reviewed the text (YYYY-MM-DD)",
    "review_due": "date the next review is due (YYYY-MM-DD)",
    "reviewers": "names of the reviewing clinicians",
    "keywords": "search keywords",
    "authors": "names of the people who wrote the text",
    "sources": "what the text is based on: a list of {title, authors or publisher, year, url or doi}",
    "version": "the text's version, e.g. 2.1 (shown with the review dates)",
    "lang": "language code; must match the folder",
}
SITE_KEYS = {
    "name",
    "tagline",
    "website",
    "contacts",
    "logo",
    "colours",
    "order",
    "languages",
    "intro",
    "certified_by",
    "feedback",
    "review_policy",
    "readability",
    "braille",
}
BRAILLE_KEYS = {"tables", "cells", "lines", "display"}
#: liblouis table names, comma-separated: names only, so no file outside the
#: shipped and system table folders can be read (the confinement rule).
_TABLE_LIST_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*(,[A-Za-z0-9][A-Za-z0-9_.-]*)*$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SKIPPED_FOLDERS = ("images", "media")


@dataclass(frozen=True)
class LoadResult:
    """What the loader found: the valid content and every diagnostic."""

    content: m.Content
    diagnostics: tuple[Diagnostic, ...]
    failed_files: tuple[str, ...] = ()  # condition files left out because of errors
    parsed: tuple[m.Condition, ...] = ()  # every condition that parsed, with errors or not

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    def ok(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


# --------------------------------------------------------------------------- site


def _text_map(y: YamlMap, key: str, diags: list[Diagnostic]) -> dict[str, str]:
    value = y.data.get(key)
    if value is None:
        return {}
    if isinstance(value, str):
        return {"*": value}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v.strip() for k, v in value.items()}
    diags.append(Diagnostic(y.at(key), f"'{key}' must be text, or text per language (it: ..., en: ...)", code="site"))
    return {}


def _text(y: YamlMap, data: dict[str, Any], key: str, where: str, diags: list[Diagnostic]) -> str:
    """A plain text setting (``where`` is its dotted name, for the line); numbers must be quoted."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        diags.append(
            Diagnostic(
                y.at(where), f"'{where}' must be text (put it in quotes), not {type(value).__name__}", code="site"
            )
        )
        return ""
    return value.strip()


def _address(y: YamlMap, key: str, value: str, check: Callable[[str], str], diags: list[Diagnostic]) -> str:
    problem = check(value) if value else ""
    if problem:
        diags.append(Diagnostic(y.at(key), f"'{key}': {problem}", code="url"))
    return value


def _contacts(y: YamlMap, site_website: str, diags: list[Diagnostic]) -> m.Contacts:
    raw = y.data.get("contacts") or {}
    if not isinstance(raw, dict):
        diags.append(Diagnostic(y.at("contacts"), "'contacts' must be a mapping", code="site"))
        raw = {}
    hours_raw = raw.get("hours") or {}
    hours: dict[str, str] = {}
    if isinstance(hours_raw, str):
        hours = {"*": hours_raw}
    elif isinstance(hours_raw, dict) and all(isinstance(v, str) for v in hours_raw.values()):
        hours = {str(k): v for k, v in hours_raw.items()}
    else:
        diags.append(
            Diagnostic(
                y.at("contacts.hours"),
                "'contacts.hours' must be text, or text per language (it: ..., en: ...)",
                code="site",
            )
        )
    text = {k: _text(y, raw, k, f"contacts.{k}", diags) for k in ("address", "phone", "email", "website")}
    return m.Contacts(
        address=text["address"],
        phone=_address(y, "contacts.phone", text["phone"], urls.check_phone, diags),
        email=_address(y, "contacts.email", text["email"], urls.check_email, diags),
        website=_address(y, "contacts.website", text["website"], urls.check_url, diags) or site_website,
        hours=hours,
    )


def _logo(y: YamlMap, root: Path, diags: list[Diagnostic]) -> m.Logo | None:
    logo_raw = y.data.get("logo")
    if logo_raw is None:
        return None
    if not isinstance(logo_raw, dict) or not isinstance(logo_raw.get("src"), str) or not logo_raw["src"].strip():
        diags.append(
            Diagnostic(y.at("logo"), "'logo' needs 'src' (a path under the content folder) and 'alt'", code="site")
        )
        return None
    alt = logo_raw.get("alt")
    alt_map = (
        {"*": alt}
        if isinstance(alt, str)
        else {str(k): v for k, v in alt.items() if isinstance(v, str)}
        if isinstance(alt, dict)
        else {}
    )
    if not any(v.strip() for v in alt_map.values()):
        diags.append(
            Diagnostic(
                y.at("logo.alt"), "the logo has no alt text: add 'alt' (per language) under 'logo'", code="image-alt"
            )
        )
    src, problem = safety.check_image(root, logo_raw["src"], what="logo")
    if problem:
        diags.append(Diagnostic(y.at("logo.src"), problem, code="logo"))
    return m.Logo(src=src, alt=alt_map)


def load_site(root: Path, diags: list[Diagnostic]) -> m.Site:
    path = root / "site.yaml"
    location = Location(display_path(path), 1)
    if not path.exists() and not path.is_symlink():
        diags.append(
            Diagnostic(
                Location(display_path(root)),
                "site.yaml is missing: it names the clinic and the order of conditions",
                code="site",
            )
        )
        return m.Site(name="", location=location)
    text, problems = read_source(path, root, location)
    diags.extend(problems)
    y = read_yaml(text, location, diags) if text is not None else None
    if y is None:
        return m.Site(name="", location=location)
    for key in y.data:
        if key not in SITE_KEYS:
            diags.append(
                Diagnostic(
                    y.at(str(key)),
                    f"unknown setting '{key}' (known: {', '.join(sorted(SITE_KEYS))})",
                    Severity.WARNING,
                    "site",
                )
            )
    name = y.data.get("name")
    if not isinstance(name, str) or not name.strip():
        diags.append(Diagnostic(y.at("name"), "site.yaml needs the clinic's 'name'", code="site"))
        name = ""
    languages = y.data.get("languages", ["it", "en"])
    if not (isinstance(languages, list) and all(isinstance(x, str) and m.CONTENT_LANG_RE.match(x) for x in languages)):
        diags.append(
            Diagnostic(y.at("languages"), "'languages' must be a list of language codes such as [it, en]", code="site")
        )
        languages = ["it", "en"]
    for lang in languages:
        if not has_labels(lang):
            diags.append(
                Diagnostic(
                    y.at("languages"),
                    f"no built-in labels for language '{lang}': fixed texts (Contents, Page, ...) will be in English",
                    Severity.WARNING,
                    "labels",
                )
            )
    website = _address(y, "website", _text(y, y.data, "website", "website", diags), urls.check_url, diags)
    contacts = _contacts(y, website, diags)
    colours_raw = y.data.get("colours") or {}
    colour_values: dict[str, str] = {}
    if not isinstance(colours_raw, dict):
        diags.append(
            Diagnostic(y.at("colours"), "'colours' must be a mapping such as 'primary: \"#1f3f7a\"'", code="site")
        )
        colours_raw = {}
    for k, v in colours_raw.items():
        if k not in m.Colours.__dataclass_fields__:
            diags.append(
                Diagnostic(
                    y.at(f"colours.{k}"),
                    f"unknown colour '{k}' (known: {', '.join(m.Colours.__dataclass_fields__)})",
                    code="site",
                )
            )
        elif not (isinstance(v, str) and _COLOUR_RE.match(v)):
            diags.append(
                Diagnostic(
                    y.at(f"colours.{k}"), f"colour '{k}' must be written #rrggbb, not {reprlib.repr(v)}", code="site"
                )
            )
        else:
            colour_values[k] = v.lower()
    colours = m.Colours(**colour_values)
    for problem in check_colours(colours):
        diags.append(Diagnostic(y.at("colours") if "colours" in y.lines else location, problem, code="contrast"))
    order = y.data.get("order") or []
    if not (isinstance(order, list) and all(isinstance(x, str) for x in order)):
        diags.append(Diagnostic(y.at("order"), "'order' must be a list of condition ids", code="site"))
        order = []
    certified_by = _text(y, y.data, "certified_by", "certified_by", diags)
    return m.Site(
        braille=_braille(y, diags),
        name=(name or "").strip(),
        tagline=_text_map(y, "tagline", diags),
        website=website,
        contacts=contacts,
        logo=_logo(y, root, diags),
        colours=colours,
        order=tuple(order),
        languages=tuple(languages),
        intro=_text_map(y, "intro", diags),
        certified_by=certified_by or name or "",
        location=location,
        field_lines=dict(y.lines),
        feedback=site_feedback(y, diags),
        review_policy=review_policy(y, diags),
        readability=readability_targets(y, diags),
        to_supply=to_supply(y),
    )


def _braille(y: YamlMap, diags: list[Diagnostic]) -> m.BrailleSetup:
    """site.yaml ``braille:`` (tables per language, cells, lines, display); see docs/braille.md."""
    raw = y.data.get("braille")
    if raw is None:
        return m.BrailleSetup()
    where = y.at("braille")
    if not isinstance(raw, dict):
        diags.append(Diagnostic(where, "'braille' must be a mapping (tables, cells, lines, display)", code="site"))
        return m.BrailleSetup()
    for key in raw:
        if key not in BRAILLE_KEYS:
            diags.append(
                Diagnostic(
                    where, f"unknown braille setting '{key}' (known: {', '.join(sorted(BRAILLE_KEYS))})", code="site"
                )
            )
    tables = dict(m.DEFAULT_BRAILLE_TABLES)
    given = raw.get("tables") or {}
    if isinstance(given, dict) and all(isinstance(v, str) and _TABLE_LIST_RE.match(v.strip()) for v in given.values()):
        tables.update({str(k): v.strip() for k, v in given.items()})
    else:
        diags.append(
            Diagnostic(
                where,
                "braille 'tables' must give a liblouis table list per "
                "language (en: en-ueb-g2.ctb): table names only, no folders",
                code="site",
            )
        )
    sizes: dict[str, int] = {}
    for key, low, high, default in (("cells", 20, 60, 40), ("lines", 10, 40, 25)):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            diags.append(
                Diagnostic(
                    where, f"braille '{key}' must be a whole number from {low} to {high}, not {value!r}", code="site"
                )
            )
            value = default
        sizes[key] = value
    display = raw.get("display", "en-us-brf.dis")
    if not isinstance(display, str) or not _TABLE_LIST_RE.match(display.strip()):
        diags.append(
            Diagnostic(where, "braille 'display' must name a liblouis display table (en-us-brf.dis)", code="site")
        )
        display = "en-us-brf.dis"
    return m.BrailleSetup(tables=tables, cells=sizes["cells"], lines=sizes["lines"], display=display.strip())


# --------------------------------------------------------------------------- conditions


def _date(y: YamlMap, key: str, diags: list[Diagnostic]) -> dt.date | None:
    value = y.data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            diags.append(
                Diagnostic(y.at(key), f"'{key}': {text} is not a date that exists (write YYYY-MM-DD)", code="date")
            )
            return None
    shown = text if text else type(value).__name__
    diags.append(Diagnostic(y.at(key), f"'{key}' must be a date written YYYY-MM-DD, not {shown!r}"[:160], code="date"))
    return None


def _strings(y: YamlMap, key: str, diags: list[Diagnostic]) -> tuple[str, ...]:
    value = y.data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(",") if s.strip())
    if isinstance(value, list) and all(isinstance(x, (str, int, float)) for x in value):
        return tuple(str(x).strip() for x in value)
    diags.append(Diagnostic(y.at(key), f"'{key}' must be a list of names", code="front-matter"))
    return ()


def _source_url(y: YamlMap, diags: list[Diagnostic]) -> str:
    value = y.data.get("source_url")
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        diags.append(Diagnostic(y.at("source_url"), "'source_url' must be a web address (https://...)", code="url"))
        return ""
    return _address(y, "source_url", value.strip(), urls.check_url, diags)


def load_condition(path: Path, lang: str, site: m.Site, root: Path) -> tuple[m.Condition | None, list[Diagnostic]]:
    """Parse one ``content/<lang>/<slug>.md`` file (no cross-file checks)."""
    diags: list[Diagnostic] = []
    location = Location(display_path(path), 1)
    text, problems = read_source(path, root, location)
    if text is None:
        return None, problems
    front, body, body_line = split_front_matter(text)
    if front is None:
        return None, [
            Diagnostic(
                location,
                "missing front matter: the file must start with a '---' line, then 'title: ...', then '---'",
                code="front-matter",
            )
        ]
    y = read_yaml(front, location.at(2), diags)
    if y is None:
        return None, diags
    for key in y.data:
        if key not in FRONT_MATTER_KEYS:
            diags.append(
                Diagnostic(
                    y.at(key),
                    f"unknown field '{key}' (known: {', '.join(FRONT_MATTER_KEYS)})",
                    Severity.WARNING,
                    "front-matter",
                )
            )
    title = y.data.get("title")
    if not isinstance(title, str) or not title.strip():
        diags.append(
            Diagnostic(
                y.at("title") if "title" in y.lines else location,
                "missing title: add 'title: ...' to the front matter",
                code="title",
            )
        )
        title = ""
    declared_lang = y.data.get("lang")
    if declared_lang is not None and declared_lang != lang:
        diags.append(
            Diagnostic(
                y.at("lang"), f"'lang: {reprlib.repr(declared_lang)}' does not match the folder '{lang}'", code="lang"
            )
        )
    if lang not in site.languages:
        diags.append(
            Diagnostic(
                location,
                f"unknown language '{lang}': site.yaml's languages are {', '.join(site.languages)}",
                code="lang",
            )
        )
    cid = y.data.get("id")
    if not isinstance(cid, str) or not _ID_RE.match(cid):
        diags.append(
            Diagnostic(
                y.at("id") if "id" in y.lines else location,
                "missing or invalid 'id': give the condition an id shared by all "
                "its translations, e.g. 'id: hemifacial-spasm'",
                code="id",
            )
        )
        cid = ""
    status = y.data.get("status", "draft")
    if status not in ("draft", "approved"):
        diags.append(
            Diagnostic(
                y.at("status"), f"status must be 'draft' or 'approved', not {reprlib.repr(status)}", code="status"
            )
        )
        status = "draft"
    summary = y.data.get("summary") or ""
    if not isinstance(summary, str):
        diags.append(Diagnostic(y.at("summary"), "'summary' must be text", code="front-matter"))
        summary = ""
    if not summary.strip():
        diags.append(
            Diagnostic(
                y.at("summary") if "summary" in y.lines else location,
                "no summary: add one or two sentences as 'summary: ...'",
                Severity.WARNING,
                "summary",
            )
        )
    sections, body_diags = parse_body(
        body, location, body_line, resolve_src=lambda src: safety.check_image(root, src, base=path.parent)
    )
    diags.extend(body_diags)
    if not sections:
        diags.append(
            Diagnostic(location.at(body_line), "no sections: add at least one '## Heading {#anchor}'", code="sections")
        )
    condition = m.Condition(
        id=cid,
        slug=path.stem,
        lang=lang,
        title=title.strip(),
        summary=" ".join(summary.split()),
        sections=sections,
        status=status,
        source_url=_source_url(y, diags),
        last_updated=_date(y, "last_updated", diags),
        reviewed_on=_date(y, "reviewed_on", diags),
        review_due=_date(y, "review_due", diags),
        reviewers=_strings(y, "reviewers", diags),
        keywords=_strings(y, "keywords", diags),
        location=location,
        field_lines=dict(y.lines),
        authors=_strings(y, "authors", diags),
        sources=sources(y, diags),
        version=version(y, diags),
    )
    return expand_abbreviations(condition), diags


def _check_arguments(root: object, today: object) -> None:
    if not isinstance(root, (str, os.PathLike)) or (isinstance(root, str) and not root):
        raise ConfigError(f"the content folder must be a path, not {type(root).__name__}")
    if today is not None and (not isinstance(today, dt.date) or isinstance(today, dt.datetime)):
        raise ConfigError(f"'today' must be a datetime.date, not {type(today).__name__}")


def _condition_files(root: Path, site: m.Site, diags: list[Diagnostic]) -> list[tuple[Path, str]]:
    """Every ``<lang>/<slug>.md`` to load; folders and files that would be silently
    left out (``EN/``, ``english/``, ``alpha.md`` at the top) are reported instead."""
    found: list[tuple[Path, str]] = []
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        diags.append(Diagnostic(Location(display_path(root)), f"cannot be read ({exc.strerror})", code="unreadable"))
        return found
    known = ", ".join(site.languages)
    for entry in entries:
        name = entry.name
        if name.startswith((".", "_")) or name in SKIPPED_FOLDERS:
            continue
        if not entry.is_dir():
            if name.lower().endswith(".md"):
                diags.append(
                    Diagnostic(
                        Location(display_path(entry), 1),
                        f"a condition file must be in a language folder (<lang>/{name}); it is ignored here",
                        Severity.WARNING,
                        "stray-file",
                    )
                )
            continue
        if m.CONTENT_LANG_RE.match(name):
            for path in sorted(entry.glob("*.md")):
                problem = control_char_problem(path.name)
                if problem:
                    diags.append(Diagnostic(Location(display_path(path)), f"file name: {problem}", code="control-char"))
                elif not path.name.startswith("."):
                    found.append((path, name))
            continue
        hint = (
            f": rename it to '{name.lower()}'"
            if name.lower() in site.languages
            else f": language folders are named with the codes in site.yaml's languages ({known})"
        )
        has_md = any(entry.glob("*.md"))
        diags.append(
            Diagnostic(
                Location(display_path(entry)),
                f"folder '{name}' is not a language folder, so its files are not published{hint}",
                Severity.ERROR if has_md else Severity.WARNING,
                "lang-folder",
            )
        )
    return found


def load(root: str | Path, *, today: dt.date | None = None, readability: bool = True) -> LoadResult:
    """Read and check every file under ``root``; never raises for content problems.

    ``readability``: also measure reading levels and sentence lengths
    (:mod:`.readability`: warnings). It costs about a second per process for
    English (textstat loads its pronouncing dictionary), so ``build`` asks for
    it only under ``--strict``, where a miss fails the build; ``check`` always
    measures. Raises :class:`~benech_publish.errors.ConfigError` only when
    called with arguments of the wrong type.
    """
    _check_arguments(root, today)
    if not isinstance(readability, bool):
        raise ConfigError(f"'readability' must be True or False, not {type(readability).__name__}")
    root = Path(root)
    diags: list[Diagnostic] = []
    if not root.is_dir():
        diags.append(Diagnostic(Location(display_path(root)), "content folder not found", code="missing"))
        return LoadResult(m.Content(m.Site(name=""), (), str(root)), tuple(diags))
    site = load_site(root, diags)
    parsed: list[tuple[m.Condition, list[Diagnostic]]] = []
    for path, lang in _condition_files(root, site, diags):
        condition, cdiags = load_condition(path, lang, site, root)
        if condition is None:
            diags.extend(cdiags)
        else:
            parsed.append((condition, cdiags))
    more = validate_content(site, [c for c, _ in parsed], root, today or dt.date.today())
    if readability:
        from .readability import readability_warnings  # textstat: imported only when measured

        for file, found in readability_warnings(site, [c for c, _ in parsed]).items():
            more.setdefault(file, []).extend(found)
    failed: list[str] = []
    good: list[m.Condition] = []
    for condition, cdiags in parsed:
        mine = cdiags + more.get(condition.location.path, [])
        diags.extend(mine)
        if any(d.is_error for d in mine):
            failed.append(condition.location.path)
        else:
            good.append(condition)
    failed += sorted(
        {d.location.path for d in diags if d.is_error and d.location.path.endswith(".md")}
        - set(failed)
        - {c.location.path for c in good}
    )
    diags.extend(more.get("", []))
    good = with_translations(good)
    diags.sort(key=lambda d: (d.location.path, d.location.line))
    return LoadResult(
        m.Content(site, tuple(good), str(root)), tuple(diags), tuple(sorted(set(failed))), tuple(c for c, _ in parsed)
    )


def load_content(root: str | Path, *, strict: bool = False, today: dt.date | None = None) -> m.Content:
    """Load ``root`` and return its content; raise ContentError listing every problem.

    Reading levels are measured only when ``strict`` (as ``build`` does): their
    findings are warnings, which fail only then, and measuring English loads
    textstat's pronouncing dictionary (about a second, and some 270,000 lists
    the garbage collector would walk for the rest of the process).
    """
    if not isinstance(strict, bool):
        raise ConfigError(f"'strict' must be True or False, not {type(strict).__name__}")
    result = load(root, today=today, readability=strict)
    if not result.ok(strict=strict):
        problems = result.diagnostics if strict else result.errors
        raise ContentError(problems)
    return result.content
