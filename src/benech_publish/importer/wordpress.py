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

Safety: only http(s) sources are fetched, with a time-out and a size limit;
images are downloaded only with ``fetch_images``, only over http(s) from the
page's own site, only raster formats (PNG, JPEG, GIF, WebP) recognised by
their bytes, and saved under ``content/images/<slug>/``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

from .. import model as m
from ..errors import Diagnostic, ImportError_
from ..markdown import slugify
from ..util import atomic_write
from . import html2model
from .markdown_out import to_markdown

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
IMAGE_MAX_BYTES = 15 * 1024 * 1024
USER_AGENT = "benech-publish-importer/1 (+https://www.benech-neurochirurgia.it)"
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF87a", ".gif"),
                (b"GIF89a", ".gif"))


# --------------------------------------------------------------------------- report


@dataclass
class PageResult:
    """One page of the source: ``status`` is ``written``, ``skipped`` or ``failed``."""

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
    def needs_review(self) -> list[PageResult]:
        return [p for p in self.written if p.review or not p.valid]

    @property
    def ok(self) -> bool:
        """Every page was written and validates."""
        return bool(self.pages) and all(p.valid for p in self.pages)


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
            return [_Item(origin, error=f"the site answered with an error: {value.get('code')}: "
                          f"{html2model.html_to_text(str(value.get('message')))}")]
        return [_Item(origin, value)]
    if isinstance(value, list):
        if not value:
            return []
        return [_Item(f"{origin}[{i}]", v) for i, v in enumerate(value)]
    return [_Item(origin, error="expected a page object or a list of page objects, "
                  f"not {type(value).__name__}")]


class _SameSchemeRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) addresses."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        if urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.URLError(f"refused a redirect to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(redirects: urllib.request.HTTPRedirectHandler | None = None) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(redirects or _SameSchemeRedirects())


