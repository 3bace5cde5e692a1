"""Jobs: what the build makes, one table entry per kind, and how one job is made.

Takes: loaded :class:`~benech_publish.model.Content`, the output folder and
:class:`~benech_publish.options.Options`. Gives: independent :class:`Job`\\ s
(:func:`plan`) and, for one job, its files written atomically and audited
(:func:`execute`, the same code in the build process and in a worker).

A kind of output is one entry of :data:`KINDS`: whether it is made per
condition or per language, its output files (format, folder, name), the
writer call, the check run on what it wrote (the PDF/UA audit for PDFs),
whether it needs the typesetter, the editions it is made in, and the options
its bytes depend on (for the manifest's digests). A new kind is one more
entry; nothing else in the build dispatches on the kind. Braille (BRF, PEF)
is an output of the leaflet and booklet kinds, in the standard edition: it
carries that PDF's print page numbers, so it is made from the same layout. A
writer that wants per-process state (compiled tables, say) keeps it itself:
each worker process has its own::

    KINDS["page"].produce(job, {"html"}, site, ctx)   # -> {"html": b"..."}
"""

from __future__ import annotations

import datetime as dt
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .. import model as m
from ..errors import AuditFailed, BenechError, ConfigError
from ..options import DEFAULT_OPTIONS, Options
from ..render import Edition, edition
from ..util import atomic_write

if TYPE_CHECKING:  # the writers (and the PDF audit) are imported when a job runs, so a
    from ..writers import Context  # no-op rebuild does not pay for importing them

Produce = Callable[["Job", frozenset[str], m.Site, "Context"], dict[str, bytes]]
#: Problems in what a job made, before it is written: (note, refusal under strict) or ("", "").
Check = Callable[["Job", dict[str, bytes], "Context"], tuple[str, str]]


@dataclass(frozen=True)
class OutputSpec:
    """One file a kind makes: ``out/<folder>/<lang>/<stem><edition suffix>.<ext>``.

    ``stem`` is ``"{slug}"`` for per-condition kinds, a fixed name otherwise;
    ``option`` is the ``Options.formats`` entry that asks for it (default: ``format``);
    ``editions``: made only in these editions, whatever editions are asked (braille:
    the standard one, whose print page numbers it carries); empty: the asked ones.
    """

    format: str
    folder: str
    stem: str
    ext: str
    option: str = ""
    editions: tuple[str, ...] = ()

    @property
    def asked_by(self) -> str:
        return self.option or self.format


@dataclass(frozen=True)
class JobKind:
    """How one kind of output is planned, made and fingerprinted."""

    name: str
    scope: Literal["condition", "language"]
    outputs: tuple[OutputSpec, ...]
    produce: Produce
    #: Needs the typesetter (WeasyPrint): the worker creates it up front.
    typesets: bool
    #: The option values the bytes depend on, given the edition (packaged templates).
    depends_on: Callable[[Edition, Options], tuple[object, ...]]
    #: Rough relative cost per condition, to start the longest jobs first.
    weight: float
    #: Run on the bytes before they are written (the PDF/UA audit for PDFs, the braille checks).
    check: Check


@dataclass(frozen=True)
class Job:
    """One unit of output: a page, a leaflet or a booklet, in one language and edition.

    ``condition`` is set for per-condition kinds; ``members`` (the booklet's
    conditions, in order) for per-language kinds.
    """

    kind: str
    lang: str
    edition: str
    outputs: tuple[tuple[str, Path], ...]  # (format, path)
    condition: m.Condition | None = None
    members: tuple[m.Condition, ...] = ()

    @property
    def name(self) -> str:
        return ", ".join(str(p) for _, p in self.outputs)

    @property
    def slug(self) -> str:
        """The condition's slug, ``""`` for a per-language job."""
        return self.condition.slug if self.condition is not None else ""

    @property
    def weight(self) -> float:
        return KINDS[self.kind].weight * max(1, len(self.members))


