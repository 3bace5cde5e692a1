"""The library's exception tree and its diagnostics.

Takes: nothing. Gives: :class:`Diagnostic` (one problem at ``file:line``) and
the small exception tree every public function raises. Library code never
prints or exits; the CLI maps these classes to stable exit codes
(see ``docs/cli.md``).

    BenechError
    ├── ContentError     content/ has problems (carries every diagnostic)
    ├── ConfigError      an option or setting is out of range
    ├── RenderError      a template or writer failed on valid content
    ├── BuildError       some outputs failed; the others were written
    └── ImportError_     a source could not be imported (WordPress, ...)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters shown as escapes
    (``\\n``, ``\\u2028``), so a message is always exactly one line."""
    return "".join(ascii(ch)[1:-1] if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Location:
    """Where a value came from: a file and a 1-based line (0: the whole file)."""

    path: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def at(self, line: int) -> Location:
        return Location(self.path, line)


@dataclass(frozen=True)
class Diagnostic:
    """One problem, said in plain language, at a place in the content."""

    location: Location
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return one_line(f"{self.location}: {self.severity.value}: {self.message}")


class BenechError(Exception):
    """Base class of every error benech-publish raises on purpose."""


class ContentError(BenechError):
    """The content has problems; ``diagnostics`` lists every one of them."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = tuple(diagnostics)
        first = self.diagnostics[0] if self.diagnostics else None
        self.path = first.location.path if first else None
        self.line = first.location.line if first else None
        count = len(self.diagnostics)
        summary = str(first) if count == 1 else f"{count} problems in the content"
        super().__init__(summary)


class ConfigError(BenechError):
    """An option or a site setting is invalid (e.g. a colour pair with too little contrast)."""


class RenderError(BenechError):
    """A template or a writer failed on content that validated."""


class ImportError_(BenechError):
    """A source page could not be imported."""

    def __init__(self, source: str | Path, message: str):
        self.source = str(source)
        super().__init__(f"{source}: {message}")


@dataclass(frozen=True)
class JobFailure:
    """One planned output that could not be written."""

    output: str
    message: str


class BuildError(BenechError):
    """The build had problems; every output that could be written was written.

    ``report`` (a :class:`~benech_publish.build.BuildReport`) lists what was
    written, what failed and every content diagnostic.
    """

    def __init__(self, failures: Iterable[JobFailure], report: object = None):
        self.failures = tuple(failures)
        self.report = report
        super().__init__(f"{len(self.failures)} output(s) failed" if self.failures else "the content has problems")


class AuditFailed(BenechError):
    """Under ``strict``, a PDF whose audit found errors: the job writes nothing."""
