"""Build: plan every output as an independent job, run the jobs, write atomically.

Takes: a content folder (or loaded :class:`~benech_publish.model.Content`),
an output folder and :class:`~benech_publish.options.Options`. Gives: files
under ``out/`` and a :class:`BuildReport`::

    out/html/<lang>/<slug>[.large].html       web page per condition
    out/pdf/<lang>/<slug>[.large].pdf         leaflet per condition
    out/pdf/<lang>/booklet[.large].pdf        booklet of all conditions
    out/epub/<lang>/booklet[.large].epub      booklet as EPUB 3
    out/braille/<lang>/<slug>.brf|.pef        braille leaflet (docs/braille.md)
    out/braille/<lang>/booklet.brf|.pef       braille booklet

Every job reads only the immutable model and returns bytes; so jobs can run
in any order, be skipped when up to date (``incremental``), and one failing
job never stops the others. A condition with errors is left out and its
previous outputs are kept; a booklet whose language has a broken condition
is not rebuilt (the previous booklet is kept) rather than silently shrunk.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from . import model as m
from .errors import AuditFailed, BenechError, BuildError, ConfigError, Diagnostic, JobFailure
from .loader import LoadResult, load
from .audit import audit_pdf
from .options import DEFAULT_OPTIONS, FORMATS, Options
from .overrides import check_overrides, override_folder
from .render import PACKAGE_TEMPLATES, Renderer, edition
from .util import atomic_write, source_date
from .writers import Context
from .writers.booklet import write_booklet
from .writers.html import write_page
from .writers.leaflet import write_leaflet

#: Job kinds laid out by the typesetter (WeasyPrint); braille follows the print pages.
PRINT_JOBS = frozenset({"leaflet", "booklet", "braille", "braille-booklet"})
#: Job kinds that make braille (BRF + PEF).
BRAILLE_JOBS = frozenset({"braille", "braille-booklet"})


@dataclass(frozen=True)
class Job:
    """One unit of output: a page, a leaflet or a booklet, in one language and edition."""

    kind: str  # "page" | "leaflet" | "booklet" | "braille" | "braille-booklet"
    lang: str
    edition: str
    outputs: tuple[tuple[str, Path], ...]  # (format, path)
    condition: m.Condition | None = None
    inputs: tuple[Path, ...] = ()

    @property
    def name(self) -> str:
        return ", ".join(str(p) for _, p in self.outputs)

    def up_to_date(self) -> bool:
        try:
            newest_input = max(p.stat().st_mtime for p in self.inputs)
            return all(p.stat().st_mtime >= newest_input for _, p in self.outputs)
        except (ValueError, FileNotFoundError):
            return False


@dataclass
class BuildReport:
    """What a build did: files written or skipped, failures, and content diagnostics."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    failures: list[JobFailure] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    #: What the writers decided (copy-fitting); printed by ``build --verbose``.
    log: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def ok(self, strict: bool = False) -> bool:
        warnings = [d for d in self.diagnostics if not d.is_error]
        return not self.failures and not self.errors and not (strict and warnings)


@dataclass(frozen=True)
class Progress:
    """Sent to ``on_progress`` after each job: ``status`` is written, skipped or failed."""

    job: Job
    index: int
    total: int
    status: str
    message: str = ""


def plan(content: m.Content, out_dir: str | Path, options: Options = DEFAULT_OPTIONS,
         *, failed_files: Iterable[str] = ()) -> list[Job]:
    """The jobs that make every requested output, cheapest first (pages, leaflets, booklets)."""
    _check_arguments(content=content, out_dir=out_dir, options=options)
    if isinstance(failed_files, (str, bytes)) or not all(isinstance(f, str) for f in failed_files):
        raise ConfigError("failed_files must be a list of file paths (str)")
    out = Path(out_dir)
    root = Path(content.root) if content.root else None
    languages = options.languages or content.languages
    broken_langs = {Path(f).parent.name for f in failed_files}
    common = _common_inputs(content, options)
    jobs: list[Job] = []
    for lang in languages:
        for ed_name in options.editions:
            suffix = edition(ed_name, options).suffix
            for c in content.in_language(lang):
                inputs = common + _condition_inputs(c, root)
                if "html" in options.formats:
                    jobs.append(Job("page", lang, ed_name, (("html", out / "html" / lang / f"{c.slug}{suffix}.html"),),
                                    c, inputs))
                if "pdf" in options.formats:
                    jobs.append(Job("leaflet", lang, ed_name, (("pdf", out / "pdf" / lang / f"{c.slug}{suffix}.pdf"),),
                                    c, inputs))
    for lang in languages:
        if lang in broken_langs:
            continue  # reported by run(): the previous booklet is kept
        members = content.in_language(lang, include_drafts=options.include_drafts)
        if not members:
            continue
        for ed_name in options.editions:
            suffix = edition(ed_name, options).suffix
            outputs = []
            if "pdf" in options.formats:
                outputs.append(("pdf", out / "pdf" / lang / f"booklet{suffix}.pdf"))
            if "epub" in options.formats:
                outputs.append(("epub", out / "epub" / lang / f"booklet{suffix}.epub"))
            if outputs:
                inputs = common + tuple(p for c in members for p in _condition_inputs(c, root))
                jobs.append(Job("booklet", lang, ed_name, tuple(outputs), None, inputs))
    if "braille" in options.formats:
        jobs += _braille_jobs(content, out, languages, broken_langs, common, root, options)
    return jobs