@dataclass(frozen=True)
class Task:
    """A job to run (``index`` is its place in the plan) and the formats that are stale."""

    index: int
    job: Job
    formats: frozenset[str]


@dataclass(frozen=True)
class Outcome:
    """What running one job gave: files written, findings of its check, notices or a failure.

    ``fatal`` means the worker cannot make any print output (unsupported
    WeasyPrint): the build stops before writing anything.
    """

    index: int
    written: tuple[tuple[str, Path], ...] = ()
    findings: str = ""
    notices: tuple[str, ...] = ()
    failure: str = ""
    log: tuple[str, ...] = ()  # what the writers decided (copy-fitting), for --verbose
    fatal: str = ""


# ----------------------------------------------------------------------------- kinds


def _page(job: Job, formats: frozenset[str], site: m.Site, ctx: Context) -> dict[str, bytes]:
    from ..writers.html import write_page

    assert job.condition is not None
    return {"html": write_page(job.condition, site, edition(job.edition, ctx.options), ctx)}


#: The braille formats: made in the same job as the standard edition's PDF, from its layout.
_BRAILLE_FORMATS = frozenset({"brf", "pef"})


def _leaflet(job: Job, formats: frozenset[str], site: m.Site, ctx: Context) -> dict[str, bytes]:
    """The PDF and/or the braille files (BRF + PEF) of one leaflet, from one layout.

    Braille carries the print page numbers of the PDF as copy-fitted, so it is
    made from the same layout (braille/printpages.py); asked for braille only,
    the leaflet is laid out but no PDF is written."""
    from ..braille.printpages import leaflet_layout
    from ..writers.leaflet import lay_out_leaflet, leaflet_pdf

    assert job.condition is not None
    ed = edition(job.edition, ctx.options)
    # The page stamps are for the braille page numbers only (WeasyPrint lays out faster without).
    laid = lay_out_leaflet(job.condition, site, ed, ctx, stamp=bool(formats & _BRAILLE_FORMATS))
    data: dict[str, bytes] = {}
    if "pdf" in formats:
        data["pdf"] = leaflet_pdf(job.condition, site, laid, ctx)
    if formats & _BRAILLE_FORMATS:
        data.update(_braille_writer(site, ctx).leaflet(job.condition, leaflet_layout(laid, job.condition, ed)))
    return data


def _booklet(job: Job, formats: frozenset[str], site: m.Site, ctx: Context) -> dict[str, bytes]:
    """The PDF, EPUB and/or braille files of one booklet, from one print layout."""
    from ..braille.printpages import booklet_layout
    from ..writers.booklet import write_booklet

    ed = edition(job.edition, ctx.options)
    booklet = write_booklet(job.members, site, job.lang, ed, formats & {"pdf", "epub"}, ctx)
    data = dict(booklet.outputs)
    if formats & _BRAILLE_FORMATS:
        data.update(_braille_writer(site, ctx).booklet(job.members, job.lang, booklet_layout(booklet, job.lang, ed)))
    return data


# One braille writer (tables compiled once) per build context, i.e. per process.
_BRAILLE: weakref.WeakKeyDictionary[Context, Any] = weakref.WeakKeyDictionary()


def _braille_writer(site: m.Site, ctx: Context) -> Any:
    from ..braille import BrailleWriter

    writer = _BRAILLE.get(ctx)
    if writer is None:
        writer = _BRAILLE[ctx] = BrailleWriter(site)
    return writer


def _braille_check(job: Job, data: dict[str, bytes], ctx: Context) -> tuple[str, str]:
    if not _BRAILLE_FORMATS & data.keys():
        return "", ""
    writer = _BRAILLE.get(ctx)  # the writer that made ``data``, with its findings about it
    findings = [str(f) for f in writer.findings] if writer is not None else []
    if not findings:
        return "", ""
    path = next(p for fmt, p in job.outputs if fmt in _BRAILLE_FORMATS)
    text = "; ".join(f"{path}: braille: {f}" for f in findings)
    return text, text