def fetch(url: str, *, timeout: float, max_bytes: int, accept: str = "application/json",
          opener: urllib.request.OpenerDirector | None = None) -> tuple[bytes, dict[str, str], str]:
    """GET ``url`` → ``(body, headers, final url)``; raises ImportError_ with a plain reason."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ImportError_(url, "only http:// and https:// addresses can be fetched")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
    try:
        with (opener or _opener()).open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ImportError_(url, f"the answer is too large ({int(length)} bytes; the limit "
                                   f"is {max_bytes})")
            body = response.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise ImportError_(url, f"the answer is too large (more than {max_bytes} bytes)")
            return body, {k.lower(): v for k, v in response.headers.items()}, response.geturl()
    except ImportError_:
        raise
    except urllib.error.HTTPError as exc:
        raise ImportError_(url, f"the server answered HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise ImportError_(url, f"no answer within {timeout:g} s") from None
        raise ImportError_(url, f"cannot reach the site (offline, or a wrong address?): "
                           f"{reason}") from None
    except (socket.timeout, TimeoutError):
        raise ImportError_(url, f"no answer within {timeout:g} s") from None
    except (OSError, ValueError) as exc:  # connection reset, bad URL, ...
        raise ImportError_(url, f"cannot read the answer: {exc}") from None


def read_source(source: str | Path, *, timeout: float = DEFAULT_TIMEOUT,
                max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[_Item], list[str]]:
    """The pages of ``source`` (each possibly an error) and notes about the source."""
    notes: list[str] = []
    text = str(source)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text) or text.lower().startswith(("file:", "data:")):
        if urlsplit(text).scheme.lower() not in ("http", "https"):
            raise ImportError_(text, "only http:// and https:// addresses, files and folders "
                               "can be imported")
        body, headers, _ = fetch(text, timeout=timeout, max_bytes=max_bytes)
        try:
            value = _parse_json(body, text)
        except ValueError as exc:
            kind = headers.get("content-type", "unknown type").split(";")[0]
            raise ImportError_(text, f"the answer is not JSON ({kind}; {exc}): give the REST API "
                               "address, e.g. https://site/wp-json/wp/v2/pages?slug=...") from None
        total = headers.get("x-wp-totalpages", "")
        if total.isdigit() and int(total) > 1:
            notes.append(f"the site has {total} pages of results; only this one was imported "
                         "(add &page=2, ... or &per_page=100 to the address)")
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
    yoast = page.get("yoast_head_json") if isinstance(page.get("yoast_head_json"), dict) else {}
    candidates: list[tuple[str, str]] = []
    if isinstance(yoast.get("og_locale"), str):
        candidates.append((yoast["og_locale"], "og_locale"))
    schema = yoast.get("schema")
    graph = schema.get("@graph") if isinstance(schema, dict) else None
    if isinstance(graph, list):
        for node in graph:
            if isinstance(node, dict) and node.get("@type") == "WebPage" and isinstance(
                    node.get("inLanguage"), str):
                candidates.append((node["inLanguage"], "inLanguage"))
    for key in ("lang", "language", "locale"):
        if isinstance(page.get(key), str):
            candidates.append((page[key], key))
    link = page.get("link") if isinstance(page.get("link"), str) else ""
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


def page_to_condition(page: Any, *, languages: Iterable[str] = (),
                      default_lang: str = "") -> tuple[m.Condition, PageResult]:
    """One REST API page object → a draft :class:`Condition` and its notes.

    Raises ValueError (with a plain reason) when ``page`` is not a page.
    """
    if not isinstance(page, dict):
        raise ValueError(f"expected a page object, not {type(page).__name__}")
    if not isinstance(page.get("content"), (dict, str)):
        raise ValueError("not a WordPress page: it has no 'content'")
    languages = tuple(languages)
    link = page.get("link") if isinstance(page.get("link"), str) else ""
    if urlsplit(link).scheme.lower() not in ("http", "https"):
        link = ""
    lang, lang_from = detect_language(page, languages)
    result = PageResult(origin="", status="failed")
    if not lang:
        if not default_lang:
            raise ValueError("cannot tell the page's language (no og_locale, inLanguage or "
                             "/<lang>/ path): give it with --lang")
        lang, lang_from = default_lang, "the default language"
        result.review.append(f"language not stated by the page: assumed '{lang}'")
    elif default_lang and default_lang != lang:
        result.review.append(f"--lang {default_lang} overrides the page's language "
                             f"'{lang}' (from {lang_from})")
        lang = default_lang
    title = html2model.html_to_text(_rendered(page, "title"))
    content = page["content"] if isinstance(page["content"], str) else _rendered(page, "content")
    converted = html2model.convert(content, title=title, page_url=link, lang=lang)
    if not title:
        title = converted.title_from_h1
        if title:
            result.review.append("the page had no title: the first heading was used")
    raw_slug = page.get("slug") if isinstance(page.get("slug"), str) else ""
    slug = slugify(unquote(raw_slug)) if raw_slug else ""
    if not raw_slug or slug == "section" and raw_slug != "section":
        slug = slugify(title) if title else f"page-{page.get('id', 'untitled')}"
        result.review.append(f"no usable slug: the file is named '{slug}'")
    elif slug != raw_slug:
        result.repaired.append(f"slug '{raw_slug}' written as '{slug}'")
    summary, summary_from = _summary(page, converted.sections)
    if summary:
        result.review.append(f"summary taken from {summary_from}: check it")
    condition = m.Condition(
        id=slug, slug=slug, lang=lang, title=title, summary=summary,
        sections=converted.sections, status="draft", source_url=link,
        last_updated=_date(page.get("modified_gmt")) or _date(page.get("modified")),
    )
    result.title, result.lang, result.slug = title, lang, slug
    result.dropped += converted.dropped
    result.repaired += converted.repaired
    result.review += converted.review
    return condition, result


# --------------------------------------------------------------------------- images


def _image_name(url: str, data: bytes) -> str:
    ext = next((e for magic, e in _IMAGE_MAGIC if data.startswith(magic)), "")
    if not ext and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        ext = ".webp"
    if not ext:
        return ""
    stem = slugify(PurePosixPath(unquote(urlsplit(url).path)).stem)[:60] or "image"
    return stem + ext


def _same_site(a: str, b: str) -> bool:
    host = lambda u: (urlsplit(u).hostname or "").lower().removeprefix("www.")  # noqa: E731
    return bool(host(a)) and host(a) == host(b)


class _SameSiteRedirects(_SameSchemeRedirects):
    def __init__(self, site: str):
        self.site = site

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
        if not _same_site(newurl, self.site):
            raise urllib.error.URLError(f"refused a redirect to another site ({newurl})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch_images(condition: m.Condition, result: PageResult, content_dir: Path, *,
                  force: bool, timeout: float) -> m.Condition:
    """Download the page's own-site http(s) images; other images stay as they are, reported."""
    site = condition.source_url
    saved: dict[str, str] = {}

    def fetch_one(fig: m.Figure) -> m.Figure:
        url = fig.src
        if url in saved:
            return replace(fig, src=saved[url])
        if urlsplit(url).scheme not in ("http", "https"):
            return fig
        if not site or not _same_site(url, site):
            result.review.append(f"image {url} is on another site: not downloaded")
            return fig
        try:
            data, _, _ = fetch(url, timeout=timeout, max_bytes=IMAGE_MAX_BYTES, accept="image/*",
                               opener=_opener(_SameSiteRedirects(site)))
        except ImportError_ as exc:
            result.review.append(f"image not downloaded: {exc}")
            return fig
        name = _image_name(url, data)
        if not name:
            result.review.append(f"image {url} is not a PNG, JPEG, GIF or WebP file: not downloaded")
            return fig
        rel = f"images/{condition.slug}/{name}"
        target = content_dir / rel
        if target.exists() and not force and target.read_bytes() != data:
            result.review.append(f"image {rel} already exists and differs from {url}: kept the "
                                 "existing file (use --force to replace it)")
        elif not target.exists() or force:
            atomic_write(target, data)
            result.images.append(target)
        saved[url] = rel
        return replace(fig, src=rel)

    def walk_blocks(blocks: tuple[m.Block, ...]) -> tuple[m.Block, ...]:
        out: list[m.Block] = []
        for b in blocks:
            if isinstance(b, m.Figure):
                b = fetch_one(b)
            elif isinstance(b, (m.BulletList, m.NumberedList)):
                b = replace(b, items=tuple(m.ListItem(walk_blocks(i.blocks)) for i in b.items))
            elif isinstance(b, m.Note):
                b = replace(b, blocks=walk_blocks(b.blocks))
            out.append(b)
        return tuple(out)

    def walk(section: m.Section) -> m.Section:
        return replace(section, blocks=walk_blocks(section.blocks),
                       subsections=tuple(walk(s) for s in section.subsections))

    return replace(condition, sections=tuple(walk(s) for s in condition.sections))


