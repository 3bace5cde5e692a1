"""content/ folder → :class:`~benech_publish.model.Content`, with every problem found.

Takes: a content folder laid out as::

    content/site.yaml             the clinic (see docs/content-format.md)
    content/<lang>/<slug>.md      one condition in one language
    content/images/...            images the conditions and site refer to

Gives: :class:`LoadResult`: the conditions that are valid, and a diagnostic
(``file:line: message``) for every problem in every file, collected before
anything fails (MkDocs-style). :func:`load_content` raises
:class:`~benech_publish.errors.ContentError` when there are errors (or, with
``strict``, warnings) and otherwise returns the content.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import model as m
from .contrast import check_colours
from .i18n import has_labels
from .errors import ContentError, Diagnostic, Location, Severity
from .markdown import parse_body
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
    "lang": "language code; must match the folder",
}
SITE_KEYS = {"name", "tagline", "website", "contacts", "logo", "colours", "order", "languages",
             "intro", "certified_by", "braille"}
BRAILLE_KEYS = {"tables", "cells", "lines", "display"}
_LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class LoadResult:
    """What the loader found: the valid content and every diagnostic."""

    content: m.Content
    diagnostics: tuple[Diagnostic, ...]
    failed_files: tuple[str, ...] = ()  # condition files left out because of errors

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    def ok(self, *, strict: bool = False) -> bool:
        return not self.errors and not (strict and self.warnings)


# --------------------------------------------------------------------------- YAML with lines


class _Yaml:
    """A parsed YAML mapping that remembers the line of each key."""

    def __init__(self, data: dict[str, Any], lines: dict[str, int], location: Location):
        self.data, self.lines, self.location = data, lines, location

    def at(self, key: str) -> Location:
        return self.location.at(self.lines.get(key, self.location.line))


def _read_yaml(text: str, location: Location, diags: list[Diagnostic]) -> _Yaml | None:
    """Parse YAML text whose first line is ``location.line`` (1-based)."""
    offset = max(location.line, 1) - 1
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts (e.g. an unclosed
        # '['); the problem mark is where the parser gave up (often the end).
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = offset + (mark.line + 1 if mark else 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        diags.append(Diagnostic(location.at(line), f"malformed YAML: {problem}", code="yaml"))
        return None
    if data is None:
        data, node = {}, None
    if not isinstance(data, dict):
        diags.append(Diagnostic(location.at(offset + 1), "expected 'key: value' lines", code="yaml"))
        return None
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            lines[str(key_node.value)] = offset + key_node.start_mark.line + 1
    return _Yaml(data, lines, location.at(offset + 1))


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """``(front_matter or None, body, body_first_line)`` for a ``---``-delimited file."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return None, text, 1
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1:]), i + 2
    return "".join(lines[1:]), "", len(lines) + 1


# --------------------------------------------------------------------------- site


def _text_map(y: _Yaml, key: str, diags: list[Diagnostic]) -> dict[str, str]:
    value = y.data.get(key)
    if value is None:
        return {}
    if isinstance(value, str):
        return {"*": value}
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return {str(k): v.strip() for k, v in value.items()}
    diags.append(Diagnostic(y.at(key), f"'{key}' must be text, or text per language "
                            "(it: ..., en: ...)", code="site"))
    return {}


