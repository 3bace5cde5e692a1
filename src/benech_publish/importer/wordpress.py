"""WordPress REST API pages → ``content/<lang>/<slug>.md`` drafts.

Takes: a source (a saved REST API answer: one page object or the array that
``/wp-json/wp/v2/pages`` returns; a folder of such ``.json`` files; or an
http(s) address of such an endpoint) and a content folder. Gives: one
Markdown file per page, ``status: draft``, and an :class:`ImportReport`
saying per page what was written, skipped or failed, what was dropped and
what needs a person's review (including the loader's diagnostics for the
written file). Never prints.

Mapping: ``title.rendered`` → title; ``slug`` → file name and id; ``link`` →
``source_url``; ``modified_gmt`` → ``last_updated``; the language from
``yoast_head_json.og_locale``, the schema graph's ``inLanguage``, a
``lang`` field, or the ``/<lang>/`` path of ``link``; ``content.rendered``
→ sections (see :mod:`.html2model`).

Safety (``docs/import.md``, "Security"): only http(s) sources are fetched,
under :mod:`.net`'s policy (one deadline per download, a size limit,
redirects only within the origin asked, no private or link-local addresses
except the source asked); images only from the origin asked or hosts listed
explicitly (:mod:`.images`); file names only from a sanitised slug or the
title; nothing is written outside ``content/<lang>/`` and
``content/images/<slug>/``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from .. import model as m
from ..errors import ConfigError, Diagnostic, ImportError_
from ..markdown import slugify
from ..util import atomic_write
from . import html2model, net
from .diff import markdown_diff
from .images import localise
from .markdown_out import to_markdown

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


# --------------------------------------------------------------------------- report


@dataclass
class PageResult:
    """One page of the source: ``status`` is ``written``, ``skipped``, ``failed`` or
    ``compared`` (``--diff``: ``diff`` holds the changes, empty when none)."""

    origin: str
    status: str
    path: Path | None = None
    title: str = ""
    lang: str = ""
    slug: str = ""
    reason: str = ""
    dropped: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)
    images: list[Path] = field(default_factory=list)
    diff: str = ""
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def valid(self) -> bool:
        """The written file loads without errors (warnings allowed)."""
        return self.status == "written" and not any(d.is_error for d in self.diagnostics)


@dataclass
class ImportReport:
    """Everything an import did, page by page, plus notes about the source."""

    source: str
    pages: list[PageResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def _with(self, status: str) -> list[PageResult]:
        return [p for p in self.pages if p.status == status]

    @property
    def written(self) -> list[PageResult]:
        return self._with("written")

    @property
    def skipped(self) -> list[PageResult]:
        return self._with("skipped")

    @property
    def failed(self) -> list[PageResult]:
        return self._with("failed")

    @property
    def compared(self) -> list[PageResult]:
        return self._with("compared")

    @property
    def needs_review(self) -> list[PageResult]:
        return [p for p in self.written if p.review or not p.valid]

    @property
    def will_build(self) -> list[PageResult]:
        """Written files the loader's check passes (they build as they are)."""
        return [p for p in self.written if p.valid]

    @property
    def problems(self) -> list[Diagnostic]:
        """The check's errors in the written files, each with its ``file:line``."""
        return [d for p in self.written for d in p.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        """Every page was written and validates (with ``--diff``: every page was compared)."""
        return bool(self.pages) and all(p.valid or p.status == "compared" for p in self.pages)


# --------------------------------------------------------------------------- sources


@dataclass
class _Item:
    origin: str
    page: Any = None
    error: str = ""


def _parse_json(data: bytes, origin: str) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def _items(value: Any, origin: str) -> list[_Item]:
    if isinstance(value, dict):
        if "code" in value and "message" in value and "content" not in value:
            return [
                _Item(
                    origin,
                    error=f"the site answered with an error: {value.get('code')}: "
                    f"{html2model.html_to_text(str(value.get('message')))}",
                )
            ]
        return [_Item(origin, value)]
    if isinstance(value, list):
        if not value:
            return []
        return [_Item(f"{origin}[{i}]", v) for i, v in enumerate(value)]
    return [_Item(origin, error=f"expected a page object or a list of page objects, not {type(value).__name__}")]


def is_address(source: str | Path) -> bool:
    """``source`` is written as an address (``scheme:...``), not a file name."""
    text = str(source)
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text)) or text.lower().startswith(
        ("file:", "data:", "javascript:")
    )


