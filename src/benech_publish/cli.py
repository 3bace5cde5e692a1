"""The ``benech-publish`` command: the edge where library errors become exit codes.

Takes: command-line arguments. Gives: files (through the library), messages
on stderr one line per problem, and a stable exit code:

====  ==========================================================
0     success
1     content problems, a failed output, or audit errors; an import with a page
      that failed, was skipped (file exists) or does not validate yet
2     wrong usage or an invalid option
70    internal error (a bug: please report it; ``--debug`` shows the traceback)
====  ==========================================================
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import BenechError, BuildError, ConfigError, ContentError, Diagnostic, one_line
from .options import DEFAULT_OPTIONS, EDITIONS, FORMATS, LARGE_PRINT_PT_RANGE, PAPERS, PDF_VARIANTS, Options

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70


def _csv(allowed: Sequence[str] | None = None) -> Callable:
    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
        if value is None:
            return ()
        items = tuple(v.strip() for v in value.split(",") if v.strip())
        if allowed:
            items = tuple(v.lower() for v in items)
            bad = [v for v in items if v not in allowed]
            if bad:
                raise click.BadParameter(f"{', '.join(bad)} (choose from {', '.join(allowed)})")
        return items

    return convert


def _say(message: str) -> None:
    click.echo(one_line(message), err=True)  # one problem, one line: never a broken message


def _print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    for d in diagnostics:
        _say(str(d))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="benech-publish")
@click.option("--debug", is_flag=True, help="Show a traceback on internal errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Publish the clinic's patient information as accessible PDF leaflets,
    large print, EPUB booklets and web pages.

    Start with 'benech-publish check' to validate content/, then
    'benech-publish build'. See docs/cli.md.
    """
    ctx.obj = {"debug": debug}


content_option = click.option(
    "--content",
    "content_dir",
    default="content",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Content folder (site.yaml, <lang>/<slug>.md).",
)
strict_option = click.option(
    "--strict", is_flag=True, help="Treat warnings (e.g. an overdue review, a PDF audit warning) as errors."
)


templates_option = click.option(
    "--templates",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of templates that override the packaged ones "
    "(default: templates/ beside the content folder, when it exists).",
)


@cli.command()
@content_option
@templates_option
@click.option("--strict", is_flag=True, help="Treat content warnings (e.g. an overdue review) as errors.")
@click.option(
    "--readability",
    "show_readability",
    is_flag=True,
    help="Also print a table of reading-level scores per condition and section.",
)
def check(content_dir: Path, templates: Path | None, strict: bool, show_readability: bool) -> None:
    """Validate the content and the template overrides; print every problem, one line each (file:line).

    Problems go to stderr; the --readability table goes to stdout.
    """
    from .loader import load
    from .overrides import check_overrides, override_folder

    result = load(content_dir)
    if show_readability:
        from .readability import format_table, read_all, read_source

        click.echo(format_table(read_all(result.content.site, result.parsed, read_source)))
    diagnostics = [
        *result.diagnostics,
        *check_overrides(override_folder(content_dir, templates), result.content.site.colours),
    ]
    _print_diagnostics(diagnostics)
    n_err = sum(d.is_error for d in diagnostics)
    n_warn = len(diagnostics) - n_err
    ok = n_err == 0 and not (strict and n_warn)
    conditions = len(result.content.conditions)
    _say(f"{'ok' if ok else 'failed'}: {conditions} valid condition file(s), {n_err} error(s), {n_warn} warning(s)")
    sys.exit(EXIT_OK if ok else EXIT_PROBLEMS)