def load_site(root: Path, diags: list[Diagnostic]) -> m.Site:
    path = root / "site.yaml"
    location = Location(_display(path), 1)
    if not path.is_file():
        diags.append(Diagnostic(Location(_display(root)), "site.yaml is missing: it names the "
                                "clinic and the order of conditions", code="site"))
        return m.Site(name="", location=location)
    y = _read_yaml(path.read_text(encoding="utf-8"), location, diags)
    if y is None:
        return m.Site(name="", location=location)
    for key in y.data:
        if key not in SITE_KEYS:
            diags.append(Diagnostic(y.at(key), f"unknown setting '{key}' (known: "
                                    f"{', '.join(sorted(SITE_KEYS))})", Severity.WARNING, "site"))
    name = y.data.get("name")
    if not isinstance(name, str) or not name.strip():
        diags.append(Diagnostic(y.at("name"), "site.yaml needs the clinic's 'name'", code="site"))
        name = ""
    languages = y.data.get("languages", ["it", "en"])
    if not (isinstance(languages, list) and all(isinstance(x, str) and _LANG_RE.match(x)
                                                for x in languages)):
        diags.append(Diagnostic(y.at("languages"), "'languages' must be a list of language "
                                "codes such as [it, en]", code="site"))
        languages = ["it", "en"]
    for lang in languages:
        if not has_labels(lang):
            diags.append(Diagnostic(y.at("languages"), f"no built-in labels for language '{lang}': "
                                    "fixed texts (Contents, Page, ...) will be in English",
                                    Severity.WARNING, "labels"))
    contacts_raw = y.data.get("contacts") or {}
    if not isinstance(contacts_raw, dict):
        diags.append(Diagnostic(y.at("contacts"), "'contacts' must be a mapping", code="site"))
        contacts_raw = {}
    hours = contacts_raw.get("hours") or {}
    contacts = m.Contacts(
        address=str(contacts_raw.get("address", "") or "").strip(),
        phone=str(contacts_raw.get("phone", "") or "").strip(),
        email=str(contacts_raw.get("email", "") or "").strip(),
        website=str(contacts_raw.get("website", "") or y.data.get("website", "") or "").strip(),
        hours={str(k): str(v) for k, v in hours.items()} if isinstance(hours, dict) else {"*": str(hours)},
    )
    logo = None
    logo_raw = y.data.get("logo")
    if logo_raw is not None:
        if not isinstance(logo_raw, dict) or not logo_raw.get("src"):
            diags.append(Diagnostic(y.at("logo"), "'logo' needs 'src' and 'alt'", code="site"))
        else:
            alt = logo_raw.get("alt")
            alt_map = ({"*": alt} if isinstance(alt, str) else
                       {str(k): str(v) for k, v in alt.items()} if isinstance(alt, dict) else {})
            if not any(v.strip() for v in alt_map.values()):
                diags.append(Diagnostic(y.at("logo"), "the logo has no alt text: add 'alt' "
                                        "(per language) under 'logo'", code="image-alt"))
            src = str(logo_raw["src"])
            if not (root / src).is_file():
                diags.append(Diagnostic(y.at("logo"), f"logo file '{src}' not found under "
                                        f"{_display(root)}", code="missing-file"))
            logo = m.Logo(src=src, alt=alt_map)
    colours_raw = y.data.get("colours") or {}
    colour_values: dict[str, str] = {}
    if isinstance(colours_raw, dict):
        for k, v in colours_raw.items():
            if k not in m.Colours.__dataclass_fields__:
                diags.append(Diagnostic(y.at("colours"), f"unknown colour '{k}' (known: "
                                        f"{', '.join(m.Colours.__dataclass_fields__)})", code="site"))
            elif not (isinstance(v, str) and _COLOUR_RE.match(v)):
                diags.append(Diagnostic(y.at("colours"), f"colour '{k}' must be written "
                                        f"#rrggbb, not {v!r}", code="site"))
            else:
                colour_values[k] = v.lower()
    colours = m.Colours(**colour_values)
    for problem in check_colours(colours):
        diags.append(Diagnostic(y.at("colours") if "colours" in y.lines else location, problem,
                                code="contrast"))
    order = y.data.get("order") or []
    if not (isinstance(order, list) and all(isinstance(x, str) for x in order)):
        diags.append(Diagnostic(y.at("order"), "'order' must be a list of condition ids", code="site"))
        order = []
    return m.Site(
        braille=_braille(y, diags),
        name=(name or "").strip(), tagline=_text_map(y, "tagline", diags),
        website=str(y.data.get("website", "") or ""), contacts=contacts, logo=logo,
        colours=colours, order=tuple(order), languages=tuple(languages),
        intro=_text_map(y, "intro", diags),
        certified_by=str(y.data.get("certified_by", "") or name or ""), location=location,
    )


