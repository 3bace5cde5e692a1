"""Build options, WeasyPrint-style: one documented default per entry.

Takes: keyword values from the CLI or a Python caller. Gives: a validated,
frozen :class:`Options`. ``DEFAULT_OPTIONS`` is what ``benech-publish build``
uses with no flags. The CLI takes its choices, ranges and defaults from the
constants and ``DEFAULT_OPTIONS`` here, so this module is the one place they
are defined.
"""

from __future__ import annotations

import os
import reprlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .model import CONTENT_LANG_RE
from .safety import check_templates

FORMATS = ("html", "pdf", "epub", "braille")
EDITIONS = ("standard", "large")
PAPERS = ("A4", "A5")
PDF_VARIANTS = ("pdf/ua-1", "pdf/ua-2")
#: Allowed body sizes in points, inclusive: large print (UKAAF) and clear print.
LARGE_PRINT_PT_RANGE = (16, 24)
STANDARD_PT_RANGE = (12, 16)


@dataclass(frozen=True)
class Options:
    #: Output formats to write: any of ``html``, ``pdf``, ``epub``, ``braille`` (BRF + PEF).
    formats: tuple[str, ...] = FORMATS
    #: Content languages to build; empty means every language the content has.
    languages: tuple[str, ...] = ()
    #: Editions: ``standard`` (clear print) and ``large`` (large print).
    editions: tuple[str, ...] = EDITIONS
    #: Paper of the standard-edition leaflets: ``A4`` or ``A5``. Large print is always A4.
    paper: str = "A4"
    #: Body text size of the large-print edition, in points (16 to 24; UKAAF).
    large_print_pt: int = 18
    #: Body text size of the standard edition, in points (12 or more: clear print).
    standard_pt: float = 12
    #: PDF conformance preset passed to WeasyPrint: ``pdf/ua-1`` or ``pdf/ua-2``.
    pdf_variant: str = "pdf/ua-1"
    #: Include ``status: draft`` conditions in booklets, visibly marked as drafts.
    include_drafts: bool = False
    #: Treat warnings (content and PDF audit) as errors.
    strict: bool = False
    #: A folder of templates that override the packaged ones, file by file.
    templates: Path | None = None
    #: Worker processes for print jobs; ``None``: one per CPU; ``1``: in the calling process.
    jobs: int | None = None
    #: Make every output, even those the manifest shows are up to date.
    force: bool = False
    #: Deprecated and ignored: builds are always incremental (see ``force``). Kept so
    #: callers that pass ``incremental=True`` keep working.
    incremental: bool = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Options:
        # Checked here, before the dataclass __init__, so that a misspelt or
        # extra argument is a ConfigError like every other bad option.
        unknown = sorted(set(kwargs) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)} (known: {', '.join(cls.__dataclass_fields__)})")
        if len(args) > len(cls.__dataclass_fields__):
            raise ConfigError("too many positional options")
        return super().__new__(cls)

    def __post_init__(self) -> None:
        self._check_types()
        problems = []
        for name, allowed in (("formats", FORMATS), ("editions", EDITIONS)):
            bad = [v for v in getattr(self, name) if v not in allowed]
            if bad or not getattr(self, name):
                problems.append(
                    f"{name} must be chosen from {', '.join(allowed)} (got "
                    f"{', '.join(getattr(self, name)) or 'nothing'})"
                )
        bad_langs = [v for v in self.languages if not CONTENT_LANG_RE.match(v)]
        if bad_langs:
            problems.append(f"languages must be language codes such as it or en, not {', '.join(map(repr, bad_langs))}")
        if self.paper not in PAPERS:
            problems.append(f"paper must be one of {', '.join(PAPERS)}, not {self.paper!r}")
        low, high = LARGE_PRINT_PT_RANGE
        if not low <= self.large_print_pt <= high:
            problems.append(f"large-print size must be {low} to {high} pt, not {self.large_print_pt}")
        low, high = STANDARD_PT_RANGE
        if not low <= self.standard_pt <= high:
            problems.append(f"standard size must be {low} to {high} pt, not {self.standard_pt}")
        if self.pdf_variant not in PDF_VARIANTS:
            problems.append(f"pdf variant must be one of {', '.join(PDF_VARIANTS)}")
        if self.jobs is not None and (not isinstance(self.jobs, int) or self.jobs < 1):
            problems.append(f"jobs must be 1 or more, not {self.jobs!r}")
        if self.templates is not None and not Path(self.templates).is_dir():
            problems.append(f"templates folder {self.templates} not found")
        elif self.templates is not None:
            problem = check_templates(self.templates)  # no link out of the folder
            if problem:
                problems.append(problem)
        if problems:
            raise ConfigError("; ".join(problems))

    def _check_types(self) -> None:
        """Each field of the type its documentation says; sequences become tuples."""
        problems = []
        for name in ("formats", "languages", "editions"):
            value = getattr(self, name)
            if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                object.__setattr__(self, name, tuple(value))
            else:
                problems.append(f"{name} must be a tuple of strings, not {_kind(value)}")
        for name in ("paper", "pdf_variant"):
            if not isinstance(getattr(self, name), str):
                problems.append(f"{name} must be a string, not {_kind(getattr(self, name))}")
        for name in ("large_print_pt", "standard_pt"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                problems.append(f"{name} must be a number, not {_kind(value)}")
        for name in ("include_drafts", "strict", "incremental"):
            if not isinstance(getattr(self, name), bool):
                problems.append(f"{name} must be True or False, not {_kind(getattr(self, name))}")
        if self.templates is not None:
            if isinstance(self.templates, (str, os.PathLike)) and str(self.templates):
                object.__setattr__(self, "templates", Path(self.templates))
            else:
                problems.append(f"templates must be a folder path, not {_kind(self.templates)}")
        if problems:
            raise ConfigError("; ".join(problems))

    def with_(self, **changes: Any) -> Options:
        """A copy with some options changed (validated again)."""
        return replace(self, **changes)

    def body_pt(self, edition: str) -> float:
        return self.large_print_pt if edition == "large" else self.standard_pt


def _kind(value: object) -> str:
    return f"{type(value).__name__} {reprlib.repr(value)}"


DEFAULT_OPTIONS = Options()
