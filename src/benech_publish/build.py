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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from . import model as m
from .errors import BenechError, BuildError, ConfigError, Diagnostic, JobFailure, RenderError
from .loader import LoadResult, load
from .options import DEFAULT_OPTIONS, FORMATS, Options
from .render import PACKAGE_TEMPLATES, Renderer, edition
from .util import atomic_write


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


class _Writers:
    """Creates each writer once per build, on first use (WeasyPrint is imported lazily)."""

    def __init__(self, renderer: Renderer, options: Options, content_root: Path):
        self.renderer, self.options, self.root = renderer, options, content_root
        self._pdf = None
        self._booklet = None
        self._braille: Any = None  # braille.BrailleWriter, made on the first braille job
        #: Braille fidelity and structure warnings (docs/braille.md), one line each.
        self.braille_findings: list[str] = []

    def pdf(self):
        if self._pdf is None:
            from .writers.pdf import PdfWriter

            self._pdf = PdfWriter(self.renderer, self.options, self.root)
        return self._pdf

    def booklet(self):
        if self._booklet is None:
            from .writers.booklet import BookletWriter

            self._booklet = BookletWriter(self.renderer, self.options, self.root, self.pdf())
        return self._booklet

    def produce(self, job: Job, content: m.Content) -> dict[str, bytes]:
        ed = edition(job.edition, self.options)
        if job.kind == "page":
            from .writers.html import write_page

            assert job.condition is not None
            return {"html": write_page(job.condition, content.site, ed, self.renderer,
                                       self.options, self.root)}
        if job.kind == "leaflet":
            assert job.condition is not None
            return {"pdf": self.pdf().leaflet(job.condition, content.site, ed)}
        if job.kind in ("braille", "braille-booklet"):
            return self._braille_job(job, content)
        if job.kind == "booklet":
            members = content.in_language(job.lang, include_drafts=self.options.include_drafts)
            formats = {fmt for fmt, _ in job.outputs}
            return self.booklet().build(members, content.site, job.lang, ed, formats)
        raise ValueError(f"unknown job kind {job.kind}")


    def _braille_job(self, job: Job, content: m.Content) -> dict[str, bytes]:
        """BRF + PEF, print page numbers from the standard PDF (braille/printpages.py)."""
        from .braille import BrailleWriter
        from .braille.printpages import booklet_layout, leaflet_layout

        if self._braille is None:
            self._braille = BrailleWriter(content.site)
        if job.condition is not None:
            layout = leaflet_layout(self.pdf(), job.condition, content.site)
            data = self._braille.leaflet(job.condition, layout)
        else:
            members = content.in_language(job.lang, include_drafts=self.options.include_drafts)
            layout = booklet_layout(self.booklet(), members, content.site, job.lang)
            data = self._braille.booklet(members, job.lang, layout)
        found = [f"{dict(job.outputs)['brf']}: braille: {f}" for f in self._braille.findings]
        if found and self.options.strict:
            raise RenderError("; ".join(found[:3]))
        self.braille_findings += found
        return data


def run(jobs: list[Job], content: m.Content, options: Options = DEFAULT_OPTIONS, *,
        renderer: Renderer | None = None,
        on_progress: Callable[[Progress], None] | None = None) -> BuildReport:
    """Run jobs one after another in this process (sharing fonts and templates)."""
    report = BuildReport()
    renderer = renderer or Renderer(options.templates)
    writers = _Writers(renderer, options, Path(content.root or "."))
    for index, job in enumerate(jobs, 1):
        status, message = "written", ""
        if options.incremental and job.up_to_date():
            report.skipped.extend(p for _, p in job.outputs)
            status = "skipped"
        else:
            try:
                data = writers.produce(job, content)
                for fmt, path in job.outputs:
                    atomic_write(path, data[fmt])
                    report.written.append(path)
                message = _audit(job, data, options, report)
            except ModuleNotFoundError as exc:
                if not (exc.name or "").startswith("benech_publish"):
                    raise
                fmts = ", ".join(fmt for fmt, _ in job.outputs)
                message = f"cannot produce {fmts} yet: this version has no {job.kind} writer"
                report.failures.append(JobFailure(job.name, message))
                status = "failed"
            except BenechError as exc:
                report.failures.append(JobFailure(job.name, str(exc)))
                status, message = "failed", str(exc)
            except Exception as exc:  # a bug in one job must not cost the other outputs
                message = f"internal error: {type(exc).__name__}: {exc}"
                report.failures.append(JobFailure(job.name, message))
                status = "failed"
        if on_progress:
            on_progress(Progress(job, index, len(jobs), status, message))
    report.notices.extend(writers.braille_findings)
    if writers._pdf is not None:  # e.g. no hyphenation dictionary for a language
        report.notices.extend(n for n in writers._pdf.notices if n not in report.notices)
    return report


def _audit(job: Job, data: dict[str, bytes], options: Options, report: BuildReport) -> str:
    """Audit every PDF just written; error findings fail the job under ``strict``."""
    if "pdf" not in data:
        return ""
    try:
        from .audit import audit_pdf
    except ModuleNotFoundError:
        return ""
    path = dict(job.outputs)["pdf"]
    result = audit_pdf(data["pdf"])
    problems = [f for f in result.findings if f.severity == "error"]
    if not problems:
        return ""
    text = f"{path}: PDF audit: " + "; ".join(f"{f.checkpoint} {f.message}" for f in problems[:3])
    if options.strict:
        report.failures.append(JobFailure(str(path), text))
    else:
        report.notices.append(text)
    return text


def build(content_dir: str | Path = "content", out_dir: str | Path = "out",
          options: Options = DEFAULT_OPTIONS, *, today: dt.date | None = None,
          on_progress: Callable[[Progress], None] | None = None) -> BuildReport:
    """Load, check, plan and write every output; the whole pipeline in one function.

    Valid conditions are built even when others have errors. Raises
    :class:`~benech_publish.errors.BuildError` (with ``.report``) after
    writing everything it could, when content had errors (or warnings under
    ``strict``) or an output failed.
    """
    loaded: LoadResult = load(content_dir, today=today)
    content = loaded.content
    report = BuildReport(diagnostics=list(loaded.diagnostics))
    unknown = [lang for lang in options.languages if lang not in content.languages]
    if unknown:
        raise ConfigError(f"no content in language(s) {', '.join(unknown)} (content has "
                          f"{', '.join(content.languages) or 'none'})")
    site_path = content.site.location.path
    if not content.site.name or any(d.is_error and d.location.path == site_path for d in report.diagnostics):
        raise BuildError([], report=report)  # nothing can be made without a valid site.yaml
    options = _braille_available(options, report)
    jobs = plan(content, out_dir, options, failed_files=loaded.failed_files)
    for lang in sorted({Path(f).parent.name for f in loaded.failed_files}):
        if not options.languages or lang in options.languages:
            report.notices.append(f"booklet for '{lang}' not rebuilt: a condition in '{lang}' has "
                                  "errors (the previous booklet is kept)")
    for lang in options.languages or content.languages:
        if not content.in_language(lang, include_drafts=options.include_drafts) and content.in_language(lang):
            report.notices.append(f"no approved condition in '{lang}': booklet not built "
                                  "(use --include-drafts to build it with drafts marked)")
    result = run(jobs, content, options, on_progress=on_progress)
    report.written, report.skipped = result.written, result.skipped
    report.failures, report.notices = result.failures, report.notices + result.notices
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
