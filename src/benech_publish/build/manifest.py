"""The build manifest: what each output was made from, so a rebuild makes exactly what changed.

Takes: the planned jobs, the loaded content and the options. Gives: for each
output a digest of everything its bytes depend on, the outputs that are
stale (:meth:`Manifest.stale`), the outputs of conditions and languages that
no longer exist (:meth:`Manifest.obsolete`), and ``out/.benech-manifest.json``
written atomically, only when it changed (a no-op rebuild writes nothing).

An output's digest covers: the package version and every file of the package
(code, templates, CSS, hyphenation lists), the versions of the libraries that
shape the bytes (WeasyPrint, pydyf, fonts, ...), ``site.yaml`` and the logo,
the override templates folder (every file, when it overrides a packaged
template), the content file of each
condition it shows and the images those use, the option values its kind
depends on (:attr:`JobKind.depends_on`; all of them when override templates
are in effect, since those may read any option), and its kind, edition and
format. A recorded output is also rebuilt when its file is missing or was
changed after the build wrote it (size or modification time differ).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from .. import model as m
from ..options import Options
from ..overrides import PROTECTED, packaged_templates
from ..render import edition
from ..util import atomic_write
from .jobs import KINDS, Job, output_options

MANIFEST_NAME = ".benech-manifest.json"
MANIFEST_VERSION = 1
PACKAGE = Path(__file__).resolve().parent.parent
#: Distributions whose version can change the bytes of an output.
LIBRARIES = (
    "weasyprint",
    "pydyf",
    "tinycss2",
    "cssselect2",
    "fonttools",
    "pyphen",
    "jinja2",
    "markdown-it-py",
    "mdit-py-plugins",
    "pyyaml",
    "babel",
    "segno",
    "lxml",
    "ebooklib",
    "fontpkg-atkinson-hyperlegible",
    "pikepdf",
)


@dataclass(frozen=True)
class Entry:
    """What the manifest records about one output file."""

    kind: str
    lang: str
    slug: str  # "" for a per-language output
    digest: str
    size: int
    mtime_ns: int
    findings: str = ""
    notices: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lang": self.lang,
            "slug": self.slug,
            "digest": self.digest,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "findings": self.findings,
            "notices": list(self.notices),
        }

    @staticmethod
    def from_json(data: Any) -> Entry:
        return Entry(
            str(data["kind"]),
            str(data["lang"]),
            str(data["slug"]),
            str(data["digest"]),
            int(data["size"]),
            int(data["mtime_ns"]),
            str(data.get("findings", "")),
            tuple(str(n) for n in data.get("notices", ())),
        )


def _hash(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def _file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"  # the job itself reports the missing file


def _tree(folder: Path) -> list[str | bytes]:
    parts: list[str | bytes] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        parts += [path.relative_to(folder).as_posix(), _file(path)]
    return parts


def _overrides_something(folder: Path) -> bool:
    packaged = set(packaged_templates()) - {PROTECTED}
    return any(p.is_file() and p.relative_to(folder).as_posix() in packaged for p in folder.rglob("*"))


def _library_versions() -> list[str]:
    """``name=version`` of each of :data:`LIBRARIES` (``name=none`` when not installed).

    The version is what ``importlib.metadata.version(name)`` gives, found the
    same way: the first ``*.dist-info``/``*.egg-info`` folder of that name
    (PEP 503 normalised) along ``sys.path``, its ``METADATA`` (else
    ``PKG-INFO``) ``Version`` field. Read here without importing
    ``importlib.metadata`` and ``email`` (they cost about 25 ms, a tenth of a
    no-op rebuild); from a ``sys.path`` entry that is an archive (zipimport)
    on, the search is left to ``importlib.metadata`` itself.
    """
    wanted = {_normalise(name) for name in LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        if os.path.isfile(entry):
            from importlib import metadata  # a zip on sys.path: importlib reads inside archives

            for name in LIBRARIES:
                if _normalise(name) not in found:
                    try:
                        found[_normalise(name)] = str(metadata.version(name))
                    except metadata.PackageNotFoundError:
                        pass
            break
        try:
            children = os.listdir(entry or ".")
        except OSError:
            continue
        for child in children:
            low = child.lower()
            if not low.endswith((".dist-info", ".egg-info")):
                continue
            key = _normalise(low.rpartition(".")[0].partition("-")[0])
            if key in wanted and key not in found:
                found[key] = _metadata_version(Path(entry or ".", child))
    return [f"{name}={found.get(_normalise(name), 'none')}" for name in LIBRARIES]


def _normalise(name: str) -> str:
    """A distribution name as importlib.metadata compares them (PEP 503, ``-`` as ``_``)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _metadata_version(folder: Path) -> str:
    """The first ``Version`` header of a distribution's metadata, as the ``email`` parser
    importlib uses reads it (``"None"``, as importlib gives, when there is none)."""
    for name in ("METADATA", "PKG-INFO"):  # a missing or empty METADATA: PKG-INFO, as importlib
        empty = True
        try:
            with (folder / name).open(encoding="utf-8") as handle:
                for line in handle:
                    empty = False
                    if not line.strip():
                        break  # the headers end at the first blank line
                    field_name, colon, value = line.partition(":")
                    if colon and field_name.strip().lower() == "version":
                        return value.lstrip(" \t").rstrip("\r\n")
        except OSError:
            continue
        if not empty:
            return "None"
    return "None"


