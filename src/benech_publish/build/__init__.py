"""Build: plan every output as an independent job, make only what changed, on every core.

Takes: a content folder (or loaded :class:`~benech_publish.model.Content`),
an output folder and :class:`~benech_publish.options.Options`. Gives: files
under ``out/`` and a :class:`BuildReport`::

    out/html/<lang>/<slug>[.large].html       web page per condition
    out/pdf/<lang>/<slug>[.large].pdf         leaflet per condition
    out/pdf/<lang>/booklet[.large].pdf        booklet of all conditions
    out/epub/<lang>/booklet[.large].epub      booklet as EPUB 3
    out/braille/<lang>/<slug>.brf|.pef        braille leaflet (docs/braille.md)
    out/braille/<lang>/booklet.brf|.pef       braille booklet
    out/.benech-manifest.json                 what each output was made from

Stages, one module each: :mod:`.jobs` (the kinds of output, :func:`plan`, and
making one job), :mod:`.manifest` (digests; what is stale; what is obsolete),
:mod:`.pool` (worker processes), :mod:`.collector` (the garbage collector's
setting while typesetting). Every job reads only the immutable model and
writes its own files, so jobs run in any order and in any process, and one
failing job never stops the others. Outputs are byte-identical whatever the
number of workers: the build date is decided once, here, and passed on.

Incremental by default: an output is made exactly when the digest of what it
depends on changed (``Options.force`` makes everything). Outputs the manifest
recorded whose condition or language no longer exists are removed. A condition
with errors is left out and its previous outputs are kept; a booklet whose
language has a broken condition is not rebuilt (the previous booklet is kept)
rather than silently shrunk.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import model as m
from ..errors import BuildError, ConfigError, Diagnostic, JobFailure
from ..loader import LoadResult, load
from ..options import DEFAULT_OPTIONS, FORMATS, Options
from ..overrides import check_overrides, override_folder
from ..render import Renderer
from ..util import source_date
from . import collector
from .jobs import KINDS, Job, JobKind, Outcome, OutputSpec, Task, check_arguments, execute, plan
from .manifest import MANIFEST_NAME, Digests, Manifest

__all__ = [
    "KINDS",
    "MANIFEST_NAME",
    "BuildReport",
    "Job",
    "JobKind",
    "OutputSpec",
    "Progress",
    "build",
    "plan",
    "run",
]


@dataclass
class BuildReport:
    """What a build did: files written, up to date or removed, failures, and content diagnostics."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
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
    """Sent to ``on_progress`` after each job: ``status`` is written, skipped or failed.

    ``index`` counts finished jobs (1 to ``total``), in the order they finish.
    """

    job: Job
    index: int
    total: int
    status: str
    message: str = ""


def workers_for(options: Options) -> int:
    """How many worker processes ``options`` asks for (``jobs``, else one per CPU)."""
    return options.jobs or os.cpu_count() or 1