def _braille(y: _Yaml, diags: list[Diagnostic]) -> m.BrailleSetup:
    """site.yaml ``braille:`` (tables per language, cells, lines, display); see docs/braille.md."""
    raw = y.data.get("braille")
    if raw is None:
        return m.BrailleSetup()
    where = y.at("braille")
    if not isinstance(raw, dict):
        diags.append(Diagnostic(where, "'braille' must be a mapping (tables, cells, lines, "
                                "display)", code="site"))
        return m.BrailleSetup()
    for key in raw:
        if key not in BRAILLE_KEYS:
            diags.append(Diagnostic(where, f"unknown braille setting '{key}' (known: "
                                    f"{', '.join(sorted(BRAILLE_KEYS))})", code="site"))
    tables = dict(m.DEFAULT_BRAILLE_TABLES)
    given = raw.get("tables") or {}
    if isinstance(given, dict) and all(isinstance(v, str) and v.strip() for v in given.values()):
        tables.update({str(k): v.strip() for k, v in given.items()})
    else:
        diags.append(Diagnostic(where, "braille 'tables' must give a liblouis table list per "
                                "language (en: en-ueb-g2.ctb)", code="site"))
    sizes: dict[str, int] = {}
    for key, low, high, default in (("cells", 20, 60, 40), ("lines", 10, 40, 25)):
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            diags.append(Diagnostic(where, f"braille '{key}' must be a whole number from {low} "
                                    f"to {high}, not {value!r}", code="site"))
            value = default
        sizes[key] = value
    display = raw.get("display", "en-us-brf.dis")
    if not isinstance(display, str) or not display.strip():
        diags.append(Diagnostic(where, "braille 'display' must name a liblouis display table "
                                "(en-us-brf.dis)", code="site"))
        display = "en-us-brf.dis"
    return m.BrailleSetup(tables=tables, cells=sizes["cells"], lines=sizes["lines"],
                          display=display.strip())


# --------------------------------------------------------------------------- conditions


def _date(y: _Yaml, key: str, diags: list[Diagnostic]) -> dt.date | None:
    value = y.data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        diags.append(Diagnostic(y.at(key), f"'{key}' must be a date written YYYY-MM-DD, "
                                f"not {value!r}", code="date"))
        return None


def _strings(y: _Yaml, key: str, diags: list[Diagnostic]) -> tuple[str, ...]:
    value = y.data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(",") if s.strip())
    if isinstance(value, list) and all(isinstance(x, (str, int, float)) for x in value):
        return tuple(str(x).strip() for x in value)
    diags.append(Diagnostic(y.at(key), f"'{key}' must be a list of names", code="front-matter"))
    return ()