# --------------------------------------------------------------------------- import


def _site_languages(content_dir: Path) -> tuple[str, ...]:
    from ..loader import load_site

    if not (content_dir / "site.yaml").is_file():
        return ()
    return load_site(content_dir, []).languages


def import_wordpress(source: str | Path, content_dir: str | Path = "content", *,
                     force: bool = False, fetch_images: bool = False, lang: str = "",
                     timeout: float = DEFAULT_TIMEOUT,
                     max_bytes: int = DEFAULT_MAX_BYTES) -> ImportReport:
    """Import every page of ``source`` into ``content_dir`` as draft Markdown files.

    One bad page is reported and the others are imported. Raises
    :class:`~benech_publish.errors.ImportError_` only when the source as a
    whole cannot be read (missing file, broken JSON in a single file, an
    unreachable or non-JSON address, too large an answer).
    """
    content_dir = Path(content_dir)
    items, notes = read_source(source, timeout=timeout, max_bytes=max_bytes)
    report = ImportReport(str(source), notes=notes)
    if not items:
        report.notes.append("the source holds no pages")
        return report
    languages = _site_languages(content_dir)
    default_lang = lang
    planned: dict[Path, str] = {}
    for item in items:
        if item.error:
            report.pages.append(PageResult(item.origin, "failed", reason=item.error))
            continue
        try:
            condition, result = page_to_condition(item.page, languages=languages,
                                                  default_lang=default_lang)
        except ValueError as exc:
            report.pages.append(PageResult(item.origin, "failed", reason=str(exc)))
            continue
        except RecursionError:
            report.pages.append(PageResult(item.origin, "failed",
                                           reason="the page's HTML is nested too deeply"))
            continue
        result.origin = item.origin
        path = content_dir / condition.lang / f"{condition.slug}.md"
        result.path = path
        report.pages.append(result)
        if path in planned:
            result.status, result.reason = "failed", (f"{planned[path]} in this source already "
                                                      f"gives {path}")
            continue
        planned[path] = item.origin
        if path.exists() and not force:
            result.status, result.reason = "skipped", f"{path} exists (use --force to replace it)"
            continue
        if fetch_images:
            condition = _fetch_images(condition, result, content_dir, force=force, timeout=timeout)
        text = to_markdown(condition, comment=(
            "Imported from WordPress: review the text, then set 'status: approved'."))
        try:
            atomic_write(path, text.encode("utf-8"))
        except OSError as exc:
            result.status, result.reason = "failed", f"cannot write {path}: {exc.strerror or exc}"
            continue
        result.status = "written"
    _validate(report, content_dir)
    return report


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