def _edition_name(ed: Edition, options: Options) -> tuple[object, ...]:
    return (ed.name,)


def _print(ed: Edition, options: Options) -> tuple[object, ...]:
    # The EPUB's page-list is the print layout's, so the EPUB depends on these too.
    return (ed.name, ed.body_pt, ed.hyphenate, ed.paper, options.pdf_variant)


def _no_check(job: Job, data: dict[str, bytes], ctx: Context) -> tuple[str, str]:
    return "", ""


def _print_checks(job: Job, data: dict[str, bytes], ctx: Context) -> tuple[str, str]:
    """The PDF audit and the braille checks of what one print job made."""
    results = [check(job, data, ctx) for check in (_audit, _braille_check)]
    return "; ".join(n for n, _ in results if n), "; ".join(r for _, r in results if r)


def _audit(job: Job, data: dict[str, bytes], ctx: Context) -> tuple[str, str]:
    count, problems = audit_problems(data.get("pdf"))
    if not count:
        return "", ""
    path = dict(job.outputs)["pdf"]
    return (
        f"{path}: FAILS ITS PDF AUDIT ({count} error(s)): {problems}",
        f"{path}: not written: its PDF audit found {count} error(s): {problems}",
    )


KINDS: dict[str, JobKind] = {
    kind.name: kind
    for kind in (
        JobKind(
            "page",
            "condition",
            (OutputSpec("html", "html", "{slug}", "html"),),
            _page,
            typesets=False,
            depends_on=_edition_name,
            weight=0.05,
            check=_no_check,
        ),
        JobKind(
            "leaflet",
            "condition",
            (
                OutputSpec("pdf", "pdf", "{slug}", "pdf"),
                OutputSpec("brf", "braille", "{slug}", "brf", "braille", editions=("standard",)),
                OutputSpec("pef", "braille", "{slug}", "pef", "braille", editions=("standard",)),
            ),
            _leaflet,
            typesets=True,
            depends_on=_print,
            weight=1.0,
            check=_print_checks,
        ),
        JobKind(
            "booklet",
            "language",
            (
                OutputSpec("pdf", "pdf", "booklet", "pdf"),
                OutputSpec("epub", "epub", "booklet", "epub"),
                OutputSpec("brf", "braille", "booklet", "brf", "braille", editions=("standard",)),
                OutputSpec("pef", "braille", "booklet", "pef", "braille", editions=("standard",)),
            ),
            _booklet,
            typesets=True,
            depends_on=_print,
            weight=0.6,
            check=_print_checks,
        ),
    )
}


def output_options(options: Options) -> tuple[object, ...]:
    """Every option value that can change an output's bytes (with override templates, all count)."""
    return (options.paper, options.large_print_pt, options.standard_pt, options.pdf_variant, options.include_drafts)


# ----------------------------------------------------------------------------- planning


def plan(
    content: m.Content,
    out_dir: str | Path,
    options: Options = DEFAULT_OPTIONS,
    *,
    failed_files: tuple[str, ...] | list[str] = (),
) -> list[Job]:
    """The jobs that make every requested output, cheapest kind first (pages, leaflets, booklets).

    A language with a condition that failed to load gets no booklet job (its
    previous booklet is kept, not silently shrunk).
    """
    check_arguments(content=content, out_dir=out_dir, options=options)
    if isinstance(failed_files, (str, bytes)) or not all(isinstance(f, str) for f in failed_files):
        raise ConfigError("failed_files must be a list of file paths (str)")
    out = Path(out_dir)
    languages = options.languages or content.languages
    broken_langs = {Path(f).parent.name for f in failed_files}
    jobs: list[Job] = []
    for kind in KINDS.values():
        for lang in languages:
            members = content.in_language(lang, include_drafts=options.include_drafts)
            if kind.scope == "language" and (lang in broken_langs or not members):
                continue
            owners = content.in_language(lang) if kind.scope == "condition" else (None,)
            asked = [spec for spec in kind.outputs if spec.asked_by in options.formats]
            editions = dict.fromkeys([*options.editions, *(e for spec in asked for e in spec.editions)])
            for ed_name in editions:
                suffix = edition(ed_name, options).suffix
                specs = [s for s in asked if ed_name in (s.editions or options.editions)]
                for condition in owners:
                    stem_of = condition.slug if condition is not None else ""
                    outputs = tuple(
                        (spec.format, out / spec.folder / lang / f"{spec.stem.format(slug=stem_of)}{suffix}.{spec.ext}")
                        for spec in specs
                    )
                    if outputs:
                        jobs.append(
                            Job(
                                kind.name,
                                lang,
                                ed_name,
                                outputs,
                                condition,
                                members if kind.scope == "language" else (),
                            )
                        )
    return jobs