@cli.command()
@content_option
@click.option(
    "--out",
    "out_dir",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder.",
)
@click.option(
    "--lang",
    "languages",
    callback=_csv(),
    metavar="it,en",
    help="Languages to build (default: every language the content has).",
)
@click.option(
    "--variant",
    "editions",
    callback=_csv(EDITIONS),
    metavar=",".join(EDITIONS),
    help="Editions to build (default: all).",
)
@click.option(
    "--format",
    "formats",
    callback=_csv(FORMATS),
    metavar=",".join(FORMATS),
    help="Formats to build (default: all; braille only when liblouis is installed).",
)
@click.option(
    "--paper",
    type=click.Choice(PAPERS, case_sensitive=False),
    default=DEFAULT_OPTIONS.paper,
    show_default=True,
    help="Paper of standard-edition leaflets and booklets (large print is always A4).",
)
@click.option(
    "--large-print-size",
    "large_print_pt",
    type=click.IntRange(*LARGE_PRINT_PT_RANGE),
    default=DEFAULT_OPTIONS.large_print_pt,
    show_default=True,
    help="Body size of the large-print edition, in points.",
)
@click.option(
    "--pdf-variant",
    type=click.Choice(PDF_VARIANTS, case_sensitive=False),
    default=DEFAULT_OPTIONS.pdf_variant,
    show_default=True,
    help="PDF conformance preset. pdf/ua-2 is experimental: its PDFs are audited against the PDF/UA-1 rules only.",
)
@click.option("--include-drafts", is_flag=True, help="Put draft conditions in booklets, marked as drafts.")
@templates_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Worker processes for print outputs (default: one per CPU; 1: no workers).",
)
@click.option(
    "--force",
    is_flag=True,
    help="Make every output, even those that are up to date (builds are incremental by default).",
)
@click.option(
    "--incremental",
    is_flag=True,
    hidden=True,
    help="Deprecated: builds are incremental by default; accepted and ignored.",
)
@strict_option
@click.option(
    "--verbose", "-v", is_flag=True, help="Also say what the layout did (copy-fitting: what was tried and kept)."
)
def build(
    content_dir: Path,
    out_dir: Path,
    languages: tuple[str, ...],
    editions: tuple[str, ...],
    formats: tuple[str, ...],
    paper: str,
    large_print_pt: int,
    pdf_variant: str,
    include_drafts: bool,
    templates: Path | None,
    jobs: int | None,
    force: bool,
    incremental: bool,
    strict: bool,
    verbose: bool,
) -> None:
    """Build every output: web pages, PDF leaflets and booklets, EPUB booklets, braille.

    With no options: every format, language and edition the content has.
    Only outputs whose inputs or options changed are made (see --force).
    Valid conditions are built even when others have errors; the exit code
    is 1 if anything had a problem.
    """
    from .build import build as build_outputs

    try:
        options = Options(
            formats=formats or DEFAULT_OPTIONS.formats,
            languages=languages,
            editions=editions or DEFAULT_OPTIONS.editions,
            paper=paper,
            large_print_pt=large_print_pt,
            pdf_variant=pdf_variant,
            include_drafts=include_drafts,
            strict=strict,
            templates=templates,
            jobs=jobs,
            force=force,
        )
    except ConfigError as exc:
        _say(f"error: {exc}")
        sys.exit(EXIT_USAGE)
    if incremental:
        _say(
            "note: --incremental is deprecated and ignored: builds are incremental by default "
            "(--force makes everything)"
        )
    progress = _progress_printer()
    try:
        report = build_outputs(content_dir, out_dir, options, on_progress=progress)
        ok = True
    except BuildError as exc:
        from .build import BuildReport

        assert isinstance(exc.report, BuildReport)
        report, ok = exc.report, False
    finally:
        progress.close()
    assert report is not None
    _print_diagnostics(report.diagnostics)
    for failure in report.failures:
        _say(f"{failure.output}: error: {failure.message}")
    for notice in report.notices:
        _say(f"note: {notice}")
    for path in report.removed:
        _say(f"removed {path} (its condition or language no longer exists)")
    if verbose:
        for line in report.log:
            _say(f"layout: {line}")
    _say(
        f"{'done' if ok else 'failed'}: {len(report.written)} file(s) written, "
        f"{len(report.skipped)} up to date, {len(report.removed)} removed, "
        f"{len(report.failures)} failed, "
        f"{len(report.errors)} content error(s)"
    )
    sys.exit(EXIT_OK if ok else EXIT_PROBLEMS)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--strict", is_flag=True, help="Fail on warning-level PDF findings too, not only on errors.")
def audit(files: tuple[Path, ...], as_json: bool, strict: bool) -> None:
    """Check PDFs against the machine-checkable PDF/UA-1 rules (Matterhorn Protocol).

    Prints a report (or JSON); exits 1 when any file has an error-level
    finding (or, with --strict, any finding at all). A file that declares
    PDF/UA-2 is checked against the PDF/UA-1 rules only, and the report says so.
    """
    from .audit import audit_pdf, format_json, format_text

    reports = [audit_pdf(path) for path in files]
    click.echo(format_json(reports) if as_json else format_text(reports))
    failed = any(f.severity == "error" or strict for r in reports for f in r.findings)
    sys.exit(EXIT_PROBLEMS if failed else EXIT_OK)