def _braille_jobs(content: m.Content, out: Path, languages: Iterable[str], broken_langs: set[str],
                  common: tuple[Path, ...], root: Path | None, options: Options) -> list[Job]:
    """One job per condition (BRF + PEF) and one per language's booklet."""
    jobs: list[Job] = []
    common = common + tuple(sorted((Path(__file__).parent / "braille" / "tables").glob("*")))
    for lang in languages:
        folder = out / "braille" / lang
        for c in content.in_language(lang):
            jobs.append(Job("braille", lang, "standard", (("brf", folder / f"{c.slug}.brf"),
                                                          ("pef", folder / f"{c.slug}.pef")),
                            c, common + _condition_inputs(c, root)))
        members = content.in_language(lang, include_drafts=options.include_drafts)
        if members and lang not in broken_langs:
            inputs = common + tuple(p for c in members for p in _condition_inputs(c, root))
            jobs.append(Job("braille-booklet", lang, "standard",
                            (("brf", folder / "booklet.brf"), ("pef", folder / "booklet.pef")),
                            None, inputs))
    return jobs


def _check_arguments(**arguments: object) -> None:
    """ConfigError (never TypeError/AttributeError) for an argument of the wrong type."""
    expected: dict[str, tuple[type, ...]] = {
        "content": (m.Content,), "options": (Options,), "content_dir": (str, os.PathLike),
        "out_dir": (str, os.PathLike), "today": (dt.date, type(None))}
    for name, value in arguments.items():
        if not isinstance(value, expected[name]) or (isinstance(value, str) and not value):
            raise ConfigError(f"{name} must be {' or '.join(t.__name__ for t in expected[name])}, "
                              f"not {type(value).__name__}")
    out_dir = arguments.get("out_dir")
    if out_dir is not None and Path(out_dir).exists() and not Path(out_dir).is_dir():  # type: ignore[arg-type]
        raise ConfigError(f"output folder {out_dir} is a file")


def _common_inputs(content: m.Content, options: Options) -> tuple[Path, ...]:
    paths = [p for p in PACKAGE_TEMPLATES.rglob("*") if p.is_file()]
    paths += [p for p in Path(__file__).parent.rglob("*.py")]
    if options.templates:
        paths += [p for p in Path(options.templates).rglob("*") if p.is_file()]
    if content.root:
        root = Path(content.root)
        paths.append(root / "site.yaml")
        if content.site.logo:
            paths.append(root / content.site.logo.src)
    return tuple(paths)


def _condition_inputs(c: m.Condition, root: Path | None) -> tuple[Path, ...]:
    paths = [Path(c.location.path)]
    if root:
        paths += [root / f.src for f in c.figures]
    return tuple(paths)


def _produce(job: Job, content: m.Content, ctx: Context) -> dict[str, bytes]:
    """The bytes of every output of ``job`` (one writer call)."""
    ed = edition(job.edition, ctx.options)
    if job.kind == "page":
        assert job.condition is not None
        return {"html": write_page(job.condition, content.site, ed, ctx)}
    if job.kind == "leaflet":
        assert job.condition is not None
        return {"pdf": write_leaflet(job.condition, content.site, ed, ctx)}
    if job.kind == "booklet":
        members = content.in_language(job.lang, include_drafts=ctx.options.include_drafts)
        formats = {fmt for fmt, _ in job.outputs}
        return write_booklet(members, content.site, job.lang, ed, formats, ctx).outputs
    raise BuildError([JobFailure(job.name, f"unknown job kind {job.kind!r}")])



