"""What the staff pages and the HTTP API show: a read-only snapshot of content and outputs.

Takes: a :class:`~benech_publish.loader.LoadResult` and the output folder.
Gives: a frozen :class:`Snapshot`: every condition in every language (also
those whose file is broken right now, with the last good version when there
is one), its problems, and the output files that exist for it, each with the
stable URL it is served under (``/files/<lang>/<name>``).

:func:`resolve_file` is the only place where a URL becomes a path on disk: a
language code and a file name matching strict patterns, mapped to
``<out>/<folder>/<lang>/<name>`` and accepted only when the real path (links
resolved) is a regular file inside the output folder.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .. import model as m
from ..errors import Diagnostic
from ..loader import LoadResult

#: Output file extension → (folder under the output folder, media type).
FILE_TYPES: dict[str, tuple[str, str]] = {
    "html": ("html", "text/html; charset=utf-8"),
    "pdf": ("pdf", "application/pdf"),
    "epub": ("epub", "application/epub+zip"),
    "brf": ("braille", "text/plain; charset=us-ascii"),
    "pef": ("braille", "application/x-pef+xml"),
}
#: What each kind of output is, per format.
KINDS = {"html": "page", "pdf": "leaflet", "epub": "booklet", "brf": "braille", "pef": "braille"}
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
NAME_RE = re.compile(r"^(?P<stem>[A-Za-z0-9][A-Za-z0-9_-]*)(?P<large>\.large)?\.(?P<ext>html|pdf|epub|brf|pef)$")
BOOKLET = "booklet"


@dataclass(frozen=True)
class OutputFile:
    """One built file, as served under ``/files/<lang>/<name>``."""

    lang: str
    name: str
    path: Path
    kind: str  # page | leaflet | booklet | braille
    edition: str  # standard | large
    format: str  # html | pdf | epub | brf | pef
    size: int
    modified: dt.datetime  # UTC

    @property
    def url(self) -> str:
        return f"/files/{self.lang}/{self.name}"

    @property
    def media_type(self) -> str:
        return FILE_TYPES[self.format][1]


@dataclass(frozen=True)
class Entry:
    """One condition in one language: its model (last good one), problems and outputs."""

    lang: str
    slug: str
    source: str  # the content file, as diagnostics name it
    condition: m.Condition | None  # None: never loaded without errors
    broken: bool  # the file has errors now (outputs are from the last good version)
    problems: tuple[Diagnostic, ...]
    outputs: tuple[OutputFile, ...]

    @property
    def title(self) -> str:
        return self.condition.title if self.condition and self.condition.title else self.slug

    @property
    def status(self) -> str:
        return self.condition.status if self.condition else "draft"

    @property
    def errors(self) -> int:
        return sum(1 for d in self.problems if d.is_error)

    def overdue(self, today: dt.date) -> bool:
        due = self.condition.review_due if self.condition else None
        return due is not None and due < today

    def output(self, fmt: str, edition: str) -> OutputFile | None:
        return next((o for o in self.outputs if o.format == fmt and o.edition == edition), None)

    @property
    def url(self) -> str:
        return f"/conditions/{self.lang}/{self.slug}"


@dataclass(frozen=True)
class Snapshot:
    """Content and outputs at one moment; pages and API answers are made from one snapshot."""

    site_name: str
    languages: tuple[str, ...]
    entries: tuple[Entry, ...]
    booklets: tuple[OutputFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    out_dir: Path

    def entry(self, lang: str, slug: str) -> Entry | None:
        return next((e for e in self.entries if e.lang == lang and e.slug == slug), None)

    def in_language(self, lang: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.lang == lang)

    def booklets_in(self, lang: str) -> tuple[OutputFile, ...]:
        return tuple(b for b in self.booklets if b.lang == lang)

    def by_file(self) -> list[tuple[str, tuple[Diagnostic, ...]]]:
        """Diagnostics grouped by file, files in name order, lines in order."""
        files: dict[str, list[Diagnostic]] = {}
        for d in sorted(self.diagnostics, key=lambda d: (d.location.path, d.location.line)):
            files.setdefault(d.location.path, []).append(d)
        return [(path, tuple(ds)) for path, ds in files.items()]

    @property
    def error_count(self) -> int:
        return sum(1 for d in self.diagnostics if d.is_error)


def take_snapshot(
    loaded: LoadResult, out_dir: Path, previous: Snapshot | None = None, *, extra: tuple[Diagnostic, ...] = ()
) -> Snapshot:
    """Combine what was loaded with what exists in ``out_dir`` (only ``stat`` calls).

    ``extra``: more diagnostics to show (the template overrides' problems).
    """
    content = loaded.content
    last_good = {(e.lang, e.slug): e.condition for e in previous.entries} if previous else {}
    entries: list[Entry] = []
    seen: set[tuple[str, str]] = set()
    for lang in content.languages:
        for c in content.in_language(lang):
            seen.add((c.lang, c.slug))
            entries.append(_entry(c.lang, c.slug, c.location.path, c, False, loaded, out_dir))
    for source in loaded.failed_files:
        path = Path(source)
        key = (path.parent.name, path.stem)
        if key in seen or not LANG_RE.match(key[0]):
            continue
        seen.add(key)
        entries.append(_entry(key[0], key[1], source, last_good.get(key), True, loaded, out_dir))
    languages = tuple(dict.fromkeys([*content.languages, *(e.lang for e in entries)]))
    entries.sort(key=lambda e: (languages.index(e.lang), _rank(content.site, e), e.slug))
    booklets = tuple(f for lang in languages for f in _files(out_dir, lang, BOOKLET))
    return Snapshot(
        site_name=content.site.name,
        languages=languages,
        entries=tuple(entries),
        booklets=booklets,
        diagnostics=loaded.diagnostics + tuple(extra),
        out_dir=out_dir,
    )


def _rank(site: m.Site, e: Entry) -> int:
    cid = e.condition.id if e.condition else ""
    return site.order.index(cid) if cid in site.order else len(site.order)


def _entry(
    lang: str, slug: str, source: str, condition: m.Condition | None, broken: bool, loaded: LoadResult, out_dir: Path
) -> Entry:
    problems = tuple(d for d in loaded.diagnostics if d.location.path == source)
    return Entry(
        lang=lang,
        slug=slug,
        source=source,
        condition=condition,
        broken=broken,
        problems=problems,
        outputs=tuple(_files(out_dir, lang, slug)),
    )


def _files(out_dir: Path, lang: str, stem: str) -> Iterable[OutputFile]:
    for ext in FILE_TYPES:
        for suffix in ("", ".large"):
            found = resolve_file(out_dir, lang, f"{stem}{suffix}.{ext}")
            if found is not None:
                yield found


def resolve_file(out_dir: Path, lang: str, name: str) -> OutputFile | None:
    """The output file served as ``/files/<lang>/<name>``, or None (then: 404).

    Only names made of the patterns above are considered, and only a regular
    file whose real path lies inside the output folder is returned: no
    ``..``, no absolute paths, no links leading out, no folders.
    """
    match = NAME_RE.match(name)
    if not LANG_RE.match(lang) or match is None:
        return None
    ext = match["ext"]
    root = out_dir.resolve()
    candidate = out_dir / FILE_TYPES[ext][0] / lang / name
    try:
        real = candidate.resolve(strict=True)
        real.relative_to(root)
        info = real.stat()
    except (OSError, ValueError, RuntimeError):
        return None
    if not real.is_file():
        return None
    kind = BOOKLET if match["stem"] == BOOKLET else KINDS[ext]
    return OutputFile(
        lang=lang,
        name=name,
        path=real,
        kind=kind,
        edition="large" if match["large"] else "standard",
        format=ext,
        size=info.st_size,
        modified=dt.datetime.fromtimestamp(info.st_mtime, dt.UTC),
    )