def source_policy(url: str, *, timeout: float, max_bytes: int) -> net.Policy:
    """The source address the user typed: its own origin only, whatever its address."""
    origin = net.origin_of(url)
    if origin is None:
        raise ImportError_(url, "only http:// and https:// addresses, files and folders can be imported")
    return net.Policy(frozenset({origin}), timeout, max_bytes, private_ok=frozenset({origin}), link_local_ok=True)


def read_source(
    source: str | Path, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[list[_Item], list[str]]:
    """The pages of ``source`` (each possibly an error) and notes about the source."""
    notes: list[str] = []
    text = str(source)
    if is_address(text):
        body, headers, _ = net.fetch(text, source_policy(text, timeout=timeout, max_bytes=max_bytes))
        try:
            value = _parse_json(body, text)
        except ValueError as exc:
            kind = headers.get("content-type", "unknown type").split(";")[0]
            raise ImportError_(
                text,
                f"the answer is not JSON ({kind}; {exc}): give the REST API "
                "address, e.g. https://site/wp-json/wp/v2/pages?slug=...",
            ) from None
        total = headers.get("x-wp-totalpages", "")
        if total.isdigit() and int(total) > 1:
            notes.append(
                f"the site has {total} pages of results; only this one was imported "
                "(add &page=2, ... or &per_page=100 to the address)"
            )
        return _items(value, text), notes
    path = Path(source)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".json" and p.is_file())
        if not files:
            raise ImportError_(path, "no .json files in this folder")
        items: list[_Item] = []
        for file in files:
            try:
                items.extend(_items(_parse_json(_read_limited(file, max_bytes), str(file)), str(file)))
            except ValueError as exc:
                items.append(_Item(str(file), error=str(exc)))
        return items, notes
    if not path.exists():
        raise ImportError_(path, "no such file or folder")
    try:
        value = _parse_json(_read_limited(path, max_bytes), str(path))
    except ValueError as exc:
        raise ImportError_(path, str(exc)) from None
    return _items(value, str(path)), notes