def _resolve_src(src: str, path: Path, root: Path) -> tuple[str, str]:
    """An image reference → ``(path relative to the content root, problem or '')``."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith("//"):
        return src, (f"image '{src}' must be a file inside the content folder, not an address")
    target = (path.parent / src).resolve()
    try:
        rel = target.relative_to(root.resolve()).as_posix()
    except ValueError:
        return src, f"image '{src}' is outside the content folder"
    if not target.is_file():
        return rel, f"image file '{src}' not found"
    return rel, ""


def load_condition(path: Path, lang: str, site: m.Site, root: Path) -> tuple[m.Condition | None, list[Diagnostic]]:
    """Parse one ``content/<lang>/<slug>.md`` file (no cross-file checks)."""
    diags: list[Diagnostic] = []
    location = Location(_display(path), 1)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [Diagnostic(location, f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                 code="encoding")]
    front, body, body_line = split_front_matter(text)
    if front is None:
        return None, [Diagnostic(location, "missing front matter: the file must start with a "
                                 "'---' line, then 'title: ...', then '---'", code="front-matter")]
    y = _read_yaml(front, location.at(2), diags)
    if y is None:
        return None, diags
    for key in y.data:
        if key not in FRONT_MATTER_KEYS:
            diags.append(Diagnostic(y.at(key), f"unknown field '{key}' (known: "
                                    f"{', '.join(FRONT_MATTER_KEYS)})", Severity.WARNING, "front-matter"))
    title = y.data.get("title")
    if not isinstance(title, str) or not title.strip():
        diags.append(Diagnostic(y.at("title") if "title" in y.lines else location,
                                "missing title: add 'title: ...' to the front matter", code="title"))
        title = ""
    declared_lang = y.data.get("lang")
    if declared_lang is not None and declared_lang != lang:
        diags.append(Diagnostic(y.at("lang"), f"'lang: {declared_lang}' does not match the "
                                f"folder '{lang}'", code="lang"))
    if lang not in site.languages:
        diags.append(Diagnostic(location, f"unknown language '{lang}': site.yaml's languages are "
                                f"{', '.join(site.languages)}", code="lang"))
    cid = y.data.get("id")
    if not isinstance(cid, str) or not _ID_RE.match(cid):
        diags.append(Diagnostic(y.at("id") if "id" in y.lines else location,
                                "missing or invalid 'id': give the condition an id shared by all "
                                "its translations, e.g. 'id: hemifacial-spasm'", code="id"))
        cid = ""
    status = y.data.get("status", "draft")
    if status not in ("draft", "approved"):
        diags.append(Diagnostic(y.at("status"), f"status must be 'draft' or 'approved', not "
                                f"{status!r}", code="status"))
        status = "draft"
    summary = y.data.get("summary") or ""
    if not isinstance(summary, str):
        diags.append(Diagnostic(y.at("summary"), "'summary' must be text", code="front-matter"))
        summary = ""
    if not summary.strip():
        diags.append(Diagnostic(y.at("summary") if "summary" in y.lines else location,
                                "no summary: add one or two sentences as 'summary: ...'",
                                Severity.WARNING, "summary"))
    sections, body_diags = parse_body(body, location, body_line,
                                      resolve_src=lambda src: _resolve_src(src, path, root))
    diags.extend(body_diags)
    if not sections:
        diags.append(Diagnostic(location.at(body_line), "no sections: add at least one "
                                "'## Heading {#anchor}'", code="sections"))
    condition = m.Condition(
        id=cid, slug=path.stem, lang=lang, title=title.strip(), summary=" ".join(summary.split()),
        sections=sections, status=status, source_url=str(y.data.get("source_url", "") or ""),
        last_updated=_date(y, "last_updated", diags), reviewed_on=_date(y, "reviewed_on", diags),
        review_due=_date(y, "review_due", diags), reviewers=_strings(y, "reviewers", diags),
        keywords=_strings(y, "keywords", diags), location=location, field_lines=dict(y.lines),
    )
    return condition, diags


def load(root: str | Path, *, today: dt.date | None = None) -> LoadResult:
    """Read and check every file under ``root``; never raises for content problems."""
    root = Path(root)
    diags: list[Diagnostic] = []
    if not root.is_dir():
        diags.append(Diagnostic(Location(_display(root)), "content folder not found", code="missing"))
        return LoadResult(m.Content(m.Site(name=""), (), str(root)), tuple(diags))
    site = load_site(root, diags)
    parsed: list[tuple[m.Condition, list[Diagnostic]]] = []
    for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        if lang_dir.name in ("images", "media") or lang_dir.name.startswith((".", "_")):
            continue
        if not _LANG_RE.match(lang_dir.name):
            continue
        for path in sorted(lang_dir.glob("*.md")):
            condition, cdiags = load_condition(path, lang_dir.name, site, root)
            if condition is None:
                diags.extend(cdiags)
            else:
                parsed.append((condition, cdiags))
    more = validate_content(site, [c for c, _ in parsed], root, today or dt.date.today())
    failed: list[str] = []
    good: list[m.Condition] = []
    for condition, cdiags in parsed:
        mine = cdiags + more.get(condition.location.path, [])
        diags.extend(mine)
        if any(d.is_error for d in mine):
            failed.append(condition.location.path)
        else:
            good.append(condition)
    failed += sorted({d.location.path for d in diags if d.is_error and d.location.path.endswith(".md")}
                     - set(failed) - {c.location.path for c in good})
    diags.extend(more.get("", []))
    diags.sort(key=lambda d: (d.location.path, d.location.line))
    return LoadResult(m.Content(site, tuple(good), str(root)), tuple(diags), tuple(sorted(set(failed))))


def load_content(root: str | Path, *, strict: bool = False, today: dt.date | None = None) -> m.Content:
    """Load ``root`` and return its content; raise ContentError listing every problem."""
    result = load(root, today=today)
    if not result.ok(strict=strict):
        problems = result.diagnostics if strict else result.errors
        raise ContentError(problems)
    return result.content


def _display(path: Path) -> str:
    """A path as diagnostics show it: under the content root exactly as the caller named
    it (``content/en/x.md`` for ``load("content")``), whatever the current directory."""
    return path.as_posix()