class _Braille:
    """The braille jobs of one build: one writer (tables compiled once), findings as notes."""

    def __init__(self, site: m.Site, options: Options):
        self.site, self.options = site, options
        self._writer: Any = None  # braille.BrailleWriter, made on the first braille job
        self.findings: list[str] = []

    def produce(self, job: Job, content: m.Content, ctx: Context) -> dict[str, bytes]:
        """BRF + PEF; print page numbers from the standard PDF (braille/printpages.py)."""
        from .braille import BrailleWriter
        from .braille.printpages import booklet_layout, leaflet_layout

        if self._writer is None:
            self._writer = BrailleWriter(self.site)
        if job.condition is not None:
            layout = leaflet_layout(ctx, job.condition, self.site)
            data: dict[str, bytes] = self._writer.leaflet(job.condition, layout)
        else:
            members = content.in_language(job.lang, include_drafts=self.options.include_drafts)
            layout = booklet_layout(ctx, members, self.site, job.lang)
            data = self._writer.booklet(members, job.lang, layout)
        self.findings = [f"{dict(job.outputs)['brf']}: braille: {f}" for f in self._writer.findings]
        return data

    def check(self, report: BuildReport) -> str:
        """The last job's findings: notes, or failures under ``strict`` (as the PDF audit)."""
        for text in self.findings:
            if self.options.strict:
                report.failures.append(JobFailure(text.split(": braille: ", 1)[0], text))
            else:
                report.notices.append(text)
        return "; ".join(self.findings[:3])


def run(jobs: list[Job], content: m.Content, options: Options = DEFAULT_OPTIONS, *,
        renderer: Renderer | None = None, created: dt.datetime | None = None,
        on_progress: Callable[[Progress], None] | None = None) -> BuildReport:
    """Run jobs one after another in this process (sharing fonts and templates).

    ``created`` is the build date written into the outputs (default:
    ``SOURCE_DATE_EPOCH`` when set, else now; read here, once, never by the writers).
    Raises :class:`~benech_publish.errors.RenderError` before writing anything
    when print jobs are planned and the installed WeasyPrint is not supported.
    """
    _check_arguments(content=content, options=options)
    if not isinstance(jobs, (list, tuple)) or not all(isinstance(j, Job) for j in jobs):
        raise ConfigError("jobs must be a list of Job, as plan() returns")
    if renderer is not None and not isinstance(renderer, Renderer):
        raise ConfigError(f"renderer must be a Renderer, not {type(renderer).__name__}")
    if created is not None and not isinstance(created, dt.datetime):
        raise ConfigError(f"created must be a datetime, not {type(created).__name__}")
    report = BuildReport()
    ctx = Context(renderer or Renderer(options.templates), options,
                  Path(content.root or "."), created or source_date())
    braille = _Braille(content.site, options)
    if any(job.kind in PRINT_JOBS for job in jobs):
        ctx.typesetter  # noqa: B018 - fail once, up front, when WeasyPrint is unsupported
    for index, job in enumerate(jobs, 1):
        status, message = "written", ""
        if options.incremental and job.up_to_date():
            report.skipped.extend(p for _, p in job.outputs)
            status = "skipped"
        else:
            try:
                braille_job = job.kind in BRAILLE_JOBS
                data = braille.produce(job, content, ctx) if braille_job else _produce(job, content, ctx)
                # PDFs are audited before writing: under --strict a failing PDF is not written
                message = "" if braille_job else _audit(job, data, options, report)
                for fmt, path in job.outputs:
                    atomic_write(path, data[fmt])
                    report.written.append(path)
                if braille_job:
                    message = braille.check(report)
            except BenechError as exc:
                report.failures.append(JobFailure(job.name, str(exc)))
                status, message = "failed", str(exc)
            except OSError as exc:  # a full disk, a read-only or missing output folder
                message = f"cannot write: {exc.strerror or exc}: {exc.filename or job.name}"
                report.failures.append(JobFailure(job.name, message))
                status = "failed"
            except Exception as exc:  # a bug in one job must not cost the other outputs
                message = f"internal error: {type(exc).__name__}: {exc}"
                report.failures.append(JobFailure(job.name, message))
                status = "failed"
        if on_progress:
            on_progress(Progress(job, index, len(jobs), status, message))
    # e.g. no hyphenation dictionary for a language
    report.notices.extend(n for n in ctx.notices if n not in report.notices)
    report.log.extend(ctx.logged)
    return report