def _read_limited(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ValueError(f"file too large ({size} bytes; the limit is {max_bytes})")
        return path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read: {exc.strerror or exc}") from None


# --------------------------------------------------------------------------- mapping


def _rendered(page: dict, key: str) -> str:
    value = page.get(key)
    if isinstance(value, dict):
        value = value.get("rendered", "")
    return value if isinstance(value, str) else ""


def detect_language(page: dict, languages: Iterable[str] = ()) -> tuple[str, str]:
    """``(language code, where it came from)``, or ``("", "")`` when nothing says."""
    yoast_value = page.get("yoast_head_json")
    yoast: dict[str, Any] = yoast_value if isinstance(yoast_value, dict) else {}
    candidates: list[tuple[str, str]] = []
    if isinstance(yoast.get("og_locale"), str):
        candidates.append((yoast["og_locale"], "og_locale"))
    schema = yoast.get("schema")
    graph = schema.get("@graph") if isinstance(schema, dict) else None
    if isinstance(graph, list):
        for node in graph:
            if isinstance(node, dict) and node.get("@type") == "WebPage" and isinstance(node.get("inLanguage"), str):
                candidates.append((node["inLanguage"], "inLanguage"))
    for key in ("lang", "language", "locale"):
        if isinstance(page.get(key), str):
            candidates.append((page[key], key))
    link_value = page.get("link")
    link = link_value if isinstance(link_value, str) else ""
    first = PurePosixPath(urlsplit(link).path).parts[1:2]
    if first and re.match(r"^[a-z]{2}(-[a-z]{2})?$", first[0].lower()):
        code = first[0].lower()
        if not languages or code.split("-")[0] in languages:
            candidates.append((code, "the /" + first[0] + "/ path"))
    for value, where in candidates:
        code = html2model._lang_code(value)
        if re.match(r"^[a-z]{2,3}$", code):
            return code, where
    return "", ""


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _summary(page: dict, sections: tuple[m.Section, ...]) -> tuple[str, str]:
    """A summary and where it came from: a hand-written excerpt, else the first sentences."""
    excerpt = html2model.html_to_text(_rendered(page, "excerpt"))
    automatic = excerpt.endswith(("[…]", "[&hellip;]", "…", "...")) or not excerpt
    if not automatic and len(excerpt) <= 400:
        return excerpt, "the page's excerpt"
    for section in sections:
        for block in section.walk():
            for b in block.blocks:
                if isinstance(b, m.Paragraph):
                    text = " ".join(m.plain_text(b.inlines).split())
                    sentences = re.split(r"(?<=[.!?])\s+", text)
                    summary = ""
                    for s in sentences:
                        if summary and len(summary) + len(s) > 240:
                            break
                        summary = f"{summary} {s}".strip()
                    return summary, "the first sentences of the text"
    return "", ""


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 80
LANG_RE = re.compile(r"^[a-z]{2,3}$")


def sanitise_slug(text: str) -> str:
    """Lower-case ASCII letters, digits and single hyphens (at most MAX_SLUG), or ''."""
    slug = slugify(text)
    if slug == "section" and "section" not in text.lower():
        return ""
    return slug[:MAX_SLUG].strip("-")


def file_slug(raw: Any, title: str, result: PageResult) -> str:
    """The file name (without ``.md``): from the page's slug, else its title, else refused.

    Never from the page's ``id`` or anything else: nothing in the page can
    name a file outside ``content/<lang>/``.
    """
    raw_slug = raw if isinstance(raw, str) else ""
    slug = sanitise_slug(unquote(raw_slug)) if raw_slug else ""
    if slug and slug != raw_slug:
        result.repaired.append(f"slug '{_quote(raw_slug)}' written as '{slug}'")
    if not slug:
        slug = sanitise_slug(title)
        if not slug:
            raise ValueError(f"the page has no usable slug or title to name its file (slug '{_quote(raw_slug)}')")
        result.review.append(f"no usable slug ('{_quote(raw_slug)}'): the file is named '{slug}' after the title")
    assert SLUG_RE.match(slug), slug
    return slug


def _quote(text: str) -> str:
    return html2model.clean_text(text)[:60]


def _link_local(url: str) -> bool:
    host = (net.origin_of(url) or net.Origin("", "", 0)).host
    try:
        return ipaddress.ip_address(host).is_link_local
    except ValueError:
        return False


def check_lang(code: str) -> str:
    """A language code given by the user (``--lang``): 2-3 lower-case letters, else ConfigError."""
    if not LANG_RE.match(code):
        raise ConfigError(f"--lang '{_quote(code)}' is not a language code (2 or 3 lower-case letters, e.g. it, en)")
    return code


def page_to_condition(
    page: Any, *, languages: Iterable[str] = (), default_lang: str = ""
) -> tuple[m.Condition, PageResult]:
    """One REST API page object → a draft :class:`Condition` and its notes.

    Raises ValueError (with a plain reason) when ``page`` is not a page.
    """
    if not isinstance(page, dict):
        raise ValueError(f"expected a page object, not {type(page).__name__}")
    if not isinstance(page.get("content"), (dict, str)):
        raise ValueError("not a WordPress page: it has no 'content'")
    languages = tuple(languages)
    link_value = page.get("link")
    link = link_value if isinstance(link_value, str) else ""
    if net.origin_of(link) is None or _link_local(link):
        link = ""
    lang, lang_from = detect_language(page, languages)
    result = PageResult(origin="", status="failed")
    if not lang:
        if not default_lang:
            raise ValueError(
                "cannot tell the page's language (no og_locale, inLanguage or /<lang>/ path): give it with --lang"
            )
        lang, lang_from = default_lang, "the default language"
        result.review.append(f"language not stated by the page: assumed '{lang}'")
    elif default_lang and default_lang != lang:
        result.review.append(f"--lang {default_lang} overrides the page's language '{lang}' (from {lang_from})")
        lang = default_lang
    title = html2model.html_to_text(_rendered(page, "title"))
    content = page["content"] if isinstance(page["content"], str) else _rendered(page, "content")
    converted = html2model.convert(content, title=title, page_url=link, lang=lang)
    if not title:
        title = converted.title_from_h1
        if title:
            result.review.append("the page had no title: the first heading was used")
        else:
            result.review.append("the page has no title: write one in the front matter")
    if not converted.sections:
        result.review.append("the page has no sections to import: write them, or do not import it")
    slug = file_slug(page.get("slug"), title, result)
    summary, summary_from = _summary(page, converted.sections)
    if summary:
        result.review.append(f"summary taken from {summary_from}: check it")
    condition = m.Condition(
        id=slug,
        slug=slug,
        lang=lang,
        title=title,
        summary=summary,
        sections=converted.sections,
        status="draft",
        source_url=link,
        last_updated=_date(page.get("modified_gmt")) or _date(page.get("modified")),
    )
    result.title, result.lang, result.slug = title, lang, slug
    result.dropped += converted.dropped
    result.repaired += converted.repaired
    result.review += converted.review
    return condition, result


# --------------------------------------------------------------------------- import


def _site_languages(content_dir: Path) -> tuple[str, ...]:
    from ..loader import load_site

    if not (content_dir / "site.yaml").is_file():
        return ()
    return load_site(content_dir, []).languages


def image_policy(
    source: str | Path, image_hosts: Iterable[str], *, timeout: float, max_bytes: int
) -> net.Policy | None:
    """Where images may come from: the origin of the source asked, plus ``image_hosts``.

    Only the source's own origin may be on a loopback or private network;
    link-local addresses never. None when there is nowhere to fetch from.
    """
    origins: set[net.Origin] = set()
    private: frozenset[net.Origin] = frozenset()
    if is_address(source):
        asked = net.origin_of(str(source))
        if asked is not None:
            origins.add(asked)
            private = frozenset({asked})
    for host in image_hosts:
        found = net.host_origins(host)
        if not found:
            raise ConfigError(f"--image-host '{_quote(host)}' is not a host name")
        origins |= found
    if not origins:
        return None
    return net.Policy(frozenset(origins), timeout, max_bytes, private_ok=private)


def import_wordpress(
    source: str | Path,
    content_dir: str | Path = "content",
    *,
    force: bool = False,
    fetch_images: bool = True,
    lang: str = "",
    image_hosts: Iterable[str] = (),
    diff: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportReport:
    """Import every page of ``source`` into ``content_dir`` as draft Markdown files.

    Images are downloaded (``fetch_images``) from the source's origin and
    ``image_hosts``; otherwise each figure gets a local placeholder path and
    a review note. With ``diff`` nothing is written: each page gets the
    unified diff of its Markdown against the existing file (``page.diff``).
    Ends with the loader's check of the files written (``page.diagnostics``).

    One bad page is reported and the others are imported. Raises
    :class:`~benech_publish.errors.ConfigError` for an invalid ``lang`` or
    image host, :class:`~benech_publish.errors.ImportError_` only when the
    source as a whole cannot be read (missing file, broken JSON in a single
    file, an unreachable or non-JSON address, too large an answer).
    """
    content_dir = Path(content_dir)
    if lang:
        check_lang(lang)
    policy = image_policy(source, image_hosts, timeout=timeout, max_bytes=max_bytes)
    why_not = (
        "--no-fetch-images was given"
        if not fetch_images
        else "the source is a file: nothing is fetched unless its host is given with --image-host"
    )
    if not fetch_images:
        policy = None
    items, notes = read_source(source, timeout=timeout, max_bytes=max_bytes)
    report = ImportReport(str(source), notes=notes)
    if not items:
        report.notes.append("the source holds no pages")
        return report
    languages = _site_languages(content_dir)
    planned: dict[Path, str] = {}
    for item in items:
        if item.error:
            report.pages.append(PageResult(item.origin, "failed", reason=item.error))
            continue
        try:
            condition, result = page_to_condition(item.page, languages=languages, default_lang=lang)
        except ValueError as exc:
            report.pages.append(PageResult(item.origin, "failed", reason=str(exc)))
            continue
        result.origin = item.origin
        report.pages.append(result)
        if languages and condition.lang not in languages:
            result.reason = (
                f"language '{condition.lang}' is not one of the site's languages "
                f"({', '.join(languages)}): give one with --lang"
            )
            continue
        path = content_dir / condition.lang / f"{condition.slug}.md"
        if not _inside(path, content_dir):  # cannot happen with a sanitised slug and lang
            result.reason = f"{path} would be outside {content_dir}"
            continue
        result.path = path
        if path in planned:
            result.reason = f"{planned[path]} in this source already gives {path}"
            continue
        planned[path] = item.origin
        if path.exists() and not force and not diff:
            result.status, result.reason = (
                "skipped",
                (f"{path} exists (use --diff to see what changed, --force to replace it)"),
            )
            continue
        condition, images_done = localise(condition, content_dir, policy, why_not=why_not, write=not diff)
        result.review += images_done.review
        result.images += images_done.saved
        text = to_markdown(
            condition, comment=("Imported from WordPress: review the text, then set 'status: approved'.")
        )
        if diff:
            result.status, result.diff = "compared", markdown_diff(path, text)
            continue
        try:
            atomic_write(path, text.encode("utf-8"))
        except OSError as exc:
            result.reason = f"cannot write {path}: {exc.strerror or exc}"
            continue
        result.status = "written"
    _validate(report, content_dir)
    return report


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def _validate(report: ImportReport, content_dir: Path) -> None:
    """Attach the loader's diagnostics to each written file."""
    if not report.written:
        return
    from ..loader import load

    result = load(content_dir)
    by_path: dict[Path, list[Diagnostic]] = {}
    for d in result.diagnostics:
        try:
            key = Path(d.location.path).resolve()
        except (OSError, ValueError):  # pragma: no cover
            continue
        by_path.setdefault(key, []).append(d)
    for page in report.written:
        assert page.path is not None
        page.diagnostics = tuple(by_path.get(page.path.resolve(), ()))