def run(
    jobs: list[Job],
    content: m.Content,
    options: Options = DEFAULT_OPTIONS,
    *,
    out_dir: str | Path | None = None,
    renderer: Renderer | None = None,
    created: dt.datetime | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> BuildReport:
    """Make the outputs of ``jobs`` that are stale, in worker processes or in this one.

    With ``out_dir``, the folder's manifest decides what is stale and records
    what was made; without it, every job runs. ``created`` is the build date
    written into the outputs (default: ``SOURCE_DATE_EPOCH`` when set, else
    now; read here, once, never by the writers or the workers). Raises
    :class:`~benech_publish.errors.RenderError` before writing anything when
    print jobs are planned and the installed WeasyPrint is not supported.
    """
    check_arguments(content=content, options=options)
    if not isinstance(jobs, (list, tuple)) or not all(isinstance(j, Job) for j in jobs):
        raise ConfigError("jobs must be a list of Job, as plan() returns")
    if renderer is not None and not isinstance(renderer, Renderer):
        raise ConfigError(f"renderer must be a Renderer, not {type(renderer).__name__}")
    if created is not None and not isinstance(created, dt.datetime):
        raise ConfigError(f"created must be a datetime, not {type(created).__name__}")
    if out_dir is not None:
        check_arguments(out_dir=out_dir)
    manifest = Manifest.load(out_dir) if out_dir is not None else None
    try:
        report = _run(jobs, content, options, manifest, renderer, created or source_date(), on_progress)
    finally:
        problem = _save(manifest) if manifest is not None else ""
    if problem:
        report.notices.append(problem)
    return report


def _save(manifest: Manifest) -> str:
    """Write the manifest; a read-only or full output folder is a notice, not a crash."""
    try:
        manifest.save()
    except OSError as exc:
        return (
            f"{manifest.out / MANIFEST_NAME} not written ({exc.strerror or exc}): "
            "the next build makes every output again"
        )
    return ""


class _Runner:
    """Bookkeeping of one run: the report, the manifest, progress in finishing order."""

    def __init__(
        self,
        jobs: list[Job],
        options: Options,
        manifest: Manifest | None,
        digests: Digests | None,
        on_progress: Callable[[Progress], None] | None,
    ):
        self.jobs, self.options, self.manifest, self.digests = jobs, options, manifest, digests
        self.on_progress = on_progress
        self.finished = 0
        self.outcomes: dict[int, Outcome] = {}
        self.strict_failures: dict[int, list[JobFailure]] = {}

    def progress(self, job: Job, status: str, message: str = "") -> None:
        self.finished += 1
        if self.on_progress:
            self.on_progress(Progress(job, self.finished, len(self.jobs), status, message))

    def skip(self, index: int) -> None:
        job = self.jobs[index]
        assert self.manifest is not None
        entries = [self.manifest.entry(path) for _, path in job.outputs]
        findings = next((e.findings for e in entries if e is not None and e.findings), "")
        notices = tuple(n for e in entries if e is not None for n in e.notices)
        self.outcomes[index] = Outcome(index, findings=findings, notices=notices)
        self.progress(job, "skipped", findings)

    def done(self, outcome: Outcome) -> None:
        job = self.jobs[outcome.index]
        self.outcomes[outcome.index] = outcome
        if self.manifest is not None and self.digests is not None:
            for fmt, path in outcome.written:
                if outcome.findings and self.options.strict:
                    self.manifest.entries.pop(self.manifest.key(path), None)  # made again next time
                else:
                    self.manifest.record(job, path, self.digests.of(job, fmt), outcome.findings, outcome.notices)
        if outcome.failure:
            self.progress(job, "failed", outcome.failure)
        else:
            self.progress(job, "written", outcome.findings)

    def report(self) -> BuildReport:
        """The report in plan order, whatever order the jobs finished in."""
        report = BuildReport()
        for index, job in enumerate(self.jobs):
            outcome = self.outcomes.get(index)
            if outcome is None:
                continue
            if outcome.failure:
                report.failures.append(JobFailure(job.name, outcome.failure))
            report.written.extend(path for _, path in outcome.written)
            written = {path for _, path in outcome.written}
            report.skipped.extend(path for _, path in job.outputs if path not in written and not outcome.failure)
            if outcome.findings:
                if self.options.strict:
                    report.failures.append(JobFailure(str(job.outputs[0][1]), outcome.findings))
                elif outcome.findings not in report.notices:
                    report.notices.append(outcome.findings)
            report.notices.extend(n for n in outcome.notices if n not in report.notices)
            report.log.extend(outcome.log)
        return report


def _run(
    jobs: list[Job],
    content: m.Content,
    options: Options,
    manifest: Manifest | None,
    renderer: Renderer | None,
    created: dt.datetime,
    on_progress: Callable[[Progress], None] | None,
) -> BuildReport:
    digests = Digests(content, options) if manifest is not None else None
    runner = _Runner(jobs, options, manifest, digests, on_progress)
    tasks: list[Task] = []
    for index, job in enumerate(jobs):
        if manifest is None or digests is None or options.force:
            stale = frozenset(fmt for fmt, _ in job.outputs)
        else:
            stale = frozenset(fmt for fmt, path in job.outputs if manifest.stale(path, digests.of(job, fmt)))
        if stale:
            tasks.append(Task(index, job, stale))
        else:
            runner.skip(index)
    typesets = any(KINDS[t.job.kind].typesets for t in tasks)
    workers = min(workers_for(options), len(tasks))
    if workers > 1 and typesets:
        from .pool import Setup, run_pool

        run_pool(tasks, Setup(content, options, created, typesets), workers, runner.done)
    elif tasks:
        from ..writers import Context

        ctx = Context(renderer or Renderer(options.templates), options, Path(content.root or "."), created)
        if typesets:
            ctx.typesetter  # noqa: B018 - fail once, up front, when WeasyPrint is unsupported
        with collector.typesetting() if typesets else nullcontext():
            for task in tasks:
                runner.done(execute(task.index, task.job, task.formats, content.site, ctx))
    return runner.report()


def build(
    content_dir: str | Path = "content",
    out_dir: str | Path = "out",
    options: Options = DEFAULT_OPTIONS,
    *,
    today: dt.date | None = None,
    created: dt.datetime | None = None,
    on_progress: Callable[[Progress], None] | None = None,
) -> BuildReport:
    """Load, check, plan and make every stale output; the whole pipeline in one function.

    ``today`` dates the review checks; ``created`` is the build date written
    into every output (default: ``SOURCE_DATE_EPOCH`` when set, else now).
    Valid conditions are built even when others have errors. Outputs recorded
    in the folder's manifest whose condition or language no longer exists are
    removed (``report.removed``). Raises
    :class:`~benech_publish.errors.BuildError` (with ``.report``) after
    writing everything it could, when content had errors (or warnings under
    ``strict``) or an output failed.
    """
    check_arguments(content_dir=content_dir, out_dir=out_dir, options=options, today=today)
    if on_progress is not None and not callable(on_progress):
        raise ConfigError("on_progress must be a function taking a Progress")
    # Reading levels are check's warnings; measured here only where they can fail the build.
    loaded: LoadResult = load(content_dir, today=today, readability=options.strict)
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
        raise ConfigError(
            f"no content in language(s) {', '.join(unknown)} (content has {', '.join(content.languages) or 'none'})"
        )
    site_path = content.site.location.path
    if not content.site.name or any(d.is_error and d.location.path == site_path for d in report.diagnostics):
        raise BuildError([], report=report)  # nothing can be made without a valid site.yaml
    options = _braille_available(options, report)
    jobs = plan(content, out_dir, options, failed_files=loaded.failed_files)
    report.notices += _booklet_notes(content, options, loaded.failed_files)
    manifest = Manifest.load(out_dir)
    try:
        result = _run(jobs, content, options, manifest, None, created or source_date(), on_progress)
        for key in manifest.obsolete(content, loaded.failed_files):
            removed = manifest.remove(key)
            if removed is not None:
                result.removed.append(removed)
    finally:
        problem = _save(manifest)
    if problem:
        result.notices.append(problem)
    report.written, report.skipped, report.removed = result.written, result.skipped, result.removed
    report.failures, report.notices = result.failures, report.notices + result.notices
    report.log = result.log
    if not report.ok(options.strict):
        raise BuildError(report.failures, report=report)
    return report


def _braille_available(options: Options, report: BuildReport) -> Options:
    """Braille needs liblouis: asked for by name, its absence is an error; by default, a notice."""
    if "braille" not in options.formats:
        return options
    from ..braille.liblouis import unavailable_reason

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
            notes.append(
                f"booklet for '{lang}' not rebuilt: a condition in '{lang}' has errors (the previous booklet is kept)"
            )
    if options.include_drafts:
        return notes
    for lang in wanted:
        drafts = [
            Path(c.location.path).name for c in content.in_language(lang, include_drafts=True) if c.status == "draft"
        ]
        if not drafts:
            continue
        names = ", ".join(drafts)
        if content.in_language(lang, include_drafts=False):
            notes.append(
                f"booklet for '{lang}' leaves out {len(drafts)} draft condition(s) ({names}): "
                "use --include-drafts to include them, marked as drafts"
            )
        else:
            notes.append(
                f"no booklet for '{lang}': every condition is a draft ({names}); "
                "use --include-drafts to build it with the drafts marked"
            )
    return notes