class Digests:
    """Digests of every planned output, computed from file bytes (read once per build)."""

    def __init__(self, content: m.Content, options: Options):
        self.options = options
        self.root = Path(content.root or ".")
        site = [_file(self.root / "site.yaml")]
        if content.site.logo:
            site.append(_file(self.root / content.site.logo.src))
        #: An override folder counts when it overrides a packaged template (it may then
        #: read any option, and include any file of the folder); else it is never read.
        folder = Path(options.templates) if options.templates is not None else None
        self.overrides = folder is not None and _overrides_something(folder)
        templates = _tree(folder) if folder is not None and self.overrides else []
        self.common = _hash(__version__, *_tree(PACKAGE), *_library_versions(), *site, "templates", *templates)
        self._conditions: dict[tuple[str, str], str] = {}

    def condition(self, c: m.Condition) -> str:
        key = (c.lang, c.slug)
        value = self._conditions.get(key)
        if value is None:
            parts: list[str | bytes] = [c.lang, c.slug, _file(Path(c.location.path))]
            for figure in c.figures:
                parts += [figure.src, _file(self.root / figure.src)]
            value = self._conditions[key] = _hash(*parts)
        return value

    def of(self, job: Job, fmt: str) -> str:
        kind = KINDS[job.kind]
        ed = edition(job.edition, self.options)
        depends = output_options(self.options) if self.overrides else kind.depends_on(ed, self.options)
        sources = [job.condition] if job.condition is not None else list(job.members)
        return _hash(self.common, job.kind, fmt, job.edition, repr(depends), *(self.condition(c) for c in sources))


@dataclass
class Manifest:
    """The outputs this build folder holds, by path relative to it (POSIX)."""

    out: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    _saved: dict[str, Entry] = field(default_factory=dict)
    _on_disk: bool = False  # a readable manifest file exists

    @classmethod
    def load(cls, out_dir: str | Path) -> Manifest:
        """The folder's manifest; empty when there is none or it is unreadable (all is rebuilt)."""
        out = Path(out_dir)
        entries: dict[str, Entry] = {}
        try:
            data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                raise ValueError("another manifest version")
            entries = {str(k): Entry.from_json(v) for k, v in data["outputs"].items()}
            on_disk = True
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            entries, on_disk = {}, False
        return cls(out, entries, dict(entries), on_disk)

    def key(self, path: Path) -> str:
        return path.relative_to(self.out).as_posix()

    def stale(self, path: Path, digest: str) -> bool:
        """True when ``path`` must be made: unknown, digest changed, missing or changed on disk."""
        entry = self.entries.get(self.key(path))
        if entry is None or entry.digest != digest:
            return True
        try:
            stat = path.stat()
        except OSError:
            return True
        return stat.st_size != entry.size or stat.st_mtime_ns != entry.mtime_ns

    def entry(self, path: Path) -> Entry | None:
        return self.entries.get(self.key(path))

    def record(self, job: Job, path: Path, digest: str, findings: str, notices: tuple[str, ...]) -> None:
        stat = path.stat()
        self.entries[self.key(path)] = Entry(
            job.kind, job.lang, job.slug, digest, stat.st_size, stat.st_mtime_ns, findings, notices
        )

    def obsolete(self, content: m.Content, failed_files: tuple[str, ...] | list[str]) -> list[str]:
        """Recorded outputs whose condition or language no longer exists.

        A condition whose file failed to load still exists (its outputs are
        kept); so does a language with such a file.
        """
        conditions = {(c.lang, c.slug) for c in content.conditions}
        conditions |= {(Path(f).parent.name, Path(f).stem) for f in failed_files}
        languages = set(content.languages) | {lang for lang, _ in conditions}
        gone = []
        for key, entry in self.entries.items():
            if not entry.slug:  # a per-language output (a booklet), whatever kind wrote it
                exists = entry.lang in languages
            else:
                exists = (entry.lang, entry.slug) in conditions
            if not exists:
                gone.append(key)
        return gone

    def remove(self, key: str) -> Path | None:
        """Delete the recorded output ``key`` if it is still the file the build wrote.

        Only a regular file inside the output folder, unchanged since it was
        written, is deleted; the entry is dropped either way. Returns the
        deleted path.
        """
        entry = self.entries.pop(key)
        path = self.out / key
        try:
            inside = path.resolve().is_relative_to(self.out.resolve()) and not Path(key).is_absolute()
            stat = path.lstat()
        except (OSError, ValueError):
            return None
        if not inside or not path.is_file() or path.is_symlink():
            return None
        if stat.st_size != entry.size or stat.st_mtime_ns != entry.mtime_ns:
            return None
        path.unlink()
        _prune(path.parent, self.out)
        return path

    def save(self) -> bool:
        """Write the manifest atomically when it changed; True when written."""
        if self.entries == self._saved and (self._on_disk or not self.entries):
            return False
        data = {
            "version": MANIFEST_VERSION,
            "generator": f"benech-publish {__version__}",
            "outputs": {k: self.entries[k].as_json() for k in sorted(self.entries)},
        }
        atomic_write(self.out / MANIFEST_NAME, (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
        self._saved, self._on_disk = dict(self.entries), True
        return True


def _prune(folder: Path, out: Path) -> None:
    """Remove folders left empty by a removal, up to (not including) the output folder."""
    out = out.resolve()
    folder = folder.resolve()
    while folder != out and folder.is_relative_to(out):
        try:
            os.rmdir(folder)
        except OSError:
            return
        folder = folder.parent