class _progress_printer:
    """A progress bar on a terminal; one plain line per output otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.bar: Any = None  # click's progress bar, opened on the first event

    def __call__(self, event) -> None:  # event: build.Progress
        if self.tty:
            if self.bar is None:
                self.bar = click.progressbar(
                    length=event.total, label="building", file=sys.stderr, item_show_func=lambda s: s
                )
                self.bar.__enter__()
            self.bar.update(1, event.job.name)
        elif event.status != "failed":
            _say(f"[{event.index}/{event.total}] {event.status} {event.job.name}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--name",
    "clinic",
    default="Example Clinic",
    show_default=True,
    help="The clinic's name, written into content/site.yaml.",
)
def init(directory: Path, clinic: str) -> None:
    """Start a new clinic project in DIRECTORY (absent or empty): content/ with a
    commented site.yaml and one example condition per language (drafts), an
    empty templates/ folder and a README with the two commands."""
    from .project import init_project

    for path in init_project(directory, clinic):
        _say(f"written {path}")
    _say(f"done: next, 'cd {directory}' then 'benech-publish check' and 'benech-publish build --include-drafts'")
    sys.exit(EXIT_OK)


@cli.group("templates")
def templates_group() -> None:
    """List the packaged templates and copy one into templates/ to override it (see docs/templates.md)."""


@templates_group.command("list")
@content_option
@templates_option
def templates_list(content_dir: Path, templates: Path | None) -> None:
    """Every packaged template and stylesheet, and which ones the override folder replaces."""
    from .overrides import PROTECTED, override_folder, packaged_templates

    folder = override_folder(content_dir, templates)
    for name in packaged_templates():
        if name == PROTECTED:
            state = "always packaged (edition protections)"
        elif folder is not None and (folder / name).is_file():
            state = f"overridden by {(folder / name).as_posix()}"
        else:
            state = "packaged"
        click.echo(f"{name:28} {state}")
    sys.exit(EXIT_OK)


@templates_group.command("copy")
@click.argument("name")
@content_option
@templates_option
def templates_copy(name: str, content_dir: Path, templates: Path | None) -> None:
    """Copy packaged template NAME (e.g. css/clinic.css) into the override folder
    (default: templates/ beside the content folder) for editing; never overwrites."""
    from .overrides import copy_template

    folder = templates or Path(content_dir).resolve().parent / "templates"
    _say(f"written {copy_template(name, folder).as_posix()}")
    sys.exit(EXIT_OK)


@cli.command()
@content_option
@click.option(
    "--out",
    "out_dir",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; 0.0.0.0 makes the catalogue visible on the network.",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@templates_option
@click.option("--no-watch", is_flag=True, help="Do not rebuild when a source file changes.")
def serve(content_dir: Path, out_dir: Path, host: str, port: int, templates: Path | None, no_watch: bool) -> None:
    """Run the staff web app and the HTTP API (see docs/serve.md, docs/http-api.md).

    Shows the catalogue, each condition with its files, and the problems;
    rebuilds in the background when content changes. Stop with Ctrl+C.
    """
    from .serve import ServeConfig, Server

    options = Options(include_drafts=True, incremental=True, templates=templates)
    config = ServeConfig(
        content_dir=content_dir, out_dir=out_dir, host=host, port=port, options=options, watch=not no_watch
    )
    if not config.local_only:
        _say(
            f"warning: listening on {host}: the catalogue, the drafts and the API are visible "
            "to every computer that can reach this one on the network"
        )
    server = Server(config)
    _say(f"serving {content_dir} on {server.url} (press Ctrl+C to stop)")
    server.run()


@cli.group("import")
def import_() -> None:
    """Bring existing pages into content/ as draft Markdown files (see docs/import.md)."""


def _lang_code(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from .importer.wordpress import check_lang

    if value:
        try:
            check_lang(value)
        except ConfigError as exc:
            raise click.BadParameter(str(exc).removeprefix("--lang ")) from None
    return value


@import_.command("wordpress")
@click.argument("source")
@content_option
@click.option("--force", is_flag=True, help="Replace files that already exist.")
@click.option(
    "--diff",
    is_flag=True,
    help="Write nothing: show, per section, what changed on the site against the existing files.",
)
@click.option(
    "--fetch-images/--no-fetch-images",
    default=True,
    show_default=True,
    help="Download the pages' images (from the source's own site and --image-host "
    "hosts) into content/images/<slug>/; otherwise write placeholders to fill.",
)
@click.option(
    "--image-host",
    "image_hosts",
    multiple=True,
    metavar="HOST",
    help="Also download images from HOST (repeatable; e.g. for a saved .json source).",
)
@click.option(
    "--lang",
    "lang",
    default="",
    metavar="CODE",
    callback=_lang_code,
    help="Language of the pages, when they do not say (or to override them).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=20.0,
    show_default=True,
    help="Seconds for each whole download (the source, and each image).",
)
@click.option(
    "--max-size",
    "max_mb",
    type=click.FloatRange(0.001, 1000),
    default=20.0,
    show_default=True,
    help="Largest source accepted, in megabytes.",
)
def import_wordpress_cmd(
    source: str,
    content_dir: Path,
    force: bool,
    diff: bool,
    fetch_images: bool,
    image_hosts: tuple[str, ...],
    lang: str,
    timeout: float,
    max_mb: float,
) -> None:
    """Import WordPress pages from SOURCE: a saved REST API answer (one page or the
    array /wp-json/wp/v2/pages returns), a folder of them, or an http(s) address.

    Each page becomes content/<lang>/<slug>.md with 'status: draft', then the
    files written are checked. Prints what was written, dropped and needs
    review, and every remaining problem as file:line; exits 1 if any page
    failed, was skipped or does not pass the check yet.
    """
    from .importer import import_wordpress

    report = import_wordpress(
        source,
        content_dir,
        force=force,
        fetch_images=fetch_images,
        image_hosts=image_hosts,
        diff=diff,
        lang=lang,
        timeout=timeout,
        max_bytes=int(max_mb * 1024 * 1024),
    )
    for note in report.notes:
        _say(f"note: {note}")
    for page in report.pages:
        if page.status == "written":
            _say(f"written {page.path} (from {page.origin})")
        elif page.status == "compared":
            _say(f"{page.path}: {'changed on the site' if page.diff else 'no change'} (from {page.origin})")
            if page.diff:
                click.echo(page.diff, nl=False)
            continue
        else:
            _say(f"{page.origin}: {page.status}: {page.reason}")
            continue
        for text in page.dropped:
            _say(f"  dropped: {text}")
        for text in page.repaired:
            _say(f"  repaired: {text}")
        for text in page.review:
            _say(f"  review: {text}")
        for path in page.images:
            _say(f"  image saved: {path}")
    if diff:
        changed = sum(1 for p in report.compared if p.diff)
        _say(
            f"{'done' if report.ok else 'problems'}: {len(report.compared)} compared, "
            f"{changed} changed, {len(report.failed)} failed; nothing written"
        )
        sys.exit(EXIT_OK if report.ok else EXIT_PROBLEMS)
    if report.written:
        _say(f"check: {len(report.will_build)} of {len(report.written)} written file(s) will build as they are")
        for page in report.written:
            for d in page.diagnostics:
                _say(f"  {d}")
    _say(
        f"{'done' if report.ok else 'problems'}: {len(report.written)} written, "
        f"{len(report.skipped)} skipped, {len(report.failed)} failed, "
        f"{len(report.needs_review)} need review"
    )
    sys.exit(EXIT_OK if report.ok else EXIT_PROBLEMS)


def main(argv: Sequence[str] | None = None) -> None:
    """Console entry point: run the CLI, turning every error into an exit code."""
    try:
        _main(argv)
    finally:
        if argv is None:  # run as the command (not called from Python): the process ends now
            # Frozen, the run's objects are not walked again by the collections of the
            # interpreter's exit (about 10 ms, 4% of a no-op rebuild); atexit handlers still run.
            gc.freeze()


def _main(argv: Sequence[str] | None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="benech-publish", standalone_mode=False)
        sys.exit(EXIT_OK)  # --help, --version
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        _say("aborted")
        sys.exit(EXIT_PROBLEMS)
    except ContentError as exc:
        _print_diagnostics(exc.diagnostics)
        sys.exit(EXIT_PROBLEMS)
    except ConfigError as exc:
        _say(f"error: {exc}")
        sys.exit(EXIT_USAGE)
    except BenechError as exc:
        _say(f"error: {exc}")
        sys.exit(EXIT_PROBLEMS)
    except KeyboardInterrupt:
        _say("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: one line, unless --debug
        if debug:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)")
        sys.exit(EXIT_INTERNAL)