def check_arguments(**arguments: object) -> None:
    """ConfigError (never TypeError/AttributeError) for an argument of the wrong type."""
    expected: dict[str, tuple[type, ...]] = {
        "content": (m.Content,),
        "options": (Options,),
        "content_dir": (str, os.PathLike),
        "out_dir": (str, os.PathLike),
        "today": (dt.date, type(None)),
    }
    for name, value in arguments.items():
        if not isinstance(value, expected[name]) or (isinstance(value, str) and not value):
            raise ConfigError(
                f"{name} must be {' or '.join(t.__name__ for t in expected[name])}, not {type(value).__name__}"
            )
    out_dir = arguments.get("out_dir")
    if out_dir is not None and Path(out_dir).exists() and not Path(out_dir).is_dir():  # type: ignore[arg-type]
        raise ConfigError(f"output folder {out_dir} is a file")


# ----------------------------------------------------------------------------- running


def execute(index: int, job: Job, formats: frozenset[str], site: m.Site, ctx: Context) -> Outcome:
    """Make ``formats`` of ``job``, write them atomically, audit each PDF; never raises.

    A :class:`~benech_publish.errors.BenechError` or a bug in the writer
    fails this job only (its previous files are kept).
    """
    seen, seen_log = len(ctx.notices), len(ctx.logged)
    kind = KINDS[job.kind]
    try:
        data = {fmt: b for fmt, b in kind.produce(job, formats, site, ctx).items() if fmt in formats}
        findings, refusal = kind.check(job, data, ctx)
        if findings and ctx.options.strict:  # checked before writing: nothing of the job is written
            raise AuditFailed(refusal)
        written = []
        for fmt, path in job.outputs:
            if fmt in formats:
                atomic_write(path, data[fmt])
                written.append((fmt, path))
        return Outcome(index, tuple(written), findings, tuple(ctx.notices[seen:]), log=tuple(ctx.logged[seen_log:]))
    except BenechError as exc:
        return Outcome(index, notices=tuple(ctx.notices[seen:]), failure=str(exc), log=tuple(ctx.logged[seen_log:]))
    except OSError as exc:  # a full disk, a read-only or missing output folder
        return Outcome(
            index,
            notices=tuple(ctx.notices[seen:]),
            log=tuple(ctx.logged[seen_log:]),
            failure=f"cannot write: {exc.strerror or exc}: {exc.filename or job.name}",
        )
    except Exception as exc:  # a bug in one job must not cost the other outputs
        return Outcome(
            index,
            notices=tuple(ctx.notices[seen:]),
            log=tuple(ctx.logged[seen_log:]),
            failure=f"internal error: {type(exc).__name__}: {exc}",
        )


def audit_problems(pdf: bytes | None) -> tuple[int, str]:
    """The error findings of the PDF/UA audit of ``pdf``: (count, the first three), or (0, "").

    The bytes are audited from memory, in the process that made them, before
    they are written: no file is read back.
    """
    from ..audit import audit_pdf

    if pdf is None:
        return 0, ""
    problems = [f for f in audit_pdf(pdf).findings if f.severity == "error"]
    return len(problems), "; ".join(f"{f.checkpoint} {f.message}" for f in problems[:3])