def _audit(job: Job, data: dict[str, bytes], options: Options, report: BuildReport) -> str:
    """Audit the PDF a job made, before it is written.

    Error findings stop the job under ``strict`` (:class:`BuildError`: nothing
    of the job is written); otherwise the file is written and the build
    summary marks it as failing its audit.
    """
    if "pdf" not in data:
        return ""
    path = dict(job.outputs)["pdf"]
    result = audit_pdf(data["pdf"])
    problems = [f for f in result.findings if f.severity == "error"]
    if not problems:
        return ""
    findings = "; ".join(f"{f.checkpoint} {f.message}" for f in problems[:3])
    if options.strict:
        raise AuditFailed(f"{path}: not written: its PDF audit found {len(problems)} "
                         f"error(s): {findings}")
    text = f"{path}: FAILS ITS PDF AUDIT ({len(problems)} error(s)): {findings}"
    report.notices.append(text)
    return text


def build(content_dir: str | Path = "content", out_dir: str | Path = "out",
          options: Options = DEFAULT_OPTIONS, *, today: dt.date | None = None,
          created: dt.datetime | None = None,
          on_progress: Callable[[Progress], None] | None = None) -> BuildReport:
    """Load, check, plan and write every output; the whole pipeline in one function.

    ``today`` dates the review checks; ``created`` is the build date written
    into every output (default: ``SOURCE_DATE_EPOCH`` when set, else now).
    Valid conditions are built even when others have errors. Raises
    :class:`~benech_publish.errors.BuildError` (with ``.report``) after
    writing everything it could, when content had errors (or warnings under
    ``strict``) or an output failed.
    """
    _check_arguments(content_dir=content_dir, out_dir=out_dir, options=options, today=today)
    if on_progress is not None and not callable(on_progress):
        raise ConfigError("on_progress must be a function taking a Progress")
    loaded: LoadResult = load(content_dir, today=today)
    content = loaded.content
    report = BuildReport(diagnostics=list(loaded.diagnostics))
    templates = override_folder(content_dir, options.templates)  # templates/ beside content/
    if templates != options.templates:
        options = replace(options, templates=templates)
    report.diagnostics += check_overrides(templates, content.site.colours)
    # A language whose every condition is broken is not "unknown": its errors are reported.
    present = set(content.languages) | {Path(f).parent.name for f in loaded.failed_files}
    unknown = [lang for lang in options.languages if lang not in present]
    if unknown:
        raise ConfigError(f"no content in language(s) {', '.join(unknown)} (content has "
                          f"{', '.join(content.languages) or 'none'})")
    site_path = content.site.location.path
    if not content.site.name or any(d.is_error and d.location.path == site_path for d in report.diagnostics):
        raise BuildError([], report=report)  # nothing can be made without a valid site.yaml
    options = _braille_available(options, report)
    jobs = plan(content, out_dir, options, failed_files=loaded.failed_files)
    report.notices += _booklet_notes(content, options, loaded.failed_files)
    result = run(jobs, content, options, created=created, on_progress=on_progress)
    report.written, report.skipped = result.written, result.skipped
    report.failures, report.notices = result.failures, report.notices + result.notices
    report.log = result.log
    if not report.ok(options.strict):
        raise BuildError(report.failures, report=report)
    return report


def _braille_available(options: Options, report: BuildReport) -> Options:
    """Braille needs liblouis: asked for by name, its absence is an error; by default, a notice."""
    if "braille" not in options.formats:
        return options
    from .braille.liblouis import unavailable_reason

    reason = unavailable_reason()
    if not reason:
        return options
    if options.formats != FORMATS:
        raise ConfigError(reason)
    report.notices.append(f"braille edition left out: {reason}")
    return options.with_(formats=tuple(f for f in options.formats if f != "braille"))


def _booklet_notes(content: m.Content, options: Options, failed_files: Iterable[str]) -> list[str]:
    """What the booklets leave out, and why (only when booklets were asked for)."""
    if not {"pdf", "epub", "braille"} & set(options.formats):
        return []
    notes = []
    wanted = options.languages or content.languages
    for lang in sorted({Path(f).parent.name for f in failed_files}):
        if lang in wanted:
            notes.append(f"booklet for '{lang}' not rebuilt: a condition in '{lang}' has errors "
                         "(the previous booklet is kept)")
    if options.include_drafts:
        return notes
    for lang in wanted:
        drafts = [Path(c.location.path).name for c in content.in_language(lang, include_drafts=True)
                  if c.status == "draft"]
        if not drafts:
            continue
        names = ", ".join(drafts)
        if content.in_language(lang, include_drafts=False):
            notes.append(f"booklet for '{lang}' leaves out {len(drafts)} draft condition(s) ({names}): "
                         "use --include-drafts to include them, marked as drafts")
        else:
            notes.append(f"no booklet for '{lang}': every condition is a draft ({names}); "
                         "use --include-drafts to build it with the drafts marked")
    return notes
